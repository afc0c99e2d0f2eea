//! A payout run (SPEC §16): everyone owed up to a day, paid in one go.
//!
//! In one transaction, in order:
//!
//! 1. The period ends at the end of `periodEnd` in the tenant's time zone
//!    (the run's `cutoff`); a day after today is refused.
//! 2. Partners with approved money (by their balances) are locked, in id
//!    order, then their approved commissions that no payout holds: those
//!    accrued before the cutoff, and clawbacks whatever their date.
//! 3. Per partner and currency, the clawbacks whose original is paid or
//!    paid in this payout net against the rest (the others wait for their
//!    original).
//! 4. The net is paid when it reaches the minimum in force and is above
//!    zero, the partner has a payout method, and — where the tenant
//!    requires one — an approved tax profile; otherwise it is carried over
//!    and the partner listed with the first reason in that order
//!    (`PARTNER_SUSPENDED`, `NEGATIVE_BALANCE` below zero, `BELOW_MINIMUM`
//!    under a minimum set, `NOTHING_OWED` at exactly zero,
//!    `NO_PAYOUT_METHOD`, `TAX_PROFILE_NOT_APPROVED`).
//! 5. Each payout is issued `PENDING`, numbered, and holds its commissions
//!    (they stay `APPROVED`): no other run and no `markCommissionsPaid`
//!    takes them until it is paid or fails.
//!
//! Runs pay what partners earn themselves; a spiff to a contact is paid by
//! hand (`markCommissionsPaid`), since a payout method is a partner's.
//! Two runs at once queue on the partners' locks: the second finds the
//! first's commissions held and pays none of them again.

use super::issue::{self, Issue, NewPayout};
use crate::db::Db;
use crate::directory::minimums;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::posting;
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CommissionKind, CommissionStatus, PartnerStatus, PayoutStatus, SkipReason};
use entity::{
    commission, partner, partner_balance, partner_group, payout, payout_method, payout_run,
    payout_run_skip, tenant,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
use std::collections::{BTreeMap, HashSet};

/// What a run is asked to pay.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The last day paid for, in the tenant's time zone.
    pub period_end: NaiveDate,
    /// Only this currency; none: every currency.
    pub currency: Option<Currency>,
}

/// Partners locked and read per statement.
const PARTNERS_A_STATEMENT: usize = 500;

/// Makes a run by `actor` and answers it (its payouts and skipped partners
/// are read from it).
pub async fn create(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    request: RunRequest,
) -> ApiResult<payout_run::Model> {
    db.transaction(|txn| {
        let request = request.clone();
        Box::pin(async move { run(&*txn, tenant_id, actor, &request).await })
    })
    .await
}

async fn run(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    request: &RunRequest,
) -> ApiResult<payout_run::Model> {
    let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
    let zone = super::zone_of(&tenant)?;
    let now = crate::db::now();
    let today = now.with_timezone(&zone).date_naive();
    if request.period_end > today {
        return Err(ApiError::bad_input(
            "input.periodEnd",
            format!("is after today ({today} in the tenant's time zone)"),
        ));
    }
    let cutoff = crate::engine::tiers::day_start(zone, request.period_end + chrono::Days::new(1));
    let owed = owed(conn, tenant_id, request.currency, cutoff).await?;
    let mut decided = decide(conn, &tenant, owed).await?;
    super::withholding::decide(conn, &tenant, &mut decided.paid).await?;
    let run = payout_run::Model {
        id: crate::input::new_id(),
        tenant_id: tenant_id.to_owned(),
        period_end: request.period_end.to_string(),
        cutoff,
        currency: request.currency.map(|c| c.code().to_owned()),
        created_by: actor.to_owned(),
        created_at: now,
    };
    payout_run::Entity::insert(payout_run::ActiveModel::from(run.clone()))
        .exec_without_returning(conn)
        .await?;
    crate::activity::created("PayoutRun", &run.id, &run);
    let issue = Issue {
        tenant_id,
        zone,
        actor,
        at: now,
        status: PayoutStatus::Pending,
        reference: "",
        run_id: Some(&run.id),
    };
    let payouts = issue::issue(conn, &issue, &decided.paid).await?;
    for (payout, paid) in payouts.iter().zip(&decided.paid) {
        posting::hold_for_payout(conn, &payout.id, &paid.rows).await?;
    }
    write_skips(conn, &run.id, decided.skipped).await?;
    Ok(run)
}

