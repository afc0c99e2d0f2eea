use sea_orm::entity::prelude::*;

/// A visitor of a link in an hour: the first of its clicks is counted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub link_id: String,
    /// A keyed hash of the visitor's address and user agent, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub visitor: String,
    /// Hours since the epoch.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
