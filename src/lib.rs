//! revshare: a GraphQL gateway for partner programs — the binary's crate.
//!
//! The house is four crates along its layers (ARCHITECTURE.md draws them):
//!
//! - `revshare-engine` ([`engine`]): money and its one rounding, rules,
//!   plans, tiers — pure arithmetic, no I/O.
//! - `revshare-core`: every service below the surface, from what an error
//!   means to the ledger, payouts, imports and rails (re-exported here by
//!   module, so `revshare::ledger` names what it always named).
//! - `revshare-api` ([`graphql`], [`http`]): the schema and the router.
//! - this crate: [`config`], [`app`] (the wiring `revshare serve` and the
//!   tests share) and [`demo`] (the development tenant); `src/main.rs` is
//!   the CLI.

pub mod app;
pub mod config;
pub mod demo;

pub use revshare_api::{graphql, http};
pub use revshare_core::engine;
pub use revshare_core::{
    activity, applications, attribution, audit, auth, backtests, campaigns, connectors, db, deals,
    directory, engagement, error, events, failure, fraud, fx, history, imports, ingest, input,
    jobs, languages, ledger, links, mail, mailbox, messages, nodes, observe, paging, payouts,
    portal, posting, rails, reads, retainers, sign_in, staff, tax, tenants, tiers, webhooks,
};
