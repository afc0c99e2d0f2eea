//! Referral rewards (SPEC §31): what a partner earns on the commissions of
//! the partners it recruited, by its own group's referral rule.
//!
//! At accrual ([`ReferralBook`]): each `COMMISSION` row a recruit earns may
//! earn its referrer a `REFERRAL` row — a percentage of that commission or
//! of its sale, or, once, a flat amount when the recruit's commissions
//! (its balance, not reversed) reach the rule's threshold — written in
//! the same batch, in the commission's currency and campaign, on its
//! event, with `originalId` naming it and a breakdown line saying so.
//! `maxMonths` counts from the recruit's first commission
//! (`partners.referral_started_at`, kept by the batch that writes it).
//! One level: a `REFERRAL` row earns nobody anything. Once per commission:
//! `uq_referrals` refuses a second reward of one commission, and a
//! threshold is marked reached on the recruit under its lock.
//!
//! Afterwards a reward follows its commission (see [`crate::posting`]'s moves): it has no
//! maturity of its own and is approved in the move that approves its
//! commission (by staff, by the maturity job, by a fraud flag's release);
//! it is reversed with it, and a refund claws back the same share of it
//! as of the commission (§2's exact split), through
//! [`crate::tiers::progress::follow`].

use super::settings::referral_of;
use crate::engine::Currency;
use crate::engine::engagement::{ReferralRule, ReferralTrigger};
use crate::error::{ApiError, ApiResult};
use crate::posting::breakdown::{BreakdownLine, ReferralLine};
use crate::posting::{NewCommission, TermsRef, earned_minor};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, PartnerStatus, TermsSource};
use entity::{commission, partner, partner_balance, partner_group};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A recruit's referrer and what the referrer's group pays it.
struct Referrer {
    id: String,
    rule: ReferralRule,
}

/// The referrers of a batch's partners and what the batch has counted.
#[derive(Default)]
pub struct ReferralBook {
    /// Each recruit of the batch whose referrer earns on it.
    referrers: HashMap<String, Referrer>,
    /// Each recruit's first commission, as known (none: none yet).
    started: HashMap<String, Option<DateTime<Utc>>>,
    /// Threshold rules: each recruit's balance by currency, in minor units.
    earned: HashMap<(String, String), i64>,
    /// Recruits whose threshold was reached (before, or in this batch).
    reached: HashSet<String>,
    /// What the batch starts and reaches, written with it.
    started_now: BTreeMap<String, DateTime<Utc>>,
    reached_now: BTreeMap<String, DateTime<Utc>>,
}

