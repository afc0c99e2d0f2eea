use sea_orm::entity::prelude::*;

/// A `PERFORMANCE` bounty reached by a partner (SPEC §31), and the
/// commission it wrote.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bounty_awards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub bounty_id: String,
    pub partner_id: String,
    pub commission_id: String,
    pub reached_at: DateTimeUtc,
    /// Refunds took the partner back under the goal before it matured.
    pub reversed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
