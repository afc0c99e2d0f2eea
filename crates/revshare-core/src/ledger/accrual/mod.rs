//! Accrual: an event becomes (at most) one commission, exactly once.
//!
//! Set-based. A batch (one `recordEvents` call, or the `recordEvent` calls
//! that arrived together, see [`crate::ingest`]) is accrued in one
//! transaction with a fixed number of statements, whatever its size:
//!
//! 1. lock the batch's partners (PostgreSQL `FOR UPDATE`, in id order, so two
//!    batches never wait on each other in a cycle; SQLite serializes writers)
//!    and read what the items refer to: events with their `externalId`s (a
//!    redelivery with the same payload returns the original result, another
//!    payload is `CONFLICT`), campaigns, enrollments, snapshots, groups,
//!    customers, and each partner's totals — [`load`];
//! 2. evaluate the items in order in memory, carrying each partner's and
//!    customer's history — and its progress toward the tenant's tiers,
//!    read by key ([`crate::tiers::book`]) — from item to item, cut to
//!    what is left of the spend caps over it ([`crate::engagement::caps`])
//!    — [`evaluate`]; a recruit's commissions write its referrers' rewards
//!    ([`rewards`]);
//! 3. write customers, totals, events, and the commissions through the
//!    ledger's posting layer, with multi-row statements — [`write`].
//!
//! Nothing else: what reacts to a sale — the performance bounties and the
//! workflows its commissions reach — runs after it commits, from the
//! `COMMISSION_CREATED` events it wrote ([`super::reactions`]), and can
//! neither fail nor slow it.
//!
//! A `recordEvents` call may run as several such transactions side by side
//! ([`split`]). Because every delivery of a partner's events takes that
//! partner's lock before it looks for the `externalId`, concurrent
//! deliveries of one event see each other: one writes, the others find it.

mod amounts;
mod evaluate;
mod history;
mod load;
mod rewards;
mod same_sale;
mod split;
mod write;

pub use split::record_split;

use crate::db::Db;
use crate::engagement::caps;
use crate::engagement::referrals::ReferralBook;
use crate::engine::{Currency, EventKind};
use crate::error::{ApiError, ApiResult};
use crate::ledger::path::Payload;
use crate::tiers::book::TierBook;
use chrono::{DateTime, Utc};
use entity::enums::HeldReason;
use entity::{commission, event, unattributed_event};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use super::path::MAX_BATCH;
/// Largest `metadata` accepted, as JSON text.
pub const MAX_METADATA_BYTES: usize = 4096;

#[derive(Debug, Clone)]
pub enum PartnerRef {
    Id(String),
    ExternalId(String),
}

impl PartnerRef {
    /// How a payload names the partner: `{"id": …}` or `{"externalId": …}`.
    pub fn payload(&self) -> serde_json::Value {
        match self {
            PartnerRef::Id(id) => serde_json::json!({ "id": id }),
            PartnerRef::ExternalId(id) => serde_json::json!({ "externalId": id }),
        }
    }
}

/// A sale or lead as a client (or a billing connector) sent it.
#[derive(Debug, Clone)]
pub struct NewConversion {
    pub external_id: String,
    /// `None`: the customer's partner, as attributed (SPEC §15); held as an
    /// unattributed event while nobody has attributed the customer.
    pub partner: Option<PartnerRef>,
    pub campaign_id: Option<String>,
    pub customer_external_id: Option<String>,
    pub customer_acquired_at: Option<DateTime<Utc>>,
    pub kind: EventKind,
    pub amount: Decimal,
    /// Omitted: the campaign's currency; another is converted into it at
    /// the rate of the event's day (SPEC §22), or the event is held until
    /// that rate is imported.
    pub currency: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub revenue: Option<Decimal>,
    pub metadata: Option<serde_json::Value>,
    /// What was sold, line by line (SPEC §32); none: one line, the whole
    /// amount.
    pub lines: Vec<crate::ledger::lines::SaleLine>,
    /// The customer's country and attributes, kept on it (newest wins).
    pub customer: Option<crate::ledger::lines::CustomerFacts>,
}

#[derive(Clone)]
pub struct Recorded {
    /// The event; `None` when it is held unattributed.
    pub event: Option<event::Model>,
    pub commissions: Vec<commission::Model>,
    pub duplicate: bool,
    /// Held: it named only a customer nobody has attributed yet, or its
    /// currency has no rate yet (`reason` says which).
    pub held: Option<unattributed_event::Model>,
}

