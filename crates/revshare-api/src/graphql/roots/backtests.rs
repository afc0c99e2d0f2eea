//! Backtests (SPEC §23): one proposed change replayed over a range of
//! recorded events; admins, and staff with `commissions:read` and the
//! changed object's read scope. A partner never starts or reads one.

use crate::graphql::connection::{Connection, TotalCount};
use crate::graphql::context::{db, forget_reads, policy as caller_policy};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Partner, money};
use crate::graphql::plans::CommissionPlanInput;
use crate::graphql::roots::deals::new_plan;
use crate::graphql::rules::{GroupRuleInput, rule_set};
use crate::graphql::scalars::{DateTime, Decimal};
use crate::graphql::tiers::TieredCommissionInput;
use async_graphql::connection::Edge;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{backtest, partner};
use revshare_core::auth::Principal;
use revshare_core::auth::access::{Column as C, Kind, Policy};
use revshare_core::auth::visible::Visible;
use revshare_core::backtests::{self, NewBacktest, Proposal};
use revshare_core::error::{ApiError, ApiResult};
use std::sync::Arc;

/// A range of recorded events and one proposed change to replay them
/// under: a group's rules (`groupId` and `rules`), a campaign's rules
/// (`campaignId` and `rules`), a deal plan (`plan`, in place of `planId`
/// or new) or a tier (`tier`, in place of `tieredCommissionId` or new).
/// `groupId`, `campaignId`, `planId` or `tieredCommissionId` alone
/// replays the terms as they are — every difference 0.00, the check that
/// the replay is faithful.
#[derive(InputObject)]
pub struct StartBacktestInput {
    /// The range's start: events that occurred at or after it.
    pub from: DateTime,
    /// The range's end: events that occurred before it.
    pub to: DateTime,
    /// The group whose rules change.
    pub group_id: Option<ID>,
    /// The proposed rules of the group or campaign.
    pub rules: Option<Vec<GroupRuleInput>>,
    /// The campaign whose rules change.
    pub campaign_id: Option<ID>,
    /// The deal plan `plan` replaces.
    pub plan_id: Option<ID>,
    /// The proposed deal plan, checked as `createCommissionPlan` checks
    /// it: each deal of the range is replayed as if it had been in force
    /// when the deal froze its terms (docs/backtesting.md).
    pub plan: Option<CommissionPlanInput>,
    /// The tier `tier` replaces.
    pub tiered_commission_id: Option<ID>,
    /// The proposed tier, checked as `createTieredCommission` checks it.
    pub tier: Option<TieredCommissionInput>,
    /// Only these partners' figures (1–1000 ids; every partner's when
    /// omitted).
    pub partner_ids: Option<Vec<ID>>,
}

/// The order of a backtest's partners within each currency.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum BacktestPartnerOrder {
    /// Largest increase first.
    #[default]
    DifferenceDesc,
    /// Largest decrease first.
    DifferenceAsc,
}

/// A replay of a range of recorded events under one proposed change.
pub struct Backtest(pub Visible<backtest::Model>);

/// What a currency's commissions come to, as recorded and as proposed.
#[derive(SimpleObject)]
pub struct BacktestTotal {
    /// ISO 4217.
    pub currency: String,
    /// What the ledger holds for the range's events now: commissions as
    /// written, a reversed one 0.00, a clawback its negative amount.
    pub before: Decimal,
    /// What the same events would have earned under the change.
    pub after: Decimal,
    /// `after − before`.
    pub difference: Decimal,
}

/// One partner's figures in one currency.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct BacktestPartner {
    #[graphql(skip)]
    pub partner_id: String,
    #[graphql(skip)]
    pub partner: Option<Arc<partner::Model>>,
    /// ISO 4217.
    pub currency: String,
    /// What the ledger holds for the partner's events of the range now.
    pub before: Decimal,
    /// What they would have earned under the change.
    pub after: Decimal,
    /// `after − before`.
    pub difference: Decimal,
    /// The partner's events in the range.
    pub events: i64,
}

#[ComplexObject]
impl BacktestPartner {
    /// The partner.
    async fn partner(&self, ctx: &Context<'_>) -> Option<Partner> {
        self.partner
            .clone()
            .and_then(|row| Partner::seen_in(ctx, row))
    }

    /// The partner's id.
    async fn partner_id(&self) -> ID {
        ID(self.partner_id.clone())
    }
}

/// A page of a backtest's partners.
pub type BacktestPartnerConnection = Connection<BacktestPartner, TotalCount>;

