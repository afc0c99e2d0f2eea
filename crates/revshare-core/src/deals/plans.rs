//! Commission plans (SPEC §8): what a deal earns, entry by entry, for one
//! partner type and one payment target, within optional restrictions to
//! groups, categories and partners. Entries are validated by the engine
//! ([`crate::engine::plans::Entries`]); this module checks what only the
//! database knows (the stages, fields and options the entries name; the
//! groups, categories and partners the restrictions name) and decides which
//! plans apply to a partner.

use crate::db::Db;
use crate::engine::deals::{self, Candidate, Match, PartnerFacts};
use crate::engine::plans::{Entries, Scaling};
use crate::error::{ApiError, ApiResult};
use crate::input::{self, MAX_NAME_CHARS};
use crate::paging::like_pattern;
use entity::enums::{AutoAssignRecipient, PartnerType, PaymentTarget, PlanMatch};
use entity::{
    category, commission_plan, commission_plan_category, commission_plan_group,
    commission_plan_partner, custom_field, custom_field_option, deal_stage, partner,
    partner_category, partner_group,
};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Select,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Most ids one restriction list names.
pub const MAX_RESTRICTION_IDS: usize = 500;

/// The groups, categories and partners a plan is restricted to; an empty
/// list restricts nothing.
#[derive(Debug, Clone, Default)]
pub struct Restrictions {
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub partner_ids: Vec<String>,
}

#[derive(Clone)]
pub struct NewPlan {
    pub label: String,
    /// Its fixed values' currency (checked by the caller).
    pub currency: String,
    pub partner_type: PartnerType,
    pub payment_target: PaymentTarget,
    pub auto_assign_recipient: Option<AutoAssignRecipient>,
    pub restrictions: Restrictions,
    pub entries: Entries,
}

/// A partial update: `None` leaves a field as it is; a restriction list,
/// when given, replaces the current one.
#[derive(Clone, Default)]
pub struct PlanChanges {
    pub label: Option<String>,
    pub partner_type: Option<PartnerType>,
    pub payment_target: Option<PaymentTarget>,
    pub auto_assign_recipient: Option<Option<AutoAssignRecipient>>,
    pub currency: Option<String>,
    pub group_ids: Option<Vec<String>>,
    pub category_ids: Option<Vec<String>>,
    pub partner_ids: Option<Vec<String>>,
    pub entries: Option<Entries>,
}

pub fn check_label(label: &str) -> ApiResult<String> {
    input::required_line("input.label", label, MAX_NAME_CHARS)
}

/// A spiff names who it pays; a partnership commission pays the partner.
fn check_target(target: PaymentTarget, assign: Option<AutoAssignRecipient>) -> ApiResult<()> {
    match (target, assign) {
        (PaymentTarget::Individual, None) => Err(ApiError::bad_input(
            "input.autoAssignRecipient",
            "is required when paymentTarget is INDIVIDUAL",
        )),
        (PaymentTarget::Partnership, Some(_)) => Err(ApiError::bad_input(
            "input.autoAssignRecipient",
            "is only for paymentTarget INDIVIDUAL",
        )),
        _ => Ok(()),
    }
}

/// The stored entries of a plan (valid when written).
pub fn entries_of(plan: &commission_plan::Model) -> ApiResult<Entries> {
    serde_json::from_value(plan.entries.clone()).map_err(|e| ApiError::internal("stored plan", e))
}

/// Checks a new plan as `createCommissionPlan` does, writing nothing:
/// errors name `input.…`.
pub async fn check(conn: &impl ConnectionTrait, tenant_id: &str, new: &NewPlan) -> ApiResult<()> {
    check_target(new.payment_target, new.auto_assign_recipient)?;
    check_entries(conn, tenant_id, &new.entries, "input").await?;
    check_restrictions(conn, tenant_id, &new.restrictions).await
}

pub async fn create(db: &Db, tenant_id: &str, new: NewPlan) -> ApiResult<commission_plan::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            check(&*txn, tenant_id, &new).await?;
            let now = crate::db::now();
            let plan = commission_plan::Entity::insert(commission_plan::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                label: Set(new.label),
                partner_type: Set(new.partner_type),
                payment_target: Set(new.payment_target),
                auto_assign_recipient: Set(new.auto_assign_recipient),
                currency: Set(new.currency),
                entries: Set(stored(&new.entries)?),
                archived_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(&*txn)
            .await?;
            set_restrictions(
                &*txn,
                tenant_id,
                &plan.id,
                &new.restrictions,
                true,
                true,
                true,
            )
            .await?;
            crate::activity::created("CommissionPlan", &plan.id, &plan);
            Ok(plan)
        })
    })
    .await
}

