//! Commissions brought over from another platform (SPEC §25): the event
//! path's third producer. Each imported commission is one event of the
//! source's sale (`externalId` `{source}:commission:{id}`, metadata
//! `{"source": "IMPORT", …}`) and one `COMMISSION` row with the amount,
//! currency, status and times its platform recorded — never evaluated by
//! revshare's rules, never announced (so never e-mailed or pushed), and
//! counted in the balances and the reports' rollups like any other row.
//!
//! - **Once**: an `externalId` recorded before is `Unchanged` (a second
//!   import, or a run resumed after a crash, adds nothing).
//! - **Not doubled**: a sale the billing connector recorded during the
//!   switch is `Skipped`, naming it — the one whose invoice, charge or
//!   payment the source names, else one of the same customer and amount
//!   (with or without the sale's tax) at the same time ([`same_time`]).
//! - **Never negative**: a negative amount is `Skipped` here (a source's
//!   clawback is booked as one by [`super::imported_clawbacks`]; the other
//!   readers make it a problem row before it gets here).
//! - **History kept for what follows**: the customer's net charges and the
//!   partner's LTV and paying customers grow by the imported sales, so the
//!   next sale is evaluated with the history the partner brought (a time
//!   tier counts months from the customer's attribution).

use crate::db::Txn;
use crate::engine::Currency;
use crate::error::ApiResult;
use crate::ledger::path::{EventRow, Payload, insert_events};
use crate::posting::breakdown::{BreakdownLine, ImportedLine};
use crate::posting::{ImportedTimes, NewCommission, Posting, TermsRef, WRITE_CHUNK};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{CommissionKind, CommissionStatus, EventKind, ReversalReason, TermsSource};
use entity::{connector_link, customer, event, partner_total};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How far apart an imported sale and one the connector recorded may be
/// and still be the same sale, when the source gave the sale's time.
pub const SAME_SALE_WITHIN: Duration = Duration::hours(1);

/// Whether a connector's sale at `connector` may be the imported one at
/// `imported`: within [`SAME_SALE_WITHIN`] of it, or — when the source
/// gave only the sale's date, read as the start of that day in the
/// tenant's zone — on that day in the tenant's zone.
pub fn same_time(imported: DateTime<Utc>, connector: DateTime<Utc>, zone: chrono_tz::Tz) -> bool {
    if (imported - connector).abs() <= SAME_SALE_WITHIN {
        return true;
    }
    let day = connector.with_timezone(&zone).date_naive();
    let start = crate::engine::tiers::day_start(zone, day);
    start == imported && date_only(imported, zone)
}

/// Whether a time is the start of its day in the tenant's zone: how a
/// source's date without a time is read.
fn date_only(at: DateTime<Utc>, zone: chrono_tz::Tz) -> bool {
    crate::engine::tiers::day_start(zone, at.with_timezone(&zone).date_naive()) == at
}

/// The amounts an imported sale may have been charged as: its own, and
/// with the tax the source says it carried (a connector may count either).
pub fn imported_amounts(sale_minor: i64, tax_minor: Option<i64>) -> Vec<i64> {
    let mut amounts = vec![sale_minor];
    if let Some(with_tax) = tax_minor
        .filter(|tax| *tax > 0)
        .and_then(|tax| sale_minor.checked_add(tax))
    {
        amounts.push(with_tax);
    }
    amounts
}

/// Where a commission stood at its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    /// Pending: `ACCRUED`, maturing when the source said it would be due.
    Pending { due_at: Option<DateTime<Utc>> },
    /// Held at the source (a fraud or manual hold): `ACCRUED`, never
    /// maturing by itself — staff approve or reverse it.
    Held,
    /// Due, not paid yet: `APPROVED` — revshare's next payout run pays it.
    Due,
    /// Paid at the source: `PAID`, with its date.
    Paid { at: DateTime<Utc> },
    /// Voided: `REVERSED`, reason `IMPORTED_VOID`.
    Voided { at: DateTime<Utc> },
}

