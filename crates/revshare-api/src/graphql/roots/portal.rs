//! The partner portal's sign-in (SPEC §18): one-time links, the sessions
//! they open, and embed tokens.
//!
//! Links and embed tokens are made by staff with `partners:write` (the
//! brand's backend or an admin); `redeemPortalLink` is the one operation a
//! request without a token may run; a portal session's token renews itself
//! and signs out.

use crate::graphql::context::{db, keys, principal, writer};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ErrorExtensions, ID, Object, SimpleObject};
use revshare_core::auth::Scope;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::portal::{self, Issued};
use std::sync::Arc;

/// Where revshare is reached from outside (`REVSHARE_PUBLIC_URL`), for the
/// links it answers; none: they are paths.
#[derive(Clone, Default)]
pub struct PublicUrl(pub Option<Arc<str>>);

impl PublicUrl {
    /// `path` from outside.
    pub fn of(&self, path: &str) -> String {
        match &self.0 {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }
}

/// A one-time sign-in link to the partner portal.
#[derive(SimpleObject)]
pub struct PortalLink {
    /// `/portal/#code=…`, after `REVSHARE_PUBLIC_URL` when it is set. Send
    /// it to the partner: it signs in once.
    pub url: String,
    /// Until when it may be used.
    pub expires_at: DateTime,
}

/// A partner token and until when it is good. Its partner is named here
/// (not as a `Partner`, whose fields need a token: a redemption has none
/// yet).
#[derive(SimpleObject)]
pub struct PartnerToken {
    /// A partner-scoped JWT: `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime,
    /// The partner it acts for.
    pub partner_id: ID,
    /// The partner's name.
    pub partner_name: String,
}

impl From<Issued> for PartnerToken {
    fn from(issued: Issued) -> Self {
        PartnerToken {
            token: issued.token,
            expires_at: issued.expires_at.into(),
            partner_id: ID(issued.partner.id),
            partner_name: issued.partner.name,
        }
    }
}

#[derive(Default)]
pub struct PortalMutation;

#[Object]
impl PortalMutation {
    /// A one-time link that signs a partner in to the portal
    /// (`partners:write`); 1 to 10,080 minutes (a week), 15 by default.
    async fn create_partner_portal_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner it signs in.")] partner_id: ID,
        #[graphql(
            default = 15,
            desc = "How long the link waits to be used: 1 to 10,080 minutes (a week), 15 by default."
        )]
        ttl_minutes: Option<i32>,
    ) -> ApiResult<PortalLink> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let (link, language) = portal::create_link(
            db(ctx)?,
            keys(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &partner_id,
            ttl_minutes.unwrap_or(15),
        )
        .await?;
        let base = ctx.data_opt::<PublicUrl>().cloned().unwrap_or_default();
        Ok(PortalLink {
            url: base.of(&portal::link_path(
                &link.code,
                principal.tenant_id(),
                &language,
            )),
            expires_at: link.expires_at.into(),
        })
    }

    /// A partner token for the brand's own app to show the portal's pages
    /// (`partners:write`); 1 to 180 minutes, 60 by default. Not renewed.
    async fn create_partner_embed_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner the token acts for.")] partner_id: ID,
        #[graphql(
            default = 60,
            desc = "How long the token lives: 1 to 180 minutes, 60 by default."
        )]
        ttl_minutes: Option<i32>,
    ) -> ApiResult<PartnerToken> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let issued = portal::embed_token(
            db(ctx)?,
            keys(ctx)?,
            principal.tenant_id(),
            &partner_id,
            ttl_minutes.unwrap_or(60),
        )
        .await?;
        Ok(issued.into())
    }

    /// Spends a sign-in link's code (no token needed): a portal session and
    /// its first token. A code works once, until its link expires.
    async fn redeem_portal_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code after `#code=` in the link.")] code: String,
    ) -> async_graphql::Result<PartnerToken> {
        let ip = crate::graphql::context::client(ctx);
        let db = db(ctx)?;
        match portal::redeem(db, keys(ctx)?, &code, ip).await {
            Ok(issued) => Ok(issued.into()),
            // Spent, expired or gone: the error carries the address the
            // link was sent to, and the portal fills it in its sign-in
            // form (SPEC §38) — never a dead end.
            Err(
                refused @ (ApiError::NotFound(_)
                | ApiError::Conflict(_)
                | ApiError::Unauthenticated(_)),
            ) => {
                let address = portal::address_of_code(db.conn(), &code).await?;
                let error = async_graphql::Error::new_with_source(refused);
                Err(match address {
                    Some(address) => error.extend_with(|_, e| e.set("email", address)),
                    None => error,
                })
            }
            Err(other) => Err(other.into()),
        }
    }

    /// A new token for the caller's portal session, while it is open (the
    /// portal renews its token before it ends).
    async fn renew_portal_session(&self, ctx: &Context<'_>) -> ApiResult<PartnerToken> {
        let principal = principal(ctx)?;
        let issued = portal::renew(db(ctx)?, keys(ctx)?, principal).await?;
        Ok(issued.into())
    }

    /// Signs out: the caller's portal session ends. Whether it was open.
    async fn end_portal_session(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let principal = principal(ctx)?;
        portal::end(db(ctx)?, principal).await
    }
}
