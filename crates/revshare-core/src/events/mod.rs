//! Domain events (SPEC §12): what a partner portal or a back office wants
//! to hear of — a commission earned, approved, paid or clawed back, a deal
//! moved, a tier reached — appended to the tenant's log in the transaction
//! of the change ([`append`]), so an event exists exactly when its change
//! committed (a transactional outbox). Subscriptions and webhooks read the
//! log from a cursor ([`log`]) and are woken when it grows ([`notify`]).
//!
//! The log is ordered by `(xid, seq)`: on PostgreSQL the inserting
//! transaction's id and a sequence number; on SQLite 0 and the row id. A
//! reader takes only the prefix no running transaction can add to (see
//! [`log::read`]), so writers never wait for each other to append, and a
//! cursor never skips an event nor sees one twice.
//!
//! Who may read an event ([`Audience`]): a partner token its own partner's
//! events (never a spiff to the tenant's staff), a service token the types
//! whose subject its scopes read, an admin all of the tenant's.

pub mod cursors;
pub mod log;
pub mod notify;
pub mod retention;

use crate::auth::access::{Policy, event_scope};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::domain_event;
pub use entity::enums::DomainEventType;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// Events per multi-row insert.
const WRITE_CHUNK: usize = 1000;

/// An event to append, as its producer knows it.
#[derive(Debug, Clone)]
pub struct NewDomainEvent {
    pub kind: DomainEventType,
    pub occurred_at: DateTime<Utc>,
    /// The partner it concerns (none for what only the tenant sees).
    pub partner_id: Option<String>,
    pub subject_id: String,
    /// The subject's key fields, a small object.
    pub data: serde_json::Value,
}

/// Appends `events` of `tenant_id` to the log, in the caller's transaction,
/// with one insert per thousand.
pub async fn append(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    recorded_at: DateTime<Utc>,
    events: Vec<NewDomainEvent>,
) -> ApiResult<()> {
    let mut rows = events.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<domain_event::ActiveModel> = rows
            .by_ref()
            .take(WRITE_CHUNK)
            .map(|event| domain_event::ActiveModel {
                tenant_id: Set(tenant_id.to_owned()),
                kind: Set(event.kind),
                occurred_at: Set(event.occurred_at),
                recorded_at: Set(recorded_at),
                partner_id: Set(event.partner_id),
                subject_id: Set(event.subject_id),
                data: Set(event.data.to_string()),
                // `seq` and `xid` are the database's.
                ..Default::default()
            })
            .collect();
        domain_event::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Every type, in a stable order.
pub const ALL_TYPES: [DomainEventType; 21] = [
    DomainEventType::CommissionCreated,
    DomainEventType::CommissionStatusChanged,
    DomainEventType::PayoutCreated,
    DomainEventType::PayoutPaid,
    DomainEventType::PayoutFailed,
    DomainEventType::PayoutRailChanged,
    DomainEventType::PartnerEnrolled,
    DomainEventType::PartnershipRequestCreated,
    DomainEventType::PartnershipRequestDecided,
    DomainEventType::DealStageChanged,
    DomainEventType::DealPaymentRecorded,
    DomainEventType::DealRegistered,
    DomainEventType::DealRegistrationDecided,
    DomainEventType::DealUpdated,
    DomainEventType::TierReached,
    DomainEventType::CustomerAttributed,
    DomainEventType::PartnerApplied,
    DomainEventType::PartnerApplicationDecided,
    DomainEventType::FraudFlagged,
    DomainEventType::FraudFlagResolved,
    DomainEventType::BacktestFinished,
];

/// The event types `policy`'s caller reads: a partner every type (of its
/// own events), staff those whose scope they hold.
pub fn readable_types(policy: &Policy) -> Vec<DomainEventType> {
    ALL_TYPES
        .into_iter()
        .filter(|kind| policy.reads_event(*kind))
        .collect()
}

/// Which of a tenant's events a reader receives: some types, perhaps only
/// one partner's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    pub tenant_id: String,
    pub types: Vec<DomainEventType>,
    pub partner_id: Option<String>,
    /// No event at all: what a partner naming another partner reads.
    pub nobody: bool,
}

impl Audience {
    /// What `policy`'s caller may read, narrowed to `types` (none: every
    /// type it may read) and `partner_id`. A partner asking for another
    /// partner's events reads none, as if that partner did not exist (the
    /// answer of every list filtered by another partner, SPEC §3); a
    /// service token asking for a type it may not read is forbidden.
    pub fn of(
        policy: &Policy,
        types: Option<Vec<DomainEventType>>,
        partner_id: Option<String>,
    ) -> ApiResult<Audience> {
        let readable = readable_types(policy);
        let types = match types {
            None => readable,
            Some(asked) => {
                if let Some(kind) = asked.iter().find(|k| !readable.contains(k)) {
                    return Err(ApiError::Forbidden(format!(
                        "{} events need the {} scope",
                        kind.as_str(),
                        event_scope(*kind).as_str()
                    )));
                }
                let mut asked = asked;
                asked.sort();
                asked.dedup();
                asked
            }
        };
        if types.is_empty() {
            return Err(ApiError::Forbidden(
                "no event type is readable with this token's scopes".into(),
            ));
        }
        let rows = policy.partner_rows(partner_id.as_deref());
        Ok(Audience {
            tenant_id: policy.tenant_id().to_owned(),
            types,
            partner_id: rows.partner().map(str::to_owned),
            nobody: rows.is_nothing(),
        })
    }

    /// Every event of the tenant (webhook fan-out narrows it per endpoint).
    pub fn whole(tenant_id: &str) -> Audience {
        Audience {
            tenant_id: tenant_id.to_owned(),
            types: ALL_TYPES.to_vec(),
            partner_id: None,
            nobody: false,
        }
    }
}
