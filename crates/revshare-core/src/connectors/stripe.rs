//! Stripe (`POST /connectors/stripe/{tenantId}`).
//!
//! `Stripe-Signature: t=…,v1=…[,v1=…]`: HMAC-SHA256 keyed with an endpoint
//! secret (`whsec_…`) over `"{t}.{raw body}"`, hex; any `v1` matching any
//! configured secret passes (a secret can roll), and `t` must be within
//! 300 s of now. Events taken:
//!
//! - `checkout.session.completed`: attributes the session's `customer` (with
//!   its e-mail) by `client_reference_id` (a click's id, else a referral
//!   code), else `metadata.revshare_click` / `metadata.revshare_code`, else
//!   a promotion code of its discounts that is a code's `couponCode` (its id,
//!   `promo_…`, or its text when expanded);
//! - `customer.created`, `customer.updated`: attributes by the same
//!   `metadata`;
//! - `invoice.paid`: a sale for the invoice's `customer` under
//!   `stripe:{invoice id}`: `amount_paid`, less the invoice's tax (the sum of
//!   `total_taxes[].amount`, or `tax` in API versions that send it) when the
//!   connector's base is `AMOUNT_EXCLUDING_TAX`; the currency upper-cased,
//!   Stripe's integer amounts read in the currency's minor unit (JPY in
//!   yen); at `status_transitions.paid_at`. A zero invoice records nothing.
//!   Its lines, sharing the sale's amount, and the customer's country go
//!   with it (SPEC §32, [`super::lines`]).
//!   The charge and payment intent that paid it are remembered (`charge`,
//!   `payment_intent` before 2025-03-31; the invoice's `payments` after);
//! - `invoice_payment.paid`: remembers which payment intent paid which
//!   invoice (API versions from 2025-03-31, whose charges no longer name
//!   their invoice);
//! - `charge.refunded`: a refund of that invoice's sale for what was
//!   refunded since the state last seen (`amount_refunded` is cumulative:
//!   a redelivered or older state refunds nothing more), in proportion to
//!   the sale (which may exclude tax), the whole remainder once the charge
//!   is refunded in full;
//! - `charge.dispute.created`: a refund of everything not refunded yet,
//!   reason `CHARGEBACK` (an accrued commission is reversed, an approved or
//!   paid one clawed back).
//!
//! Any other type is answered `200` and counted as ignored.

use super::effects::{self, Outcome, Sale, Sold, Step, attribute};
use super::{Handled, Refused, Signed, units};
use crate::attribution::customers::By;
use crate::db::{Db, Txn};
use crate::engine::Currency;
use crate::error::ApiResult;
use crate::ledger::accrual::Billed;

use chrono::{DateTime, Utc};
use entity::enums::{BillingProvider, CommissionBase, EventSource, ReversalReason};
use entity::{click, connector_link};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const PROVIDER: BillingProvider = BillingProvider::Stripe;

/// Verifies a `Stripe-Signature` header over `body` with any of `secrets`.
pub fn verify(header: &str, body: &[u8], secrets: &[String], now: i64) -> Result<(), Refused> {
    Signed::parse(header, ',', "t", "v1").verify('.', body, secrets, now)
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
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Err(Refused::Malformed("an event has an id and a type"));
    };
    let object = &event["data"]["object"];
    let base = connector.commission_base;
    let delivery = (id, kind, event);
    // Each kind its way: in a transaction with its id marked (`locked`), or
    // on the pool when what it writes is idempotent on its own; then the
    // waits it may end.
    let (handled, keys) = match kind {
        // Links and a sale, each idempotent. A refund or dispute that
        // arrived first may find its sale now.
        "invoice.paid" => {
            let paid = |conn| invoice_paid(conn, tenant_id, base, object);
            let handled =
                super::run::run_unlocked(db, ingest, tenant_id, PROVIDER, delivery, paid).await?;
            (handled, invoice_keys(object))
        }
        // A link that may end a wait.
        "invoice_payment.paid" => {
            let handled = locked(db, ingest, tenant_id, delivery, |txn, tenant, object| {
                Box::pin(invoice_payment_paid(txn, tenant, object))
            })
            .await?;
            (handled, payment_keys(&object["payment"]))
        }
        "charge.refunded" | "charge.dispute.created" => {
            let handler: Handler = match kind {
                "charge.refunded" => |txn, tenant, object| Box::pin(refunded(txn, tenant, object)),
                _ => |txn, tenant, object| Box::pin(disputed(txn, tenant, object)),
            };
            let handled = locked(db, ingest, tenant_id, delivery, handler).await?;
            // Kept: what it waits for may have committed meanwhile.
            let keys = match handled {
                Handled::Waiting => charge_keys(object)
                    .into_iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            (handled, keys)
        }
        "checkout.session.completed" => {
            let handled = locked(db, ingest, tenant_id, delivery, |txn, tenant, object| {
                Box::pin(checkout(txn, tenant, object))
            })
            .await?;
            (handled, Vec::new())
        }
        "customer.created" | "customer.updated" => {
            let handled = locked(db, ingest, tenant_id, delivery, |txn, tenant, object| {
                Box::pin(customer(txn, tenant, object))
            })
            .await?;
            (handled, Vec::new())
        }
        "promotion_code.created" | "promotion_code.updated" => {
            let handled = locked(db, ingest, tenant_id, delivery, |txn, tenant, object| {
                Box::pin(promotion_code(txn, tenant, object))
            })
            .await?;
            (handled, Vec::new())
        }
        // Nothing written but its mark, one statement.
        _ => {
            let skipped = |_| async move {
                effects::ignored(format!(
                    "revshare does not take {} events",
                    kind.chars().take(60).collect::<String>()
                ))
            };
            let handled =
                super::run::run_unlocked(db, ingest, tenant_id, PROVIDER, delivery, skipped)
                    .await?;
            (handled, Vec::new())
        }
    };
    super::waits::release(db, tenant_id, PROVIDER, &keys, resume_boxed).await?;
    Ok(handled)
}

