//! Tiered performance commissions (SPEC §9, seed 004): partners who reach
//! goals in a period earn more (or the network earns less) on what follows,
//! and optionally on what came before.
//!
//! - this module: tiers — create, update (a whole replacement), read, list
//!   — checking what only the database knows (the partners and campaigns
//!   a tier names); the terms themselves are validated by the engine
//!   ([`crate::engine::tiers::TierTerms`]);
//! - [`book`]: a tier's effect at accrual — progress per partner, campaign
//!   and period, read by key and written back once per batch, the modifier
//!   of the best reached tier, and the retroactive adjustments of the
//!   moment a tier is first reached, exactly once.
//!
//! Lowering progress on refunds and reversals is the ledger's
//! ([`crate::tiers::progress`]), beside its other kept totals.

pub mod book;
pub mod progress;

use crate::db::Db;
use crate::engine::Currency;
use crate::engine::tiers::{EARLIEST_DATE, LATEST_DATE, Period, TierTerms};
use crate::error::{ApiError, ApiResult};
use crate::input::{self, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use chrono::NaiveDate;
use chrono_tz::Tz;
use entity::enums::{TierPeriod, TierStatus};
use entity::{
    campaign, partner, tiered_commission, tiered_commission_campaign, tiered_commission_partner,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Select,
};
use std::collections::HashSet;

/// Most partners or campaigns one tier names.
pub const MAX_SCOPE_IDS: usize = 500;

/// A tier as given: every field, on creation and on update alike.
#[derive(Clone)]
pub struct NewTier {
    pub name: String,
    pub notes: Option<String>,
    pub status: TierStatus,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub period: TierPeriod,
    pub apply_to_all_partners: bool,
    pub partner_ids: Vec<String>,
    pub campaign_ids: Vec<String>,
    pub terms: TierTerms,
    /// Paid once per partner, campaign and period when first reached.
    pub bonus: Option<rust_decimal::Decimal>,
    /// The group a partner moves into the first time it reaches the tier.
    pub promote_to_group_id: Option<String>,
}

/// The engine's period of a stored one.
pub fn period(period: TierPeriod) -> Period {
    match period {
        TierPeriod::Daily => Period::Daily,
        TierPeriod::Weekly => Period::Weekly,
        TierPeriod::Monthly => Period::Monthly,
        TierPeriod::Quarterly => Period::Quarterly,
        TierPeriod::Global => Period::Global,
    }
}

/// The stored terms of a tier (valid when written).
/// Whether `tier` covers a partner `linked` to it or not: every partner
/// when it applies to all, else the partners linked. The one rule for
/// accrual (the book) and for the progress partners read.
pub fn covers(tier: &tiered_commission::Model, linked: bool) -> bool {
    tier.apply_to_all_partners || linked
}

pub fn terms_of(tier: &tiered_commission::Model) -> ApiResult<TierTerms> {
    serde_json::from_value(tier.terms.clone()).map_err(|e| ApiError::internal("stored tier", e))
}

/// A tenant's time zone: an IANA name, checked when it was set.
pub fn time_zone(name: &str) -> ApiResult<Tz> {
    name.parse::<Tz>().map_err(|_| {
        ApiError::Conflict(format!(
            "the program's time zone {name} is unknown: its settings must name a known one"
        ))
    })
}

pub async fn create(db: &Db, tenant_id: &str, new: NewTier) -> ApiResult<tiered_commission::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            let fields = check(&*txn, tenant_id, &new).await?;
            let now = crate::db::now();
            let tier = model((input::new_id(), tenant_id, now), fields, &new)?;
            let tier =
                tiered_commission::Entity::insert(tiered_commission::ActiveModel::from(tier))
                    .exec_with_returning(&*txn)
                    .await?;
            set_scope(&*txn, &tier, &new).await?;
            crate::activity::created("TieredCommission", &tier.id, &tier);
            Ok(tier)
        })
    })
    .await
}

