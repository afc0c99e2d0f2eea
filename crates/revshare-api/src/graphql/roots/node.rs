//! Relay's global object identification (SPEC §19): the `Node` interface
//! every object with an id implements, and `node(id:)` / `nodes(ids:)`
//! that refetch any of them by the ids clients already hold
//! ([`revshare_core::nodes`] says why no id needed re-encoding).
//!
//! An object is answered exactly as its own query answers it: a type with
//! a query by id (`partner`, `commission`, `deal`, …) goes through that
//! query; the others are read by id and shown when the caller may read
//! them (the same rule their fields check). An id the caller may not read
//! — another tenant's or partner's, or one of a type its scopes do not
//! read — is `null`, never an error that tells it exists.

use super::{
    attribution::AttributionQuery, bounties::BountyQuery, campaigns::CampaignQuery,
    deals::DealQuery, groups::GroupQuery, ledger::LedgerQuery, partners::PartnerQuery,
    payouts::PayoutQuery, tiers::TierQuery, webhooks::WebhookQuery,
};
use crate::graphql::context::{db, policy};
use crate::graphql::objects::{
    Campaign, Category, Click, Commission, CommissionPlan, Contact, CustomField, CustomFieldOption,
    Customer, Deal, DealStage, DomainEvent, Email, Enrollment, Event, FraudFlag, Partner,
    PartnerApplication, PartnerCommission, PartnerGroup, PartnershipRequest, Payout, PayoutRun,
    ReferralCode, Seen, Tenant, TieredCommission, UnattributedEvent, WebhookDelivery,
    WebhookEndpoint,
};
use async_graphql::{Context, ID, Interface, Object};
use revshare_core::auth::access::{self, Column};
use revshare_core::db::Pool;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::events::log::Cursor;
use revshare_core::nodes::{self, Kind};

/// An object with an id: `node(id:)` fetches it again by that id alone
/// (Relay's Global Object Identification).
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Unique among every object of the API: `node(id:)` fetches it again."
))]
// A node is made for one answer and moved once into it; its variants are
// the object types themselves, as the interface lists them (a payout, the
// largest, is its whole row).
#[allow(clippy::large_enum_variant)]
pub enum Node {
    ActivityEntry(crate::graphql::objects::activity::ActivityEntry),
    Announcement(crate::graphql::objects::announcements::Announcement),
    Resource(crate::graphql::objects::resources::Resource),
    Backtest(super::backtests::Backtest),
    Bounty(crate::graphql::objects::Bounty),
    BountySubmission(crate::graphql::objects::BountySubmission),
    Broadcast(crate::graphql::objects::Broadcast),
    Campaign(Campaign),
    Category(Category),
    Click(Click),
    Commission(Commission),
    CommissionPlan(CommissionPlan),
    Contact(Contact),
    CustomField(CustomField),
    CustomFieldOption(CustomFieldOption),
    Customer(Customer),
    Deal(Deal),
    DealStage(DealStage),
    DomainEvent(DomainEvent),
    Email(Email),
    Enrollment(Enrollment),
    Event(Event),
    FraudFlag(FraudFlag),
    Import(super::imports::Import),
    Invoice(crate::graphql::objects::Invoice),
    Message(crate::graphql::objects::Message),
    Partner(Partner),
    PartnerApplication(PartnerApplication),
    PartnerCommission(PartnerCommission),
    PartnerGroup(PartnerGroup),
    PartnerLink(crate::graphql::objects::PartnerLink),
    PartnershipRequest(PartnershipRequest),
    Payout(Payout),
    PayoutRun(PayoutRun),
    ReferralCode(ReferralCode),
    Retainer(crate::graphql::objects::Retainer),
    TaxForm1099(crate::graphql::objects::TaxForm1099),
    Tenant(Tenant),
    TieredCommission(TieredCommission),
    UnattributedEvent(UnattributedEvent),
    WebhookDelivery(WebhookDelivery),
    WebhookEndpoint(WebhookEndpoint),
    Workflow(crate::graphql::objects::Workflow),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this id, whatever its type; null when there is
    /// none the caller may read.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An object's `id`.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        let tenant = policy(ctx)?.tenant_id();
        let kinds = nodes::locate(db(ctx)?.conn(), tenant, &[id.as_str()]).await?;
        fetch(ctx, &id, kinds.get(id.as_str()).copied()).await
    }

    /// The objects with these ids (at most 100), in the order given; null
    /// for each there is none the caller may read.
    #[graphql(complexity = "10 + ids.len().min(nodes::MAX_IDS).saturating_mul(child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Objects' `id`s, 1 to 100.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        let tenant = policy(ctx)?.tenant_id();
        if ids.is_empty() || ids.len() > nodes::MAX_IDS {
            return Err(ApiError::bad_input(
                "ids",
                format!("must have 1 to {} ids", nodes::MAX_IDS),
            ));
        }
        let wanted: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        let kinds = nodes::locate(db(ctx)?.conn(), tenant, &wanted).await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in &ids {
            found.push(fetch(ctx, id, kinds.get(id.as_str()).copied()).await?);
        }
        Ok(found)
    }
}

