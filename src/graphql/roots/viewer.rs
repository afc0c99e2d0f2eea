//! `viewer`: who the token says the caller is.

use crate::error::ApiResult;
use crate::graphql::context::principal;
use crate::graphql::objects::Viewer;
use async_graphql::{Context, Object};

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Viewer> {
        principal(ctx)?;
        Ok(Viewer)
    }
}
