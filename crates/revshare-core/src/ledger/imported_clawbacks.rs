//! Clawbacks brought over from another platform (SPEC §25): what a source
//! took back of a partner on a refund of a sale it had paid on
//! (PartnerStack's negative rewards, FirstPromoter's negative
//! commissions). Each is a clawback of its sale's commission here,
//! dated when the source booked it, so that what a partner is owed after
//! the switch is what the source owed it.
//!
//! A source lists a clawback apart from the commission it takes back, and
//! often before it (newest first): so a page only records the clawback's
//! own event ([`hold`]: `{source}:clawback:{id}`, no money of its own,
//! what was taken back in its metadata), once, as every imported row is;
//! and once the phase's last page is written, each clawback held and not
//! booked yet is booked ([`book`], in a transaction of its own) against
//! the commission it takes back:
//!
//! 1. the imported commission whose sale the clawback's own reference
//!    names (its transaction, or the billing system's event);
//! 2. else, of the commissions of its customer earned by then, the latest
//!    paid or due one — a payout nets a clawback of it at once — else the
//!    latest;
//! 3. else the same of all its partner's commissions in its currency
//!    earned by then; else its partner's latest in its currency.
//!
//! A clawback the source settled (paid) is `PAID`; any other is `APPROVED`
//! and nets into the partner's next payout, as every clawback does. One
//! with no commission of its partner in its currency to take back is still
//! booked — the balance is right — but no payout nets it: the caller lists
//! it as a problem.

use super::imported::{Imported, ImportedCommission, SourceState, payload};
use crate::db::Txn;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::ledger::path::{EventRow, insert_events};
use crate::posting::breakdown::{BreakdownLine, ImportedLine};
use crate::posting::{ImportedTimes, NewCommission, Posting, TermsRef, WRITE_CHUNK};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, EventKind, ReversalReason, TermsSource};
use entity::{commission, customer, event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The metadata keys of a held clawback's event: what was taken back (in
/// minor units of the event's currency), the customer's id in the billing
/// system, the source's reference of the refund or of its sale, and when
/// the source paid it (settled it in a payout).
const TAKEN_MINOR: &str = "clawbackMinor";
const CUSTOMER: &str = "customer";
const REFERENCE: &str = "reference";
const PAID_AT: &str = "paidAt";

/// Records each clawback's own event (`item.external_id`), unless it was
/// recorded before; `dry`: decides only. A voided one is the caller's to
/// refuse before.
pub async fn hold(
    conn: &Txn,
    tenant_id: &str,
    items: &[ImportedCommission],
    dry: bool,
) -> ApiResult<Vec<Imported>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::db::now();
    let recorded: HashSet<String> = event::Entity::find()
        .select_only()
        .column(event::Column::ExternalId)
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.is_in(items.iter().map(|i| i.external_id.as_str())))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        if recorded.contains(&item.external_id) || !seen.insert(item.external_id.as_str()) {
            answers.push(Imported::Unchanged);
            continue;
        }
        // Nothing to take back, or nothing taken back.
        if item.amount_minor >= 0 || matches!(item.state, SourceState::Voided { .. }) {
            answers.push(Imported::Skipped(
                "it takes nothing back: no clawback is imported".into(),
            ));
            continue;
        }
        let mut row = EventRow {
            tenant_id,
            external_id: &item.external_id,
            partner_id: &item.partner_id,
            campaign_id: &item.campaign_id,
            kind: EventKind::Sale,
            // No money changed hands on it: it takes back a sale's.
            amount_minor: 0,
            currency: item.currency.code(),
            occurred_at: item.earned_at,
            payload: &payload(item),
            recorded_at: now,
        }
        .build();
        let paid_at = match item.state {
            SourceState::Paid { at } => Some(at.to_rfc3339()),
            _ => None,
        };
        let mut metadata = serde_json::json!({
            "source": "IMPORT",
            "platform": item.platform,
            "id": item.source_id,
        });
        metadata[TAKEN_MINOR] = item.amount_minor.into();
        metadata[CUSTOMER] = item.customer.as_ref().map(|(c, _)| c.as_str()).into();
        metadata[REFERENCE] = item.sale_reference.as_deref().into();
        metadata[PAID_AT] = paid_at.into();
        row.metadata = Some(metadata);
        events.push(row);
        answers.push(Imported::Written);
    }
    if !dry && !events.is_empty() {
        let mut posting = Posting::imported(now);
        insert_events(conn, events, &mut posting).await?;
        posting.write(conn).await?;
    }
    Ok(answers)
}