/// A partner's money in one currency that a run may pay.
struct Owed {
    partner_id: String,
    currency: String,
    rows: Vec<commission::Model>,
}

/// Every partner's approved, unheld money up to `cutoff`, clawbacks that
/// net included, by partner and currency, with the partners locked.
async fn owed(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    currency: Option<Currency>,
    cutoff: DateTime<Utc>,
) -> ApiResult<Vec<Owed>> {
    let mut candidates = partner_balance::Entity::find()
        .filter(partner_balance::Column::TenantId.eq(tenant_id))
        .filter(partner_balance::Column::Status.eq(CommissionStatus::Approved))
        .filter(partner_balance::Column::CommissionCount.gt(0));
    if let Some(currency) = currency {
        candidates = candidates.filter(partner_balance::Column::Currency.eq(currency.code()));
    }
    let mut partner_ids: Vec<String> = candidates
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.partner_id)
        .collect();
    partner_ids.sort();
    partner_ids.dedup();
    let mut owed = Vec::new();
    for chunk in partner_ids.chunks(PARTNERS_A_STATEMENT) {
        posting::locks::partners_by_id(conn, tenant_id, chunk.iter().map(String::as_str)).await?;
        let mut which = Condition::all()
            .add(commission::Column::TenantId.eq(tenant_id))
            .add(commission::Column::PartnerId.is_in(chunk.to_vec()))
            .add(commission::Column::Status.eq(CommissionStatus::Approved))
            .add(commission::Column::PayoutId.is_null())
            .add(commission::Column::RecipientId.is_null())
            .add(commission::Column::StaffPayee.eq(false))
            // Not what a fraud flag holds (its partner is locked above, as
            // a flag's raising locks it).
            .add(posting::fraud::not_held())
            .add(
                Condition::any()
                    .add(commission::Column::AccruedAt.lt(cutoff))
                    .add(commission::Column::Kind.eq(CommissionKind::Clawback)),
            );
        if let Some(currency) = currency {
            which = which.add(commission::Column::Currency.eq(currency.code()));
        }
        let rows = posting::locks::commissions_where(conn, which).await?;
        owed.extend(netted(conn, rows).await?);
    }
    Ok(owed)
}

/// Rows by partner and currency, each with only the clawbacks that net
/// into it: one look-up of the clawbacks' originals for the whole chunk
/// (a clawback's original is its partner's, in its currency, so one paid
/// now is in the same group).
async fn netted(conn: &impl ConnectionTrait, rows: Vec<commission::Model>) -> ApiResult<Vec<Owed>> {
    let (clawbacks, earned): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.kind == CommissionKind::Clawback);
    let now_paid: HashSet<&str> = earned.iter().map(|r| r.id.as_str()).collect();
    let nets = super::clawbacks_that_net(conn, clawbacks, &now_paid).await?;
    let mut by_key: BTreeMap<(String, String), Vec<commission::Model>> = BTreeMap::new();
    for row in earned.into_iter().chain(nets) {
        let key = (row.partner_id.clone(), row.currency.clone());
        by_key.entry(key).or_default().push(row);
    }
    Ok(by_key
        .into_iter()
        .map(|((partner_id, currency), rows)| Owed {
            partner_id,
            currency,
            rows,
        })
        .collect())
}

/// What a run pays and what it carries over.
struct Decided {
    paid: Vec<NewPayout>,
    skipped: Vec<(Owed, SkipReason, i64)>,
}

/// Decides, per partner and currency, whether the money is paid now.
async fn decide(
    conn: &impl ConnectionTrait,
    tenant: &tenant::Model,
    owed: Vec<Owed>,
) -> ApiResult<Decided> {
    let partner_ids: Vec<String> = owed.iter().map(|o| o.partner_id.clone()).collect();
    let holders = Holders::load(conn, tenant, partner_ids).await?;
    let mut decided = Decided {
        paid: Vec::new(),
        skipped: Vec::new(),
    };
    for owed in owed {
        let net: i64 = owed.rows.iter().map(|r| r.amount_minor).sum();
        let (partner, group) = holders.of(&owed.partner_id)?;
        let minimum = minimums::in_force(
            &owed.currency,
            partner.minimum_payout.as_deref(),
            group.and_then(|g| g.minimum_payout.as_deref()),
            tenant.minimum_payout.as_deref(),
        )?
        .map_or(0, |(amount, _)| amount);
        let method = holders.methods.get(&owed.partner_id);
        let reason = if partner.status == PartnerStatus::Suspended {
            Some(SkipReason::PartnerSuspended)
        } else if net < 0 {
            Some(SkipReason::NegativeBalance)
        } else if net < minimum {
            Some(SkipReason::BelowMinimum)
        } else if net == 0 {
            Some(SkipReason::NothingOwed)
        } else if method.is_none() {
            Some(SkipReason::NoPayoutMethod)
        } else if tenant.require_tax_profile && !holders.tax_approved.contains(&owed.partner_id) {
            Some(SkipReason::TaxProfileNotApproved)
        } else {
            None
        };
        match reason {
            Some(reason) => decided.skipped.push((owed, reason, net)),
            None => decided.paid.push(NewPayout {
                partner_id: owed.partner_id,
                currency: owed.currency,
                recipient_id: None,
                staff_payee: false,
                rows: owed.rows,
                method: method.cloned(),
                withheld_minor: 0,
            }),
        }
    }
    Ok(decided)
}

