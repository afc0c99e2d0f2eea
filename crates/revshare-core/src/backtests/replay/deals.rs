//! Deal events in a replay: what each earns under the deal's terms as they
//! stood at the event (or as a proposed plan would have made them), by the
//! accrual's own steps — the trigger, field values and terms version kept
//! on the event ([`DealHistory`]), the plans' entries fired by the engine
//! ([`accrue::commissions`]), posted through the tier book like any event.
//!
//! A proposed plan reaches a deal as if it had stood when the deal froze
//! its terms: an edited plan leaves the terms of the deals that froze it,
//! and the proposed plan takes its payment target from the plan a deal
//! froze for it when matching (SPEC §8) would have chosen it — more
//! specific, or as specific and newer ([`engine::deals::takes_over`]).
//! Terms amended by hand stay as chosen, but for the edited plan, replaced
//! by its proposed version.

use super::{Recorded, Replay, Row, exact_amount};
use crate::backtests::change::StoredPlan;
use crate::deals::accrue::{self, Context, FrozenPlan};
use crate::deals::history::DealHistory;
use crate::engine::Currency;
use crate::engine::deals::{self as engine, Candidate, Match, PartnerFacts};
use crate::error::{ApiError, ApiResult};
use entity::enums::{PartnerType, PlanMatch};
use entity::{deal, deal_term, event_conversion, partner, partner_category};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashMap};

/// A proposed plan as the replay applies it.
pub(super) struct Proposed {
    /// As a deal would freeze it.
    frozen: FrozenPlan,
    /// Whether it replaces the plan of its id.
    replaces: bool,
    partner_type: PartnerType,
    groups: BTreeSet<String>,
    categories: BTreeSet<String>,
    partners: BTreeSet<String>,
}

impl Proposed {
    pub(super) fn of(stored: &StoredPlan) -> Proposed {
        let set = |ids: &[String]| ids.iter().cloned().collect();
        Proposed {
            frozen: FrozenPlan {
                plan_id: stored.id.clone(),
                label: stored.label.clone(),
                payment_target: stored.payment_target,
                auto_assign_recipient: stored.auto_assign_recipient,
                currency: Some(stored.currency.clone()),
                entries: stored.entries.clone(),
            },
            replaces: stored.replaces,
            partner_type: stored.partner_type,
            groups: set(&stored.group_ids),
            categories: set(&stored.category_ids),
            partners: set(&stored.partner_ids),
        }
    }

    fn is_edited(&self, plan: &FrozenPlan) -> bool {
        self.replaces && plan.plan_id == self.frozen.plan_id
    }
}

/// Why a frozen plan applied, as matching says it; none for an amendment.
fn matched(by: PlanMatch) -> Option<Match> {
    match by {
        PlanMatch::Partner => Some(Match::Partner),
        PlanMatch::Category => Some(Match::Category),
        PlanMatch::Group => Some(Match::Group),
        PlanMatch::Any => Some(Match::Any),
        PlanMatch::Amendment => None,
    }
}

/// The plans a deal's terms would hold had `plan` stood when it froze
/// `frozen` (its plans with why each applied), for a partner of
/// `partner_type`.
fn proposed_terms(
    frozen: &[(FrozenPlan, PlanMatch)],
    plan: &Proposed,
    partner_type: PartnerType,
    partner: &PartnerFacts<'_>,
) -> Vec<FrozenPlan> {
    let fits = plan.partner_type == partner_type;
    let amended = frozen.iter().any(|(_, by)| *by == PlanMatch::Amendment);
    if amended {
        return frozen
            .iter()
            .filter_map(|(held, _)| match plan.is_edited(held) {
                true => fits.then(|| plan.frozen.clone()),
                false => Some(held.clone()),
            })
            .collect();
    }
    let kept: Vec<&(FrozenPlan, PlanMatch)> = frozen
        .iter()
        .filter(|(held, _)| !plan.is_edited(held))
        .collect();
    let candidate = Candidate {
        target: plan.frozen.payment_target,
        groups: &plan.groups,
        categories: &plan.categories,
        partners: &plan.partners,
    };
    let challenger = match fits {
        true => engine::matches(&candidate, partner),
        false => None,
    };
    let target = plan.frozen.payment_target;
    let wins = challenger.is_some_and(|challenger| {
        kept.iter()
            .find(|(held, _)| held.payment_target == target)
            .is_none_or(|(held, by)| {
                matched(*by).is_some_and(|holder| {
                    let newer = plan.frozen.plan_id > held.plan_id;
                    engine::takes_over(challenger, newer, holder)
                })
            })
    });
    let mut plans: Vec<FrozenPlan> = kept
        .into_iter()
        .filter(|(held, _)| !(wins && held.payment_target == target))
        .map(|(held, _)| held.clone())
        .collect();
    if wins {
        plans.push(plan.frozen.clone());
        // Frozen terms hold their plans in payment-target order.
        plans.sort_by_key(|p| p.payment_target);
    }
    plans
}

