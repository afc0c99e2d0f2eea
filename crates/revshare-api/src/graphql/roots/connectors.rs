//! Billing connectors (SPEC §15): configured and read by admins.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, forget_reads, page_args, policy};
use crate::graphql::enums::{BillingProvider, CommissionBase, ConnectorEventStatus};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, InputObject, Object, SimpleObject};
use entity::{billing_connector, connector_event};
use revshare_core::auth::Principal;
use revshare_core::connectors::{self, Configure};
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A billing provider's connector and its settings.
#[derive(InputObject)]
pub struct ConfigureBillingConnectorInput {
    /// The billing system.
    pub provider: BillingProvider,
    /// The endpoint's signing secrets (Stripe's `whsec_…`): several while
    /// one rolls out; a signature made with any of them passes.
    pub signing_secrets: Vec<String>,
    /// What a sale's amount is (by default the amount paid less tax).
    #[graphql(default)]
    pub commission_base: CommissionBase,
    /// Whether it takes events (true by default).
    #[graphql(default = true)]
    pub enabled: bool,
}

/// A billing provider's webhooks, turned into attributions, sales and
/// refunds. Its signing secrets are never read back.
#[derive(SimpleObject)]
pub struct BillingConnector {
    /// The billing system.
    pub provider: BillingProvider,
    /// The path to give the provider, after revshare's public address
    /// (`https://revshare.example.com/connectors/stripe/acme`).
    pub endpoint_url: String,
    /// Disabled, its endpoint answers `404` and records nothing (the
    /// provider keeps retrying: enable it again within its retry window and
    /// nothing is lost).
    pub enabled: bool,
    /// What a sale's amount is: the amount paid, with or without tax.
    pub commission_base: CommissionBase,
    /// Events handled (redeliveries of one are not counted again).
    pub events_received: i32,
    /// Of those, the ones of a type not taken or with nothing to do.
    pub events_ignored: i32,
    /// Of those, the sales the ledger refused, kept to retry
    /// (`billingConnectorEvents(status: REFUSED)`).
    pub events_refused: i32,
    /// When it last handled an event.
    pub last_event_at: Option<DateTime>,
}

impl BillingConnector {
    fn of(row: billing_connector::Model, counts: connectors::Counts) -> BillingConnector {
        let path = match row.provider {
            entity::enums::BillingProvider::Stripe => "stripe",
            entity::enums::BillingProvider::Paddle => "paddle",
        };
        BillingConnector {
            provider: row.provider.into(),
            endpoint_url: format!("/connectors/{path}/{}", row.tenant_id),
            enabled: row.enabled,
            commission_base: row.commission_base.into(),
            events_received: i32::try_from(counts.received).unwrap_or(i32::MAX),
            events_ignored: i32::try_from(counts.ignored).unwrap_or(i32::MAX),
            events_refused: i32::try_from(counts.refused).unwrap_or(i32::MAX),
            last_event_at: counts.last_at.map(Into::into),
        }
    }
}

/// One delivery a billing provider made, as revshare took it.
#[derive(SimpleObject)]
pub struct BillingConnectorEvent {
    /// The provider's event id (`evt_…`, `ntf_…`).
    pub id: String,
    /// The provider's event type (`invoice.paid`).
    #[graphql(name = "type")]
    pub kind: String,
    /// What became of it.
    pub status: ConnectorEventStatus,
    /// Why it was ignored or waits, in words a support person can act on;
    /// null when done.
    pub reason: Option<String>,
    /// When revshare first took it.
    pub received_at: DateTime,
}

impl BillingConnectorEvent {
    fn of(row: connector_event::Model) -> BillingConnectorEvent {
        BillingConnectorEvent {
            id: row.event_id,
            kind: row.kind,
            status: row.status.into(),
            reason: row.reason,
            received_at: row.received_at.into(),
        }
    }
}

fn admin<'a>(ctx: &Context<'a>) -> ApiResult<&'a Principal> {
    let policy = policy(ctx)?;
    policy.admin("billing connectors are an admin's")?;
    Ok(policy.principal())
}

#[derive(Default)]
pub struct ConnectorQuery;

#[Object]
impl ConnectorQuery {
    /// The tenant's billing connectors (admins).
    async fn billing_connectors(&self, ctx: &Context<'_>) -> ApiResult<Vec<BillingConnector>> {
        let principal = admin(ctx)?;
        let conn = db(ctx)?.conn();
        let rows = connectors::list(conn, principal.tenant_id()).await?;
        let counts = connectors::counts(conn, principal.tenant_id()).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let counted = counts.get(&row.provider).copied().unwrap_or_default();
                BillingConnector::of(row, counted)
            })
            .collect())
    }

    /// A connector's deliveries (admins), each once however often the
    /// provider sent it, in the order of their ids: what was done, what
    /// was ignored and why, and the refunds and disputes waiting for their
    /// sale.
    async fn billing_connector_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The billing system.")] provider: BillingProvider,
        #[graphql(desc = "Only the deliveries with this outcome.")] status: Option<
            ConnectorEventStatus,
        >,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<BillingConnectorEvent>> {
        let principal = admin(ctx)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let provider: entity::enums::BillingProvider = provider.into();
        let select = revshare_core::connectors::events(
            principal.tenant_id(),
            provider,
            status.map(Into::into),
        );
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                connector_event::Column::EventId,
            ),
            |row| Some(BillingConnectorEvent::of(row)),
        )
        .await
    }
}

#[derive(Default)]
pub struct ConnectorMutation;

#[Object]
impl ConnectorMutation {
    /// Creates or replaces the tenant's connector for a provider (admins);
    /// its counters are kept.
    async fn configure_billing_connector(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider and its settings.")] input: ConfigureBillingConnectorInput,
    ) -> ApiResult<BillingConnector> {
        let principal = admin(ctx)?;
        forget_reads(ctx)?;
        let new = Configure {
            provider: input.provider.into(),
            signing_secrets: input.signing_secrets,
            commission_base: input.commission_base.into(),
            enabled: input.enabled,
        };
        let db = db(ctx)?;
        let row = connectors::configure(db, principal.tenant_id(), new).await?;
        let counts = connectors::counts(db.conn(), principal.tenant_id()).await?;
        let counted = counts.get(&row.provider).copied().unwrap_or_default();
        Ok(BillingConnector::of(row, counted))
    }

    /// Records again a delivery whose sale was refused (admins), once its
    /// cause is mended: answers what became of it now (`DONE`, or
    /// `REFUSED` again with the new reason).
    async fn retry_connector_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The billing system.")] provider: BillingProvider,
        #[graphql(desc = "The provider's event id (`evt_…`).")] id: String,
    ) -> ApiResult<BillingConnectorEvent> {
        let principal = admin(ctx)?;
        forget_reads(ctx)?;
        let row = revshare_core::connectors::retry(
            db(ctx)?,
            crate::graphql::context::ingest(ctx)?,
            principal.tenant_id(),
            provider.into(),
            &id,
        )
        .await?;
        Ok(BillingConnectorEvent::of(row))
    }
}
