use sea_orm::entity::prelude::*;

/// The option a deal holds for a custom field.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_field_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub deal_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub custom_field_id: String,
    pub option_id: String,
    pub tenant_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
