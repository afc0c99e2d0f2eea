use crate::enums::{ImportPhase, ImportSource, ImportStatus};
use sea_orm::entity::prelude::*;

/// One import of a program from another platform (SPEC §25).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub source: ImportSource,
    pub status: ImportStatus,
    /// Reads and counts, writes nothing of the program.
    pub dry_run: bool,
    /// Where imported partners are enrolled and their commissions kept.
    pub campaign_id: String,
    /// Where imported partners go (else a group per source campaign, or
    /// the default group).
    pub group_id: Option<String>,
    /// The credentials, sealed with the data key; null once it ended.
    pub credentials: Option<String>,
    pub phase: ImportPhase,
    /// The source's cursor within the phase (a page number, an id).
    pub cursor: Option<String>,
    /// Rows of the phase read so far, of the source's total when it says.
    pub phase_done: i64,
    pub phase_total: Option<i64>,
    pub partners: i64,
    pub codes: i64,
    pub customers: i64,
    pub commissions: i64,
    pub skipped: i64,
    /// Rows an earlier import brought already: left as they are.
    pub unchanged: i64,
    pub problems: i64,
    /// HTTP requests made to the source, retries included.
    pub requests: i64,
    pub started_by: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// A running import belongs to the replica that claimed it until then.
    pub lease_until: Option<DateTimeUtc>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
