//! Fraud flags and the policy (SPEC §21): the tenant's staff's alone.

use super::{Commission, Customer, FraudFlag, FraudRule, Partner, Seen};
use crate::graphql::context::{db, loader, policy};
use crate::graphql::loaders::load_partner;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, Enum, ID, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::error::ApiResult;

/// What a fraud signal raised, for review. While it is open and its
/// action is `HOLD`, the commissions it covers are not approved or paid.
#[Object]
impl FraudFlag {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// What raised it.
    async fn signal(&self) -> ApiResult<FraudSignal> {
        let row = self.0.read(C::Row)?;
        Ok(row.signal.into())
    }

    /// What the policy said when it was raised: `FLAG` or `HOLD`.
    async fn action(&self) -> ApiResult<FraudAction> {
        let row = self.0.read(C::Row)?;
        Ok(row.action.into())
    }

    /// The partner it concerns.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The customer it concerns, for the signals a customer raises.
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Customer>> {
        let row = self.0.read(C::Row)?;
        let Some(external) = &row.customer_external_id else {
            return Ok(None);
        };
        let found =
            revshare_core::attribution::customers::find(db(ctx)?.conn(), &row.tenant_id, external)
                .await?;
        Ok(found.and_then(|row| Customer::seen(policy(ctx).ok()?, row)))
    }

    /// The commissions it names, and while it is open those it holds.
    async fn commissions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Commission>> {
        let row = self.0.read(C::Row)?;
        let rows = revshare_core::fraud::commissions_of(db(ctx)?.conn(), row).await?;
        Ok(Commission::all(policy(ctx)?, rows))
    }

    /// The evidence, in words a support person can forward.
    async fn details(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.details)
    }

    /// Open, dismissed or confirmed.
    async fn status(&self) -> ApiResult<FraudFlagStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Whether it held anything when it was raised: false when its
    /// partner was trusted then (SPEC §37) — recorded, holding nothing,
    /// whatever the policy said.
    async fn acted_on(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        Ok(row.acted_on)
    }

    /// When it was raised.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When it was resolved.
    async fn decided_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.decided_at.map(Into::into))
    }

    /// Who resolved it (the token's subject).
    async fn decided_by(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.decided_by.as_deref())
    }

    /// What the reviewer wrote.
    async fn note(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.note.as_deref())
    }
}

/// What the tenant does about one signal.
#[Object]
impl FraudRule {
    /// The signal.
    async fn signal(&self) -> FraudSignal {
        self.0.signal.into()
    }

    /// `OFF`, `FLAG` or `HOLD`.
    async fn action(&self) -> FraudAction {
        self.0.action.into()
    }

    /// Clicks from one address in 24 hours (`CLICK_SPAM`), or the refunded
    /// share of sales (`HIGH_REFUND_RATE`); null for the other signals.
    async fn threshold(&self) -> Option<Decimal> {
        self.0.threshold.map(Into::into)
    }
}

/// What raised a fraud flag (SPEC §21).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FraudSignal")]
pub enum FraudSignal {
    /// A click or attribution from an address the partner signed in to its
    /// portal from in the last 30 days.
    SelfReferralIp,
    /// A customer's e-mail address is the partner's PayPal payout address.
    SelfReferralEmail,
    /// A customer's e-mail address is at a disposable domain.
    DisposableEmail,
    /// More than the threshold's clicks from one address on one partner's
    /// links in 24 hours.
    ClickSpam,
    /// A click from a paid ad on a campaign that does not allow them.
    PaidAdClick,
    /// A payout account another partner of the tenant is paid to.
    SharedPayoutAccount,
    /// At least 10 sales in 30 days and a refunded share at the threshold.
    HighRefundRate,
}

/// What a tenant does about a signal.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FraudAction")]
pub enum FraudAction {
    /// The signal is not evaluated.
    Off,
    /// A flag for review; the money moves as it would.
    Flag,
    /// A flag, and what it covers is not approved or paid until it is
    /// resolved.
    Hold,
}

/// Where a fraud flag is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FraudFlagStatus")]
pub enum FraudFlagStatus {
    /// Waiting for review.
    Open,
    /// Reviewed and released.
    Dismissed,
    /// Reviewed and upheld: its money taken back.
    Confirmed,
}

/// A review's decision.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FraudDecision {
    /// Release what the flag holds.
    Dismiss,
    /// Take back its money (reversed, or clawed back if approved or paid).
    Confirm,
}
