//! The partner directory: partner groups, partners and categories (tenants
//! are set up above it, in [`crate::tenants`]).
//!
//! Services take the tenant id explicitly and scope every statement by it;
//! authorization has already happened in the resolver that calls them. Each
//! mutation is one transaction from [`crate::db::Db::write`].

pub mod categories;
pub mod groups;
pub mod partners;
