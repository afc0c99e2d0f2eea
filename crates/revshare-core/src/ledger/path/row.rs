//! An event's row, whatever its producer: its columns, its time, its
//! canonical payload, and its insert.

use crate::error::{ApiError, ApiResult, keys, violates};
use crate::posting::WRITE_CHUNK;
use chrono::{DateTime, SubsecRound, Utc};
use entity::event;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, EntityTrait};

/// What every event row says, whatever its kind: the row of a sale or a
/// lead, a deal's stage move or payment is built here, its kind's own
/// columns (a customer, revenue, metadata; a deal, a stage) set after.
pub struct EventRow<'a> {
    pub tenant_id: &'a str,
    pub external_id: &'a str,
    pub partner_id: &'a str,
    pub campaign_id: &'a str,
    pub kind: entity::enums::EventKind,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// The payload compared for exactly-once.
    pub payload: &'a str,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl EventRow<'_> {
    /// The row, with a new id and nothing refunded.
    pub fn build(self) -> event::Model {
        event::Model {
            id: crate::input::new_id(),
            tenant_id: self.tenant_id.to_owned(),
            external_id: self.external_id.to_owned(),
            partner_id: self.partner_id.to_owned(),
            campaign_id: self.campaign_id.to_owned(),
            customer_id: None,
            kind: self.kind,
            amount_minor: self.amount_minor,
            currency: self.currency.to_owned(),
            occurred_at: self.occurred_at,
            revenue_minor: None,
            metadata: None,
            lines: None,
            payload: self.payload.to_owned(),
            refunded_minor: 0,
            refunded_lines: None,
            recorded_at: self.recorded_at,
            deal_id: None,
            stage_id: None,
            nothing_reason: None,
            history_month: None,
            history_ltv_minor: None,
            history_paying: None,
            history_net_minor: None,
            history_bonus: None,
            history_earns: None,
            history_deal: None,
        }
    }
}

/// An event's time, of any kind: given, or when it is recorded; to the
/// microsecond, as both databases store timestamps.
pub fn occurred_at(given: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    given.unwrap_or(now).trunc_subsecs(6)
}

/// The canonical text of an event's payload, compared when its
/// `externalId` is delivered again: fields by their API names in a fixed
/// order, decimals normalized (`12.0` and `12` are one payload), times in
/// RFC 3339, absent fields as `null`. Every producer builds its payload
/// here, so a redelivery is recognised the same way whatever its kind.
#[derive(Default)]
pub struct Payload(serde_json::Map<String, serde_json::Value>);

impl Payload {
    pub fn new() -> Payload {
        Payload::default()
    }

    /// A field as given (text, a list, an object).
    pub fn field(mut self, name: &str, value: impl Into<serde_json::Value>) -> Payload {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    /// An amount, normalized.
    pub fn amount(self, name: &str, amount: Option<Decimal>) -> Payload {
        self.field(name, amount.map(|a| a.normalize().to_string()))
    }

    /// A time, in RFC 3339.
    pub fn at(self, name: &str, at: Option<DateTime<Utc>>) -> Payload {
        self.field(name, at.map(|t| t.to_rfc3339()))
    }

    /// A sale's lines and customer facts (SPEC §32), amounts normalized;
    /// left out when none were sent, so that a payload from before lines
    /// existed is the same payload today.
    pub fn lines(
        self,
        lines: &[crate::ledger::lines::SaleLine],
        customer: Option<&crate::ledger::lines::CustomerFacts>,
    ) -> Payload {
        let mut payload = self;
        if !lines.is_empty() {
            let normalized: Vec<serde_json::Value> = lines
                .iter()
                .map(|line| {
                    let mut line = line.clone();
                    line.amount = line.amount.normalize();
                    serde_json::to_value(line).unwrap_or_default()
                })
                .collect();
            payload = payload.field("lines", normalized);
        }
        if let Some(customer) = customer {
            payload = payload.field(
                "customer",
                serde_json::json!({ "country": customer.country, "attributes": customer.attributes }),
            );
        }
        payload
    }

    pub fn text(self) -> String {
        serde_json::Value::Object(self.0).to_string()
    }
}

/// Events of any kind, under their `externalId`s, with multi-row
/// statements: the unique key refuses one taken already (by a delivery for
/// another partner at that moment), as `CONFLICT`. Every row of `events` is
/// written here, by the ledger's event path, and counted in the reports'
/// series by the `posting` written after it.
pub async fn insert_events(
    conn: &impl ConnectionTrait,
    events: Vec<event::Model>,
    posting: &mut crate::posting::Posting,
) -> ApiResult<()> {
    posting.recorded(&events);
    let mut rows = events.into_iter().map(event::ActiveModel::from).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<event::ActiveModel> = rows.by_ref().take(WRITE_CHUNK).collect();
        event::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await
            .map_err(|e| match violates(&e, keys::EVENT_EXTERNAL_ID) {
                true => ApiError::other_payload(),
                false => ApiError::from(e),
            })?;
    }
    Ok(())
}
