use sea_orm::entity::prelude::*;

/// A partner's Stripe Express account (SPEC §26): created once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connect_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    /// Stripe's `acct_…`.
    pub account_id: String,
    /// What Stripe's `account.updated` last said of `payouts_enabled`.
    pub payouts_enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
