//! Referral codes, clicks, customers and held events (SPEC §15).

use super::{
    Campaign, Click, Commission, Customer, Partner, ReferralCode, Seen, UnattributedEvent, money,
};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::page_args;
use crate::graphql::context::{loader, policy};
use crate::graphql::enums::{AttributionSource, EventKind, EventSource};
use crate::graphql::loaders::{load_campaign, load_partner};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, Enum, ID, Object};
use entity::commission;
use revshare_core::auth::access::Column as C;
use revshare_core::error::ApiResult;
use revshare_core::paging::{COMMISSION_LIMITS, PageRequest};

/// A partner's referral code in a campaign.
#[Object]
impl ReferralCode {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Lower case; a link is `/r/{tenantId}/{code}`.
    async fn code(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.code)
    }

    /// The partner it refers for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign its customers count in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.0.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// The billing system's promotion code that attributes like this code.
    async fn coupon_code(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.coupon_code.as_deref())
    }

    /// Visits of its link.
    async fn clicks(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(i32::try_from(row.clicks).unwrap_or(i32::MAX))
    }

    /// Visits of its link its campaign or its partner's group ignores
    /// (SPEC §37): redirected, attributing no one; once per visitor and
    /// hour.
    async fn ignored_clicks(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(i32::try_from(row.ignored_clicks).unwrap_or(i32::MAX))
    }

    /// Customers it attributed (by its clicks, the code or its coupon).
    async fn customers(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(i32::try_from(row.customers).unwrap_or(i32::MAX))
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// Archived codes attribute nothing new.
    async fn archived_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.archived_at.map(Into::into))
    }
}

/// A visit of a referral link.
#[Object]
impl Click {
    /// Hand it back at checkout (`client_reference_id`, or
    /// `attributeCustomer(clickId:)`).
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().click.id.clone())
    }

    /// The code whose link was followed.
    async fn code(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Recorded)?.code.code)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Recorded)?.click.created_at.into())
    }
}

/// A customer of the tenant, tied to the partner who brought it.
#[Object]
impl Customer {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The customer's id in your systems (Stripe's `cus_…`, say).
    async fn external_id(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.customer_external_id)
    }

    /// The partner who brought it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign its sales count in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.0.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// When it was tied to its partner.
    async fn attributed_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.attributed_at.into())
    }

    /// How: a click, a code, a coupon, by hand or a billing connector.
    async fn attributed_by(&self) -> ApiResult<AttributionSource> {
        let row = self.0.read(C::Row)?;
        Ok(row.source.into())
    }

    /// What its sales earned, oldest first: every partner's with
    /// `commissions:read`; a partner token its own (a customer reassigned
    /// away keeps what it earned before with its first partner).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many rows from the start, or after `after` (1 to 500, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        let customer = self.0.read(C::Money)?;
        let policy = policy(ctx)?;
        let rows = policy.partner_rows(None);
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let select = revshare_core::attribution::customers::commissions(
            &customer.tenant_id,
            &customer.customer_external_id,
            &rows,
        );
        let db = crate::graphql::context::db(ctx)?;
        list_connection(
            revshare_core::reads::lists::list(db.conn(), &request, select, commission::Column::Id),
            |row| Commission::seen(policy, row).map(Ready),
        )
        .await
    }

    /// Its reassignments: the partner and campaign it moved from and to,
    /// with the note, by whom and when.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Change>> {
        let row = self.0.read(C::History)?;
        let changes = loader(ctx)?
            .load_one(crate::graphql::loaders::ChangesOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        let policy = policy(ctx)?;
        Ok(changes
            .into_iter()
            .map(|row| super::Change::seen_by(policy, row))
            .collect())
    }

    /// Admins and `commissions:read` read it whole; its partner masked
    /// (`j***@example.com`).
    async fn email(&self) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Email)?;
        let masked = !self.0.reads(C::EmailWhole);
        Ok(row.email.as_deref().map(|email| match masked {
            true => revshare_core::attribution::masked_email(email),
            false => email.to_owned(),
        }))
    }
}

/// Why a sale or lead waits before it is accrued.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::HeldReason")]
pub enum HeldReason {
    /// It named only a customer nobody has attributed yet.
    Unattributed,
    /// It is in another currency than its campaign's and no rate was
    /// published within 7 days before it yet: accrued when one is imported.
    NoExchangeRate,
}

/// A sale or lead held until its customer is attributed, or until the
/// rate of its currency is imported.
#[Object]
impl UnattributedEvent {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its `externalId`, as sent.
    async fn external_id(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Recorded)?;
        Ok(&row.external_id)
    }

    /// Its customer (empty for a lead held for its rate that named none).
    async fn customer_external_id(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Recorded)?;
        Ok(&row.customer_external_id)
    }

    /// Why it waits.
    async fn reason(&self) -> ApiResult<HeldReason> {
        let row = self.0.read(C::Recorded)?;
        Ok(row.reason.into())
    }

    /// A sale or a lead.
    async fn kind(&self) -> ApiResult<EventKind> {
        let row = self.0.read(C::Recorded)?;
        Ok(row.kind.into())
    }

    /// The charge's amount.
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Recorded)?;
        money(row.amount_minor, &row.currency)
    }

    /// Its currency: the one it was sent in.
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Recorded)?;
        Ok(&row.currency)
    }

    /// When it happened.
    async fn occurred_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Recorded)?;
        Ok(row.occurred_at.into())
    }

    /// Where it came from: the API or a billing connector.
    async fn source(&self) -> ApiResult<EventSource> {
        let row = self.0.read(C::Recorded)?;
        Ok(row.source.into())
    }
}
