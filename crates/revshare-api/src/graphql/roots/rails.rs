//! Paying partners by API (SPEC §26): the tenant's rails (admins
//! configure them; their secrets are taken, never answered), a run's
//! payouts sent through one (`commissions:write`, as marking them paid),
//! and Stripe Connect's onboarding link (the partner itself, or staff with
//! `partners:write` for a partner).

use crate::graphql::context::{db, policy, principal, writer};
use crate::graphql::enums::{PayoutRail, PayoutRailMode};
use crate::graphql::objects::PayoutRun;
use crate::graphql::objects::Seen as _;
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object};
use entity::payout_rail;
use revshare_core::auth::Scope;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::rails::{self, Settings, config::Given};

/// A rail's credentials: PayPal's `clientId`, `clientSecret` and
/// `webhookId`; Stripe's `secretKey` and `webhookSecret`; Wise's
/// `apiToken` and `profileId`, and optionally `webhookPublicKey` and
/// `scaPrivateKey`. Sealed with the data key, never answered.
#[derive(InputObject)]
pub struct PayoutRailCredentialsInput {
    /// PayPal: the REST app's client id.
    pub client_id: Option<String>,
    /// PayPal: the REST app's secret.
    pub client_secret: Option<String>,
    /// PayPal: the id of the webhook registered for
    /// `/payouts/paypal/{tenantId}` (PayPal verifies events for it).
    pub webhook_id: Option<String>,
    /// Stripe: the secret key (`sk_live_…`/`sk_test_…`, or a restricted
    /// `rk_…` that may write accounts, account links and transfers).
    pub secret_key: Option<String>,
    /// Stripe: the Connect webhook endpoint's signing secret (`whsec_…`),
    /// for `/payouts/stripe/{tenantId}`.
    pub webhook_secret: Option<String>,
    /// Wise: the API token (Settings → API tokens; full access, for
    /// recipients, quotes, batch groups and funding).
    pub api_token: Option<String>,
    /// Wise: the profile payouts are sent from (a number).
    pub profile_id: Option<String>,
    /// Wise: the PEM key `/payouts/wise/{tenantId}` checks webhooks'
    /// `X-Signature-SHA256` with instead of Wise's published one (a test
    /// server, a rotation).
    pub webhook_public_key: Option<String>,
    /// Wise: the PEM private key whose public half is on the profile, to
    /// sign a funding Wise wants approved (SCA); without it, finance funds
    /// such a batch group in Wise.
    pub sca_private_key: Option<String>,
}

/// What `configurePayoutRail` takes.
#[derive(InputObject)]
pub struct ConfigurePayoutRailInput {
    /// The provider.
    pub rail: PayoutRail,
    /// Its credentials.
    pub credentials: PayoutRailCredentialsInput,
    /// Live or the provider's sandbox (a Stripe key must match it).
    pub mode: PayoutRailMode,
    /// Where its API is reached instead of its documented host (a
    /// regional host, a test's server).
    pub base_url: Option<String>,
}

/// What `sendPayouts` takes.
#[derive(InputObject)]
pub struct SendPayoutsInput {
    /// The run.
    pub run_id: ID,
    /// The rail: the run's pending payouts to its method (PayPal's to a
    /// PayPal address, Stripe's to a connected account, Wise's to a bank
    /// account in the payout's currency) are sent.
    pub rail: PayoutRail,
}

/// A tenant's rail, and where revshare is reached from outside.
pub struct PayoutRailConfig(pub Visible<payout_rail::Model>, pub Option<String>);

/// A tenant's account at a payout provider, as configured. Its secrets
/// are never answered.
#[Object]
impl PayoutRailConfig {
    /// The provider.
    async fn rail(&self) -> ApiResult<PayoutRail> {
        let row = self.0.read(C::Row)?;
        Ok(row.rail.into())
    }

    /// Live or sandbox.
    async fn mode(&self) -> ApiResult<PayoutRailMode> {
        let row = self.0.read(C::Row)?;
        Ok(row.mode.into())
    }

