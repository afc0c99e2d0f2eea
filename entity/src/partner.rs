use crate::enums::{PartnerStatus, PartnerType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub group_id: String,
    pub name: String,
    pub email: Option<String>,
    /// `email` as compared for uniqueness in the tenant (NFC, trimmed,
    /// lower case); null without an address, and on a partner that shared
    /// its address with an older one before the rule (migration 000030).
    pub email_key: Option<String>,
    pub external_id: Option<String>,
    pub r#type: PartnerType,
    pub status: PartnerStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The smallest payout per currency, as JSON (`[{"currency", "amountMinor"}]`).
    pub minimum_payout: Option<String>,
    /// The partner that recruited it (SPEC §31, one level).
    pub referred_by: Option<String>,
    /// Its first commission: a referral rule's `maxMonths` counts from it.
    pub referral_started_at: Option<DateTimeUtc>,
    /// When its commissions reached its referrer's threshold (paid once).
    pub referral_threshold_at: Option<DateTimeUtc>,
    /// The country it lives in (ISO 3166-1 alpha-2), as it or its source
    /// said: year-end asks one abroad for a W-8, not a W-9.
    pub country: Option<String>,
    /// Labels conditions read (SPEC §32): `",a,b,"`, or `""` for none.
    pub tags: String,
    /// Its language (ISO 639-1; none: the tenant's default).
    pub language: Option<String>,
    /// Exempt from automatic fraud holds (SPEC §37): its flags are
    /// recorded and hold nothing.
    pub trusted: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