fn stored(entries: &Entries) -> ApiResult<serde_json::Value> {
    serde_json::to_value(entries).map_err(|e| ApiError::internal("encode plan", e))
}

pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: PlanChanges,
) -> ApiResult<commission_plan::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        Box::pin(async move {
            let current = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("commission plan"))?;
            let target = changes.payment_target.unwrap_or(current.payment_target);
            let assign = changes
                .auto_assign_recipient
                .unwrap_or(current.auto_assign_recipient);
            check_target(target, assign)?;
            let restrictions = Restrictions {
                group_ids: changes.group_ids.clone().unwrap_or_default(),
                category_ids: changes.category_ids.clone().unwrap_or_default(),
                partner_ids: changes.partner_ids.clone().unwrap_or_default(),
            };
            check_restrictions(&*txn, tenant_id, &restrictions).await?;
            let before = current.clone();
            let mut active = current.into_active_model();
            if let Some(entries) = &changes.entries {
                check_entries(&*txn, tenant_id, entries, "input").await?;
                active.entries = Set(stored(entries)?);
            }
            if let Some(label) = changes.label {
                active.label = Set(label);
            }
            if let Some(partner_type) = changes.partner_type {
                active.partner_type = Set(partner_type);
            }
            if let Some(currency) = changes.currency {
                active.currency = Set(currency);
            }
            active.payment_target = Set(target);
            active.auto_assign_recipient = Set(assign);
            active.updated_at = Set(crate::db::now());
            let plan = active.update(&*txn).await?;
            crate::activity::compared(Some(&before), Some(&plan));
            set_restrictions(
                &*txn,
                tenant_id,
                &plan.id,
                &restrictions,
                changes.group_ids.is_some(),
                changes.category_ids.is_some(),
                changes.partner_ids.is_some(),
            )
            .await?;
            Ok(plan)
        })
    })
    .await
}

/// Archives a plan: it applies to no new deal; deals that froze it keep it.
pub async fn archive(db: &Db, tenant_id: &str, id: &str) -> ApiResult<commission_plan::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let current = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("commission plan"))?;
            if current.archived_at.is_some() {
                return Err(ApiError::Conflict("the plan is already archived".into()));
            }
            let before = current.clone();
            let mut active = current.into_active_model();
            let now = crate::db::now();
            active.archived_at = Set(Some(now));
            active.updated_at = Set(now);
            let plan = active.update(&*txn).await?;
            crate::activity::compared(Some(&before), Some(&plan));
            Ok(plan)
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<commission_plan::Model>> {
    Ok(commission_plan::Entity::find_by_id(id.to_owned())
        .filter(commission_plan::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

#[derive(Default, Clone)]
pub struct PlanFilter {
    pub partner_type: Option<PartnerType>,
    pub payment_target: Option<PaymentTarget>,
    pub search: Option<String>,
    pub include_archived: bool,
}

pub fn list(tenant_id: &str, filter: &PlanFilter) -> Select<commission_plan::Entity> {
    let mut select =
        commission_plan::Entity::find().filter(commission_plan::Column::TenantId.eq(tenant_id));
    if let Some(partner_type) = filter.partner_type {
        select = select.filter(commission_plan::Column::PartnerType.eq(partner_type));
    }
    if let Some(target) = filter.payment_target {
        select = select.filter(commission_plan::Column::PaymentTarget.eq(target));
    }
    if let Some(search) = &filter.search {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(commission_plan::Column::Label)))
                .like(LikeExpr::new(like_pattern(search)).escape('\\')),
        );
    }
    if !filter.include_archived {
        select = select.filter(commission_plan::Column::ArchivedAt.is_null());
    }
    select
}

