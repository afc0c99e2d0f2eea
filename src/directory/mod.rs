//! The partner directory: tenants, partner groups, partners and categories.
//!
//! Services take the tenant id explicitly and scope every statement by it;
//! authorization has already happened in the resolver that calls them. Each
//! mutation is one transaction from [`crate::db::Db::write`].

pub mod categories;
pub mod groups;
pub mod partners;
pub mod tenants;

use crate::error::ApiError;

/// Parses a stored enum value; a value the code does not know is corruption.
fn stored<T>(value: Option<T>, column: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::internal("stored value", column))
}
