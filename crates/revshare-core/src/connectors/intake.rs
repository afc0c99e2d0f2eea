//! What a provider's webhook comes to — a billing connector's (Stripe,
//! Paddle) or a payout rail's (PayPal, Stripe Connect) alike — so that
//! every provider hears the same answers for the same reasons
//! ([`crate::http::intake`] says them): `200` only once the event's effect
//! committed, a `4xx` for what no redelivery mends, a `503` with one
//! `Retry-After` for what a later delivery will.

use crate::error::ApiError;

/// What handling a provider's event came to: `200`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Its effect committed.
    Done,
    /// A type revshare does not take, or nothing to do (a zero invoice, a
    /// checkout naming no partner, a transfer of no payout of this tenant).
    Ignored,
    /// Its id was handled before: nothing done again.
    Again,
    /// A refund or dispute of a sale not found yet: kept, and applied once
    /// when the sale's link arrives (`billingConnectorEvents` lists it).
    Waiting,
    /// A sale the ledger refused (a suspended partner, a currency it
    /// cannot hold…): kept with the event and listed `REFUSED` with its
    /// reason, recorded by `retryConnectorEvent` once the cause is mended.
    Refused,
}

impl Handled {
    /// As the answer's `handled` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Handled::Done => "done",
            Handled::Ignored => "ignored",
            Handled::Again => "again",
            Handled::Waiting => "waiting",
            Handled::Refused => "refused",
        }
    }
}

/// What a billing provider's post to a tenant without that connector
/// enabled is told.
pub const NO_CONNECTOR: &str = "no enabled connector for this provider and tenant";
/// What a payout provider's post to a tenant without that rail is told.
pub const NO_RAIL: &str = "no payout rail of this provider for this tenant";

/// Why an event was not taken.
#[derive(Debug)]
pub enum Refused {
    /// The tenant has no such connector or rail, or it is disabled: `404`,
    /// so the provider keeps the event and retries (enabling it again
    /// within the provider's retry window loses nothing). Says which.
    NotConfigured(&'static str),
    /// A missing, malformed, stale or unmatched signature, or one the
    /// provider did not verify: `400`.
    Signature(&'static str),
    /// Not an event the provider sends: `400`.
    Malformed(&'static str),
    /// What it refers to is not known yet (a refund of an invoice not
    /// delivered yet): `503`, delivered again later.
    NotYet,
    /// The provider could not be asked to verify it: `503`, delivered
    /// again later.
    ProviderUnreachable,
    /// A failure here — an outage or a lost race (`503`), a defect (`500`):
    /// nothing was recorded, and the provider delivers it again.
    Failed(ApiError),
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Refused {
        Refused::Failed(err)
    }
}

/// What an event came to.
pub type Taken = Result<Handled, Refused>;
