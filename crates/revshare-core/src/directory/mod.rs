//! The partner directory: partner groups, partners and categories (tenants
//! are set up above it, in [`crate::tenants`]).
//!
//! Services take the tenant id explicitly and scope every statement by it;
//! authorization has already happened in the resolver that calls them. Each
//! mutation is one transaction from [`crate::db::Db::write`]; a partner's
//! change is also offered in the caller's transaction
//! ([`partners::change`], [`partners::move_to_group`],
//! [`partners::add_tag`]), kept in its history and the activity log as
//! [`recorded`] says, so a workflow changes a partner through the writes
//! staff use. [`tags`] is how tags are stored.

pub mod categories;
pub mod columns;
pub mod groups;
pub mod minimums;
pub mod partners;
pub mod recorded;
pub mod tags;
pub mod traffic;

use crate::error::{ApiError, ApiResult, UniqueKey, violates};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The columns that key a row of the directory by `externalId` in its tenant.
pub(crate) struct Keyed<E: EntityTrait> {
    pub tenant_id: E::Column,
    pub external_id: E::Column,
    pub id: E::Column,
    /// What a row is called in the error: "group", "partner".
    pub what: &'static str,
    /// The unique key of `externalId`.
    pub key: UniqueKey,
}

impl<E: EntityTrait> Keyed<E> {
    /// `input.externalId` is already another row's.
    pub(crate) fn taken(&self) -> ApiError {
        ApiError::bad_input(
            "input.externalId",
            format!("is already used by another {}", self.what),
        )
    }

    /// Refuses an `externalId` another row of the tenant has (`except`: the
    /// row being updated).
    pub(crate) async fn check_free(
        &self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        external_id: &str,
        except: Option<&str>,
    ) -> ApiResult<()> {
        let mut query = E::find()
            .filter(self.tenant_id.eq(tenant_id))
            .filter(self.external_id.eq(external_id));
        if let Some(id) = except {
            query = query.filter(self.id.ne(id));
        }
        match query.one(conn).await? {
            None => Ok(()),
            Some(_) => Err(self.taken()),
        }
    }

    /// A write that met the unique key of `externalId` (a concurrent
    /// writer took it after the check) as the client's error.
    pub(crate) fn unique(&self, err: sea_orm::DbErr) -> ApiError {
        match violates(&err, self.key) {
            true => self.taken(),
            false => err.into(),
        }
    }
}
