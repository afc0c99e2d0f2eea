//! Fields of campaigns, partnership requests, enrollments, snapshots and
//! terms in force.

use super::{Campaign, Enrollment, Partner, PartnerCommission, PartnershipRequest, TermsInForce};
use crate::auth::Scope;
use crate::auth::access::Policy;
use crate::campaigns;
use crate::error::ApiResult;
use crate::graphql::context::{Owner, guard, loader};
use crate::graphql::enums::{
    CampaignStatus, RequestStatus, SnapshotSource, TermsSource, Visibility,
};
use crate::graphql::loaders::{load_campaign, load_partner};
use crate::graphql::ready::{ReadyFields, enumerated, scalar, text};
use crate::graphql::rules::{GroupRule, group_rules};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, Value};

/// A campaign's name is a label, shown beside the commissions it earned;
/// the rest needs `campaigns:read`. Partner tokens reach only campaigns open
/// to them (public, the default, their own).
const CAMPAIGN_LABEL: &[Scope] = &[
    Scope::CampaignsRead,
    Scope::CommissionsRead,
    Scope::DealsRead,
    Scope::TieredCommissionsRead,
];
const CAMPAIGN_DETAILS: &[Scope] = &[Scope::CampaignsRead];

impl Campaign {
    fn details(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, CAMPAIGN_DETAILS, Owner::AnyPartner)
    }
}

impl ReadyFields for Campaign {
    fn ready(&self, caller: &Policy, name: &str) -> Option<Value> {
        let row = &*self.0;
        match name {
            "id" => return Some(Value::String(row.id.clone())),
            "name" => {
                caller.allows(CAMPAIGN_LABEL, Owner::AnyPartner).ok()?;
                return Some(Value::String(row.name.clone()));
            }
            _ => {}
        }
        caller.allows(CAMPAIGN_DETAILS, Owner::AnyPartner).ok()?;
        Some(match name {
            "description" => text(row.description.as_deref()),
            "status" => enumerated::<CampaignStatus>(row.status),
            "currency" => Value::String(row.currency.clone()),
            "holdbackDays" => row.holdback_days.map_or(Value::Null, Value::from),
            "visibility" => enumerated::<Visibility>(row.visibility),
            "isDefault" => Value::Boolean(row.is_default),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }
}

/// An offer partners promote, with its commission terms.
#[Object]
impl Campaign {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its name: a label shown wherever its data is.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, CAMPAIGN_LABEL, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// What partners promote in it.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.description.as_deref())
    }

    /// Whether it takes events and partners.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<CampaignStatus> {
        self.details(ctx)?;
        Ok(self.0.status.into())
    }

    /// What its events and commissions are in (ISO 4217).
    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.details(ctx)?;
        Ok(&self.0.currency)
    }

    /// The campaign's own rules; null when partners fall through to their group's.
    async fn rules(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<GroupRule>>> {
        self.details(ctx)?;
        Ok(campaigns::rules_of(&self.0)?.as_ref().map(group_rules))
    }

    /// Days a commission waits before it matures and is approved automatically.
    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.details(ctx)?;
        Ok(self.0.holdback_days)
    }

    /// Where a referral link (`/r/{tenantId}/{code}`) sends its visitor,
    /// with `ref` and `click` added; none: links are `404`.
    async fn landing_url(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.landing_url.as_deref())
    }

    /// How long a click attributes, and a held sale is accrued when its
    /// customer is attributed (90 unless set).
    async fn attribution_window_days(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.details(ctx)?;
        Ok(self.0.attribution_window_days)
    }

    /// Whether partners may apply (`PUBLIC`) or join only when invited.
    async fn visibility(&self, ctx: &Context<'_>) -> ApiResult<Visibility> {
        self.details(ctx)?;
        Ok(self.0.visibility.into())
    }

    /// What its public application form asks besides name, e-mail, website
    /// and country.
    async fn application_questions(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        self.details(ctx)?;
        Ok(campaigns::questions_of(&self.0))
    }

    /// Whether an application is approved as soon as its address is
    /// confirmed.
    async fn auto_approve_applications(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.details(ctx)?;
        Ok(self.0.auto_approve_applications)
    }

    /// Whether partners may send paid-ad traffic; when false, a click from
    /// a paid ad is flagged (`PAID_AD_CLICK`).
    async fn allow_paid_ads(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.details(ctx)?;
        Ok(self.0.allow_paid_ads)
    }

    /// Every partner takes part in the default campaign without enrolling.
    async fn is_default(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.details(ctx)?;
        Ok(self.0.is_default)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.updated_at.into())
    }
}

