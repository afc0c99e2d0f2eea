//! The one error type of the API and its mapping to GraphQL error codes
//! (SPEC §3). Internal failures are logged here, once, and reach the client as
//! `INTERNAL` with a fixed message: no database or internal text ever leaves.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql turns
//! any `Display` type into an error with that text, and the explicit
//! `From<ApiError>` below is the only way out of a resolver.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    /// `field` is the path of the offending input, such as `input.rules[1].percentage`.
    BadInput {
        field: String,
        message: String,
    },
    Conflict(String),
    /// The database cannot be reached or did not answer in time: retry.
    Unavailable,
    /// A serialization failure or deadlock: the transaction lost a race and
    /// may be retried (`Db::retrying` does, a bounded number of
    /// times). One that escapes a retry loop reaches the client as `CONFLICT`.
    Contention,
    Internal,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An event's `externalId` arrived again with another payload: the
    /// one answer of every event kind (sales, leads, deal moves, payments).
    pub fn other_payload() -> Self {
        ApiError::Conflict("an event with this externalId was recorded with another payload".into())
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// Logs an unexpected failure and hides it from the client.
    pub fn internal(context: &str, err: impl std::fmt::Debug) -> Self {
        tracing::error!(context, error = ?err, "internal error");
        ApiError::Internal
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) | ApiError::Contention => "CONFLICT",
            ApiError::Unavailable => "UNAVAILABLE",
            ApiError::Internal => "INTERNAL",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m) => m.clone(),
            ApiError::BadInput { field, message } => format!("{field}: {message}"),
            ApiError::Unavailable => "the database is unavailable; retry shortly".into(),
            ApiError::Contention => {
                "a concurrent change got in the way; the request may be retried".into()
            }
            ApiError::Internal => "internal error".into(),
        }
    }
}

impl From<crate::engine::CodecError> for ApiError {
    fn from(err: crate::engine::CodecError) -> Self {
        ApiError::internal("stored rules", err)
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match crate::failure::classify(&err) {
            crate::failure::Failure::Unavailable => {
                crate::failure::note_connection_failure();
                tracing::warn!(error = ?err, "database unavailable");
                ApiError::Unavailable
            }
            crate::failure::Failure::Contention => ApiError::Contention,
            crate::failure::Failure::Other => ApiError::internal("database", err),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let mut error = async_graphql::Error::new(err.message());
        error = error.extend_with(|_, ext| {
            ext.set("code", err.code());
            if let ApiError::BadInput { field, .. } = &err {
                ext.set("field", field.as_str());
            }
        });
        error
    }
}

/// Whether a database error is a unique-constraint violation, so a service can
/// turn a lost race on a unique key into a user error.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Whether a database error is a unique violation of one of `keys`: an
/// index or constraint name as PostgreSQL reports it (`tenants_pkey`), or
/// the `table.column` list SQLite reports (`tenants.id`).
pub fn violates_unique(err: &DbErr, keys: &[&str]) -> bool {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => {
            keys.iter().any(|key| message.contains(key))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_become_internal_without_their_text() {
        let err: ApiError = DbErr::Custom("relation \"partners\" does not exist".into()).into();
        let gql: async_graphql::Error = err.into();
        assert_eq!(gql.message, "internal error");
    }
}
