use crate::enums::TinType;
use sea_orm::entity::prelude::*;

/// A 1099-NEC as issued: frozen, never edited; a change makes another,
/// `corrected`, beside it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tax_forms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub year: i32,
    pub payee_key: String,
    /// The payee's partners when it was issued (JSON list of ids).
    pub partner_ids: String,
    /// The payer as it was (JSON, its EIN sealed).
    pub payer: String,
    pub name: String,
    pub business_name: Option<String>,
    /// An individual (name type `I`) or a business (`B`).
    pub individual: bool,
    pub tin_type: Option<TinType>,
    /// The recipient's TIN, sealed to this form.
    pub tin_sealed: Option<String>,
    pub tin_last4: Option<String>,
    /// JSON, as a tax profile's.
    pub address: Option<String>,
    pub box1_minor: i64,
    pub box4_minor: i64,
    pub corrected: bool,
    pub corrects_id: Option<String>,
    /// Its payee consented to electronic delivery.
    pub electronic: bool,
    pub issued_at: DateTimeUtc,
    pub issued_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
