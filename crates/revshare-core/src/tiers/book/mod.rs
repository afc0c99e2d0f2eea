//! A tier's effect at accrual (SPEC §9), for a batch of events accrued in
//! one transaction under their partners' locks.
//!
//! [`TierBook::load`] reads the tenant's active tiers and the progress rows
//! the batch's events count in, by key (tier, partner, campaign, period
//! start) — five statements when the tenant has tiers, one when it has
//! none. [`TierBook::apply`] then runs in memory for each event, in order:
//! it counts the event in each in-scope tier's progress, picks among the
//! reached and uncapped tiers the one paying most, modifies the event's
//! commissions and revenue by it, and when a tier is first reached in a
//! period, adjusts the batch's earlier commissions of that period at once.
//! [`TierBook::settle`] adjusts the period's commissions from before the
//! batch (one statement per crossing) and writes the progress rows back
//! with one upsert. The partner's lock, which every writer of its progress
//! holds, makes a crossing happen once; a unique index on (original, tier)
//! of adjustments backs that up.

mod crossing;
mod load;
mod post;
mod promotion;
mod replay;

pub use post::Earning;
pub use replay::ProposedTier;

use super::{period, terms_of, time_zone};
use crate::engine::Currency;
use crate::engine::tiers::{
    Bounds, Metrics, Modifier, PeriodFinder, Standing, TierTerms, choose, day_start,
};
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::posting::breakdown::{AdjustmentLine, BreakdownLine, TierBonusLine, TierModifierLine};
use crate::posting::{
    DealRef, NewCommission, Posting, TermsRef, WRITE_CHUNK, added_minor, earned_minor,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::enums::{CommissionKind, CommissionStatus, TermsSource, TierStatus};
use entity::{
    commission, tenant, tier_progress, tiered_commission, tiered_commission_campaign,
    tiered_commission_partner,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashMap, HashSet};

/// An active tier with its scope.
struct ScopedTier {
    model: tiered_commission::Model,
    terms: TierTerms,
    /// Empty when the tier applies to all partners.
    partners: HashSet<String>,
    campaigns: HashSet<String>,
    /// Its period in the tenant's time zone.
    periods: PeriodFinder,
}

fn missing() -> ApiError {
    ApiError::internal("tier book", "a slot it made is missing")
}

impl ScopedTier {
    /// It adjusts earlier commissions when first reached.
    fn retroactive(&self) -> bool {
        self.terms.retroactive_payout.is_some() || self.terms.retroactive_revenue.is_some()
    }

    fn covers(&self, partner_id: &str, campaign_id: &str) -> bool {
        self.campaigns.contains(campaign_id)
            && crate::tiers::covers(&self.model, self.partners.contains(partner_id))
    }

    /// The period `at` falls in, if the tier is in effect on its date.
    fn period(&mut self, at: DateTime<Utc>) -> Option<Bounds> {
        self.periods.of(at)
    }
}

/// Where a progress row lives: the tier, the partner and campaign (by
/// their place in the book, so the key is copied, not allocated), and the
/// period's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Slot {
    tier: u32,
    partner: u32,
    campaign: u32,
    start: DateTime<Utc>,
}

/// A tier first reached by an event: the period's commissions from before
/// the batch are adjusted when the batch settles.
struct Crossing {
    tier: usize,
    slot: Slot,
    /// The progress the crossing event counts in (every tier in scope of
    /// it, the crossed one included): the adjustments, commissions of the
    /// period, count there too.
    counted_in: Vec<Slot>,
    event_id: String,
    at: DateTime<Utc>,
    /// The crossing event's amount field, blamed for totals out of range.
    amount_field: String,
    /// The part of the period the tier is in effect.
    window: Bounds,
    /// When the tier was created: it counted, and so adjusts, only what
    /// was recorded from then on.
    counted_from: DateTime<Utc>,
}

/// An event being accrued, as the tiers see it.
pub struct Accrued<'a> {
    pub partner_id: &'a str,
    pub campaign_id: &'a str,
    pub event_id: &'a str,
    pub currency: Currency,
    pub at: DateTime<Utc>,
    /// It counts as a conversion and its amount as sale amount.
    pub sale: bool,
    pub amount_minor: i64,
    pub revenue_minor: Option<i64>,
    /// The input that an amount beyond the ledger's range is blamed on
    /// (`input[3].amount`).
    pub amount_field: &'a str,
    /// What is left of the spend caps over the event's commissions (SPEC
    /// §31); none: no cap applies.
    pub limit: Option<Limit>,
}

