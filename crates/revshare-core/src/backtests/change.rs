//! The one change a backtest proposes (SPEC §23): a group's rules, a
//! campaign's rules, a deal plan or a tier (each of the last two replacing
//! one, or new).
//! Kept as JSON on the backtest, so whichever replica runs it replays the
//! same change.

use crate::deals::plans::NewPlan;
use crate::engine::plans::Entries;
use crate::engine::{RuleSet, decode_rules, encode_rules};
use crate::error::ApiResult;
use crate::tiers::book::ProposedTier;
use entity::enums::{AutoAssignRecipient, PartnerType, PaymentTarget};
use entity::{campaign, partner_group, tiered_commission};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    GroupRules {
        group_id: String,
        rules: serde_json::Value,
    },
    CampaignRules {
        campaign_id: String,
        rules: serde_json::Value,
    },
    Tier(StoredTier),
    Plan(StoredPlan),
    /// The terms as they are: a replay that must reproduce the ledger.
    Unchanged {
        of: Object,
    },
}

/// What a change is to: the object whose read scope reads the backtest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Object {
    Group(String),
    Campaign(String),
    Tier(String),
    Plan(String),
}

/// A proposed tier as kept: its row's fields and scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTier {
    pub id: String,
    pub name: String,
    pub status: entity::enums::TierStatus,
    pub start_date: chrono::NaiveDate,
    pub end_date: chrono::NaiveDate,
    pub period: entity::enums::TierPeriod,
    pub apply_to_all_partners: bool,
    pub terms: serde_json::Value,
    pub bonus: Option<String>,
    pub promote_to_group_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub partner_ids: Vec<String>,
    pub campaign_ids: Vec<String>,
}

/// A proposed deal plan as kept: the plan's fields and restrictions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPlan {
    /// The plan it replaces, or a new id (newer than every plan).
    pub id: String,
    pub replaces: bool,
    pub label: String,
    /// Its fixed values' currency.
    pub currency: String,
    pub partner_type: PartnerType,
    pub payment_target: PaymentTarget,
    pub auto_assign_recipient: Option<AutoAssignRecipient>,
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub partner_ids: Vec<String>,
    pub entries: Entries,
}

/// An object as recorded and as the change would make it.
pub struct Versions<T> {
    pub recorded: T,
    pub proposed: T,
    pub changed: bool,
}

impl Change {
    pub fn group_rules(group_id: String, rules: &RuleSet) -> ApiResult<Change> {
        Ok(Change::GroupRules {
            group_id,
            rules: encode_rules(rules)?,
        })
    }

    pub fn campaign_rules(campaign_id: String, rules: &RuleSet) -> ApiResult<Change> {
        Ok(Change::CampaignRules {
            campaign_id,
            rules: encode_rules(rules)?,
        })
    }

    pub fn tier(
        model: tiered_commission::Model,
        partner_ids: Vec<String>,
        campaign_ids: Vec<String>,
    ) -> Change {
        Change::Tier(StoredTier {
            id: model.id,
            name: model.name,
            status: model.status,
            start_date: model.start_date,
            end_date: model.end_date,
            period: model.period,
            apply_to_all_partners: model.apply_to_all_partners,
            terms: model.terms,
            bonus: model.bonus,
            promote_to_group_id: model.promote_to_group_id,
            created_at: model.created_at,
            partner_ids,
            campaign_ids,
        })
    }

    /// A plan in place of plan `replaces`, or a new one.
    pub fn plan(replaces: Option<String>, new: NewPlan) -> Change {
        Change::Plan(StoredPlan {
            replaces: replaces.is_some(),
            id: replaces.unwrap_or_else(crate::input::new_id),
            label: new.label,
            currency: new.currency,
            partner_type: new.partner_type,
            payment_target: new.payment_target,
            auto_assign_recipient: new.auto_assign_recipient,
            group_ids: new.restrictions.group_ids,
            category_ids: new.restrictions.category_ids,
            partner_ids: new.restrictions.partner_ids,
            entries: new.entries,
        })
    }

    /// The object changed.
    pub fn object(&self) -> Object {
        match self {
            Change::GroupRules { group_id, .. } => Object::Group(group_id.clone()),
            Change::CampaignRules { campaign_id, .. } => Object::Campaign(campaign_id.clone()),
            Change::Tier(t) => Object::Tier(t.id.clone()),
            Change::Plan(p) => Object::Plan(p.id.clone()),
            Change::Unchanged { of } => of.clone(),
        }
    }

    /// The kind of the object changed: who finds it reads the backtest.
    pub fn changed(&self) -> crate::auth::access::Kind {
        use crate::auth::access::Kind;
        match self.object() {
            Object::Group(_) => Kind::PartnerGroup,
            Object::Campaign(_) => Kind::Campaign,
            Object::Tier(_) => Kind::TieredCommission,
            Object::Plan(_) => Kind::CommissionPlan,
        }
    }

    /// The plan the change proposes, if it is one.
    pub fn proposed_plan(&self) -> Option<&StoredPlan> {
        match self {
            Change::Plan(plan) => Some(plan),
            _ => None,
        }
    }

    /// The tier the change proposes, if it is one.
    pub fn proposed_tier(&self) -> Option<ProposedTier> {
        let Change::Tier(t) = self else {
            return None;
        };
        Some(ProposedTier {
            model: tiered_commission::Model {
                id: t.id.clone(),
                tenant_id: String::new(),
                name: t.name.clone(),
                notes: None,
                status: t.status,
                start_date: t.start_date,
                end_date: t.end_date,
                period: t.period,
                apply_to_all_partners: t.apply_to_all_partners,
                terms: t.terms.clone(),
                bonus: t.bonus.clone(),
                promote_to_group_id: t.promote_to_group_id.clone(),
                created_at: t.created_at,
                updated_at: t.created_at,
            },
            partner_ids: t.partner_ids.clone(),
            campaign_ids: t.campaign_ids.clone(),
        })
    }

    /// The campaign as recorded and as proposed.
    pub fn campaign(&self, recorded: campaign::Model) -> ApiResult<Versions<campaign::Model>> {
        let proposed = match self {
            Change::CampaignRules { campaign_id, rules } if *campaign_id == recorded.id => {
                decode_rules(rules)?;
                Some(campaign::Model {
                    rules: Some(rules.clone()),
                    ..recorded.clone()
                })
            }
            _ => None,
        };
        Ok(Versions::of(recorded, proposed))
    }

    /// The group as recorded and as proposed.
    pub fn group(
        &self,
        recorded: partner_group::Model,
    ) -> ApiResult<Versions<partner_group::Model>> {
        let proposed = match self {
            Change::GroupRules { group_id, rules } if *group_id == recorded.id => {
                decode_rules(rules)?;
                Some(partner_group::Model {
                    rules: rules.clone(),
                    ..recorded.clone()
                })
            }
            _ => None,
        };
        Ok(Versions::of(recorded, proposed))
    }
}

impl<T: Clone> Versions<T> {
    /// `recorded`, and what the change makes of it (none: unchanged).
    fn of(recorded: T, proposed: Option<T>) -> Versions<T> {
        match proposed {
            Some(proposed) => Versions {
                recorded,
                proposed,
                changed: true,
            },
            None => Versions {
                proposed: recorded.clone(),
                recorded,
                changed: false,
            },
        }
    }
}
