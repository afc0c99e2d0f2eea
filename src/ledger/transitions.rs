//! Approving, paying and reversing commissions. Each mutation is one
//! transaction and all-or-nothing: one commission that cannot make the move
//! (`CONFLICT`) or does not exist (`NOT_FOUND`) fails the whole call. Rows
//! are locked in id order before anything is checked (see
//! [`crate::posting::locks`]), so concurrent calls over the same commissions, in
//! any order, run one after the other and answer as they would in sequence;
//! a transaction that still loses a race is retried, then `CONFLICT`.

use super::{CommissionKind, CommissionStatus, ReversalReason, check_ids};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input;
use crate::posting::{self, Move, Posting, conflict};
use crate::tiers::progress::{self, Lowering, Share};
use entity::{commission, payout};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::BTreeMap;

/// The locked rows of `ids`, in request order, each in `from`: else the
/// first id that is missing (`NOT_FOUND`) or elsewhere (`CONFLICT`).
fn all_in(
    ids: &[String],
    rows: Vec<commission::Model>,
    from: CommissionStatus,
    to: CommissionStatus,
) -> ApiResult<Vec<commission::Model>> {
    let rows = posting::in_request_order(ids, rows)?;
    if let Some(row) = rows.iter().find(|r| r.status != from) {
        return Err(conflict(row, to));
    }
    // A spiff pays a person: it is approved once that person is named.
    if to == CommissionStatus::Approved
        && let Some(row) = rows.iter().find(|r| r.recipient_pending)
    {
        return Err(ApiError::Conflict(format!(
            "commission {} has no recipient yet: name one with assignCommissionRecipient",
            row.id
        )));
    }
    Ok(rows)
}

pub async fn approve(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
) -> ApiResult<Vec<commission::Model>> {
    check_ids("ids", ids)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let locked = posting::locks::commissions(&*txn, tenant_id, ids).await?;
            let rows = all_in(
                ids,
                locked,
                CommissionStatus::Accrued,
                CommissionStatus::Approved,
            )?;
            let mv = Move {
                from: CommissionStatus::Accrued,
                to: CommissionStatus::Approved,
                actor,
                at: crate::db::now(),
                reason: None,
                note: None,
                payout_id: None,
            };
            let approved = posting::apply_move(&*txn, rows, &mv).await?;
            Ok(approved)
        })
    })
    .await
}

