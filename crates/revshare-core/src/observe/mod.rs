//! Operating revshare (SPEC §13): metrics, traces and request logs. Below
//! the database layer (which counts into [`metrics`]), so nothing here reads
//! a service.
//!
//! - [`metrics`]: the Prometheus figures (served by `crate::http::metrics`;
//!   each request's span, metrics and log line are
//!   `crate::http::request_log`'s);
//! - [`traces`]: the log output and the OTLP trace exporter;
//! - [`tally`]: what a write transaction wrote, counted when it commits.
//!
//! The metrics crate is `prometheus-client`: a registry per app (no global
//! recorder), so two apps in one process keep their own figures, and label
//! sets that are types, so an unbounded label cannot be written by mistake.

pub mod metrics;
pub mod tally;
pub mod traces;
