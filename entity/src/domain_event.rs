use crate::enums::DomainEventType;
use sea_orm::entity::prelude::*;

/// One entry of a tenant's event log (the outbox), ordered by `(xid, seq)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "domain_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The inserting transaction (PostgreSQL); 0 on SQLite.
    pub xid: i64,
    pub tenant_id: String,
    #[sea_orm(column_name = "type")]
    pub kind: DomainEventType,
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    /// The partner it concerns, if any.
    pub partner_id: Option<String>,
    pub subject_id: String,
    /// A small JSON object: the subject's key fields.
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
