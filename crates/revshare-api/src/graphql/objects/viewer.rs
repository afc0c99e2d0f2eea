//! Fields of the caller.

use super::{Partner, Seen, Tenant, Viewer};
use crate::graphql::context::{db, policy, principal};
use crate::graphql::enums::Role;
use async_graphql::{Context, ID, Object};
use revshare_core::directory::partners;
use revshare_core::error::ApiResult;

/// The caller of this request.
#[Object]
impl Viewer {
    /// The token's `sub`.
    async fn subject(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(principal(ctx)?.subject.clone())
    }

    /// What the token acts as.
    async fn role(&self, ctx: &Context<'_>) -> ApiResult<Role> {
        Ok(principal(ctx)?.role.into())
    }

    /// The tenant the token belongs to.
    async fn tenant_id(&self, ctx: &Context<'_>) -> ApiResult<ID> {
        Ok(ID(principal(ctx)?.tenant.id.clone()))
    }

    /// The tenant's name.
    async fn tenant_name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(principal(ctx)?.tenant.name.clone())
    }

    /// The tenant, with its time zone.
    async fn tenant(&self, ctx: &Context<'_>) -> ApiResult<Tenant> {
        Tenant::shown(ctx, principal(ctx)?.tenant.as_ref().clone())
    }

    /// The tenant's currency, the default for simulations and campaigns.
    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(principal(ctx)?.tenant.currency.code().to_owned())
    }

    /// Every scope the caller holds (all of them for an admin).
    async fn scopes(&self, ctx: &Context<'_>) -> ApiResult<Vec<&'static str>> {
        Ok(principal(ctx)?.scope_names())
    }

    /// The messages the caller has not read (SPEC §35): a partner token,
    /// the program's to it; staff (`partners:read`), every partner's to
    /// the program.
    async fn unread_messages(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let own = policy(ctx)?.partner_rows(None).partner().map(str::to_owned);
        super::messages::unread_for(ctx, own.as_deref()).await
    }

    /// The partner a partner token acts for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let policy = policy(ctx)?;
        let Some(id) = policy.partner_rows(None).partner().map(str::to_owned) else {
            return Ok(None);
        };
        Ok(partners::find(db(ctx)?.conn(), policy.tenant_id(), &id)
            .await?
            .and_then(|row| Partner::seen(policy, row.into())))
    }
}
