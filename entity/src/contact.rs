use sea_orm::entity::prelude::*;

/// A person deals name (lead creator, owner) and spiffs pay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The partner whose staff the contact is; `None`: the tenant's own.
    pub partner_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    /// No longer named by new deals or spiffs.
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
