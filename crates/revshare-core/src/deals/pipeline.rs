//! A tenant's sales pipeline — its deal stages, in order, and the custom
//! select fields deals carry — and contacts, the people deals name.

use crate::auth::access::Rows;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::input::{self, MAX_NAME_CHARS};
use entity::{contact, custom_field, custom_field_option, deal_stage, partner};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashSet;

/// Highest stage position: positions order the pipeline, 0 to this.
pub const MAX_POSITION: i32 = 10_000;
/// Most options a custom field has.
pub const MAX_OPTIONS: usize = 100;

pub async fn create_stage(
    db: &Db,
    tenant_id: &str,
    name: &str,
    position: i32,
    is_won: bool,
) -> ApiResult<deal_stage::Model> {
    let name = input::required_line("input.name", name, MAX_NAME_CHARS)?;
    check_position(position)?;
    db.transaction(|txn| {
        let name = name.clone();
        Box::pin(async move {
            not_taken(&*txn, tenant_id, None, Some(&name), Some(position)).await?;
            let stage = deal_stage::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                name: Set(name),
                position: Set(position),
                is_won: Set(is_won),
                archived_at: Set(None),
                created_at: Set(crate::db::now()),
            };
            let stage = deal_stage::Entity::insert(stage)
                .exec_with_returning(&*txn)
                .await
                .map_err(position_taken)?;
            crate::activity::created("DealStage", &stage.id, &stage);
            Ok(stage)
        })
    })
    .await
}

/// What `updateDealStage` changes; `None` keeps.
pub struct StageChanges {
    pub name: Option<String>,
    pub position: Option<i32>,
    pub is_won: Option<bool>,
}

/// Renames, moves or marks a stage. Deals keep what they reached: a new
/// position changes which stages a later move reaches, never what was
/// earned; marking a stage won wins the deals that reach it from now on.
pub async fn update_stage(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: StageChanges,
) -> ApiResult<deal_stage::Model> {
    let name = changes
        .name
        .as_deref()
        .map(|n| input::required_line("input.name", n, MAX_NAME_CHARS))
        .transpose()?;
    if let Some(position) = changes.position {
        check_position(position)?;
    }
    let (name, changes) = (&name, &changes);
    db.transaction(|txn| {
        Box::pin(async move {
            let stage = deal_stage::Entity::find_by_id(id.to_owned())
                .filter(deal_stage::Column::TenantId.eq(tenant_id))
                .lock_exclusive()
                .one(&*txn)
                .await?
                .ok_or_else(|| ApiError::bad_input("id", "no such deal stage"))?;
            not_taken(
                &*txn,
                tenant_id,
                Some(id),
                name.as_deref(),
                changes.position,
            )
            .await?;
            let mut active = deal_stage::ActiveModel::from(stage);
            if let Some(name) = name {
                active.name = Set(name.clone());
            }
            if let Some(position) = changes.position {
                active.position = Set(position);
            }
            if let Some(is_won) = changes.is_won {
                active.is_won = Set(is_won);
            }
            let stage = deal_stage::Entity::update(active)
                .exec(&*txn)
                .await
                .map_err(position_taken)?;
            Ok(stage)
        })
    })
    .await
}

fn check_position(position: i32) -> ApiResult<()> {
    if !(0..=MAX_POSITION).contains(&position) {
        return Err(ApiError::bad_input(
            "input.position",
            format!("must be between 0 and {MAX_POSITION}"),
        ));
    }
    Ok(())
}

fn position_taken(e: sea_orm::DbErr) -> ApiError {
    match violates(&e, keys::STAGE_POSITION) {
        true => ApiError::bad_input("input.position", "is already another stage's"),
        false => e.into(),
    }
}

/// Refuses a name or position another stage (not `except`) has.
async fn not_taken(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    except: Option<&str>,
    name: Option<&str>,
    position: Option<i32>,
) -> ApiResult<()> {
    let wanted = [
        (
            deal_stage::Column::Name,
            name.map(sea_orm::Value::from),
            "input.name",
        ),
        (
            deal_stage::Column::Position,
            position.map(sea_orm::Value::from),
            "input.position",
        ),
    ];
    for (column, value, field) in wanted {
        let Some(value) = value else { continue };
        let mut select = deal_stage::Entity::find()
            .filter(deal_stage::Column::TenantId.eq(tenant_id))
            .filter(column.eq(value));
        if let Some(except) = except {
            select = select.filter(deal_stage::Column::Id.ne(except));
        }
        if select.one(conn).await?.is_some() {
            return Err(ApiError::bad_input(field, "is already another stage's"));
        }
    }
    Ok(())
}

/// The tenant's stages in pipeline order, archived ones only when asked.
pub async fn stages(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    include_archived: bool,
) -> ApiResult<Vec<deal_stage::Model>> {
    let mut select = deal_stage::Entity::find().filter(deal_stage::Column::TenantId.eq(tenant_id));
    if !include_archived {
        select = select.filter(deal_stage::Column::ArchivedAt.is_null());
    }
    Ok(select
        .order_by_asc(deal_stage::Column::Position)
        .all(conn)
        .await?)
}