/// What a page's deal events refer to, read by the page's deal ids.
#[derive(Default)]
pub(super) struct DealPage {
    deals: HashMap<String, deal::Model>,
    /// Each deal's terms by version: the plans, with why each applied.
    terms: HashMap<(String, i32), Vec<(FrozenPlan, PlanMatch)>>,
    /// The categories of the deals' partners (read for a proposed plan).
    categories: HashMap<String, BTreeSet<String>>,
}

impl DealPage {
    pub(super) async fn load(
        conn: &impl ConnectionTrait,
        rows: &[Row],
        categories: bool,
    ) -> ApiResult<DealPage> {
        let ids: BTreeSet<&str> = rows.iter().filter_map(|r| r.deal_id.as_deref()).collect();
        let mut page = DealPage::default();
        if ids.is_empty() {
            return Ok(page);
        }
        for found in deal::Entity::find()
            .filter(deal::Column::Id.is_in(ids.iter().copied()))
            .all(conn)
            .await?
        {
            page.deals.insert(found.id.clone(), found);
        }
        let terms = deal_term::Entity::find()
            .filter(deal_term::Column::DealId.is_in(ids.iter().copied()))
            .order_by_asc(deal_term::Column::Id)
            .all(conn)
            .await?;
        for row in terms {
            let plans = accrue::frozen_plans(std::slice::from_ref(&row))?;
            page.terms
                .entry((row.deal_id, row.version))
                .or_default()
                .extend(plans.into_iter().map(|p| (p, row.matched_by)));
        }
        if categories {
            let partners: BTreeSet<&str> =
                page.deals.values().map(|d| d.partner_id.as_str()).collect();
            for row in partner_category::Entity::find()
                .filter(partner_category::Column::PartnerId.is_in(partners))
                .all(conn)
                .await?
            {
                page.categories
                    .entry(row.partner_id)
                    .or_default()
                    .insert(row.category_id);
            }
        }
        Ok(page)
    }
}

impl Replay {
    /// A deal event under the deal's terms at the time, or as the proposed
    /// plan would have made them: what it earns at once.
    pub(super) fn deal_event(
        &mut self,
        row: &Row,
        counted: bool,
        found: Option<&Recorded>,
        conversion: Option<&event_conversion::Model>,
    ) -> ApiResult<i64> {
        let (Some(text), Some(earns), Some(deal_id)) =
            (&row.history_deal, row.history_earns, &row.deal_id)
        else {
            return Err(ApiError::internal("deal event without history", &row.id));
        };
        // A lost deal's payment earns and counts nothing.
        if !earns {
            return Ok(0);
        }
        let history = DealHistory::decode(text)?;
        let currency =
            Currency::parse(&row.currency).map_err(|e| ApiError::internal("event currency", e))?;
        let plans = self.deal_plans(deal_id, &history)?;
        let deal = self
            .deal_page
            .deals
            .get(deal_id)
            .ok_or_else(|| ApiError::internal("replayed deal", deal_id))?;
        let context = Context {
            deal,
            event_id: &row.id,
            amount_minor: row.amount_minor,
            at: row.occurred_at,
            currency,
            options: &history.options,
            holdback_days: None,
            snapshot_id: None,
            exact_base: conversion.map(exact_amount).transpose()?,
        };
        let earned = accrue::commissions(&context, &plans, &history.trigger())?;
        self.post(row, currency, counted, found, accrue::earnings(earned))
    }

