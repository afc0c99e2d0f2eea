//! The reports' objects (SPEC §17): a series' intervals, the
//! leaderboard's rows and a partner's rank.

use super::Partner;
use crate::graphql::context::db;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, SimpleObject};
use revshare_core::auth::Principal;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::reports::{self, Stat};
use revshare_core::posting::stats::Measure;
use revshare_engine::Currency;

/// One interval of the series in one currency. A commission counts in the
/// interval of its `accruedAt`, in the column of its current status (a
/// clawback in `clawedBack`, negative); an event in the interval of its
/// `occurredAt`.
#[derive(SimpleObject)]
pub struct CommissionStat {
    /// When the interval starts: midnight in the tenant's time zone.
    pub start: DateTime,
    /// The currency of these figures.
    pub currency: String,
    /// Commissions accrued and not yet approved.
    pub accrued: Decimal,
    /// Approved, not yet paid.
    pub approved: Decimal,
    /// Commissions paid now, accrued in the interval.
    pub paid: Decimal,
    /// Reversed before payment.
    pub reversed: Decimal,
    /// Clawbacks of refunds and chargebacks (negative).
    pub clawed_back: Decimal,
    /// The events' amounts.
    pub revenue: Decimal,
    /// The commission rows, every status and clawbacks included.
    pub commissions: i64,
    /// Events recorded: sales, leads, deal moves and payments.
    pub events: i64,
}

impl CommissionStat {
    pub(crate) fn from_stat(stat: Stat) -> ApiResult<CommissionStat> {
        let currency = Currency::parse(&stat.currency)
            .map_err(|e| ApiError::internal("stored currency", e))?;
        let money = |m| Decimal::from(currency.from_minor(stat.amount(m)));
        let commissions = Measure::ALL
            .into_iter()
            .filter(|m| *m != Measure::Events)
            .map(|m| stat.count(m))
            .sum();
        Ok(CommissionStat {
            start: DateTime::from(stat.start),
            accrued: money(Measure::Accrued),
            approved: money(Measure::Approved),
            paid: money(Measure::Paid),
            reversed: money(Measure::Reversed),
            clawed_back: money(Measure::ClawedBack),
            revenue: money(Measure::Events),
            commissions,
            events: stat.count(Measure::Events),
            currency: stat.currency,
        })
    }
}

/// A partner and what it earned in a range: accrued, approved and paid,
/// net of clawbacks.
#[derive(SimpleObject)]
pub struct PartnerAmount {
    /// The partner.
    pub partner: Partner,
    /// What it earned in the range.
    pub amount: Decimal,
    /// The currency ranked in.
    pub currency: String,
}

/// A partner's place among the tenant's partners for a range.
#[derive(SimpleObject)]
pub struct PartnerRank {
    /// 1 for the partner who earned most; partners who earned the same
    /// share a rank.
    pub rank: i64,
    /// What it earned: accrued, approved and paid, net of clawbacks.
    pub amount: Decimal,
    /// How many partners earned anything in the range.
    pub partners: i64,
}

/// A checked range `[from, to)`.
pub(crate) fn range(
    from: DateTime,
    to: DateTime,
) -> ApiResult<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    Ok((from.value("from")?, to.value("to")?))
}

/// A currency a client named, in any case.
pub(crate) fn checked_currency(field: &str, code: &str) -> ApiResult<Currency> {
    Currency::parse(&code.to_uppercase()).map_err(|e| ApiError::bad_input(field, e.to_string()))
}

/// The zone the tenant's series are kept in.
pub(crate) async fn zone(ctx: &Context<'_>, principal: &Principal) -> ApiResult<String> {
    reports::zone_of(db(ctx)?.conn(), principal.tenant_id()).await
}

/// `Partner.rank`: the partner's rank over `[from, to)`'s days in
/// `currency`, through the request's loader: the ranks of many partners
/// (an `_entities` of many, aliases) read together, one window's earnings
/// once.
pub async fn rank_of(
    ctx: &Context<'_>,
    partner_id: &str,
    from: DateTime,
    to: DateTime,
    currency: String,
) -> ApiResult<PartnerRank> {
    let currency = checked_currency("currency", &currency)?;
    let (from, to) = range(from, to)?;
    if to <= from {
        return Err(ApiError::bad_input("to", "must be after `from`"));
    }
    let key = crate::graphql::loaders::RankIn {
        partner_id: partner_id.to_owned(),
        from,
        to,
        currency: currency.code().to_owned(),
    };
    let (rank, amount, partners) = crate::graphql::context::loader(ctx)?
        .load_one(key)
        .await?
        .ok_or_else(|| ApiError::internal("rank", partner_id))?;
    Ok(PartnerRank {
        rank: rank as i64,
        amount: Decimal::from(currency.from_minor(amount)),
        partners: partners as i64,
    })
}
