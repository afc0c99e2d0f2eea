//! Billing connectors (SPEC §15): a provider's own webhooks turned into
//! attributions, sales and refunds, with no code on the brand's side.
//!
//! One connector per provider and tenant, configured by an admin
//! ([`configure`]). Its public endpoint (`POST /connectors/{provider}/{tenantId}`,
//! [`crate::http::connectors`]) verifies the provider's own signature and
//! then handles the event in one transaction: the event's effect —
//! through the one event path, exactly as `recordEvent`, `attributeCustomer`
//! and `recordRefund` record theirs — and the event's id, so a redelivery
//! does nothing again. A sale is recorded with the `recordEvent` calls
//! queued with it, the event's id marked in that batch's transaction. It
//! answers `2xx` only once that committed, so the provider retries
//! otherwise.
//!
//! - [`stripe`]: `Stripe-Signature`, checkouts, customers, invoices,
//!   refunds, disputes; both API generations.
//! - [`paddle`]: Paddle Billing's `Paddle-Signature`, customers,
//!   transactions, refund and chargeback adjustments.

mod config;
mod effects;
mod marks;
pub mod paddle;
mod run;
mod signatures;
pub mod stripe;
pub mod units;
mod waits;

pub use config::{Configure, Counts, configure, counts, find, list, secrets};
pub use signatures::{Signed, TOLERANCE_SECONDS};

use crate::error::ApiError;

/// The actor a connector's refunds are recorded by.
pub const ACTOR: &str = "connector";

/// What handling a provider's event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Its effect committed.
    Done,
    /// A type the connector does not take, or nothing to do (a zero
    /// invoice, a checkout naming no partner): answered `200`, counted.
    Ignored,
    /// Its id was handled before: nothing done again.
    Again,
    /// A refund or dispute of a sale not found yet: kept, and applied once
    /// when the sale's link arrives (`billingConnectorEvents` lists it).
    Waiting,
}

/// Why a request is refused before anything is recorded.
#[derive(Debug)]
pub enum Refused {
    /// No connector for the provider, or it is disabled: `404`, so the
    /// provider keeps the event and retries (enabling the connector again
    /// within the provider's retry window loses nothing).
    NoConnector,
    /// A missing, malformed, stale or unmatched signature: `400`.
    Signature(&'static str),
    /// Not an event the provider sends: `400`.
    Malformed(&'static str),
    /// What it refers to is not known yet (a refund of an invoice not
    /// delivered yet): `503`, so the provider delivers it again later.
    NotYet,
    /// An internal failure: `5xx`, retried by the provider.
    Failed(ApiError),
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Refused {
        Refused::Failed(err)
    }
}
