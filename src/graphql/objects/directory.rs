//! Fields of partners, their categories and groups.

use super::{
    Balance, Category, Change, Commission, Enrollment, Money, Partner, PartnerCommission,
    PartnerGroup, Payout, PayoutMethod, PayoutMinimum, TaxProfile, TermsInForce, TierProgress,
    balances,
};
use crate::auth::Scope;
use crate::auth::access::Policy;
use crate::campaigns::enrollment;
use crate::directory::groups;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{Owner, guard, loader, page_args, policy};
use crate::graphql::enums::{CommissionStatus, PartnerStatus, PartnerType};
use crate::graphql::loaders::{
    BalanceOf, CampaignId, CategoriesOf, ChangesOf, DefaultCampaign, EnrollmentsOf, GroupId,
    GroupPartners, PartnerCommissions, PartnerCountOf, PartnerPayouts, SnapshotsOf,
};
use crate::graphql::ready::{Ready, ReadyFields, enumerated, scalar, text};
use crate::graphql::rules::{GroupRule, group_rules};
use crate::graphql::scalars::DateTime;
use crate::paging::{COMMISSION_LIMITS, DEFAULT_LIMITS, Page, PageRequest};
use async_graphql::{Context, ID, Object, Value};
use std::sync::Arc;

/// A partner's name is a label, shown wherever data that refers to the
/// partner is (its commissions, its campaigns, its deals, the plans and
/// tiers naming it); the rest of its record needs `partners:read`. Its own token reads
/// all of it.
const PARTNER_LABEL: &[Scope] = &[
    Scope::PartnersRead,
    Scope::CommissionsRead,
    Scope::CampaignsRead,
    Scope::DealsRead,
    Scope::CommissionPlansRead,
    Scope::TieredCommissionsRead,
];
/// Group and category names are labels too, shown on the plans restricted
/// to them.
const GROUP_LABEL: &[Scope] = &[
    Scope::PartnerGroupsRead,
    Scope::PartnersRead,
    Scope::CommissionPlansRead,
];
const CATEGORY_LABEL: &[Scope] = &[Scope::PartnersRead, Scope::CommissionPlansRead];
const PARTNER_DETAILS: &[Scope] = &[Scope::PartnersRead];

impl Partner {
    fn details(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, PARTNER_DETAILS, Owner::Partner(&self.0.id))
    }

    fn own(&self, ctx: &Context<'_>, scope: Scope) -> ApiResult<()> {
        guard(ctx, &[scope], Owner::Partner(&self.0.id))
    }
}

