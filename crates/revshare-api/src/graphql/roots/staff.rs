//! The console's sign-in (SPEC §24): one-time links an admin makes for a
//! person of the brand's staff, the renewable sessions they open, and
//! signing out. `redeemStaffSignInLink` runs without a token; a viewer's
//! session runs no mutation but renewing and ending itself.

use super::portal::{PortalLink, PublicUrl};
use crate::graphql::context::{db, forget_reads, keys, policy, principal};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use revshare_core::error::ApiResult;
use revshare_core::staff::{self, Issued};

/// What a console session may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::staff::StaffRole")]
pub enum StaffRole {
    /// Everything an admin token does.
    Admin,
    /// Reads everything an admin reads; every mutation is refused.
    Viewer,
}

/// A sign-in link for one person of the staff.
#[derive(InputObject)]
pub struct CreateStaffSignInLinkInput {
    /// The person's e-mail address: their session's tokens name them by it
    /// (`sub`), so the ledger's history says who did what.
    pub email: String,
    /// What their session may do; `ADMIN` by default.
    #[graphql(default_with = "StaffRole::Admin")]
    pub role: StaffRole,
    /// How long the link waits to be used: 1 to 10,080 minutes (a week),
    /// 15 by default.
    #[graphql(default = 15)]
    pub ttl_minutes: i32,
}

/// A console session's token and whom it names.
#[derive(SimpleObject)]
pub struct StaffToken {
    /// A staff JWT: `Authorization: Bearer <token>`. Renew it with
    /// `renewStaffSession` before it expires.
    pub token: String,
    /// When the token expires (15 minutes, or the session's end).
    pub expires_at: DateTime,
    /// The person signed in (the token's `sub`).
    pub email: String,
    /// What the session may do.
    pub role: StaffRole,
}

impl From<Issued> for StaffToken {
    fn from(issued: Issued) -> Self {
        StaffToken {
            token: issued.token,
            expires_at: issued.expires_at.into(),
            email: issued.email,
            role: issued.role.into(),
        }
    }
}

#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    /// A one-time link that signs a person of the staff in to the console
    /// (`/admin/#code=…`) for a 12-hour session (admins only). Send it to
    /// them: it signs in once.
    async fn create_staff_sign_in_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whom it signs in, as what, and for how long it waits.")]
        input: CreateStaffSignInLinkInput,
    ) -> ApiResult<PortalLink> {
        let policy = policy(ctx)?;
        policy.admin("only an admin signs staff in")?;
        forget_reads(ctx)?;
        let principal = policy.principal();
        let link = staff::create_link(
            db(ctx)?,
            keys(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.email,
            input.role.into(),
            input.ttl_minutes,
        )
        .await?;
        let base = ctx.data_opt::<PublicUrl>().cloned().unwrap_or_default();
        Ok(PortalLink {
            url: base.of(&staff::link_path(&link.code)),
            expires_at: link.expires_at.into(),
        })
    }

    /// Spends a staff sign-in link's code (no token needed): a console
    /// session and its first token. A code works once, until its link
    /// expires.
    async fn redeem_staff_sign_in_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code after `#code=` in the link.")] code: String,
    ) -> ApiResult<StaffToken> {
        Ok(staff::redeem(db(ctx)?, keys(ctx)?, &code).await?.into())
    }

    /// A new token for the caller's console session, while it is open and
    /// younger than 12 hours (the console renews its token before it ends).
    async fn renew_staff_session(&self, ctx: &Context<'_>) -> ApiResult<StaffToken> {
        let principal = principal(ctx)?;
        Ok(staff::renew(db(ctx)?, keys(ctx)?, principal).await?.into())
    }

    /// Signs out: the caller's console session ends, and its tokens are
    /// refused from then on. Whether it was open.
    async fn end_staff_session(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let principal = principal(ctx)?;
        staff::end(db(ctx)?, principal).await
    }
}
