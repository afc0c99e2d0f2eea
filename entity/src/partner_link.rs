use sea_orm::entity::prelude::*;

/// A partner's short link (SPEC §30): its referral code's text is its key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub referral_code_id: String,
    /// In lower case: the code's text.
    pub link_key: String,
    /// Where it leads; none: the group's destination.
    pub url: Option<String>,
    /// Clicks counted (once per visitor and hour, bots left out).
    pub clicks: i64,
    /// Clicks ignored as traffic that earns nothing (SPEC §37), once per
    /// visitor and hour.
    pub ignored_clicks: i64,
    pub created_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