/// A commission as an import hands it over, its partner resolved.
#[derive(Debug, Clone)]
pub struct ImportedCommission {
    /// `{source}:commission:{id}`: the event's `externalId`.
    pub external_id: String,
    /// The platform's name (`Rewardful`) and the commission's id there.
    pub platform: &'static str,
    pub source_id: String,
    pub partner_id: String,
    pub campaign_id: String,
    /// The customer's id in the billing system (`cus_…`), when known, and
    /// when it was attributed.
    pub customer: Option<(String, DateTime<Utc>)>,
    /// The currency the customer is billed in from now on: its campaign's,
    /// which every later sale is recorded (or converted) in, whatever
    /// currency the source counted this one in.
    pub billed_in: String,
    pub currency: Currency,
    pub amount_minor: i64,
    /// The sale it was earned on, in `currency`, when the source says.
    pub sale_minor: Option<i64>,
    /// The sale's tax, in `currency`, when the source says.
    pub sale_tax_minor: Option<i64>,
    /// The billing system's id of the sale (an invoice, charge or payment
    /// id), when the source names it.
    pub sale_reference: Option<String>,
    pub earned_at: DateTime<Utc>,
    pub state: SourceState,
    /// How a paid one was paid at the source, when it says.
    pub paid_by: Option<entity::enums::PayoutMethodType>,
    /// The import campaign's holdback: a pending one the source gave no
    /// due date matures that many days after it was earned.
    pub holdback_days: Option<i32>,
}

/// What importing one commission came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Written,
    /// Imported before: left as it is.
    Unchanged,
    /// Recorded already by another way in (the reason names it).
    Skipped(String),
}

/// Decides each commission and, unless `dry`, writes the new ones — all
/// in the caller's transaction, a fixed number of statements whatever
/// their number.
pub async fn record(
    conn: &Txn,
    tenant_id: &str,
    zone: chrono_tz::Tz,
    items: &[ImportedCommission],
    dry: bool,
) -> ApiResult<Vec<Imported>> {
    let now = crate::db::now();
    if !dry {
        // The lock order's first step, as accrual takes it: no sale of
        // these partners makes their customers' rows meanwhile.
        let partners: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.partner_id.as_str()).collect();
        crate::posting::locks::partners_by_id(conn, tenant_id, partners).await?;
    }
    let recorded: HashSet<String> = event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.is_in(items.iter().map(|i| i.external_id.as_str())))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.external_id)
        .collect();
    let mut customers = Customers::load(conn, tenant_id, items).await?;
    let mut matches = customers.connector_sales(conn, tenant_id, items).await?;
    let mut posting = Posting::imported(now);
    let mut events = Vec::new();
    let mut seen = HashSet::new();
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        if recorded.contains(&item.external_id) || !seen.insert(item.external_id.clone()) {
            answers.push(Imported::Unchanged);
            continue;
        }
        // What a source reader lets through negative is still never a
        // negative commission (the readers make such a row a problem).
        if item.amount_minor < 0 || item.sale_minor.is_some_and(|s| s < 0) {
            answers.push(Imported::Skipped(
                "its amount is negative: a negative commission is not imported".into(),
            ));
            continue;
        }
        if let Some(reason) = matches.take(item, zone) {
            answers.push(Imported::Skipped(reason));
            continue;
        }
        let customer_id = customers.carry(tenant_id, item, now);
        let mut row = EventRow {
            tenant_id,
            external_id: &item.external_id,
            partner_id: &item.partner_id,
            campaign_id: &item.campaign_id,
            kind: EventKind::Sale,
            amount_minor: item.sale_minor.unwrap_or(0),
            currency: item.currency.code(),
            occurred_at: item.earned_at,
            payload: &payload(item),
            recorded_at: now,
        }
        .build();
        row.customer_id = customer_id;
        let mut metadata = serde_json::json!({
            "source": "IMPORT",
            "platform": item.platform,
            "id": item.source_id,
        });
        if let Some(reference) = &item.sale_reference {
            metadata[SALE_REFERENCE] = reference.as_str().into();
        }
        if let Some(tax) = item.sale_tax_minor {
            metadata[SALE_TAX] = tax.into();
        }
        row.metadata = Some(metadata);
        posting.add_imported(commission(tenant_id, item, &row), times(item.state))?;
        events.push(row);
        answers.push(Imported::Written);
    }
    if !dry {
        customers.write(conn, tenant_id).await?;
        insert_events(conn, events, &mut posting).await?;
        posting.write(conn).await?;
    }
    Ok(answers)
}

/// The imported event's metadata key of the billing system's id of its
/// sale, and of the sale's tax in minor units.
pub const SALE_REFERENCE: &str = "saleReference";
pub const SALE_TAX: &str = "saleTaxMinor";

