//! revshare as a subgraph of a supergraph (SPEC §27): the entities a
//! gateway resolves here by key — `Partner` by `id` and by `externalId`,
//! `Customer` by `externalId`, `Commission` and `Campaign` by `id`.
//!
//! Each key is read through the request's loaders, so a gateway's
//! `_entities` with any number of representations costs one statement per
//! type; and each is shown as `node(id:)` shows it — exactly what the
//! type's own query answers the caller: a partner token resolves only its
//! own rows, another's (or one of a type its scopes do not read) is
//! `null`, never an error that tells it exists.

use crate::graphql::context::{loader, policy};
use crate::graphql::loaders::{
    CampaignSeenBy, CommissionId, CustomerExternalId, PartnerExternalId, PartnerId,
};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Campaign, Commission, Customer, Partner};
use async_graphql::{Context, ID, Object};
use revshare_core::auth::access::Kind;
use revshare_core::error::{ApiError, ApiResult};

/// A refusal for the caller's scopes read as nothing to show.
fn shown<T>(answer: ApiResult<Option<T>>) -> ApiResult<Option<T>> {
    match answer {
        Err(ApiError::Forbidden(_)) => Ok(None),
        other => other,
    }
}

#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    #[graphql(entity)]
    async fn find_partner_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Partner>> {
        shown(
            async {
                let policy = policy(ctx)?;
                policy.looks_up(revshare_core::auth::access::Kind::Partner)?;
                let found = loader(ctx)?.load_one(PartnerId(id.to_string())).await?;
                Ok(found.and_then(|row| Partner::found(policy, row)))
            }
            .await,
        )
    }

    #[graphql(entity)]
    async fn find_partner_by_external_id(
        &self,
        ctx: &Context<'_>,
        external_id: String,
    ) -> ApiResult<Option<Partner>> {
        shown(
            async {
                let policy = policy(ctx)?;
                policy.looks_up(revshare_core::auth::access::Kind::Partner)?;
                let Some(found) = loader(ctx)?
                    .load_one(PartnerExternalId(external_id))
                    .await?
                else {
                    return Ok(None);
                };
                Ok(Partner::found(policy, found))
            }
            .await,
        )
    }

    #[graphql(entity)]
    async fn find_customer_by_external_id(
        &self,
        ctx: &Context<'_>,
        external_id: String,
    ) -> ApiResult<Option<Customer>> {
        shown(
            async {
                let policy = policy(ctx)?;
                policy.looks_up(revshare_core::auth::access::Kind::Customer)?;
                let Some(found) = loader(ctx)?
                    .load_one(CustomerExternalId(external_id))
                    .await?
                else {
                    return Ok(None);
                };
                Ok(Customer::found(policy, found))
            }
            .await,
        )
    }

    #[graphql(entity)]
    async fn find_commission_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<Commission>> {
        shown(
            async {
                let policy = policy(ctx)?;
                policy.looks_up(Kind::Commission)?;
                let Some(row) = loader(ctx)?.load_one(CommissionId(id.to_string())).await? else {
                    return Ok(None);
                };
                Ok(Commission::found(policy, row))
            }
            .await,
        )
    }

    #[graphql(entity)]
    async fn find_campaign_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Campaign>> {
        shown(
            async {
                let rows = policy(ctx)?.list(revshare_core::auth::access::Kind::Campaign, None)?;
                let partner = match rows {
                    revshare_core::auth::access::Rows::Tenant => None,
                    revshare_core::auth::access::Rows::Partner(partner) => Some(partner),
                    revshare_core::auth::access::Rows::Nothing => return Ok(None),
                };
                let key = CampaignSeenBy {
                    id: id.to_string(),
                    partner,
                };
                Ok(loader(ctx)?
                    .load_one(key)
                    .await?
                    .and_then(|row| Campaign::seen_in(ctx, row)))
            }
            .await,
        )
    }
}
