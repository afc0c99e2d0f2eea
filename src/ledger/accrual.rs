//! Accrual: an event becomes (at most) one commission, exactly once.
//!
//! Set-based. A batch (one `recordEvents` call, or the `recordEvent` calls
//! that arrived together, see [`super::ingest`]) is accrued in one
//! transaction with a fixed number of statements, whatever its size:
//!
//! 1. lock the batch's partners (PostgreSQL `FOR UPDATE`, in id order, so two
//!    batches never wait on each other in a cycle; SQLite serializes writers);
//! 2. read what the items refer to: events with their `externalId`s (a
//!    redelivery with the same payload returns the original result, another
//!    payload is `CONFLICT`), campaigns, enrollments, snapshots, groups,
//!    customers, and each partner's totals;
//! 3. evaluate the items in order in memory, carrying each partner's and
//!    customer's history from item to item;
//! 4. write customers, events and commissions with multi-row statements.
//!
//! Because every delivery of a partner's events takes that partner's lock
//! before it looks for the `externalId`, concurrent deliveries of one event
//! see each other: one writes, the others find it.

use super::{BreakdownEntry, CommissionKind, CommissionStatus};
use crate::campaigns::enrollment::{self, Terms};
use crate::campaigns::{self, CampaignStatus};
use crate::db::Db;
use crate::directory::partners::{self, PartnerStatus};
use crate::engine::{Charge, Currency, EventKind, RuleSet, RuleType, customer_month};
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::input;
use chrono::{DateTime, SubsecRound, Utc};
use entity::{
    campaign, commission, customer, enrollment as enrollment_row, event, partner,
    partner_commission, partner_group, partner_total,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Most events one `recordEvents` call takes.
pub const MAX_BATCH: usize = 1000;
/// Largest `metadata` accepted, as JSON text.
pub const MAX_METADATA_BYTES: usize = 4096;

#[derive(Debug, Clone)]
pub enum PartnerRef {
    Id(String),
    ExternalId(String),
}

/// An event as a client sent it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub external_id: String,
    pub partner: PartnerRef,
    pub campaign_id: Option<String>,
    pub customer_external_id: Option<String>,
    pub customer_acquired_at: Option<DateTime<Utc>>,
    pub kind: EventKind,
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub revenue: Option<Decimal>,
    pub metadata: Option<serde_json::Value>,
}

#[derive(Clone)]
pub struct Recorded {
    pub event: event::Model,
    pub commissions: Vec<commission::Model>,
    pub duplicate: bool,
}

impl NewEvent {
    /// The canonical text of the payload, compared on redelivery. Decimals are
    /// normalized, so `12.0` and `12` are the same payload.
    fn payload(&self) -> String {
        let partner = match &self.partner {
            PartnerRef::Id(id) => serde_json::json!({ "id": id }),
            PartnerRef::ExternalId(id) => serde_json::json!({ "externalId": id }),
        };
        serde_json::json!({
            "partner": partner,
            "campaignId": self.campaign_id,
            "customerExternalId": self.customer_external_id,
            "customerAcquiredAt": self.customer_acquired_at.map(|t| t.to_rfc3339()),
            "kind": format!("{:?}", self.kind),
            "amount": self.amount.normalize().to_string(),
            "currency": self.currency,
            "occurredAt": self.occurred_at.map(|t| t.to_rfc3339()),
            "revenue": self.revenue.map(|r| r.normalize().to_string()),
            "metadata": self.metadata,
        })
        .to_string()
    }
}

fn bad(prefix: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_input(format!("{prefix}.{field}"), message)
}

/// Amount checks that need no database: sign, size, precision.
fn minor_units(prefix: &str, field: &str, amount: Decimal, currency: Currency) -> ApiResult<i64> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(bad(
            prefix,
            field,
            "must not be negative (record a refund instead)",
        ));
    }
    currency
        .to_minor(amount)
        .map_err(|e| bad(prefix, field, e.to_string()))
}

/// One event of a batch, with the path its errors name (`input`, `input[3]`).
#[derive(Debug, Clone)]
pub struct Item {
    pub prefix: String,
    pub event: NewEvent,
}

