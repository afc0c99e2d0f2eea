//! A tier's promotion (SPEC §14): the first time a partner reaches a tier
//! that names a group, the partner moves into it — never down.
//!
//! - Once per tier and partner, whatever the period or campaign: a
//!   partner's history holds a `group` change with actor `tier:<id>` from
//!   then on, and the tier never moves that partner again (not when a later
//!   period falls short, nor after the tenant moved the partner elsewhere).
//! - Never down: groups have no order, tiers do by their goals. A tier
//!   ranks above another when each of its goals is at least the other's
//!   and one is higher. A tier does not move a partner whose group came
//!   from the promotion of a tier ranking above it (a partner reaching
//!   Gold's goals before or with Silver's stays in Gold's group).
//! - Runs in the accrual's transaction, under the partner's lock.

use super::ScopedTier;
use crate::engine::tiers::Metrics;
use crate::error::{ApiError, ApiResult};
use crate::history::{self, Change, Stamp};
use entity::{change, partner, tiered_commission};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The actor of a tier's changes.
fn actor(tier_id: &str) -> String {
    format!("tier:{tier_id}")
}

/// Moves `partner_id` into `tier`'s group if the rules above allow.
pub(super) async fn promote(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    tier: &ScopedTier,
) -> ApiResult<()> {
    let Some(group_id) = &tier.model.promote_to_group_id else {
        return Ok(());
    };
    let promotions = change::Entity::find()
        .filter(change::Column::TenantId.eq(tenant_id))
        .filter(change::Column::SubjectId.eq(partner_id))
        .filter(change::Column::Field.eq("group"))
        .filter(change::Column::Actor.starts_with("tier:"))
        .order_by_desc(change::Column::Id)
        .all(conn)
        .await?;
    let own = actor(&tier.model.id);
    if promotions.iter().any(|c| c.actor == own) {
        return Ok(());
    }
    let partner = partner::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("promoted partner", partner_id))?;
    // The tier whose promotion set the partner's group, if one did.
    let last = promotions
        .iter()
        .find(|c| c.to_value.as_deref() == Some(partner.group_id.as_str()))
        .and_then(|c| c.actor.strip_prefix("tier:"));
    if let Some(last) = last
        && let Some(above) = tiered_commission::Entity::find_by_id(last.to_owned())
            .one(conn)
            .await?
        && ranks_above(&crate::tiers::terms_of(&above)?.goals, &tier.terms.goals)
    {
        return Ok(());
    }
    if partner.group_id != *group_id {
        let now = crate::db::now();
        partner::Entity::update_many()
            .col_expr(partner::Column::GroupId, Expr::value(group_id.as_str()))
            .col_expr(partner::Column::UpdatedAt, Expr::value(now))
            .filter(partner::Column::Id.eq(partner_id))
            .exec(conn)
            .await?;
        let stamp = Stamp {
            tenant_id,
            actor: &own,
            at: now,
        };
        let moved = Change::new("group", Some(partner.group_id), Some(group_id.clone()));
        history::record(conn, &stamp, partner_id, vec![moved]).await?;
    }
    Ok(())
}

/// Whether goals `a` rank above goals `b`: each at least `b`'s, one higher.
fn ranks_above(a: &Metrics, b: &Metrics) -> bool {
    let pairs = [
        (a.payout, b.payout),
        (a.revenue, b.revenue),
        (a.sale_amount, b.sale_amount),
        (a.conversions.into(), b.conversions.into()),
        (a.events.into(), b.events.into()),
    ];
    pairs.iter().all(|(x, y)| x >= y) && pairs.iter().any(|(x, y)| x > y)
}
