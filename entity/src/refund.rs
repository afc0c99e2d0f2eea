use crate::enums::ReversalReason;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub event_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: ReversalReason,
    pub note: Option<String>,
    /// What it took off each of its event's lines (SPEC §32): a JSON
    /// object of line ids to minor units of the lines' currency; none for
    /// an event without lines.
    pub lines: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