/// A replay of a range of recorded events under one proposed change
/// (SPEC §23): what the ledger holds for them and what they would have
/// earned, per partner and currency; kept 7 days.
#[Object]
impl Backtest {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Where it stands.
    async fn status(&self) -> ApiResult<crate::graphql::enums::BacktestStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// How far the replay is, from 0 to 1 (1 once it ended).
    async fn progress(&self) -> ApiResult<f64> {
        let row = self.0.read(C::Row)?;
        Ok(backtests::progress(row))
    }

    /// The range's events.
    async fn events(&self) -> ApiResult<i64> {
        let row = self.0.read(C::Row)?;
        Ok(row.events)
    }

    /// The range's start (included).
    async fn from(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(DateTime::from(row.range_from))
    }

    /// The range's end (excluded).
    async fn to(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(DateTime::from(row.range_to))
    }

    /// When it was started.
    async fn started_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(DateTime::from(row.started_at))
    }

    /// When it finished, failed or was cancelled.
    async fn finished_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.finished_at.map(DateTime::from))
    }

    /// Why it failed, in words for the operator.
    async fn error(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.error.as_deref())
    }

    /// When it is deleted: 7 days after it started.
    async fn expires_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(DateTime::from(row.expires_at))
    }

    /// Each currency's totals, by currency (empty until it is done).
    async fn totals(&self, ctx: &Context<'_>) -> ApiResult<Vec<BacktestTotal>> {
        let row = self.0.read(C::Row)?;
        let totals = backtests::results::totals(db(ctx)?.conn(), &row.id).await?;
        totals
            .into_iter()
            .map(|total| {
                let currency = total.currency;
                Ok(BacktestTotal {
                    before: money(total.before, &currency)?,
                    after: money(total.after, &currency)?,
                    difference: money(total.after - total.before, &currency)?,
                    currency,
                })
            })
            .collect()
    }

    /// Every partner with events in the range, one row per partner and
    /// currency (an unaffected one at 0.00), by currency and then by
    /// difference (empty until it is done).
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor of the row before the page.")] after: Option<String>,
        #[graphql(desc = "The order within a currency.", default)] order_by: BacktestPartnerOrder,
    ) -> ApiResult<BacktestPartnerConnection> {
        let size = match first {
            None => 50,
            Some(n @ 1..=100) => n as u64,
            Some(_) => return Err(ApiError::bad_input("first", "must be between 1 and 100")),
        };
        let desc = order_by == BacktestPartnerOrder::DifferenceDesc;
        let row = self.0.read(C::Row)?;
        let page = backtests::results::partners(
            db(ctx)?.conn(),
            &row.tenant_id,
            &row.id,
            size,
            after.as_deref(),
            desc,
        )
        .await?;
        let (partners, rows) = (page.partners, page.rows);
        let total = TotalCount::known(page.total);
        let mut connection = Connection::new(after.is_some(), page.has_next, total);
        for row in rows {
            let cursor = backtests::results::cursor(&row);
            connection.edges.push(Edge::new(
                cursor,
                BacktestPartner {
                    partner: partners.get(&row.partner_id).cloned(),
                    before: money(row.before_minor, &row.currency)?,
                    after: money(row.after_minor, &row.currency)?,
                    difference: money(row.difference_minor, &row.currency)?,
                    events: row.events,
                    partner_id: row.partner_id,
                    currency: row.currency,
                },
            ));
        }
        Ok(connection)
    }
}

/// Whether the caller reads backtests of `change`: who finds backtests
/// (`commissions:read`) and finds the object changed.
fn may_read(policy: &Policy, change: &revshare_core::backtests::change::Change) -> ApiResult<()> {
    policy.finds(Kind::Backtest)?;
    policy.finds(change.changed()).map(drop)
}

/// A backtest the caller may read, or none.
pub(crate) fn readable(policy: &Policy, row: backtest::Model) -> ApiResult<Option<Backtest>> {
    if row.tenant_id != policy.tenant_id() {
        return Ok(None);
    }
    let change = backtests::change_of(&row)?;
    match may_read(policy, &change) {
        Ok(()) => Ok(Visible::new(policy, row).map(Backtest)),
        Err(_) => Ok(None),
    }
}

#[derive(Default)]
pub struct BacktestQuery;

#[Object]
impl BacktestQuery {
    /// A backtest, kept 7 days; null when there is none the caller may
    /// read.
    async fn backtest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The backtest's id.")] id: ID,
    ) -> ApiResult<Option<Backtest>> {
        let policy = caller_policy(ctx)?;
        policy.finds(Kind::Backtest)?;
        match backtests::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? {
            Some(row) => readable(policy, row),
            None => Ok(None),
        }
    }
}

#[derive(Default)]
pub struct BacktestMutation;