/// How a kind of event is handled in a transaction: with the transaction,
/// the tenant and the event's object.
type Handler = for<'t> fn(&'t Txn, &'t str, &'t Value) -> crate::db::BoxFuture<'t, Outcome>;

/// One delivery handled by `handler` in a transaction with its id marked.
async fn locked<'a>(
    db: &'a Db,
    ingest: &'a crate::ingest::Ingest,
    tenant_id: &'a str,
    delivery: (&'a str, &'a str, &'a Value),
    handler: Handler,
) -> Result<Handled, Refused> {
    let object = &delivery.2["data"]["object"];
    let handle = move |txn: crate::db::Transaction| -> crate::db::BoxFuture<'a, Outcome> {
        Box::pin(async move { handler(&txn, tenant_id, object).await })
    };
    super::run::run(db, ingest, tenant_id, PROVIDER, delivery, handle).await
}

/// What a refund's charge or a dispute waits for: the charge's id and its
/// payment intent's.
fn charge_keys(object: &Value) -> [Option<&str>; 2] {
    match object["object"].as_str() {
        Some("dispute") => [text(object, "charge"), text(object, "payment_intent")],
        _ => [text(object, "id"), text(object, "payment_intent")],
    }
}

fn resume_boxed<'a>(
    txn: &'a Txn,
    tenant_id: &'a str,
    kind: &'a str,
    object: &'a Value,
) -> crate::db::BoxFuture<'a, Outcome> {
    Box::pin(resume(txn, tenant_id, kind, object))
}

/// A payment tied to its invoice: the links a refund of it follows.
async fn invoice_payment_paid(txn: &Txn, tenant_id: &str, object: &Value) -> Outcome {
    let keys = payment_keys(&object["payment"]);
    match text(object, "invoice") {
        Some(invoice) => link(txn, tenant_id, invoice, keys.iter().map(String::as_str)).await?,
        None => return effects::ignored("the payment names no invoice"),
    }
    Ok(Step::Done)
}

/// A refund or dispute, delivered now or kept waiting for its sale
/// ([`super::waits`]).
async fn resume(txn: &Txn, tenant_id: &str, kind: &str, object: &Value) -> Outcome {
    match kind {
        "charge.refunded" => refunded(txn, tenant_id, object).await,
        "charge.dispute.created" => disputed(txn, tenant_id, object).await,
        _ => effects::ignored("not a refund or a dispute"),
    }
}

/// What links a payment to its invoice: its payment intent and charge.
fn payment_keys(payment: &Value) -> Vec<String> {
    [text(payment, "payment_intent"), text(payment, "charge")]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect()
}

/// Every charge and payment intent an invoice names as what paid it.
fn invoice_keys(invoice: &Value) -> Vec<String> {
    let mut keys: Vec<String> = [text(invoice, "charge"), text(invoice, "payment_intent")]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    for payment in invoice["payments"]["data"].as_array().into_iter().flatten() {
        keys.extend(payment_keys(&payment["payment"]));
    }
    keys
}

