use crate::enums::{CampaignStatus, Visibility};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Its description in other languages (SPEC §38), a JSON list.
    pub description_translations: Option<String>,
    pub status: CampaignStatus,
    pub currency: String,
    pub rules: Option<Json>,
    pub holdback_days: Option<i32>,
    pub visibility: Visibility,
    pub is_default: bool,
    /// Where a referral link lands (https).
    pub landing_url: Option<String>,
    /// How long a click or an unattributed sale stays attributable.
    pub attribution_window_days: i32,
    /// What the application form asks, as a JSON array of strings.
    pub application_questions: String,
    /// Whether a confirmed application is approved at once.
    pub auto_approve_applications: bool,
    /// `false`: clicks from paid ads are flagged (`PAID_AD_CLICK`).
    pub allow_paid_ads: bool,
    /// Its spend cap (SPEC §31), as JSON; none: no cap.
    pub cap: Option<String>,
    /// The traffic its clicks earn nothing from (SPEC §37), as JSON; none:
    /// nothing ignored.
    pub traffic_sources: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
