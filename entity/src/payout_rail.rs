use crate::enums::{PayoutRail, PayoutRailMode};
use sea_orm::entity::prelude::*;

/// A tenant's account at a payout provider (SPEC §26).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_rails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub rail: PayoutRail,
    pub mode: PayoutRailMode,
    /// The provider's API (its documented host, or one given).
    pub base_url: String,
    /// The credentials as JSON, sealed with the data key.
    pub credentials: String,
    /// What an admin recognises them by: the last four characters of the
    /// client id or key.
    pub credential_hint: String,
    pub configured_by: String,
    pub configured_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