/// A query method's answer, called from here rather than by the executor
/// (which would have turned its own error into a GraphQL error).
fn flat<T>(answer: Result<ApiResult<T>, async_graphql::Error>) -> ApiResult<T> {
    answer.map_err(|e| ApiError::internal("node query", e.message))?
}

/// An answer of a type's own query, with a refusal for the caller's scopes
/// read as nothing to show.
fn shown<T>(answer: ApiResult<Option<T>>, node: impl FnOnce(T) -> Node) -> ApiResult<Option<Node>> {
    match answer {
        Ok(found) => Ok(found.map(node)),
        Err(ApiError::Forbidden(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The object of `row` when the caller reads it, else none.
fn found<O: Seen>(
    ctx: &Context<'_>,
    row: O::Row,
    node: impl FnOnce(O) -> Node,
) -> ApiResult<Option<Node>> {
    Ok(O::found(policy(ctx)?, row).map(node))
}

/// The object `id` names as `node(id:)` answers it.
pub(crate) async fn node_by_id(ctx: &Context<'_>, id: &str) -> ApiResult<Option<Node>> {
    let tenant = policy(ctx)?.tenant_id();
    let kinds = nodes::locate(db(ctx)?.conn(), tenant, &[id]).await?;
    fetch(ctx, &ID(id.to_owned()), kinds.get(id).copied()).await
}

/// The object `id` names, `kind` being where it was found (none: not a
/// ULID row — the tenant, a domain event — or nothing).
async fn fetch(ctx: &Context<'_>, id: &ID, kind: Option<Kind>) -> ApiResult<Option<Node>> {
    let policy = policy(ctx)?;
    let id = ID(id.to_string());
    let Some(kind) = kind else {
        if id.as_str() == policy.tenant_id() {
            let tenant = policy.principal().tenant.as_ref().clone();
            return Ok(Some(Node::Tenant(Tenant::shown(ctx, tenant)?)));
        }
        return domain_event(ctx, &id).await;
    };
    match kind {
        Kind::Customer | Kind::WebhookDelivery | Kind::Click => by_parent(ctx, &id, kind).await,
        Kind::Campaign
        | Kind::Bounty
        | Kind::Commission
        | Kind::CommissionPlan
        | Kind::Deal
        | Kind::Invoice
        | Kind::Partner
        | Kind::PartnerGroup
        | Kind::Payout
        | Kind::PayoutRun
        | Kind::Retainer
        | Kind::Announcement
        | Kind::Resource
        | Kind::TieredCommission
        | Kind::WebhookEndpoint => by_query(ctx, id, kind).await,
        other => by_row(ctx, db(ctx)?.conn(), policy.tenant_id(), &id, other).await,
    }
}

/// The kinds with a query by id of their own: its answer, so `node(id:)`
/// shows exactly what that query shows.
async fn by_query(ctx: &Context<'_>, id: ID, kind: Kind) -> ApiResult<Option<Node>> {
    match kind {
        Kind::Campaign => shown(flat(CampaignQuery.campaign(ctx, id).await), Node::Campaign),
        Kind::Bounty => shown(flat(BountyQuery.bounty(ctx, id).await), Node::Bounty),
        Kind::Commission => shown(
            flat(LedgerQuery.commission(ctx, id).await),
            Node::Commission,
        ),
        Kind::CommissionPlan => shown(
            flat(DealQuery.commission_plan(ctx, id).await),
            Node::CommissionPlan,
        ),
        Kind::Deal => shown(flat(DealQuery.deal(ctx, id).await), Node::Deal),
        Kind::Invoice => shown(
            flat(super::invoices::InvoiceQuery.invoice(ctx, id).await),
            Node::Invoice,
        ),
        Kind::Partner => shown(flat(PartnerQuery.partner(ctx, id).await), Node::Partner),
        Kind::PartnerGroup => shown(
            flat(GroupQuery.partner_group(ctx, id).await),
            Node::PartnerGroup,
        ),
        Kind::Payout => shown(flat(PayoutQuery.payout(ctx, id).await), Node::Payout),
        Kind::PayoutRun => shown(flat(PayoutQuery.payout_run(ctx, id).await), Node::PayoutRun),
        Kind::Retainer => shown(
            flat(super::retainers::RetainerQuery.retainer(ctx, id).await),
            Node::Retainer,
        ),
        Kind::Announcement => shown(
            flat(
                super::announcements::AnnouncementQuery
                    .announcement(ctx, id)
                    .await,
            ),
            Node::Announcement,
        ),
        Kind::Resource => shown(
            flat(super::resources::ResourceQuery.resource(ctx, id).await),
            Node::Resource,
        ),
        Kind::TieredCommission => shown(
            flat(TierQuery.tiered_commission(ctx, id).await),
            Node::TieredCommission,
        ),
        Kind::WebhookEndpoint => shown(
            flat(WebhookQuery.webhook_endpoint(ctx, id).await),
            Node::WebhookEndpoint,
        ),
        other => Err(ApiError::internal("node kind", format!("{other:?}"))),
    }
}

/// The kinds read through what they belong to: a customer by its external
/// id's query, a delivery by who may read its endpoint, a click with its
/// code.
async fn by_parent(ctx: &Context<'_>, id: &str, kind: Kind) -> ApiResult<Option<Node>> {
    let (conn, tenant) = (db(ctx)?.conn(), policy(ctx)?.tenant_id());
    match kind {
        Kind::Customer => {
            let Some(found) = nodes::row::<entity::attribution::Entity>(conn, tenant, id).await?
            else {
                return Ok(None);
            };
            let external_id = found.customer_external_id;
            shown(
                flat(AttributionQuery.customer(ctx, external_id).await),
                Node::Customer,
            )
        }
        Kind::WebhookDelivery => {
            let Some(delivery) =
                nodes::row::<entity::webhook_delivery::Entity>(conn, tenant, id).await?
            else {
                return Ok(None);
            };
            let endpoint_id = ID(delivery.endpoint_id.clone());
            let endpoint = flat(WebhookQuery.webhook_endpoint(ctx, endpoint_id).await);
            match endpoint {
                Ok(Some(endpoint)) => {
                    let partner = endpoint.0.read(Column::Row)?.partner_id.clone();
                    found(ctx, (delivery, partner), Node::WebhookDelivery)
                }
                Ok(None) | Err(ApiError::Forbidden(_)) => Ok(None),
                Err(err) => Err(err),
            }
        }
        Kind::Click => {
            let Some(click) = nodes::row::<entity::click::Entity>(conn, tenant, id).await? else {
                return Ok(None);
            };
            let code_id = &click.referral_code_id;
            let Some(code) =
                nodes::row::<entity::referral_code::Entity>(conn, tenant, code_id).await?
            else {
                return Ok(None);
            };
            let target = None;
            let click = revshare_core::attribution::clicks::Clicked {
                click,
                code,
                target,
            };
            found(ctx, click, Node::Click)
        }
        other => Err(ApiError::internal("node kind", format!("{other:?}"))),
    }
}

/// The kinds with no query by id of their own: read by id, shown when the
/// caller may read them.
async fn by_row(
    ctx: &Context<'_>,
    conn: &Pool,
    tenant: &str,
    id: &str,
    kind: Kind,
) -> ApiResult<Option<Node>> {
    use entity::{
        activity, category, contact, custom_field, custom_field_option, deal_stage, enrollment,
        event, fraud_flag, partner_application, partner_commission, partnership_request,
        referral_code, unattributed_event,
    };
    macro_rules! read {
        ($entity:ident, $object:ty, $variant:ident) => {
            match nodes::row::<$entity::Entity>(conn, tenant, id).await? {
                Some(row) => found::<$object>(ctx, row, Node::$variant),
                None => Ok(None),
            }
        };
    }
    match kind {
        Kind::Category => read!(category, Category, Category),
        // As `contacts` answers: a partner reads its own staff here, not
        // the tenant's people it meets on its deals.
        Kind::Contact => match nodes::row::<contact::Entity>(conn, tenant, id).await? {
            Some(row)
                if policy(ctx)?
                    .partner_rows(None)
                    .holds(row.partner_id.as_deref()) =>
            {
                found::<Contact>(ctx, row, Node::Contact)
            }
            _ => Ok(None),
        },
        Kind::CustomField => read!(custom_field, CustomField, CustomField),
        Kind::CustomFieldOption => read!(custom_field_option, CustomFieldOption, CustomFieldOption),
        Kind::DealStage => read!(deal_stage, DealStage, DealStage),
        Kind::Message => match nodes::row::<entity::message::Entity>(conn, tenant, id).await? {
            Some(row) => found::<crate::graphql::objects::Message>(ctx, row, Node::Message),
            None => Ok(None),
        },
        // The staff's alone, as `broadcasts` and `workflows` answer.
        Kind::Broadcast => match nodes::row::<entity::broadcast::Entity>(conn, tenant, id).await? {
            Some(found) if policy(ctx)?.finds(access::Kind::Broadcast).is_ok() => Ok(
                crate::graphql::objects::Broadcast::found(policy(ctx)?, found).map(Node::Broadcast),
            ),
            _ => Ok(None),
        },
        Kind::Workflow => match nodes::row::<entity::workflow::Entity>(conn, tenant, id).await? {
            Some(found) if policy(ctx)?.finds(access::Kind::Workflow).is_ok() => Ok(
                crate::graphql::objects::Workflow::found(policy(ctx)?, found).map(Node::Workflow),
            ),
            _ => Ok(None),
        },
        Kind::Enrollment => read!(enrollment, Enrollment, Enrollment),
        // As `commission(id:)` is looked up (the table's finding): an
        // `events:write` caller finds no event by id; `deals:read` a deal's.
        Kind::Event => read!(event, Event, Event),
        Kind::FraudFlag => read!(fraud_flag, FraudFlag, FraudFlag),
        // Who may start it, as `backtest` answers.
        Kind::Backtest => match nodes::row::<entity::backtest::Entity>(conn, tenant, id).await? {
            Some(found) => Ok(super::backtests::readable(policy(ctx)?, found)?.map(Node::Backtest)),
            None => Ok(None),
        },
        // The staff's alone, as `import` answers.
        Kind::Import => match nodes::row::<entity::import::Entity>(conn, tenant, id).await? {
            Some(found) if policy(ctx)?.finds(access::Kind::Import).is_ok() => {
                Ok(super::imports::Import::seen(policy(ctx)?, found).map(Node::Import))
            }
            _ => Ok(None),
        },
        // The staff's alone, as `emails` answers.
        Kind::Email => match nodes::row::<entity::email::Entity>(conn, tenant, id).await? {
            Some(found) if policy(ctx)?.finds(access::Kind::Email).is_ok() => {
                Ok(Email::seen(policy(ctx)?, found).map(Node::Email))
            }
            _ => Ok(None),
        },
        Kind::PartnerApplication => {
            read!(partner_application, PartnerApplication, PartnerApplication)
        }
        Kind::PartnerCommission => read!(partner_commission, PartnerCommission, PartnerCommission),
        Kind::PartnershipRequest => {
            read!(partnership_request, PartnershipRequest, PartnershipRequest)
        }
        Kind::ReferralCode => read!(referral_code, ReferralCode, ReferralCode),
        Kind::ActivityEntry => read!(
            activity,
            crate::graphql::objects::activity::ActivityEntry,
            ActivityEntry
        ),
        Kind::BountySubmission => {
            match nodes::row::<entity::bounty_submission::Entity>(conn, tenant, id).await? {
                Some(row) => found::<crate::graphql::objects::BountySubmission>(
                    ctx,
                    row,
                    Node::BountySubmission,
                ),
                None => Ok(None),
            }
        }
        Kind::PartnerLink => match nodes::row::<entity::partner_link::Entity>(conn, tenant, id)
            .await?
        {
            Some(row) => found::<crate::graphql::objects::PartnerLink>(ctx, row, Node::PartnerLink),
            None => Ok(None),
        },
        // Its payee's partners and the staff who read tax, as
        // `Partner.taxForms` answers.
        Kind::TaxForm => match nodes::row::<entity::tax_form::Entity>(conn, tenant, id).await? {
            Some(form) => Ok(crate::graphql::objects::form_for(conn, policy(ctx)?, form)
                .await?
                .map(Node::TaxForm1099)),
            None => Ok(None),
        },
        Kind::UnattributedEvent => read!(unattributed_event, UnattributedEvent, UnattributedEvent),
        _ => Err(ApiError::internal("node kind", format!("{kind:?}"))),
    }
}

/// A domain event by its id (32 hex digits), when the caller reads it.
async fn domain_event(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let Ok(cursor) = Cursor::parse("id", id) else {
        return Ok(None);
    };
    let tenant = policy(ctx)?.tenant_id();
    match revshare_core::events::log::find(db(ctx)?.conn(), tenant, &cursor).await? {
        Some(event) => found::<DomainEvent>(ctx, event, Node::DomainEvent),
        None => Ok(None),
    }
}
