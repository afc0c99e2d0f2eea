//! What a connector's events do, whatever the provider: attribute a
//! customer, record a sale, on the one event path and inside the
//! connector's transaction.

use crate::attribution::customers::{self, Attribute, By};
use crate::db::Txn;
use crate::engine::{Currency, EventKind};
use crate::error::{ApiError, ApiResult};
use crate::ledger::accrual::{Item, NewConversion};
use chrono::{DateTime, Utc};
use entity::enums::EventSource;

/// Where handling an event got to inside its transaction.
pub enum Step {
    /// Its effect is written: mark it done.
    Done,
    /// Nothing to do, for this reason (words staff can act on): mark it
    /// ignored.
    Ignored(String),
    /// Its id was handled before: nothing done again.
    Again,
    /// A refund or dispute of a sale that cannot be found yet (Stripe
    /// does not order its events): kept with its object, and applied once
    /// when what it waits for arrives.
    Waiting(Wait),
    /// What it refers to is not known yet: the provider should deliver it
    /// again later; nothing is marked.
    NotYet,
    /// A sale to record through the event path's queues (batched with the
    /// others arriving, exactly once by its `externalId`), then mark.
    Sale(Box<Item>),
}

/// A delivery kept until a sale it refers to can be found.
pub struct Wait {
    /// What it waits for: a charge's id, its payment intent's.
    pub keys: Vec<String>,
    /// The provider's object, applied when the wait ends.
    pub object: serde_json::Value,
    /// Why it waits, in words staff can act on.
    pub reason: &'static str,
}

/// Ignored, for `reason`.
pub fn ignored(reason: impl Into<String>) -> Outcome {
    Ok(Step::Ignored(reason.into()))
}

pub type Outcome = ApiResult<Step>;

/// Attributes as `attributeCustomer` does for a service token; what it
/// refuses (an unknown code, a self-referral, an old click) is ignored.
pub async fn attribute(
    txn: &Txn,
    tenant_id: &str,
    customer: &str,
    by: Option<By>,
    email: Option<&str>,
    occurred_at: Option<DateTime<Utc>>,
) -> Outcome {
    let Some(by) = by else {
        return ignored("names no click, referral code or coupon of the program");
    };
    let new = Attribute {
        customer_external_id: customer.to_owned(),
        by,
        email: email.map(str::to_owned),
        occurred_at,
        referrer: None,
    };
    let new = match customers::checked(new) {
        Ok(new) => new,
        Err(ApiError::BadInput { field, message }) => {
            return ignored(format!("attribution refused: {} {message}", words(&field)));
        }
        Err(err) => return Err(err),
    };
    match customers::attribute_in(txn, tenant_id, false, &new).await {
        Ok(_) => Ok(Step::Done),
        Err(ApiError::BadInput { field, message }) => {
            tracing::info!(target: "revshare::connectors", %field, %message, "connector attribution ignored");
            ignored(format!("attribution refused: {} {message}", words(&field)))
        }
        Err(err) => Err(err),
    }
}

/// A provider's sale, in its currency's minor units.
pub struct Sale<'a> {
    pub source: EventSource,
    pub external_id: String,
    pub customer: &'a str,
    pub currency: Currency,
    pub amount_minor: i64,
    pub occurred_at: Option<DateTime<Utc>>,
    /// The provider's ids of the sale, and the amount its commission base
    /// did not count: what tells it from the same sale imported.
    pub billed: crate::ledger::accrual::Billed,
    /// Its lines, sharing its amount (SPEC §32; none: one line).
    pub lines: Vec<crate::ledger::lines::SaleLine>,
    /// The customer's country, as the invoice gives it.
    pub customer_facts: Option<crate::ledger::lines::CustomerFacts>,
}

/// A sale for its customer, as `recordEvent` records one naming only the
/// customer (held while nobody attributed it), to record once the
/// connector's transaction committed.
pub fn sale(sale: Sale<'_>) -> Outcome {
    let new = NewConversion {
        external_id: sale.external_id,
        partner: None,
        campaign_id: None,
        customer_external_id: Some(sale.customer.to_owned()),
        customer_acquired_at: None,
        kind: EventKind::Sale,
        amount: sale.currency.from_minor(sale.amount_minor),
        currency: Some(sale.currency.code().to_owned()),
        occurred_at: sale.occurred_at,
        revenue: None,
        metadata: None,
        lines: sale.lines,
        customer: sale.customer_facts,
    };
    Ok(Step::Sale(Box::new(Item {
        prefix: "sale".to_owned(),
        event: new,
        source: sale.source,
        first_payload: None,
        billed: Some(sale.billed),
        // A provider's webhook, not an actor's act.
        by: None,
    })))
}

/// Whether a sale's error is its terms' refusal (a suspended partner
/// named, an amount its currency cannot hold…) or its key taken by another
/// payload (delivered again with other amounts): nothing a retry would
/// change, so the event is ignored.
pub fn refused(err: &ApiError) -> bool {
    matches!(err, ApiError::BadInput { .. } | ApiError::Conflict(_))
}

