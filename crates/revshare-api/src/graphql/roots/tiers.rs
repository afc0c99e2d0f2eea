//! Tiered commissions: queries and mutations (SPEC §9, §10). Tiers are
//! read with `tiered_commissions:read` and written with
//! `tiered_commissions:write`.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, policy, principal, writer};
use crate::graphql::enums::TierStatus;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::TieredCommission;
use crate::graphql::tiers::TieredCommissionInput;
use async_graphql::{Context, ID, Object};
use entity::tiered_commission;
use revshare_core::auth::Scope;
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::tiers;

#[derive(Default)]
pub struct TierQuery;

#[Object]
impl TierQuery {
    /// A tier by id.
    pub(crate) async fn tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier's id.")] id: ID,
    ) -> ApiResult<Option<TieredCommission>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::TieredCommission)?;
        Ok(tiers::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .and_then(TieredCommission::for_caller(policy(ctx)?)))
    }

    /// The tenant's tiers, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn tiered_commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tiers in this status.")] status: Option<TierStatus>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<TieredCommission>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::TieredCommission)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = tiers::list(principal.tenant_id(), status.map(Into::into));
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                tiered_commission::Column::Id,
            ),
            TieredCommission::for_caller(policy(ctx)?),
        )
        .await
    }
}

#[derive(Default)]
pub struct TierMutation;

#[Object]
impl TierMutation {
    /// Creates a tier. It takes effect on events from its start date.
    async fn create_tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier to create.")] input: TieredCommissionInput,
    ) -> ApiResult<TieredCommission> {
        let principal = writer(ctx, Scope::TieredCommissionsWrite)?;
        let tier = tiers::create(db(ctx)?, principal.tenant_id(), input.into_new()?).await?;
        Ok(TieredCommission::shown(ctx, tier)?)
    }

    /// Replaces every field of a tier. Progress so far stays (a period
    /// reached stays reached); the new terms apply from the next event.
    async fn update_tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier's id.")] id: ID,
        #[graphql(desc = "Every field of the tier, replaced.")] input: TieredCommissionInput,
    ) -> ApiResult<TieredCommission> {
        let principal = writer(ctx, Scope::TieredCommissionsWrite)?;
        let tier = tiers::update(db(ctx)?, principal.tenant_id(), &id, input.into_new()?).await?;
        Ok(TieredCommission::shown(ctx, tier)?)
    }
}
