use crate::enums::ApplicationStatus;
use sea_orm::entity::prelude::*;

/// A stranger's application to a program's public campaign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub campaign_id: String,
    pub name: String,
    pub email: String,
    /// The address as compared: trimmed, lower-cased.
    pub email_key: String,
    pub website: Option<String>,
    pub country: Option<String>,
    /// `[{"question", "answer"}]`.
    pub answers: String,
    pub status: ApplicationStatus,
    /// SHA-256 of the confirmation code, hex.
    pub token_hash: String,
    /// The one before it, e-mailed by an attempt that may have been sent:
    /// it confirms too.
    pub earlier_token_hash: Option<String>,
    /// The keyed hash of the address it came from.
    pub requested_by: Option<String>,
    /// The partner approving made.
    pub partner_id: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    /// The partner whose code or link sent the applicant (`?via=`).
    pub referred_by: Option<String>,
    /// The applicant's language: the join page's, else its browser's.
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
