//! The one error type of the API and its mapping to GraphQL error codes
//! (SPEC §3). Internal failures are logged here, once, and reach the client as
//! `INTERNAL` with a fixed message: no database or internal text ever leaves.
//!
//! `ApiError`'s `Display` is [`ApiError::message`], the text a client may
//! read and nothing else: the surface turns it into a GraphQL error with
//! that text, keeps the `ApiError` beside it, and gives the error its
//! `code` (and `field`) from there when it answers (`revshare-api`'s
//! `http::prepare`). This crate names no GraphQL type.

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
    /// A `CONFLICT` whose cause a client may act on, named in
    /// `extensions.reason` (`CLICK_SPAM`, `LISTED_DOMAIN`).
    Declined {
        message: String,
        reason: &'static str,
    },
    /// The database cannot be reached or did not answer in time: retry.
    Unavailable,
    /// Something else the request needs is away (a DNS resolver, the
    /// disk); the text names it, and never holds an internal message.
    /// Answered as `UNAVAILABLE`: retry.
    Away(String),
    /// A serialization failure or deadlock: the transaction lost a race and
    /// may be retried (`Db::retrying` does, a bounded number of
    /// times). One that escapes a retry loop reaches the client as `CONFLICT`.
    Contention,
    /// The caller sent more than its limit allows (SPEC §3): it may try
    /// again in `retry_after` seconds.
    TooManyRequests {
        message: String,
        retry_after: u64,
    },
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

    /// A stored JSON value read as its type. One that does not read is
    /// corruption, never a default: an internal error, logged with `what`
    /// it is.
    pub fn stored<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> ApiResult<T> {
        serde_json::from_str(text).map_err(|e| ApiError::internal(what, e))
    }

    /// A value written as JSON text; one that cannot be is an internal
    /// error, never an empty text in its place.
    pub fn json<T: serde::Serialize + ?Sized>(what: &str, value: &T) -> ApiResult<String> {
        serde_json::to_string(value).map_err(|e| ApiError::internal(what, e))
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) | ApiError::Declined { .. } | ApiError::Contention => "CONFLICT",
            ApiError::Unavailable | ApiError::Away(_) => "UNAVAILABLE",
            ApiError::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            ApiError::Internal => "INTERNAL",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Away(m)
            | ApiError::Declined { message: m, .. }
            | ApiError::TooManyRequests { message: m, .. } => m.clone(),
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
            crate::failure::Failure::StorageFull => {
                tracing::error!(error = ?err, "the database's storage refused a write");
                ApiError::Away(
                    "the database's storage is full (or failing): nothing was written; retry \
                     once space is freed"
                        .into(),
                )
            }
            crate::failure::Failure::Other => ApiError::internal("database", err),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// A unique key a write can run into that is the client's to hear about:
/// the index name PostgreSQL reports, and the columns SQLite reports.
/// A unique violation means what its key means, never any other: a
/// service asks [`violates`] which key failed (launchbadge's realworld
/// keeps the same kind of table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    postgres: &'static str,
    sqlite: &'static str,
}

impl UniqueKey {
    /// The index PostgreSQL names in a violation.
    pub fn postgres(&self) -> &'static str {
        self.postgres
    }

    /// The `table.column, …` list SQLite names in a violation.
    pub fn sqlite(&self) -> &'static str {
        self.sqlite
    }
}

/// Every unique key a service maps to a client's error, in one place.
pub mod keys {
    use super::UniqueKey;

    const fn key(postgres: &'static str, sqlite: &'static str) -> UniqueKey {
        UniqueKey { postgres, sqlite }
    }