/// Records a batch in one transaction. Each item is answered on its own: a
/// bad item is rejected before anything is written and never blocks the
/// others. Should a statement of the set-based write fail (an `externalId`
/// taken at that moment by a delivery for another partner, say), the batch is
/// rolled back and redone one item per savepoint, so the failure stays with
/// its item.
pub async fn record_batch(
    db: &Db,
    tenant_id: &str,
    items: Vec<Item>,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad_input(
            "input",
            format!("must have at most {MAX_BATCH} events"),
        ));
    }
    // A batch that loses a race (two batches inserting the same externalIds
    // in opposite orders wait on each other in the unique index) is run
    // again as a whole; any other failure falls back to one item at a time.
    let items = &items;
    let whole = db
        .retrying(|| async move {
            let txn = db.write().await?;
            match accrue(&*txn, tenant_id, items).await {
                Ok(results) => {
                    txn.commit().await?;
                    Ok(Some(results))
                }
                Err(ApiError::Contention) => Err(ApiError::Contention),
                Err(err) if items.len() == 1 => Ok(Some(vec![Err(err)])),
                Err(_) => Ok(None),
            }
        })
        .await;
    match whole {
        Ok(Some(results)) => return Ok(results),
        Err(err) if items.len() == 1 => return Ok(vec![Err(err)]),
        Err(err @ ApiError::Unavailable) => return Err(err),
        Ok(None) | Err(_) => {}
    }
    let txn = db.write().await?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let savepoint = txn.begin().await?;
        match accrue(&savepoint, tenant_id, std::slice::from_ref(item)).await {
            Ok(mut one) => {
                savepoint.commit().await?;
                results.push(one.pop().unwrap_or(Err(ApiError::Internal)));
            }
            Err(err) => {
                savepoint.rollback().await?;
                results.push(Err(err));
            }
        }
    }
    txn.commit().await?;
    Ok(results)
}

/// Records a batch as up to `parts` transactions side by side (PostgreSQL;
/// SQLite has one writer, so it passes 1).
///
/// Items that share a partner or an `externalId` always stay in one
/// transaction, in input order, so the history each item sees and which of
/// two deliveries of an `externalId` wins are exactly what one transaction
/// would give. When the batch names partners both by id and by `externalId`,
/// one read resolves them first, so a partner named both ways is still one
/// group. Independent groups are spread over the transactions by size
/// (largest first, onto the lightest), and their partner locks never meet.
/// Measured in docs/BENCHMARKS.md: two transactions on two cores.
pub async fn record_split(
    db: &Db,
    tenant_id: &str,
    items: Vec<Item>,
    parts: usize,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    if parts <= 1 || items.len() < 2 || items.len() > MAX_BATCH {
        return record_batch(db, tenant_id, items).await;
    }
    let resolved = resolve_partners(db, tenant_id, &items).await?;
    let groups = independent_groups(&items, &resolved, parts);
    if groups.len() <= 1 {
        return record_batch(db, tenant_id, items).await;
    }
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    // Tasks of their own, so the parts' evaluation also runs on both cores.
    let runs: Vec<_> = groups
        .into_iter()
        .map(|positions| {
            let part: Vec<Item> = positions.iter().filter_map(|&i| slots[i].take()).collect();
            let (db, tenant_id) = (db.clone(), tenant_id.to_owned());
            let task = tokio::spawn(async move { record_batch(&db, &tenant_id, part).await });
            (positions, task)
        })
        .collect();
    // A part that failed as a whole (the database went away, say) answers
    // each of its items with that error; the other parts' answers stand.
    let mut results: Vec<Option<ApiResult<Recorded>>> = (0..slots.len()).map(|_| None).collect();
    for (positions, task) in runs {
        match task.await {
            Ok(Ok(part)) => {
                for (position, result) in positions.into_iter().zip(part) {
                    results[position] = Some(result);
                }
            }
            Ok(Err(err)) => {
                for position in positions {
                    results[position] = Some(Err(err.clone()));
                }
            }
            Err(join) => {
                let err = ApiError::internal("batch part", join);
                for position in positions {
                    results[position] = Some(Err(err.clone()));
                }
            }
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Err(ApiError::Internal)))
        .collect())
}