/// What is left of a spend cap for an event's commissions, and the line a
/// cut commission's breakdown gets (its `left` and `amount` set when cut).
#[derive(Debug, Clone)]
pub struct Limit {
    pub left_minor: i64,
    pub line: crate::posting::breakdown::CapCutLine,
}

/// Cuts each amount to what is left of `limit`, in order: the cut
/// commissions' cap lines (the difference each cut made).
fn cut(amounts: &mut [Decimal], limit: &Limit, currency: Currency) -> Vec<Option<BreakdownLine>> {
    let mut left = currency.from_minor(Ord::max(limit.left_minor, 0));
    let mut lines = Vec::with_capacity(amounts.len());
    for amount in amounts.iter_mut() {
        if *amount > left && amount.is_sign_positive() {
            let mut line = limit.line.clone();
            line.left = left.normalize();
            line.amount = (left - *amount).normalize();
            *amount = left;
            lines.push(Some(BreakdownLine::CapCut(line)));
        } else {
            lines.push(None);
        }
        left -= Ord::max(*amount, Decimal::ZERO);
    }
    lines
}

/// What the tiers make of an event.
struct Effect {
    /// Each commission's amount, rounded once.
    pub amounts: Vec<Decimal>,
    pub revenue_minor: Option<i64>,
    /// The tier whose modifiers applied, and each commission's line for it.
    pub tier_id: Option<String>,
    pub lines: Vec<Option<BreakdownLine>>,
    /// Each commission's spend-cap line, when a cap cut it.
    pub cuts: Vec<Option<BreakdownLine>>,
    /// Adjustments of the batch's earlier commissions, when the event first
    /// reached a tier.
    pub adjustments: Vec<NewCommission>,
}

/// The tiers of one tenant and the progress a batch counts in.
#[derive(Default)]
pub struct TierBook {
    tz: Option<Tz>,
    tiers: Vec<ScopedTier>,
    /// The batch's partners and campaigns, numbered for [`Slot`]s.
    partners: HashMap<String, u32>,
    campaigns: HashMap<String, u32>,
    progress: HashMap<Slot, tier_progress::Model>,
    /// Slots read from the database (present or not): only those are counted in.
    known: HashSet<Slot>,
    touched: BTreeSet<Slot>,
    /// The batch's commissions so far (their place among the posted rows),
    /// by the progress they count in, where a tier not reached yet may
    /// adjust them.
    accrued: HashMap<Slot, Vec<usize>>,
    /// The slots of the event applied last, for [`TierBook::record`].
    last: Vec<Slot>,
    crossings: Vec<Crossing>,
    /// A `TIER_REACHED` event for each tier first reached in the batch.
    reached: Vec<NewDomainEvent>,
    /// Partners a tier first reached in the batch may promote: (partner,
    /// tier), in the order reached.
    promotions: Vec<(String, usize)>,
    /// A replay's book ([`TierBook::for_replay`]): every period starts at
    /// zero where the replay starts, so no slot needs reading first.
    open: bool,
    /// In a replay, when the event being applied was recorded: a tier counts
    /// only what was recorded from its creation on.
    recorded_at: Option<DateTime<Utc>>,
    /// In a replay, originals reversed since they were posted: a tier
    /// reached later adjusts them no more than accrual would.
    reversed: HashSet<String>,
}

fn number(ids: &mut HashMap<String, u32>, id: &str) -> u32 {
    if let Some(&known) = ids.get(id) {
        return known;
    }
    let next = ids.len() as u32;
    ids.insert(id.to_owned(), next);
    next
}

