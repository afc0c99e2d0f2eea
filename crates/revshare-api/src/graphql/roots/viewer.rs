//! `viewer`: who the token says the caller is.

use crate::graphql::context::principal;
use crate::graphql::objects::Viewer;
use async_graphql::{Context, Object};
use revshare_core::error::ApiResult;

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who the token is: its role, tenant, scopes and, for a partner token, its
    /// partner.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Viewer> {
        principal(ctx)?;
        Ok(Viewer)
    }
}
