//! Deal-stage commission plans (SPEC §8, seeds 001 and 003): B2B partners
//! are paid on deals moving through a sales pipeline.
//!
//! - [`pipeline`]: the tenant's deal stages and custom select fields, and
//!   contacts (a partner's staff or the tenant's own people);
//! - [`pipeline_changes`]: stages archived, custom fields and contacts
//!   changed once in use;
//! - [`plans`]: commission plans — entries per stage, restrictions — and
//!   which plan applies to a partner;
//! - [`moves`]: what a deal event is — a stage move, a payment, the
//!   answer — and the rules every path recording one checks;
//! - [`deal`]: deals and their frozen terms; amending terms; naming a
//!   spiff's payee;
//! - [`record`]: stage moves and payments (and a creation's first stage)
//!   recorded as events, exactly once;
//! - [`simulate`]: what a plan would pay a deal, writing nothing;
//! - [`workflow`]: registrations from partners and the tenant's decision
//!   on them; changes to a deal, closing it as lost, reopening it, each
//!   kept in its history;
//! - [`history`]: what a deal event's commissions depended on, kept on
//!   the event for a replay;
//! - [`accrue`]: what a deal event earns, as rows for the ledger's posting
//!   layer. Deal commissions are ordinary ledger rows: holdback, maturity,
//!   approval, payout, refunds and reversal treat them as any other.
//!
//! The arithmetic (which value applies to occurrence n, for a deal's
//! options) is the engine's ([`crate::engine::plans`]).

pub mod accrue;
pub mod deal;
pub mod history;
pub mod moves;
pub mod pipeline;
pub mod pipeline_changes;
pub mod plans;
pub mod record;
pub mod simulate;
pub mod workflow;