/// A custom select field and its options, in the order given.
pub async fn create_field(
    db: &Db,
    tenant_id: &str,
    name: &str,
    options: &[String],
) -> ApiResult<custom_field::Model> {
    let name = input::required_line("input.name", name, MAX_NAME_CHARS)?;
    if options.is_empty() || options.len() > MAX_OPTIONS {
        return Err(ApiError::bad_input(
            "input.options",
            format!("must have 1 to {MAX_OPTIONS} options"),
        ));
    }
    let mut labels = Vec::with_capacity(options.len());
    let mut seen = HashSet::new();
    for (i, option) in options.iter().enumerate() {
        let field = format!("input.options[{i}]");
        let label = input::required_line(&field, option, MAX_NAME_CHARS)?;
        if !seen.insert(label.to_lowercase()) {
            return Err(ApiError::bad_input(field, "repeats another option"));
        }
        labels.push(label);
    }
    db.transaction(|txn| {
        let name = name.clone();
        let labels = labels.clone();
        Box::pin(async move {
            let taken = custom_field::Entity::find()
                .filter(custom_field::Column::TenantId.eq(tenant_id))
                .filter(custom_field::Column::Name.eq(name.as_str()))
                .one(&*txn)
                .await?;
            if taken.is_some() {
                return Err(ApiError::bad_input(
                    "input.name",
                    "is already another field's",
                ));
            }
            let field = custom_field::Entity::insert(custom_field::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                name: Set(name),
                created_at: Set(crate::db::now()),
            })
            .exec_with_returning(&*txn)
            .await?;
            crate::activity::created("CustomField", &field.id, &field);
            let rows = labels.into_iter().enumerate().map(|(position, label)| {
                custom_field_option::ActiveModel {
                    id: Set(input::new_id()),
                    tenant_id: Set(tenant_id.to_owned()),
                    custom_field_id: Set(field.id.clone()),
                    label: Set(label),
                    position: Set(position as i32),
                }
            });
            custom_field_option::Entity::insert_many(rows)
                .exec_without_returning(&*txn)
                .await?;
            Ok(field)
        })
    })
    .await
}

/// The tenant's custom fields, oldest first.
pub async fn fields(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<custom_field::Model>> {
    Ok(custom_field::Entity::find()
        .filter(custom_field::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_field::Column::Id)
        .all(conn)
        .await?)
}

/// Every option of the tenant's fields.
pub async fn options(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<custom_field_option::Model>> {
    Ok(custom_field_option::Entity::find()
        .filter(custom_field_option::Column::TenantId.eq(tenant_id))
        .order_by_asc(custom_field_option::Column::Position)
        .all(conn)
        .await?)
}

#[derive(Clone)]
pub struct NewContact {
    /// The partner whose staff the contact is; `None`: the tenant's own.
    pub partner_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
}

pub async fn create_contact(
    db: &Db,
    tenant_id: &str,
    new: NewContact,
) -> ApiResult<contact::Model> {
    let name = input::required_line("input.name", &new.name, MAX_NAME_CHARS)?;
    let email = input::optional_email("input.email", new.email.as_deref())?;
    db.transaction(|txn| {
        let new = new.clone();
        let name = name.clone();
        let email = email.clone();
        Box::pin(async move {
            if let Some(partner_id) = &new.partner_id {
                partner::Entity::find_by_id(partner_id.clone())
                    .filter(partner::Column::TenantId.eq(tenant_id))
                    .one(&*txn)
                    .await?
                    .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
            }
            let contact = contact::Entity::insert(contact::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                partner_id: Set(new.partner_id),
                name: Set(name),
                email: Set(email),
                archived_at: Set(None),
                created_at: Set(crate::db::now()),
            })
            .exec_with_returning(&*txn)
            .await?;
            crate::activity::created("Contact", &contact.id, &contact);
            Ok(contact)
        })
    })
    .await
}

/// Contacts of the tenant: all, or one partner's staff; archived ones only
/// when asked.
pub fn contacts(tenant_id: &str, rows: &Rows, include_archived: bool) -> Select<contact::Entity> {
    let mut select = contact::Entity::find().filter(contact::Column::TenantId.eq(tenant_id));
    if !include_archived {
        select = select.filter(contact::Column::ArchivedAt.is_null());
    }
    if let Some(partner_id) = rows.partner_filter() {
        select = select.filter(contact::Column::PartnerId.eq(partner_id));
    }
    select
}

/// Which of `ids` are the tenant's own people (contacts without a
/// partner), whom a spiff may pay: one statement, none for no ids.
pub async fn staff_among(
    conn: &impl ConnectionTrait,
    ids: HashSet<&str>,
) -> ApiResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(contact::Entity::find()
        .select_only()
        .column(contact::Column::Id)
        .filter(contact::Column::Id.is_in(ids))
        .filter(contact::Column::PartnerId.is_null())
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// A contact a deal or a spiff may name: the deal partner's staff, or the
/// tenant's own people, not archived.
pub async fn contact_for(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    contact_id: &str,
    field: &str,
) -> ApiResult<contact::Model> {
    contact::Entity::find_by_id(contact_id.to_owned())
        .filter(contact::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .filter(|c| c.partner_id.as_deref().is_none_or(|p| p == partner_id))
        .filter(|c| c.archived_at.is_none())
        .ok_or_else(|| {
            ApiError::bad_input(
                field,
                "no such contact (not archived) of the deal's partner or of the tenant",
            )
        })
}
