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
    /// A `WISE` method's currency (ISO 4217): the account is paid in it.
    pub currency: Option<String>,
    /// A `WISE` GBP account's sort code (6 digits).
    pub sort_code: Option<String>,
    /// A `WISE` method's holder: `PRIVATE` or `BUSINESS`.
    pub legal_type: Option<String>,
    /// A `WISE` USD account's address, as JSON (`country`, `city`,
    /// `postCode`, `firstLine`, `state`).
    pub address: Option<String>,
    /// The Wise recipient made for a `WISE` method, once, when first paid.
    pub wise_recipient_id: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
