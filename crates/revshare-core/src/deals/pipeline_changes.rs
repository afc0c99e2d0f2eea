//! Changing a pipeline in use (SPEC §14): a stage archived once no open
//! deal sits in it; a custom field renamed, its options renamed, added,
//! reordered, and removed only while nothing uses them; a contact changed
//! or archived. What deals already hold and earned stays.

use super::plans;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::input::{self, MAX_NAME_CHARS};
use entity::enums::{DealRegistration, DealStatus};
use entity::{commission_plan, contact, custom_field, custom_field_option, deal, deal_field_value};
use entity::{deal_stage, deal_term};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use std::collections::{HashMap, HashSet};

/// Archives a stage: no deal moves to it or is created or approved at it
/// from now on, and moves no longer reach it. Refused while an open or won
/// deal sits in it.
pub async fn archive_stage(db: &Db, tenant_id: &str, id: &str) -> ApiResult<deal_stage::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let stage = deal_stage::Entity::find_by_id(id.to_owned())
                .filter(deal_stage::Column::TenantId.eq(tenant_id))
                .lock_exclusive()
                .one(&*txn)
                .await?
                .ok_or_else(|| ApiError::bad_input("id", "no such deal stage"))?;
            if stage.archived_at.is_some() {
                return Err(ApiError::Conflict("the stage is already archived".into()));
            }
            let sitting = deal::Entity::find()
                .filter(deal::Column::TenantId.eq(tenant_id))
                .filter(deal::Column::StageId.eq(id))
                .filter(deal::Column::Status.ne(DealStatus::Lost))
                .filter(
                    deal::Column::Registration
                        .is_in([DealRegistration::NotRequired, DealRegistration::Approved]),
                )
                .count(&*txn)
                .await?;
            if sitting > 0 {
                return Err(ApiError::Conflict(format!(
                    "{sitting} open deal(s) sit in this stage: move or close them first"
                )));
            }
            let mut active = stage.into_active_model();
            active.archived_at = Set(Some(crate::db::now()));
            let stage = active.update(&*txn).await?;
            Ok(stage)
        })
    })
    .await
}

/// An option as `updateCustomField` gives it: an existing one by id
/// (renamed), or a new one.
pub struct OptionChange {
    pub id: Option<String>,
    pub label: String,
}

/// Renames a custom field and sets its options: the list given, in its
/// order — existing ones by id (renamed), new ones without. An option left
/// out is removed, unless a deal holds it or a plan (or a deal's frozen
/// terms) scales by it: then `CONFLICT`.
pub async fn update_field(
    db: &Db,
    tenant_id: &str,
    id: &str,
    name: Option<&str>,
    options: Option<Vec<OptionChange>>,
) -> ApiResult<custom_field::Model> {
    let name = name
        .map(|n| input::required_line("input.name", n, MAX_NAME_CHARS))
        .transpose()?;
    let options = options
        .map(|o| checked_options(o, "input.options"))
        .transpose()?;
    let (name, options) = (&name, &options);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let field = custom_field::Entity::find_by_id(id.to_owned())
                .filter(custom_field::Column::TenantId.eq(tenant_id))
                .lock_exclusive()
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::bad_input("id", "no such custom field"))?;
            if let Some(name) = name {
                let taken = custom_field::Entity::find()
                    .filter(custom_field::Column::TenantId.eq(tenant_id))
                    .filter(custom_field::Column::Name.eq(name.as_str()))
                    .filter(custom_field::Column::Id.ne(id))
                    .one(conn)
                    .await?;
                if taken.is_some() {
                    return Err(ApiError::bad_input(
                        "input.name",
                        "is already another field's",
                    ));
                }
            }
            if let Some(options) = options {
                set_options(conn, tenant_id, id, options).await?;
            }
            let mut active = field.into_active_model();
            if let Some(name) = name {
                active.name = Set(name.clone());
            }
            let field = active.update(conn).await?;
            Ok(field)
        })
    })
    .await
}

/// The options given, labels checked: 1 to [`super::pipeline::MAX_OPTIONS`],
/// distinct (ignoring case), ids once each.
fn checked_options(options: Vec<OptionChange>, at: &str) -> ApiResult<Vec<OptionChange>> {
    let most = super::pipeline::MAX_OPTIONS;
    if options.is_empty() || options.len() > most {
        return Err(ApiError::bad_input(
            at,
            format!("must have 1 to {most} options"),
        ));
    }
    let (mut labels, mut ids) = (HashSet::new(), HashSet::new());
    let mut checked = Vec::with_capacity(options.len());
    for (i, option) in options.into_iter().enumerate() {
        let field = format!("{at}[{i}].label");
        let label = input::required_line(&field, &option.label, MAX_NAME_CHARS)?;
        if !labels.insert(label.to_lowercase()) {
            return Err(ApiError::bad_input(field, "repeats another option"));
        }
        if let Some(id) = &option.id
            && !ids.insert(id.clone())
        {
            return Err(ApiError::bad_input(
                format!("{at}[{i}].id"),
                "repeats another option",
            ));
        }
        checked.push(OptionChange {
            id: option.id,
            label,
        });
    }
    Ok(checked)
}

