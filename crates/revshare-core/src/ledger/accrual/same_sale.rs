//! A billing connector's sale that an import brought over already
//! (SPEC §25's rule, the connector's side of it): the importer skips a
//! commission whose sale the connector recorded during the switch
//! ([`crate::ledger::imported`]); here a Stripe or Paddle sale of a
//! customer an import brought the same sale of is recorded and earns
//! nothing — it neither accrues again nor grows the customer's history a
//! second time — and its `nothingReason` names the imported sale.
//!
//! The same sale is the imported one whose source named this sale's
//! invoice, charge or payment; else one of the same amount — the
//! connector's with or without the invoice's tax against the imported
//! sale with or without the tax its source gave — at the same time
//! ([`same_time`]: within the hour, or on the day a date-only import
//! means in the tenant's zone).
//!
//! Each imported sale answers one connector sale: one already answered
//! is known by that reason on the connector's event, so a second sale of
//! the same amount the same day (a second seat) accrues.

use super::load::Checked;
use crate::engine::EventKind;
use crate::error::ApiResult;
use crate::ledger::imported::{SALE_REFERENCE, SALE_TAX, imported_amounts, same_time};
use crate::ledger::path::occurred_at;
use chrono::{DateTime, Duration, Utc};
use entity::enums::EventSource;
use entity::{customer, event};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How a connector's event that met its imported sale starts its reason;
/// the imported sale's `externalId` follows, then [`AFTER_ID`].
const REASON: &str = "the same sale was imported already as ";
const AFTER_ID: &str = " (same customer, same sale): not accrued again";
/// How earlier versions ended the reason: still read.
const AFTER_ID_BEFORE: &str = " (same customer, same amount, within an hour): not accrued again";

/// How far from a connector's sale the imported ones of its customer are
/// read: a sale the source names by its invoice or payment may have been
/// charged days from when the invoice was paid (a payment retried for
/// weeks); by amount, [`same_time`] decides.
const READ_WITHIN: Duration = Duration::days(35);

/// An imported sale a connector's may be.
#[derive(Debug, Clone)]
struct Imported {
    external_id: String,
    currency: String,
    /// Its amount, and with its tax when the source gave that.
    amounts: Vec<i64>,
    reference: Option<String>,
    at: DateTime<Utc>,
}

/// The imported sales of the batch's connector customers, not answered
/// yet, by customer row id, and the tenant's zone their days are in.
#[derive(Default)]
pub(super) struct ImportedSales(HashMap<String, Vec<Imported>>, Option<chrono_tz::Tz>);

/// Whether an item is a connector's sale, the kind this rule is for.
fn connector_sale(item: &Checked) -> bool {
    matches!(item.source, EventSource::Stripe | EventSource::Paddle)
        && item.new.kind == EventKind::Sale
        && item.customer_external_id.is_some()
}

