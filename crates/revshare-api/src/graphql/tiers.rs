//! The tiered-commission vocabulary as input (SPEC §10):
//! `TieredCommissionInput`, turned into a checked [`NewTier`] whose terms
//! the engine validated, each error naming its input path
//! (`input.maxima.revenue`, `input.payout.action`).

use super::enums::{TierAction, TierPeriod, TierStatus};
use super::scalars::{Date, Decimal};
use async_graphql::{ID, InputObject};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::tiers::NewTier;
use revshare_engine::tiers::{Metrics, Modifier, TierTerms};

/// An action and its value (`value > 0`: percent for `INCREASE` and
/// `DECREASE`, an amount in the campaign's currency for the others).
#[derive(InputObject)]
pub struct TierModifierInput {
    /// How the value changes the amount.
    pub action: TierAction,
    /// Percent for `INCREASE` and `DECREASE`, an amount in the campaign's
    /// currency for the others; above 0.
    pub value: Decimal,
}

/// Goals or maxima; an omitted measure is 0 (no goal, no maximum).
#[derive(InputObject, Default)]
pub struct TierMetricsInput {
    /// The period's commission amounts.
    pub payout: Option<Decimal>,
    /// The period's events' revenue, after revenue modifiers.
    pub revenue: Option<Decimal>,
    /// The period's sale amounts.
    pub sale_amount: Option<Decimal>,
    /// The period's sales (and deal payments).
    pub conversions: Option<i64>,
    /// The period's events of every kind.
    pub events: Option<i64>,
}

impl TierMetricsInput {
    /// The measures, read under `input.{group}`.
    fn metrics(&self, group: &str) -> ApiResult<Metrics> {
        let amount = |name: &str, value: Option<Decimal>| {
            value.map_or(Ok(rust_decimal::Decimal::ZERO), |d| {
                d.value(&format!("input.{group}.{name}"))
            })
        };
        Ok(Metrics {
            payout: amount("payout", self.payout)?,
            revenue: amount("revenue", self.revenue)?,
            sale_amount: amount("saleAmount", self.sale_amount)?,
            conversions: self.conversions.unwrap_or(0),
            events: self.events.unwrap_or(0),
        })
    }
}

/// A whole tier: `updateTieredCommission` takes it too, and replaces every
/// field. A modifier omitted is disabled.
#[derive(InputObject)]
pub struct TieredCommissionInput {
    /// Its name.
    pub name: String,
    /// For internal use.
    pub notes: Option<String>,
    /// Whether it applies to new events.
    pub status: TierStatus,
    /// `YYYY-MM-DD` in the tenant's time zone; may be in the future.
    pub start_date: String,
    /// `YYYY-MM-DD` in the tenant's time zone, included; on or after `startDate`.
    pub end_date: String,
    /// The period goals are counted over.
    pub period: TierPeriod,
    /// Every partner, present and future; else `partnerIds`.
    #[graphql(default)]
    pub apply_to_all_partners: bool,
    /// The partners in it (unless `applyToAllPartners`).
    #[graphql(default)]
    pub partner_ids: Vec<ID>,
    /// At least one.
    pub campaign_ids: Vec<ID>,
    /// Changes each new commission while the tier is reached.
    pub payout: Option<TierModifierInput>,
    /// Changes each new event's revenue while the tier is reached.
    pub revenue: Option<TierModifierInput>,
    /// Adjusts the period's earlier commissions when the tier is first
    /// reached (`EXACT` allowed).
    pub retroactive_payout: Option<TierModifierInput>,
    /// Adjusts the period's earlier revenue when the tier is first reached.
    pub retroactive_revenue: Option<TierModifierInput>,
    /// At least one above 0; all of those above 0 must be met.
    pub goals: TierMetricsInput,
    /// Above 0: the tier stops modifying once one is met; must exceed its goal.
    pub maxima: Option<TierMetricsInput>,
    /// A one-time bonus (a `BONUS` ledger row naming the tier), paid the
    /// first time a partner reaches the tier in a period in a campaign, in
    /// that campaign's currency: exactly once per tier, partner, campaign
    /// and period. Above 0.
    pub bonus: Option<Decimal>,
    /// The group a partner moves into the first time it reaches the tier
    /// (in any period); recorded in `Partner.history` with actor
    /// `tier:<id>`. Never a move down: not when the partner's group came
    /// from a tier ranking above this one (every goal at least as high,
    /// one higher).
    pub promote_to_group_id: Option<ID>,
}

/// A bonus, checked: above 0, at most the ledger's largest amount.
fn bonus(value: rust_decimal::Decimal) -> ApiResult<rust_decimal::Decimal> {
    if value <= rust_decimal::Decimal::ZERO || value > revshare_engine::money::MAX_AMOUNT {
        return Err(ApiError::bad_input(
            "input.bonus",
            "must be greater than 0 and at most 1000000000000",
        ));
    }
    Ok(value)
}

/// A modifier, read under `input.{name}`.
fn modifier(name: &str, input: &Option<TierModifierInput>) -> ApiResult<Option<Modifier>> {
    input
        .as_ref()
        .map(|m| {
            Ok(Modifier {
                action: m.action.into(),
                value: m.value.value(&format!("input.{name}.value"))?,
            })
        })
        .transpose()
}

/// A date as `YYYY-MM-DD` (read as the `Date` scalar is), named in its error.
fn date(field: &str, text: &str) -> ApiResult<chrono::NaiveDate> {
    Date::from_text(text)
        .map(|d| d.0)
        .ok_or_else(|| ApiError::bad_input(field, "must be a date such as 2026-11-21"))
}

impl TieredCommissionInput {
    /// The checked tier; errors name `input.…`.
    pub fn into_new(self) -> ApiResult<NewTier> {
        let terms = TierTerms::new(TierTerms {
            payout: modifier("payout", &self.payout)?,
            revenue: modifier("revenue", &self.revenue)?,
            retroactive_payout: modifier("retroactivePayout", &self.retroactive_payout)?,
            retroactive_revenue: modifier("retroactiveRevenue", &self.retroactive_revenue)?,
            goals: self.goals.metrics("goals")?,
            maxima: self.maxima.unwrap_or_default().metrics("maxima")?,
        })
        .map_err(|e| ApiError::bad_input(format!("input.{}", e.field), e.message))?;
        Ok(NewTier {
            name: self.name,
            notes: self.notes,
            status: self.status.into(),
            start_date: date("input.startDate", &self.start_date)?,
            end_date: date("input.endDate", &self.end_date)?,
            period: self.period.into(),
            apply_to_all_partners: self.apply_to_all_partners,
            partner_ids: super::context::ids(self.partner_ids),
            campaign_ids: super::context::ids(self.campaign_ids),
            terms,
            bonus: self
                .bonus
                .map(|b| bonus(b.value("input.bonus")?))
                .transpose()?,
            promote_to_group_id: self.promote_to_group_id.map(|g| g.0),
        })
    }
}