/// Partner ids by `externalId`, read only when the batch names partners both
/// ways (a partner has one id and one `externalId`, so otherwise the
/// references themselves tell partners apart).
async fn resolve_partners(
    db: &Db,
    tenant_id: &str,
    items: &[Item],
) -> ApiResult<HashMap<String, String>> {
    let by_id = items
        .iter()
        .any(|i| matches!(i.event.partner, PartnerRef::Id(_)));
    let external: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| match &i.event.partner {
            PartnerRef::ExternalId(id) => Some(id.as_str()),
            PartnerRef::Id(_) => None,
        })
        .collect();
    if !by_id || external.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::ExternalId.is_in(external))
        .all(db.conn())
        .await?
        .into_iter()
        .filter_map(|p| Some((p.external_id?, p.id)))
        .collect())
}

/// The items' positions in at most `parts` groups, each in input order, such
/// that items sharing a partner or an `externalId` are in the same group.
fn independent_groups(
    items: &[Item],
    partner_ids: &HashMap<String, String>,
    parts: usize,
) -> Vec<Vec<usize>> {
    // Union-find over positions, joined through the keys they share.
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let partner = match &item.event.partner {
            PartnerRef::Id(id) => format!("p:{id}"),
            PartnerRef::ExternalId(ext) => match partner_ids.get(ext) {
                Some(id) => format!("p:{id}"),
                None => format!("x:{ext}"),
            },
        };
        for key in [partner, format!("e:{}", item.event.external_id.trim())] {
            match first_with.get(&key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        components.entry(r).or_default().push(i);
    }
    let mut components: Vec<Vec<usize>> = components.into_values().collect();
    // Largest first onto the lightest group; ties by first position, so the
    // split is the same for the same batch.
    components.sort_by_key(|c| (std::cmp::Reverse(c.len()), c[0]));
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); parts.min(components.len())];
    for component in components {
        if let Some(lightest) = groups.iter_mut().min_by_key(|g| g.len()) {
            lightest.extend(component);
        }
    }
    for group in &mut groups {
        group.sort_unstable();
    }
    groups
}

/// An item that passed the checks needing no database.
struct Checked<'a> {
    prefix: &'a str,
    new: &'a NewEvent,
    external_id: String,
    customer_external_id: Option<String>,
    payload: String,
}

