//! revshare's integration tests: one binary, a module per area. Every test
//! talks to a real server over HTTP with real tokens; storage tests run on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL too.

mod architecture;
mod attribution;
mod auth;
mod backtest_deals;
mod backtests;
mod browser;
mod campaigns;
mod connectors;
mod console;
mod contract;
mod currencies;
mod deal_ledger;
mod deal_workflow;
mod deals;
mod events;
mod federation;
mod fraud;
mod groups;
mod guides;
mod hardening;
mod helpers;
mod http_surface;
mod hygiene;
mod imports;
mod inputs;
mod ledger;
mod mail;
mod operations;
mod outcomes;
mod partners;
mod payouts;
mod portal;
mod posting;
mod probes;
mod program;
mod rails;
mod ready_fields;
mod relay;
mod reports;
mod staff;
mod subscriptions;
mod tiers;
mod visibility;
mod webhooks;
