//! Retainers (SPEC §37): a fixed amount on a cadence, made, paused,
//! resumed and ended by staff, read by the partners they pay.

use crate::graphql::connection::ListConnection;
use crate::graphql::context::{db, loader, policy, writer};
use crate::graphql::loaders::load_partner;
use crate::graphql::objects::retainers::{Filter, RetainerCadence, RetainerStatus, retainers_of};
use crate::graphql::objects::{Retainer, Seen as _};
use crate::graphql::payouts::MoneyInput;
use crate::graphql::scalars::Date;
use async_graphql::{Context, ID, InputObject, Object};
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::error::ApiResult;
use revshare_core::retainers::{self as rules, Change, NewRetainer};

/// A new retainer: to a partner or to a group, exactly one.
#[derive(InputObject)]
pub struct CreateRetainerInput {
    /// Its name (at most 200 characters), on each commission's breakdown.
    pub name: String,
    /// What it is for (at most 5,000 characters).
    pub description: Option<String>,
    /// The partner it pays (or `groupId`).
    pub partner_id: Option<ID>,
    /// The group whose active partners it pays, each the amount (or
    /// `partnerId`).
    pub group_id: Option<ID>,
    /// What each period pays each partner, more than 0.
    pub amount: MoneyInput,
    /// How far apart its periods start.
    pub cadence: RetainerCadence,
    /// Its first period's first day in the tenant's zone: today or later
    /// (today: the first period is paid at once).
    pub starts_on: Date,
    /// How many periods (1 to 1,000); omitted: until ended.
    pub periods: Option<i32>,
    /// The campaign its commissions are booked in and mature by; omitted:
    /// the default campaign.
    pub campaign_id: Option<ID>,
}

#[derive(Default)]
pub struct RetainerQuery;

#[Object]
impl RetainerQuery {
    /// A retainer by id (`commissions:read`; a partner token: one paying
    /// it).
    pub async fn retainer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The retainer's id.")] id: ID,
    ) -> ApiResult<Option<Retainer>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Retainer)?;
        let Some(row) = rules::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        if let Some(own) = policy.partner_rows(None).partner() {
            let partner = load_partner(&*loader(ctx)?, own).await?;
            if !rules::pays(&row, &partner) {
                return Ok(None);
            }
        }
        Ok(Retainer::found(policy, row))
    }

    /// The tenant's retainers, oldest first (`commissions:read`); a
    /// partner token: those paying it.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn retainers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's own (not its group's).")] partner_id: Option<ID>,
        #[graphql(desc = "Only this group's.")] group_id: Option<ID>,
        #[graphql(desc = "Only those in this state.")] status: Option<RetainerStatus>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Retainer>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Retainer)?;
        let own = match policy.partner_rows(None).partner() {
            Some(own) => Some(load_partner(&*loader(ctx)?, own).await?),
            None => None,
        };
        let filter = Filter {
            partner_id: partner_id.as_ref().map(|id| id.as_str()),
            group_id: group_id.as_ref().map(|id| id.as_str()),
            status,
            paying: own.as_ref().map(|p| (p.id.as_str(), p.group_id.as_str())),
        };
        retainers_of(ctx, filter, first, after).await
    }
}

#[derive(Default)]
pub struct RetainerMutation;

#[Object]
impl RetainerMutation {
    /// Makes a retainer (`commissions:write`): each period, as it falls
    /// due at 00:00 of its first day in the tenant's zone, one `RETAINER`
    /// commission of the amount to its partner, or to each active partner
    /// of its group who joined by then.
    async fn create_retainer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The retainer.")] input: CreateRetainerInput,
    ) -> ApiResult<Retainer> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let new = NewRetainer {
            name: input.name,
            description: input.description,
            partner_id: input.partner_id.map(|id| id.0),
            group_id: input.group_id.map(|id| id.0),
            amount: input.amount.amount.value("input.amount.amount")?,
            currency: input.amount.currency,
            cadence: input.cadence.into(),
            starts_on: input.starts_on.0,
            periods: input.periods,
            campaign_id: input.campaign_id.map(|id| id.0),
        };
        let row = rules::create(db(ctx)?, principal.tenant_id(), new).await?;
        Retainer::shown(ctx, row)
    }

    /// Pauses an `ACTIVE` retainer (`commissions:write`): what fell due
    /// before is written; what falls due while paused is skipped for good.
    async fn pause_retainer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The retainer.")] id: ID,
    ) -> ApiResult<Retainer> {
        changed(ctx, &id, Change::Pause).await
    }

    /// Resumes a `PAUSED` retainer (`commissions:write`): it pays from the
    /// next period to fall due.
    async fn resume_retainer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The retainer.")] id: ID,
    ) -> ApiResult<Retainer> {
        changed(ctx, &id, Change::Resume).await
    }

    /// Ends a retainer (`commissions:write`): nothing later is paid; what
    /// was written is kept.
    async fn end_retainer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The retainer.")] id: ID,
    ) -> ApiResult<Retainer> {
        changed(ctx, &id, Change::End).await
    }
}

async fn changed(ctx: &Context<'_>, id: &ID, change: Change) -> ApiResult<Retainer> {
    let principal = writer(ctx, Scope::CommissionsWrite)?;
    let row = rules::change(db(ctx)?, principal.tenant_id(), id, change).await?;
    Retainer::shown(ctx, row)
}
