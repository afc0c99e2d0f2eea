//! A job's place in each tenant's event log, kept in a table of its own
//! (`mail_cursors` for the commission e-mails, `reaction_cursors` for what
//! reacts to a sale), said once for every job that derives work from the
//! log.
//!
//! A pass reads a page of the tenant's final events after its place
//! ([`Cursors::read`]), then, in one write transaction, holds the
//! tenant's cursor row ([`Cursors::hold`]: made at the start of the log
//! for a tenant that has none yet, then locked, `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so a replica finding it locked leaves it to the one
//! holding it), does the page's work and moves the cursor on
//! ([`Cursors::advance`]) in the same transaction: the work is done and
//! the cursor moved together or not at all, so no event is skipped and
//! none handled twice, whatever crashes between. The cursor moves only
//! over final events ([`super::log`]).
//!
//! Every statement starts with the job's tag, so that it can be told from
//! a request's in the database's logs and statistics.

use super::Audience;
use super::log::{self, Cursor};
use crate::db::Db;
use crate::error::ApiResult;
use entity::domain_event;
use entity::enums::DomainEventType;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

/// A job's cursors: their table, and the comment its statements start
/// with.
pub struct Cursors {
    pub table: &'static str,
    pub tag: &'static str,
}

/// A page of a tenant's events and where the cursor goes once they are
/// handled.
pub struct Read {
    pub events: Vec<domain_event::Model>,
    /// Where the cursor moves (past the page, or to the end of the log
    /// when the page holds all there is); `None`: nowhere to move.
    pub to: Option<Cursor>,
    /// Whether more wait than were read, or an event is not final yet.
    pub more: bool,
}

#[derive(FromQueryResult)]
struct Place {
    tenant_id: String,
    cursor_xid: Option<i64>,
    cursor_seq: Option<i64>,
}

impl Place {
    fn cursor(&self) -> Cursor {
        Cursor {
            xid: self.cursor_xid.unwrap_or(0),
            seq: self.cursor_seq.unwrap_or(0),
        }
    }
}

impl Cursors {
    /// `sql` with the job's tag and `values`, its placeholders written `?`.
    pub fn statement(&self, backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
        crate::db::statement(backend, &format!("{}{sql}", self.tag), values)
    }

    /// Every tenant, with its place: the start of the log for a tenant
    /// without a cursor yet.
    pub async fn places(&self, db: &Db) -> ApiResult<Vec<(String, Cursor)>> {
        let sql = format!(
            "SELECT t.id AS tenant_id, c.cursor_xid, c.cursor_seq FROM tenants t \
             LEFT JOIN {} c ON c.tenant_id = t.id ORDER BY t.id",
            self.table
        );
        Ok(
            Place::find_by_statement(self.statement(db.backend(), &sql, Vec::new()))
                .all(db.conn())
                .await?
                .into_iter()
                .map(|place| {
                    let cursor = place.cursor();
                    (place.tenant_id, cursor)
                })
                .collect(),
        )
    }

    /// Up to `limit` of the tenant's final events of `types` after
    /// `place`.
    pub async fn read(
        &self,
        db: &Db,
        tenant_id: &str,
        place: Cursor,
        types: Vec<DomainEventType>,
        limit: u64,
    ) -> ApiResult<Read> {
        let audience = Audience {
            tenant_id: tenant_id.to_owned(),
            types,
            partner_id: None,
            nobody: false,
        };
        let end = log::end(db.conn(), tenant_id).await?;
        let page = log::read(db.conn(), &audience, place, limit).await?;
        let to = match (page.events.last(), page.full) {
            (Some(last), true) => Cursor::of(last),
            (last, false) => last.map(Cursor::of).unwrap_or(place).max(end),
            (None, true) => place,
        };
        Ok(Read {
            to: (to > place).then_some(to),
            more: page.full || !page.settled,
            events: page.events,
        })
    }

    /// In `conn`, a write transaction: the tenant's cursor row, made if
    /// missing, locked. Answers whether it still stands at `place`; when
    /// not (locked by another replica, or moved by it meanwhile), the
    /// caller looks again later.
    pub async fn hold(
        &self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        place: Cursor,
    ) -> ApiResult<bool> {
        let backend = conn.get_database_backend();
        let make = format!(
            "INSERT INTO {} (tenant_id, cursor_xid, cursor_seq) VALUES (?, 0, 0) \
             ON CONFLICT (tenant_id) DO NOTHING",
            self.table
        );
        conn.execute_raw(self.statement(backend, &make, vec![tenant_id.into()]))
            .await?;
        let lock = match backend {
            DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
            _ => "",
        };
        let read = format!(
            "SELECT tenant_id, cursor_xid, cursor_seq FROM {} WHERE tenant_id = ?{lock}",
            self.table
        );
        let locked =
            Place::find_by_statement(self.statement(backend, &read, vec![tenant_id.into()]))
                .one(conn)
                .await?;
        Ok(locked.is_some_and(|locked| locked.cursor() == place))
    }

    /// Moves the tenant's cursor (held by [`Cursors::hold`]) to `to`.
    pub async fn advance(
        &self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        to: Cursor,
    ) -> ApiResult<()> {
        let sql = format!(
            "UPDATE {} SET cursor_xid = ?, cursor_seq = ? WHERE tenant_id = ?",
            self.table
        );
        conn.execute_raw(self.statement(
            conn.get_database_backend(),
            &sql,
            vec![to.xid.into(), to.seq.into(), tenant_id.into()],
        ))
        .await?;
        Ok(())
    }
}
