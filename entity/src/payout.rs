use crate::enums::{PayoutMethodType, PayoutStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub currency: String,
    pub amount_minor: i64,
    /// The payment's reference; `''` until a pending payout is paid.
    pub reference: String,
    pub commission_count: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// For spiffs: the contact paid.
    pub recipient_id: Option<String>,
    /// It pays one of the tenant's own people.
    pub staff_payee: bool,
    pub status: PayoutStatus,
    /// `{year}-{000001}`: gapless per tenant and year.
    pub statement_number: String,
    /// The run that made it; none for a payout marked paid by hand.
    pub run_id: Option<String>,
    /// The payout method as it was when the payout was made.
    pub method_type: Option<PayoutMethodType>,
    pub method_paypal_email: Option<String>,
    pub method_iban: Option<String>,
    pub method_bic: Option<String>,
    pub method_account_holder: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
    pub failure_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
