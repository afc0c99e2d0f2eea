//! revshare-api: revshare's surface — the GraphQL schema and the HTTP
//! router — standing on `revshare-core`'s services and `revshare-engine`'s
//! arithmetic.
//!
//! This crate reads no rows itself: its manifest names no `sea-orm`,
//! `sea-query`, `sqlx` or `migration`, so every read it needs is a function
//! of the core (a loader's batch, a page's keyset select, an export), and a
//! query written here is a build error.
//!
//! - [`graphql`]: the schema, loaders, limits, scalars, and how an
//!   `ApiError` becomes a GraphQL error with its code.
//! - [`http`]: the router, GraphQL over HTTP and WebSocket, GraphiQL, the
//!   portal's and console's pages, the intake of billing webhooks, the
//!   redirect of partner links.

pub mod graphql;
pub mod http;
