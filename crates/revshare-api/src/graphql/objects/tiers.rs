//! Fields of tiered commissions and of a partner's progress toward them.

use super::Seen as _;
use super::{
    Campaign, Partner, PartnerGroup, TierMetrics, TierModifier, TierProgress, TieredCommission,
    money,
};
use crate::graphql::context::{loader, policy, principal};
use crate::graphql::enums::{TierPeriod, TierStatus};
use crate::graphql::loaders::{
    ActiveTiers, CampaignId, CurrentProgressOf, EnrollmentsOf, GroupId, PartnerId, RequestLoader,
    TierCampaignsOf, TierPartnersOf, load_campaign,
};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use async_graphql::{Context, ID, Object};
use entity::tier_progress;
use revshare_core::auth::access::Column as C;
use revshare_core::campaigns::enrollment;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::tiers::{self, terms_of};
use revshare_engine::tiers::{Metrics, Modifier, TierTerms};
type DateTimeUtc = chrono::DateTime<chrono::Utc>;

fn modifier(modifier: Option<Modifier>) -> Option<TierModifier> {
    modifier.map(|m| TierModifier {
        action: m.action.into(),
        value: Decimal::from(m.value),
    })
}

fn metrics(metrics: &Metrics) -> TierMetrics {
    TierMetrics {
        payout: Decimal::from(metrics.payout),
        revenue: Decimal::from(metrics.revenue),
        sale_amount: Decimal::from(metrics.sale_amount),
        conversions: metrics.conversions,
        events: metrics.events,
    }
}

impl TieredCommission {
    fn terms(&self) -> ApiResult<TierTerms> {
        terms_of(self.0.read(C::Terms)?)
    }
}

/// A performance tier (seed 004): partners reaching its goals in a period
/// earn more on what follows, and optionally on what came before.
#[Object]
impl TieredCommission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Terms)?;
        Ok(&row.name)
    }

    /// For internal use: not shown to partners.
    async fn notes(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Setup)?;
        Ok(row.notes.as_deref())
    }

    /// Whether it applies to new events.
    async fn status(&self) -> ApiResult<TierStatus> {
        let row = self.0.read(C::Terms)?;
        Ok(row.status.into())
    }

    /// The first day it applies, in the tenant's time zone.
    async fn start_date(&self) -> ApiResult<Date> {
        let row = self.0.read(C::Terms)?;
        Ok(Date(row.start_date))
    }

    /// The last day it applies.
    async fn end_date(&self) -> ApiResult<Date> {
        let row = self.0.read(C::Terms)?;
        Ok(Date(row.end_date))
    }

    /// The period goals are counted over.
    async fn period(&self) -> ApiResult<TierPeriod> {
        let row = self.0.read(C::Terms)?;
        Ok(row.period.into())
    }

    /// Whether every partner is in it (else only `partners`).
    async fn apply_to_all_partners(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Setup)?;
        Ok(row.apply_to_all_partners)
    }

    /// The partners it applies to (none when it applies to all).
    async fn partners(&self, ctx: &Context<'_>) -> ApiResult<Vec<Partner>> {
        let row = self.0.read(C::Setup)?;
        let loader = loader(ctx)?;
        let links = loader.load_one(TierPartnersOf(row.id.clone())).await?;
        let keys: Vec<PartnerId> = links
            .unwrap_or_default()
            .into_iter()
            .map(|l| PartnerId(l.partner_id))
            .collect();
        let found = loader.load_many(keys.clone()).await?;
        let policy = policy(ctx)?;
        Ok(Partner::all(
            policy,
            keys.into_iter().filter_map(|k| found.get(&k).cloned()),
        ))
    }

    /// The campaigns whose events count.
    async fn campaigns(&self, ctx: &Context<'_>) -> ApiResult<Vec<Campaign>> {
        let row = self.0.read(C::Setup)?;
        let loader = loader(ctx)?;
        let links = loader.load_one(TierCampaignsOf(row.id.clone())).await?;
        let keys: Vec<CampaignId> = links
            .unwrap_or_default()
            .into_iter()
            .map(|l| CampaignId(l.campaign_id))
            .collect();
        let found = loader.load_many(keys.clone()).await?;
        let policy = policy(ctx)?;
        Ok(Campaign::all(
            policy,
            keys.into_iter().filter_map(|k| found.get(&k).cloned()),
        ))
    }

    /// Changes each new commission while the tier is reached (null: none).
    async fn payout(&self) -> ApiResult<Option<TierModifier>> {
        Ok(modifier(self.terms()?.payout))
    }

    /// Changes each new event's revenue while the tier is reached.
    async fn revenue(&self) -> ApiResult<Option<TierModifier>> {
        Ok(modifier(self.terms()?.revenue))
    }

    /// Adjusts the period's earlier commissions when first reached.
    async fn retroactive_payout(&self) -> ApiResult<Option<TierModifier>> {
        Ok(modifier(self.terms()?.retroactive_payout))
    }

    /// What reaching it does to the revenue of the period's earlier events.
    async fn retroactive_revenue(&self) -> ApiResult<Option<TierModifier>> {
        Ok(modifier(self.terms()?.retroactive_revenue))
    }

    /// Every measure above 0 must be met for the tier to be reached.
    async fn goals(&self) -> ApiResult<TierMetrics> {
        Ok(metrics(&self.terms()?.goals))
    }

    /// A measure above 0 met: the tier stops modifying in the period.
    async fn maxima(&self) -> ApiResult<TierMetrics> {
        Ok(metrics(&self.terms()?.maxima))
    }

    /// The group a partner moves into the first time it reaches the tier.
    async fn promote_to_group(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerGroup>> {
        let row = self.0.read(C::Terms)?;
        let Some(id) = &row.promote_to_group_id else {
            return Ok(None);
        };
        let group = loader(ctx)?
            .load_one(GroupId(id.clone()))
            .await?
            .ok_or_else(|| ApiError::internal("promotion group", id))?;
        Ok(PartnerGroup::seen(policy(ctx)?, group))
    }

    /// Paid once the first time a partner reaches the tier in a period, in
    /// the campaign's currency (a `BONUS` row); null for none.
    async fn bonus(&self) -> ApiResult<Option<Decimal>> {
        let row = self.0.read(C::Terms)?;
        row.bonus
            .as_deref()
            .map(|text| {
                text.parse::<rust_decimal::Decimal>()
                    .map(Decimal::from)
                    .map_err(|_| ApiError::internal("stored tier bonus", &row.id))
            })
            .transpose()
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Setup)?;
        Ok(row.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Setup)?;
        Ok(row.updated_at.into())
    }
}

