//! revshare: a GraphQL gateway for partner programs.
//!
//! A tour, from the core outwards:
//!
//! - [`engine`]: pure commission arithmetic: currencies and the one rounding
//!   rule, the partner-group rule vocabulary, its validation and evaluation.
//!   No I/O; everything it needs arrives as arguments.
//! - [`directory`]: the services for tenants, partner groups, partners and
//!   categories.
//! - [`deals`]: the sales pipeline, contacts, deal-stage commission plans
//!   and deals, whose commissions enter the ledger. Each mutation is one transaction; each statement is scoped by
//!   tenant.
//! - [`events`]: the domain-event log (an outbox written with each change),
//!   read from a cursor by subscriptions and webhooks, and its wake-ups.
//! - [`auth`]: JWT verification and minting, the [`auth::Principal`] a request
//!   acts as, scopes.
//! - [`graphql`]: the schema, one module per domain type, the per-request
//!   DataLoaders, Relay connections, the `Decimal` and `DateTime` scalars.
//! - [`http`]: the axum router (GraphQL, GraphiQL, health) and authentication.
//! - [`app`]: wiring for `revshare serve` and the tests.
//! - [`db`], [`paging`], [`input`], [`error`], [`config`]: the database and
//!   its write transactions, keyset pages, input parsing, the API's error
//!   codes, configuration.
//! - [`demo`]: the sample tenant of a development start-up.
//!
//! `src/main.rs` is the CLI; `entity/` and `migration/` are the storage crates.

pub mod app;
pub mod auth;
pub mod campaigns;
pub mod config;
pub mod db;
pub mod deals;
pub mod demo;
pub mod directory;
pub mod engine;
pub mod error;
pub mod events;
pub mod failure;
pub mod graphql;
pub mod history;
pub mod http;
pub mod input;
pub mod intake;
pub mod ledger;
pub mod observe;
pub mod paging;
pub mod posting;
pub mod tenants;
pub mod tiers;
pub mod webhooks;
