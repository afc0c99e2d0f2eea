//! Reading a tenant's event log from a cursor.
//!
//! An event's place is `(xid, seq)`, and its public id ([`Cursor`]) is the
//! two as 32 hex digits, so ids sort as events do. On PostgreSQL,
//! transactions commit in any order: one that started early may commit
//! after a later one, with events placed before those already read. A read
//! therefore stops at the first event whose transaction is not older than
//! every transaction still running (`pg_snapshot_xmin` of the statement's
//! own snapshot): everything before that point is final, so a reader that
//! moves its cursor only over what it was given never misses an event nor
//! reads one twice. What it was not given yet it is given by a later read
//! ([`Page::settled`] says whether to look again soon). On SQLite one
//! writer commits in `seq` order and every committed event is final.

use super::Audience;
use crate::error::{ApiError, ApiResult};
use entity::domain_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Value,
};

/// A place in the log: after the event it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    pub xid: i64,
    pub seq: i64,
}

impl Cursor {
    /// The start of the log.
    pub const START: Cursor = Cursor { xid: 0, seq: 0 };

    /// The cursor of an event: its public id.
    pub fn of(event: &domain_event::Model) -> Cursor {
        Cursor {
            xid: event.xid,
            seq: event.seq,
        }
    }

    /// 32 hex digits: ids sort as events do.
    pub fn id(&self) -> String {
        format!("{:016x}{:016x}", self.xid, self.seq)
    }

    /// An id read back, or `BAD_USER_INPUT` naming `field`.
    pub fn parse(field: &str, id: &str) -> ApiResult<Cursor> {
        let bad = || ApiError::bad_input(field, "must be the id of a domain event");
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let half = |part: &str| i64::from_str_radix(part, 16).map_err(|_| bad());
        Ok(Cursor {
            xid: half(&id[..16])?,
            seq: half(&id[16..])?,
        })
    }
}

/// Events read after a cursor.
#[derive(Debug, Default)]
pub struct Page {
    pub events: Vec<domain_event::Model>,
    /// Whether the read saw everything committed after the cursor: when
    /// `false`, an event is committed but not final yet (an older
    /// transaction still runs), and a read a moment later will have it.
    pub settled: bool,
    /// Whether the page was cut at `limit`: more are waiting.
    pub full: bool,
}

#[derive(FromQueryResult)]
struct Row {
    seq: i64,
    xid: i64,
    tenant_id: String,
    kind: entity::enums::DomainEventType,
    occurred_at: chrono::DateTime<chrono::Utc>,
    recorded_at: chrono::DateTime<chrono::Utc>,
    partner_id: Option<String>,
    subject_id: String,
    data: String,
    horizon: i64,
}

/// Up to `limit` events of `audience` after `after`, in order, only the
/// final ones.
pub async fn read(
    conn: &impl ConnectionTrait,
    audience: &Audience,
    after: Cursor,
    limit: u64,
) -> ApiResult<Page> {
    let backend = conn.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |value: Value| {
        values.push(value);
        "?"
    };
    let horizon = match postgres {
        true => "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        false => "9223372036854775807",
    };
    let mut sql = format!(
        "SELECT seq, xid, tenant_id, type AS kind, occurred_at, recorded_at, partner_id, \
         subject_id, data, {horizon} AS horizon FROM domain_events \
         WHERE tenant_id = {} AND (xid, seq) > ({}, {})",
        bind(audience.tenant_id.clone().into()),
        bind(after.xid.into()),
        bind(after.seq.into()),
    );
    if let Some(partner) = &audience.partner_id {
        sql.push_str(&format!(
            " AND partner_id = {}",
            bind(partner.clone().into())
        ));
    }
    if audience.nobody {
        sql.push_str(" AND 1 = 0");
    }
    if audience.types.len() < super::ALL_TYPES.len() {
        let types: Vec<&str> = audience
            .types
            .iter()
            .map(|t| bind(t.as_str().into()))
            .collect();
        sql.push_str(&format!(" AND type IN ({})", types.join(", ")));
    }
    sql.push_str(&format!(
        " ORDER BY xid, seq LIMIT {}",
        bind(((limit + 1) as i64).into())
    ));
    let rows = Row::find_by_statement(crate::db::statement(backend, &sql, values))
        .all(conn)
        .await?;
    let mut page = Page {
        settled: true,
        ..Page::default()
    };
    for row in rows {
        if row.xid >= row.horizon {
            page.settled = false;
            break;
        }
        if page.events.len() as u64 == limit {
            page.full = true;
            break;
        }
        page.events.push(domain_event::Model {
            seq: row.seq,
            xid: row.xid,
            tenant_id: row.tenant_id,
            kind: row.kind,
            occurred_at: row.occurred_at,
            recorded_at: row.recorded_at,
            partner_id: row.partner_id,
            subject_id: row.subject_id,
            data: row.data,
        });
    }
    Ok(page)
}

/// The tenant's event at `cursor` (a domain event's id), if any.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    cursor: &Cursor,
) -> ApiResult<Option<domain_event::Model>> {
    Ok(domain_event::Entity::find()
        .filter(domain_event::Column::TenantId.eq(tenant_id))
        .filter(domain_event::Column::Seq.eq(cursor.seq))
        .filter(domain_event::Column::Xid.eq(cursor.xid))
        .one(conn)
        .await?)
}

/// Where the tenant's final events end now: a subscription that does not
/// say where to start starts here, and hears what comes next.
pub async fn end(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<Cursor> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT xid, seq FROM domain_events WHERE tenant_id = ? \
             AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
             ORDER BY xid DESC, seq DESC LIMIT 1"
        }
        _ => {
            "SELECT xid, seq FROM domain_events WHERE tenant_id = ? ORDER BY xid DESC, seq DESC LIMIT 1"
        }
    };
    let row = conn
        .query_one_raw(crate::db::statement(
            backend,
            sql,
            vec![Value::from(tenant_id)],
        ))
        .await?;
    Ok(match row {
        Some(row) => Cursor {
            xid: row.try_get("", "xid")?,
            seq: row.try_get("", "seq")?,
        },
        None => Cursor::START,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_as_events_do_and_read_back() {
        let cursors = [
            Cursor { xid: 0, seq: 7 },
            Cursor { xid: 5, seq: 3 },
            Cursor { xid: 5, seq: 12 },
            Cursor { xid: 300, seq: 1 },
        ];
        let mut ids: Vec<String> = cursors.iter().map(Cursor::id).collect();
        let sorted = ids.clone();
        ids.sort();
        assert_eq!(ids, sorted);
        for cursor in cursors {
            assert_eq!(Cursor::parse("after", &cursor.id()), Ok(cursor));
        }
        for bad in [
            "",
            "12",
            "zz000000000000000000000000000000",
            &"0".repeat(33),
        ] {
            assert!(Cursor::parse("after", bad).is_err(), "{bad}");
        }
    }
}
