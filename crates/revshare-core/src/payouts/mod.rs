//! Payouts that can be run (SPEC §16): where a partner is paid, the
//! minimum it must reach, runs that pay everyone owed up to a day, the
//! files a bank or PayPal takes, statements, and tax profiles.
//!
//! - [`methods`]: a partner's PayPal account or bank account, checked
//!   ([`wise_account`]: one Wise pays in its own currency);
//! - [`tax`] and [`seal`]: tax profiles, their tax ids sealed at rest;
//! - [`runs`]: a run — each partner's approved commissions up to a day,
//!   clawbacks netted, one pending payout per partner and currency that
//!   reaches its minimum, the rest carried over with the reason;
//! - [`settle`]: a pending payout paid (its commissions `PAID`) or failed
//!   (its commissions released for the next run);
//! - [`by_hand`]: `markCommissionsPaid`, for programs that pay by hand;
//! - [`issue`]: the one writer of payout rows, statement numbers included;
//! - [`files`]: PayPal's Payouts CSV and SEPA's `pain.001.001.03`;
//! - [`statement`] and [`pdf`]: a payout's statement as a PDF.
//!
//! Lock order, as everywhere ([`crate::posting::locks`]): partners, then
//! their commissions, then balances; a payout's statement counter last.
//! A pending payout's commissions stay `APPROVED` and carry its id, which
//! is how no other run or `markCommissionsPaid` takes them.

pub mod address;
pub mod by_hand;
pub mod export;
pub mod files;
pub mod invoicing;
pub mod issue;
pub mod methods;
pub mod notify;
pub mod pdf;
mod pdf_font;
pub mod runs;
pub mod seal;
pub mod settle;
pub mod statement;
pub mod statement_words;
pub mod tax;
pub mod tax_payments;
pub mod tax_submissions;
pub mod tin;
pub mod wise_account;
pub mod withholding;

use crate::auth::access::Policy;
use crate::error::ApiResult;
use entity::enums::{CommissionStatus, PayoutStatus};
use entity::{commission, payout, payout_run};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use std::collections::HashSet;

pub(crate) use crate::tenants::{tenant_zone, zone_of};

/// Of approved `clawbacks`, those that net into a payout now: whose
/// original commission is paid, or is among `now_paid` (the payout being
/// made). The others wait for their original, so a partner is never
/// charged for a refund of what it has not been paid.
pub(crate) async fn clawbacks_that_net(
    conn: &impl ConnectionTrait,
    clawbacks: Vec<commission::Model>,
    now_paid: &HashSet<&str>,
) -> ApiResult<Vec<commission::Model>> {
    let mut originals: Vec<String> = clawbacks
        .iter()
        .filter_map(|c| c.original_id.clone())
        .filter(|original| !now_paid.contains(original.as_str()))
        .collect();
    originals.sort();
    originals.dedup();
    let mut paid: HashSet<String> = HashSet::new();
    for chunk in originals.chunks(crate::posting::WRITE_CHUNK) {
        paid.extend(
            commission::Entity::find()
                .select_only()
                .column(commission::Column::Id)
                .filter(commission::Column::Id.is_in(chunk.to_vec()))
                .filter(commission::Column::Status.eq(CommissionStatus::Paid))
                .into_tuple::<String>()
                .all(conn)
                .await?,
        );
    }
    Ok(clawbacks
        .into_iter()
        .filter(|clawback| {
            clawback
                .original_id
                .as_deref()
                .is_some_and(|original| now_paid.contains(original) || paid.contains(original))
        })
        .collect())
}

/// A payout of the tenant.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<payout::Model>> {
    Ok(payout::Entity::find_by_id(id.to_owned())
        .filter(payout::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// What `payouts` lists.
#[derive(Debug, Clone, Default)]
pub struct PayoutFilter {
    pub status: Option<PayoutStatus>,
    pub partner_id: Option<String>,
    pub run_id: Option<String>,
    pub currency: Option<String>,
    /// The partner's money only: no payout to one of the tenant's staff.
    pub partners_money: bool,
}

impl PayoutFilter {
    /// The payouts `policy`'s caller reads, to the partner it names (none:
    /// every partner's it may see): a partner token its own (another
    /// partner's: nothing; the tenant's staff's never), staff with
    /// `commissions:read` what they name.
    pub fn readable(policy: &Policy, named: Option<&str>) -> ApiResult<PayoutFilter> {
        let rows = policy.list(crate::auth::access::Kind::Payout, named)?;
        Ok(PayoutFilter {
            partner_id: rows.partner_filter(),
            partners_money: policy.partners_money_only(),
            ..PayoutFilter::default()
        })
    }
}

/// The tenant's payouts, by the filter.
pub fn list(tenant_id: &str, filter: &PayoutFilter) -> Select<payout::Entity> {
    let mut select = payout::Entity::find().filter(payout::Column::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(payout::Column::Status.eq(status));
    }
    if let Some(partner) = &filter.partner_id {
        select = select.filter(payout::Column::PartnerId.eq(partner.as_str()));
    }
    if let Some(run) = &filter.run_id {
        select = select.filter(payout::Column::RunId.eq(run.as_str()));
    }
    if let Some(currency) = &filter.currency {
        select = select.filter(payout::Column::Currency.eq(currency.as_str()));
    }
    if filter.partners_money {
        select = select.filter(payout::Column::StaffPayee.eq(false));
    }
    select
}

/// A run of the tenant.
pub async fn find_run(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<payout_run::Model>> {
    Ok(payout_run::Entity::find_by_id(id.to_owned())
        .filter(payout_run::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The tenant's runs; `open`: only those with a payout still pending (or
/// only those without).
pub fn list_runs(tenant_id: &str, open: Option<bool>) -> Select<payout_run::Entity> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Expr, Query};
    let select = payout_run::Entity::find().filter(payout_run::Column::TenantId.eq(tenant_id));
    let Some(open) = open else {
        return select;
    };
    let pending = Query::select()
        .expr(Expr::val(1))
        .from(payout::Entity)
        .and_where(
            Expr::col((payout::Entity, payout::Column::RunId))
                .eq(Expr::col((payout_run::Entity, payout_run::Column::Id))),
        )
        .and_where(
            Expr::col((payout::Entity, payout::Column::Status)).eq(PayoutStatus::Pending.as_str()),
        )
        .to_owned();
    match open {
        true => select.filter(Expr::exists(pending)),
        false => select.filter(Expr::exists(pending).not()),
    }
}
