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
//!   switch — an event of the same customer with the same amount within an
//!   hour of the imported one — is `Skipped`, naming it.
//! - **Never negative**: a negative amount is `Skipped` (the source
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
use entity::{customer, event, partner_total};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How far apart an imported sale and one the connector recorded may be
/// and still be the same sale.
pub const SAME_SALE_WITHIN: Duration = Duration::hours(1);

/// Where a commission stood at its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    /// Pending: `ACCRUED`, maturing when the source said it would be due.
    Pending { due_at: Option<DateTime<Utc>> },
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
    pub currency: Currency,
    pub amount_minor: i64,
    /// The sale it was earned on, in `currency`, when the source says.
    pub sale_minor: Option<i64>,
    pub earned_at: DateTime<Utc>,
    pub state: SourceState,
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
        if let Some(reason) = matches.take(item) {
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
        row.metadata = Some(serde_json::json!({
            "source": "IMPORT",
            "platform": item.platform,
            "id": item.source_id,
        }));
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

/// The canonical payload an imported commission is recorded with.
fn payload(item: &ImportedCommission) -> String {
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
        SourceState::Pending { .. } => (CommissionStatus::Accrued, None),
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
        holdback_days: None,
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
        SourceState::Due => ImportedTimes::default(),
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

/// Sales recorded otherwise (the connector's) that an imported one may
/// double: by customer row id, each `(event, amount, time)` taken once.
struct Matches(
    HashMap<String, Vec<(String, i64, DateTime<Utc>)>>,
    HashMap<(String, String), String>,
);

impl Matches {
    /// The reason an imported sale is skipped: an unclaimed sale of the
    /// same customer, amount and currency within the hour.
    fn take(&mut self, item: &ImportedCommission) -> Option<String> {
        let ((customer, _), sale) = (item.customer.as_ref()?, item.sale_minor?);
        let id = self.1.get(&(item.partner_id.clone(), customer.clone()))?;
        let found = self.0.get_mut(id)?;
        let at = found.iter().position(|(_, amount, when)| {
            *amount == sale && (*when - item.earned_at).abs() <= SAME_SALE_WITHIN
        })?;
        let (external_id, _, _) = found.remove(at);
        Some(format!(
            "recorded already as {external_id} (same customer, same amount, within an hour)"
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
        let mut by_customer: HashMap<String, Vec<(String, i64, DateTime<Utc>)>> = HashMap::new();
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
            for (external_id, customer_id, amount, at) in found {
                if let Some(customer_id) = customer_id {
                    by_customer
                        .entry(customer_id)
                        .or_default()
                        .push((external_id, amount, at));
                }
            }
        }
        Ok(Matches(by_customer, ids))
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
                currency: item.currency.code().to_owned(),
                acquired_at: *attributed_at,
                net_minor: 0,
                threshold_bonus_paid: false,
                created_at: now,
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