/// The imported sale of the customer `customer_external_id` (at any of
/// its partners) whose billing system's id is one of `references` (an
/// invoice, a charge, a payment): its event's external id. A refund or
/// dispute of a sale paid before the switch finds its commission so.
pub async fn sale_named(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
    customer_external_id: &str,
    references: &[&str],
) -> ApiResult<Option<String>> {
    if references.is_empty() {
        return Ok(None);
    }
    let customers: Vec<String> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::TenantId.eq(tenant_id))
        .filter(customer::Column::ExternalId.eq(customer_external_id))
        .into_tuple()
        .all(conn)
        .await?;
    if customers.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(String, Option<serde_json::Value>)> = event::Entity::find()
        .select_only()
        .columns([event::Column::ExternalId, event::Column::Metadata])
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::CustomerId.is_in(customers))
        .filter(event::Column::Kind.eq(EventKind::Sale))
        // An imported one (`{source}:commission:{id}`).
        .filter(event::Column::ExternalId.like("%:commission:%"))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().find_map(|(external_id, metadata)| {
        let metadata = metadata?;
        let imported = metadata.get("source").and_then(|s| s.as_str()) == Some("IMPORT");
        let named = metadata.get(SALE_REFERENCE).and_then(|r| r.as_str())?;
        (imported && references.contains(&named)).then_some(external_id)
    }))
}

/// The canonical payload an imported commission (or clawback) is recorded
/// with.
pub(super) fn payload(item: &ImportedCommission) -> String {
    Payload::new()
        .field("source", "IMPORT")
        .field("platform", item.platform)
        .field("id", item.source_id.as_str())
        .field("amount", item.amount_minor)
        .field("currency", item.currency.code())
        .at("earnedAt", Some(item.earned_at))
        .text()
}

fn commission(tenant_id: &str, item: &ImportedCommission, event: &event::Model) -> NewCommission {
    let (status, reason) = match item.state {
        SourceState::Pending { .. } | SourceState::Held => (CommissionStatus::Accrued, None),
        SourceState::Due => (CommissionStatus::Approved, None),
        SourceState::Paid { .. } => (CommissionStatus::Paid, None),
        SourceState::Voided { .. } => (
            CommissionStatus::Reversed,
            Some(ReversalReason::ImportedVoid),
        ),
    };
    NewCommission {
        kind: CommissionKind::Commission,
        status,
        tenant_id: tenant_id.to_owned(),
        partner_id: item.partner_id.clone(),
        campaign_id: item.campaign_id.clone(),
        event_id: event.id.clone(),
        amount_minor: item.amount_minor,
        currency: item.currency.code().to_owned(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::None,
        },
        breakdown: vec![BreakdownLine::Imported(ImportedLine {
            platform: item.platform.to_owned(),
            source_id: item.source_id.clone(),
            amount: item.currency.from_minor(item.amount_minor),
        })],
        accrued_at: item.earned_at,
        holdback_days: match item.state {
            SourceState::Pending { due_at: None } => item.holdback_days,
            _ => None,
        },
        original_id: None,
        reason,
        note: None,
        deal: None,
        tier_id: None,
        revenue_minor: None,
    }
}

/// The times a row keeps: approved when it was due or paid (the source
/// tells no other date, so the sale's), paid and voided when they were.
fn times(state: SourceState) -> ImportedTimes {
    match state {
        SourceState::Pending { due_at } => ImportedTimes {
            mature_at: due_at,
            ..ImportedTimes::default()
        },
        SourceState::Held | SourceState::Due => ImportedTimes::default(),
        // Approved when it was paid, as far as anyone can tell.
        SourceState::Paid { at } => ImportedTimes {
            approved_at: Some(at),
            paid_at: Some(at),
            ..ImportedTimes::default()
        },
        SourceState::Voided { at } => ImportedTimes {
            reversed_at: Some(at),
            ..ImportedTimes::default()
        },
    }
}

/// The customers the imported sales are of, and the partners' totals they
/// grow: read once, carried in memory, written with two upserts.
struct Customers {
    /// By (partner, external id).
    rows: HashMap<(String, String), customer::Model>,
    touched: HashSet<(String, String)>,
    /// (partner, currency) → (LTV, paying customers) to add.
    totals: BTreeMap<(String, String), (i64, i64)>,
}

/// A sale recorded otherwise (the connector's) that an imported one may
/// double.
struct Recorded {
    external_id: String,
    amount_minor: i64,
    at: DateTime<Utc>,
}

/// The connector's sales an imported one may double, by customer row id,
/// each taken once; the customers' row ids by (partner, external id); and
/// the invoice each charge or payment the batch's sales name paid.
struct Matches {
    sales: HashMap<String, Vec<Recorded>>,
    customers: HashMap<(String, String), String>,
    paid: HashMap<String, String>,
}

