use sea_orm::entity::prelude::*;

/// A tenant day's fraud digest (SPEC §37): written once, to each address
/// the tenant lists, when that day's first pass found open flags.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fraud_digests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// The tenant's day, in its zone.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// How many open flags it told of.
    pub flags: i32,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