/// Replaces a tier's fields and scope. Progress kept so far stays: a period
/// reached stays reached, and the new terms apply from the next event.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    new: NewTier,
) -> ApiResult<tiered_commission::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            let current = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("tiered commission"))?;
            let fields = check(&*txn, tenant_id, &new).await?;
            let before = current.clone();
            let identity = (current.id, tenant_id, current.created_at);
            let tier = tiered_commission::Model {
                updated_at: crate::db::now(),
                ..model(identity, fields, &new)?
            };
            // Every column written, not only those a fresh active model marks changed.
            tiered_commission::Entity::update(
                tiered_commission::ActiveModel::from(tier.clone()).reset_all(),
            )
            .exec(&*txn)
            .await?;
            tiered_commission_partner::Entity::delete_many()
                .filter(tiered_commission_partner::Column::TierId.eq(id))
                .exec(&*txn)
                .await?;
            tiered_commission_campaign::Entity::delete_many()
                .filter(tiered_commission_campaign::Column::TierId.eq(id))
                .exec(&*txn)
                .await?;
            set_scope(&*txn, &tier, &new).await?;
            crate::activity::compared(Some(&before), Some(&tier));
            Ok(tier)
        })
    })
    .await
}

/// A tier as `new` would make it, checked as `createTieredCommission` and
/// `updateTieredCommission` check it, written nowhere (a backtest's
/// proposal, SPEC §23). Replacing tier `id`, it keeps that tier's id and
/// creation; a new one counts every event (it is dated at the start of
/// time).
pub async fn proposed(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: Option<&str>,
    new: &NewTier,
) -> ApiResult<tiered_commission::Model> {
    let current = match id {
        Some(id) => Some(
            find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("tiered commission"))?,
        ),
        None => None,
    };
    let fields = check(conn, tenant_id, new).await?;
    let (id, created_at) = match current {
        Some(current) => (current.id, current.created_at),
        None => (input::new_id(), chrono::DateTime::<chrono::Utc>::MIN_UTC),
    };
    model((id, tenant_id, created_at), fields, new)
}

/// The row of a tier: its identity (id, tenant, creation, which it was
/// last updated at too) and every field `new` sets.
fn model(
    (id, tenant_id, created_at): (String, &str, chrono::DateTime<chrono::Utc>),
    fields: Checked,
    new: &NewTier,
) -> ApiResult<tiered_commission::Model> {
    Ok(tiered_commission::Model {
        id,
        tenant_id: tenant_id.to_owned(),
        name: fields.name,
        notes: fields.notes,
        status: new.status,
        start_date: new.start_date,
        end_date: new.end_date,
        period: new.period,
        apply_to_all_partners: new.apply_to_all_partners,
        terms: stored(&new.terms)?,
        bonus: new.bonus.map(|b| b.normalize().to_string()),
        promote_to_group_id: new.promote_to_group_id.clone(),
        created_at,
        updated_at: created_at,
    })
}

fn stored(terms: &TierTerms) -> ApiResult<serde_json::Value> {
    serde_json::to_value(terms).map_err(|e| ApiError::internal("encode tier", e))
}

struct Checked {
    name: String,
    notes: Option<String>,
}

