//! Ledger rows read by column: a list that shows amounts and partners need
//! not decode each row's breakdown, timestamps and references. A reader
//! names the columns it reads; the others keep a placeholder ([`blank`])
//! that nothing may read.

use chrono::{DateTime, Utc};
use entity::commission::{Column, Model};
use entity::enums::{CommissionKind, CommissionStatus, TermsSource};
use sea_orm::{DbErr, QueryResult};

/// What every column read takes: the row's identity (its cursor), and
/// what deciding who may read it and priming its relations need.
pub const ALWAYS: [Column; 5] = [
    Column::Id,
    Column::TenantId,
    Column::PartnerId,
    Column::CampaignId,
    Column::StaffPayee,
];

/// A row whose every column holds a placeholder.
fn blank() -> Model {
    let never = DateTime::<Utc>::UNIX_EPOCH;
    Model {
        id: String::new(),
        tenant_id: String::new(),
        partner_id: String::new(),
        campaign_id: String::new(),
        event_id: String::new(),
        snapshot_id: None,
        kind: CommissionKind::Commission,
        amount_minor: 0,
        currency: String::new(),
        status: CommissionStatus::Accrued,
        breakdown: serde_json::Value::Null,
        lines: None,
        rules_source: TermsSource::Group,
        original_id: None,
        accrued_at: never,
        recorded_at: never,
        holdback_days: None,
        mature_at: None,
        approved_at: None,
        paid_at: None,
        reversed_at: None,
        reversal_reason: None,
        reversal_note: None,
        payout_id: None,
        plan_id: None,
        recipient_id: None,
        deal_id: None,
        recipient_pending: false,
        tier_id: None,
        revenue_minor: None,
        staff_payee: false,
    }
}

/// A row of a statement that selected `columns`, in that order.
pub fn decode(row: &QueryResult, columns: &[Column]) -> Result<Model, DbErr> {
    let mut m = blank();
    for (i, column) in columns.iter().enumerate() {
        match column {
            Column::Id => m.id = row.try_get_by_index(i)?,
            Column::TenantId => m.tenant_id = row.try_get_by_index(i)?,
            Column::PartnerId => m.partner_id = row.try_get_by_index(i)?,
            Column::CampaignId => m.campaign_id = row.try_get_by_index(i)?,
            Column::EventId => m.event_id = row.try_get_by_index(i)?,
            Column::SnapshotId => m.snapshot_id = row.try_get_by_index(i)?,
            Column::Kind => m.kind = row.try_get_by_index(i)?,
            Column::AmountMinor => m.amount_minor = row.try_get_by_index(i)?,
            Column::Currency => m.currency = row.try_get_by_index(i)?,
            Column::Status => m.status = row.try_get_by_index(i)?,
            Column::Breakdown => m.breakdown = row.try_get_by_index(i)?,
            Column::Lines => m.lines = row.try_get_by_index(i)?,
            Column::RulesSource => m.rules_source = row.try_get_by_index(i)?,
            Column::OriginalId => m.original_id = row.try_get_by_index(i)?,
            Column::AccruedAt => m.accrued_at = row.try_get_by_index(i)?,
            Column::RecordedAt => m.recorded_at = row.try_get_by_index(i)?,
            Column::HoldbackDays => m.holdback_days = row.try_get_by_index(i)?,
            Column::MatureAt => m.mature_at = row.try_get_by_index(i)?,
            Column::ApprovedAt => m.approved_at = row.try_get_by_index(i)?,
            Column::PaidAt => m.paid_at = row.try_get_by_index(i)?,
            Column::ReversedAt => m.reversed_at = row.try_get_by_index(i)?,
            Column::ReversalReason => m.reversal_reason = row.try_get_by_index(i)?,
            Column::ReversalNote => m.reversal_note = row.try_get_by_index(i)?,
            Column::PayoutId => m.payout_id = row.try_get_by_index(i)?,
            Column::PlanId => m.plan_id = row.try_get_by_index(i)?,
            Column::RecipientId => m.recipient_id = row.try_get_by_index(i)?,
            Column::DealId => m.deal_id = row.try_get_by_index(i)?,
            Column::RecipientPending => m.recipient_pending = row.try_get_by_index(i)?,
            Column::TierId => m.tier_id = row.try_get_by_index(i)?,
            Column::RevenueMinor => m.revenue_minor = row.try_get_by_index(i)?,
            Column::StaffPayee => m.staff_payee = row.try_get_by_index(i)?,
        }
    }
    Ok(m)
}