/// The stages, custom fields and options the entries name exist in the
/// tenant (and each option belongs to its field); errors name the path
/// under `prefix` (the argument the entries came in).
pub async fn check_entries(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    entries: &Entries,
    prefix: &str,
) -> ApiResult<()> {
    let stages: HashSet<String> = deal_stage::Entity::find()
        .filter(deal_stage::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let fields: HashSet<String> = custom_field::Entity::find()
        .filter(custom_field::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let options: HashMap<String, String> = custom_field_option::Entity::find()
        .filter(custom_field_option::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.custom_field_id))
        .collect();
    for (i, entry) in entries.entries().iter().enumerate() {
        let at = format!("{prefix}.entries[{i}]");
        if !stages.contains(&entry.payment_stage_id) {
            return Err(ApiError::bad_input(
                format!("{at}.paymentStageId"),
                "no such deal stage",
            ));
        }
        for (path, scaling) in scalings(&format!("{at}.calculation"), &entry.calculation) {
            if !fields.contains(&scaling.custom_field_id) {
                return Err(ApiError::bad_input(
                    format!("{path}.scaling.customFieldId"),
                    "no such custom field",
                ));
            }
            for (j, tier) in scaling.tiers.iter().enumerate() {
                if options.get(&tier.option_id) != Some(&scaling.custom_field_id) {
                    return Err(ApiError::bad_input(
                        format!("{path}.scaling.tiers[{j}].optionId"),
                        "is not an option of the scaling's custom field",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Every scaling of a calculation, with the path of the part that has it.
fn scalings<'a>(
    at: &str,
    calculation: &'a crate::engine::plans::Calculation,
) -> Vec<(String, &'a Scaling)> {
    use crate::engine::plans::Calculation;
    let mut found = Vec::new();
    let mut one_off = |path: String, one: &'a crate::engine::plans::OneOff| {
        if let Some(s) = &one.scaling {
            found.push((path, s));
        }
    };
    let mut recurring_parts = Vec::new();
    match calculation {
        Calculation::OneOff(one) => one_off(format!("{at}.oneOff"), one),
        Calculation::Recurring(rec) => recurring_parts.push((format!("{at}.recurring"), rec)),
        Calculation::Split {
            one_off: one,
            recurring,
        } => {
            one_off(format!("{at}.split.oneOff"), one);
            recurring_parts.push((format!("{at}.split.recurring"), recurring));
        }
    }
    for (path, recurring) in recurring_parts {
        if let Some(s) = &recurring.scaling {
            found.push((path.clone(), s));
        }
        for (k, rate) in recurring.period_rates.iter().enumerate() {
            if let Some(s) = &rate.scaling {
                found.push((format!("{path}.periodRates[{k}]"), s));
            }
        }
    }
    found
}

/// The restriction lists name groups, categories and partners of the
/// tenant, each once, at most [`MAX_RESTRICTION_IDS`] of each.
async fn check_restrictions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    restrictions: &Restrictions,
) -> ApiResult<()> {
    check_ids(conn, "input.groupIds", &restrictions.group_ids, |ids| {
        partner_group::Entity::find()
            .filter(partner_group::Column::TenantId.eq(tenant_id))
            .filter(partner_group::Column::Id.is_in(ids))
            .all(conn)
    })
    .await?;
    check_ids(
        conn,
        "input.categoryIds",
        &restrictions.category_ids,
        |ids| {
            category::Entity::find()
                .filter(category::Column::TenantId.eq(tenant_id))
                .filter(category::Column::Id.is_in(ids))
                .all(conn)
        },
    )
    .await?;
    check_ids(conn, "input.partnerIds", &restrictions.partner_ids, |ids| {
        partner::Entity::find()
            .filter(partner::Column::TenantId.eq(tenant_id))
            .filter(partner::Column::Id.is_in(ids))
            .all(conn)
    })
    .await
}

trait HasId {
    fn id(&self) -> &str;
}

impl HasId for partner_group::Model {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for category::Model {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for partner::Model {
    fn id(&self) -> &str {
        &self.id
    }
}

async fn check_ids<C, M, F, Fut>(_: &C, field: &str, ids: &[String], find: F) -> ApiResult<()>
where
    C: ConnectionTrait,
    M: HasId,
    F: FnOnce(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<M>, sea_orm::DbErr>>,
{
    input::check_id_list(field, ids, 0, MAX_RESTRICTION_IDS)?;
    if ids.is_empty() {
        return Ok(());
    }
    let found: HashSet<String> = find(ids.to_vec())
        .await?
        .iter()
        .map(|m| m.id().to_owned())
        .collect();
    input::check_found(
        field,
        ids,
        |id| found.contains(id),
        "no such id in this tenant",
    )
}

/// Writes the restriction lists that are `replace`d (all of them for a new
/// plan): the current rows go, the given ones come.
async fn set_restrictions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    plan_id: &str,
    restrictions: &Restrictions,
    groups: bool,
    categories: bool,
    partners: bool,
) -> ApiResult<()> {
    if groups {
        commission_plan_group::Entity::delete_many()
            .filter(commission_plan_group::Column::PlanId.eq(plan_id))
            .exec(conn)
            .await?;
        let rows = restrictions
            .group_ids
            .iter()
            .map(|id| commission_plan_group::ActiveModel {
                plan_id: Set(plan_id.to_owned()),
                group_id: Set(id.clone()),
                tenant_id: Set(tenant_id.to_owned()),
            });
        commission_plan_group::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    if categories {
        commission_plan_category::Entity::delete_many()
            .filter(commission_plan_category::Column::PlanId.eq(plan_id))
            .exec(conn)
            .await?;
        let rows =
            restrictions
                .category_ids
                .iter()
                .map(|id| commission_plan_category::ActiveModel {
                    plan_id: Set(plan_id.to_owned()),
                    category_id: Set(id.clone()),
                    tenant_id: Set(tenant_id.to_owned()),
                });
        commission_plan_category::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    if partners {
        commission_plan_partner::Entity::delete_many()
            .filter(commission_plan_partner::Column::PlanId.eq(plan_id))
            .exec(conn)
            .await?;
        let rows = restrictions
            .partner_ids
            .iter()
            .map(|id| commission_plan_partner::ActiveModel {
                plan_id: Set(plan_id.to_owned()),
                partner_id: Set(id.clone()),
                tenant_id: Set(tenant_id.to_owned()),
            });
        commission_plan_partner::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// A plan that applies to a partner, and why.
#[derive(Debug, Clone)]
pub struct Applicable {
    pub plan: commission_plan::Model,
    pub matched_by: PlanMatch,
}

/// The plans that apply to a partner now (SPEC §8): of the plans for its
/// type that are not archived and whose every non-empty restriction it
/// meets, per payment target the most specific — a partner list, then
/// categories, then groups, then none — and among equals the newest.
pub async fn applicable(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner: &partner::Model,
) -> ApiResult<Vec<Applicable>> {
    let plans = commission_plan::Entity::find()
        .filter(commission_plan::Column::TenantId.eq(tenant_id))
        .filter(commission_plan::Column::PartnerType.eq(partner.r#type))
        .filter(commission_plan::Column::ArchivedAt.is_null())
        .order_by_asc(commission_plan::Column::Id)
        .all(conn)
        .await?;
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    let groups = restriction_sets(
        commission_plan_group::Entity::find()
            .filter(commission_plan_group::Column::PlanId.is_in(ids.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.plan_id, r.group_id)),
    );
    let categories = restriction_sets(
        commission_plan_category::Entity::find()
            .filter(commission_plan_category::Column::PlanId.is_in(ids.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.plan_id, r.category_id)),
    );
    let partners = restriction_sets(
        commission_plan_partner::Entity::find()
            .filter(commission_plan_partner::Column::PlanId.is_in(ids.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.plan_id, r.partner_id)),
    );
    let own_categories: BTreeSet<String> = partner_category::Entity::find()
        .filter(partner_category::Column::PartnerId.eq(partner.id.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.category_id)
        .collect();
    let empty = BTreeSet::new();
    let candidates: Vec<Candidate<'_, PaymentTarget>> = plans
        .iter()
        .map(|plan| Candidate {
            target: plan.payment_target,
            groups: groups.get(&plan.id).unwrap_or(&empty),
            categories: categories.get(&plan.id).unwrap_or(&empty),
            partners: partners.get(&plan.id).unwrap_or(&empty),
        })
        .collect();
    let facts = PartnerFacts {
        id: &partner.id,
        group_id: &partner.group_id,
        categories: &own_categories,
    };
    let chosen = deals::applicable(&candidates, &facts);
    Ok(chosen
        .into_iter()
        .map(|(i, matched)| Applicable {
            plan: plans[i].clone(),
            matched_by: match matched {
                Match::Partner => PlanMatch::Partner,
                Match::Category => PlanMatch::Category,
                Match::Group => PlanMatch::Group,
                Match::Any => PlanMatch::Any,
            },
        })
        .collect())
}

fn restriction_sets(
    rows: impl Iterator<Item = (String, String)>,
) -> HashMap<String, BTreeSet<String>> {
    let mut sets: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (plan, target) in rows {
        sets.entry(plan).or_default().insert(target);
    }
    sets
}