impl TierBook {
    /// Counts an event in the progress of each tier in scope and returns
    /// what the best reached, uncapped tier makes of `commissions` (their
    /// unrounded amounts). `posted` are the rows posted so far (those
    /// [`TierBook::record`] pointed at).
    fn apply(
        &mut self,
        event: &Accrued,
        commissions: &[Decimal],
        posted: &[commission::Model],
    ) -> ApiResult<Effect> {
        self.last.clear();
        let in_scope = self.in_scope(event)?;
        let base: Decimal = commissions.iter().map(|c| event.currency.round(*c)).sum();
        let base_minor = earned_minor(event.currency, base, event.amount_field)?;
        let mut states = Vec::with_capacity(in_scope.len());
        for (slot, bounds) in in_scope {
            let (mut totals, was_reached) = {
                let row = self.row(slot, event, bounds)?;
                (metrics(row, event.currency), row.reached_at.is_some())
            };
            count(&mut totals, event, event.currency.from_minor(base_minor));
            let terms = &self.tiers[slot.tier as usize].terms;
            let reached = was_reached || terms.reached(&totals);
            states.push(State {
                slot,
                bounds,
                was_reached,
                reached,
                capped: terms.capped(&totals),
            });
        }
        let mut effect = self.effect(event, commissions, &states)?;
        if let Some(limit) = &event.limit {
            effect.cuts = cut(&mut effect.amounts, limit, event.currency);
        }
        let paid = effect.amounts.iter().copied().sum();
        let paid_minor = earned_minor(event.currency, paid, event.amount_field)?;
        // Every new total first, then the rows: an event refused for a
        // total out of range leaves the book as it was.
        let field = event.amount_field;
        // The new totals, without copying the rows: (slot, events,
        // conversions, sale amount, revenue, payout).
        let mut counted = Vec::with_capacity(states.len());
        for state in &states {
            let row = self.progress.get(&state.slot).ok_or_else(missing)?;
            let (conversions, sale_amount) = match event.sale {
                true => (
                    row.conversions + 1,
                    added_minor(row.sale_amount_minor, event.amount_minor, field)?,
                ),
                false => (row.conversions, row.sale_amount_minor),
            };
            let revenue = added_minor(row.revenue_minor, effect.revenue_minor.unwrap_or(0), field)?;
            let payout = added_minor(row.payout_minor, paid_minor, field)?;
            counted.push((
                state.slot,
                row.events + 1,
                conversions,
                sale_amount,
                revenue,
                payout,
            ));
        }
        for (slot, events, conversions, sale_amount, revenue, payout) in counted {
            let row = self.progress.get_mut(&slot).ok_or_else(missing)?;
            row.events = events;
            row.conversions = conversions;
            row.sale_amount_minor = sale_amount;
            row.revenue_minor = revenue;
            row.payout_minor = payout;
            self.touched.insert(slot);
        }
        let counted_in: Vec<Slot> = states.iter().map(|s| s.slot).collect();
        for state in states.iter().filter(|s| s.reached && !s.was_reached) {
            let adjustments = self.cross(state, &counted_in, event, posted)?;
            effect.adjustments.extend(adjustments);
        }
        // Only a tier not reached yet and with retroactive modifiers will
        // ever look back at this event's commissions.
        self.last = states
            .iter()
            .filter(|s| !s.reached && self.tiers[s.slot.tier as usize].retroactive())
            .map(|s| s.slot)
            .collect();
        Ok(effect)
    }

    /// The tiers covering the event on its date, with its progress slot.
    fn in_scope(&mut self, event: &Accrued) -> ApiResult<Vec<(Slot, Bounds)>> {
        let mut found = Vec::new();
        // The event's partner and campaign as the book numbers them, looked
        // up once (none: no tier covers the event).
        let mut numbers = None;
        for (i, tier) in self.tiers.iter_mut().enumerate() {
            if !tier.covers(event.partner_id, event.campaign_id) {
                continue;
            }
            if self
                .recorded_at
                .is_some_and(|at| tier.model.created_at > at)
            {
                continue;
            }
            let Some(bounds) = tier.period(event.at) else {
                continue;
            };
            let (partner, campaign) = match numbers {
                Some(numbers) => numbers,
                None if self.open => *numbers.insert((
                    number(&mut self.partners, event.partner_id),
                    number(&mut self.campaigns, event.campaign_id),
                )),
                None => {
                    let known = self
                        .partners
                        .get(event.partner_id)
                        .zip(self.campaigns.get(event.campaign_id));
                    // Counting into a row that was not read would overwrite it.
                    let (&partner, &campaign) = known.ok_or_else(|| {
                        ApiError::internal("tier progress not loaded", &tier.model.id)
                    })?;
                    *numbers.insert((partner, campaign))
                }
            };
            let slot = Slot {
                tier: i as u32,
                partner,
                campaign,
                start: bounds.0,
            };
            found.push((slot, bounds));
        }
        Ok(found)
    }

