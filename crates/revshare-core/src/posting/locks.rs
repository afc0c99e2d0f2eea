//! The one lock order of every transaction that changes a partner's
//! money — accruals of every kind, deal events and deal changes, refunds,
//! reversals, approvals and payouts, attributions: **customers** (by
//! `externalId`, for a sale naming only its customer and for attributing
//! one), then **partners** (by id), then
//! **commissions** (by id), then balances (by key, written last by the
//! posting layer), then the tenant's report rollups (a shared advisory
//! lock, exclusive while they are rebuilt: [`stats_zone`]). This is the
//! one statement of the order; the docs point here. Each set is locked by one statement in id order, so
//! two transactions naming the same rows in different orders queue rather
//! than deadlock; what still loses a race is run again by
//! [`crate::db::Db::retrying`]. On SQLite, whose writer is alone, `FOR
//! UPDATE` is left out and these are plain reads.
//!
//! Every partner and commission lock is taken here and nowhere else —
//! the maturity job's claim of matured commissions included
//! ([`claim_commissions`]); `tests/api/architecture.rs` plants a lock
//! elsewhere to prove it would see one.

use crate::error::ApiResult;
use entity::{commission, partner};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sea_orm::{DbBackend, Statement};

/// Locks the tenant's customers with these `externalId`s, in order, for
/// the rest of the transaction: a sale naming only its customer decides
/// whether it is held while no attribution of that customer can commit,
/// and an attribution accrues the held sales while none can be added.
/// PostgreSQL: transaction-level advisory locks on a hash of the tenant and
/// the id (two ids sharing a hash only wait on each other); SQLite's
/// writer is alone, and nothing is run.
pub async fn customers(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_ids: &std::collections::BTreeSet<&str>,
) -> ApiResult<()> {
    if external_ids.is_empty() || conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    // One text, the keys separated by U+001E (no `externalId` holds a
    // control character worth locking apart).
    let keys: Vec<String> = external_ids
        .iter()
        .map(|id| format!("{tenant_id}/{id}"))
        .collect();
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) \
         FROM (SELECT k FROM unnest(string_to_array($1, chr(30))) AS k ORDER BY k) AS ordered",
        [keys.join("\u{1e}").into()],
    ))
    .await?;
    Ok(())
}

/// The tenant's time zone, with its reports' rollups locked for the rest of
/// the transaction: shared by every write to the ledger, exclusive while
/// they are rebuilt in a new zone. PostgreSQL: a transaction-level advisory
/// lock (in the lock manager, not on the tenant's row, so concurrent
/// writers share it without contending), then the zone read; SQLite's
/// writer is alone.
pub async fn stats_zone(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    exclusive: bool,
) -> ApiResult<String> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        // A statement of its own: the zone is read after the lock is
        // granted, in a snapshot that sees a rebuild's new zone.
        let lock = match exclusive {
            true => "SELECT pg_advisory_xact_lock(hashtextextended('stats/' || $1, 0))",
            false => "SELECT pg_advisory_xact_lock_shared(hashtextextended('stats/' || $1, 0))",
        };
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            lock,
            [tenant_id.into()],
        ))
        .await?;
    }
    let zone: Option<String> = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
        .select_only()
        .column(entity::tenant::Column::TimeZone)
        .into_tuple()
        .one(conn)
        .await?;
    zone.ok_or_else(|| crate::error::ApiError::internal("tenant", tenant_id))
}

/// Locks the tenant's partners that `which` selects, in id order, and
/// answers them as locked.
pub async fn partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    which: Condition,
) -> ApiResult<Vec<partner::Model>> {
    Ok(partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(which)
        .order_by_asc(partner::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?)
}

/// Locks the tenant's partners with these ids, in id order.
pub async fn partners_by_id<'a>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: impl IntoIterator<Item = &'a str>,
) -> ApiResult<Vec<partner::Model>> {
    let ids: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    partners(
        conn,
        tenant_id,
        Condition::all().add(partner::Column::Id.is_in(ids)),
    )
    .await
}

/// Locks the named commissions of a tenant in id order and returns them in
/// that order; ids that name no commission are simply absent.
pub async fn commissions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: &[String],
) -> ApiResult<Vec<commission::Model>> {
    commissions_where(
        conn,
        Condition::all()
            .add(commission::Column::TenantId.eq(tenant_id))
            .add(commission::Column::Id.is_in(ids.iter().map(String::as_str))),
    )
    .await
}

/// Locks the commissions `which` selects (an event's, an original's
/// adjustments, a spiff and its clawbacks), in id order.
pub async fn commissions_where(
    conn: &impl ConnectionTrait,
    which: Condition,
) -> ApiResult<Vec<commission::Model>> {
    Ok(commission::Entity::find()
        .filter(which)
        .order_by_asc(commission::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?)
}

/// Claims up to `limit` of the commissions `which` selects that no other
/// transaction holds, `order` first: a background job's round, safe on
/// many replicas (PostgreSQL `FOR UPDATE SKIP LOCKED`: two rounds take
/// disjoint rows and neither waits for the other; SQLite's one writer
/// serializes them). It takes no partner lock and waits for no commission,
/// so it can wait on no transaction that holds the order's earlier locks.
pub async fn claim_commissions(
    conn: &impl ConnectionTrait,
    which: Condition,
    order: commission::Column,
    limit: u64,
) -> ApiResult<Vec<commission::Model>> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    Ok(commission::Entity::find()
        .filter(which)
        .order_by_asc(order)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?)
}
