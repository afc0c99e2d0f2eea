//! Referral codes, clicks, customers and held events (SPEC §15).

use super::Commission;
use super::{Campaign, Click, Customer, Partner, ReferralCode, UnattributedEvent, money};
use crate::auth::Scope;
use crate::error::ApiResult;
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::page_args;
use crate::graphql::context::{Owner, guard, loader, policy};
use crate::graphql::enums::{AttributionSource, EventKind, EventSource};
use crate::graphql::loaders::{load_campaign, load_partner};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use crate::paging::{COMMISSION_LIMITS, PageRequest};
use async_graphql::{Context, Enum, ID, Object};
use entity::commission;

/// Who reads a code: its partner, and the scopes that read partners'
/// programs.
const CODE_SCOPES: &[Scope] = &[
    Scope::PartnersRead,
    Scope::CampaignsRead,
    Scope::CommissionsRead,
];
/// Who reads a customer: its partner (its e-mail masked), the scopes that
/// read what it earns, and `events:write` (the customer it attributed,
/// as it records the sales it earns on) …
const CUSTOMER_SCOPES: &[Scope] = &[
    Scope::CommissionsRead,
    Scope::PartnersRead,
    Scope::EventsWrite,
];
/// … but not its e-mail.
const EMAIL_SCOPES: &[Scope] = &[Scope::CommissionsRead, Scope::PartnersRead];

impl ReferralCode {
    /// Its partner, and the scopes that read partners' programs.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))
    }
}

impl Click {
    /// Who reads its code.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.code.partner_id))
    }
}

impl UnattributedEvent {
    /// Held sales are the tenant's, read with `commissions:read`.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, &[Scope::CommissionsRead], Owner::NoPartner)
    }
}

/// A partner's referral code in a campaign.
#[Object]
impl ReferralCode {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Lower case; a link is `/r/{tenantId}/{code}`.
    async fn code(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(&self.0.code)
    }

    /// The partner it refers for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The campaign its customers count in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(Campaign(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// The billing system's promotion code that attributes like this code.
    async fn coupon_code(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(self.0.coupon_code.as_deref())
    }

    /// Visits of its link.
    async fn clicks(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(i32::try_from(self.0.clicks).unwrap_or(i32::MAX))
    }

    /// Customers it attributed (by its clicks, the code or its coupon).
    async fn customers(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(i32::try_from(self.0.customers).unwrap_or(i32::MAX))
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(self.0.created_at.into())
    }

    /// Archived codes attribute nothing new.
    async fn archived_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        guard(ctx, CODE_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(self.0.archived_at.map(Into::into))
    }
}

/// A visit of a referral link.
#[Object]
impl Click {
    /// Hand it back at checkout (`client_reference_id`, or
    /// `attributeCustomer(clickId:)`).
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.click.id.clone())
    }

    /// The code whose link was followed.
    async fn code(&self) -> &str {
        &self.0.code.code
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.click.created_at.into()
    }
}

/// A customer of the tenant, tied to the partner who brought it.
#[Object]
impl Customer {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The customer's id in your systems (Stripe's `cus_…`, say).
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, CUSTOMER_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(&self.0.customer_external_id)
    }

    /// The partner who brought it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        guard(ctx, CUSTOMER_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The campaign its sales count in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        guard(ctx, CUSTOMER_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(Campaign(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// When it was tied to its partner.
    async fn attributed_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        guard(ctx, CUSTOMER_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(self.0.attributed_at.into())
    }

    /// How: a click, a code, a coupon, by hand or a billing connector.
    async fn attributed_by(&self, ctx: &Context<'_>) -> ApiResult<AttributionSource> {
        guard(ctx, CUSTOMER_SCOPES, Owner::Partner(&self.0.partner_id))?;
        Ok(self.0.source.into())
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
        let policy = policy(ctx)?;
        policy.allows(
            &[Scope::CommissionsRead],
            Owner::Partner(&self.0.partner_id),
        )?;
        let rows = policy.rows(None, &[Scope::CommissionsRead])?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let select = crate::attribution::customers::commissions(
            &self.0.tenant_id,
            &self.0.customer_external_id,
            &rows,
        );
        let db = crate::graphql::context::db(ctx)?;
        list_connection(db.conn(), &request, select, commission::Column::Id, |row| {
            Ready(Commission(row))
        })
        .await
    }

    /// Its reassignments: the partner and campaign it moved from and to,
    /// with the note, by whom and when.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Change>> {
        guard(ctx, EMAIL_SCOPES, Owner::NoPartner)?;
        let changes = loader(ctx)?
            .load_one(crate::graphql::loaders::ChangesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(changes.into_iter().map(super::Change).collect())
    }

    /// Admins and `commissions:read` read it whole; its partner masked
    /// (`j***@example.com`).
    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        guard(ctx, EMAIL_SCOPES, Owner::Partner(&self.0.partner_id))?;
        let masked = policy(ctx)?.masks_customer_emails();
        Ok(self.0.email.as_deref().map(|email| match masked {
            true => crate::attribution::masked_email(email),
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
        ID(self.0.id.clone())
    }

    /// Its `externalId`, as sent.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }

    /// Its customer (empty for a lead held for its rate that named none).
    async fn customer_external_id(&self) -> &str {
        &self.0.customer_external_id
    }

    /// Why it waits.
    async fn reason(&self) -> HeldReason {
        self.0.reason.into()
    }

    /// A sale or a lead.
    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }

    /// The charge's amount.
    async fn amount(&self) -> ApiResult<Decimal> {
        money(self.0.amount_minor, &self.0.currency)
    }

    /// Its currency: the one it was sent in.
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime {
        self.0.occurred_at.into()
    }

    /// Where it came from: the API or a billing connector.
    async fn source(&self) -> EventSource {
        self.0.source.into()
    }
}
