//! Fraud (SPEC §21): the review queue, decisions, and the policy.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, policy as caller_policy, writer};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{
    FraudAction, FraudDecision, FraudFlag, FraudFlagStatus, FraudRule, FraudSignal,
};
use crate::graphql::scalars::Decimal;
use async_graphql::{Context, ID, InputObject, Object};
use entity::fraud_flag;
use revshare_core::auth::Scope;
use revshare_core::error::ApiResult;
use revshare_core::fraud::{self, policy, resolve};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A review of an open flag.
#[derive(InputObject)]
pub struct ResolveFraudFlagInput {
    /// The flag.
    pub id: ID,
    /// `DISMISS` releases what it holds; `CONFIRM` takes its money back.
    pub decision: FraudDecision,
    /// Why (up to 1,000 characters), kept on the flag and on the
    /// commissions it reverses or claws back.
    pub note: String,
    /// With `CONFIRM`: suspend the partner too.
    #[graphql(default = false)]
    pub suspend_partner: bool,
}

/// One signal's rule.
#[derive(InputObject)]
pub struct FraudRuleInput {
    /// The signal.
    pub signal: FraudSignal,
    /// `OFF`, `FLAG` or `HOLD`.
    pub action: FraudAction,
    /// `CLICK_SPAM`: clicks from one address in 24 hours (a whole number,
    /// 20 by default); `HIGH_REFUND_RATE`: the refunded share of sales
    /// (above 0, at most 1; 0.3 by default). Omitted: the default.
    pub threshold: Option<Decimal>,
}

/// The rules to change; the signals not named keep theirs.
#[derive(InputObject)]
pub struct SetFraudPolicyInput {
    /// One rule per signal named, each at most once.
    pub rules: Vec<FraudRuleInput>,
}

#[derive(Default)]
pub struct FraudQuery;

#[Object]
impl FraudQuery {
    /// The review queue: flags fraud signals raised, oldest first
    /// (`commissions:read`; staff only).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn fraud_flags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only flags in this status.")] status: Option<FraudFlagStatus>,
        #[graphql(desc = "Only flags of this signal.")] signal: Option<FraudSignal>,
        #[graphql(desc = "Only flags of this partner.")] partner_id: Option<ID>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<FraudFlag>> {
        let policy = caller_policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::FraudFlag)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let filter = fraud::Filter {
            status: status.map(Into::into),
            signal: signal.map(Into::into),
            partner_id: partner_id.map(|id| id.0),
        };
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                fraud::list(policy.tenant_id(), &filter),
                fraud_flag::Column::Id,
            ),
            FraudFlag::for_caller(policy),
        )
        .await
    }

    /// What the program does about each signal, every signal listed
    /// (`commissions:read`; staff only).
    async fn fraud_policy(&self, ctx: &Context<'_>) -> ApiResult<Vec<FraudRule>> {
        let policy = caller_policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::FraudRule)?;
        let rules = policy::all(db(ctx)?.conn(), policy.tenant_id()).await?;
        Ok(rules.into_iter().map(FraudRule).collect())
    }
}

/// Whether a partner is trusted, and why.
#[derive(InputObject)]
pub struct SetPartnerTrustedInput {
    /// The partner.
    pub partner_id: ID,
    /// Trusted: its fraud flags are still raised and recorded, but hold
    /// nothing from now on; false: they hold again, from now on.
    pub trusted: bool,
    /// Why (1 to 1,000 characters): the activity entry's reason.
    pub note: String,
}

#[derive(Default)]
pub struct FraudMutation;

#[Object]
impl FraudMutation {
    /// Trusts a partner, or stops trusting it (`commissions:write`; staff
    /// only, SPEC §37): a flag raised while it is trusted holds nothing,
    /// whatever the policy (`FraudFlag.actedOn` false); flags already open
    /// are left as they are.
    async fn set_partner_trusted(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner, the choice and why.")] input: SetPartnerTrustedInput,
    ) -> ApiResult<crate::graphql::objects::Partner> {
        caller_policy(ctx)?.staff(
            Scope::CommissionsWrite,
            "a partner is trusted by the program's staff",
        )?;
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let row = fraud::trust::set(
            db(ctx)?,
            principal.tenant_id(),
            &input.partner_id,
            input.trusted,
            &input.note,
        )
        .await?;
        crate::graphql::objects::Partner::shown(ctx, std::sync::Arc::new(row))
    }

    /// Dismisses or confirms an open flag (`commissions:write`; staff
    /// only), in one transaction: `DISMISS` releases what it held;
    /// `CONFIRM` reverses its commissions not approved yet (reason `FRAUD`)
    /// and claws back in full those approved or paid, and with
    /// `suspendPartner` suspends the partner.
    async fn resolve_fraud_flag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: ResolveFraudFlagInput,
    ) -> ApiResult<FraudFlag> {
        caller_policy(ctx)?.staff(
            Scope::CommissionsWrite,
            "fraud flags are resolved by the program's staff",
        )?;
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let resolution = resolve::Resolution {
            id: input.id.0,
            decision: match input.decision {
                FraudDecision::Dismiss => resolve::Decision::Dismiss,
                FraudDecision::Confirm => resolve::Decision::Confirm,
            },
            note: input.note,
            suspend_partner: input.suspend_partner,
        };
        let flag = resolve::resolve(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            resolution,
        )
        .await?;
        Ok(FraudFlag::shown(ctx, flag)?)
    }

    /// Sets what the program does about the signals named (admins); the
    /// others keep theirs. Answers every signal's rule.
    async fn set_fraud_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rules.")] input: SetFraudPolicyInput,
    ) -> ApiResult<Vec<FraudRule>> {
        let policy = caller_policy(ctx)?;
        policy.admin("only an admin sets the fraud policy")?;
        let mut given = Vec::with_capacity(input.rules.len());
        for (i, rule) in input.rules.into_iter().enumerate() {
            let threshold = rule
                .threshold
                .map(|t| t.value(&format!("input.rules[{i}].threshold")))
                .transpose()?;
            given.push(policy::GivenRule {
                signal: rule.signal.into(),
                action: rule.action.into(),
                threshold,
            });
        }
        let rules = policy::set(db(ctx)?, policy.tenant_id(), given).await?;
        Ok(rules.into_iter().map(FraudRule).collect())
    }
}