fn check(item: &Item) -> ApiResult<Checked<'_>> {
    let prefix = item.prefix.as_str();
    let new = &item.event;
    let external_id = input::required_text(&format!("{prefix}.externalId"), &new.external_id, 128)?;
    let customer_external_id = input::optional_text(
        &format!("{prefix}.customerExternalId"),
        new.customer_external_id.as_deref(),
        128,
    )?;
    if let Some(metadata) = &new.metadata
        && metadata.to_string().len() > MAX_METADATA_BYTES
    {
        return Err(bad(
            prefix,
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }
    Ok(Checked {
        prefix,
        new,
        external_id,
        customer_external_id,
        payload: new.payload(),
    })
}

/// What a batch reads before it evaluates anything, in a fixed number of
/// statements whatever the batch's size.
#[derive(Default)]
struct Loaded {
    partners: HashMap<String, partner::Model>,
    partner_by_external_id: HashMap<String, String>,
    /// Events recorded before, by `externalId`, with their commissions.
    existing: HashMap<String, (event::Model, Vec<commission::Model>)>,
    campaigns: HashMap<String, campaign::Model>,
    default_campaign: Option<campaign::Model>,
    enrolled: HashSet<(String, String)>,
    /// The newest snapshot row of each (partner, campaign).
    snapshots: HashMap<(String, String), partner_commission::Model>,
    groups: HashMap<String, partner_group::Model>,
}

/// History carried from item to item while a batch is evaluated.
#[derive(Default)]
struct State {
    customers: HashMap<(String, String), customer::Model>,
    /// Customers to write (each once: one statement can't touch a row twice).
    touched: BTreeSet<(String, String)>,
    /// Each partner's totals by (partner id, currency), and those to write.
    totals: HashMap<(String, String), partner_total::Model>,
    touched_totals: BTreeSet<(String, String)>,
    /// Items of this batch already recorded, by `externalId`: index into results.
    recorded: HashMap<String, usize>,
    terms: HashMap<(String, String), Terms>,
}

/// Accrues a batch inside the caller's transaction. The outer error is a
/// failed statement (the caller rolls back); the inner ones are the items'.
async fn accrue(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    items: &[Item],
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    let checked: Vec<ApiResult<Checked>> = items.iter().map(check).collect();
    let loaded = load(conn, tenant_id, &checked).await?;
    let mut state = State {
        totals: load_totals(conn, &loaded).await?,
        customers: load_customers(conn, tenant_id, &loaded, &checked).await?,
        ..State::default()
    };

    let now = crate::db::now();
    let mut results: Vec<ApiResult<Recorded>> = Vec::with_capacity(items.len());
    let mut recorded_new = Vec::new();
    for item in checked {
        let result = match item {
            Ok(item) => evaluate(tenant_id, &loaded, &mut state, &results, item, now),
            Err(err) => Err(err),
        };
        let result = result.map(|outcome| match outcome {
            Outcome::Duplicate(recorded) => recorded,
            Outcome::New(recorded) => {
                state
                    .recorded
                    .insert(recorded.event.external_id.clone(), results.len());
                recorded_new.push(results.len());
                recorded
            }
        });
        results.push(result);
    }

    let customers: Vec<customer::ActiveModel> = state
        .touched
        .iter()
        .filter_map(|key| state.customers.get(key))
        .map(|c| c.clone().into())
        .collect();
    for chunk in customers.chunks(WRITE_CHUNK) {
        customer::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(customer::Column::Id)
                    .update_columns([
                        customer::Column::NetMinor,
                        customer::Column::ThresholdBonusPaid,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let totals: Vec<partner_total::ActiveModel> = state
        .touched_totals
        .iter()
        .filter_map(|key| state.totals.get(key))
        .map(|t| t.clone().into())
        .collect();
    for chunk in totals.chunks(WRITE_CHUNK) {
        partner_total::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    partner_total::Column::PartnerId,
                    partner_total::Column::Currency,
                ])
                .update_columns([
                    partner_total::Column::LtvMinor,
                    partner_total::Column::PayingCustomers,
                ])
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let new: Vec<&Recorded> = recorded_new
        .iter()
        .filter_map(|&i| results[i].as_ref().ok())
        .collect();
    for chunk in new.chunks(WRITE_CHUNK) {
        let rows = chunk
            .iter()
            .map(|r| event::ActiveModel::from(r.event.clone()));
        event::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    // A delivery for another partner took this externalId first.
                    ApiError::Conflict(
                        "an event with this externalId was recorded with another payload".into(),
                    )
                } else {
                    e.into()
                }
            })?;
    }
    let commissions: Vec<&commission::Model> =
        new.iter().flat_map(|r| r.commissions.iter()).collect();
    let mut deltas = super::posting::Deltas::default();
    for chunk in commissions.chunks(WRITE_CHUNK) {
        let rows = chunk
            .iter()
            .map(|c| commission::ActiveModel::from((*c).clone()));
        commission::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    for row in &commissions {
        deltas.add(row, CommissionStatus::Accrued);
    }
    super::posting::add_to_balances(conn, deltas).await?;
    Ok(results)
}

/// Rows per multi-row INSERT: 500 commissions bind 11,500 values, well
/// under both backends' limits.
const WRITE_CHUNK: usize = 500;

/// Locks the batch's partners and reads everything the items refer to.
async fn load(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    checked: &[ApiResult<Checked<'_>>],
) -> ApiResult<Loaded> {
    let valid: Vec<&Checked> = checked.iter().filter_map(|c| c.as_ref().ok()).collect();
    let mut loaded = Loaded::default();
    if valid.is_empty() {
        return Ok(loaded);
    }
    let mut ids = BTreeSet::new();
    let mut external_ids = BTreeSet::new();
    for item in &valid {
        match &item.new.partner {
            PartnerRef::Id(id) => ids.insert(id.as_str()),
            PartnerRef::ExternalId(id) => external_ids.insert(id.as_str()),
        };
    }
    // Serializes accrual per partner: the history read below stays true until
    // commit, and redeliveries of one event queue behind each other. Rows are
    // locked in id order, so two batches never wait on each other in a cycle.
    let partners = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(partner::Column::Id.is_in(ids))
                .add(partner::Column::ExternalId.is_in(external_ids)),
        )
        .order_by_asc(partner::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?;
    for partner in partners {
        if let Some(external) = &partner.external_id {
            loaded
                .partner_by_external_id
                .insert(external.clone(), partner.id.clone());
        }
        loaded.partners.insert(partner.id.clone(), partner);
    }
    if loaded.partners.is_empty() {
        return Ok(loaded);
    }

    let external_ids: BTreeSet<&str> = valid.iter().map(|c| c.external_id.as_str()).collect();
    let existing = event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.is_in(external_ids))
        .all(conn)
        .await?;
    if !existing.is_empty() {
        let mut earned: HashMap<String, Vec<commission::Model>> = HashMap::new();
        for row in commission::Entity::find()
            .filter(commission::Column::EventId.is_in(existing.iter().map(|e| e.id.as_str())))
            .filter(commission::Column::Kind.eq(CommissionKind::Commission.as_str()))
            .order_by_asc(commission::Column::Id)
            .all(conn)
            .await?
        {
            earned.entry(row.event_id.clone()).or_default().push(row);
        }
        for event in existing {
            let rows = earned.remove(&event.id).unwrap_or_default();
            loaded
                .existing
                .insert(event.external_id.clone(), (event, rows));
        }
    }

    let campaign_ids: BTreeSet<&str> = valid
        .iter()
        .filter_map(|c| c.new.campaign_id.as_deref())
        .collect();
    for campaign in campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(campaign::Column::IsDefault.eq(true))
                .add(campaign::Column::Id.is_in(campaign_ids)),
        )
        .all(conn)
        .await?
    {
        if campaign.is_default {
            loaded.default_campaign = Some(campaign.clone());
        }
        loaded.campaigns.insert(campaign.id.clone(), campaign);
    }

    let partner_ids: Vec<&str> = loaded.partners.keys().map(String::as_str).collect();
    let campaign_ids: Vec<&str> = loaded.campaigns.keys().map(String::as_str).collect();
    // Every partner may record in the default campaign: enrollment matters
    // only for the others.
    if loaded.campaigns.values().any(|c| !c.is_default) {
        for row in enrollment_row::Entity::find()
            .filter(enrollment_row::Column::PartnerId.is_in(partner_ids.iter().copied()))
            .filter(enrollment_row::Column::CampaignId.is_in(campaign_ids.iter().copied()))
            .all(conn)
            .await?
        {
            loaded.enrolled.insert((row.partner_id, row.campaign_id));
        }
    }
    // Oldest first: the newest row of each pair is the one left in the map.
    for row in partner_commission::Entity::find()
        .filter(partner_commission::Column::PartnerId.is_in(partner_ids.iter().copied()))
        .filter(partner_commission::Column::CampaignId.is_in(campaign_ids.iter().copied()))
        .order_by_asc(partner_commission::Column::Id)
        .all(conn)
        .await?
    {
        loaded
            .snapshots
            .insert((row.partner_id.clone(), row.campaign_id.clone()), row);
    }
    // Always read: the default campaign has no rules of its own, so its
    // terms fall through to the group unless a snapshot sets them.
    let group_ids: BTreeSet<&str> = loaded
        .partners
        .values()
        .map(|p| p.group_id.as_str())
        .collect();
    for group in partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(group_ids))
        .all(conn)
        .await?
    {
        loaded.groups.insert(group.id.clone(), group);
    }
    Ok(loaded)
}

