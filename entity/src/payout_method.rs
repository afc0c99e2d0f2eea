use crate::enums::{PayoutMethodType, UsAccountType};
use sea_orm::entity::prelude::*;

/// Where a partner is paid: one per partner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_methods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    pub r#type: PayoutMethodType,
    pub paypal_email: Option<String>,
    /// Upper case, no spaces, checked.
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub account_holder: Option<String>,
    /// The account as compared across partners (`SHARED_PAYOUT_ACCOUNT`).
    pub account_key: Option<String>,
    /// A `STRIPE_CONNECT` method's Express account.
    pub stripe_account_id: Option<String>,
    /// An `ACH` method's ABA routing number (9 digits, checked).
    pub routing_number: Option<String>,
    /// An `ACH` method's account number (4 to 17 digits).
    pub account_number: Option<String>,
    pub account_type: Option<UsAccountType>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