/// Enrollment data (requests, enrollments) is the campaign manager's and
/// the partner's own.
fn enrollment_data(ctx: &Context<'_>, partner_id: &str) -> ApiResult<()> {
    guard(ctx, &[Scope::CampaignsRead], Owner::Partner(partner_id))
}

impl PartnershipRequest {
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        enrollment_data(ctx, &self.0.partner_id)
    }
}

impl Enrollment {
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        enrollment_data(ctx, &self.row.partner_id)
    }
}

/// A partner's request to join a public campaign.
#[Object]
impl PartnershipRequest {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The partner that applied.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The campaign it applied to.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// Pending until the tenant approves or rejects it.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<RequestStatus> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.status.into())
    }

    /// Why the request was rejected.
    async fn reason(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.reason.as_deref())
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.created_at.into())
    }

    /// When it was approved or rejected.
    async fn decided_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.decided_at.map(DateTime::from))
    }
}

/// A partner's place in a campaign, with the snapshot of the terms it joined
/// under.
#[Object]
impl Enrollment {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }

    /// The partner enrolled.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.row.partner_id).await?,
        ))
    }

    /// The campaign it is in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.row.campaign_id).await?,
        ))
    }

    /// The terms stamped when it joined.
    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(self.snapshot.clone().map(PartnerCommission))
    }

    /// `APPROVAL` or `INVITE`.
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<SnapshotSource> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(self.row.source.into())
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(self.row.created_at.into())
    }
}

impl PartnerCommission {
    /// The terms a commission was computed with are part of the ledger's
    /// audit trail too.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(
            ctx,
            &[Scope::CampaignsRead, Scope::CommissionsRead],
            Owner::Partner(&self.0.partner_id),
        )
    }
}

/// A snapshot of the terms a partner has in a campaign. Null fields fall
/// through to the campaign (and, for rules, to the group).
#[Object]
impl PartnerCommission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The partner the terms are for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The campaign the terms apply in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        Ok(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// Its rules; null falls through to the campaign's, then the group's.
    async fn rules(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<GroupRule>>> {
        self.readable(ctx)?;
        Ok(self
            .0
            .rules
            .as_ref()
            .map(crate::engine::decode_rules)
            .transpose()?
            .as_ref()
            .map(group_rules))
    }

    /// Days before a commission matures; null falls through to the campaign's.
    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.readable(ctx)?;
        Ok(self.0.holdback_days)
    }

    /// How it was stamped: an approved application, an invitation or an
    /// amendment.
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<SnapshotSource> {
        self.readable(ctx)?;
        Ok(self.0.source.into())
    }

    /// Why an amendment was made.
    async fn note(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.note.as_deref())
    }

    /// The `sub` of the token that stamped it.
    async fn created_by(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.created_by)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }
}

// Reached only through `Partner.termsInForce`, which checks its scope.
/// The terms that apply to a partner's next event in a campaign, and where each
/// comes from.
#[Object]
impl TermsInForce {
    /// The campaign they apply in.
    async fn campaign(&self) -> Campaign {
        Campaign::from(self.campaign.clone())
    }

    /// The rules in force.
    async fn rules(&self) -> Vec<GroupRule> {
        group_rules(&self.terms.rules)
    }

    /// Where the rules come from: the partner's snapshot, the campaign or the
    /// group.
    async fn rules_source(&self) -> TermsSource {
        self.terms.rules_source.into()
    }

    /// Days before a commission matures (none: approved by hand).
    async fn holdback_days(&self) -> Option<i32> {
        self.terms.holdback_days
    }

    /// Where the holdback comes from: the partner's snapshot or the campaign.
    async fn holdback_source(&self) -> TermsSource {
        self.terms.holdback_source.into()
    }

    /// The snapshot in force, if the partner has one for the campaign.
    async fn snapshot(&self) -> Option<PartnerCommission> {
        self.terms.snapshot.clone().map(PartnerCommission)
    }
}