pub async fn reverse(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    id: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<commission::Model> {
    let ids = &[id.to_owned()];
    let note = &note;
    db.transaction(|txn| {
        Box::pin(async move {
            let locked = posting::locks::commissions(&*txn, tenant_id, ids).await?;
            let row = posting::in_request_order(ids, locked)?
                .pop()
                .ok_or(ApiError::Internal)?;
            let reversal = reverse_locked(&txn, row, actor, reason, note.clone()).await?;
            Ok(reversal.commission)
        })
    })
    .await
}

/// What a reversal did: the commission, reversed, and what its tier
/// adjustments' following it did to them.
pub(crate) struct Reversal {
    pub commission: commission::Model,
    /// The adjustments reversed with it.
    pub adjustments: Vec<commission::Model>,
    /// Clawbacks of the adjustments that could not be reversed.
    pub clawbacks: Vec<commission::Model>,
}

/// `ACCRUED → REVERSED` of a row the caller has locked (refunds use it too).
/// Its tier adjustments follow it, and the partner's progress toward tiers
/// drops by what left.
pub(crate) async fn reverse_locked(
    conn: &crate::db::Txn,
    row: commission::Model,
    actor: &str,
    reason: ReversalReason,
    note: Option<String>,
) -> ApiResult<Reversal> {
    // A partly refunded commission has clawbacks (approved at once) that a
    // reversal would strand: refund the rest instead. Clawbacks are written
    // under this row's lock, so the count is current.
    let clawed_back = commission::Entity::find()
        .filter(commission::Column::OriginalId.eq(row.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
        .count(conn)
        .await?;
    if clawed_back > 0 {
        return Err(ApiError::Conflict(format!(
            "commission {} is partly refunded: record a refund of the rest instead",
            row.id
        )));
    }
    let mv = Move {
        from: CommissionStatus::Accrued,
        to: CommissionStatus::Reversed,
        actor,
        at: crate::db::now(),
        reason: Some(reason),
        note,
        payout_id: None,
    };
    let reversed = posting::apply_move(conn, vec![row], &mv)
        .await?
        .pop()
        .ok_or(ApiError::Internal)?;
    let mut posting = Posting::new(mv.at);
    let followed = progress::follow(conn, &reversed, Share::All, &mv, &mut posting).await?;
    posting.write(conn).await?;
    let lowering = Lowering {
        payout: reversed.amount_minor + followed.lowering.payout,
        revenue: reversed.revenue_minor.unwrap_or(0) + followed.lowering.revenue,
        sale_amount: 0,
    };
    let (partner, campaign) = (&reversed.partner_id, &reversed.campaign_id);
    let when = (reversed.accrued_at, reversed.recorded_at);
    progress::lower(conn, partner, campaign, when, lowering).await?;
    Ok(Reversal {
        commission: reversed,
        adjustments: followed.reversed,
        clawbacks: followed.clawbacks,
    })
}

/// Pays approved commissions: one payout per partner and currency, which also
/// takes in that partner's approved clawbacks in that currency whose original
/// commission is paid (or paid now), so they net against it. A payout that
/// would not be positive is refused.
pub async fn mark_paid(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
    reference: &str,
) -> ApiResult<Vec<payout::Model>> {
    check_ids("input.ids", ids)?;
    let reference =
        &input::required_text("input.reference", reference, input::MAX_REFERENCE_CHARS)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let payouts = pay(&*txn, tenant_id, actor, ids, reference).await?;
            Ok(payouts)
        })
    })
    .await
}

async fn pay(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    ids: &[String],
    reference: &str,
) -> ApiResult<Vec<payout::Model>> {
    // A commission's partner never changes: read unlocked to learn which
    // partners to lock, then lock the partners and the rows.
    let partners = commission::Entity::find()
        .select_only()
        .column(commission::Column::PartnerId)
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::Id.is_in(ids.iter().map(String::as_str)))
        .into_tuple::<String>()
        .all(conn)
        .await?;
    posting::locks::partners_by_id(conn, tenant_id, partners.iter().map(String::as_str)).await?;
    let locked = posting::locks::commissions(conn, tenant_id, ids).await?;
    let rows = all_in(
        ids,
        locked,
        CommissionStatus::Approved,
        CommissionStatus::Paid,
    )?;
    let groups = by_payee(rows);
    let now = crate::db::now();
    let mut payouts = Vec::with_capacity(groups.len());
    for ((partner_id, currency, recipient_id), mut rows) in groups {
        let payee = Payee {
            partner_id: &partner_id,
            currency: &currency,
            recipient_id: recipient_id.as_deref(),
        };
        for clawback in netting(conn, tenant_id, &payee, &rows).await? {
            rows.push(clawback);
        }
        let amount_minor: i64 = rows.iter().map(|r| r.amount_minor).sum();
        if amount_minor <= 0 {
            return Err(ApiError::Conflict(format!(
                "the payout to partner {partner_id} in {currency} would not be positive after clawbacks"
            )));
        }
        let stamp = Stamp {
            tenant_id,
            actor,
            reference,
            at: now,
        };
        let payout =
            write_payout(conn, &stamp, (partner_id, currency, recipient_id), &rows).await?;
        let mv = Move {
            from: CommissionStatus::Approved,
            to: CommissionStatus::Paid,
            actor,
            at: now,
            reason: None,
            note: None,
            payout_id: Some(payout.id.clone()),
        };
        posting::apply_move(conn, rows, &mv).await?;
        payouts.push(payout);
    }
    Ok(payouts)
}

/// Who pays, with what reference, when.
struct Stamp<'a> {
    tenant_id: &'a str,
    actor: &'a str,
    reference: &'a str,
    at: chrono::DateTime<chrono::Utc>,
}

