//! Fields of payout runs: the payouts a run made, the partners it carried
//! over and why, its files.

use super::{Money, Partner, Payout, PayoutRun, Seen, SkippedPartner};
use crate::graphql::context::{loader, policy};
use crate::graphql::enums::{PayoutRunStatus, SkipReason};
use crate::graphql::loaders::{PayoutsOfRun, SkipsOfRun, load_partner};
use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, ID, Object};
use entity::enums::PayoutStatus as Stored;
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use std::collections::BTreeMap;

/// Everyone owed up to a day, paid in one go: the payouts it made and the
/// partners it carried over.
#[Object]
impl PayoutRun {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The last day it pays for, in the tenant's time zone.
    async fn period_end(&self) -> ApiResult<Date> {
        let row = self.0.read(C::Row)?;
        Date::from_text(&row.period_end)
            .ok_or_else(|| ApiError::internal("run period end", &row.period_end))
    }

    /// The end of that day: it paid what was accrued before this instant.
    async fn cutoff(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.cutoff.into())
    }

    /// The one currency it paid (none: every currency).
    async fn currency(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.currency.as_deref())
    }

    /// `OPEN` while one of its payouts is pending.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<PayoutRunStatus> {
        let payouts = self.payouts_of(ctx).await?;
        Ok(match payouts.iter().any(|p| p.status == Stored::Pending) {
            true => PayoutRunStatus::Open,
            false => PayoutRunStatus::Closed,
        })
    }

    /// Its payouts, in statement order.
    async fn payouts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Payout>> {
        Ok(Payout::all(policy(ctx)?, self.payouts_of(ctx).await?))
    }

    /// The partners it carried over, and why.
    async fn skipped(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkippedPartner>> {
        let row = self.0.read(C::Row)?;
        let skips = loader(ctx)?
            .load_one(SkipsOfRun(row.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(SkippedPartner::all(policy(ctx)?, skips))
    }

    /// What its payouts pay, per currency: pending and paid ones (a failed
    /// payout pays nothing; its commissions wait for the next run).
    async fn total(&self, ctx: &Context<'_>) -> ApiResult<Vec<Money>> {
        let mut sums: BTreeMap<String, i64> = BTreeMap::new();
        let paying = self.payouts_of(ctx).await?.into_iter();
        for payout in paying.filter(|p| p.status != Stored::Failed) {
            *sums.entry(payout.currency).or_default() += payout.amount_minor;
        }
        sums.into_iter()
            .map(|(currency, minor)| Money::of(minor, &currency))
            .collect()
    }

    /// The token `sub` that made it.
    async fn created_by(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.created_by)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }
}

impl PayoutRun {
    async fn payouts_of(&self, ctx: &Context<'_>) -> ApiResult<Vec<entity::payout::Model>> {
        let row = self.0.read(C::Row)?;
        Ok(loader(ctx)?
            .load_one(PayoutsOfRun(row.id.clone()))
            .await?
            .unwrap_or_default())
    }
}

/// A partner's balance in one currency that a run carried over.
#[Object]
impl SkippedPartner {
    /// The partner carried over.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// Why it was not paid.
    async fn reason(&self) -> ApiResult<SkipReason> {
        let row = self.0.read(C::Row)?;
        Ok(row.reason.into())
    }

    /// Its net balance then: approved commissions less the clawbacks that
    /// net against them.
    async fn balance(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.amount_minor, &row.currency)
    }
}
