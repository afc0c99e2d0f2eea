//! Reports (SPEC §17): the commission series, the leaderboard and the
//! program's totals; a partner's rank is `Partner.rank`.
//!
//! Who may read what: staff with `commissions:read` read the tenant's; a
//! partner token reads its own series only (`partnerId` is its own, or
//! omitted) and no leaderboard, only its rank.

use crate::graphql::context::{db, loader, policy};
use crate::graphql::loaders::PartnerId;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::reports::{
    CommissionStat, PartnerAmount, checked_currency, range, zone,
};
use crate::graphql::objects::{Balance, Partner};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, Enum, ID, Object};
use entity::enums::CommissionStatus;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::reports::{self, Interval, StatFilter};

/// The length of a series' intervals, each starting at midnight in the
/// tenant's time zone.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum StatInterval {
    /// A calendar day (23 or 25 hours across a DST change).
    Day,
    /// An ISO week, from Monday.
    Week,
    /// A calendar month.
    Month,
}

impl From<StatInterval> for Interval {
    fn from(interval: StatInterval) -> Interval {
        match interval {
            StatInterval::Day => Interval::Day,
            StatInterval::Week => Interval::Week,
            StatInterval::Month => Interval::Month,
        }
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Commissions and events by interval over `[from, to)`: every interval
    /// the range touches, whole, for each currency (zeros included). The
    /// sum over any range of whole intervals equals what `commissions`
    /// lists for it. A partner token reads its own series.
    #[allow(clippy::too_many_arguments)]
    async fn commission_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The length of each interval: a day, an ISO week or a month in the tenant's time zone."
        )]
        interval: StatInterval,
        #[graphql(desc = "The series starts with the interval holding this instant.")]
        from: DateTime,
        #[graphql(desc = "The series ends with the interval holding the instant before this one.")]
        to: DateTime,
        #[graphql(desc = "Only this partner's figures (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(desc = "Only this campaign's figures.")] campaign_id: Option<ID>,
        #[graphql(desc = "Only the figures of the partners in this group now.")] group_id: Option<
            ID,
        >,
        #[graphql(
            desc = "Only this currency (ISO 4217); omitted: every currency with a figure in the range."
        )]
        currency: Option<String>,
    ) -> ApiResult<Vec<CommissionStat>> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let named = partner_id.as_ref().map(|p| p.as_str());
        let filter = StatFilter {
            campaign_id: campaign_id.map(|c| c.0),
            group_id: group_id.map(|g| g.0),
            currency: currency
                .map(|c| checked_currency("currency", &c).map(|c| c.code().to_owned()))
                .transpose()?,
            ..StatFilter::readable(policy, named)?
        };
        let range = range(from, to)?;
        let zone = zone(ctx, principal).await?;
        let fallback = principal.tenant.currency.code();
        let series = reports::series(
            db(ctx)?.conn(),
            principal.tenant_id(),
            &zone,
            interval.into(),
            range,
            &filter,
            fallback,
        )
        .await?;
        series.into_iter().map(CommissionStat::from_stat).collect()
    }

    /// The partners who earned most over `[from, to)`'s days in
    /// `currency`, most first (ties by id): staff only.
    async fn top_partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day counted holds this instant.")] from: DateTime,
        #[graphql(desc = "The last day counted holds the instant before this one.")] to: DateTime,
        #[graphql(desc = "The currency partners are ranked in (ISO 4217).")] currency: String,
        #[graphql(default = 10, desc = "How many partners, 1 to 100 (10 by default).")] first: i32,
    ) -> ApiResult<Vec<PartnerAmount>> {
        let policy = policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::Leaderboard)?;
        let principal = policy.principal();
        if !(1..=reports::MAX_TOP as i32).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 1 and {}", reports::MAX_TOP),
            ));
        }
        let currency = checked_currency("currency", &currency)?;
        let range = range(from, to)?;
        let zone = zone(ctx, principal).await?;
        let conn = db(ctx)?.conn();
        let top = reports::top_partners(
            conn,
            principal.tenant_id(),
            &zone,
            range,
            currency.code(),
            first as u64,
        )
        .await?;
        // The partners in one statement.
        let keys: Vec<PartnerId> = top.iter().map(|(id, _)| PartnerId(id.clone())).collect();
        let found = loader(ctx)?.load_many(keys).await?;
        top.into_iter()
            .map(|(partner_id, amount)| {
                let partner = found
                    .get(&PartnerId(partner_id.clone()))
                    .cloned()
                    .ok_or_else(|| ApiError::internal("partner", &partner_id))?;
                Ok(PartnerAmount {
                    partner: Partner::shown(ctx, partner)?,
                    amount: Decimal::from(currency.from_minor(amount)),
                    currency: currency.code().to_owned(),
                })
            })
            .collect()
    }

    /// The whole program's commissions per currency: accrued, approved
    /// (net of clawbacks) and paid, whoever they pay. Staff only. With
    /// `currency`, one balance: every currency's totals converted into it
    /// at the latest rates (on or within 7 days before today, `rateDay`
    /// the oldest day used), each status's sum rounded once; a currency
    /// with no such rate is `CONFLICT` naming it.
    async fn program_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Convert every total into this currency (ISO 4217).")] currency: Option<
            String,
        >,
    ) -> ApiResult<Vec<Balance>> {
        let policy = policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::ProgramTotals)?;
        let conn = db(ctx)?.conn();
        let rows = reports::program_totals(conn, policy.tenant_id()).await?;
        let rows: Vec<(String, CommissionStatus, i64)> = rows
            .into_iter()
            .map(|(currency, status, amount_minor, _)| (currency, status, amount_minor))
            .collect();
        let Some(target) = currency else {
            return crate::graphql::objects::balances(rows);
        };
        let converted = reports::converted_totals(conn, policy.tenant_id(), &target, &rows).await?;
        let mut balances = crate::graphql::objects::balances(converted.totals)?;
        if balances.is_empty() {
            balances = crate::graphql::objects::balances(vec![(
                target.clone(),
                CommissionStatus::Accrued,
                0,
            )])?;
        }
        for balance in &mut balances {
            balance.rate_day = converted.day.map(crate::graphql::scalars::Date);
        }
        Ok(balances)
    }
}