/// Writes a payee's payout of `rows` and announces it (`PAYOUT_CREATED`).
async fn write_payout(
    conn: &impl ConnectionTrait,
    stamp: &Stamp<'_>,
    (partner_id, currency, recipient_id): (String, String, Option<String>),
    rows: &[commission::Model],
) -> ApiResult<payout::Model> {
    let (tenant_id, now) = (stamp.tenant_id, stamp.at);
    let amount_minor: i64 = rows.iter().map(|r| r.amount_minor).sum();
    // A recipient is staff or not for all its spiffs alike.
    let staff_payee = rows.iter().any(|r| r.staff_payee);
    let payout = payout::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id),
        currency: Set(currency),
        amount_minor: Set(amount_minor),
        reference: Set(stamp.reference.to_owned()),
        commission_count: Set(rows.len() as i32),
        created_by: Set(stamp.actor.to_owned()),
        created_at: Set(now),
        recipient_id: Set(recipient_id),
        staff_payee: Set(staff_payee),
    };
    let payout = payout::Entity::insert(payout)
        .exec_with_returning(conn)
        .await?;
    let currency = crate::engine::Currency::parse(&payout.currency)
        .map_err(|e| ApiError::internal("payout currency", e))?;
    let event = NewDomainEvent {
        kind: DomainEventType::PayoutCreated,
        occurred_at: now,
        // A payout to one of the tenant's staff concerns no partner.
        partner_id: (!payout.staff_payee).then(|| payout.partner_id.clone()),
        subject_id: payout.id.clone(),
        data: serde_json::json!({
            "amount": currency.from_minor(payout.amount_minor).to_string(),
            "currency": payout.currency,
            "reference": payout.reference,
            "commissionCount": payout.commission_count,
            "recipientId": payout.recipient_id,
        }),
    };
    crate::events::append(conn, tenant_id, now, vec![event]).await?;
    Ok(payout)
}

/// One payout per partner, currency and recipient: a spiff is paid to its
/// contact, apart from what the partner organisation earns.
fn by_payee(
    rows: Vec<commission::Model>,
) -> BTreeMap<(String, String, Option<String>), Vec<commission::Model>> {
    let mut groups: BTreeMap<_, Vec<commission::Model>> = BTreeMap::new();
    for row in rows {
        let key = (
            row.partner_id.clone(),
            row.currency.clone(),
            row.recipient_id.clone(),
        );
        groups.entry(key).or_default().push(row);
    }
    groups
}

/// Who a payout pays.
struct Payee<'a> {
    partner_id: &'a str,
    currency: &'a str,
    recipient_id: Option<&'a str>,
}

/// The payee's approved clawbacks that net into a payout of `rows`: those
/// whose original is paid already or paid now (the others wait for their
/// original). The partner lock keeps this set as read until commit.
async fn netting(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payee: &Payee<'_>,
    rows: &[commission::Model],
) -> ApiResult<Vec<commission::Model>> {
    let recipient = match payee.recipient_id {
        Some(id) => commission::Column::RecipientId.eq(id),
        None => commission::Column::RecipientId.is_null(),
    };
    let clawbacks = commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::PartnerId.eq(payee.partner_id))
        .filter(commission::Column::Currency.eq(payee.currency))
        .filter(recipient)
        .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
        .filter(commission::Column::Status.eq(CommissionStatus::Approved))
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?;
    let originals: Vec<String> = clawbacks
        .iter()
        .filter_map(|c| c.original_id.clone())
        .collect();
    let paid_originals: Vec<String> = commission::Entity::find()
        .filter(commission::Column::Id.is_in(originals))
        .filter(commission::Column::Status.eq(CommissionStatus::Paid))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(clawbacks
        .into_iter()
        .filter(|clawback| {
            let nets = clawback.original_id.as_ref().is_some_and(|original| {
                rows.iter().any(|r| &r.id == original) || paid_originals.contains(original)
            });
            nets && !rows.iter().any(|r| r.id == clawback.id)
        })
        .collect())
}