impl ReadyFields for Partner {
    fn ready(&self, caller: &Policy, name: &str) -> Option<Value> {
        let row = &*self.0;
        let owner = Owner::Partner(&row.id);
        match name {
            "id" => return Some(Value::String(row.id.clone())),
            "name" => {
                caller.allows(PARTNER_LABEL, owner).ok()?;
                return Some(Value::String(row.name.clone()));
            }
            _ => {}
        }
        caller.allows(PARTNER_DETAILS, owner).ok()?;
        Some(match name {
            "email" => text(row.email.as_deref()),
            "externalId" => text(row.external_id.as_deref()),
            "type" => enumerated::<PartnerType>(row.r#type),
            "status" => enumerated::<PartnerStatus>(row.status),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }
}

/// A partner of the tenant's program: a referrer, reseller or distributor.
#[Object]
impl Partner {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its name: a label shown wherever its data is.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PARTNER_LABEL, Owner::Partner(&self.0.id))?;
        Ok(&self.0.name)
    }

    /// Where the partner is written to.
    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.email.as_deref())
    }

    /// What the partner is e-mailed (`partners:read`, or its own token).
    async fn email_preferences(&self, ctx: &Context<'_>) -> ApiResult<super::EmailPreferences> {
        self.details(ctx)?;
        let preferences =
            crate::mail::preferences::one(crate::graphql::context::db(ctx)?.conn(), &self.0.id)
                .await?;
        let suppressed = self
            .0
            .email
            .as_deref()
            .is_some_and(|address| preferences.suppresses(address));
        Ok(super::EmailPreferences(preferences, suppressed))
    }

    /// Your own identifier for the partner; unique per tenant.
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.external_id.as_deref())
    }

    /// A referrer, a reseller or a distributor: commission plans are for one
    /// type.
    #[graphql(name = "type")]
    async fn partner_type(&self, ctx: &Context<'_>) -> ApiResult<PartnerType> {
        self.details(ctx)?;
        Ok(self.0.r#type.into())
    }

    /// Whether it is active; a suspended or archived partner earns nothing new.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<PartnerStatus> {
        self.details(ctx)?;
        Ok(self.0.status.into())
    }

    /// Changes to the partner recorded as history, oldest first: a tier's
    /// promotion is a `group` change with actor `tier:<id>`.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<Change>> {
        self.details(ctx)?;
        let changes = loader(ctx)?
            .load_one(ChangesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(changes.into_iter().map(Change).collect())
    }

    /// The partner's group (the default group unless another was chosen).
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<Ready<PartnerGroup>> {
        self.details(ctx)?;
        loader(ctx)?
            .load_one(GroupId(self.0.group_id.clone()))
            .await?
            .map(|group| Ready(PartnerGroup::from(group)))
            .ok_or_else(|| ApiError::internal("partner group", &self.0.group_id))
    }

    /// The categories it is labelled with.
    async fn categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<Category>> {
        self.details(ctx)?;
        let found = loader(ctx)?
            .load_one(CategoriesOf(self.0.id.clone()))
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Category)
            .collect())
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

    /// The partner's referral codes, oldest first (archived ones too).
    #[graphql(complexity = "crate::graphql::connection::list_cost(None, None, child_complexity)")]
    async fn referral_codes(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::ReferralCode>> {
        guard(
            ctx,
            &[
                Scope::PartnersRead,
                Scope::CampaignsRead,
                Scope::CommissionsRead,
            ],
            Owner::Partner(&self.0.id),
        )?;
        let codes = loader(ctx)?
            .load_one(crate::graphql::loaders::ReferralCodesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(codes.into_iter().map(super::ReferralCode).collect())
    }

    /// The campaigns the partner is enrolled in, with the snapshot in force.
    #[graphql(complexity = "crate::graphql::connection::list_cost(None, None, child_complexity)")]
    async fn enrollments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Enrollment>> {
        self.own(ctx, Scope::CampaignsRead)?;
        let loader = loader(ctx)?;
        let (enrollments, snapshots) = async_graphql::futures_util::future::try_join(
            loader.load_one(EnrollmentsOf(self.0.id.clone())),
            loader.load_one(SnapshotsOf(self.0.id.clone())),
        )
        .await?;
        let snapshots = snapshots.unwrap_or_default();
        Ok(enrollments
            .unwrap_or_default()
            .into_iter()
            .map(|row| {
                let snapshot = snapshots
                    .iter()
                    .rev()
                    .find(|s| s.campaign_id == row.campaign_id)
                    .cloned();
                Enrollment { row, snapshot }
            })
            .collect())
    }

    /// Every snapshot of the partner's terms, oldest first; the newest of a
    /// campaign is in force.
    #[graphql(complexity = "crate::graphql::connection::list_cost(None, None, child_complexity)")]
    async fn commission_snapshots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this campaign's snapshots (omitted: every campaign's).")]
        campaign_id: Option<ID>,
    ) -> ApiResult<Vec<PartnerCommission>> {
        self.own(ctx, Scope::CampaignsRead)?;
        let snapshots = loader(ctx)?
            .load_one(SnapshotsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(snapshots
            .into_iter()
            .filter(|s| campaign_id.as_ref().is_none_or(|c| c.0 == s.campaign_id))
            .map(PartnerCommission)
            .collect())
    }

    /// The rules and holdback of the partner's next event in a campaign (the
    /// default campaign when omitted), and where each comes from.
    async fn terms_in_force(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign (omitted: the default campaign).")] campaign_id: Option<ID>,
    ) -> ApiResult<Option<TermsInForce>> {
        self.own(ctx, Scope::CampaignsRead)?;
        // Through the loaders: a page of partners asking for their terms is
        // three statements (campaign, snapshots, groups), not three per partner.
        let loader = loader(ctx)?;
        let campaign = match campaign_id {
            Some(id) => match loader.load_one(CampaignId(id.0)).await? {
                Some(campaign) => campaign,
                None => return Ok(None),
            },
            None => Arc::new(
                loader
                    .load_one(DefaultCampaign)
                    .await?
                    .ok_or_else(|| ApiError::internal("default campaign", &self.0.tenant_id))?,
            ),
        };
        // The newest snapshot row of this campaign (rows come oldest first).
        let snapshot = loader
            .load_one(SnapshotsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default()
            .into_iter()
            .rfind(|s| s.campaign_id == campaign.id);
        let group = if enrollment::needs_group(snapshot.as_ref(), &campaign) {
            let group = loader.load_one(GroupId(self.0.group_id.clone())).await?;
            Some(group.ok_or_else(|| ApiError::internal("partner group", &self.0.group_id))?)
        } else {
            None
        };
        let terms = enrollment::resolve_terms(snapshot, &campaign, group.as_deref())?;
        Ok(Some(TermsInForce { terms, campaign }))
    }

    /// The partner's commissions, oldest first. A page costs the same
    /// whatever the partner's history, and so does `totalCount` (from the
    /// totals the ledger keeps).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows in this status.")] status: Option<CommissionStatus>,
        #[graphql(
            desc = "How many rows from the start, or after `after` (1 to 500, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        self.own(ctx, Scope::CommissionsRead)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let status: Option<entity::enums::CommissionStatus> = status.map(Into::into);
        let key = PartnerCommissions {
            partner_id: self.0.id.clone(),
            status,
            size: request.size,
            after: request.cursor,
        };
        let loader = loader(ctx)?;
        let counted = ctx.look_ahead().field("totalCount").exists();
        let (page, totals) =
            async_graphql::futures_util::future::try_join(loader.load_one(key), async {
                match counted {
                    true => loader.load_one(BalanceOf(self.0.id.clone())).await,
                    false => Ok(None),
                }
            })
            .await?;
        let count: i64 = totals
            .unwrap_or_default()
            .iter()
            .filter(|t| status.is_none_or(|s| t.status == s))
            .map(|t| t.commission_count)
            .sum();
        Ok(connection(
            page.unwrap_or_else(Page::empty),
            TotalCount::known(count.max(0) as u64),
            |c| c.id.clone(),
            |row| Ready(Commission(row)),
        ))
    }

    /// Where the partner stands toward each active tier covering it this
    /// period: in `campaignId`, or in each of the tier's campaigns. Tiers
    /// not in effect today are left out.
    async fn tier_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only progress in this campaign (omitted: every campaign of its tiers).")]
        campaign_id: Option<ID>,
    ) -> ApiResult<Vec<TierProgress>> {
        self.own(ctx, Scope::TieredCommissionsRead)?;
        TierProgress::of_partner(ctx, &self.0.id, campaign_id.as_ref().map(|c| c.as_str())).await
    }

    /// Where the partner stands among the tenant's partners by what each
    /// earned over `[from, to)`'s days (in the tenant's time zone) in
    /// `currency`: accrued, approved and paid, net of clawbacks.
    async fn rank(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day counted holds this instant.")] from: DateTime,
        #[graphql(desc = "The last day counted holds the instant before this one.")] to: DateTime,
        #[graphql(desc = "The currency partners are ranked in (ISO 4217).")] currency: String,
    ) -> ApiResult<super::reports::PartnerRank> {
        self.own(ctx, Scope::CommissionsRead)?;
        super::reports::rank_of(ctx, &self.0.id, from, to, currency).await
    }

    /// Totals per currency: accrued, approved (net of clawbacks) and paid.
    async fn balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<Balance>> {
        self.own(ctx, Scope::CommissionsRead)?;
        balances(
            loader(ctx)?
                .load_one(BalanceOf(self.0.id.clone()))
                .await?
                .unwrap_or_default(),
        )
    }

    /// Payouts to the partner, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn payouts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Payout>> {
        self.own(ctx, Scope::CommissionsRead)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = PartnerPayouts {
            partner_id: self.0.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(
            crate::graphql::context::db(ctx)?.conn(),
            crate::ledger::payouts_of(&self.0.tenant_id, &self.0.id),
        );
        Ok(connection(page, total, |p| p.id.clone(), Payout))
    }

    /// Where the partner is paid (its own token and `partners:read`; the
    /// IBAN whole only to the partner itself).
    async fn payout_method(&self, ctx: &Context<'_>) -> ApiResult<Option<PayoutMethod>> {
        super::payouts::payout_method_of(ctx, self).await
    }

    /// Stripe Connect for it (its own token and `partners:read`): whether
    /// the program pays through Stripe, and its Express account if it
    /// made one.
    async fn stripe_connect(&self, ctx: &Context<'_>) -> ApiResult<super::StripeConnect> {
        super::payouts::stripe_connect_of(ctx, self).await
    }

    /// Its tax profile (its own token and `partners:read`).
    async fn tax_profile(&self, ctx: &Context<'_>) -> ApiResult<Option<TaxProfile>> {
        super::payouts::tax_profile_of(ctx, self).await
    }

    /// Its own minimum payouts, per currency (none: its group's or the
    /// tenant's apply).
    async fn minimum_payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Money>>> {
        self.details(ctx)?;
        super::payouts::minimum_list(self.0.minimum_payout.as_deref())
    }

    /// The minimum a run pays it in each currency that has one, and which
    /// setting it comes from (the partner's, its group's, the tenant's).
    async fn payout_minimums(&self, ctx: &Context<'_>) -> ApiResult<Vec<PayoutMinimum>> {
        super::payouts::minimums_in_force(ctx, self).await
    }
}

