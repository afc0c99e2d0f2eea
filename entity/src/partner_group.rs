use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    /// `",a,b,"`, or `""` for no tags.
    pub tags: String,
    pub is_default: bool,
    pub rules: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The smallest payout per currency, as JSON (`[{"currency", "amountMinor"}]`).
    pub minimum_payout: Option<String>,
    /// The group's link settings (SPEC §30), as JSON; none: the defaults.
    pub link_settings: Option<String>,
    /// The traffic its partners' clicks earn nothing from (SPEC §37), as
    /// JSON; none: nothing ignored.
    pub traffic_sources: Option<String>,
    /// What its partners earn on the partners they recruit (SPEC §31), as
    /// JSON; none: nothing.
    pub referral: Option<String>,
    /// Its spend cap (SPEC §31), as JSON; none: no cap.
    pub cap: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