/// Why a sale's terms refused it, as `billingConnectorEvents` says it.
pub fn refusal(err: &ApiError) -> String {
    match err {
        ApiError::BadInput { field, message } => {
            let field = field.rsplit('.').next().unwrap_or(field);
            format!("the sale was refused ({field}): {message}")
        }
        ApiError::Conflict(message) => format!("the sale was refused: {message}"),
        _ => "the sale was not recorded".to_owned(),
    }
}

/// What a provider's refund applies to: the sale recorded under its key,
/// or the sale held there for a customer nobody attributed yet.
pub enum Sold {
    /// Recorded, with how it was converted when it was in another currency
    /// than its campaign's (its amounts are then the sale's own).
    Event(
        Box<entity::event::Model>,
        Option<entity::event_conversion::Model>,
    ),
    Held(entity::unattributed_event::Model),
}

impl Sold {
    /// The sale under `external_id`, recorded or held.
    pub async fn find(txn: &Txn, tenant_id: &str, external_id: &str) -> ApiResult<Option<Sold>> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        if let Some(event) = crate::ledger::accrual::find_event(txn, tenant_id, external_id).await?
        {
            let conversion = entity::event_conversion::Entity::find_by_id(event.id.clone())
                .one(txn)
                .await?;
            return Ok(Some(Sold::Event(Box::new(event), conversion)));
        }
        let held = entity::unattributed_event::Entity::find()
            .filter(entity::unattributed_event::Column::TenantId.eq(tenant_id))
            .filter(entity::unattributed_event::Column::ExternalId.eq(external_id))
            .filter(entity::unattributed_event::Column::AccruedAt.is_null())
            .one(txn)
            .await?;
        Ok(held.map(Sold::Held))
    }

    /// The sale under `external_id`, locked for the rest of the
    /// transaction as every refund locks it (a held sale by its customer,
    /// a recorded one by its partner: the order of `posting::locks`) and
    /// read again under the lock, so what was refunded of it is current.
    pub async fn locked(txn: &Txn, tenant_id: &str, external_id: &str) -> ApiResult<Option<Sold>> {
        use crate::posting::locks;
        if let Some(Sold::Held(held)) = Sold::find(txn, tenant_id, external_id).await? {
            let customer = std::collections::BTreeSet::from([held.customer_external_id.as_str()]);
            locks::customers(txn, tenant_id, &customer).await?;
        }
        // Held, or accrued while the customer's lock was awaited.
        match Sold::find(txn, tenant_id, external_id).await? {
            Some(Sold::Event(event, _)) => {
                locks::partners_by_id(txn, tenant_id, [event.partner_id.as_str()]).await?;
                Sold::find(txn, tenant_id, external_id).await
            }
            other => Ok(other),
        }
    }

    /// Its amount, what was refunded of it, and its currency: the sale's
    /// own, as the provider knows them (a converted sale's before its
    /// conversion).
    pub fn amounts(&self) -> ApiResult<(i64, i64, Currency)> {
        let (amount, refunded, code) = match self {
            Sold::Event(_, Some(c)) => {
                (c.sale_amount_minor, c.refunded_sale_minor, &c.sale_currency)
            }
            Sold::Event(e, None) => (e.amount_minor, e.refunded_minor, &e.currency),
            Sold::Held(h) => (h.amount_minor, h.refunded_minor, &h.currency),
        };
        let currency = Currency::parse(code).map_err(|e| ApiError::internal("currency", e))?;
        Ok((amount, refunded, currency))
    }

    /// Refunds `amount_minor` of it (none: what is left), as `recordRefund`
    /// does: on the event, or kept on the held sale until it is accrued
    /// (refunded then, as `REFUND`).
    pub async fn refund(
        &self,
        txn: &Txn,
        tenant_id: &str,
        amount_minor: Option<i64>,
        reason: entity::enums::ReversalReason,
        note: String,
    ) -> ApiResult<()> {
        use crate::ledger::refunds::{self, EventRef, NewRefund};
        let (_, _, currency) = self.amounts()?;
        let amount = amount_minor.map(|m| currency.from_minor(m));
        match self {
            Sold::Event(event, _) => {
                let refund = NewRefund {
                    event: EventRef::Id(event.id.clone()),
                    amount,
                    lines: None,
                    taken: None,
                    reason,
                    note: Some(note),
                };
                let refunded = refunds::record_in(txn, tenant_id, super::ACTOR, &refund).await?;
                crate::fraud::after_refund(txn, &refunded.event.partner_id).await?;
            }
            Sold::Held(held) => {
                refunds::refund_held(txn, tenant_id, &held.external_id, amount, None).await?;
            }
        }
        Ok(())
    }
}

/// `input.partnerId` as a support person reads it: `partnerId`.
fn words(field: &str) -> &str {
    field.strip_prefix("input.").unwrap_or(field)
}
