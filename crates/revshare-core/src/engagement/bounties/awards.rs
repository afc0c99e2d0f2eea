//! Performance bounties reached (SPEC §31): once per bounty and partner.
//!
//! After the sales commit ([`crate::ledger::reactions`]), [`due`] reads
//! the performance bounties a page of new commissions may reach — open
//! at their accrual, for their partner's group, in their currency, not
//! already won — and whether each partner reaches its goal (through
//! [`goal::Bounds`]): first outside any lock, then, for the partners
//! found with one due, again under their locks. The ledger writes a
//! `BOUNTY` commission for each reached ([`crate::ledger::rewards`]) and
//! [`record`]s it: the partner's lock orders it with refunds, and
//! `ux_bounty_awards` refuses a second award not reversed.
//!
//! After a refund or reversal, [`recheck`] reverses the partner's bounty
//! commissions still `ACCRUED` whose goal it no longer reaches; the
//! bounty may then be reached again.

use super::goal;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::posting::{self, Move};
use chrono::{DateTime, Utc};
use entity::enums::{BountyKind, CommissionStatus, ReversalReason};
use entity::{bounty, bounty_award, commission};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashSet};

/// A commission just written, as a bounty counts it.
#[derive(Clone, Copy)]
pub struct Earned<'a> {
    pub partner_id: &'a str,
    pub group_id: &'a str,
    /// Its partner's tags as stored (`,a,b,`), and when it joined.
    pub tags: &'a str,
    pub joined_at: DateTime<Utc>,
    /// Its campaign (where a workflow's bonus is booked).
    pub campaign_id: &'a str,
    pub currency: &'a str,
    pub accrued_at: DateTime<Utc>,
}

/// A bounty a partner has reached, to be paid.
pub struct Due {
    pub bounty: bounty::Model,
    pub partner_id: String,
    /// When the commission that reached it accrued.
    pub at: DateTime<Utc>,
}

