use crate::enums::{CommissionKind, CommissionStatus, ReversalReason, TermsSource};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    pub event_id: String,
    pub snapshot_id: Option<String>,
    pub kind: CommissionKind,
    pub amount_minor: i64,
    pub currency: String,
    pub status: CommissionStatus,
    pub breakdown: Json,
    /// How each line of its sale earned (SPEC §32): a JSON array; none for
    /// a sale without lines.
    pub lines: Option<String>,
    pub rules_source: TermsSource,
    pub original_id: Option<String>,
    pub accrued_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    pub holdback_days: Option<i32>,
    pub mature_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub reversed_at: Option<DateTimeUtc>,
    pub reversal_reason: Option<ReversalReason>,
    pub reversal_note: Option<String>,
    pub payout_id: Option<String>,
    /// Earned on a deal: the plan and the deal.
    pub plan_id: Option<String>,
    /// A spiff's payee: a contact.
    pub recipient_id: Option<String>,
    pub deal_id: Option<String>,
    /// A spiff whose payee is still to be named: it cannot be approved yet.
    pub recipient_pending: bool,
    /// The tier that modified it, or whose retroactive modifier an
    /// ADJUSTMENT applies.
    pub tier_id: Option<String>,
    /// Its event's revenue after the tier's revenue modifier (an
    /// ADJUSTMENT: the change it makes to its original's).
    pub revenue_minor: Option<i64>,
    /// A spiff to one of the tenant's own people (a contact without a
    /// partner): the tenant's expense, not the partner's money.
    pub staff_payee: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
