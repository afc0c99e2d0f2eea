use sea_orm::entity::prelude::*;

/// One field of a deal or partner changed: from what, to what, by whom.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    /// A ULID: the changes of a subject are in id order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The deal or partner changed.
    pub subject_id: String,
    pub field: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    /// The token's `sub`, or what acted (`tier:<id>`).
    pub actor: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
