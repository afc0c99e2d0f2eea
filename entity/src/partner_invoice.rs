use sea_orm::entity::prelude::*;

/// A PDF invoice a partner without a self-billing agreement uploaded for
/// one of its payouts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payout_id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub pdf: Vec<u8>,
    pub size_bytes: i64,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