/// The totals of the batch's partners before the batch, in every currency.
async fn load_totals(
    conn: &impl ConnectionTrait,
    loaded: &Loaded,
) -> ApiResult<HashMap<(String, String), partner_total::Model>> {
    if loaded.partners.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(partner_total::Entity::find()
        .filter(partner_total::Column::PartnerId.is_in(loaded.partners.keys().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| ((t.partner_id.clone(), t.currency.clone()), t))
        .collect())
}

/// The customers the batch names, keyed by (partner id, customer externalId).
async fn load_customers(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    loaded: &Loaded,
    checked: &[ApiResult<Checked<'_>>],
) -> ApiResult<HashMap<(String, String), customer::Model>> {
    // One index probe per customer id, however many customers the partners
    // have; a same-named customer of another partner is an extra row the map
    // below never asks for.
    let external_ids: BTreeSet<&str> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok()?.customer_external_id.as_deref())
        .collect();
    if external_ids.is_empty() || loaded.partners.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customer::Entity::find()
        .filter(customer::Column::TenantId.eq(tenant_id))
        .filter(customer::Column::ExternalId.is_in(external_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| ((c.partner_id.clone(), c.external_id.clone()), c))
        .collect())
}

enum Outcome {
    New(Recorded),
    Duplicate(Recorded),
}

/// Evaluates one item against the loaded rows and the history so far. State
/// changes only once every check has passed: a rejected item leaves no trace.
fn evaluate(
    tenant_id: &str,
    loaded: &Loaded,
    state: &mut State,
    results: &[ApiResult<Recorded>],
    item: Checked,
    now: DateTime<Utc>,
) -> ApiResult<Outcome> {
    let Checked {
        prefix,
        new,
        external_id,
        customer_external_id,
        payload,
    } = item;
    let partner_id = match &new.partner {
        PartnerRef::Id(id) => loaded.partners.contains_key(id).then_some(id),
        PartnerRef::ExternalId(external) => loaded.partner_by_external_id.get(external),
    };
    let partner = partner_id
        .and_then(|id| loaded.partners.get(id))
        .ok_or_else(|| match &new.partner {
            PartnerRef::Id(_) => bad(prefix, "partnerId", "no such partner"),
            PartnerRef::ExternalId(_) => bad(prefix, "partnerExternalId", "no such partner"),
        })?;

    // Exactly once: a redelivery answers with the original result.
    let conflict = || {
        ApiError::Conflict("an event with this externalId was recorded with another payload".into())
    };
    if let Some((event, commissions)) = loaded.existing.get(&external_id) {
        if event.payload != payload {
            return Err(conflict());
        }
        return Ok(Outcome::Duplicate(Recorded {
            event: event.clone(),
            commissions: commissions.clone(),
            duplicate: true,
        }));
    }
    if let Some(&index) = state.recorded.get(&external_id)
        && let Some(Ok(first)) = results.get(index)
    {
        if first.event.payload != payload {
            return Err(conflict());
        }
        return Ok(Outcome::Duplicate(Recorded {
            duplicate: true,
            ..first.clone()
        }));
    }

    if partners::PartnerStatus::of(partner)? != PartnerStatus::Active {
        return Err(bad(prefix, "partnerId", "the partner is not active"));
    }
    let campaign = match &new.campaign_id {
        Some(id) => loaded
            .campaigns
            .get(id)
            .ok_or_else(|| bad(prefix, "campaignId", "no such campaign"))?,
        None => loaded
            .default_campaign
            .as_ref()
            .ok_or_else(|| ApiError::internal("default campaign", tenant_id))?,
    };
    if campaign.status != CampaignStatus::Active.as_str() {
        return Err(bad(prefix, "campaignId", "the campaign is not active"));
    }
    let currency = campaigns::check_currency(&format!("{prefix}.currency"), &campaign.currency)?;
    if let Some(code) = &new.currency
        && code != currency.code()
    {
        return Err(bad(
            prefix,
            "currency",
            format!("must be the campaign's currency, {}", campaign.currency),
        ));
    }
    let amount_minor = minor_units(prefix, "amount", new.amount, currency)?;
    let revenue_minor = new
        .revenue
        .map(|r| minor_units(prefix, "revenue", r, currency))
        .transpose()?;
    if new.kind == EventKind::Sale && amount_minor == 0 {
        return Err(bad(prefix, "amount", "must be greater than 0 for a sale"));
    }
    if new.kind == EventKind::Sale && customer_external_id.is_none() {
        return Err(bad(prefix, "customerExternalId", "is required for a sale"));
    }
    let pair = (partner.id.clone(), campaign.id.clone());
    if !campaign.is_default && !loaded.enrolled.contains(&pair) {
        return Err(bad(
            prefix,
            "campaignId",
            "the partner is not enrolled in this campaign",
        ));
    }

    // Timestamps are kept to the microsecond, as both databases store them,
    // so this reply and any redelivery's are the same.
    let occurred_at = new.occurred_at.unwrap_or(now).trunc_subsecs(6);
    let customer_key = customer_external_id
        .as_ref()
        .map(|external| (partner.id.clone(), external.clone()));
    let customer = match &customer_key {
        Some(key) => match state.customers.get(key) {
            Some(existing) if existing.currency != currency.code() => {
                return Err(bad(
                    prefix,
                    "currency",
                    format!("this customer is billed in {}", existing.currency),
                ));
            }
            Some(existing) => Some(existing.clone()),
            None => Some(customer::Model {
                id: input::new_id(),
                tenant_id: tenant_id.to_owned(),
                partner_id: partner.id.clone(),
                external_id: key.1.clone(),
                currency: currency.code().to_owned(),
                acquired_at: new
                    .customer_acquired_at
                    .map_or(occurred_at, |t| t.trunc_subsecs(6)),
                net_minor: 0,
                threshold_bonus_paid: false,
                created_at: now,
            }),
        },
        None => None,
    };

    if !state.terms.contains_key(&pair) {
        let snapshot = loaded.snapshots.get(&pair).cloned();
        let group = loaded.groups.get(&partner.group_id);
        let terms = enrollment::resolve_terms(snapshot, campaign, group)?;
        state.terms.insert(pair.clone(), terms);
    }
    let terms = &state.terms[&pair];
    let totals_key = (partner.id.clone(), currency.code().to_owned());
    let (ltv_minor, paying) = state
        .totals
        .get(&totals_key)
        .map_or((0, 0), |t| (t.ltv_minor, t.paying_customers));
    let customer_net = customer.as_ref().map_or(0, |c| c.net_minor);
    let charge = Charge {
        kind: new.kind,
        amount: currency.from_minor(amount_minor),
        customer_month: customer
            .as_ref()
            .map_or(1, |c| customer_month(c.acquired_at, occurred_at)),
        partner_ltv: currency.from_minor(Ord::max(ltv_minor, 0)),
        paying_customers: u32::try_from(Ord::max(paying, 0)).unwrap_or(u32::MAX),
        first_paid_customer: new.kind == EventKind::Sale
            && paying == 0
            && customer_net <= 0
            && amount_minor > 0,
        customer_had_threshold_bonus: customer.as_ref().is_some_and(|c| c.threshold_bonus_paid),
    };
    let evaluation = terms.rules.evaluate(&charge, currency);
    let fee_minor = currency
        .to_minor(evaluation.fee)
        .map_err(|e| ApiError::internal("fee", e))?;
    let breakdown = serde_json::to_value(breakdown(&terms.rules, &evaluation.breakdown))
        .map_err(|e| ApiError::internal("breakdown", e))?;

    // Every check has passed: carry the history forward.
    let event = event::Model {
        id: input::new_id(),
        tenant_id: tenant_id.to_owned(),
        external_id,
        partner_id: partner.id.clone(),
        campaign_id: campaign.id.clone(),
        customer_id: customer.as_ref().map(|c| c.id.clone()),
        kind: kind_name(new.kind).to_owned(),
        amount_minor,
        currency: currency.code().to_owned(),
        occurred_at,
        revenue_minor,
        metadata: new.metadata.clone(),
        payload,
        refunded_minor: 0,
        recorded_at: now,
    };
    if let (Some(key), Some(mut customer)) = (customer_key, customer) {
        let totals =
            state
                .totals
                .entry(totals_key.clone())
                .or_insert_with(|| partner_total::Model {
                    partner_id: partner.id.clone(),
                    currency: currency.code().to_owned(),
                    tenant_id: tenant_id.to_owned(),
                    ltv_minor: 0,
                    paying_customers: 0,
                });
        state.touched_totals.insert(totals_key);
        if new.kind == EventKind::Sale {
            let after = customer.net_minor + amount_minor;
            totals.ltv_minor += amount_minor;
            if customer.net_minor <= 0 && after > 0 {
                totals.paying_customers += 1;
            }
            customer.net_minor = after;
            customer.threshold_bonus_paid |= evaluation.threshold_bonus_paid;
        }
        if !state.customers.contains_key(&key) || new.kind == EventKind::Sale {
            state.touched.insert(key.clone());
        }
        state.customers.insert(key, customer);
    }
    let mut commissions = Vec::new();
    // An event that earns nothing leaves no commission row; the event itself
    // records that it was evaluated.
    if fee_minor != 0 {
        let accrued_at = event.occurred_at;
        commissions.push(commission::Model {
            id: input::new_id(),
            tenant_id: tenant_id.to_owned(),
            partner_id: partner.id.clone(),
            campaign_id: campaign.id.clone(),
            event_id: event.id.clone(),
            snapshot_id: terms.snapshot.as_ref().map(|s| s.id.clone()),
            kind: CommissionKind::Commission.as_str().to_owned(),
            amount_minor: fee_minor,
            currency: currency.code().to_owned(),
            status: CommissionStatus::Accrued.as_str().to_owned(),
            breakdown,
            rules_source: terms.rules_source.as_str().to_owned(),
            original_id: None,
            accrued_at,
            recorded_at: now,
            holdback_days: terms.holdback_days,
            mature_at: terms
                .holdback_days
                .map(|days| accrued_at + chrono::Duration::days(days.into())),
            approved_at: None,
            paid_at: None,
            reversed_at: None,
            reversal_reason: None,
            reversal_note: None,
            payout_id: None,
        });
    }
    Ok(Outcome::New(Recorded {
        event,
        commissions,
        duplicate: false,
    }))
}

fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Sale => "SALE",
        EventKind::Lead => "LEAD",
    }
}

