//! Sales and leads in a replay: each evaluated again by the engine's rules
//! ([`crate::engine::RuleSet::evaluate`]) under the partner's terms
//! resolved as accrual resolves them
//! ([`crate::campaigns::enrollment::resolve_terms`]), as recorded and as
//! proposed, with the history kept on the event and the customer's
//! charge-threshold bonus carried through the replay.

use super::undo::OpenLines;
use super::{Recorded, Replay, Row, exact_amount};
use crate::campaigns::enrollment::{self, Terms};
use crate::engine::{self, Charge, Currency};
use crate::error::{ApiError, ApiResult};
use crate::ledger::line_refunds::{self, LinePart};
use crate::ledger::lines;
use crate::posting::{NewCommission, TermsRef};
use crate::tiers::book::Earning;
use entity::enums::{CommissionKind, CommissionStatus, EventKind};
use entity::{event, event_conversion};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The customer's charge-threshold bonus as the replay carries it: paid
/// under the recorded terms, and under the proposed ones, by the range's
/// events so far.
#[derive(Default, Clone, Copy)]
pub(super) struct Bonus {
    recorded: bool,
    proposed: bool,
}

impl Replay {
    /// The terms of the partner in the campaign: as recorded (when the
    /// change alters them) and as proposed.
    pub(super) fn terms(&mut self, partner_id: &str, campaign_id: &str) -> ApiResult<BothTerms> {
        let pair = (partner_id.to_owned(), campaign_id.to_owned());
        if let Some(found) = self.terms.get(&pair) {
            return Ok(found.clone());
        }
        let partner = self
            .partners
            .get(partner_id)
            .ok_or_else(|| ApiError::internal("replayed partner", partner_id))?;
        let campaign = self
            .campaigns
            .get(campaign_id)
            .ok_or_else(|| ApiError::internal("replayed campaign", campaign_id))?;
        let snapshot = self.snapshots.get(&pair).cloned();
        let group = self.groups.get(&partner.group_id);
        let proposed = enrollment::resolve_terms(
            snapshot.clone(),
            &campaign.proposed,
            group.map(|g| &g.proposed),
        )?;
        let recorded = match campaign.changed || group.is_some_and(|g| g.changed) {
            true => Some(Arc::new(enrollment::resolve_terms(
                snapshot,
                &campaign.recorded,
                group.map(|g| &g.recorded),
            )?)),
            false => None,
        };
        let found = (recorded, Arc::new(proposed));
        self.terms.insert(pair, found.clone());
        Ok(found)
    }

    /// A sale or lead under the proposed terms: what it earns at once
    /// (its commission as the tiers leave it, a tier's bonus, the
    /// adjustments of a tier it reached), by the accrual's own steps.
    pub(super) fn sale_or_lead(
        &mut self,
        row: &Row,
        counted: bool,
        found: Option<&Recorded>,
        conversion: Option<&event_conversion::Model>,
    ) -> ApiResult<i64> {
        let (Some(month), Some(ltv), Some(paying), Some(net), Some(bonus), Some(earns)) = (
            row.history_month,
            row.history_ltv_minor,
            row.history_paying,
            row.history_net_minor,
            row.history_bonus,
            row.history_earns,
        ) else {
            return Err(ApiError::internal("event without history", &row.id));
        };
        if !earns {
            return Ok(0);
        }
        let currency =
            Currency::parse(&row.currency).map_err(|e| ApiError::internal("event currency", e))?;
        let sale = row.kind == EventKind::Sale;
        let amount = match conversion {
            Some(c) => exact_amount(c)?,
            None => currency.from_minor(row.amount_minor),
        };
        let carried = row
            .customer_id
            .as_ref()
            .and_then(|c| self.bonuses.get(c))
            .copied()
            .unwrap_or_default();
        let charge = |had: bool| Charge {
            kind: match row.kind {
                EventKind::Lead => engine::EventKind::Lead,
                _ => engine::EventKind::Sale,
            },
            amount,
            customer_month: u32::try_from(month).unwrap_or(1),
            partner_ltv: currency.from_minor(Ord::max(ltv, 0)),
            paying_customers: u32::try_from(Ord::max(paying, 0)).unwrap_or(u32::MAX),
            first_paid_customer: sale && paying == 0 && net <= 0 && row.amount_minor > 0,
            customer_had_threshold_bonus: had,
        };
        let (recorded_terms, terms) = self.terms(&row.partner_id, &row.campaign_id)?;
        // The bonus as recorded, less what the range's events paid under the
        // recorded terms, plus what they paid under the proposed ones.
        let had = carried.proposed || (bonus && !carried.recorded);
        let sold: Vec<lines::SaleLine> = match &row.lines {
            Some(lines) => {
                serde_json::from_str(lines).map_err(|e| ApiError::internal("event lines", e))?
            }
            None => Vec::new(),
        };
        // The lines sum to the sale as sent, in its own currency.
        let own = match conversion {
            Some(c) => Currency::parse(&c.sale_currency)
                .map_err(|e| ApiError::internal("sale currency", e))?,
            None => currency,
        };
        let sent = match conversion {
            Some(c) => own.from_minor(c.sale_amount_minor),
            None => currency.from_minor(row.amount_minor),
        };
        let lines = lines::engine_lines(&sold, sent, amount);
        // A customer whose sales were refunded in full has had a sale.
        let sold_before = self.sold_before(row);
        let facts = self
            .partners
            .get(&row.partner_id)
            .map(|partner| {
                lines::Sale {
                    amount,
                    customer_month: u32::try_from(month).unwrap_or(1),
                    is_first: net <= 0 && !sold_before,
                    customer: row
                        .customer_id
                        .as_ref()
                        .and_then(|id| self.customers.get(id)),
                    partner,
                    categories: self
                        .categories
                        .get(&row.partner_id)
                        .cloned()
                        .unwrap_or_default(),
                    metadata: row.metadata.as_ref(),
                }
                .facts()
            })
            .transpose()?;
        let evaluate = |rules: &engine::RuleSet, had: bool| match (
            &facts,
            rules.has_conditions() || !lines.is_empty(),
        ) {
            (Some(facts), true) => rules.evaluate_sale(&charge(had), facts, &lines, currency),
            _ => rules.evaluate(&charge(had), currency),
        };
        let evaluation = evaluate(&terms.rules, had);
        if let Some(customer) = &row.customer_id {
            let recorded_paid = match &recorded_terms {
                Some(old) => evaluate(&old.rules, bonus).threshold_bonus_paid,
                None => evaluation.threshold_bonus_paid,
            };
            if evaluation.threshold_bonus_paid || recorded_paid {
                let entry = self.bonuses.entry(customer.clone()).or_default();
                entry.proposed |= evaluation.threshold_bonus_paid;
                entry.recorded |= recorded_paid;
            }
        }
        let earned = match evaluation.fee.is_zero() {
            true => Vec::new(),
            // Posted as accrual posts it: several lines each rounded once.
            false => vec![Earning {
                unrounded: evaluation.to_post(),
                commission: self.commission(row, &terms),
            }],
        };
        let after = self.post(row, currency, counted, found, earned)?;
        // A refund will come back to it line by line (SPEC §32).
        if !sold.is_empty()
            && let Some(open) = self.open.get_mut(&row.id)
        {
            let parts = sold
                .iter()
                .map(|line| LinePart {
                    external_id: line.external_id.clone(),
                    amount: own.to_minor(line.amount).unwrap_or(0),
                    refunded_before: 0,
                    refund: 0,
                })
                .collect();
            let explained = |amount: i64| {
                let earned = lines::earned(&terms.rules, &evaluation, &sold, currency, amount);
                line_refunds::by_line(&earned)
            };
            let earned = open
                .originals
                .iter()
                .map(|(id, amount, _)| (id.clone(), explained(*amount)))
                .collect();
            open.lines = Some(OpenLines { parts, earned });
        }
        Ok(after)
    }

