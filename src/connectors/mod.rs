//! Billing connectors (SPEC §15): a provider's own webhooks turned into
//! attributions, sales and refunds, with no code on the brand's side.
//!
//! One connector per provider and tenant, configured by an admin
//! ([`configure`]). Its public endpoint (`POST /connectors/{provider}/{tenantId}`,
//! [`crate::http::intake`]) verifies the provider's own signature and
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
pub mod intake;
mod marks;
pub mod paddle;
mod run;
mod signatures;
pub mod stripe;
pub mod units;
mod waits;

pub use config::{Configure, Counts, configure, counts, events, find, list, secrets};
pub use intake::{Handled, NO_CONNECTOR, Refused};
pub use signatures::{Signed, TOLERANCE_SECONDS};

/// The actor a connector's refunds are recorded by.
pub const ACTOR: &str = "connector";