/// The performance bounties `earned` reaches (see the module).
pub async fn due(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    earned: &[Earned<'_>],
    bounds: &mut goal::Bounds,
) -> ApiResult<Vec<Due>> {
    let Some(latest) = earned.iter().map(|e| e.accrued_at).max() else {
        return Ok(Vec::new());
    };
    let bounties = bounty::Entity::find()
        .filter(bounty::Column::TenantId.eq(tenant_id))
        .filter(bounty::Column::Kind.eq(BountyKind::Performance))
        .filter(bounty::Column::StartsAt.lte(latest))
        .all(conn)
        .await?;
    if bounties.is_empty() {
        return Ok(Vec::new());
    }
    let zone = super::zone(conn, tenant_id).await?;
    // Each (bounty, partner) a commission of the batch counts toward, with
    // its latest such commission and the partner's window.
    let mut candidates: BTreeMap<(String, String), (usize, DateTime<Utc>, super::Window)> =
        BTreeMap::new();
    for (i, bounty) in bounties.iter().enumerate() {
        // Groups that do not read are no groups: the bounty awards no one.
        let Ok(groups) = super::groups_of(bounty) else {
            tracing::error!(bounty = %bounty.id, "a bounty's stored groups do not read: it awards no one");
            continue;
        };
        let needles: Vec<String> = super::tags_of(bounty)
            .iter()
            .map(|t| crate::directory::tags::needle(t))
            .collect();
        for e in earned {
            let window = super::window(bounty, e.joined_at, zone);
            let counts = e.currency == bounty.currency
                && window.is_open(e.accrued_at)
                && (groups.iter().any(|g| g == e.group_id)
                    || needles.iter().any(|n| e.tags.contains(n.as_str())));
            if counts {
                let key = (bounty.id.clone(), e.partner_id.to_owned());
                let at = candidates.entry(key).or_insert((i, e.accrued_at, window));
                at.1 = at.1.max(e.accrued_at);
            }
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let won: HashSet<(String, String)> = bounty_award::Entity::find()
        .filter(bounty_award::Column::TenantId.eq(tenant_id))
        .filter(bounty_award::Column::BountyId.is_in(candidates.keys().map(|(b, _)| b.as_str())))
        .filter(bounty_award::Column::PartnerId.is_in(candidates.keys().map(|(_, p)| p.as_str())))
        .filter(bounty_award::Column::ReversedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.bounty_id, a.partner_id))
        .collect();
    let mut due = Vec::new();
    for ((bounty_id, partner_id), (i, at, window)) in candidates {
        if won.contains(&(bounty_id, partner_id.clone())) {
            continue;
        }
        let bounty = &bounties[i];
        let (Some(goal), Some(target)) = (goal::of(bounty, window), bounty.goal_value) else {
            continue;
        };
        if bounds.reaches(conn, &goal, &partner_id, target).await? {
            due.push(Due {
                bounty: bounty.clone(),
                partner_id,
                at,
            });
        }
    }
    Ok(due)
}

/// Records `due` as won by the commission `commission_id`.
pub async fn record(
    conn: &impl ConnectionTrait,
    due: &Due,
    commission_id: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let row = bounty_award::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(due.bounty.tenant_id.clone()),
        bounty_id: Set(due.bounty.id.clone()),
        partner_id: Set(due.partner_id.clone()),
        commission_id: Set(commission_id.to_owned()),
        reached_at: Set(now),
        reversed_at: Set(None),
    };
    bounty_award::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map_err(|e| match violates(&e, keys::BOUNTY_AWARD) {
            // A race the partner's lock did not order: the other won.
            true => ApiError::Contention,
            false => ApiError::from(e),
        })?;
    Ok(())
}

/// After `partner_id`'s commissions were refunded or reversed: reverses
/// (with `reason`) each of its performance bounty commissions still
/// `ACCRUED` whose goal it no longer reaches. The caller holds the
/// partner's lock.
pub async fn recheck(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    actor: &str,
    reason: ReversalReason,
    at: DateTime<Utc>,
) -> ApiResult<Vec<commission::Model>> {
    let awards = bounty_award::Entity::find()
        .filter(bounty_award::Column::TenantId.eq(tenant_id))
        .filter(bounty_award::Column::PartnerId.eq(partner_id))
        .filter(bounty_award::Column::ReversedAt.is_null())
        .all(conn)
        .await?;
    if awards.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = awards.iter().map(|a| a.commission_id.clone()).collect();
    let accrued: Vec<commission::Model> = posting::locks::commissions(conn, tenant_id, &ids)
        .await?
        .into_iter()
        .filter(|c| c.status == CommissionStatus::Accrued)
        .collect();
    let joined_at = entity::partner::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
        .map(|p| p.created_at)
        .ok_or_else(|| ApiError::internal("bounty recheck", "no partner"))?;
    let zone = super::zone(conn, tenant_id).await?;
    let mut reversed = Vec::new();
    for row in accrued {
        let Some(award) = awards.iter().find(|a| a.commission_id == row.id) else {
            continue;
        };
        let Some(bounty) = super::find(conn, tenant_id, &award.bounty_id).await? else {
            continue;
        };
        let window = super::window(&bounty, joined_at, zone);
        if goal::reaches(
            &bounty,
            goal::progress(conn, &bounty, window, partner_id).await?,
        ) {
            continue;
        }
        let mv = Move {
            from: CommissionStatus::Accrued,
            to: CommissionStatus::Reversed,
            actor,
            at,
            reason: Some(reason),
            note: Some(format!(
                "the partner is back under the goal of the bounty \"{}\"",
                bounty.name
            )),
            payout_id: None,
        };
        reversed.extend(posting::apply_move(conn, vec![row], &mv).await?);
        bounty_award::Entity::update_many()
            .col_expr(bounty_award::Column::ReversedAt, Expr::value(at))
            .filter(bounty_award::Column::Id.eq(award.id.as_str()))
            .exec(conn)
            .await?;
    }
    Ok(reversed)
}