    pub const TENANT: UniqueKey = key("tenants_pkey", "tenants.id");
    pub const GROUP_EXTERNAL_ID: UniqueKey = key(
        "uq_partner_groups_external_id",
        "partner_groups.tenant_id, partner_groups.external_id",
    );
    pub const PARTNER_EXTERNAL_ID: UniqueKey = key(
        "uq_partners_external_id",
        "partners.tenant_id, partners.external_id",
    );
    pub const PARTNER_EMAIL: UniqueKey = key(
        "uq_partners_email_key",
        "partners.tenant_id, partners.email_key",
    );
    pub const CATEGORY_NAME: UniqueKey = key(
        "uq_categories_name",
        "categories.tenant_id, categories.name",
    );
    pub const PENDING_REQUEST: UniqueKey = key(
        "uq_partnership_requests_pending",
        "partnership_requests.partner_id, partnership_requests.campaign_id",
    );
    pub const ENROLLMENT: UniqueKey = key(
        "uq_enrollments",
        "enrollments.partner_id, enrollments.campaign_id",
    );
    pub const EVENT_EXTERNAL_ID: UniqueKey = key(
        "uq_events_external_id",
        "events.tenant_id, events.external_id",
    );
    pub const STAGE_POSITION: UniqueKey = key(
        "uq_deal_stages_position",
        "deal_stages.tenant_id, deal_stages.position",
    );
    pub const OPTION_LABEL: UniqueKey = key(
        "uq_custom_field_options_label",
        "custom_field_options.custom_field_id, custom_field_options.label",
    );
    pub const DEAL_EXTERNAL_ID: UniqueKey =
        key("uq_deals_external_id", "deals.tenant_id, deals.external_id");
    pub const COMPANY_DOMAIN: UniqueKey = key(
        "ux_deals_company_domain",
        "deals.tenant_id, deals.company_domain",
    );

    pub const REFERRAL_CODE: UniqueKey = key(
        "ux_referral_codes_code",
        "referral_codes.tenant_id, referral_codes.code",
    );
    pub const COUPON_CODE: UniqueKey = key(
        "ux_referral_codes_coupon",
        "referral_codes.tenant_id, referral_codes.coupon_key",
    );
    pub const ATTRIBUTION: UniqueKey = key(
        "ux_attributions_customer",
        "attributions.tenant_id, attributions.customer_external_id",
    );
    pub const UNATTRIBUTED_EXTERNAL_ID: UniqueKey = key(
        "ux_unattributed_events_external_id",
        "unattributed_events.tenant_id, unattributed_events.external_id",
    );

    pub const BACKTEST_RUNNING: UniqueKey = key("ux_backtests_running", "backtests.tenant_id");
    pub const IMPORT_RUNNING: UniqueKey = key("ux_imports_running", "imports.tenant_id");
    pub const BOUNTY_AWARD: UniqueKey = key(
        "ux_bounty_awards",
        "bounty_awards.bounty_id, bounty_awards.partner_id",
    );

    /// All of them, for the test that holds them to the schema.
    pub const ALL: [UniqueKey; 19] = [
        TENANT,
        GROUP_EXTERNAL_ID,
        PARTNER_EXTERNAL_ID,
        PARTNER_EMAIL,
        CATEGORY_NAME,
        PENDING_REQUEST,
        ENROLLMENT,
        EVENT_EXTERNAL_ID,
        STAGE_POSITION,
        OPTION_LABEL,
        DEAL_EXTERNAL_ID,
        COMPANY_DOMAIN,
        REFERRAL_CODE,
        COUPON_CODE,
        ATTRIBUTION,
        UNATTRIBUTED_EXTERNAL_ID,
        BACKTEST_RUNNING,
        IMPORT_RUNNING,
        BOUNTY_AWARD,
    ];
}

/// Whether a database error is a unique violation of `key`.
pub fn violates(err: &DbErr, key: UniqueKey) -> bool {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => {
            // PostgreSQL: `… violates unique constraint "uq_…"`; SQLite:
            // `UNIQUE constraint failed: table.a, table.b`.
            message.contains(&format!("\"{}\"", key.postgres))
                || message
                    .split_once("constraint failed: ")
                    .is_some_and(|(_, columns)| columns.trim() == key.sqlite)
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
        assert_eq!(err.to_string(), "internal error");
    }
}