    /// The plans of the deal's terms in force at the event, as the change
    /// leaves them.
    fn deal_plans(&self, deal_id: &str, history: &DealHistory) -> ApiResult<Vec<FrozenPlan>> {
        let key = (deal_id.to_owned(), history.terms);
        let frozen = self
            .deal_page
            .terms
            .get(&key)
            .map_or(&[][..], Vec::as_slice);
        let Some(plan) = &self.plan else {
            return Ok(frozen.iter().map(|(p, _)| p.clone()).collect());
        };
        let deal = self
            .deal_page
            .deals
            .get(deal_id)
            .ok_or_else(|| ApiError::internal("replayed deal", deal_id))?;
        let partner: &partner::Model = self
            .partners
            .get(&deal.partner_id)
            .ok_or_else(|| ApiError::internal("replayed partner", &deal.partner_id))?;
        let none = BTreeSet::new();
        let facts = PartnerFacts {
            id: &partner.id,
            group_id: &partner.group_id,
            categories: self.deal_page.categories.get(&partner.id).unwrap_or(&none),
        };
        Ok(proposed_terms(frozen, plan, partner.r#type, &facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plans::{Calculation, Entries, Entry, OneOff, PlanValue};
    use entity::enums::PaymentTarget;

    fn frozen(id: &str, target: PaymentTarget) -> FrozenPlan {
        FrozenPlan {
            plan_id: id.to_owned(),
            label: id.to_owned(),
            payment_target: target,
            auto_assign_recipient: None,
            currency: None,
            entries: Entries::new(vec![Entry {
                payment_stage_id: "won".to_owned(),
                calculation: Calculation::OneOff(OneOff {
                    value: PlanValue::parse("10%", 2).unwrap(),
                    scaling: None,
                }),
            }])
            .unwrap(),
        }
    }

    fn proposed(id: &str, replaces: bool, partners: &[&str]) -> Proposed {
        Proposed {
            frozen: frozen(id, PaymentTarget::Partnership),
            replaces,
            partner_type: PartnerType::Reseller,
            groups: BTreeSet::new(),
            categories: BTreeSet::new(),
            partners: partners.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn ids(plans: &[FrozenPlan]) -> Vec<&str> {
        plans.iter().map(|p| p.plan_id.as_str()).collect()
    }

    fn terms(
        held: &[(&str, PaymentTarget, PlanMatch)],
        plan: &Proposed,
        partner_type: PartnerType,
    ) -> Vec<String> {
        let held: Vec<(FrozenPlan, PlanMatch)> = held
            .iter()
            .map(|(id, target, by)| (frozen(id, *target), *by))
            .collect();
        let none = BTreeSet::new();
        let facts = PartnerFacts {
            id: "rea",
            group_id: "g",
            categories: &none,
        };
        let found = proposed_terms(&held, plan, partner_type, &facts);
        ids(&found).into_iter().map(str::to_owned).collect()
    }

    const P: PaymentTarget = PaymentTarget::Partnership;
    const I: PaymentTarget = PaymentTarget::Individual;
    const R: PartnerType = PartnerType::Reseller;

    #[test]
    fn a_proposed_plan_takes_a_target_as_matching_would_have_chosen_it() {
        let held = [("b", P, PlanMatch::Any), ("s", I, PlanMatch::Any)];
        // Newer and as specific: it takes the partnership commission.
        assert_eq!(terms(&held, &proposed("c", false, &[]), R), ["c", "s"]);
        // Older and as specific: the plan held stays.
        assert_eq!(terms(&held, &proposed("a", false, &[]), R), ["b", "s"]);
        // Naming the partner beats any age; naming another reaches nothing.
        assert_eq!(terms(&held, &proposed("a", false, &["rea"]), R), ["a", "s"]);
        assert_eq!(terms(&held, &proposed("c", false, &["sam"]), R), ["b", "s"]);
        // Another partner type: nothing changes.
        let distributor = PartnerType::Distributor;
        assert_eq!(
            terms(&held, &proposed("c", false, &[]), distributor),
            ["b", "s"]
        );
        // A more specific plan held stays against an unrestricted one.
        let named = [("b", P, PlanMatch::Partner)];
        assert_eq!(terms(&named, &proposed("c", false, &[]), R), ["b"]);
        // A target nobody held is taken, in payment-target order.
        let spiff = [("s", I, PlanMatch::Any)];
        assert_eq!(terms(&spiff, &proposed("c", false, &[]), R), ["c", "s"]);
    }

    #[test]
    fn an_edited_plan_leaves_the_terms_that_froze_it() {
        let held = [("b", P, PlanMatch::Any), ("s", I, PlanMatch::Any)];
        // In its place while it still matches; gone once it does not.
        assert_eq!(terms(&held, &proposed("b", true, &[]), R), ["b", "s"]);
        assert_eq!(terms(&held, &proposed("b", true, &["sam"]), R), ["s"]);
        // Amended terms stay as chosen, but for the edited plan.
        let amended = [("b", P, PlanMatch::Amendment)];
        assert_eq!(terms(&amended, &proposed("z", false, &["rea"]), R), ["b"]);
        assert_eq!(terms(&amended, &proposed("b", true, &["sam"]), R), ["b"]);
        let distributor = PartnerType::Distributor;
        assert!(terms(&amended, &proposed("b", true, &[]), distributor).is_empty());
    }
}