/// What the engine does not check: texts, dates, scope, and that the ids
/// are the tenant's.
async fn check(conn: &impl ConnectionTrait, tenant_id: &str, new: &NewTier) -> ApiResult<Checked> {
    let name = input::required_line("input.name", &new.name, MAX_NAME_CHARS)?;
    let notes = input::optional_text("input.notes", new.notes.as_deref(), MAX_NOTE_CHARS)?;
    for (field, date) in [
        ("input.startDate", new.start_date),
        ("input.endDate", new.end_date),
    ] {
        if !(EARLIEST_DATE..=LATEST_DATE).contains(&date) {
            return Err(ApiError::bad_input(
                field,
                format!("must be from {EARLIEST_DATE} to {LATEST_DATE}"),
            ));
        }
    }
    if new.end_date < new.start_date {
        return Err(ApiError::bad_input(
            "input.endDate",
            "must be on or after startDate",
        ));
    }
    match (new.apply_to_all_partners, new.partner_ids.is_empty()) {
        (false, true) => {
            return Err(ApiError::bad_input(
                "input.partnerIds",
                "name at least one partner, or set applyToAllPartners",
            ));
        }
        (true, false) => {
            return Err(ApiError::bad_input(
                "input.partnerIds",
                "must be empty when applyToAllPartners is set",
            ));
        }
        _ => {}
    }
    if new.campaign_ids.is_empty() {
        return Err(ApiError::bad_input(
            "input.campaignIds",
            "name at least one campaign",
        ));
    }
    let partners: Vec<String> = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Id.is_in(new.partner_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    check_ids("input.partnerIds", &new.partner_ids, &partners)?;
    let campaigns = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::Id.is_in(new.campaign_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    let ids: Vec<String> = campaigns.iter().map(|c| c.id.clone()).collect();
    check_ids("input.campaignIds", &new.campaign_ids, &ids)?;
    for campaign in &campaigns {
        let currency = crate::campaigns::check_currency("input.campaignIds", &campaign.currency)?;
        check_amounts(&new.terms, currency)?;
    }
    if let Some(group) = &new.promote_to_group_id {
        entity::partner_group::Entity::find_by_id(group.clone())
            .filter(entity::partner_group::Column::TenantId.eq(tenant_id))
            .one(conn)
            .await?
            .ok_or_else(|| {
                ApiError::bad_input("input.promoteToGroupId", "no such partner group")
            })?;
    }
    Ok(Checked { name, notes })
}

/// The terms' amounts — goals and maxima of payout, revenue and sale
/// amount, flat and exact modifiers — are amounts in each campaign's
/// currency: at most its decimals, as an event's amount.
fn check_amounts(terms: &TierTerms, currency: Currency) -> ApiResult<()> {
    let mut amounts = Vec::new();
    for (group, metrics) in [("goals", &terms.goals), ("maxima", &terms.maxima)] {
        amounts.push((format!("input.{group}.payout"), metrics.payout));
        amounts.push((format!("input.{group}.revenue"), metrics.revenue));
        amounts.push((format!("input.{group}.saleAmount"), metrics.sale_amount));
    }
    for (name, modifier) in [
        ("payout", &terms.payout),
        ("revenue", &terms.revenue),
        ("retroactivePayout", &terms.retroactive_payout),
        ("retroactiveRevenue", &terms.retroactive_revenue),
    ] {
        if let Some(modifier) = modifier.filter(|m| m.action.is_amount()) {
            amounts.push((format!("input.{name}.value"), modifier.value));
        }
    }
    for (field, amount) in amounts {
        if crate::engine::decimals(amount) > currency.minor_units() {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "has more than {} decimal places for {}, a campaign's currency",
                    currency.minor_units(),
                    currency
                ),
            ));
        }
    }
    Ok(())
}

/// Each id once, each found, at most [`MAX_SCOPE_IDS`].
fn check_ids(field: &str, ids: &[String], found: &[String]) -> ApiResult<()> {
    crate::input::check_id_list(field, ids, 0, MAX_SCOPE_IDS)?;
    let found: HashSet<&str> = found.iter().map(String::as_str).collect();
    crate::input::check_found(
        field,
        ids,
        |id| found.contains(id),
        "no such id in this tenant",
    )
}

async fn set_scope(
    conn: &impl ConnectionTrait,
    tier: &tiered_commission::Model,
    new: &NewTier,
) -> ApiResult<()> {
    let partners = new
        .partner_ids
        .iter()
        .map(|id| tiered_commission_partner::ActiveModel {
            tier_id: Set(tier.id.clone()),
            partner_id: Set(id.clone()),
            tenant_id: Set(tier.tenant_id.clone()),
        });
    tiered_commission_partner::Entity::insert_many(partners)
        .exec_without_returning(conn)
        .await?;
    let campaigns = new
        .campaign_ids
        .iter()
        .map(|id| tiered_commission_campaign::ActiveModel {
            tier_id: Set(tier.id.clone()),
            campaign_id: Set(id.clone()),
            tenant_id: Set(tier.tenant_id.clone()),
        });
    tiered_commission_campaign::Entity::insert_many(campaigns)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<tiered_commission::Model>> {
    Ok(tiered_commission::Entity::find_by_id(id.to_owned())
        .filter(tiered_commission::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

pub fn list(tenant_id: &str, status: Option<TierStatus>) -> Select<tiered_commission::Entity> {
    let mut select =
        tiered_commission::Entity::find().filter(tiered_commission::Column::TenantId.eq(tenant_id));
    if let Some(status) = status {
        select = select.filter(tiered_commission::Column::Status.eq(status));
    }
    select
}
