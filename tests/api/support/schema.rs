//! The schema as a client reads it.

/// The introspection query GraphiQL sends when it loads.
pub(crate) const INTROSPECTION: &str = include_str!("../introspection.graphql");
