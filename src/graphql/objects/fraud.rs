//! Fraud flags and the policy (SPEC §21): the tenant's staff's alone.

use super::{Commission, Customer, FraudFlag, FraudRule, Partner};
use crate::auth::Scope;
use crate::error::ApiResult;
use crate::graphql::context::{Owner, db, guard, loader, policy};
use crate::graphql::loaders::load_partner;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, Enum, ID, Object};

impl FraudFlag {
    /// Staff who read the ledger; never a partner.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, &[Scope::CommissionsRead], Owner::NoPartner)
    }
}

/// What a fraud signal raised, for review. While it is open and its
/// action is `HOLD`, the commissions it covers are not approved or paid.
#[Object]
impl FraudFlag {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// What raised it.
    async fn signal(&self, ctx: &Context<'_>) -> ApiResult<FraudSignal> {
        self.readable(ctx)?;
        Ok(self.0.signal.into())
    }

    /// What the policy said when it was raised: `FLAG` or `HOLD`.
    async fn action(&self, ctx: &Context<'_>) -> ApiResult<FraudAction> {
        self.readable(ctx)?;
        Ok(self.0.action.into())
    }

    /// The partner it concerns.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        Ok(Partner(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The customer it concerns, for the signals a customer raises.
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Customer>> {
        self.readable(ctx)?;
        let Some(external) = &self.0.customer_external_id else {
            return Ok(None);
        };
        let found =
            crate::attribution::customers::find(db(ctx)?.conn(), &self.0.tenant_id, external)
                .await?;
        Ok(found.map(Customer))
    }

    /// The commissions it names, and while it is open those it holds.
    async fn commissions(&self, ctx: &Context<'_>) -> ApiResult<Vec<Commission>> {
        self.readable(ctx)?;
        let rows = crate::fraud::commissions_of(db(ctx)?.conn(), &self.0).await?;
        Ok(rows.into_iter().map(Commission).collect())
    }

    /// The evidence, in words a support person can forward.
    async fn details(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.details)
    }

    /// Open, dismissed or confirmed.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<FraudFlagStatus> {
        self.readable(ctx)?;
        Ok(self.0.status.into())
    }

    /// When it was raised.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }

    /// When it was resolved.
    async fn decided_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.decided_at.map(Into::into))
    }

    /// Who resolved it (the token's subject).
    async fn decided_by(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.decided_by.as_deref())
    }

    /// What the reviewer wrote.
    async fn note(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.note.as_deref())
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

/// Whether the caller may read holds: staff who read the ledger.
pub(crate) fn reads_holds(ctx: &Context<'_>) -> bool {
    policy(ctx).is_ok_and(|p| {
        p.allows(&[Scope::CommissionsRead], Owner::NoPartner)
            .is_ok()
    })
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
