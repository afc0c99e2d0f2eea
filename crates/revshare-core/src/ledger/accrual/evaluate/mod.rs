//! Evaluating a batch's items in order, in memory, each against the rows
//! [`super::load`] read and the history the items before it left. One item
//! goes through named steps: resolve its partner, apply the exactly-once
//! rule, validate it, find or start its customer, resolve the terms in
//! force, build the engine's charge, evaluate, and only then — every check
//! passed — build its rows and carry the history forward, so a rejected item
//! leaves no trace.

use super::amounts::Converted;
use super::load::{Checked, Loaded};
use super::{Recorded, bad};
use crate::campaigns::{enrollment, enrollment::Terms};
use crate::engagement::caps::{CapBook, Want, nothing_left};
use crate::engagement::referrals::ReferralBook;
use crate::engine::{self, Charge, Currency, Evaluation, customer_month};
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::ledger::path::EventRow;
use crate::posting::{NewCommission, Posting, TermsRef};
use crate::tiers::book::{Accrued, Earning, TierBook};
use chrono::{DateTime, SubsecRound, Utc};
use entity::enums::{CampaignStatus, CommissionKind, CommissionStatus, EventKind, HeldReason};
use entity::{campaign, customer, event, event_conversion, partner, partner_total};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

mod checks;
mod explain;

use explain::{breakdown, nothing_earned, stored_kind};

/// History carried from item to item while a batch is evaluated.
#[derive(Default)]
pub(super) struct State {
    pub customers: HashMap<(String, String), customer::Model>,
    /// The customers (by id) that have had a paid sale, a refunded one
    /// included: none of their sales is their first.
    pub had_sale: HashSet<String>,
    /// Customers to write (each once: one statement can't touch a row twice).
    pub touched: BTreeSet<(String, String)>,
    /// Each partner's totals by (partner id, currency), and those to write.
    pub totals: HashMap<(String, String), partner_total::Model>,
    pub touched_totals: BTreeSet<(String, String)>,
    /// Items of this batch already recorded, by `externalId`: index into results.
    recorded: HashMap<String, usize>,
    terms: HashMap<(String, String), Arc<Terms>>,
    /// How the batch's events in another currency were converted.
    pub conversions: Vec<event_conversion::Model>,
    /// The referrers' events that record their rewards (SPEC §31).
    pub rewards: Vec<event::Model>,
}

/// A batch being evaluated: its results so far and the rows it will write.
pub(super) struct Batch<'a> {
    pub(super) tenant_id: &'a str,
    pub(super) loaded: &'a Loaded,
    pub(super) now: DateTime<Utc>,
    pub state: State,
    pub results: Vec<ApiResult<Recorded>>,
    /// Positions of the items recorded now (duplicates excluded).
    pub recorded_new: Vec<usize>,
    pub posting: Posting,
    /// The tenant's tiers and the progress the batch counts in.
    pub tiers: TierBook,
    /// Imported sales a connector's sale may be.
    pub imported: super::same_sale::ImportedSales,
    /// The spend caps over the batch's partners and what is spent of them.
    pub caps: CapBook,
    /// The referrers of the batch's partners (SPEC §31).
    pub referrals: ReferralBook,
}

enum Outcome {
    New(Recorded),
    Duplicate(Recorded),
}

/// What an item is recorded with once it passed validation.
struct Valid<'l> {
    /// Its partner is active (one found through its customer may not be).
    earns: bool,
    campaign: &'l campaign::Model,
    currency: Currency,
    /// In the campaign's currency (converted when the sale's was another).
    amount_minor: i64,
    revenue_minor: Option<i64>,
    occurred_at: DateTime<Utc>,
    /// A sale in another currency: how it was converted.
    conversion: Option<Converted>,
}

/// An item's checks: passed, or waiting for an exchange rate.
enum Checks<'l> {
    Valid(Valid<'l>),
    NoRate,
}