impl NewConversion {
    /// A held event's conversion, read back from its canonical payload.
    fn from_payload(payload: &str) -> ApiResult<NewConversion> {
        let broken = |what: &str| ApiError::internal("held payload", what.to_owned());
        let value: serde_json::Value = serde_json::from_str(payload).map_err(|_| broken("json"))?;
        let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let time = |name: &str| -> ApiResult<Option<DateTime<Utc>>> {
            text(name)
                .map(|t| {
                    DateTime::parse_from_rfc3339(&t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| broken(name))
                })
                .transpose()
        };
        let decimal = |name: &str| -> ApiResult<Option<Decimal>> {
            text(name)
                .map(|d| d.parse::<Decimal>().map_err(|_| broken(name)))
                .transpose()
        };
        let kind = serde_json::from_value(value.get("kind").cloned().unwrap_or_default())
            .map_err(|_| broken("kind"))?;
        // Held for want of a rate, an event may name its partner.
        let partner = match value.get("partner") {
            Some(named) if !named.is_null() => {
                let id = |key: &str| named.get(key).and_then(|v| v.as_str()).map(str::to_owned);
                match (id("id"), id("externalId")) {
                    (Some(id), _) => Some(PartnerRef::Id(id)),
                    (None, Some(external)) => Some(PartnerRef::ExternalId(external)),
                    (None, None) => return Err(broken("partner")),
                }
            }
            _ => None,
        };
        Ok(NewConversion {
            external_id: String::new(),
            partner,
            campaign_id: text("campaignId"),
            customer_external_id: text("customerExternalId"),
            customer_acquired_at: time("customerAcquiredAt")?,
            kind,
            amount: decimal("amount")?.ok_or_else(|| broken("amount"))?,
            currency: text("currency"),
            occurred_at: time("occurredAt")?,
            revenue: decimal("revenue")?,
            metadata: value.get("metadata").filter(|m| !m.is_null()).cloned(),
            lines: match value.get("lines") {
                Some(lines) => {
                    serde_json::from_value(lines.clone()).map_err(|_| broken("lines"))?
                }
                None => Vec::new(),
            },
            customer: value
                .get("customer")
                .map(|c| crate::ledger::lines::CustomerFacts {
                    country: c.get("country").and_then(|v| v.as_str()).map(str::to_owned),
                    attributes: c.get("attributes").filter(|a| !a.is_null()).cloned(),
                }),
        })
    }

    /// The canonical text of the payload, compared on redelivery: stable
    /// names (`"kind": "SALE"`), decimals normalized, so `12.0` and `12` are
    /// the same payload.
    fn payload(&self) -> String {
        Payload::new()
            .field("partner", self.partner.as_ref().map(PartnerRef::payload))
            .field("campaignId", self.campaign_id.clone())
            .field("customerExternalId", self.customer_external_id.clone())
            .at("customerAcquiredAt", self.customer_acquired_at)
            .field("kind", serde_json::json!(self.kind))
            .amount("amount", Some(self.amount))
            .field("currency", self.currency.clone())
            .at("occurredAt", self.occurred_at)
            .amount("revenue", self.revenue)
            .field("metadata", self.metadata.clone())
            .lines(&self.lines, self.customer.as_ref())
            .text()
    }
}

/// Whether a stored payload is the same as a new one. Payloads stored before
/// the names were made stable spelled the kind as the code's own (`"Sale"`):
/// those are read in today's spelling, so their redeliveries are still
/// recognised.
fn same_payload(stored: &str, new: &str) -> bool {
    if stored == new {
        return true;
    }
    let (Ok(mut stored), Ok(new)) = (
        serde_json::from_str::<serde_json::Value>(stored),
        serde_json::from_str::<serde_json::Value>(new),
    ) else {
        return false;
    };
    if let Some(kind) = stored.get_mut("kind") {
        let today = match kind.as_str() {
            Some("Sale") => Some("SALE"),
            Some("Lead") => Some("LEAD"),
            _ => None,
        };
        if let Some(today) = today {
            *kind = serde_json::Value::from(today);
        }
    }
    stored == new
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
    pub event: NewConversion,
    pub source: entity::enums::EventSource,
    /// The payload it was first sent with, for an event accrued from its
    /// held form (so that a redelivery still matches).
    pub first_payload: Option<String>,
    /// What a billing connector knows of its sale beyond the event.
    pub billed: Option<Billed>,
    /// Who sent it, for its activity entry (SPEC §34): the batch writes
    /// one per event it records.
    pub by: Option<crate::activity::Acting>,
}

/// What a billing connector knows of a sale beyond its event, so that it
/// is told from the same sale an import brought over (SPEC §25): the
/// provider's ids of it (invoice, charges, payments), and the amount the
/// connector's commission base did not count (with tax when the base is
/// without it, and the other way round).
#[derive(Debug, Clone, Default)]
pub struct Billed {
    pub references: Vec<String>,
    pub other_minor: Option<i64>,
}