impl Category {
    /// A label: read by the scopes its name is shown to, and by partners.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, CATEGORY_LABEL, Owner::AnyPartner)
    }
}

/// A label a tenant gives partners (an industry, a region, …).
#[Object]
impl Category {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its name: unique per tenant.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, CATEGORY_LABEL, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        guard(ctx, PARTNER_DETAILS, Owner::AnyPartner)?;
        Ok(self.0.created_at.into())
    }
}

/// Partner tokens see their group's id and name only; everyone else needs
/// `partner_groups:read` for the rest.
fn group_details(policy: &Policy) -> ApiResult<()> {
    policy.allows(&[Scope::PartnerGroupsRead], Owner::NoPartner)
}

impl ReadyFields for PartnerGroup {
    fn ready(&self, caller: &Policy, name: &str) -> Option<Value> {
        let row = &*self.0;
        match name {
            "id" => return Some(Value::String(row.id.clone())),
            "name" => {
                caller.allows(GROUP_LABEL, Owner::AnyPartner).ok()?;
                return Some(Value::String(row.name.clone()));
            }
            _ => {}
        }
        group_details(caller).ok()?;
        Some(match name {
            "description" => text(row.description.as_deref()),
            "externalId" => text(row.external_id.as_deref()),
            "tags" => Value::List(
                groups::tags_of(row)
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ),
            "isDefault" => Value::Boolean(row.is_default),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }
}

/// A tier of partners and the rules that set their commissions.
#[Object]
impl PartnerGroup {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// A label: shown with `partners:read` and `commission_plans:read` too,
    /// and to a partner for its own group.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, GROUP_LABEL, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// What the group is for.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        group_details(policy(ctx)?)?;
        Ok(self.0.description.as_deref())
    }

    /// Your own identifier for the group; unique per tenant.
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        group_details(policy(ctx)?)?;
        Ok(self.0.external_id.as_deref())
    }