impl ReferralBook {
    /// Reads the referrers of the batch's recruits (none read when no
    /// partner of the batch was recruited): each active referrer whose
    /// group has a rule that pays on commissions, and for a threshold the
    /// recruit's balance.
    pub async fn load<'a>(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        partners: impl IntoIterator<Item = &'a partner::Model>,
    ) -> ApiResult<ReferralBook> {
        let recruits: Vec<&partner::Model> = partners
            .into_iter()
            .filter(|p| p.referred_by.is_some())
            .collect();
        if recruits.is_empty() {
            return Ok(ReferralBook::default());
        }
        let mut book = ReferralBook::default();
        for recruit in &recruits {
            book.started
                .insert(recruit.id.clone(), recruit.referral_started_at);
            if recruit.referral_threshold_at.is_some() {
                book.reached.insert(recruit.id.clone());
            }
        }
        let ids: HashSet<&str> = recruits
            .iter()
            .filter_map(|p| p.referred_by.as_deref())
            .collect();
        let referrers = partner::Entity::find()
            .filter(partner::Column::TenantId.eq(tenant_id))
            .filter(partner::Column::Id.is_in(ids))
            .filter(partner::Column::Status.eq(PartnerStatus::Active))
            .all(conn)
            .await?;
        let groups: HashSet<&str> = referrers.iter().map(|r| r.group_id.as_str()).collect();
        let mut rules: HashMap<String, ReferralRule> = HashMap::new();
        let found = partner_group::Entity::find()
            .filter(partner_group::Column::Id.is_in(groups))
            .all(conn)
            .await?;
        for group in found {
            if let Some(rule) = referral_of(group.referral.as_deref())?
                && rule.trigger != ReferralTrigger::Approved
            {
                rules.insert(group.id, rule);
            }
        }
        let rule_of: HashMap<&str, &ReferralRule> = referrers
            .iter()
            .filter_map(|r| Some((r.id.as_str(), rules.get(&r.group_id)?)))
            .collect();
        let mut thresholds = Vec::new();
        for recruit in recruits {
            let Some(referrer) = recruit.referred_by.as_deref() else {
                continue;
            };
            let Some(rule) = rule_of.get(referrer) else {
                continue;
            };
            if rule.trigger == ReferralTrigger::Threshold {
                thresholds.push(recruit.id.as_str());
            }
            book.referrers.insert(
                recruit.id.clone(),
                Referrer {
                    id: referrer.to_owned(),
                    rule: (*rule).clone(),
                },
            );
        }
        if !thresholds.is_empty() {
            let balances = partner_balance::Entity::find()
                .filter(partner_balance::Column::PartnerId.is_in(thresholds))
                .filter(partner_balance::Column::Status.ne(CommissionStatus::Reversed))
                .all(conn)
                .await?;
            for balance in balances {
                *book
                    .earned
                    .entry((balance.partner_id, balance.currency))
                    .or_default() += balance.amount_minor;
            }
        }
        Ok(book)
    }

    /// The referrers' rewards of `rows` — a recruit's commissions just
    /// posted on one event, whose sale (none for a lead) was `sale_minor` —
    /// counted toward the recruit's first commission and threshold. The
    /// caller records each on an event of its own ([`Reward::event`]) and
    /// posts it ([`Reward::commission`]).
    pub fn reward(
        &mut self,
        rows: &[commission::Model],
        sale_minor: Option<i64>,
        amount_field: &str,
    ) -> ApiResult<Vec<Reward>> {
        let mut rewards = Vec::new();
        for row in rows {
            if row.kind != CommissionKind::Commission || row.amount_minor <= 0 {
                continue;
            }
            let Some(first) = self.started.get_mut(&row.partner_id) else {
                continue;
            };
            let started = *first;
            if first.is_none() {
                *first = Some(row.accrued_at);
                self.started_now
                    .insert(row.partner_id.clone(), row.accrued_at);
            }
            let Some(referrer) = self.referrers.get(&row.partner_id) else {
                continue;
            };
            let currency = Currency::parse(&row.currency)
                .map_err(|e| ApiError::internal("commission currency", e))?;
            let key = (row.partner_id.clone(), row.currency.clone());
            let before = self.earned.get(&key).copied().unwrap_or(0);
            self.earned.insert(key, before + row.amount_minor);
            let rule = &referrer.rule;
            if !rule.pays_at(started, row.accrued_at) {
                continue;
            }
            let commission = currency.from_minor(row.amount_minor);
            let (base, unrounded) = match rule.trigger {
                ReferralTrigger::Commission => {
                    (commission, rule.on_commission(commission, Decimal::ZERO))
                }
                ReferralTrigger::Sale => {
                    let Some(sale) = sale_minor.map(|s| currency.from_minor(s)) else {
                        continue;
                    };
                    (sale, rule.on_commission(commission, sale))
                }
                ReferralTrigger::Threshold => {
                    if self.reached.contains(&row.partner_id) {
                        continue;
                    }
                    let after = currency.from_minor(before + row.amount_minor);
                    let crossed = rule.crosses(currency.from_minor(before), after);
                    if crossed.is_some() {
                        self.reached.insert(row.partner_id.clone());
                        self.reached_now
                            .insert(row.partner_id.clone(), row.accrued_at);
                    }
                    (after, crossed)
                }
                ReferralTrigger::Approved => continue,
            };
            let Some(unrounded) = unrounded else {
                continue;
            };
            let amount_minor = earned_minor(currency, unrounded, amount_field)?;
            if amount_minor <= 0 {
                continue;
            }
            let line = BreakdownLine::Referral(ReferralLine {
                commission_id: Some(row.id.clone()),
                partner_id: row.partner_id.clone(),
                trigger: rule.trigger,
                percentage: rule.percentage.map(|p| p.normalize()),
                base: base.normalize(),
                amount: unrounded.normalize(),
            });
            rewards.push(Reward {
                source: row.clone(),
                referrer: referrer.id.clone(),
                amount_minor,
                line,
            });
        }
        Ok(rewards)
    }

    /// Keeps each recruit's first commission and reached threshold, as
    /// the batch counted them.
    pub async fn write(self, conn: &impl ConnectionTrait) -> ApiResult<()> {
        for (recruit, at) in self.started_now {
            partner::Entity::update_many()
                .col_expr(partner::Column::ReferralStartedAt, Expr::value(at))
                .filter(partner::Column::Id.eq(recruit))
                .filter(partner::Column::ReferralStartedAt.is_null())
                .exec(conn)
                .await?;
        }
        for (recruit, at) in self.reached_now {
            partner::Entity::update_many()
                .col_expr(partner::Column::ReferralThresholdAt, Expr::value(at))
                .filter(partner::Column::Id.eq(recruit))
                .exec(conn)
                .await?;
        }
        Ok(())
    }
}

