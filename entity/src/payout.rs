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
    pub reference: String,
    pub commission_count: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// For spiffs: the contact paid.
    pub recipient_id: Option<String>,
    /// It pays one of the tenant's own people.
    pub staff_payee: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
