//! Deal events as the API takes them — a move, a payment, or a batch of
//! both — and what each did.

use crate::graphql::batch::ItemError;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Commission, Deal, Event};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{ID, InputObject, OneofObject, SimpleObject};
use revshare_core::deals::moves::{DealEvent, NewPayment, StageMove};
use revshare_core::deals::record;
use revshare_core::error::ApiResult;

/// A deal reaching a stage.
#[derive(InputObject)]
pub struct MoveDealInput {
    /// The deal.
    pub deal_id: ID,
    /// The stage it reaches.
    pub stage_id: ID,
    /// Your idempotency key for the move, unique per tenant among events.
    pub external_id: String,
    /// When (omitted: now).
    pub occurred_at: Option<DateTime>,
}

/// A payment on a won deal.
#[derive(InputObject)]
pub struct DealPaymentInput {
    /// The deal.
    pub deal_id: ID,
    /// Your idempotency key for the payment, unique per tenant among events.
    pub external_id: String,
    /// Omitted: the deal's amount.
    pub amount: Option<Decimal>,
    /// The payment's currency (ISO 4217). Omitted: the deal's; another is
    /// converted into the deal's at the rate of the payment's day (the
    /// last on or before it, 7 days back; with none, `BAD_USER_INPUT` on
    /// `currency`), and needs `amount`.
    pub currency: Option<String>,
    /// When (omitted: now).
    pub occurred_at: Option<DateTime>,
}

/// One event of `recordDealEvents`: a move or a payment.
#[derive(OneofObject)]
pub enum DealEventInput {
    /// A stage move (or `payment`).
    Move(MoveDealInput),
    /// A payment (or `move`).
    Payment(DealPaymentInput),
}

impl DealEventInput {
    pub(super) fn external_id(&self) -> &str {
        match self {
            DealEventInput::Move(input) => &input.external_id,
            DealEventInput::Payment(input) => &input.external_id,
        }
    }

    /// The event checked as far as it can be without the database; errors
    /// name `{prefix}.move.…` or `{prefix}.payment.…`.
    pub(super) fn into_item(self, prefix: &str) -> ApiResult<record::DealItem> {
        match self {
            DealEventInput::Move(input) => {
                let prefix = format!("{prefix}.move");
                record::prepare_move(&prefix, input.into_move(&prefix)?)
            }
            DealEventInput::Payment(input) => {
                let prefix = format!("{prefix}.payment");
                record::prepare_payment(&prefix, input.into_payment(&prefix)?)
            }
        }
    }
}

impl MoveDealInput {
    pub(super) fn into_move(self, prefix: &str) -> ApiResult<StageMove> {
        Ok(StageMove {
            deal_id: self.deal_id.0,
            stage_id: self.stage_id.0,
            external_id: self.external_id,
            occurred_at: occurred_at(prefix, self.occurred_at)?,
        })
    }
}

impl DealPaymentInput {
    pub(super) fn into_payment(self, prefix: &str) -> ApiResult<NewPayment> {
        let amount = self.amount.map(|a| a.value(&format!("{prefix}.amount")));
        Ok(NewPayment {
            deal_id: self.deal_id.0,
            external_id: self.external_id,
            amount: amount.transpose()?,
            currency: self.currency,
            occurred_at: occurred_at(prefix, self.occurred_at)?,
        })
    }
}

/// One item of `recordDealEvents`: a payload or an error.
#[derive(SimpleObject)]
pub struct DealEventResult {
    /// The item's `externalId`, as sent.
    pub external_id: String,
    /// What was recorded (none when the item was refused).
    pub payload: Option<DealEventPayload>,
    /// Why the item was refused (none when it was recorded).
    pub error: Option<ItemError>,
}

/// What a stage move or a payment did.
#[derive(SimpleObject)]
pub struct DealEventPayload {
    /// The event recorded.
    pub event: Event,
    /// The deal as it is now.
    pub deal: Deal,
    /// The commissions it earned (none when it earned nothing).
    pub commissions: Vec<Commission>,
    /// The event had been recorded before with this payload: this is that result.
    pub duplicate: bool,
}

use revshare_core::auth::access::Policy;
use revshare_core::error::ApiError;

impl DealEventPayload {
    /// What a deal event recorded, as the caller (staff: `deals:write`)
    /// sees it.
    pub fn seen_by(policy: &Policy, recorded: DealEvent) -> ApiResult<Self> {
        let refused = || ApiError::Forbidden("partners see only their own data".into());
        Ok(DealEventPayload {
            event: Event::seen(policy, recorded.event).ok_or_else(refused)?,
            deal: Deal::seen(policy, recorded.deal).ok_or_else(refused)?,
            commissions: Commission::all(policy, recorded.commissions),
            duplicate: recorded.duplicate,
        })
    }
}

/// A deal event's `input.occurredAt`, read.
pub(super) fn occurred_at(
    prefix: &str,
    at: Option<DateTime>,
) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    at.map(|t| t.value(&format!("{prefix}.occurredAt")))
        .transpose()
}