/// What one partner's progress is read against: the campaign asked for
/// (none: every one), its enrollments and its progress rows.
struct Seen<'a> {
    campaign_id: Option<&'a str>,
    enrolled: &'a [entity::enrollment::Model],
    rows: &'a [tier_progress::Model],
}

impl Seen<'_> {
    /// The partner's progress toward `tier` in `period`, in each of the
    /// tier's campaigns (`links`) the partner may see.
    async fn in_campaigns(
        &self,
        loader: &RequestLoader,
        tier: &entity::tiered_commission::Model,
        period: (DateTimeUtc, DateTimeUtc),
        links: Vec<entity::tiered_commission_campaign::Model>,
    ) -> ApiResult<Vec<TierProgress>> {
        let terms = terms_of(tier)?;
        let mut found = Vec::new();
        for link in links {
            if self.campaign_id.is_some_and(|c| c != link.campaign_id) {
                continue;
            }
            let campaign = load_campaign(loader, &link.campaign_id).await?;
            let joined = self.enrolled.iter().any(|e| e.campaign_id == campaign.id);
            if !enrollment::is_visible(&campaign, joined) {
                continue;
            }
            let row = self
                .rows
                .iter()
                .find(|r| {
                    r.tier_id == tier.id
                        && r.campaign_id == link.campaign_id
                        && r.period_start == period.0
                })
                .cloned();
            found.push(TierProgress {
                campaign,
                tier: tier.clone(),
                terms: terms.clone(),
                period,
                row,
            });
        }
        Ok(found)
    }
}