pub fn rule_type_name(rule_type: RuleType) -> &'static str {
    match rule_type {
        RuleType::Recurring => "RECURRING",
        RuleType::NewCustomerTimeTier => "NEW_CUSTOMER_TIME_TIER",
        RuleType::PartnerLtvUpgrade => "PARTNER_LTV_UPGRADE",
        RuleType::ChargeThresholdBonus => "CHARGE_THRESHOLD_BONUS",
        RuleType::QualifiedCustomersUpgrade => "QUALIFIED_CUSTOMERS_UPGRADE",
        RuleType::FirstPaidCustomerBonus => "FIRST_PAID_CUSTOMER_BONUS",
        RuleType::FlatFee => "FLAT_FEE",
    }
}

fn breakdown(rules: &RuleSet, lines: &[crate::engine::BreakdownLine]) -> Vec<BreakdownEntry> {
    lines
        .iter()
        .map(|line| BreakdownEntry {
            rule_index: line.rule_index as u32,
            rule_type: rule_type_name(line.rule_type).to_owned(),
            description: rules.entries()[line.rule_index].description.clone(),
            // Normalized: the charge's scale (299.90) is not part of the result.
            percentage: line.percentage.map(|p| p.normalize()),
            amount: line.amount.normalize(),
        })
        .collect()
}

