//! Fraud (SPEC §21): signals evaluated where their evidence arrives, flags
//! for staff to review, and holds on the money a flag touches.
//!
//! - [`signals`]: what each signal looks at, and the flags it would raise;
//! - [`policy`]: what a tenant does about each signal (`OFF`, `FLAG`,
//!   `HOLD`) and its thresholds;
//! - [`flags`]: raising a flag once per signal and subject;
//! - [`resolve`]: dismissing (releasing holds) or confirming (taking the
//!   money back, perhaps suspending the partner);
//! - [`email`]: addresses as compared, and the disposable domains;
//! - [`trust`]: trusted partners, whose flags hold nothing (SPEC §37);
//! - [`digest`]: the daily digest of open flags to the addresses a tenant
//!   lists.
//!
//! Which commissions are held is read, never written on the ledger's rows
//! ([`crate::posting::fraud`]): the ledger's hot path pays nothing for it.

pub mod digest;
pub mod email;
pub mod flags;
pub mod policy;
pub mod resolve;
pub mod signals;
pub mod trust;

use crate::error::ApiResult;
use entity::enums::{FraudFlagStatus, FraudSignal};
use entity::fraud_flag;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

pub use flags::{Raise, raise};

/// Raises each of `raise` in the caller's transaction; answers those
/// raised (not those off, or open already).
pub async fn raise_all(
    txn: &crate::db::Txn,
    raise: Vec<Raise>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Vec<fraud_flag::Model>> {
    let mut raised = Vec::new();
    for one in raise {
        if let Some(flag) = flags::raise(txn, one, now).await? {
            raised.push(flag);
        }
    }
    Ok(raised)
}

/// What `fraudFlags` filters by.
#[derive(Default)]
pub struct Filter {
    pub status: Option<FraudFlagStatus>,
    pub signal: Option<FraudSignal>,
    pub partner_id: Option<String>,
}

/// The tenant's flags, filtered (staff alone read them).
pub fn list(tenant_id: &str, filter: &Filter) -> Select<fraud_flag::Entity> {
    let mut select = fraud_flag::Entity::find().filter(fraud_flag::Column::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(fraud_flag::Column::Status.eq(status));
    }
    if let Some(signal) = filter.signal {
        select = select.filter(fraud_flag::Column::Signal.eq(signal));
    }
    if let Some(partner) = &filter.partner_id {
        select = select.filter(fraud_flag::Column::PartnerId.eq(partner.as_str()));
    }
    select
}

/// Records a refund ([`crate::ledger::refunds::record`]) and, in its
/// transaction, looks at the partner's refund rate (`HIGH_REFUND_RATE`).
pub async fn record_refund(
    db: &crate::db::Db,
    tenant_id: &str,
    actor: &str,
    new: crate::ledger::refunds::NewRefund,
) -> ApiResult<crate::ledger::refunds::Recorded> {
    use crate::ledger::refunds;
    let new = &refunds::checked(new)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let recorded = refunds::record_txn(&txn, tenant_id, actor, new).await?;
            if let refunds::Recorded::Event(refunded) = &recorded {
                after_refund(&txn, &refunded.event.partner_id).await?;
            }
            Ok(recorded)
        })
    })
    .await
}

/// After a refund of one of `partner_id`'s sales, in its transaction.
pub async fn after_refund(txn: &crate::db::Txn, partner_id: &str) -> ApiResult<()> {
    let Some(partner) = entity::partner::Entity::find_by_id(partner_id.to_owned())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let now = crate::db::now();
    if let Some(raise) = signals::after_refund(txn, &partner, now).await? {
        flags::raise(txn, raise, now).await?;
    }
    Ok(())
}

/// Forgets the portal sign-in addresses older than
/// [`signals::SIGN_IN_DAYS`]; answers how many were forgotten.
pub async fn prune_sign_ins(
    db: &crate::db::Db,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<u64> {
    use entity::portal_session;
    let before = now - chrono::Duration::days(signals::SIGN_IN_DAYS);
    let txn = db.write().await?;
    let forgotten = portal_session::Entity::update_many()
        .col_expr(
            portal_session::Column::IpHash,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(portal_session::Column::IpHash.is_not_null())
        .filter(portal_session::Column::StartedAt.lt(before))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(forgotten)
}

/// The commissions a flag names and, while it is open, those it holds
/// (of its partner, or its customer, not approved yet), in id order.
pub async fn commissions_of(
    conn: &impl sea_orm::ConnectionTrait,
    flag: &fraud_flag::Model,
) -> ApiResult<Vec<entity::commission::Model>> {
    use entity::commission;
    let mut ids: Vec<String> = flags::named(conn, &flag.id)
        .await?
        .into_iter()
        .map(|link| link.commission_id)
        .collect();
    if flag.status == FraudFlagStatus::Open {
        ids.extend(resolve::covered(conn, flag).await?);
    }
    ids.sort();
    ids.dedup();
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(
            commission::Entity::find()
                .filter(commission::Column::Id.is_in(chunk.iter().map(String::as_str)))
                .all(conn)
                .await?,
        );
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}