impl ImportedSales {
    /// Reads, in one statement, the imported sales of the customers the
    /// batch's connector sales name — within the hour of any of them —
    /// and the connector sales that answered some already.
    pub(super) async fn load(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        customers: &HashMap<(String, String), customer::Model>,
        checked: &[ApiResult<Checked<'_>>],
        now: DateTime<Utc>,
    ) -> ApiResult<ImportedSales> {
        let items: Vec<&Checked> = checked
            .iter()
            .filter_map(|c| c.as_ref().ok())
            .filter(|c| connector_sale(c))
            .collect();
        let named: HashSet<&str> = items
            .iter()
            .filter_map(|c| c.customer_external_id.as_deref())
            .collect();
        let ids: BTreeSet<&str> = customers
            .values()
            .filter(|c| named.contains(c.external_id.as_str()))
            .map(|c| c.id.as_str())
            .collect();
        let times = items.iter().map(|c| occurred_at(c.new.occurred_at, now));
        let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
            return Ok(ImportedSales::default());
        };
        if ids.is_empty() {
            return Ok(ImportedSales::default());
        }
        let zone = crate::tenants::tenant_zone(conn, tenant_id).await?;
        let rows = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant_id))
            .filter(event::Column::CustomerId.is_in(ids))
            .filter(event::Column::Kind.eq(entity::enums::EventKind::Sale))
            .filter(event::Column::OccurredAt.gte(first - READ_WITHIN))
            .filter(event::Column::OccurredAt.lte(last + READ_WITHIN))
            .filter(
                Condition::any()
                    // An imported one (`{source}:commission:{id}`)…
                    .add(event::Column::ExternalId.like("%:commission:%"))
                    // …or a connector's that answered one.
                    .add(event::Column::NothingReason.starts_with(REASON)),
            )
            .all(conn)
            .await?;
        let answered: HashSet<String> = rows
            .iter()
            .filter_map(|e| answered_by(e.nothing_reason.as_deref()?))
            .collect();
        let mut sales: HashMap<String, Vec<Imported>> = HashMap::new();
        for row in rows {
            let metadata = row.metadata.as_ref();
            let field = |key: &str| metadata.and_then(|m| m.get(key));
            if field("source").and_then(|s| s.as_str()) != Some("IMPORT") {
                continue;
            }
            let reference = field(SALE_REFERENCE)
                .and_then(|r| r.as_str())
                .map(str::to_owned);
            let tax = field(SALE_TAX).and_then(|t| t.as_i64());
            let Some(customer_id) = row.customer_id.clone() else {
                continue;
            };
            if answered.contains(&row.external_id) {
                continue;
            }
            sales.entry(customer_id).or_default().push(Imported {
                external_id: row.external_id,
                currency: row.currency,
                amounts: imported_amounts(row.amount_minor, tax),
                reference,
                at: row.occurred_at,
            });
        }
        for list in sales.values_mut() {
            list.sort_by(|a, b| (a.at, &a.external_id).cmp(&(b.at, &b.external_id)));
        }
        Ok(ImportedSales(sales, Some(zone)))
    }

    /// Why a connector's sale of `customer` for one of `amounts` (its
    /// own, with or without tax, and converted into its campaign's
    /// currency) at `at` is not accrued: the imported sale it is, taken so
    /// that it answers no other. `None` for anything but a connector's
    /// sale.
    pub(super) fn take(
        &mut self,
        item: &Checked,
        customer: Option<&customer::Model>,
        amounts: &[(&str, i64)],
        at: DateTime<Utc>,
    ) -> Option<String> {
        if !connector_sale(item) {
            return None;
        }
        let zone = self.1?;
        let list = self.0.get_mut(&customer?.id)?;
        let references = item.billed.map(|b| b.references.as_slice()).unwrap_or(&[]);
        let named = list.iter().position(|sale| {
            sale.reference
                .as_ref()
                .is_some_and(|r| references.contains(r))
        });
        let position = named.or_else(|| {
            list.iter().position(|sale| {
                amounts.iter().any(|(currency, amount)| {
                    sale.currency == *currency && sale.amounts.contains(amount)
                }) && same_time(sale.at, at, zone)
            })
        })?;
        let sale = list.remove(position);
        Some(format!("{REASON}{}{AFTER_ID}", sale.external_id))
    }
}

/// The imported sale a connector's reason names, if it is this rule's.
fn answered_by(reason: &str) -> Option<String> {
    let rest = reason.strip_prefix(REASON)?;
    let (id, _) = rest
        .split_once(AFTER_ID)
        .or_else(|| rest.split_once(AFTER_ID_BEFORE))?;
    Some(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_names_the_imported_sale_it_answered() {
        let reason = format!("{REASON}rewardful:commission:com-6{AFTER_ID}");
        assert_eq!(
            answered_by(&reason).as_deref(),
            Some("rewardful:commission:com-6")
        );
        let before = format!("{REASON}rewardful:commission:com-7{AFTER_ID_BEFORE}");
        assert_eq!(
            answered_by(&before).as_deref(),
            Some("rewardful:commission:com-7")
        );
        assert_eq!(answered_by("the partner group's rules pay 0 %"), None);
    }
}
