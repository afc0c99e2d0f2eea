use sea_orm::entity::prelude::*;

/// A stage of a tenant's sales pipeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_stages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// The stage's place in the pipeline: later stages have higher positions.
    pub position: i32,
    /// Reaching this stage wins the deal.
    pub is_won: bool,
    /// Out of the pipeline: nothing moves to it or reaches it.
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