impl Item {
    /// An event sent to the API.
    pub fn new(prefix: impl Into<String>, event: NewConversion) -> Item {
        Item {
            prefix: prefix.into(),
            event,
            source: entity::enums::EventSource::Api,
            first_payload: None,
            billed: None,
            by: crate::activity::acting(),
        }
    }
}

/// Records a batch in one transaction ([`super::path::run`]). Each item
/// is answered on its own: a bad item is rejected before anything is
/// written and never blocks the others.
pub async fn record_batch(
    db: &Db,
    tenant_id: &str,
    items: Vec<Item>,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    let span =
        tracing::info_span!(target: "revshare::ledger", "accrual.batch", events = items.len());
    use tracing::Instrument;
    let sales = Sales { tenant_id };
    super::path::run(db, &items, &sales).instrument(span).await
}

/// The accrual of sales and leads, as a batch producer.
struct Sales<'t> {
    tenant_id: &'t str,
}

impl super::path::Record for Sales<'_> {
    type Item = Item;
    type Answer = Recorded;
    fn record<'a>(
        &'a self,
        conn: &'a crate::db::Txn,
        items: &'a [Item],
    ) -> impl Future<Output = super::path::Answers<Recorded>> + Send + 'a {
        accrue(conn, self.tenant_id, items)
    }
}

/// Accrues a batch inside the caller's transaction. The outer error is a
/// failed statement (the caller rolls back); the inner ones are the items'.
async fn accrue(
    conn: &crate::db::Txn,
    tenant_id: &str,
    items: &[Item],
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    let checked: Vec<ApiResult<load::Checked>> = items.iter().map(load::check).collect();
    let loaded = load::load(conn, tenant_id, &checked).await?;
    let now = crate::db::now();
    let mut batch = evaluate::Batch::new(tenant_id, &loaded, now);
    batch.state.totals = load::totals(conn, &loaded).await?;
    batch.state.customers = load::customers(conn, tenant_id, &loaded, &checked).await?;
    batch.state.had_sale = load::had_sales(conn, tenant_id, &batch.state.customers).await?;
    batch.imported =
        same_sale::ImportedSales::load(conn, tenant_id, &batch.state.customers, &checked, now)
            .await?;
    let counted = checked
        .iter()
        .filter_map(|item| loaded.counted(item.as_ref().ok()?, now));
    batch.tiers = TierBook::load(conn, tenant_id, now, counted).await?;
    let wants: Vec<caps::Want> = checked
        .iter()
        .filter_map(|item| loaded.capped(item.as_ref().ok()?, &batch.state.customers, now))
        .collect();
    batch.caps =
        caps::CapBook::load(conn, tenant_id, &loaded.groups, &loaded.campaigns, &wants).await?;
    batch.referrals = ReferralBook::load(conn, tenant_id, loaded.partners.values()).await?;
    for item in checked {
        batch.push(item);
    }
    let tiers = std::mem::take(&mut batch.tiers);
    tiers.settle(conn, tenant_id, &mut batch.posting).await?;
    let referrals = std::mem::take(&mut batch.referrals);
    let answers = write::write(conn, batch).await?;
    // The events' own entries stand for the act's (`recordEvents` in the
    // caller's transaction writes one per event, not one more).
    if items.iter().any(|item| item.by.is_some()) {
        crate::activity::quiet();
    }
    crate::activity::record(conn, now, entries(items, &answers)).await?;
    referrals.write(conn).await?;
    Ok(answers)
}

/// An activity entry for each event a caller sent that the batch
/// recorded anew (a redelivery changes nothing and writes none): the
/// event, or the held event, with its amount and what it earned.
fn entries(items: &[Item], answers: &[ApiResult<Recorded>]) -> Vec<crate::activity::Entry> {
    items
        .iter()
        .zip(answers)
        .filter_map(|(item, answer)| {
            let (by, recorded) = (item.by.as_ref()?, answer.as_ref().ok()?);
            if recorded.duplicate {
                return None;
            }
            let (kind, id, partner) = match (&recorded.event, &recorded.held) {
                (Some(event), _) => ("Event", &event.id, Some(event.partner_id.as_str())),
                (None, Some(held)) => ("UnattributedEvent", &held.id, None),
                (None, None) => return None,
            };
            let mut entry = by.entry(kind, id).changing(
                "externalId",
                None,
                Some(item.event.external_id.clone()),
            );
            if let Some(partner) = partner {
                entry = entry.about(partner);
            }
            let earned = crate::activity::amounts(
                recorded
                    .commissions
                    .iter()
                    .map(|c| (c.amount_minor, c.currency.as_str())),
            );
            Some(entry.changing("commissions", None, earned))
        })
        .collect()
}

