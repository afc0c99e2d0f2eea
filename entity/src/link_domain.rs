use crate::enums::LinkDomainStatus;
use sea_orm::entity::prelude::*;

/// A host a tenant named for its short links, and whether it proved it
/// owns it. Any tenant may name a host; one at a time holds it verified.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_domains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// In lower case, without a port.
    #[sea_orm(primary_key, auto_increment = false)]
    pub host: String,
    /// What the host's TXT record must hold (`revshare-verification=…`).
    pub token: String,
    pub status: LinkDomainStatus,
    /// When its record was last found.
    pub verified_at: Option<DateTimeUtc>,
    /// When its record was last looked up, found or not.
    pub checked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