    /// Labels to find the group by (`partnerGroups(tag:)`).
    async fn tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        group_details(policy(ctx)?)?;
        Ok(groups::tags_of(&self.0))
    }

    /// Whether partners without a group belong here; one group per tenant is.
    async fn is_default(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        group_details(policy(ctx)?)?;
        Ok(self.0.is_default)
    }

    /// The rules that set its partners' commissions, in the order they apply.
    async fn rules(&self, ctx: &Context<'_>) -> ApiResult<Vec<GroupRule>> {
        group_details(policy(ctx)?)?;
        Ok(group_rules(&groups::rules_of(&self.0)?))
    }

    /// The group's partners, oldest first (needs `partners:read` too).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Partner>>> {
        let policy = policy(ctx)?;
        group_details(policy)?;
        policy.require(Scope::PartnersRead)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = GroupPartners {
            group_id: self.0.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        // Requested together, both join the batches of sibling fields.
        let loader = loader(ctx)?;
        let (page, count) = async_graphql::futures_util::future::try_join(
            loader.load_one(key),
            loader.load_one(PartnerCountOf(self.0.id.clone())),
        )
        .await?;
        Ok(connection(
            page.unwrap_or_else(Page::empty),
            TotalCount::known(count.unwrap_or(0)),
            |p| p.id.clone(),
            |row| Ready(Partner::from(row)),
        ))
    }

    /// How many partners are in it.
    async fn partner_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        group_details(policy(ctx)?)?;
        Ok(loader(ctx)?
            .load_one(PartnerCountOf(self.0.id.clone()))
            .await?
            .unwrap_or(0))
    }

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        group_details(policy(ctx)?)?;
        Ok(self.0.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        group_details(policy(ctx)?)?;
        Ok(self.0.updated_at.into())
    }

    /// The smallest payout of its partners, per currency (none: the
    /// tenant's applies; a partner's own wins over it).
    async fn minimum_payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Money>>> {
        group_details(policy(ctx)?)?;
        super::payouts::group_minimum(self)
    }
}
