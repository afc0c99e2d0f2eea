//! A flag's review (`resolveFraudFlag`), in one transaction: `DISMISS`
//! releases what it held; `CONFIRM` takes back the money of every
//! commission it names or holds — an `ACCRUED` one is reversed (reason
//! `FRAUD`), an approved or paid one clawed back in full (what is left of
//! it) — and may suspend the partner.

use super::flags;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ledger::transitions::reverse_locked;
use crate::posting::{Move, Posting};
use crate::tiers::progress::{self, Lowering, Share, clawback};
use entity::enums::{
    CommissionKind, CommissionStatus, DomainEventType, FraudFlagStatus, ReversalReason,
};
use entity::{commission, fraud_flag};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Dismiss,
    Confirm,
}

pub struct Resolution {
    pub id: String,
    pub decision: Decision,
    pub note: String,
    pub suspend_partner: bool,
}

pub async fn resolve(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    resolution: Resolution,
) -> ApiResult<fraud_flag::Model> {
    let note = crate::input::optional_text(
        "input.note",
        Some(resolution.note.as_str()),
        crate::input::MAX_NOTE_CHARS,
    )?
    .ok_or_else(|| ApiError::bad_input("input.note", "must not be empty"))?;
    if resolution.suspend_partner && resolution.decision == Decision::Dismiss {
        return Err(ApiError::bad_input(
            "input.suspendPartner",
            "only a confirmed flag suspends its partner",
        ));
    }
    let (resolution, note) = (&resolution, &note);
    db.transaction(|txn| {
        Box::pin(async move {
            let flag = fraud_flag::Entity::find_by_id(resolution.id.clone())
                .filter(fraud_flag::Column::TenantId.eq(tenant_id))
                .one(&*txn)
                .await?
                .ok_or_else(|| ApiError::not_found("fraud flag"))?;
            crate::posting::locks::partners_by_id(&*txn, tenant_id, [flag.partner_id.as_str()])
                .await?;
            let now = crate::db::now();
            let status = match resolution.decision {
                Decision::Dismiss => FraudFlagStatus::Dismissed,
                Decision::Confirm => FraudFlagStatus::Confirmed,
            };
            // Decided once: the update is conditional on the flag's being open.
            let decided = fraud_flag::Entity::update_many()
                .col_expr(fraud_flag::Column::Status, Expr::value(status.as_str()))
                .col_expr(fraud_flag::Column::DecidedAt, Expr::value(now))
                .col_expr(fraud_flag::Column::DecidedBy, Expr::value(actor))
                .col_expr(fraud_flag::Column::Note, Expr::value(note.as_str()))
                .filter(fraud_flag::Column::Id.eq(flag.id.as_str()))
                .filter(fraud_flag::Column::Status.eq(FraudFlagStatus::Open))
                .exec(&*txn)
                .await?
                .rows_affected;
            if decided == 0 {
                return Err(ApiError::Conflict(format!(
                    "fraud flag {} is {} already",
                    flag.id,
                    flag.status.as_str()
                )));
            }
            if resolution.decision == Decision::Confirm {
                // What it held (read as it was open) and what it names.
                let ids = taken_back(&*txn, &flag).await?;
                let rows = crate::posting::locks::commissions(&*txn, tenant_id, &ids).await?;
                take_back(&txn, actor, rows, note).await?;
                if resolution.suspend_partner {
                    crate::directory::partners::suspend_in(
                        &*txn,
                        tenant_id,
                        actor,
                        &flag.partner_id,
                    )
                    .await?;
                }
            }
            let flag = fraud_flag::Entity::find_by_id(flag.id.clone())
                .one(&*txn)
                .await?
                .ok_or(ApiError::Internal)?;
            crate::events::append(
                &*txn,
                tenant_id,
                now,
                vec![flags::announce(
                    &flag,
                    DomainEventType::FraudFlagResolved,
                    now,
                )],
            )
            .await?;
            Ok(flag)
        })
    })
    .await
}