impl TierProgress {
    /// A partner's progress toward each active tier covering it (in one
    /// campaign, or in each of the tier's campaigns), in the period holding
    /// the present; tiers not in effect today are left out, and so are the
    /// tier's campaigns the partner may not see (whoever reads), so a tier
    /// is never named through a campaign hidden from the partner.
    pub(super) async fn of_partner(
        ctx: &Context<'_>,
        partner_id: &str,
        campaign_id: Option<&str>,
    ) -> ApiResult<Vec<TierProgress>> {
        let loader = loader(ctx)?;
        let tiers = loader.load_one(ActiveTiers).await?.unwrap_or_default();
        if tiers.is_empty() {
            return Ok(Vec::new());
        }
        let tz = tiers::time_zone(&principal(ctx)?.tenant.time_zone)?;
        let partners = loader
            .load_many(tiers.iter().map(|t| TierPartnersOf(t.id.clone())))
            .await?;
        let campaigns = loader
            .load_many(tiers.iter().map(|t| TierCampaignsOf(t.id.clone())))
            .await?;
        let rows = loader
            .load_one(CurrentProgressOf(partner_id.to_owned()))
            .await?
            .unwrap_or_default();
        let enrolled = loader
            .load_one(EnrollmentsOf(partner_id.to_owned()))
            .await?
            .unwrap_or_default();
        let now = revshare_core::db::now();
        let mut found = Vec::new();
        for tier in tiers {
            let linked = partners
                .get(&TierPartnersOf(tier.id.clone()))
                .is_some_and(|links| links.iter().any(|l| l.partner_id == partner_id));
            let dates = (tier.start_date, tier.end_date);
            let period =
                revshare_engine::tiers::period_of(tiers::period(tier.period), tz, dates, now);
            let (true, Some(period)) = (tiers::covers(&tier, linked), period) else {
                continue;
            };
            let links = campaigns
                .get(&TierCampaignsOf(tier.id.clone()))
                .cloned()
                .unwrap_or_default();
            let seen = Seen {
                campaign_id,
                enrolled: &enrolled,
                rows: &rows,
            };
            found.extend(seen.in_campaigns(&loader, &tier, period, links).await?);
        }
        Ok(found)
    }

    fn measured(&self) -> ApiResult<Metrics> {
        let currency = revshare_engine::Currency::parse(&self.campaign.currency)
            .map_err(|e| ApiError::internal("campaign currency", e))?;
        Ok(match &self.row {
            Some(row) => Metrics {
                payout: currency.from_minor(row.payout_minor),
                revenue: currency.from_minor(row.revenue_minor),
                sale_amount: currency.from_minor(row.sale_amount_minor),
                conversions: row.conversions,
                events: row.events,
            },
            None => Metrics::default(),
        })
    }
}

// Made by `Partner.tierProgress`, whose column the caller reads.

/// Where a partner stands toward a tier in a campaign this period: what a
/// partner portal shows as "3 more sales to Gold".
#[Object]
impl TierProgress {
    /// The tier.
    async fn tier(&self, ctx: &Context<'_>) -> ApiResult<TieredCommission> {
        TieredCommission::shown(ctx, self.tier.clone())
    }

    /// The campaign whose events count.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        Campaign::shown(ctx, self.campaign.clone())
    }

    /// When the period began.
    async fn period_start(&self) -> DateTime {
        self.period.0.into()
    }

    /// Exclusive.
    async fn period_end(&self) -> DateTime {
        self.period.1.into()
    }

    /// The period's totals so far, in the campaign's currency.
    async fn totals(&self) -> ApiResult<TierMetrics> {
        let currency = &self.campaign.currency;
        let row = self.row.as_ref();
        let amount =
            |minor: fn(&tier_progress::Model) -> i64| money(row.map_or(0, minor), currency);
        Ok(TierMetrics {
            payout: amount(|r| r.payout_minor)?,
            revenue: amount(|r| r.revenue_minor)?,
            sale_amount: amount(|r| r.sale_amount_minor)?,
            conversions: row.map_or(0, |r| r.conversions),
            events: row.map_or(0, |r| r.events),
        })
    }

    /// What reaching the tier takes.
    async fn goals(&self) -> TierMetrics {
        metrics(&self.terms.goals)
    }

    /// Beyond these it modifies nothing more this period.
    async fn maxima(&self) -> TierMetrics {
        metrics(&self.terms.maxima)
    }

    /// Every goal above 0 met (once reached, a period stays reached).
    async fn reached(&self) -> ApiResult<bool> {
        Ok(self.row.as_ref().is_some_and(|r| r.reached_at.is_some())
            || self.terms.reached(&self.measured()?))
    }

    /// A maximum above 0 met: the tier modifies nothing more this period.
    async fn capped(&self) -> ApiResult<bool> {
        Ok(self.terms.capped(&self.measured()?))
    }

    /// When the tier was first reached this period.
    async fn reached_at(&self) -> Option<DateTime> {
        self.row
            .as_ref()
            .and_then(|r| r.reached_at)
            .map(DateTime::from)
    }
}
