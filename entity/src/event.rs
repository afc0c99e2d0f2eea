use crate::enums::EventKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub external_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    pub customer_id: Option<String>,
    pub kind: EventKind,
    pub amount_minor: i64,
    pub currency: String,
    pub occurred_at: DateTimeUtc,
    pub revenue_minor: Option<i64>,
    pub metadata: Option<Json>,
    /// The lines it was sold in, as recorded (SPEC §32): a JSON array;
    /// none for an event sent without lines.
    pub lines: Option<String>,
    pub payload: String,
    pub refunded_minor: i64,
    /// What each line has had refunded (SPEC §32): a JSON object of line
    /// ids to amounts in the lines' currency; none until a line is.
    pub refunded_lines: Option<String>,
    pub recorded_at: DateTimeUtc,
    /// For deal events: the deal, and the stage a move went to.
    pub deal_id: Option<String>,
    pub stage_id: Option<String>,
    /// Why it earned nothing, in words support can forward; null when it
    /// earned.
    pub nothing_reason: Option<String>,
    /// The history the rules saw when it was accrued (a sale or lead;
    /// null on events recorded before it was kept): the customer's month,
    /// the partner's LTV and paying customers, the customer's net charges,
    /// whether the customer had had a charge-threshold bonus, and whether
    /// the partner could earn (on a deal event too: false on a lost deal's
    /// payment).
    pub history_month: Option<i32>,
    pub history_ltv_minor: Option<i64>,
    pub history_paying: Option<i32>,
    pub history_net_minor: Option<i64>,
    pub history_bonus: Option<bool>,
    pub history_earns: Option<bool>,
    /// A deal event's history as JSON: its terms' version, field values,
    /// and what it did to the deal (`deals::history::DealHistory`).
    pub history_deal: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