    /// The progress row of `slot`, started at zero if it has none yet.
    fn row(
        &mut self,
        slot: Slot,
        event: &Accrued,
        (start, end): Bounds,
    ) -> ApiResult<&tier_progress::Model> {
        if !self.open && !self.known.contains(&slot) {
            // Counting into a row that was not read would overwrite it.
            let tier = &self.tiers[slot.tier as usize].model.id;
            return Err(ApiError::internal("tier progress not loaded", tier));
        }
        let tier_id = &self.tiers[slot.tier as usize].model.id;
        Ok(self
            .progress
            .entry(slot)
            .or_insert_with(|| tier_progress::Model {
                tier_id: tier_id.clone(),
                partner_id: event.partner_id.to_owned(),
                campaign_id: event.campaign_id.to_owned(),
                period_start: start,
                tenant_id: String::new(),
                period_end: end,
                currency: event.currency.code().to_owned(),
                payout_minor: 0,
                revenue_minor: 0,
                sale_amount_minor: 0,
                conversions: 0,
                events: 0,
                reached_at: None,
                updated_at: event.at,
            }))
    }

    /// The modifiers of the tier [`choose`] picks (the reached, uncapped
    /// tier paying most), applied once and rounded once.
    fn effect(
        &self,
        event: &Accrued,
        commissions: &[Decimal],
        states: &[State],
    ) -> ApiResult<Effect> {
        let unrounded: Decimal = commissions.iter().copied().sum();
        let standings: Vec<Standing<'_>> = states
            .iter()
            .map(|s| Standing {
                terms: &self.tiers[s.slot.tier as usize].terms,
                reached: s.reached,
                capped: s.capped,
            })
            .collect();
        let winner =
            choose(&standings, unrounded).map(|i| &self.tiers[states[i].slot.tier as usize]);
        let currency = event.currency;
        let Some(tier) = winner else {
            return Ok(Effect {
                amounts: commissions.iter().map(|c| currency.round(*c)).collect(),
                revenue_minor: event.revenue_minor,
                tier_id: None,
                lines: vec![None; commissions.len()],
                cuts: Vec::new(),
                adjustments: Vec::new(),
            });
        };
        let mut amounts = Vec::with_capacity(commissions.len());
        let mut lines = Vec::with_capacity(commissions.len());
        for &commission in commissions {
            let paid = tier
                .terms
                .payout
                .map_or(commission, |m| m.apply(commission));
            amounts.push(currency.round(paid));
            lines.push(tier.terms.payout.map(|m| {
                BreakdownLine::TierModifier(TierModifierLine {
                    tier_id: tier.model.id.clone(),
                    action: m.action,
                    value: m.value,
                    amount: (paid - commission).normalize(),
                })
            }));
        }
        let revenue_minor = match (event.revenue_minor, tier.terms.revenue) {
            (Some(revenue), Some(modifier)) => {
                let field = event.amount_field;
                Some(changed_minor(currency, revenue, modifier, field)?)
            }
            (revenue, _) => revenue,
        };
        Ok(Effect {
            amounts,
            revenue_minor,
            tier_id: Some(tier.model.id.clone()),
            lines,
            cuts: Vec::new(),
            adjustments: Vec::new(),
        })
    }

    /// Remembers that the event applied last earned the posted row at
    /// `index`, for the retroactive adjustments of a tier reached later in
    /// the batch.
    fn record(&mut self, index: usize) {
        for slot in &self.last {
            self.accrued.entry(*slot).or_default().push(index);
        }
    }
}

/// An in-scope tier's view of the event being applied.
struct State {
    slot: Slot,
    bounds: Bounds,
    was_reached: bool,
    reached: bool,
    capped: bool,
}

/// A progress row's totals as amounts.
fn metrics(row: &tier_progress::Model, currency: Currency) -> Metrics {
    Metrics {
        payout: currency.from_minor(row.payout_minor),
        revenue: currency.from_minor(row.revenue_minor),
        sale_amount: currency.from_minor(row.sale_amount_minor),
        conversions: row.conversions,
        events: row.events,
    }
}

/// `totals` counting the event, its commissions at `payout`.
fn count(totals: &mut Metrics, event: &Accrued, payout: Decimal) {
    totals.events += 1;
    if event.sale {
        totals.conversions += 1;
        totals.sale_amount += event.currency.from_minor(event.amount_minor);
    }
    totals.revenue += event
        .revenue_minor
        .map_or(Decimal::ZERO, |r| event.currency.from_minor(r));
    totals.payout += payout;
}

/// `amount_minor` as `modifier` changes it, rounded once.
fn changed_minor(
    currency: Currency,
    amount_minor: i64,
    modifier: Modifier,
    field: &str,
) -> ApiResult<i64> {
    earned_minor(
        currency,
        modifier.apply(currency.from_minor(amount_minor)),
        field,
    )
}
