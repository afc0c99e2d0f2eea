use crate::enums::{FraudAction, FraudFlagStatus, FraudScope, FraudSignal};
use sea_orm::entity::prelude::*;

/// What a fraud signal raised, for staff to review (SPEC §21).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fraud_flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub signal: FraudSignal,
    /// What the tenant's policy said when it was raised.
    pub action: FraudAction,
    /// What a `HOLD` holds beyond the commissions it names.
    pub scope: FraudScope,
    pub partner_id: String,
    pub customer_external_id: Option<String>,
    pub click_id: Option<String>,
    /// What makes a second flag a duplicate while this one is open.
    pub subject_key: String,
    /// The evidence, in words.
    pub details: String,
    pub status: FraudFlagStatus,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
    /// Whether it held anything when it was raised: false when its
    /// partner was trusted then (SPEC §37), whatever the policy.
    pub acted_on: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