    /// Where its API is reached.
    async fn base_url(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.base_url)
    }

    /// The last four characters of the client id, key or API token, to
    /// recognise them by.
    async fn credential_hint(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.credential_hint)
    }

    /// Where the provider sends its webhooks (register it there):
    /// `/payouts/paypal/{tenantId}`, `/payouts/stripe/{tenantId}` or
    /// `/payouts/wise/{tenantId}` (subscribed to `transfers#state-change`), under
    /// `REVSHARE_PUBLIC_URL` when it is set.
    async fn webhook_url(&self) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        let provider = match row.rail {
            entity::enums::PayoutRail::PaypalPayouts => "paypal",
            entity::enums::PayoutRail::StripeConnect => "stripe",
            entity::enums::PayoutRail::Wise => "wise",
        };
        let path = format!("/payouts/{provider}/{}", row.tenant_id);
        Ok(match &self.1 {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path,
        })
    }

    /// Who configured it (a token `sub`).
    async fn configured_by(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.configured_by)
    }

    /// When.
    async fn configured_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.configured_at.into())
    }
}

fn settings<'a>(ctx: &Context<'a>) -> ApiResult<&'a Settings> {
    ctx.data::<Settings>()
        .map_err(|_| revshare_core::error::ApiError::internal("schema", "no rail settings"))
}

#[derive(Default)]
pub struct RailQuery;

#[Object]
impl RailQuery {
    /// The tenant's payout rails (admins and viewers).
    async fn payout_rails(&self, ctx: &Context<'_>) -> ApiResult<Vec<PayoutRailConfig>> {
        policy(ctx)?.finds(revshare_core::auth::access::Kind::PayoutRail)?;
        let public = settings(ctx)?.public_url.as_deref().map(str::to_owned);
        let rows = rails::config::list(db(ctx)?.conn(), principal(ctx)?.tenant_id()).await?;
        let policy = policy(ctx)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Visible::new(policy, row))
            .map(|row| PayoutRailConfig(row, public.clone()))
            .collect())
    }
}

#[derive(Default)]
pub struct RailMutation;

#[Object]
impl RailMutation {
    /// Stores (or replaces) the tenant's account at a payout provider
    /// (admins). Its secrets are sealed and never answered.
    async fn configure_payout_rail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The provider, its credentials and mode.")]
        input: ConfigurePayoutRailInput,
    ) -> ApiResult<PayoutRailConfig> {
        policy(ctx)?.admin("only the tenant's admins configure payout rails")?;
        let principal = principal(ctx)?;
        let credentials = input.credentials;
        let given = Given {
            rail: input.rail.into(),
            mode: input.mode.into(),
            base_url: input.base_url,
            client_id: credentials.client_id,
            client_secret: credentials.client_secret,
            webhook_id: credentials.webhook_id,
            secret_key: credentials.secret_key,
            webhook_secret: credentials.webhook_secret,
            api_token: credentials.api_token,
            profile_id: credentials.profile_id,
            webhook_public_key: credentials.webhook_public_key,
            sca_private_key: credentials.sca_private_key,
        };
        let settings = settings(ctx)?;
        let row = rails::config::configure(
            db(ctx)?,
            settings,
            principal.tenant_id(),
            &principal.subject,
            given,
        )
        .await?;
        let row = Visible::new(policy(ctx)?, row)
            .ok_or_else(|| revshare_core::error::ApiError::not_found("payout rail"))?;
        Ok(PayoutRailConfig(
            row,
            settings.public_url.as_deref().map(str::to_owned),
        ))
    }

    /// Sends a run's pending payouts of the rail's method through it
    /// (`commissions:write`): each is `QUEUED` now and sent once, in the
    /// background; `Payout.railStatus` follows it to its end. A payout
    /// already on a rail is not sent again.
    async fn send_payouts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and the rail.")] input: SendPayoutsInput,
    ) -> ApiResult<PayoutRun> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let run = rails::queue::send(
            db(ctx)?,
            settings(ctx)?,
            principal.tenant_id(),
            &input.run_id,
            input.rail.into(),
        )
        .await?;
        Ok(PayoutRun::shown(ctx, run)?)
    }

    /// An onboarding link to the partner's Stripe Express account, made
    /// once (the partner's own token, or `partners:write` naming
    /// `partnerId`). Once Stripe enables its payouts the account becomes
    /// the partner's payout method.
    async fn create_connect_onboarding_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner (staff); a partner token's own when omitted.")]
        partner_id: Option<ID>,
    ) -> ApiResult<String> {
        let policy = policy(ctx)?;
        let partner = policy.input_partner(
            partner_id.as_ref().map(|id| id.as_str()),
            "partnerId",
            Scope::PartnersWrite,
        )?;
        rails::connect::onboarding_link(
            db(ctx)?,
            settings(ctx)?,
            principal(ctx)?.tenant_id(),
            &partner,
        )
        .await
    }
}