    /// Whether the row's customer had a paid sale recorded before it (as
    /// accrual saw it: none of its sales since is its first).
    fn sold_before(&self, row: &Row) -> bool {
        row.customer_id
            .as_ref()
            .and_then(|c| self.first_sales.get(c))
            .is_some_and(|first| first.as_str() < row.id.as_str())
    }

    /// The page's customers' first paid sales, by customer: the id of the
    /// earliest recorded (ids are in the order events were recorded).
    pub(super) async fn load_first_sales(
        &mut self,
        conn: &impl ConnectionTrait,
        rows: &[Row],
    ) -> ApiResult<()> {
        let customers: HashSet<&str> = rows
            .iter()
            .filter_map(|r| r.customer_id.as_deref())
            .collect();
        self.first_sales = HashMap::new();
        if customers.is_empty() {
            return Ok(());
        }
        let found: Vec<(Option<String>, Option<String>)> = event::Entity::find()
            .select_only()
            .column(event::Column::CustomerId)
            .column_as(event::Column::Id.min(), "first")
            .filter(event::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(event::Column::CustomerId.is_in(customers))
            .filter(event::Column::Kind.eq(EventKind::Sale))
            .filter(event::Column::AmountMinor.gt(0))
            .group_by(event::Column::CustomerId)
            .into_tuple()
            .all(conn)
            .await?;
        for (customer, first) in found {
            if let (Some(customer), Some(first)) = (customer, first) {
                self.first_sales.insert(customer, first);
            }
        }
        Ok(())
    }

    /// The event's commission before any tier, as accrual builds it
    /// (without the breakdown, which no figure reads).
    fn commission(&self, row: &Row, terms: &Terms) -> NewCommission {
        NewCommission {
            kind: CommissionKind::Commission,
            status: CommissionStatus::Accrued,
            tenant_id: self.tenant_id.clone(),
            partner_id: row.partner_id.clone(),
            campaign_id: row.campaign_id.clone(),
            event_id: row.id.clone(),
            amount_minor: 0,
            currency: row.currency.clone(),
            terms: TermsRef {
                snapshot_id: terms.snapshot.as_ref().map(|s| s.id.clone()),
                rules_source: terms.rules_source,
            },
            breakdown: Vec::new(),
            accrued_at: row.occurred_at,
            holdback_days: terms.holdback_days,
            original_id: None,
            reason: None,
            note: None,
            deal: None,
            tier_id: None,
            revenue_minor: None,
        }
    }
}

/// A partner's terms in a campaign: as recorded (`None` when the change
/// leaves them) and as proposed.
pub(super) type BothTerms = (Option<Arc<Terms>>, Arc<Terms>);
