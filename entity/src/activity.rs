use sea_orm::entity::prelude::*;

/// One change in the activity log (SPEC §34): never changed, deleted only
/// with its whole day once past the tenant's retention.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    /// A ULID: a tenant's entries are in id order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub at: DateTimeUtc,
    pub actor_kind: crate::enums::ActorKind,
    /// The staff member's e-mail, the key's subject, the partner's id, or
    /// the job's name.
    pub actor_id: String,
    pub actor_name: String,
    /// The mutation's or the job's name.
    pub action: String,
    /// The GraphQL type of the object changed.
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// The partner the entry is about (its own change, or staff's change to
    /// its record): what a partner's token reads.
    pub partner_id: Option<String>,
    /// `[{"field":…,"before":…,"after":…}]`, secrets masked.
    pub changes: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
