//! Partners who bring partners and spend caps (SPEC §31): rules, caps and
//! a referrer's recruits as they are read.

use super::Money;
use crate::graphql::context::{db, loader};
use crate::graphql::scalars::Decimal;
use async_graphql::{Context, Enum, SimpleObject};
use entity::partner;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{PageArgs, PageLimits, PageRequest};
use revshare_engine::engagement as rules;

/// What earns a referrer its reward.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::engagement::ReferralTrigger")]
pub enum ReferralTrigger {
    /// `percentage` of each commission the recruit earns.
    Commission,
    /// `percentage` of the sale that earned the recruit's commission.
    Sale,
    /// `amount` once, when the recruit is approved.
    Approved,
    /// `amount` once, when the recruit's commissions reach `threshold`.
    Threshold,
}

/// How long a spend cap's period is, in the tenant's time zone.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::engagement::CapPeriod")]
pub enum CapPeriod {
    /// A calendar day.
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// For as long as the cap is set.
    AllTime,
}

/// What a spend cap bounds.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::engagement::CapPer")]
pub enum CapPer {
    /// What each partner earns in the period.
    Partner,
    /// What each partner earns on one customer in the period.
    PartnerAndCustomer,
}

/// What a group's partners earn on the partners they recruit.
#[derive(SimpleObject)]
pub struct ReferralRule {
    /// What earns the reward.
    pub trigger: ReferralTrigger,
    /// `COMMISSION`, `SALE`: the percentage.
    pub percentage: Option<Decimal>,
    /// `APPROVED`, `THRESHOLD`: the flat amount.
    pub amount: Option<Decimal>,
    /// `THRESHOLD`: the recruit's commissions that earn it.
    pub threshold: Option<Decimal>,
    /// Months from the recruit's first commission in which it pays.
    pub max_months: Option<u32>,
}

impl From<rules::ReferralRule> for ReferralRule {
    fn from(rule: rules::ReferralRule) -> Self {
        ReferralRule {
            trigger: rule.trigger.into(),
            percentage: rule.percentage.map(Into::into),
            amount: rule.amount.map(Into::into),
            threshold: rule.threshold.map(Into::into),
            max_months: rule.max_months,
        }
    }
}

/// The most a partner (or a partner on one customer) earns in a period:
/// its `COMMISSION`s, not reversed, less their clawbacks.
#[derive(SimpleObject)]
pub struct SpendCap {
    /// The cap.
    pub amount: Decimal,
    /// Its currency: commissions in it are capped.
    pub currency: String,
    /// The period it counts in, in the tenant's time zone.
    pub period: CapPeriod,
    /// What it bounds.
    pub per: CapPer,
}

impl From<rules::Cap> for SpendCap {
    fn from(cap: rules::Cap) -> Self {
        SpendCap {
            amount: cap.amount.into(),
            currency: cap.currency,
            period: cap.period.into(),
            per: cap.per.into(),
        }
    }
}

/// A partner a partner recruited, as its referrer sees it: never more of
/// the recruit than its name and when it joined.
#[derive(SimpleObject)]
pub struct Recruit {
    /// The recruit's name.
    pub name: String,
    /// When it joined.
    pub joined_at: crate::graphql::scalars::DateTime,
    /// What it earned its referrer, per currency: referral rewards not
    /// reversed, less their clawbacks.
    pub earned: Vec<Money>,
}

impl Recruit {
    pub(crate) fn of(
        recruit: &entity::partner::Model,
        earned: &[(String, i64)],
    ) -> ApiResult<Recruit> {
        Ok(Recruit {
            name: recruit.name.clone(),
            joined_at: recruit.created_at.into(),
            earned: earned
                .iter()
                .map(|(currency, minor)| Money::of(*minor, currency))
                .collect::<ApiResult<_>>()?,
        })
    }
}

/// `Partner.referralRule`: its group's rule, read through the group loader.
pub(crate) async fn referral_rule_of(
    ctx: &Context<'_>,
    partner: &partner::Model,
) -> ApiResult<Option<ReferralRule>> {
    let group = loader(ctx)?
        .load_one(crate::graphql::loaders::GroupId(partner.group_id.clone()))
        .await?
        .ok_or_else(|| ApiError::internal("partner group", &partner.group_id))?;
    Ok(
        revshare_core::engagement::settings::referral_of(group.referral.as_deref())?
            .map(Into::into),
    )
}

/// `Partner.recruits(first)`, `first` bounded by `limits`.
pub(crate) async fn recruits_of(
    ctx: &Context<'_>,
    partner: &partner::Model,
    first: Option<i32>,
    limits: PageLimits,
) -> ApiResult<Vec<Recruit>> {
    let args = PageArgs {
        first,
        ..Default::default()
    };
    let size = PageRequest::parse(args, limits)?.size;
    let conn = db(ctx)?.conn();
    let found =
        revshare_core::engagement::referrers::recruits(conn, &partner.tenant_id, &partner.id, size)
            .await?;
    found
        .into_iter()
        .map(|(recruit, earned)| Recruit::of(&recruit, &earned))
        .collect()
}
