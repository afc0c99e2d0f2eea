//! Who recruited whom (SPEC §31): one level, never oneself, never a cycle.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::{CommissionKind, PartnerStatus};
use entity::{commission, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The longest chain of referrers walked looking for a cycle; a longer
/// one is refused as if it were one.
const MAX_CHAIN: usize = 10_000;

/// Sets (or, with `None`, clears) the partner's referrer. The referrer
/// must be another partner of the tenant, not archived, with another
/// e-mail address, and not recruited — directly or through others — by
/// the partner itself. `maxMonths` counts from the partner's first
/// commission, read here when it has one.
pub async fn set(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    referrer_id: Option<&str>,
) -> ApiResult<partner::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            // Referrals are set one at a time per tenant, so that two
            // changes cannot close a cycle between them.
            crate::directory::groups::lock_tenant(&*txn, tenant_id).await?;
            set_in(&*txn, tenant_id, partner_id, referrer_id).await
        })
    })
    .await
}

/// [`set`] inside the caller's transaction, which holds the tenant's lock.
pub async fn set_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    referrer_id: Option<&str>,
) -> ApiResult<partner::Model> {
    let find = |id: String| {
        partner::Entity::find_by_id(id).filter(partner::Column::TenantId.eq(tenant_id))
    };
    let recruit = find(partner_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    if let Some(referrer_id) = referrer_id {
        let field = "input.referrerId";
        let referrer = find(referrer_id.to_owned())
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::bad_input(field, "no such partner"))?;
        if referrer.id == recruit.id {
            return Err(ApiError::bad_input(field, "a partner cannot refer itself"));
        }
        // The mailbox, as the customers' self-referral check compares it:
        // `alice+recruit@…`, `a.lice@gmail.com` and look-alikes are Alice.
        let same_mailbox = match (&referrer.email, &recruit.email) {
            (Some(a), Some(b)) => crate::mailbox::normalized(a) == crate::mailbox::normalized(b),
            _ => false,
        };
        if same_mailbox || (referrer.email_key.is_some() && referrer.email_key == recruit.email_key)
        {
            return Err(ApiError::bad_input(
                field,
                "a partner cannot refer itself: the referrer has the same e-mail address",
            ));
        }
        if referrer.status == PartnerStatus::Archived {
            return Err(ApiError::bad_input(field, "the partner is archived"));
        }
        // Up the referrer's chain: the recruit must not be on it.
        let mut above = referrer.referred_by.clone();
        let mut steps = 0;
        while let Some(id) = above {
            steps += 1;
            if id == recruit.id || steps > MAX_CHAIN {
                return Err(ApiError::bad_input(
                    field,
                    "the partner recruited this referrer (directly or through others): a cycle is refused",
                ));
            }
            above = partner::Entity::find_by_id(id)
                .select_only()
                .column(partner::Column::ReferredBy)
                .into_tuple::<Option<String>>()
                .one(conn)
                .await?
                .flatten();
        }
    }
    let first: Option<chrono::DateTime<chrono::Utc>> = commission::Entity::find()
        .select_only()
        .column(commission::Column::AccruedAt)
        .filter(commission::Column::PartnerId.eq(recruit.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission))
        .order_by_asc(commission::Column::AccruedAt)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    partner::Entity::update_many()
        .col_expr(partner::Column::ReferredBy, Expr::value(referrer_id))
        .col_expr(partner::Column::ReferralStartedAt, Expr::value(first))
        .col_expr(partner::Column::UpdatedAt, Expr::value(crate::db::now()))
        .filter(partner::Column::Id.eq(recruit.id.as_str()))
        .exec(conn)
        .await?;
    find(recruit.id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("referrer", "the partner just changed"))
}

/// The most recruits a page lists.
pub const MAX_RECRUITS: u64 = 100;

/// A partner's recruits, newest first (at most `limit`), each with what
/// it earned the referrer per currency: its referral rewards not
/// reversed, less their clawbacks.
pub async fn recruits(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    referrer_id: &str,
    limit: u64,
) -> ApiResult<Vec<(partner::Model, Vec<(String, i64)>)>> {
    use entity::enums::CommissionStatus;
    use std::collections::HashMap;
    let recruits = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::ReferredBy.eq(referrer_id))
        .order_by_desc(partner::Column::Id)
        .limit(limit.min(MAX_RECRUITS))
        .all(conn)
        .await?;
    if recruits.is_empty() {
        return Ok(Vec::new());
    }
    // The referrer's rewards and their clawbacks, by the commission each
    // came from (few: a referrer's own rows of two kinds).
    let rewards: Vec<(String, Option<String>, CommissionKind, String, i64)> =
        commission::Entity::find()
            .select_only()
            .columns([
                commission::Column::Id,
                commission::Column::OriginalId,
                commission::Column::Kind,
                commission::Column::Currency,
                commission::Column::AmountMinor,
            ])
            .filter(commission::Column::PartnerId.eq(referrer_id))
            .filter(
                commission::Column::Kind
                    .is_in([CommissionKind::Referral, CommissionKind::Clawback]),
            )
            .filter(commission::Column::Status.ne(CommissionStatus::Reversed))
            .into_tuple()
            .all(conn)
            .await?;
    let referral_sources: Vec<&str> = rewards
        .iter()
        .filter(|r| r.2 == CommissionKind::Referral)
        .filter_map(|r| r.1.as_deref())
        .collect();
    let source_partner: HashMap<String, String> = match referral_sources.is_empty() {
        true => HashMap::new(),
        false => commission::Entity::find()
            .select_only()
            .columns([commission::Column::Id, commission::Column::PartnerId])
            .filter(commission::Column::Id.is_in(referral_sources))
            .into_tuple::<(String, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect(),
    };
    // Each reward's recruit; a clawback counts for its reward's recruit.
    let mut recruit_of: HashMap<&str, &str> = HashMap::new();
    for (id, original, kind, _, _) in &rewards {
        if *kind == CommissionKind::Referral
            && let Some(recruit) = original.as_deref().and_then(|o| source_partner.get(o))
        {
            recruit_of.insert(id.as_str(), recruit.as_str());
        }
    }
    let mut earned: HashMap<(&str, &str), i64> = HashMap::new();
    for (id, original, _, currency, amount) in &rewards {
        let recruit = recruit_of
            .get(id.as_str())
            .or_else(|| original.as_deref().and_then(|o| recruit_of.get(o)));
        if let Some(recruit) = recruit {
            *earned.entry((recruit, currency.as_str())).or_default() += amount;
        }
    }
    Ok(recruits
        .into_iter()
        .map(|recruit| {
            let mut totals: Vec<(String, i64)> = earned
                .iter()
                .filter(|((r, _), _)| *r == recruit.id)
                .map(|((_, currency), amount)| ((*currency).to_owned(), *amount))
                .collect();
            totals.sort();
            (recruit, totals)
        })
        .collect())
}
