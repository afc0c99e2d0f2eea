//! Operating revshare (SPEC §13): metrics, traces and request logs.
//!
//! - [`metrics`]: the Prometheus figures and the `/metrics` listener;
//! - [`request`]: each GraphQL request's span, metrics and log line, and the
//!   async-graphql extension that sees its operation;
//! - [`traces`]: the log output and the OTLP trace exporter;
//! - [`tally`]: what a write transaction wrote, counted when it commits.
//!
//! The metrics crate is `prometheus-client`: a registry per app (no global
//! recorder), so two apps in one process keep their own figures, and label
//! sets that are types, so an unbounded label cannot be written by mistake.

pub mod metrics;
pub mod request;
pub mod tally;
pub mod traces;
