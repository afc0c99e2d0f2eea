//! Partners who bring partners and spend caps (SPEC §31): who referred
//! whom, a group's referral rule, a group's or campaign's cap.

use crate::graphql::context::{db, writer};
use crate::graphql::objects::Partner;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::engagement::{CapPer, CapPeriod, ReferralTrigger};
use crate::graphql::scalars::Decimal;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::error::ApiResult;
use revshare_engine::engagement as rules;

/// What a group's partners earn on the partners they recruit.
#[derive(InputObject)]
pub struct ReferralRuleInput {
    /// What earns the reward.
    pub trigger: ReferralTrigger,
    /// `COMMISSION`, `SALE`: the percentage (more than 0, at most 100).
    pub percentage: Option<Decimal>,
    /// `APPROVED`, `THRESHOLD`: the flat amount, in the currency of the
    /// recruit's commission.
    pub amount: Option<Decimal>,
    /// `THRESHOLD`: the recruit's commissions that earn it.
    pub threshold: Option<Decimal>,
    /// Months from the recruit's first commission in which it pays (1 to
    /// 600); omitted: for as long as both are partners.
    pub max_months: Option<u32>,
}

/// The most a partner (or a partner on one customer) earns in a period.
#[derive(InputObject)]
pub struct SpendCapInput {
    /// The cap, in `currency`'s decimals at most.
    pub amount: Decimal,
    /// An ISO 4217 code: commissions in this currency are capped.
    pub currency: String,
    /// The period it counts in.
    pub period: CapPeriod,
    /// What it bounds.
    pub per: CapPer,
}

/// A rule change: checked and encoded, `Some(None)` to clear it.
pub fn referral_change(
    field: &str,
    change: MaybeUndefined<ReferralRuleInput>,
) -> ApiResult<Option<Option<String>>> {
    Ok(match change {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(input) => {
            let value = |d: Option<Decimal>, name: &str| {
                d.map(|d| d.value(&format!("{field}.{name}"))).transpose()
            };
            let rule = rules::ReferralRule {
                trigger: input.trigger.into(),
                percentage: value(input.percentage, "percentage")?,
                amount: value(input.amount, "amount")?,
                threshold: value(input.threshold, "threshold")?,
                max_months: input.max_months,
            };
            Some(Some(revshare_core::engagement::settings::encode_referral(
                field, &rule,
            )?))
        }
    })
}

/// A cap change: checked and encoded, `Some(None)` to clear it.
pub fn cap_change(
    field: &str,
    change: MaybeUndefined<SpendCapInput>,
) -> ApiResult<Option<Option<String>>> {
    Ok(match change {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(input) => {
            let cap = rules::Cap {
                amount: input.amount.value(&format!("{field}.amount"))?,
                currency: input.currency.trim().to_uppercase(),
                period: input.period.into(),
                per: input.per.into(),
            };
            Some(Some(revshare_core::engagement::settings::encode_cap(
                field, &cap,
            )?))
        }
    })
}

/// Who recruited a partner.
#[derive(InputObject)]
pub struct SetReferrerInput {
    /// The recruited partner.
    pub partner_id: ID,
    /// The partner that recruited it; null clears its referrer.
    pub referrer_id: Option<ID>,
}

#[derive(Default)]
pub struct EngagementMutation;

#[Object]
impl EngagementMutation {
    /// Sets (or clears) the partner that recruited a partner
    /// (`partners:write`): another partner of the tenant, not archived,
    /// with another e-mail address, and not recruited by this partner
    /// itself, directly or through others. The referrer earns on the
    /// partner's commissions from then on by its own group's referral
    /// rule; `maxMonths` counts from the partner's first commission.
    async fn set_referrer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and its referrer.")] input: SetReferrerInput,
    ) -> ApiResult<Partner> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let referrer = input.referrer_id.as_ref().map(|id| id.as_str());
        let partner = revshare_core::engagement::referrers::set(
            db(ctx)?,
            principal.tenant_id(),
            &input.partner_id,
            referrer,
        )
        .await?;
        Partner::shown(ctx, std::sync::Arc::new(partner))
    }
}