/// The partners a run decides for, their groups, methods and approved
/// tax profiles: read once for the run.
struct Holders {
    partners: BTreeMap<String, partner::Model>,
    groups: BTreeMap<String, partner_group::Model>,
    methods: BTreeMap<String, payout_method::Model>,
    tax_approved: Vec<String>,
}

impl Holders {
    async fn load(
        conn: &impl ConnectionTrait,
        tenant: &tenant::Model,
        mut partner_ids: Vec<String>,
    ) -> ApiResult<Holders> {
        partner_ids.sort();
        partner_ids.dedup();
        // A W-8 is valid through its last day in the tenant's time zone.
        let today = super::tax::today_in(&tenant.time_zone);
        let mut holders = Holders {
            partners: BTreeMap::new(),
            groups: BTreeMap::new(),
            methods: BTreeMap::new(),
            tax_approved: Vec::new(),
        };
        for chunk in partner_ids.chunks(PARTNERS_A_STATEMENT) {
            let partners = partner::Entity::find()
                .filter(partner::Column::TenantId.eq(tenant.id.as_str()))
                .filter(partner::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?;
            let group_ids: Vec<String> = partners.iter().map(|p| p.group_id.clone()).collect();
            let groups = partner_group::Entity::find()
                .filter(partner_group::Column::TenantId.eq(tenant.id.as_str()))
                .filter(partner_group::Column::Id.is_in(group_ids))
                .all(conn)
                .await?;
            holders
                .groups
                .extend(groups.into_iter().map(|g| (g.id.clone(), g)));
            holders
                .partners
                .extend(partners.into_iter().map(|p| (p.id.clone(), p)));
            let methods = super::methods::of_partners(conn, &tenant.id, chunk.to_vec()).await?;
            holders
                .methods
                .extend(methods.into_iter().map(|m| (m.partner_id.clone(), m)));
            if tenant.require_tax_profile {
                holders.tax_approved.extend(
                    super::tax::approved_among(conn, &tenant.id, chunk.to_vec(), today).await?,
                );
            }
        }
        Ok(holders)
    }

    fn of(&self, partner_id: &str) -> ApiResult<(&partner::Model, Option<&partner_group::Model>)> {
        let partner = self
            .partners
            .get(partner_id)
            .ok_or_else(|| ApiError::internal("run partner", partner_id))?;
        Ok((partner, self.groups.get(&partner.group_id)))
    }
}

async fn write_skips(
    conn: &impl ConnectionTrait,
    run_id: &str,
    skipped: Vec<(Owed, SkipReason, i64)>,
) -> ApiResult<()> {
    let rows: Vec<payout_run_skip::ActiveModel> = skipped
        .into_iter()
        .map(|(owed, reason, net)| payout_run_skip::ActiveModel {
            run_id: Set(run_id.to_owned()),
            partner_id: Set(owed.partner_id),
            currency: Set(owed.currency),
            reason: Set(reason),
            amount_minor: Set(net),
        })
        .collect();
    for chunk in rows.chunks(posting::WRITE_CHUNK) {
        payout_run_skip::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A run's payouts, oldest statement first.
pub async fn payouts_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    run_id: &str,
) -> ApiResult<Vec<payout::Model>> {
    use sea_orm::QueryOrder;
    Ok(payout::Entity::find()
        .filter(payout::Column::TenantId.eq(tenant_id))
        .filter(payout::Column::RunId.eq(run_id))
        .order_by_asc(payout::Column::Id)
        .all(conn)
        .await?)
}