#[Object]
impl BacktestMutation {
    /// Replays the events that occurred in `[from, to)` under one proposed
    /// change, writing nothing to the ledger (admins, or `commissions:read`
    /// with the changed object's read scope). Up to 10,000 events it
    /// answers `DONE`; beyond, `RUNNING` in the background (one at a time
    /// per program; `CONFLICT` while one runs), with `progress` and a
    /// `BACKTEST_FINISHED` event when it ends.
    async fn start_backtest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The range and the change.")] mut input: StartBacktestInput,
    ) -> ApiResult<Backtest> {
        let policy = caller_policy(ctx)?;
        let (from, to) = (input.from, input.to);
        let partner_ids = input.partner_ids.take();
        let proposal = proposal(input, policy.principal())?;
        policy.finds(Kind::Backtest)?;
        policy.finds(proposal.changed())?;
        forget_reads(ctx)?;
        let new = NewBacktest {
            from: from.value("input.from")?,
            to: to.value("input.to")?,
            proposal,
            partner_ids: partner_ids.map(|ids| ids.into_iter().map(|id| id.0).collect()),
        };
        let actor = policy.principal().subject.clone();
        let inline = ctx.data::<backtests::Inline>().copied().unwrap_or_default();
        let wake = ctx.data::<backtests::Wake>().cloned().unwrap_or_default();
        let row =
            backtests::start(db(ctx)?, policy.tenant_id(), &actor, new, inline, &wake).await?;
        Visible::new(policy, row)
            .map(Backtest)
            .ok_or_else(|| ApiError::not_found("backtest"))
    }

    /// Cancels a running backtest (who may start it); `CONFLICT` once it
    /// has ended.
    async fn cancel_backtest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The backtest's id.")] id: ID,
    ) -> ApiResult<Backtest> {
        let policy = caller_policy(ctx)?;
        policy.finds(Kind::Backtest)?;
        let found = backtests::find(db(ctx)?.conn(), policy.tenant_id(), &id).await?;
        let Some(row) = found
            .map(|row| readable(policy, row))
            .transpose()?
            .flatten()
        else {
            return Err(ApiError::not_found("backtest"));
        };
        forget_reads(ctx)?;
        let id = row.0.read(C::Row)?.id.clone();
        let row = backtests::cancel(db(ctx)?, policy.tenant_id(), &id).await?;
        Visible::new(policy, row)
            .map(Backtest)
            .ok_or_else(|| ApiError::not_found("backtest"))
    }
}

/// The one change the input names.
fn proposal(input: StartBacktestInput, principal: &Principal) -> ApiResult<Proposal> {
    let named: Vec<&str> = [
        input.group_id.as_ref().map(|_| "input.groupId"),
        input.campaign_id.as_ref().map(|_| "input.campaignId"),
        (input.plan_id.is_some() || input.plan.is_some()).then_some("input.plan"),
        (input.tiered_commission_id.is_some() || input.tier.is_some()).then_some("input.tier"),
    ]
    .into_iter()
    .flatten()
    .collect();
    match named.as_slice() {
        [] if input.rules.is_some() => {
            return Err(ApiError::bad_input(
                "input.rules",
                "are a group's or a campaign's: give groupId or campaignId",
            ));
        }
        [] => {
            return Err(ApiError::bad_input(
                "input",
                "names no change: give groupId or campaignId (with rules), plan or tier (alone or in place of planId or tieredCommissionId); an id alone replays the terms as they are",
            ));
        }
        [_] => {}
        [_, second, ..] => {
            return Err(ApiError::bad_input(
                *second,
                "a backtest replays one change: give one of groupId, campaignId, plan and tier",
            ));
        }
    }
    let rules = input
        .rules
        .map(|rules| rule_set("input.rules", rules))
        .transpose()?;
    if let Some(group_id) = input.group_id {
        return Ok(Proposal::GroupRules {
            group_id: group_id.0,
            rules,
        });
    }
    if let Some(campaign_id) = input.campaign_id {
        return Ok(Proposal::CampaignRules {
            campaign_id: campaign_id.0,
            rules,
        });
    }
    if rules.is_some() {
        return Err(ApiError::bad_input(
            "input.rules",
            "are a group's or a campaign's: give groupId or campaignId",
        ));
    }
    if input.plan_id.is_some() || input.plan.is_some() {
        let plan = input
            .plan
            .map(|plan| new_plan(plan, principal, "input.plan"))
            .transpose()
            .map_err(|err| backtests::under(err, "input.plan."))?;
        return Ok(Proposal::Plan {
            id: input.plan_id.map(|id| id.0),
            plan,
        });
    }
    let tier = match input.tier {
        Some(tier) => Some(
            tier.into_new()
                .map_err(|err| backtests::under(err, "input.tier."))?,
        ),
        None => None,
    };
    Ok(Proposal::Tier {
        id: input.tiered_commission_id.map(|id| id.0),
        tier,
    })
}