/// Accrues, inside the caller's transaction — one that holds the
/// customer's lock and has just attributed it — the events held for
/// `customer` that occurred from `since` on, oldest first, each exactly
/// once, under the payload it was first sent with. A held event its
/// partner's terms refuse stays held; one in a currency with no rate yet
/// is held for that instead.
/// Answers each held event accrued, with what it recorded.
pub async fn accrue_held(
    conn: &crate::db::Txn,
    tenant_id: &str,
    customer: &str,
    since: DateTime<Utc>,
) -> ApiResult<Vec<(unattributed_event::Model, Recorded)>> {
    use sea_orm::QueryOrder;
    let held = unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(tenant_id))
        .filter(unattributed_event::Column::CustomerExternalId.eq(customer))
        .filter(unattributed_event::Column::Reason.eq(HeldReason::Unattributed))
        .filter(unattributed_event::Column::AccruedAt.is_null())
        .filter(unattributed_event::Column::OccurredAt.gte(since))
        .order_by_asc(unattributed_event::Column::OccurredAt)
        .order_by_asc(unattributed_event::Column::Id)
        .all(conn)
        .await?;
    accrue_rows(conn, tenant_id, held).await
}

/// Accrues, inside the caller's transaction — one that has just imported
/// exchange rates — the tenant's events held for want of a rate, oldest
/// first, each exactly once; one still without a rate within 7 days stays
/// held. Answers each held event accrued, with what it recorded.
pub async fn accrue_rated(
    conn: &crate::db::Txn,
    tenant_id: &str,
) -> ApiResult<Vec<(unattributed_event::Model, Recorded)>> {
    use sea_orm::QueryOrder;
    let held = unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(tenant_id))
        .filter(unattributed_event::Column::Reason.eq(HeldReason::NoExchangeRate))
        .filter(unattributed_event::Column::AccruedAt.is_null())
        .order_by_asc(unattributed_event::Column::OccurredAt)
        .order_by_asc(unattributed_event::Column::Id)
        .all(conn)
        .await?;
    accrue_rows(conn, tenant_id, held).await
}

/// Accrues held rows in their order under the payloads they were first
/// sent with; a row held again (for another reason now) is kept held.
async fn accrue_rows(
    conn: &crate::db::Txn,
    tenant_id: &str,
    held: Vec<unattributed_event::Model>,
) -> ApiResult<Vec<(unattributed_event::Model, Recorded)>> {
    use sea_orm::sea_query::Expr;
    if held.is_empty() {
        return Ok(Vec::new());
    }
    let items = held
        .iter()
        .map(|row| {
            let mut event = NewConversion::from_payload(&row.payload)?;
            event.external_id = row.external_id.clone();
            // Its time as held (given, or when it was first recorded).
            event.occurred_at = Some(row.occurred_at);
            Ok(Item {
                prefix: "held".to_owned(),
                event,
                source: row.source,
                first_payload: Some(row.payload.clone()),
                billed: None,
                // Accrued by the act that released it, whose entry it is.
                by: None,
            })
        })
        .collect::<ApiResult<Vec<Item>>>()?;
    // Marked first, so the accrual below does not find them held.
    let ids = held.iter().map(|row| row.id.as_str());
    unattributed_event::Entity::update_many()
        .col_expr(
            unattributed_event::Column::AccruedAt,
            Expr::value(crate::db::now()),
        )
        .filter(unattributed_event::Column::Id.is_in(ids))
        .exec(conn)
        .await?;
    let answers = accrue(conn, tenant_id, &items).await?;
    let mut accrued = Vec::new();
    let mut still_held = Vec::new();
    for (row, answer) in held.iter().zip(answers) {
        match answer {
            Ok(recorded) if recorded.event.is_some() => accrued.push((row.clone(), recorded)),
            _ => still_held.push(row.id.as_str()),
        }
    }
    if !still_held.is_empty() {
        unattributed_event::Entity::update_many()
            .col_expr(
                unattributed_event::Column::AccruedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(unattributed_event::Column::Id.is_in(still_held))
            .exec(conn)
            .await?;
    }
    Ok(accrued)
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

    #[test]
    fn a_payload_stored_with_the_old_spelling_of_the_kind_is_the_same() {
        let new = r#"{"amount":"12.3","kind":"SALE","partner":{"id":"p"}}"#;
        assert!(same_payload(
            r#"{"amount":"12.3","kind":"Sale","partner":{"id":"p"}}"#,
            new
        ));
        assert!(!same_payload(
            r#"{"amount":"12.4","kind":"Sale","partner":{"id":"p"}}"#,
            new
        ));
        assert!(!same_payload(
            r#"{"amount":"12.3","kind":"Lead","partner":{"id":"p"}}"#,
            new
        ));
    }
}
