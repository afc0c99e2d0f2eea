//! Fields of partners; their groups and categories are in [`super::groups`].

use super::{
    Balance, Campaign, Category, Change, Commission, Enrollment, Money, Partner, PartnerCommission,
    PartnerGroup, Payout, PayoutMethod, PayoutMinimum, Seen, TaxProfile, TermsInForce,
    TierProgress, balances,
};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{loader, page_args, policy};
use crate::graphql::enums::{CommissionStatus, PartnerStatus, PartnerType};
use crate::graphql::loaders::{
    BalanceOf, CampaignId, CategoriesOf, ChangesOf, DefaultCampaign, EnrollmentsOf, GroupId,
    PartnerCommissions, PartnerPayouts, SnapshotsOf,
};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::campaigns::enrollment;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{COMMISSION_LIMITS, DEFAULT_LIMITS, Page, PageRequest};
use std::sync::Arc;

/// A partner's codes listed at once: 1–100, 25 when omitted, so a page of
/// 50 partners with their codes and balances is within the complexity
/// limit.
const CODES_LIMITS: revshare_core::paging::PageLimits = revshare_core::paging::PageLimits {
    default: 25,
    max: 100,
};

/// A partner of the tenant's program: a referrer, reseller or distributor.
#[Object]
impl Partner {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name: a label shown wherever its data is.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Label)?;
        Ok(&row.name)
    }

    /// Where the partner is written to.
    async fn email(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Details)?;
        Ok(row.email.as_deref())
    }

    /// What the partner is e-mailed (`partners:read`, or its own token).
    async fn email_preferences(&self, ctx: &Context<'_>) -> ApiResult<super::EmailPreferences> {
        let row = self.0.read(C::Details)?;
        let preferences = revshare_core::mail::preferences::one(
            crate::graphql::context::db(ctx)?.conn(),
            &row.id,
        )
        .await?;
        let suppressed = row
            .email
            .as_deref()
            .is_some_and(|address| preferences.suppresses(address));
        Ok(super::EmailPreferences(preferences, suppressed))
    }

    /// Your own identifier for the partner; unique per tenant.
    async fn external_id(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Details)?;
        Ok(row.external_id.as_deref())
    }

    /// The country it lives in (ISO 3166-1 alpha-2), as it or its source
    /// said: a partner outside the US is asked for a W-8 at year-end.
    async fn country(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Details)?.country.as_deref())
    }

    /// The language it is written to in (SPEC §38): its own while the
    /// tenant offers it, else the tenant's default.
    async fn language(&self, ctx: &Context<'_>) -> ApiResult<String> {
        self.language_read(ctx).await
    }

    /// Labels conditional rules read (`PARTNER_TAG`, SPEC §32).
    async fn tags(&self) -> ApiResult<Vec<String>> {
        Ok(revshare_core::directory::tags::decode(
            &self.0.read(C::Details)?.tags,
        ))
    }

    /// A referrer, a reseller or a distributor: commission plans are for one
    /// type.
    #[graphql(name = "type")]
    async fn partner_type(&self) -> ApiResult<PartnerType> {
        let row = self.0.read(C::Details)?;
        Ok(row.r#type.into())
    }

    /// Whether it is active; a suspended or archived partner earns nothing new.
    async fn status(&self) -> ApiResult<PartnerStatus> {
        let row = self.0.read(C::Details)?;
        Ok(row.status.into())
    }

    /// Whether it is trusted (SPEC §37): its fraud flags are recorded and
    /// hold nothing (`setPartnerTrusted`). Null to partners.
    async fn trusted(&self) -> Option<bool> {
        self.0.read(C::Holds).ok().map(|row| row.trusted)
    }

    /// Changes to its group, status, type and tags, oldest first: a tier's
    /// promotion is a `group` change with actor `tier:<id>`, a workflow's
    /// move or tag one with actor `workflow:<id>`.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<Change>> {
        let row = self.0.read(C::Details)?;
        let changes = loader(ctx)?
            .load_one(ChangesOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        let policy = policy(ctx)?;
        Ok(changes
            .into_iter()
            .map(|row| Change::seen_by(policy, row))
            .collect())
    }

    /// The partner's group (the default group unless another was chosen).
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<Ready<PartnerGroup>> {
        let row = self.0.read(C::Details)?;
        let group = loader(ctx)?
            .load_one(GroupId(row.group_id.clone()))
            .await?
            .ok_or_else(|| ApiError::internal("partner group", &row.group_id))?;
        Ok(Ready(PartnerGroup::shown(ctx, group)?))
    }

    /// The categories it is labelled with.
    async fn categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<Category>> {
        let row = self.0.read(C::Details)?;
        let found = loader(ctx)?.load_one(CategoriesOf(row.id.clone())).await?;
        Ok(Category::all(policy(ctx)?, found.unwrap_or_default()))
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Details)?;
        Ok(row.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Details)?;
        Ok(row.updated_at.into())
    }

    /// The partner that recruited it (SPEC §31), when one did and the
    /// caller may see it.
    async fn referred_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let row = self.0.read(C::Details)?;
        let Some(referrer) = &row.referred_by else {
            return Ok(None);
        };
        let found = crate::graphql::loaders::load_partner(&*loader(ctx)?, referrer).await?;
        Ok(Partner::seen_in(ctx, found))
    }

    /// What it earns on the partners it recruits: its group's referral
    /// rule (SPEC §31) — `partners:read`, or its own token; null: nothing.
    async fn referral_rule(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::graphql::objects::engagement::ReferralRule>> {
        let row = self.0.read(C::Details)?;
        super::engagement::referral_rule_of(ctx, row).await
    }

    /// The partners it recruited (SPEC §31), newest first, with what each
    /// earned it: `partners:read`, or its own token.
    #[graphql(
        complexity = "crate::graphql::connection::list_cost(first.or(Some(CODES_LIMITS.default as i32)), None, child_complexity)"
    )]
    async fn recruits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, newest first (1 to 100, 25 by default).")] first: Option<i32>,
    ) -> ApiResult<Vec<super::engagement::Recruit>> {
        let row = self.0.read(C::Details)?;
        super::engagement::recruits_of(ctx, row, first, CODES_LIMITS).await
    }

    /// The bounties offered to its group (SPEC §31), oldest first, ended
    /// ones too: `partners:read`, or its own token.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn bounties(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<crate::graphql::connection::ListConnection<super::Bounty>> {
        let row = self.0.read(C::Details)?;
        let member = revshare_core::engagement::bounties::Member::of(row);
        super::bounties::bounties_of(ctx, Some(member), first, after, None).await
    }

    /// The announcements showing to it now (SPEC §37): for it, started,
    /// not ended, not dismissed by it; newest first, at most 20
    /// (`campaigns:read`, or its own token).
    async fn announcements(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::announcements::Announcement>> {
        let row = self.0.read(C::Details)?;
        let policy = crate::graphql::context::policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::Announcement)?;
        let showing = revshare_core::messages::announcements::showing(
            crate::graphql::context::db(ctx)?.conn(),
            row,
            revshare_core::db::now(),
        )
        .await?;
        Ok(showing
            .into_iter()
            .filter_map(super::announcements::Announcement::for_caller(policy))
            .collect())
    }

    /// The retainers paying it (SPEC §37): its own and its group's, oldest
    /// first, ended ones too (at most 100): `commissions:read`, or its own
    /// token.
    async fn retainers(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Retainer>> {
        super::retainers::paying(ctx, self.0.read(C::Details)?).await
    }

    /// Its thread of messages with the program (SPEC §35), newest first:
    /// `partners:read`, or its own token.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the newest, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<crate::graphql::connection::ListConnection<super::Message>> {
        let row = self.0.read(C::Details)?;
        super::messages::messages_of(ctx, &row.tenant_id, &row.id, first, after).await
    }

    /// The messages of its thread the caller has not read: to staff, the
    /// partner's; to the partner's own token, the program's.
    async fn unread_messages(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let row = self.0.read(C::Details)?;
        super::messages::unread_for(ctx, Some(&row.id)).await
    }

    /// The partner's short links, oldest first (archived ones too): one
    /// for each of its referral codes.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn links(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many links from the start, or after `after` (1 to 100, 25 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<crate::graphql::connection::ListConnection<super::PartnerLink>> {
        let row = self.0.read(C::Codes)?;
        super::links::links_of(ctx, row, first, after).await
    }

    /// Clicks of all its links by `by` from `from` to `to` (days in the
    /// tenant's time zone, both included, at most 366).
    async fn link_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day.")] from: crate::graphql::scalars::Date,
        #[graphql(desc = "The last day.")] to: crate::graphql::scalars::Date,
        #[graphql(desc = "What the clicks are told by.")] by: super::LinkDimension,
    ) -> ApiResult<Vec<super::LinkStat>> {
        let row = self.0.read(C::Codes)?;
        let of = revshare_core::links::stats::Of::Partner(&row.id);
        super::links::link_stats(ctx, &row.tenant_id, of, from, to, by).await
    }

    /// The partner's referral codes, oldest first (archived ones too): the
    /// first `first` of them.
    #[graphql(
        complexity = "crate::graphql::connection::list_cost(first.or(Some(CODES_LIMITS.default as i32)), None, child_complexity)"
    )]
    async fn referral_codes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many codes, oldest first (1 to 100, 25 by default).")] first: Option<
            i32,
        >,
    ) -> ApiResult<Vec<super::ReferralCode>> {
        let row = self.0.read(C::Codes)?;
        let size = PageRequest::parse(
            revshare_core::paging::PageArgs {
                first,
                ..Default::default()
            },
            CODES_LIMITS,
        )?
        .size as usize;
        let mut codes = loader(ctx)?
            .load_one(crate::graphql::loaders::ReferralCodesOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        codes.truncate(size);
        Ok(super::ReferralCode::all(policy(ctx)?, codes))
    }

    /// The campaigns the partner is enrolled in, with the snapshot in force.
    #[graphql(complexity = "crate::graphql::connection::list_cost(None, None, child_complexity)")]
    async fn enrollments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Enrollment>> {
        let row = self.0.read(C::Enrollments)?;
        let loader = loader(ctx)?;
        let (enrollments, snapshots) = async_graphql::futures_util::future::try_join(
            loader.load_one(EnrollmentsOf(row.id.clone())),
            loader.load_one(SnapshotsOf(row.id.clone())),
        )
        .await?;
        let snapshots = snapshots.unwrap_or_default();
        let policy = policy(ctx)?;
        Ok(enrollments
            .unwrap_or_default()
            .into_iter()
            .filter_map(|row| {
                let snapshot = snapshots
                    .iter()
                    .rev()
                    .find(|s| s.campaign_id == row.campaign_id)
                    .cloned();
                Enrollment::with_snapshot(policy, row, snapshot)
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
        let row = self.0.read(C::Enrollments)?;
        let snapshots = loader(ctx)?
            .load_one(SnapshotsOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(PartnerCommission::all(
            policy(ctx)?,
            snapshots
                .into_iter()
                .filter(|s| campaign_id.as_ref().is_none_or(|c| c.0 == s.campaign_id)),
        ))
    }

    /// The rules and holdback of the partner's next event in a campaign (the
    /// default campaign when omitted), and where each comes from.
    async fn terms_in_force(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign (omitted: the default campaign).")] campaign_id: Option<ID>,
    ) -> ApiResult<Option<TermsInForce>> {
        let row = self.0.read(C::Enrollments)?;
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
                    .ok_or_else(|| ApiError::internal("default campaign", &row.tenant_id))?,
            ),
        };
        // A partner reads the terms of a campaign it may see alone: an
        // invite-only campaign it is not in is an id naming nothing.
        let policy = policy(ctx)?;
        let partner_token = matches!(
            policy.partner_rows(None),
            revshare_core::auth::access::Rows::Partner(_)
        );
        if partner_token && !campaign.is_default {
            let enrolled = loader
                .load_one(EnrollmentsOf(row.id.clone()))
                .await?
                .unwrap_or_default()
                .iter()
                .any(|e| e.campaign_id == campaign.id);
            if !enrollment::is_visible(&campaign, enrolled) {
                return Ok(None);
            }
        }
        // The newest snapshot row of this campaign (rows come oldest first).
        let snapshot = loader
            .load_one(SnapshotsOf(row.id.clone()))
            .await?
            .unwrap_or_default()
            .into_iter()
            .rfind(|s| s.campaign_id == campaign.id);
        let group = if enrollment::needs_group(snapshot.as_ref(), &campaign) {
            let group = loader.load_one(GroupId(row.group_id.clone())).await?;
            Some(group.ok_or_else(|| ApiError::internal("partner group", &row.group_id))?)
        } else {
            None
        };
        let terms = enrollment::resolve_terms(snapshot, &campaign, group.as_deref())?;
        let snapshot = terms
            .snapshot
            .clone()
            .and_then(|row| PartnerCommission::seen(policy, row));
        let campaign = Campaign::shown(ctx, campaign)?;
        Ok(Some(TermsInForce {
            terms,
            campaign,
            snapshot,
            language: self.0.read(C::Details)?.language.clone(),
        }))
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
        let row = self.0.read(C::Money)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let status: Option<entity::enums::CommissionStatus> = status.map(Into::into);
        let key = PartnerCommissions {
            partner_id: row.id.clone(),
            status,
            size: request.size,
            after: request.cursor,
        };
        let loader = loader(ctx)?;
        let counted = ctx.look_ahead().field("totalCount").exists();
        let (page, totals) =
            async_graphql::futures_util::future::try_join(loader.load_one(key), async {
                match counted {
                    true => loader.load_one(BalanceOf(row.id.clone())).await,
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
        let policy = policy(ctx)?;
        Ok(connection(
            page.unwrap_or_else(Page::empty),
            TotalCount::known(count.max(0) as u64),
            |c| c.id.clone(),
            |row| Commission::seen(policy, row).map(Ready),
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
        let row = self.0.read(C::Tiers)?;
        TierProgress::of_partner(ctx, &row.id, campaign_id.as_ref().map(|c| c.as_str())).await
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
        let row = self.0.read(C::Money)?;
        super::reports::rank_of(ctx, &row.id, from, to, currency).await
    }

    /// Totals per currency: accrued, approved (net of clawbacks) and paid.
    async fn balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<Balance>> {
        let row = self.0.read(C::Money)?;
        balances(
            loader(ctx)?
                .load_one(BalanceOf(row.id.clone()))
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
        let row = self.0.read(C::Money)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = PartnerPayouts {
            partner_id: row.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(revshare_core::reads::lists::count_of(
            crate::graphql::context::db(ctx)?.conn(),
            revshare_core::ledger::payouts_of(&row.tenant_id, &row.id),
        ));
        let policy = policy(ctx)?;
        Ok(connection(
            page,
            total,
            |p| p.id.clone(),
            |row| Payout::seen(policy, row),
        ))
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

    /// Whether the program pays through Wise (its own token and
    /// `partners:read`): a bank account in the partner's own currency is
    /// offered as its payout method (SPEC §36).
    async fn wise_available(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let partner = self.0.read(C::Details)?;
        let db = crate::graphql::context::db(ctx)?;
        let rail = entity::enums::PayoutRail::Wise;
        let found = revshare_core::reads::payout_rail(db.conn(), &partner.tenant_id, rail).await?;
        Ok(found.is_some())
    }

    /// Its VAT details, for self-billed invoices (its own token and
    /// `partners:read`).
    async fn vat(&self, ctx: &Context<'_>) -> ApiResult<Option<super::PartnerVat>> {
        let partner = self.0.read(C::Details)?;
        super::invoices::vat_of(ctx, &partner.tenant_id, &partner.id).await
    }

    /// Its latest answer to the tenant's self-billing agreement (its own
    /// token and `partners:read`).
    async fn self_billing(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<super::SelfBillingAgreement>> {
        let partner = self.0.read(C::Details)?;
        super::invoices::self_billing_of(ctx, &partner.tenant_id, &partner.id).await
    }

    /// Its tax profile in force (its own token and `partners:read`).
    async fn tax_profile(&self, ctx: &Context<'_>) -> ApiResult<Option<TaxProfile>> {
        super::payouts::tax_profile_of(ctx, self).await
    }

    /// Every tax profile it submitted, newest first: the one in force
    /// among them, and one waiting for a decision (its own token and
    /// `partners:read`).
    async fn tax_profile_submissions(&self, ctx: &Context<'_>) -> ApiResult<Vec<TaxProfile>> {
        super::payouts::tax_profile_submissions_of(ctx, self).await
    }

    /// The 1099-NEC forms issued to it (its payee's), newest year first
    /// (its own token, admins and finance).
    async fn tax_forms(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::TaxForm1099>> {
        let partner = self.0.read(C::Details)?;
        let policy = crate::graphql::context::policy(ctx)?;
        if policy
            .list(
                revshare_core::auth::access::Kind::TaxForm,
                Some(&partner.id),
            )?
            .is_nothing()
        {
            return Ok(Vec::new());
        }
        let conn = crate::graphql::context::db(ctx)?.conn();
        let mut readable = Vec::new();
        for form in
            revshare_core::tax::forms::of_partner(conn, policy.tenant_id(), &partner.id).await?
        {
            readable.extend(super::form_for(conn, policy, form).await?);
        }
        Ok(readable)
    }

    /// Its own minimum payouts, per currency (none: its group's or the
    /// tenant's apply).
    async fn minimum_payout(&self) -> ApiResult<Option<Vec<Money>>> {
        let row = self.0.read(C::Details)?;
        super::payouts::minimum_list(row.minimum_payout.as_deref())
    }

    /// The minimum a run pays it in each currency that has one, and which
    /// setting it comes from (the partner's, its group's, the tenant's).
    async fn payout_minimums(&self, ctx: &Context<'_>) -> ApiResult<Vec<PayoutMinimum>> {
        super::payouts::minimums_in_force(ctx, self).await
    }
}