/// A clawback booked against no commission: its source id and why.
pub struct Unmatched {
    pub source_id: String,
    pub reason: String,
}

/// Books every clawback held under `{prefix}:clawback:` and not booked yet,
/// each against the commission it takes back (see the module's steps):
/// the ones booked against none.
pub async fn book(
    conn: &Txn,
    tenant_id: &str,
    prefix: &str,
    platform: &str,
) -> ApiResult<Vec<Unmatched>> {
    let held = event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.starts_with(format!("{prefix}:clawback:")))
        .all(conn)
        .await?;
    let mut booked: HashSet<String> = HashSet::new();
    for chunk in held.chunks(WRITE_CHUNK) {
        let ids = chunk.iter().map(|e| e.id.as_str());
        booked.extend(
            commission::Entity::find()
                .select_only()
                .column(commission::Column::EventId)
                .filter(commission::Column::EventId.is_in(ids))
                .filter(commission::Column::Kind.eq(CommissionKind::Clawback))
                .into_tuple::<String>()
                .all(conn)
                .await?,
        );
    }
    let pending: Vec<event::Model> = held
        .into_iter()
        .filter(|e| !booked.contains(&e.id))
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    // The lock order's first step: no payout of these partners meanwhile.
    let partners: BTreeSet<&str> = pending.iter().map(|e| e.partner_id.as_str()).collect();
    crate::posting::locks::partners_by_id(conn, tenant_id, partners.iter().copied()).await?;
    let candidates = Candidates::of(conn, tenant_id, prefix, &partners, &pending).await?;
    // Each partner's, by currency.
    let mut by_partner: HashMap<(&str, &str), Vec<&Candidate>> = HashMap::new();
    for candidate in &candidates.rows {
        let key = (
            candidate.row.partner_id.as_str(),
            candidate.row.currency.as_str(),
        );
        by_partner.entry(key).or_default().push(candidate);
    }
    let now = crate::db::now();
    let mut posting = Posting::imported(now);
    let mut unmatched = Vec::new();
    for held in &pending {
        let taken = Taken::of(held)?;
        let currency = Currency::parse(&held.currency)
            .map_err(|e| ApiError::internal("clawback currency", e))?;
        let customer = taken.customer.as_deref().and_then(|external| {
            candidates
                .customers
                .get(&(held.partner_id.clone(), external.to_owned()))
        });
        let own = by_partner
            .get(&(held.partner_id.as_str(), held.currency.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let original = original_of(
            own,
            taken.reference.as_deref(),
            customer.map(String::as_str),
            held.occurred_at,
        );
        let source_id = source_id_of(held);
        if original.is_none() {
            unmatched.push(Unmatched {
                source_id: source_id.clone(),
                reason: format!(
                    "its clawback of {} {} names no sale revshare imported, and its partner has \
                     no imported commission in {}: it is booked against none, which no payout \
                     nets (settle it by hand)",
                    currency.from_minor(taken.amount_minor),
                    currency.code(),
                    currency.code()
                ),
            });
        }
        let (status, times) = match taken.paid_at {
            Some(at) => (
                CommissionStatus::Paid,
                ImportedTimes {
                    approved_at: Some(at),
                    paid_at: Some(at),
                    ..ImportedTimes::default()
                },
            ),
            None => (
                CommissionStatus::Approved,
                ImportedTimes {
                    approved_at: Some(held.occurred_at),
                    ..ImportedTimes::default()
                },
            ),
        };
        let new = NewCommission {
            kind: CommissionKind::Clawback,
            status,
            tenant_id: tenant_id.to_owned(),
            partner_id: held.partner_id.clone(),
            campaign_id: original
                .map(|o| &o.campaign_id)
                .unwrap_or(&held.campaign_id)
                .clone(),
            event_id: held.id.clone(),
            amount_minor: taken.amount_minor,
            currency: held.currency.clone(),
            terms: TermsRef {
                snapshot_id: None,
                rules_source: TermsSource::None,
            },
            breakdown: vec![BreakdownLine::Imported(ImportedLine {
                platform: platform.to_owned(),
                source_id: source_id.clone(),
                amount: currency.from_minor(taken.amount_minor),
            })],
            accrued_at: held.occurred_at,
            holdback_days: None,
            original_id: original.map(|o| o.id.clone()),
            reason: Some(ReversalReason::Refund),
            note: Some(format!("clawed back at {platform} ({source_id})")),
            deal: None,
            tier_id: None,
            revenue_minor: None,
        };
        posting.add_imported(new, times)?;
    }
    posting.write(conn).await?;
    Ok(unmatched)
}

/// The source's id of a held clawback: its event's, after the prefix.
fn source_id_of(held: &event::Model) -> String {
    held.external_id
        .split_once(":clawback:")
        .map_or(held.external_id.as_str(), |(_, id)| id)
        .to_owned()
}

/// What a held clawback takes back, as its event's metadata keeps it.
struct Taken {
    amount_minor: i64,
    customer: Option<String>,
    reference: Option<String>,
    paid_at: Option<DateTime<Utc>>,
}

impl Taken {
    fn of(held: &event::Model) -> ApiResult<Taken> {
        let metadata = held.metadata.as_ref();
        let field = |key: &str| metadata.and_then(|m| m.get(key));
        let text = |key: &str| field(key).and_then(|v| v.as_str()).map(str::to_owned);
        let amount_minor = field(TAKEN_MINOR)
            .and_then(|v| v.as_i64())
            .filter(|minor| *minor < 0)
            .ok_or_else(|| ApiError::internal("held clawback", &held.external_id))?;
        Ok(Taken {
            amount_minor,
            customer: text(CUSTOMER),
            reference: text(REFERENCE),
            paid_at: text(PAID_AT)
                .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
                .map(|at| at.with_timezone(&Utc)),
        })
    }
}

/// An imported commission a clawback may take back: its row, its sale's
/// customer (row id) and the billing system's reference of its sale.
struct Candidate {
    row: commission::Model,
    customer_id: Option<String>,
    reference: Option<String>,
}

/// The imported commissions of the partners with clawbacks to book, and
/// their customers' row ids by (partner, external id).
struct Candidates {
    rows: Vec<Candidate>,
    customers: HashMap<(String, String), String>,
}

impl Candidates {
    async fn of(
        conn: &Txn,
        tenant_id: &str,
        prefix: &str,
        partners: &BTreeSet<&str>,
        pending: &[event::Model],
    ) -> ApiResult<Candidates> {
        let partners: Vec<&str> = partners.iter().copied().collect();
        // Their imported sales: the customer and the reference of each.
        let mut sales: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
        for chunk in partners.chunks(WRITE_CHUNK) {
            let found: Vec<(String, Option<String>, Option<serde_json::Value>)> =
                event::Entity::find()
                    .select_only()
                    .columns([
                        event::Column::Id,
                        event::Column::CustomerId,
                        event::Column::Metadata,
                    ])
                    .filter(event::Column::TenantId.eq(tenant_id))
                    .filter(event::Column::PartnerId.is_in(chunk.iter().copied()))
                    .filter(event::Column::ExternalId.starts_with(format!("{prefix}:commission:")))
                    .into_tuple()
                    .all(conn)
                    .await?;
            for (id, customer_id, metadata) in found {
                let reference = metadata
                    .as_ref()
                    .and_then(|m| m.get(super::imported::SALE_REFERENCE))
                    .and_then(|r| r.as_str())
                    .map(str::to_owned);
                sales.insert(id, (customer_id, reference));
            }
        }
        let ids: Vec<&str> = sales.keys().map(String::as_str).collect();
        let mut rows = Vec::new();
        for chunk in ids.chunks(WRITE_CHUNK) {
            for row in commission::Entity::find()
                .filter(commission::Column::EventId.is_in(chunk.iter().copied()))
                .filter(commission::Column::Kind.eq(CommissionKind::Commission))
                .filter(commission::Column::Status.ne(CommissionStatus::Reversed))
                .all(conn)
                .await?
            {
                let (customer_id, reference) =
                    sales.get(&row.event_id).cloned().unwrap_or_default();
                rows.push(Candidate {
                    row,
                    customer_id,
                    reference,
                });
            }
        }
        let named: BTreeSet<String> = pending
            .iter()
            .filter_map(|e| Taken::of(e).ok()?.customer)
            .collect();
        let mut customers = HashMap::new();
        let named: Vec<String> = named.into_iter().collect();
        for chunk in named.chunks(WRITE_CHUNK) {
            for row in customer::Entity::find()
                .filter(customer::Column::TenantId.eq(tenant_id))
                .filter(customer::Column::ExternalId.is_in(chunk.iter().map(String::as_str)))
                .all(conn)
                .await?
            {
                customers.insert((row.partner_id, row.external_id), row.id);
            }
        }
        Ok(Candidates { rows, customers })
    }
}

/// The commission a clawback booked `at` takes back, of its partner's
/// imported ones in its currency (`own`): the module's steps.
fn original_of<'c>(
    own: &[&'c Candidate],
    reference: Option<&str>,
    customer_id: Option<&str>,
    at: DateTime<Utc>,
) -> Option<&'c commission::Model> {
    if let Some(reference) = reference
        && let Some(named) = own
            .iter()
            .copied()
            .find(|c| c.reference.as_deref() == Some(reference))
    {
        return Some(&named.row);
    }
    let by_then = |c: &&'c Candidate| c.row.accrued_at <= at;
    let of_customer = own
        .iter()
        .copied()
        .filter(|c| customer_id.is_some() && c.customer_id.as_deref() == customer_id)
        .filter(by_then);
    latest(of_customer, true)
        .or_else(|| latest(own.iter().copied().filter(by_then), true))
        .or_else(|| latest(own.iter().copied(), false))
        .map(|c| &c.row)
}