/// What an item's checks before its evaluation make of it.
enum Admission<'l> {
    /// It passed: evaluated with its partner.
    Valid(&'l partner::Model, Valid<'l>),
    /// A redelivery: the original's result.
    Duplicate(Box<Recorded>),
    /// Held, for this reason.
    Held(HeldReason),
}

impl<'a> Batch<'a> {
    pub fn new(tenant_id: &'a str, loaded: &'a Loaded, now: DateTime<Utc>) -> Batch<'a> {
        Batch {
            tenant_id,
            loaded,
            now,
            state: State::default(),
            results: Vec::new(),
            recorded_new: Vec::new(),
            posting: Posting::new(now),
            tiers: TierBook::default(),
            imported: Default::default(),
            caps: CapBook::default(),
            referrals: ReferralBook::default(),
        }
    }

    /// Evaluates the next item and keeps its result.
    pub fn push(&mut self, item: ApiResult<Checked>) {
        let result = item.and_then(|item| self.evaluate(item));
        let result = result.map(|outcome| match outcome {
            Outcome::Duplicate(recorded) => recorded,
            Outcome::New(recorded) => {
                let position = self.results.len();
                let external_id = match (&recorded.event, &recorded.held) {
                    (Some(event), _) => event.external_id.clone(),
                    (None, Some(held)) => held.external_id.clone(),
                    (None, None) => String::new(),
                };
                self.state.recorded.insert(external_id, position);
                self.recorded_new.push(position);
                recorded
            }
        });
        self.results.push(result);
    }

    /// One item through the steps the module names: its checks, its
    /// customer, terms and charge, the evaluation, the totals it adds to;
    /// then — every check passed — its event, the history carried forward
    /// and what it earns.
    fn evaluate(&mut self, item: Checked) -> ApiResult<Outcome> {
        let (partner, valid) = match self.admit(&item)? {
            Admission::Valid(partner, valid) => (partner, valid),
            Admission::Duplicate(original) => return Ok(Outcome::Duplicate(*original)),
            Admission::Held(reason) => return self.hold(item, reason).map(Outcome::New),
        };
        let customer = self.customer(&item, partner, &valid)?;
        let terms = self.terms(partner, valid.campaign)?;
        let charge = self.charge(&item, partner, &valid, customer.as_ref());
        let evaluation =
            self.evaluation(&item, partner, &valid, customer.as_ref(), &terms, &charge)?;
        let sale = item.new.kind == engine::EventKind::Sale;
        let amount_field = format!("{}.amount", item.prefix);
        self.check_totals(&amount_field, partner, &valid, customer.as_ref(), sale)?;
        let same_sale = self.same_sale(&item, customer.as_ref(), &valid);

        // Every check has passed: build the rows and carry the history forward.
        let sold = item.new.lines.clone();
        let mut event = self.event_with_history(item, partner, &valid, customer.as_ref(), &charge);
        // An imported sale grew the customer's history already.
        if let Some(customer) = customer
            && same_sale.is_none()
        {
            self.carry(&event, customer, evaluation.threshold_bonus_paid);
        }
        let commissions = match (same_sale, valid.earns) {
            (Some(reason), _) => {
                event.nothing_reason = Some(reason);
                Vec::new()
            }
            (None, true) => self.earn(
                &mut event,
                partner,
                &valid,
                (&terms, &evaluation),
                &sold,
                &amount_field,
            )?,
            // A sale of a customer whose partner is suspended is recorded
            // and earns nothing (nor counts toward tiers) while it is.
            (None, false) => {
                event.nothing_reason = Some(
                    "the partner is not active: a sale of its customer is recorded and earns \
                     nothing"
                        .to_owned(),
                );
                Vec::new()
            }
        };
        Ok(Outcome::New(Recorded {
            event: Some(event),
            commissions,
            duplicate: false,
            held: None,
        }))
    }

    /// The item's checks before it is evaluated, in order: its partner
    /// resolved (none for a sale naming only a customer nobody
    /// attributed), the exactly-once rule applied, then — a partner
    /// found — the item validated.
    fn admit(&self, item: &Checked) -> ApiResult<Admission<'a>> {
        // A sale naming only a customer nobody attributed is held.
        let unattributed = item.new.partner.is_none() && self.loaded.attribution(item).is_none();
        let partner = match unattributed {
            true => None,
            false => Some(self.partner(item)?),
        };
        if let Some(original) = self.duplicate(item)? {
            return Ok(Admission::Duplicate(Box::new(original)));
        }
        let Some(partner) = partner else {
            return Ok(Admission::Held(HeldReason::Unattributed));
        };
        match self.validate(item, partner)? {
            Checks::Valid(valid) => Ok(Admission::Valid(partner, valid)),
            Checks::NoRate => Ok(Admission::Held(HeldReason::NoExchangeRate)),
        }
    }

    /// The item evaluated under its terms (SPEC §5, §32): the charge
    /// alone, or — the rules reading conditions, or lines sent — the sale
    /// of its lines, with the facts its conditions read.
    fn evaluation(
        &self,
        item: &Checked,
        partner: &partner::Model,
        valid: &Valid,
        customer: Option<&customer::Model>,
        terms: &Terms,
        charge: &Charge,
    ) -> ApiResult<Evaluation> {
        let lines =
            crate::ledger::lines::engine_lines(&item.new.lines, item.new.amount, charge.amount);
        let evaluation = match terms.rules.has_conditions() || !lines.is_empty() {
            false => terms.rules.evaluate(charge, valid.currency),
            true => {
                let facts = crate::ledger::lines::Sale {
                    amount: charge.amount,
                    customer_month: charge.customer_month,
                    // A customer whose sales were refunded in full has
                    // had a sale all the same.
                    is_first: customer
                        .is_some_and(|c| c.net_minor <= 0 && !self.state.had_sale.contains(&c.id)),
                    customer,
                    partner,
                    categories: self
                        .loaded
                        .categories
                        .get(&partner.id)
                        .cloned()
                        .unwrap_or_default(),
                    metadata: item.new.metadata.as_ref(),
                }
                .facts()?;
                terms
                    .rules
                    .evaluate_sale(charge, &facts, &lines, valid.currency)
            }
        };
        Ok(evaluation)
    }

    /// The item's event row, with the history before it kept on it (SPEC
    /// §23), and a converted sale's conversion beside it.
    fn event_with_history(
        &mut self,
        item: Checked,
        partner: &partner::Model,
        valid: &Valid,
        customer: Option<&customer::Model>,
        charge: &Charge,
    ) -> event::Model {
        let mut event = self.event_row(item, partner, valid, customer);
        let before = super::history::Before {
            totals: &self.state.totals,
            customer,
            partner,
        };
        super::history::keep(&mut event, charge, valid.earns, before);
        if let Some(converted) = &valid.conversion {
            self.converted(&event, converted);
        }
        event
    }

    /// A connector's sale an import brought over already: why it is not
    /// accrued again ([`super::same_sale`]).
    fn same_sale(
        &mut self,
        item: &Checked,
        customer: Option<&customer::Model>,
        valid: &Valid,
    ) -> Option<String> {
        let mut amounts = vec![(valid.currency.code(), valid.amount_minor)];
        let other = item.billed.and_then(|b| b.other_minor);
        match &valid.conversion {
            Some(converted) => {
                let own = converted.sale_currency.as_str();
                amounts.push((own, converted.sale_minor));
                amounts.extend(other.map(|other| (own, other)));
            }
            None => amounts.extend(other.map(|other| (valid.currency.code(), other))),
        }
        self.imported
            .take(item, customer, &amounts, valid.occurred_at)
    }

    /// How the event's sale was converted, written beside it.
    fn converted(&mut self, event: &event::Model, converted: &Converted) {
        self.state.conversions.push(event_conversion::Model {
            event_id: event.id.clone(),
            tenant_id: self.tenant_id.to_owned(),
            sale_amount_minor: converted.sale_minor,
            sale_currency: converted.sale_currency.clone(),
            base_per_eur: converted.found.cross.base.to_string(),
            quote_per_eur: converted.found.cross.quote.to_string(),
            day: converted.found.day,
            source: converted.found.source.clone(),
            refunded_sale_minor: 0,
        });
    }

    /// What the event earns under its terms and the partner's tiers. An
    /// event that earns nothing leaves no commission row; the event itself
    /// records that it was evaluated, and why it earned nothing (and
    /// counts toward the tiers).
    fn earn(
        &mut self,
        event: &mut event::Model,
        partner: &partner::Model,
        valid: &Valid<'a>,
        (terms, evaluation): (&Terms, &Evaluation),
        sold: &[crate::ledger::lines::SaleLine],
        amount_field: &str,
    ) -> ApiResult<Vec<entity::commission::Model>> {
        let sale = event.kind == EventKind::Sale;
        let earned = match evaluation.fee.is_zero() {
            true => Vec::new(),
            // A sale of several lines posts them each rounded once (§32).
            false => vec![Earning {
                unrounded: evaluation.to_post(),
                commission: self.commission(event, valid, terms, evaluation),
            }],
        };
        let want = Want {
            partner_id: &partner.id,
            group_id: &partner.group_id,
            campaign_id: &valid.campaign.id,
            customer_id: event.customer_id.as_deref(),
            currency: valid.currency.code(),
            at: event.occurred_at,
        };
        let limit = self.caps.limit(&want);
        let accrued = Accrued {
            partner_id: &partner.id,
            campaign_id: &valid.campaign.id,
            event_id: &event.id,
            currency: valid.currency,
            at: event.occurred_at,
            sale,
            amount_minor: valid.amount_minor,
            revenue_minor: valid.revenue_minor,
            amount_field,
            limit: limit.clone(),
        };
        let start = self.posting.rows().len();
        let mut commissions = self.tiers.post(&mut self.posting, &accrued, earned)?;
        // A sale's commission explains its lines — one, the whole amount,
        // for a sale sent without lines (§32); a lead's has none.
        if sale {
            // Each amount explained once: the posting's row and the
            // commission answered are the same commission.
            let mut explained: Vec<(i64, Option<String>)> = Vec::new();
            let mut explain = |amount_minor: i64| {
                if let Some((_, text)) = explained.iter().find(|(a, _)| *a == amount_minor) {
                    return text.clone();
                }
                let earned = crate::ledger::lines::earned(
                    &terms.rules,
                    evaluation,
                    sold,
                    valid.currency,
                    amount_minor,
                );
                let text = serde_json::to_string(&earned).ok();
                explained.push((amount_minor, text.clone()));
                text
            };
            self.posting.explain_lines(start, &event.id, &mut explain);
            for row in &mut commissions {
                if row.event_id == event.id && row.kind == CommissionKind::Commission {
                    row.lines = explain(row.amount_minor);
                }
            }
        }
        // Everything the partner earned on it counts in its caps: its
        // commission, a tier's bonus, the adjustments a tier reached.
        let earned: i64 = self.posting.rows()[start..]
            .iter()
            .filter(|row| row.partner_id == partner.id)
            .map(|row| row.amount_minor)
            .sum();
        self.caps.spent(&want, earned);
        let cap_left_nothing = limit.as_ref().filter(|l| l.left_minor == 0);
        match (commissions.is_empty(), cap_left_nothing) {
            (true, Some(limit)) if !evaluation.fee.is_zero() => {
                event.nothing_reason = Some(nothing_left(&limit.line, valid.currency.code()));
            }
            (true, _) => {
                let code = valid.currency.code();
                let lines =
                    crate::ledger::lines::nothing_in_words(&terms.rules, evaluation, sold, code);
                event.nothing_reason = Some(nothing_earned(terms, evaluation, sale, lines));
            }
            (false, _) => {}
        }
        let sale_minor = sale.then_some(valid.amount_minor);
        self.reward_referrers(&commissions, sale_minor, amount_field)?;
        Ok(commissions)
    }

    /// The event's commission as its terms decide it, before any tier.
    fn commission(
        &self,
        event: &event::Model,
        valid: &Valid,
        terms: &Terms,
        evaluation: &Evaluation,
    ) -> NewCommission {
        NewCommission {
            kind: CommissionKind::Commission,
            status: CommissionStatus::Accrued,
            tenant_id: self.tenant_id.to_owned(),
            partner_id: event.partner_id.clone(),
            campaign_id: valid.campaign.id.clone(),
            event_id: event.id.clone(),
            amount_minor: 0,
            currency: valid.currency.code().to_owned(),
            terms: TermsRef {
                snapshot_id: terms.snapshot.as_ref().map(|s| s.id.clone()),
                rules_source: terms.rules_source,
            },
            breakdown: breakdown(&terms.rules, evaluation),
            accrued_at: event.occurred_at,
            holdback_days: terms.holdback_days,
            original_id: None,
            reason: None,
            note: None,
            deal: None,
            tier_id: None,
            revenue_minor: None,
        }
    }

    /// The item's campaign, which must be active.
    fn campaign(&self, item: &Checked) -> ApiResult<&'a campaign::Model> {
        let prefix = item.prefix;
        let campaign = match self.loaded.campaign_id_of(item) {
            Some(id) => self
                .loaded
                .campaigns
                .get(id)
                .ok_or_else(|| bad(prefix, "campaignId", "no such campaign"))?,
            None => return Err(ApiError::internal("default campaign", self.tenant_id)),
        };
        if campaign.status != CampaignStatus::Active {
            return Err(bad(prefix, "campaignId", "the campaign is not active"));
        }
        Ok(campaign)
    }

    /// The item's customer as the batch has it so far, or a new one.
    fn customer(
        &self,
        item: &Checked,
        partner: &partner::Model,
        valid: &Valid,
    ) -> ApiResult<Option<customer::Model>> {
        let Some(external) = &item.customer_external_id else {
            return Ok(None);
        };
        let key = (partner.id.clone(), external.clone());
        match self.state.customers.get(&key) {
            Some(existing) if existing.currency != valid.currency.code() => Err(bad(
                item.prefix,
                "currency",
                format!("this customer is billed in {}", existing.currency),
            )),
            Some(existing) => Ok(Some(with_facts(existing.clone(), item))),
            None => Ok(Some(with_facts(
                customer::Model {
                    id: input::new_id(),
                    tenant_id: self.tenant_id.to_owned(),
                    partner_id: partner.id.clone(),
                    external_id: external.clone(),
                    currency: valid.currency.code().to_owned(),
                    acquired_at: item
                        .new
                        .customer_acquired_at
                        .map_or(valid.occurred_at, |t| t.trunc_subsecs(6)),
                    net_minor: 0,
                    threshold_bonus_paid: false,
                    created_at: self.now,
                    country: None,
                    attributes: None,
                },
                item,
            ))),
        }
    }

    /// The terms in force for the partner in the campaign, resolved once
    /// per batch.
    fn terms(
        &mut self,
        partner: &partner::Model,
        campaign: &campaign::Model,
    ) -> ApiResult<Arc<Terms>> {
        let pair = (partner.id.clone(), campaign.id.clone());
        if let Some(terms) = self.state.terms.get(&pair) {
            return Ok(terms.clone());
        }
        let snapshot = self.loaded.snapshots.get(&pair).cloned();
        let group = self.loaded.groups.get(&partner.group_id);
        let terms = Arc::new(enrollment::resolve_terms(snapshot, campaign, group)?);
        self.state.terms.insert(pair, terms.clone());
        Ok(terms)
    }

    /// The engine's view of the charge and the partner's history before it.
    fn charge(
        &self,
        item: &Checked,
        partner: &partner::Model,
        valid: &Valid,
        customer: Option<&customer::Model>,
    ) -> Charge {
        let currency = valid.currency;
        let (ltv_minor, paying) = self
            .state
            .totals
            .get(&(partner.id.clone(), currency.code().to_owned()))
            .map_or((0, 0), |t| (t.ltv_minor, t.paying_customers));
        let customer_net = customer.map_or(0, |c| c.net_minor);
        let sale = item.new.kind == engine::EventKind::Sale;
        Charge {
            kind: item.new.kind,
            // A converted sale's amount is not rounded before the rules:
            // the commission is rounded once, at the end (SPEC §2, §22).
            amount: valid
                .conversion
                .as_ref()
                .map_or_else(|| currency.from_minor(valid.amount_minor), |c| c.exact),
            customer_month: customer
                .map_or(1, |c| customer_month(c.acquired_at, valid.occurred_at)),
            partner_ltv: currency.from_minor(Ord::max(ltv_minor, 0)),
            paying_customers: u32::try_from(Ord::max(paying, 0)).unwrap_or(u32::MAX),
            first_paid_customer: sale && paying == 0 && customer_net <= 0 && valid.amount_minor > 0,
            customer_had_threshold_bonus: customer.is_some_and(|c| c.threshold_bonus_paid),
        }
    }

    fn event_row(
        &self,
        item: Checked,
        partner: &partner::Model,
        valid: &Valid,
        customer: Option<&customer::Model>,
    ) -> event::Model {
        let mut row = EventRow {
            tenant_id: self.tenant_id,
            external_id: &item.external_id,
            partner_id: &partner.id,
            campaign_id: &valid.campaign.id,
            kind: stored_kind(item.new.kind),
            amount_minor: valid.amount_minor,
            currency: valid.currency.code(),
            occurred_at: valid.occurred_at,
            payload: &item.payload,
            recorded_at: self.now,
        }
        .build();
        row.customer_id = customer.map(|c| c.id.clone());
        row.revenue_minor = valid.revenue_minor;
        row.metadata = item.new.metadata.clone();
        if !item.new.lines.is_empty() {
            // In the currency the sale was sent in, with its minor digits.
            let sold_in = valid
                .conversion
                .as_ref()
                .and_then(|c| Currency::parse(&c.sale_currency).ok())
                .unwrap_or(valid.currency);
            let lines = crate::ledger::lines::in_minor_digits(&item.new.lines, sold_in);
            row.lines = serde_json::to_string(&lines).ok();
        }
        row
    }

    /// Carries the customer's and the partner's history past this event: a
    /// sale adds to the customer's net charges and the partner's LTV, and may
    /// make the customer a paying one.
    fn carry(&mut self, event: &event::Model, mut customer: customer::Model, bonus_paid: bool) {
        let key = (event.partner_id.clone(), customer.external_id.clone());
        let totals_key = (event.partner_id.clone(), event.currency.clone());
        let totals = self
            .state
            .totals
            .entry(totals_key.clone())
            .or_insert_with(|| partner_total::Model {
                partner_id: event.partner_id.clone(),
                currency: event.currency.clone(),
                tenant_id: self.tenant_id.to_owned(),
                ltv_minor: 0,
                paying_customers: 0,
            });
        self.state.touched_totals.insert(totals_key);
        let sale = event.kind == EventKind::Sale;
        if sale {
            let after = customer.net_minor + event.amount_minor;
            totals.ltv_minor += event.amount_minor;
            if customer.net_minor <= 0 && after > 0 {
                totals.paying_customers += 1;
            }
            customer.net_minor = after;
            customer.threshold_bonus_paid |= bonus_paid;
            if event.amount_minor > 0 {
                self.state.had_sale.insert(customer.id.clone());
            }
        }
        if !self.state.customers.contains_key(&key) || sale {
            self.state.touched.insert(key.clone());
        }
        self.state.customers.insert(key, customer);
    }
}

/// The customer with what the event says of it: its country and
/// attributes, the newest sent winning.
fn with_facts(mut customer: customer::Model, item: &Checked) -> customer::Model {
    if let Some(facts) = &item.new.customer {
        if let Some(country) = &facts.country {
            customer.country = Some(country.clone());
        }
        if let Some(attributes) = &facts.attributes {
            customer.attributes = Some(attributes.to_string());
        }
    }
    customer
}