/// A field's text, whether Stripe sends the id or the expanded object.
fn text<'v>(object: &'v Value, field: &str) -> Option<&'v str> {
    match &object[field] {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Object(expanded) => expanded.get("id")?.as_str(),
        _ => None,
    }
}

fn at(seconds: Option<i64>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds?, 0)
}

async fn checkout(txn: &Txn, tenant_id: &str, session: &Value) -> Outcome {
    let Some(customer) = text(session, "customer") else {
        return effects::ignored("a guest checkout: no customer to remember");
    };
    let mut by = None;
    if let Some(reference) = text(session, "client_reference_id") {
        by = Some(match is_click(txn, tenant_id, reference).await? {
            true => By::Click(reference.to_owned()),
            false => By::Code(reference.to_owned()),
        });
    }
    by = by.or_else(|| by_metadata(&session["metadata"]));
    if by.is_none() {
        by = promoted(txn, tenant_id, session).await?;
    }
    let email = session["customer_details"]["email"].as_str();
    attribute(
        txn,
        tenant_id,
        customer,
        by,
        email,
        at(session["created"].as_i64()),
    )
    .await
}

async fn customer(txn: &Txn, tenant_id: &str, customer: &Value) -> Outcome {
    let Some(id) = text(customer, "id") else {
        return effects::ignored("a customer without an id");
    };
    let by = by_metadata(&customer["metadata"]);
    let email = customer["email"].as_str();
    attribute(
        txn,
        tenant_id,
        id,
        by,
        email,
        at(customer["created"].as_i64()),
    )
    .await
}

fn by_metadata(metadata: &Value) -> Option<By> {
    if let Some(click) = metadata["revshare_click"].as_str() {
        return Some(By::Click(click.to_owned()));
    }
    metadata["revshare_code"]
        .as_str()
        .map(|code| By::Code(code.to_owned()))
}