/// The latest of `pool` by when it was earned — a paid or due one before
/// any other when `settled_first`.
fn latest<'c>(
    pool: impl Iterator<Item = &'c Candidate>,
    settled_first: bool,
) -> Option<&'c Candidate> {
    pool.max_by_key(|c| {
        let settled = matches!(
            c.row.status,
            CommissionStatus::Paid | CommissionStatus::Approved
        );
        (settled_first && settled, c.row.accrued_at, c.row.id.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn candidate(id: &str, day: u32, status: CommissionStatus, customer: &str) -> Candidate {
        let at = Utc.with_ymd_and_hms(2026, 10, day, 10, 0, 0).unwrap();
        Candidate {
            row: commission::Model {
                id: id.to_owned(),
                tenant_id: "t".into(),
                partner_id: "p".into(),
                campaign_id: "c".into(),
                event_id: format!("e-{id}"),
                snapshot_id: None,
                kind: CommissionKind::Commission,
                amount_minor: 1000,
                currency: "USD".into(),
                status,
                breakdown: serde_json::Value::Null,
                lines: None,
                rules_source: TermsSource::None,
                original_id: None,
                accrued_at: at,
                recorded_at: at,
                holdback_days: None,
                mature_at: None,
                approved_at: None,
                paid_at: None,
                reversed_at: None,
                reversal_reason: None,
                reversal_note: None,
                payout_id: None,
                plan_id: None,
                recipient_id: None,
                deal_id: None,
                recipient_pending: false,
                tier_id: None,
                revenue_minor: None,
                staff_payee: false,
            },
            customer_id: Some(customer.to_owned()),
            reference: Some(format!("in_{id}")),
        }
    }

    #[test]
    fn a_clawback_takes_back_its_named_sale_else_its_customers_latest_settled_one() {
        let rows = [
            candidate("a", 1, CommissionStatus::Paid, "cu1"),
            candidate("b", 5, CommissionStatus::Approved, "cu1"),
            candidate("c", 9, CommissionStatus::Accrued, "cu1"),
            candidate("d", 12, CommissionStatus::Paid, "cu2"),
        ];
        let own: Vec<&Candidate> = rows.iter().collect();
        let at = |day| Utc.with_ymd_and_hms(2026, 10, day, 12, 0, 0).unwrap();
        let id = |found: Option<&commission::Model>| found.map(|r| r.id.clone());
        // The sale it names.
        assert_eq!(
            id(original_of(&own, Some("in_a"), Some("cu1"), at(20))),
            Some("a".into())
        );
        // Its customer's latest paid or due one, before a later pending one.
        assert_eq!(
            id(original_of(&own, Some("re_1"), Some("cu1"), at(20))),
            Some("b".into())
        );
        // Only what was earned by then.
        assert_eq!(
            id(original_of(&own, None, Some("cu1"), at(3))),
            Some("a".into())
        );
        // No customer: its partner's latest settled one by then.
        assert_eq!(id(original_of(&own, None, None, at(20))), Some("d".into()));
        // Nothing earned by then: its partner's latest.
        let early = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
        assert_eq!(
            id(original_of(&own, None, Some("cu1"), early)),
            Some("d".into())
        );
        assert_eq!(id(original_of(&[], None, None, early)), None);
    }
}
