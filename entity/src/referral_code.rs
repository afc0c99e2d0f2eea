use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    /// In lower case: codes are compared case-insensitively.
    pub code: String,
    /// The billing system's promotion code, as given.
    pub coupon_code: Option<String>,
    /// `coupon_code` in lower case, unique per tenant.
    pub coupon_key: Option<String>,
    pub clicks: i64,
    /// Clicks its campaign or its partner's group ignores (SPEC §37),
    /// once per link, visitor and hour.
    pub ignored_clicks: i64,
    pub customers: i64,
    pub created_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