async fn is_click(conn: &impl ConnectionTrait, tenant_id: &str, id: &str) -> ApiResult<bool> {
    Ok(click::Entity::find_by_id(id.to_owned())
        .filter(click::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .is_some())
}

async fn invoice_paid(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    base: CommissionBase,
    invoice: &Value,
) -> Outcome {
    let (Some(id), Some(customer)) = (text(invoice, "id"), text(invoice, "customer")) else {
        return effects::ignored("an invoice without an id or a customer");
    };
    let keys = invoice_keys(invoice);
    link(conn, tenant_id, id, keys.iter().map(String::as_str)).await?;
    let code = invoice["currency"]
        .as_str()
        .unwrap_or_default()
        .to_uppercase();
    let Ok(currency) = Currency::parse(&code) else {
        return effects::ignored(format!(
            "an unknown currency, {:?}",
            code.chars().take(8).collect::<String>()
        ));
    };
    let paid = invoice["amount_paid"].as_i64().unwrap_or(0);
    let tax = match invoice["total_taxes"].as_array() {
        Some(taxes) => taxes.iter().filter_map(|t| t["amount"].as_i64()).sum(),
        None => invoice["tax"].as_i64().unwrap_or(0),
    };
    let (amount, other) = match base {
        CommissionBase::AmountPaid => (paid, paid - tax),
        CommissionBase::AmountExcludingTax => (paid - tax, paid),
    };
    if amount <= 0 {
        return effects::ignored("the invoice's amount is zero: nothing to earn on");
    }
    let Some(amount_minor) = units::minor(currency, amount) else {
        return effects::ignored("the invoice's amount is out of range");
    };
    let occurred_at = at(invoice["status_transitions"]["paid_at"].as_i64());
    let sale = Sale {
        source: EventSource::Stripe,
        external_id: format!("stripe:{id}"),
        customer,
        currency,
        amount_minor,
        occurred_at,
        billed: Billed {
            references: std::iter::once(id.to_owned()).chain(keys).collect(),
            other_minor: (other != amount && other > 0)
                .then(|| units::minor(currency, other))
                .flatten(),
        },
        lines: super::lines::stripe(invoice, currency, amount_minor),
        customer_facts: super::lines::customer(invoice),
    };
    effects::sale(sale)
}

/// Remembers which invoice each of `keys` (charges, payment intents) paid.
async fn link<'k>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    invoice: &str,
    keys: impl Iterator<Item = &'k str>,
) -> ApiResult<()> {
    for key in keys {
        connector_link::Entity::insert(connector_link::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            provider: Set(PROVIDER),
            key: Set(key.to_owned()),
            invoice_id: Set(invoice.to_owned()),
            refunded_minor: Set(0),
        })
        .on_conflict(
            OnConflict::columns([
                connector_link::Column::TenantId,
                connector_link::Column::Provider,
                connector_link::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

async fn linked(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    key: &str,
) -> ApiResult<Option<connector_link::Model>> {
    Ok(connector_link::Entity::find()
        .filter(connector_link::Column::TenantId.eq(tenant_id))
        .filter(connector_link::Column::Provider.eq(PROVIDER))
        .filter(connector_link::Column::Key.eq(key))
        .one(conn)
        .await?)
}

/// The invoice a charge paid: named by the charge (older API versions),
/// else remembered for the charge or its payment intent.
async fn invoice_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    charge: &Value,
) -> ApiResult<Option<String>> {
    if let Some(invoice) = text(charge, "invoice") {
        return Ok(Some(invoice.to_owned()));
    }
    for key in [text(charge, "id"), text(charge, "payment_intent")]
        .into_iter()
        .flatten()
    {
        if let Some(found) = linked(conn, tenant_id, key).await? {
            return Ok(Some(found.invoice_id));
        }
    }
    Ok(None)
}

/// The sale a charge paid, locked: the connector's own, by the invoice it
/// paid; else one an import brought whose billing id is the invoice, the
/// charge or its payment (a sale paid before the switch) — with the
/// invoice (or that id) the charge is linked to.
async fn sold(txn: &Txn, tenant_id: &str, charge: &Value) -> ApiResult<Option<(String, Sold)>> {
    let invoice = invoice_of(txn, tenant_id, charge).await?;
    if let Some(invoice) = &invoice
        && let Some(sale) = Sold::locked(txn, tenant_id, &format!("stripe:{invoice}")).await?
    {
        return Ok(Some((invoice.clone(), sale)));
    }
    let Some(customer) = text(charge, "customer") else {
        return Ok(None);
    };
    let references: Vec<&str> = [
        invoice.as_deref(),
        text(charge, "id"),
        text(charge, "payment_intent"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let Some(imported) =
        crate::ledger::imported::sale_named(txn, tenant_id, customer, &references).await?
    else {
        return Ok(None);
    };
    let sale = Sold::locked(txn, tenant_id, &imported).await?;
    // The invoice when the charge names one, else the id that matched.
    let linked_to = references.first().copied().unwrap_or(imported.as_str());
    Ok(sale.map(|sale| (linked_to.to_owned(), sale)))
}

/// Why a refund or dispute waits.
const UNLINKED: &str =
    "the charge is not linked to a sale yet: applied when its invoice's payment arrives";

/// What a charge waits for: its id and its payment intent's.
fn wait(charge: &Value, keys: [Option<&str>; 2]) -> Step {
    Step::Waiting(effects::Wait {
        keys: keys.into_iter().flatten().map(str::to_owned).collect(),
        object: charge.clone(),
        reason: UNLINKED,
    })
}

async fn refunded(txn: &Txn, tenant_id: &str, charge: &Value) -> Outcome {
    let Some(charge_id) = text(charge, "id") else {
        return effects::ignored("a charge without an id");
    };
    let keys = charge_keys(charge);
    // The sale's lock first, then what was refunded of it and of the
    // charge: concurrent refunds of one charge queue here.
    let Some((invoice, sale)) = sold(txn, tenant_id, charge).await? else {
        return Ok(wait(charge, keys));
    };
    link(txn, tenant_id, &invoice, [charge_id].into_iter()).await?;
    let seen = linked(txn, tenant_id, charge_id)
        .await?
        .map_or(0, |l| l.refunded_minor);
    let cumulative = charge["amount_refunded"].as_i64().unwrap_or(0);
    if cumulative <= seen {
        // A redelivered or older state: nothing more was refunded.
        return Ok(Step::Done);
    }
    let charged = charge["amount"].as_i64().unwrap_or(0).max(1);
    let (amount_minor, refunded_minor, _) = sale.amounts()?;
    let remaining = amount_minor - refunded_minor;
    let share = match cumulative >= charged {
        true => remaining,
        // The refunded share of the charge, of the sale (which may exclude
        // tax): unit-free, so Stripe's units and revshare's cancel out.
        false => {
            crate::engine::share_minor(amount_minor, cumulative - seen, charged).min(remaining)
        }
    };
    connector_link::Entity::update_many()
        .col_expr(
            connector_link::Column::RefundedMinor,
            sea_orm::sea_query::Expr::value(cumulative),
        )
        .filter(connector_link::Column::TenantId.eq(tenant_id))
        .filter(connector_link::Column::Provider.eq(PROVIDER))
        .filter(connector_link::Column::Key.eq(charge_id))
        .exec(txn)
        .await?;
    if share > 0 {
        let note = format!("Stripe charge {charge_id}");
        sale.refund(txn, tenant_id, Some(share), ReversalReason::Refund, note)
            .await?;
    }
    Ok(Step::Done)
}

async fn disputed(txn: &Txn, tenant_id: &str, dispute: &Value) -> Outcome {
    let charge = serde_json::json!({
        "id": text(dispute, "charge"),
        "payment_intent": text(dispute, "payment_intent"),
    });
    let keys = charge_keys(dispute);
    if keys.iter().all(Option::is_none) {
        return effects::ignored("a dispute naming no charge");
    }
    let charge = serde_json::json!({
        "id": charge["id"], "payment_intent": charge["payment_intent"],
        "customer": text(dispute, "customer").or_else(|| dispute["charge"].get("customer").and_then(Value::as_str)),
    });
    let Some((_, sale)) = sold(txn, tenant_id, &charge).await? else {
        return Ok(wait(dispute, keys));
    };
    let (amount_minor, refunded_minor, _) = sale.amounts()?;
    if amount_minor - refunded_minor > 0 {
        let note = format!("Stripe dispute {}", text(dispute, "id").unwrap_or_default());
        sale.refund(txn, tenant_id, None, ReversalReason::Chargeback, note)
            .await?;
    }
    Ok(Step::Done)
}

/// Learns a promotion code's id and the code a customer types: Stripe's
/// checkouts and invoices name only the id.
async fn promotion_code(txn: &Txn, tenant_id: &str, promotion: &Value) -> Outcome {
    let (Some(id), Some(code)) = (text(promotion, "id"), promotion["code"].as_str()) else {
        return effects::ignored("a promotion code without an id or a code");
    };
    learn_promotion(txn, tenant_id, id, code).await?;
    Ok(Step::Done)
}

/// Remembers that Stripe's promotion code `id` (`promo_…`) is `code`, the
/// text a customer types (its webhook says so; an import from a platform
/// that knew it too).
pub async fn learn_promotion(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
    id: &str,
    code: &str,
) -> ApiResult<()> {
    use entity::connector_promotion_code as promo;
    promo::Entity::insert(promo::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        provider: Set(PROVIDER),
        promotion_id: Set(id.chars().take(255).collect()),
        code: Set(code.chars().take(255).collect()),
    })
    .on_conflict(
        OnConflict::columns([
            promo::Column::TenantId,
            promo::Column::Provider,
            promo::Column::PromotionId,
        ])
        .update_column(promo::Column::Code)
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A checkout's promotion code that is a partner's coupon: named by its
/// id (`promo_…`) or by the code a customer types, either as the
/// referral code's `couponCode`.
async fn promoted(txn: &Txn, tenant_id: &str, session: &Value) -> ApiResult<Option<By>> {
    use entity::connector_promotion_code as promo;
    for discount in session["discounts"].as_array().into_iter().flatten() {
        let Some(id) = text(discount, "promotion_code") else {
            continue;
        };
        let mut candidates = vec![id.to_owned()];
        match discount["promotion_code"]["code"].as_str() {
            Some(code) => candidates.push(code.to_owned()),
            None => {
                let learned =
                    promo::Entity::find_by_id((tenant_id.to_owned(), PROVIDER, id.to_owned()))
                        .one(txn)
                        .await?;
                candidates.extend(learned.map(|p| p.code));
            }
        }
        for coupon in candidates {
            if crate::attribution::codes::by_coupon(txn, tenant_id, &coupon)
                .await?
                .is_some()
            {
                return Ok(Some(By::Coupon(coupon)));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    fn signed(secret: &str, t: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        let v1: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("t={t},v1={v1}")
    }

    #[test]
    fn a_signature_passes_with_any_configured_secret_and_fresh_timestamp() {
        let body = br#"{"id":"evt_1"}"#;
        let secrets = vec!["whsec_old".to_owned(), "whsec_new".to_owned()];
        assert!(verify(&signed("whsec_new", 1000, body), body, &secrets, 1100).is_ok());
        assert!(verify(&signed("whsec_old", 1000, body), body, &secrets, 1100).is_ok());
        assert!(verify(&signed("whsec_other", 1000, body), body, &secrets, 1100).is_err());
        assert!(verify(&signed("whsec_new", 1000, body), b"{}", &secrets, 1100).is_err());
        assert!(verify(&signed("whsec_new", 1000, body), body, &secrets, 1301).is_err());
        assert!(verify("v1=00", body, &secrets, 1000).is_err());
        assert!(verify("t=1000", body, &secrets, 1000).is_err());
    }
}
