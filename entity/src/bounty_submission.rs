use crate::enums::{BountyRejection, BountySubmissionStatus};
use sea_orm::entity::prelude::*;

/// A partner's work for a `SUBMISSION` bounty (SPEC §31).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bounty_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub bounty_id: String,
    pub partner_id: String,
    pub status: BountySubmissionStatus,
    /// A JSON array of `http(s)` URLs.
    pub urls: String,
    pub description: Option<String>,
    /// Approved: what it earned, in the bounty's currency.
    pub amount_minor: Option<i64>,
    pub reason: Option<BountyRejection>,
    pub note: Option<String>,
    /// Approved: the `BOUNTY` commission.
    pub commission_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    /// The `sub` of the token that decided it.
    pub decided_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
