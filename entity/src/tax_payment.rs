use crate::enums::TaxPaymentSource;
use sea_orm::entity::prelude::*;

/// A payment a 1099 counts, in the calendar year of its day in the
/// tenant's time zone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub year: i32,
    pub paid_on: Date,
    pub amount_minor: i64,
    pub currency: String,
    /// The payout method's type, or `''` for none known.
    pub method: String,
    pub withheld_minor: i64,
    pub source: TaxPaymentSource,
    pub source_id: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
