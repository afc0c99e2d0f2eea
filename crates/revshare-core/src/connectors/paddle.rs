//! Paddle Billing (`POST /connectors/paddle/{tenantId}`).
//!
//! `Paddle-Signature: ts=…;h1=…[;h1=…]`: HMAC-SHA256 keyed with the
//! notification destination's secret over `"{ts}:{raw body}"`, hex; any `h1`
//! matching any configured secret passes, and `ts` must be within 300 s of
//! now. Events taken:
//!
//! - `customer.created`, `customer.updated` with `custom_data.revshare_click`
//!   or `custom_data.revshare_code`: attributes the customer (with its
//!   e-mail);
//! - `transaction.completed`: attributes its `customer_id` first when its
//!   `custom_data` names a click or code, then a sale for it under
//!   `paddle:{transaction id}`: `details.totals.grand_total`, or its
//!   `subtotal` less `discount` when the connector's base is
//!   `AMOUNT_EXCLUDING_TAX` (Paddle's amounts are strings in the lowest
//!   denomination), in `currency_code`, at `billed_at`;
//! - `adjustment.created`, `adjustment.updated` with `status: approved`:
//!   an `action: refund` refunds that transaction's sale by the
//!   adjustment's `totals.total` (or `subtotal`, excluding tax), an
//!   `action: chargeback` refunds what is left as `CHARGEBACK`; each
//!   adjustment once, whichever of its events comes first.
//!
//! Any other type is answered `200` and counted as ignored.

use super::effects::{self, Outcome, Sale, Sold, Step, attribute};
use super::{Handled, Refused, Signed};
use crate::attribution::customers::By;
use crate::db::{Db, Txn};
use crate::engine::Currency;
use crate::ledger::accrual::Billed;
use chrono::{DateTime, Utc};
use entity::connector_link;
use entity::enums::{BillingProvider, CommissionBase, EventSource, ReversalReason};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const PROVIDER: BillingProvider = BillingProvider::Paddle;
/// Verifies a `Paddle-Signature` header over `body` with any of `secrets`.
pub fn verify(header: &str, body: &[u8], secrets: &[String], now: i64) -> Result<(), Refused> {
    Signed::parse(header, ';', "ts", "h1").verify(':', body, secrets, now)
}

/// Verifies and handles one delivery.
pub async fn receive(
    db: &Db,
    ingest: &crate::ingest::Ingest,
    tenant_id: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Handled, Refused> {
    let (connector, event) =
        super::run::opened(db, tenant_id, PROVIDER, signature, body, verify).await?;
    handled(db, ingest, tenant_id, &connector, &event).await
}

/// Handles one verified event (or a refused one again).
pub(super) async fn handled(
    db: &Db,
    ingest: &crate::ingest::Ingest,
    tenant_id: &str,
    connector: &entity::billing_connector::Model,
    event: &Value,
) -> Result<Handled, Refused> {
    let (Some(id), Some(kind)) = (event["event_id"].as_str(), event["event_type"].as_str()) else {
        return Err(Refused::Malformed(
            "an event has an event_id and an event_type",
        ));
    };
    let data = &event["data"];
    let base = connector.commission_base;
    let handle = |txn: crate::db::Transaction| -> crate::db::BoxFuture<'_, Outcome> {
        Box::pin(async move { handle(&txn, tenant_id, base, kind, data).await })
    };
    super::run::run(db, ingest, tenant_id, PROVIDER, (id, kind, event), handle).await
}

async fn handle(
    txn: &Txn,
    tenant_id: &str,
    base: CommissionBase,
    kind: &str,
    data: &Value,
) -> Outcome {
    match kind {
        "customer.created" | "customer.updated" => {
            let Some(customer) = data["id"].as_str() else {
                return effects::ignored("a customer without an id");
            };
            let email = data["email"].as_str();
            attribute(
                txn,
                tenant_id,
                customer,
                by_custom_data(data),
                email,
                time(&data["created_at"]),
            )
            .await
        }
        "transaction.completed" => transaction(txn, tenant_id, base, data).await,
        "adjustment.created" | "adjustment.updated" => adjustment(txn, tenant_id, base, data).await,
        _ => effects::ignored(format!(
            "revshare does not take {} events",
            kind.chars().take(60).collect::<String>()
        )),
    }
}