/// A referrer's reward on a recruit's commission, before it is written.
pub struct Reward {
    /// The recruit's commission it came from.
    pub source: commission::Model,
    pub referrer: String,
    pub amount_minor: i64,
    line: BreakdownLine,
}

impl Reward {
    /// The `externalId` of the referrer's event that records it: one per
    /// commission it came from.
    pub fn external_id(&self) -> String {
        format!("{RESERVED_PREFIX}referral:{}", self.source.id)
    }

    /// Its row on the referrer's event `event_id`: in the commission's
    /// currency and campaign, accrued with it; no maturity of its own (it
    /// is approved with its commission).
    pub fn commission(&self, event_id: &str) -> NewCommission {
        let source = &self.source;
        NewCommission {
            kind: CommissionKind::Referral,
            status: CommissionStatus::Accrued,
            tenant_id: source.tenant_id.clone(),
            partner_id: self.referrer.clone(),
            campaign_id: source.campaign_id.clone(),
            event_id: event_id.to_owned(),
            amount_minor: self.amount_minor,
            currency: source.currency.clone(),
            terms: TermsRef {
                snapshot_id: None,
                rules_source: TermsSource::Group,
            },
            breakdown: vec![self.line.clone()],
            accrued_at: source.accrued_at,
            holdback_days: None,
            original_id: Some(source.id.clone()),
            reason: None,
            note: None,
            deal: None,
            tier_id: None,
            revenue_minor: None,
        }
    }
}

/// `externalId`s revshare gives the events it records itself; a client's
/// may not start so.
pub const RESERVED_PREFIX: &str = "revshare:";

/// The `APPROVED` reward a recruit's approval earns its referrer: the
/// referrer, if active and its group's rule pays on approval, and the
/// amount.
pub async fn on_approval(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    referrer_id: &str,
) -> ApiResult<Option<(partner::Model, Decimal)>> {
    let Some(referrer) = partner::Entity::find_by_id(referrer_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Status.eq(PartnerStatus::Active))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let rule = match partner_group::Entity::find_by_id(referrer.group_id.clone())
        .one(conn)
        .await?
    {
        Some(group) => referral_of(group.referral.as_deref())?,
        None => None,
    };
    Ok(match rule {
        Some(rule) if rule.trigger == ReferralTrigger::Approved => {
            rule.amount.map(|amount| (referrer, amount))
        }
        _ => None,
    })
}

/// The row of an `APPROVED` reward of `amount_minor` to `referrer` for
/// `recruit`'s approval into `campaign` (its event set where it is
/// booked): accrued now, maturing after the campaign's holdback.
pub fn approval_reward(
    referrer: &partner::Model,
    recruit: &partner::Model,
    campaign: &entity::campaign::Model,
    amount_minor: i64,
    amount: Decimal,
    at: DateTime<Utc>,
) -> NewCommission {
    NewCommission {
        kind: CommissionKind::Referral,
        status: CommissionStatus::Accrued,
        tenant_id: referrer.tenant_id.clone(),
        partner_id: referrer.id.clone(),
        campaign_id: campaign.id.clone(),
        event_id: String::new(),
        amount_minor,
        currency: campaign.currency.clone(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::Group,
        },
        breakdown: vec![BreakdownLine::Referral(ReferralLine {
            commission_id: None,
            partner_id: recruit.id.clone(),
            trigger: ReferralTrigger::Approved,
            percentage: None,
            base: Decimal::ZERO,
            amount: amount.normalize(),
        })],
        accrued_at: at,
        holdback_days: Some(campaign.holdback_days.unwrap_or(0)),
        original_id: None,
        reason: None,
        note: None,
        deal: None,
        tier_id: None,
        revenue_minor: None,
    }
}
