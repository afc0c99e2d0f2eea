//! The partner directory: tenants, partner groups, partners and categories.
//!
//! Services take the tenant id explicitly and scope every statement by it;
//! authorization has already happened in the resolver that calls them. Each
//! mutation is one transaction from [`crate::db::Db::write`].

pub mod categories;
pub mod groups;
pub mod partners;
pub mod tenants;