fn by_custom_data(data: &Value) -> Option<By> {
    let custom = &data["custom_data"];
    if let Some(click) = custom["revshare_click"].as_str() {
        return Some(By::Click(click.to_owned()));
    }
    custom["revshare_code"]
        .as_str()
        .map(|code| By::Code(code.to_owned()))
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An amount Paddle sends: a string of the lowest denomination.
fn minor(value: &Value) -> Option<i64> {
    value.as_str()?.parse().ok()
}

async fn transaction(txn: &Txn, tenant_id: &str, base: CommissionBase, data: &Value) -> Outcome {
    let (Some(id), Some(customer)) = (data["id"].as_str(), data["customer_id"].as_str()) else {
        return effects::ignored("a transaction without an id or a customer");
    };
    let billed_at = time(&data["billed_at"]);
    // A code or click on the transaction attributes its customer first.
    if let Some(by) = by_custom_data(data) {
        let email = data["customer"]["email"].as_str();
        attribute(txn, tenant_id, customer, Some(by), email, billed_at).await?;
    }
    let totals = &data["details"]["totals"];
    let Some(currency) = data["currency_code"]
        .as_str()
        .and_then(|code| Currency::parse(&code.to_uppercase()).ok())
    else {
        return effects::ignored("an unknown currency");
    };
    let with_tax = minor(&totals["grand_total"]);
    let without_tax =
        Some(minor(&totals["subtotal"]).unwrap_or(0) - minor(&totals["discount"]).unwrap_or(0));
    let (amount, other) = match base {
        CommissionBase::AmountPaid => (with_tax, without_tax),
        CommissionBase::AmountExcludingTax => (without_tax, with_tax),
    };
    let amount = amount.unwrap_or(0);
    if amount <= 0 {
        return effects::ignored("the transaction's amount is zero: nothing to earn on");
    }
    let sale = Sale {
        source: EventSource::Paddle,
        external_id: format!("paddle:{id}"),
        customer,
        currency,
        amount_minor: amount,
        occurred_at: billed_at,
        billed: Billed {
            references: vec![id.to_owned()],
            other_minor: other.filter(|o| *o != amount && *o > 0),
        },
        lines: super::lines::paddle(data, currency, amount),
        customer_facts: super::lines::customer(data),
    };
    effects::sale(sale)
}

async fn adjustment(txn: &Txn, tenant_id: &str, base: CommissionBase, data: &Value) -> Outcome {
    let (Some(id), Some(transaction)) = (data["id"].as_str(), data["transaction_id"].as_str())
    else {
        return effects::ignored("an adjustment without an id or a transaction");
    };
    let action = data["action"].as_str().unwrap_or_default();
    if data["status"].as_str() != Some("approved") || !matches!(action, "refund" | "chargeback") {
        return effects::ignored("not an approved refund or chargeback");
    }
    // The sale's lock first: adjustments of one transaction queue here,
    // and each reads what the one before it refunded.
    let Some(sale) = Sold::locked(txn, tenant_id, &format!("paddle:{transaction}")).await? else {
        return Ok(Step::NotYet);
    };
    // Each adjustment once, however many of its events arrive.
    let done = connector_link::Entity::find()
        .filter(connector_link::Column::TenantId.eq(tenant_id))
        .filter(connector_link::Column::Provider.eq(PROVIDER))
        .filter(connector_link::Column::Key.eq(id))
        .one(txn)
        .await?;
    if done.is_some() {
        return Ok(Step::Done);
    }
    let (amount_minor, refunded_minor, _) = sale.amounts()?;
    let remaining = amount_minor - refunded_minor;
    let totals = &data["totals"];
    let (amount, reason) = match action {
        "chargeback" => (remaining, ReversalReason::Chargeback),
        _ => {
            let asked = match base {
                CommissionBase::AmountPaid => minor(&totals["total"]),
                CommissionBase::AmountExcludingTax => minor(&totals["subtotal"]),
            };
            (
                asked.unwrap_or(0).clamp(0, remaining),
                ReversalReason::Refund,
            )
        }
    };
    connector_link::Entity::insert(connector_link::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        provider: Set(PROVIDER),
        key: Set(id.to_owned()),
        invoice_id: Set(transaction.to_owned()),
        refunded_minor: Set(amount),
    })
    .exec_without_returning(txn)
    .await?;
    if amount > 0 {
        let note = format!("Paddle adjustment {id}");
        sale.refund(txn, tenant_id, Some(amount), reason, note)
            .await?;
    }
    Ok(Step::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    /// The example of Paddle's signature-verification documentation's
    /// scheme: `ts=…;h1=…` over `"{ts}:{body}"`.
    #[test]
    fn a_signature_passes_with_any_configured_secret_and_fresh_timestamp() {
        let body = br#"{"event_id":"evt_1"}"#;
        let sign = |secret: &str, ts: i64| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{ts}:").as_bytes());
            mac.update(body);
            let h1: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("ts={ts};h1={h1}")
        };
        let secrets = vec!["pdl_old".to_owned(), "pdl_new".to_owned()];
        assert!(verify(&sign("pdl_new", 1000), body, &secrets, 1100).is_ok());
        assert!(verify(&sign("pdl_old", 1000), body, &secrets, 1100).is_ok());
        assert!(verify(&sign("pdl_other", 1000), body, &secrets, 1100).is_err());
        assert!(verify(&sign("pdl_new", 1000), b"{}", &secrets, 1100).is_err());
        assert!(verify(&sign("pdl_new", 1000), body, &secrets, 1400).is_err());
    }
}
