//! What a deal event earns: the commissions its frozen plans pay when the
//! deal first reaches stages (the one-off parts of their entries) or
//! receives a payment (an occurrence of the recurring parts), built as
//! ledger rows for the posting layer. Pure: the caller loaded everything.

use crate::engine::Currency;
use crate::engine::plans::{
    Applied, DealOptions, Entries, Entry, Trigger as PlanTrigger, ValueKind, pays,
};
use crate::error::{ApiError, ApiResult};
use crate::posting::breakdown::{BreakdownLine, PlanEntryLine};
use crate::posting::{DealRef, NewCommission, TermsRef};
use crate::tiers::book::Earning;
use chrono::{DateTime, Utc};
use entity::deal;
use entity::enums::{
    AutoAssignRecipient, CommissionKind, CommissionStatus, PaymentTarget, TermsSource,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A plan as a deal froze it: later edits of the plan do not reach it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrozenPlan {
    pub plan_id: String,
    pub label: String,
    pub payment_target: PaymentTarget,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign_recipient: Option<AutoAssignRecipient>,
    /// Its fixed values' currency; terms frozen before plans had one read
    /// without it, and their fixed values pay in the deal's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub entries: Entries,
}

impl FrozenPlan {
    /// Whether its fixed values pay a deal in `currency`.
    pub fn fixed_values_pay(&self, currency: &str) -> bool {
        self.currency.as_deref().is_none_or(|own| own == currency)
    }
}

/// What happened to the deal (the engine's vocabulary).
pub use crate::engine::deals::DealTrigger as Trigger;

/// Everything a deal event's commissions depend on.
pub struct Context<'a> {
    pub deal: &'a deal::Model,
    /// The event: its id, amount (in the deal's currency) and time.
    pub event_id: &'a str,
    pub amount_minor: i64,
    pub at: DateTime<Utc>,
    pub currency: Currency,
    pub options: &'a DealOptions,
    /// The holdback in force for the partner in the deal's campaign.
    pub holdback_days: Option<i32>,
    pub snapshot_id: Option<String>,
    /// A payment converted from another currency: its converted amount
    /// before any rounding, which the plans pay on (rounded once, at the
    /// end).
    pub exact_base: Option<Decimal>,
}

/// The commissions `trigger` earns under `plans`, in plan and entry order.
pub fn commissions(
    context: &Context,
    plans: &[FrozenPlan],
    trigger: &Trigger,
) -> ApiResult<Vec<NewCommission>> {
    let base = context
        .exact_base
        .unwrap_or_else(|| context.currency.from_minor(context.amount_minor));
    let mut found = Vec::new();
    for plan in plans {
        let entries = plan.entries.entries();
        let fixed_pays = plan.fixed_values_pay(&context.deal.currency);
        for fired in crate::engine::deals::fired(&plan.entries, *trigger, context.options) {
            // A fixed value in another currency pays nothing (SPEC §14).
            if !fixed_pays && matches!(fired.applied.value.kind(), ValueKind::Fixed(_)) {
                continue;
            }
            let entry = (fired.entry, &entries[fired.entry]);
            if let Some(row) = row(context, plan, entry, &fired.applied, fired.occurrence, base)? {
                found.push(row);
            }
        }
    }
    Ok(found)
}

/// One entry's commission, or none when it pays nothing.
fn row(
    context: &Context,
    plan: &FrozenPlan,
    (entry_index, entry): (usize, &Entry),
    applied: &Applied,
    occurrence: Option<u32>,
    base: Decimal,
) -> ApiResult<Option<NewCommission>> {
    let (unrounded, paid) = pays(applied, base, context.currency);
    let amount_minor = context
        .currency
        .to_minor(paid)
        .map_err(|e| ApiError::internal("deal commission", e))?;
    if amount_minor == 0 {
        return Ok(None);
    }
    let deal = context.deal;
    let stage_id = &entry.payment_stage_id;
    let recipient_id = match (plan.payment_target, plan.auto_assign_recipient) {
        (PaymentTarget::Individual, Some(AutoAssignRecipient::LeadCreator)) => {
            deal.lead_creator_id.clone()
        }
        (PaymentTarget::Individual, Some(AutoAssignRecipient::DealOwner)) => deal.owner_id.clone(),
        _ => None,
    };
    let line = BreakdownLine::PlanEntry(PlanEntryLine {
        plan_id: plan.plan_id.clone(),
        plan_label: plan.label.clone(),
        entry_index: entry_index as u32,
        stage_id: stage_id.to_owned(),
        trigger: match occurrence {
            Some(_) => PlanTrigger::Payment,
            None => PlanTrigger::Stage,
        },
        occurrence,
        value: applied.value.as_str().to_owned(),
        value_source: applied.source,
        base,
        amount: unrounded.normalize(),
    });
    Ok(Some(NewCommission {
        kind: CommissionKind::Commission,
        status: CommissionStatus::Accrued,
        tenant_id: deal.tenant_id.clone(),
        partner_id: deal.partner_id.clone(),
        campaign_id: deal.campaign_id.clone(),
        event_id: context.event_id.to_owned(),
        amount_minor,
        currency: deal.currency.clone(),
        terms: TermsRef {
            snapshot_id: context.snapshot_id.clone(),
            rules_source: TermsSource::Plan,
        },
        breakdown: vec![line],
        accrued_at: context.at,
        holdback_days: context.holdback_days,
        original_id: None,
        reason: None,
        note: None,
        deal: Some(DealRef {
            deal_id: deal.id.clone(),
            plan_id: plan.plan_id.clone(),
            recipient_pending: plan.payment_target == PaymentTarget::Individual
                && recipient_id.is_none(),
            recipient_id,
            // Known to the caller, who reads the contacts
            // ([`super::pipeline::mark_staff_payees`]).
            staff: false,
        }),
        tier_id: None,
        revenue_minor: None,
    }))
}

/// A deal event's commissions as the tier book takes them: each with its
/// amount before rounding, the sum of its breakdown's lines.
pub fn earnings(rows: Vec<NewCommission>) -> Vec<Earning> {
    rows.into_iter()
        .map(|commission| Earning {
            unrounded: commission.breakdown.iter().map(|line| line.amount()).sum(),
            commission,
        })
        .collect()
}

/// The plans of a deal's terms in force.
pub fn frozen_plans(rows: &[entity::deal_term::Model]) -> ApiResult<Vec<FrozenPlan>> {
    rows.iter()
        .map(|row| {
            serde_json::from_value(row.plan.clone())
                .map_err(|e| ApiError::internal("stored deal terms", e))
        })
        .collect()
}