impl Matches {
    /// The reason an imported sale is skipped: the unclaimed connector
    /// sale of its customer that its source's reference names, else one
    /// of the same amount (with or without its tax) at the same time.
    fn take(&mut self, item: &ImportedCommission, zone: chrono_tz::Tz) -> Option<String> {
        let (customer, _) = item.customer.as_ref()?;
        let id = self
            .customers
            .get(&(item.partner_id.clone(), customer.clone()))?;
        let found = self.sales.get_mut(id)?;
        let named = item.sale_reference.as_deref().map(|reference| {
            let invoice = self.paid.get(reference).map(String::as_str);
            move |external_id: &str| {
                let own = external_id.split_once(':').map(|(_, id)| id);
                own == Some(reference) || (own.is_some() && own == invoice)
            }
        });
        if let Some(named) = named
            && let Some(at) = found.iter().position(|sale| named(&sale.external_id))
        {
            let sale = found.remove(at);
            return Some(format!(
                "recorded already as {} (the sale {} the source names)",
                sale.external_id,
                item.sale_reference.as_deref().unwrap_or_default()
            ));
        }
        let amounts = imported_amounts(item.sale_minor?, item.sale_tax_minor);
        let at = found.iter().position(|sale| {
            amounts.contains(&sale.amount_minor) && same_time(item.earned_at, sale.at, zone)
        })?;
        let sale = found.remove(at);
        Some(format!(
            "recorded already as {} (same customer, same amount, same time)",
            sale.external_id
        ))
    }
}

impl Customers {
    async fn load(
        conn: &Txn,
        tenant_id: &str,
        items: &[ImportedCommission],
    ) -> ApiResult<Customers> {
        let external: HashSet<&str> = items
            .iter()
            .filter_map(|i| i.customer.as_ref().map(|(c, _)| c.as_str()))
            .collect();
        let mut rows = HashMap::new();
        if !external.is_empty() {
            for row in customer::Entity::find()
                .filter(customer::Column::TenantId.eq(tenant_id))
                .filter(customer::Column::ExternalId.is_in(external))
                .all(conn)
                .await?
            {
                rows.insert((row.partner_id.clone(), row.external_id.clone()), row);
            }
        }
        Ok(Customers {
            rows,
            touched: HashSet::new(),
            totals: BTreeMap::new(),
        })
    }

    /// The sales recorded for these customers other than by an import.
    async fn connector_sales(
        &self,
        conn: &Txn,
        tenant_id: &str,
        items: &[ImportedCommission],
    ) -> ApiResult<Matches> {
        let ids: HashMap<(String, String), String> = self
            .rows
            .iter()
            .map(|(key, row)| (key.clone(), row.id.clone()))
            .collect();
        let mut by_customer: HashMap<String, Vec<Recorded>> = HashMap::new();
        let wanted: HashSet<&str> = items
            .iter()
            .filter_map(|i| {
                let (customer, _) = i.customer.as_ref()?;
                ids.get(&(i.partner_id.clone(), customer.clone()))
                    .map(String::as_str)
            })
            .collect();
        if !wanted.is_empty() {
            let found: Vec<(String, Option<String>, i64, DateTime<Utc>)> = event::Entity::find()
                .select_only()
                .columns([
                    event::Column::ExternalId,
                    event::Column::CustomerId,
                    event::Column::AmountMinor,
                    event::Column::OccurredAt,
                ])
                .filter(event::Column::TenantId.eq(tenant_id))
                .filter(event::Column::CustomerId.is_in(wanted))
                .filter(event::Column::Kind.eq(EventKind::Sale))
                // Not an imported one (`{source}:commission:{id}`).
                .filter(event::Column::ExternalId.not_like("%:commission:%"))
                .into_tuple()
                .all(conn)
                .await?;
            for (external_id, customer_id, amount_minor, at) in found {
                if let Some(customer_id) = customer_id {
                    by_customer.entry(customer_id).or_default().push(Recorded {
                        external_id,
                        amount_minor,
                        at,
                    });
                }
            }
        }
        // The invoices the charges and payments the sources name paid.
        let references: HashSet<&str> = items
            .iter()
            .filter_map(|i| i.sale_reference.as_deref())
            .collect();
        let mut paid = HashMap::new();
        if !references.is_empty() && !by_customer.is_empty() {
            for link in connector_link::Entity::find()
                .filter(connector_link::Column::TenantId.eq(tenant_id))
                .filter(connector_link::Column::Key.is_in(references))
                .all(conn)
                .await?
            {
                paid.insert(link.key, link.invoice_id);
            }
        }
        Ok(Matches {
            sales: by_customer,
            customers: ids,
            paid,
        })
    }