/// The ids a confirmed flag takes back: those it names, and those of its
/// partner (or its customer) not approved yet that it covers.
async fn taken_back(
    conn: &impl ConnectionTrait,
    flag: &fraud_flag::Model,
) -> ApiResult<Vec<String>> {
    let mut ids = covered(conn, flag).await?;
    ids.extend(
        flags::named(conn, &flag.id)
            .await?
            .into_iter()
            .map(|link| link.commission_id),
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The ids of the commissions not approved yet of the flag's partner (or
/// its customer), as a `HOLD` covers them; none for a click's flag.
pub(crate) async fn covered(
    conn: &impl ConnectionTrait,
    flag: &fraud_flag::Model,
) -> ApiResult<Vec<String>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: String,
    }
    // The scope's rows as a `HOLD` covers them, whatever the flag's action
    // (a confirmed `FLAG` takes back what it would have held).
    let sql = "SELECT c.id FROM commissions c WHERE c.partner_id = ? AND c.status = 'ACCRUED' \
         AND (? = 'PARTNER' OR (? = 'CUSTOMER' AND ? = (SELECT cu.external_id FROM events e \
           JOIN customers cu ON cu.id = e.customer_id WHERE e.id = c.event_id)))";
    let mut ids: Vec<String> = Id::find_by_statement(crate::db::statement(
        conn.get_database_backend(),
        sql,
        vec![
            flag.partner_id.clone().into(),
            flag.scope.as_str().into(),
            flag.scope.as_str().into(),
            flag.customer_external_id.clone().into(),
        ],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|row| row.id)
    .collect();
    ids.sort();
    Ok(ids)
}

/// Reverses what is `ACCRUED` and claws back in full what is approved or
/// paid, of `rows` (locked); what was reversed already is left.
async fn take_back(
    txn: &crate::db::Txn,
    actor: &str,
    rows: Vec<commission::Model>,
    note: &str,
) -> ApiResult<()> {
    let now = crate::db::now();
    let mut posting = Posting::new(now);
    let mut lowerings = Vec::new();
    for row in rows {
        if row.kind == CommissionKind::Clawback || row.amount_minor <= 0 {
            continue;
        }
        let clawed = clawed_back(txn, &row.id).await?;
        match row.status {
            CommissionStatus::Reversed => {}
            CommissionStatus::Accrued if clawed == 0 => {
                reverse_locked(
                    txn,
                    row,
                    actor,
                    ReversalReason::Fraud,
                    Some(note.to_owned()),
                )
                .await?;
            }
            _ => {
                let left = row.amount_minor + clawed;
                if left <= 0 {
                    continue;
                }
                let mv = Move {
                    from: row.status,
                    to: row.status,
                    actor,
                    at: now,
                    reason: Some(ReversalReason::Fraud),
                    note: Some(note.to_owned()),
                    payout_id: None,
                };
                posting.add(clawback(
                    &row,
                    -left,
                    now,
                    Some(ReversalReason::Fraud),
                    Some(note.to_owned()),
                ))?;
                let mut lowering = Lowering {
                    payout: left,
                    revenue: if clawed == 0 {
                        row.revenue_minor.unwrap_or(0)
                    } else {
                        0
                    },
                    sale_amount: 0,
                };
                if clawed == 0 {
                    let followed =
                        progress::follow(txn, &row, Share::All, &mv, &mut posting).await?;
                    lowering.payout += followed.lowering.payout;
                    lowering.revenue += followed.lowering.revenue;
                }
                lowerings.push((row, lowering));
            }
        }
    }
    posting.write(txn).await?;
    for (row, lowering) in lowerings {
        let when = (row.accrued_at, row.recorded_at);
        progress::lower(txn, &row.partner_id, &row.campaign_id, when, lowering).await?;
    }
    Ok(())
}

/// What was clawed back of a commission so far (zero or negative).
async fn clawed_back(conn: &impl ConnectionTrait, id: &str) -> ApiResult<i64> {
    let rows = commission::Entity::find()
        .filter(commission::Column::OriginalId.eq(id))
        .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
        .all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.amount_minor).sum())
}
