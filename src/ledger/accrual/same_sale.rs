//! A billing connector's sale that an import brought over already
//! (SPEC §25's rule, the connector's side of it): the importer skips a
//! commission whose sale the connector recorded during the switch
//! ([`crate::ledger::imported`]); here a Stripe or Paddle sale of a
//! customer whose imported sale has the same amount, within
//! [`SAME_SALE_WITHIN`], is recorded and earns nothing — it neither
//! accrues again nor grows the customer's history a second time — and
//! its `nothingReason` names the imported sale.
//!
//! Each imported sale answers one connector sale: one already answered
//! is known by that reason on the connector's event, so a second sale of
//! the same amount within the hour (a second seat) accrues.

use super::load::Checked;
use crate::engine::EventKind;
use crate::error::ApiResult;
use crate::ledger::imported::SAME_SALE_WITHIN;
use crate::ledger::path::occurred_at;
use chrono::{DateTime, Utc};
use entity::enums::EventSource;
use entity::{customer, event};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How a connector's event that met its imported sale starts its reason;
/// the imported sale's `externalId` follows, then [`AFTER_ID`].
const REASON: &str = "the same sale was imported already as ";
const AFTER_ID: &str = " (same customer, same amount, within an hour): not accrued again";

/// An imported sale a connector's may be.
#[derive(Debug, Clone)]
struct Imported {
    external_id: String,
    currency: String,
    amount_minor: i64,
    at: DateTime<Utc>,
}

/// The imported sales of the batch's connector customers, not answered
/// yet, by customer row id.
#[derive(Default)]
pub(super) struct ImportedSales(HashMap<String, Vec<Imported>>);

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
        let rows = event::Entity::find()
            .filter(event::Column::TenantId.eq(tenant_id))
            .filter(event::Column::CustomerId.is_in(ids))
            .filter(event::Column::Kind.eq(entity::enums::EventKind::Sale))
            .filter(event::Column::OccurredAt.gte(first - SAME_SALE_WITHIN))
            .filter(event::Column::OccurredAt.lte(last + SAME_SALE_WITHIN))
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
            let imported = row
                .metadata
                .as_ref()
                .and_then(|m| m.get("source"))
                .and_then(|s| s.as_str())
                == Some("IMPORT");
            if !imported {
                continue;
            }
            let Some(customer_id) = row.customer_id.clone() else {
                continue;
            };
            if answered.contains(&row.external_id) {
                continue;
            }
            sales.entry(customer_id).or_default().push(Imported {
                external_id: row.external_id,
                currency: row.currency,
                amount_minor: row.amount_minor,
                at: row.occurred_at,
            });
        }
        for list in sales.values_mut() {
            list.sort_by(|a, b| (a.at, &a.external_id).cmp(&(b.at, &b.external_id)));
        }
        Ok(ImportedSales(sales))
    }

    /// Why a connector's sale of `customer` for `amount_minor` in
    /// `currency` (or, converted, for its own amount in its own currency)
    /// at `at` is not accrued: the imported sale it is, taken so that it
    /// answers no other. `None` for anything but a connector's sale.
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
        let list = self.0.get_mut(&customer?.id)?;
        let position = list.iter().position(|sale| {
            amounts.iter().any(|(currency, amount)| {
                sale.currency == *currency && sale.amount_minor == *amount
            }) && (sale.at - at).abs() <= SAME_SALE_WITHIN
        })?;
        let sale = list.remove(position);
        Some(format!("{REASON}{}{AFTER_ID}", sale.external_id))
    }
}

/// The imported sale a connector's reason names, if it is this rule's.
fn answered_by(reason: &str) -> Option<String> {
    let rest = reason.strip_prefix(REASON)?;
    let (id, _) = rest.split_once(AFTER_ID)?;
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
        assert_eq!(answered_by("the partner group's rules pay 0 %"), None);
    }
}