    /// Grows the customer's net charges and its partner's totals by the
    /// imported sale; answers the customer's row id.
    fn carry(
        &mut self,
        tenant_id: &str,
        item: &ImportedCommission,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let (external, attributed_at) = item.customer.as_ref()?;
        let key = (item.partner_id.clone(), external.clone());
        let row = self
            .rows
            .entry(key.clone())
            .or_insert_with(|| customer::Model {
                id: crate::input::new_id(),
                tenant_id: tenant_id.to_owned(),
                partner_id: item.partner_id.clone(),
                external_id: external.clone(),
                currency: item.billed_in.clone(),
                acquired_at: *attributed_at,
                net_minor: 0,
                threshold_bonus_paid: false,
                created_at: now,
                country: None,
                attributes: None,
            });
        let sale = item.sale_minor.unwrap_or(0);
        if row.currency == item.currency.code()
            && sale > 0
            && !matches!(item.state, SourceState::Voided { .. })
        {
            let was_paying = row.net_minor > 0;
            row.net_minor = row.net_minor.saturating_add(sale);
            let total = self
                .totals
                .entry((item.partner_id.clone(), row.currency.clone()))
                .or_default();
            total.0 += sale;
            total.1 += i64::from(!was_paying && row.net_minor > 0);
        }
        self.touched.insert(key);
        Some(row.id.clone())
    }

    /// The customers touched, and the totals added to.
    async fn write(self, conn: &Txn, tenant_id: &str) -> ApiResult<()> {
        let mut touched: Vec<&(String, String)> = self.touched.iter().collect();
        touched.sort();
        let rows: Vec<customer::ActiveModel> = touched
            .into_iter()
            .filter_map(|key| self.rows.get(key))
            .map(|c| c.clone().into())
            .collect();
        for chunk in rows.chunks(WRITE_CHUNK) {
            customer::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(customer::Column::Id)
                        .update_columns([customer::Column::NetMinor])
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        let totals: Vec<partner_total::ActiveModel> = self
            .totals
            .into_iter()
            .map(|((partner_id, currency), (ltv, paying))| {
                partner_total::Model {
                    partner_id,
                    currency,
                    tenant_id: tenant_id.to_owned(),
                    ltv_minor: ltv,
                    paying_customers: paying,
                }
                .into()
            })
            .collect();
        let add = |column: partner_total::Column| {
            Expr::col((partner_total::Entity, column)).add(Expr::col((
                sea_orm::sea_query::Alias::new("excluded"),
                column,
            )))
        };
        for chunk in totals.chunks(WRITE_CHUNK) {
            partner_total::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        partner_total::Column::PartnerId,
                        partner_total::Column::Currency,
                    ])
                    .value(
                        partner_total::Column::LtvMinor,
                        add(partner_total::Column::LtvMinor),
                    )
                    .value(
                        partner_total::Column::PayingCustomers,
                        add(partner_total::Column::PayingCustomers),
                    )
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn la(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        chrono_tz::America::Los_Angeles
            .with_ymd_and_hms(2026, 3, day, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_date_only_sale_is_the_same_as_one_that_day_in_the_tenants_zone() {
        let zone = chrono_tz::America::Los_Angeles;
        // A date is the start of its day there: all that day matches.
        assert!(same_time(la(10, 0, 0), la(10, 20, 0), zone));
        assert!(same_time(la(10, 0, 0), la(10, 23, 59), zone));
        assert!(!same_time(la(10, 0, 0), la(11, 1, 30), zone));
        // Within the hour before it still is.
        assert!(same_time(la(10, 0, 0), la(9, 23, 30), zone));
        // A time of day is within the hour, not its day.
        assert!(same_time(la(10, 9, 0), la(10, 9, 45), zone));
        assert!(!same_time(la(10, 9, 0), la(10, 17, 0), zone));
        // Midnight in UTC is not a date in Los Angeles.
        let utc_midnight = Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap();
        assert!(!same_time(utc_midnight, la(9, 20, 0), zone));
    }

    #[test]
    fn an_imported_sale_may_be_charged_with_its_tax() {
        assert_eq!(imported_amounts(3000, Some(300)), vec![3000, 3300]);
        assert_eq!(imported_amounts(3000, Some(0)), vec![3000]);
        assert_eq!(imported_amounts(3000, None), vec![3000]);
        assert_eq!(imported_amounts(i64::MAX, Some(1)), vec![i64::MAX]);
    }
}