pub async fn find_event(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_id: &str,
) -> ApiResult<Option<event::Model>> {
    Ok(event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(partner: PartnerRef, external_id: &str) -> Item {
        Item {
            prefix: "input".into(),
            event: NewEvent {
                external_id: external_id.into(),
                partner,
                campaign_id: None,
                customer_external_id: None,
                customer_acquired_at: None,
                kind: EventKind::Sale,
                amount: Decimal::ONE,
                currency: None,
                occurred_at: None,
                revenue: None,
                metadata: None,
            },
        }
    }

    fn id(id: &str) -> PartnerRef {
        PartnerRef::Id(id.into())
    }

    #[test]
    fn a_batch_splits_by_partner_largest_group_first() {
        let items = [
            item(id("a"), "1"),
            item(id("b"), "2"),
            item(id("a"), "3"),
            item(id("c"), "4"),
            item(id("a"), "5"),
        ];
        let none = HashMap::new();
        assert_eq!(
            independent_groups(&items, &none, 2),
            vec![vec![0, 2, 4], vec![1, 3]]
        );
        assert_eq!(
            independent_groups(&items, &none, 8),
            vec![vec![0, 2, 4], vec![1], vec![3]]
        );
    }

    #[test]
    fn a_shared_external_id_or_partner_keeps_items_together() {
        // "b" and "c" share an externalId; "a" named by id and by externalId
        // is one partner once resolved.
        let items = [
            item(id("b"), "same"),
            item(PartnerRef::ExternalId("ext-a".into()), "1"),
            item(id("c"), " same"),
            item(id("a"), "2"),
            item(id("d"), "3"),
        ];
        let resolved = HashMap::from([("ext-a".to_owned(), "a".to_owned())]);
        assert_eq!(
            independent_groups(&items, &resolved, 3),
            vec![vec![0, 2], vec![1, 3], vec![4]]
        );
        // Unresolved, the two references are two groups.
        assert_eq!(independent_groups(&items, &HashMap::new(), 8).len(), 4);
    }
}