async fn set_options(
    conn: &crate::db::Txn,
    tenant_id: &str,
    field_id: &str,
    options: &[OptionChange],
) -> ApiResult<()> {
    let current: HashMap<String, custom_field_option::Model> = custom_field_option::Entity::find()
        .filter(custom_field_option::Column::CustomFieldId.eq(field_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    for (i, option) in options.iter().enumerate() {
        if let Some(id) = &option.id
            && !current.contains_key(id)
        {
            return Err(ApiError::bad_input(
                format!("input.options[{i}].id"),
                "no such option of this field",
            ));
        }
    }
    let kept: HashSet<&str> = options.iter().filter_map(|o| o.id.as_deref()).collect();
    let removed: Vec<&custom_field_option::Model> = current
        .values()
        .filter(|o| !kept.contains(o.id.as_str()))
        .collect();
    if let Some(used) = in_use(conn, tenant_id, &removed).await? {
        return Err(ApiError::Conflict(used));
    }
    if !removed.is_empty() {
        custom_field_option::Entity::delete_many()
            .filter(custom_field_option::Column::Id.is_in(removed.iter().map(|o| o.id.clone())))
            .exec(conn)
            .await?;
    }
    // Labels move through placeholders, so two options may swap theirs
    // without meeting the unique label index halfway.
    for option in current.values().filter(|o| kept.contains(o.id.as_str())) {
        let mut active = option.clone().into_active_model();
        active.label = Set(format!("\u{1}{}", option.id));
        active.update(conn).await?;
    }
    for (position, option) in options.iter().enumerate() {
        let row = custom_field_option::ActiveModel {
            id: Set(option.id.clone().unwrap_or_else(input::new_id)),
            tenant_id: Set(tenant_id.to_owned()),
            custom_field_id: Set(field_id.to_owned()),
            label: Set(option.label.clone()),
            position: Set(position as i32),
        };
        let written = match option.id {
            Some(_) => row.update(conn).await.map(|_| ()),
            None => custom_field_option::Entity::insert(row)
                .exec_without_returning(conn)
                .await
                .map(|_| ()),
        };
        written.map_err(|e| match violates(&e, keys::OPTION_LABEL) {
            true => ApiError::bad_input(
                format!("input.options[{position}].label"),
                "repeats another option",
            ),
            false => e.into(),
        })?;
    }
    Ok(())
}

/// What uses one of `options`, in words; `None` when nothing does.
async fn in_use(
    conn: &crate::db::Txn,
    tenant_id: &str,
    options: &[&custom_field_option::Model],
) -> ApiResult<Option<String>> {
    let Some(first) = options.first() else {
        return Ok(None);
    };
    let ids: HashSet<&str> = options.iter().map(|o| o.id.as_str()).collect();
    let held = deal_field_value::Entity::find()
        .filter(deal_field_value::Column::TenantId.eq(tenant_id))
        .filter(deal_field_value::Column::OptionId.is_in(ids.iter().copied()))
        .one(conn)
        .await?;
    if let Some(held) = held {
        let label = options
            .iter()
            .find(|o| o.id == held.option_id)
            .unwrap_or(first);
        return Ok(Some(format!(
            "option \"{}\" is held by a deal",
            label.label
        )));
    }
    let scaled_by = |entries: &crate::engine::plans::Entries| {
        entries
            .option_ids()
            .into_iter()
            .find(|id| ids.contains(id.as_str()))
    };
    for plan in commission_plan::Entity::find()
        .filter(commission_plan::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?
    {
        if let Some(id) = scaled_by(&plans::entries_of(&plan)?) {
            let label = options.iter().find(|o| o.id == id).unwrap_or(first);
            return Ok(Some(format!(
                "option \"{}\" scales plan \"{}\"",
                label.label, plan.label
            )));
        }
    }
    let frozen: Vec<serde_json::Value> = deal_term::Entity::find()
        .select_only()
        .column(deal_term::Column::Plan)
        .filter(deal_term::Column::TenantId.eq(tenant_id))
        .into_tuple()
        .all(conn)
        .await?;
    for plan in frozen {
        let plan: super::accrue::FrozenPlan =
            serde_json::from_value(plan).map_err(|e| ApiError::internal("stored deal terms", e))?;
        if let Some(id) = scaled_by(&plan.entries) {
            let label = options.iter().find(|o| o.id == id).unwrap_or(first);
            return Ok(Some(format!(
                "option \"{}\" scales the frozen terms of a deal",
                label.label
            )));
        }
    }
    Ok(None)
}

/// What `updateContact` changes: `None` keeps; an email of `Some(None)`
/// clears it.
pub struct ContactChanges {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
}

pub async fn update_contact(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: ContactChanges,
) -> ApiResult<contact::Model> {
    let name = changes
        .name
        .as_deref()
        .map(|n| input::required_line("input.name", n, MAX_NAME_CHARS))
        .transpose()?;
    let email = match &changes.email {
        Some(email) => Some(input::optional_email("input.email", email.as_deref())?),
        None => None,
    };
    db.transaction(|txn| {
        let name = name.clone();
        let email = email.clone();
        Box::pin(async move {
            let contact = find_contact(&txn, tenant_id, id).await?;
            let mut active = contact.into_active_model();
            if let Some(name) = name {
                active.name = Set(name);
            }
            if let Some(email) = email {
                active.email = Set(email);
            }
            let contact = active.update(&*txn).await?;
            Ok(contact)
        })
    })
    .await
}

/// Archives a contact: no deal or spiff names it from now on; deals and
/// commissions that name it keep it.
pub async fn archive_contact(db: &Db, tenant_id: &str, id: &str) -> ApiResult<contact::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let contact = find_contact(&txn, tenant_id, id).await?;
            if contact.archived_at.is_some() {
                return Err(ApiError::Conflict("the contact is already archived".into()));
            }
            let mut active = contact.into_active_model();
            active.archived_at = Set(Some(crate::db::now()));
            let contact = active.update(&*txn).await?;
            Ok(contact)
        })
    })
    .await
}

async fn find_contact(
    conn: &crate::db::Txn,
    tenant_id: &str,
    id: &str,
) -> ApiResult<contact::Model> {
    contact::Entity::find_by_id(id.to_owned())
        .filter(contact::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("id", "no such contact"))
}
