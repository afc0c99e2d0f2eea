//! The activity log's writing side (SPEC §34): who changed what, when and
//! from where, one entry in the transaction of its change.
//!
//! A caller that acts — a mutation, a staff sign-in, a job's act on money —
//! runs its work [`within`] a [`Scope`]: the action's name, the actor, the
//! request's id and IP, and the object it is about when its arguments
//! name one. The services it calls add what only they know, on the
//! current task: the object they created ([`on`]), the partner it is about
//! ([`about`]), each field they changed ([`changed`], the same changes a
//! deal's or partner's history keeps), the reason given ([`because`]).
//! When a write transaction of that work commits, the database layer
//! writes the entry just before `COMMIT` ([`write_pending`]): no change
//! without its entry, no entry without its change; a refused mutation
//! rolls back both. What services noted is forgotten when a transaction
//! begins ([`begun`]), so a transaction run again after losing a race
//! notes its changes once.
//!
//! Nothing secret enters it: what an entry shows of a field is decided by
//! a list of the fields that may be shown ([`Exposure`], [`shown`]) — in
//! clear, or by their last 4 characters (tax ids, IBANs, account
//! numbers); a field the lists do not name, credentials, sign-in codes,
//! tokens and keys among them, is left out whole.
//!
//! An act whose services say nothing of what they changed is compared
//! instead: its object's row as the transaction began ([`look_before`])
//! and as it commits, column by column ([`rows`]).
//!
//! The log is read, exported and trimmed by `audit`, higher up.

mod fields;
mod rows;
mod shown;

pub use fields::{Exposure, amount, amounts, decimal, exposure, last_four, safe};

use chrono::{DateTime, Utc};
pub use entity::enums::ActorKind;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, ModelTrait};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The staff member's e-mail (a token's `sub`), a service token's
    /// subject, the partner's id, the job's name, or the workflow's id.
    pub id: String,
    /// As a person reads it: the e-mail, the key's subject, the partner's
    /// name or e-mail, the job's name, the workflow's name.
    pub name: String,
}

impl Actor {
    pub fn new(kind: ActorKind, id: &str, name: &str) -> Actor {
        Actor {
            kind,
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    /// One of revshare's own jobs, by name (`maturity`, `payouts`, …).
    pub fn system(job: &str) -> Actor {
        Actor::new(ActorKind::System, job, job)
    }

    /// A workflow, by its id and name.
    pub fn workflow(id: &str, name: &str) -> Actor {
        Actor::new(ActorKind::Workflow, id, name)
    }
}

/// An entry's object: its GraphQL type and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub id: String,
}

/// One field's change as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The field of a deal event's entry listing what it pays the tenant's
/// own people (spiffs to a contact of no partner), apart from the
/// partner's `commissions`: the tenant's expense, which no partner reads.
pub const STAFF_SPIFFS: &str = "staffSpiffs";

/// An act in progress: what every entry its transactions write says.
#[derive(Debug)]
pub struct Scope {
    action: String,
    request_id: Option<String>,
    ip: Option<String>,
    given: Mutex<Given>,
    noted: Mutex<Noted>,
    /// The table of an object's kind, when its rows may be compared.
    tables: Option<fn(&str) -> Option<&'static str>>,
    /// Whether the act's services say what they change themselves.
    described: bool,
}

/// What the caller knew, or a service told once the caller did not
/// (an anonymous sign-in learns its staff member).
#[derive(Debug, Default)]
struct Given {
    tenant_id: Option<String>,
    actor: Option<Actor>,
    object: Option<Object>,
    partner_id: Option<String>,
    reason: Option<String>,
}

/// What the services of the current transaction noted.
#[derive(Debug, Default)]
struct Noted {
    object: Option<Object>,
    partner_id: Option<String>,
    changes: Vec<FieldChange>,
    /// Changed outside the object's row: added to what it compares to.
    beside: Vec<FieldChange>,
    reason: Option<String>,
    quiet: bool,
    /// The object's row as the transaction began.
    before: Option<Before>,
}

/// An object's row as a transaction began (`row` none: it did not exist).
#[derive(Debug)]
struct Before {
    object: Object,
    table: &'static str,
    row: Option<rows::Row>,
}

impl Scope {
    /// An act named `action` (a mutation's or a job's name).
    pub fn new(action: &str) -> Scope {
        Scope {
            action: action.to_owned(),
            request_id: None,
            ip: None,
            given: Mutex::new(Given::default()),
            noted: Mutex::new(Noted::default()),
            tables: None,
            described: false,
        }
    }

    /// Whose objects' rows are compared, `tables` naming each kind's
    /// table (a kind without one is not compared).
    pub fn compared(mut self, tables: fn(&str) -> Option<&'static str>) -> Scope {
        self.tables = Some(tables);
        self
    }

    /// Whose services say what they change ([`changed`]): no row is
    /// compared.
    pub fn described(mut self) -> Scope {
        self.described = true;
        self
    }

    /// By `actor` of `tenant_id`.
    pub fn by(self, tenant_id: &str, actor: Actor) -> Scope {
        if let Ok(mut given) = self.given.lock() {
            given.tenant_id = Some(tenant_id.to_owned());
            if actor.kind == ActorKind::Partner {
                given.partner_id = Some(actor.id.clone());
            }
            given.actor = Some(actor);
        }
        self
    }

    /// From the request `request_id`, sent from `ip`.
    pub fn from(mut self, request_id: Option<String>, ip: Option<String>) -> Scope {
        self.request_id = request_id;
        self.ip = ip;
        self
    }

    /// About the object `kind` `id` (unless a service names another).
    pub fn on(self, kind: &str, id: &str) -> Scope {
        if let Ok(mut given) = self.given.lock() {
            if kind == "Partner" && given.partner_id.is_none() {
                given.partner_id = Some(id.to_owned());
            }
            given.object = Some(Object {
                kind: kind.to_owned(),
                id: id.to_owned(),
            });
        }
        self
    }
}

impl Scope {
    /// About partner `id` (an argument named it).
    pub fn about(self, partner_id: &str) -> Scope {
        if let Ok(mut given) = self.given.lock() {
            given.partner_id = Some(partner_id.to_owned());
        }
        self
    }

    /// With the reason the actor gave.
    pub fn because(self, reason: &str) -> Scope {
        if let Ok(mut given) = self.given.lock() {
            given.reason = Some(reason.to_owned());
        }
        self
    }
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// Runs `work` within `scope`: every write transaction it commits on this
/// task writes an entry.
pub async fn within<F: Future>(scope: Scope, work: F) -> F::Output {
    SCOPE.scope(Arc::new(scope), work).await
}

/// Whether the current task acts within a scope.
pub fn recording() -> bool {
    SCOPE.try_with(|_| ()).is_ok()
}

fn with_noted(note: impl FnOnce(&mut Noted)) {
    let _ = SCOPE.try_with(|scope| {
        if let Ok(mut noted) = scope.noted.lock() {
            note(&mut noted);
        }
    });
}

/// The current transaction's object is `kind` `id` (a row it created, or
/// the one it changed when the arguments did not name it).
pub fn on(kind: &str, id: &str) {
    with_noted(|noted| {
        if kind == "Partner" && noted.partner_id.is_none() {
            noted.partner_id = Some(id.to_owned());
        }
        noted.object = Some(Object {
            kind: kind.to_owned(),
            id: id.to_owned(),
        });
    });
}

/// The current transaction created `row`, the object `kind` `id`: the
/// entry holds each of its fields, from nothing.
pub fn created<M: ModelTrait>(kind: &str, id: &str, row: &M) {
    on(kind, id);
    compared(None, Some(row));
}

/// The current transaction changed its object from `before` to `after`,
/// rows the service holds (none: created, or deleted): each column that
/// differs is a change, named and shown as [`rows`] says.
pub fn compared<M: ModelTrait>(before: Option<&M>, after: Option<&M>) {
    if !recording() {
        return;
    }
    let changes = rows::compare(
        before.map(rows::of_model).as_ref(),
        after.map(rows::of_model).as_ref(),
    );
    with_noted(|noted| noted.changes.extend(changes));
}

/// The current transaction is about partner `id` (its record, or a row of
/// its own): that partner reads its entry.
pub fn about(partner_id: &str) {
    with_noted(|noted| noted.partner_id = Some(partner_id.to_owned()));
}

/// The current transaction changed these fields, each `(field, before,
/// after)` (those changing nothing are left out; secrets are masked or
/// left out).
pub fn changed<'a>(changes: impl IntoIterator<Item = (&'a str, Option<String>, Option<String>)>) {
    if !recording() {
        return;
    }
    with_noted(|noted| {
        for (field, before, after) in changes {
            if before != after
                && let Some(safe) = safe(field, before, after)
            {
                noted.changes.push(safe);
            }
        }
    });
}

/// The current transaction also changed these fields outside its
/// object's row, each `(field, before, after)` (the tenant's invoicing
/// beside its settings): added to what comparing the row finds, or to
/// what its services said (masked as [`changed`]).
pub fn also_changed<'a>(
    changes: impl IntoIterator<Item = (&'a str, Option<String>, Option<String>)>,
) {
    if !recording() {
        return;
    }
    with_noted(|noted| {
        for (field, before, after) in changes {
            if before != after
                && let Some(safe) = safe(field, before, after)
            {
                noted.beside.push(safe);
            }
        }
    });
}

/// The reason the actor gave.
pub fn because(reason: &str) {
    with_noted(|noted| noted.reason = Some(reason.to_owned()));
}

/// The current transaction changes nothing of the program's (a session's
/// renewal, a claim on a queue): it writes no entry.
pub fn quiet() {
    with_noted(|noted| noted.quiet = true);
}

/// The current act changed many objects at once (commissions approved or
/// paid together): one entry for each, naming it, made by `entries` of
/// the act and written in `conn`'s transaction at `at` — instead of the
/// act's one entry, which would name none of them. Outside an act whose
/// actor is known, nothing is written.
pub async fn each(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entries: impl FnOnce(&Acting) -> Vec<Entry>,
) -> Result<(), DbErr> {
    let Some(by) = acting() else {
        return Ok(());
    };
    quiet();
    record(conn, at, entries(&by)).await
}

/// Who acted, when the caller could not say (an anonymous sign-in learns
/// its staff member or partner once the code is spent).
pub fn acted_by(tenant_id: &str, actor: Actor) {
    let _ = SCOPE.try_with(|scope| {
        if let Ok(mut given) = scope.given.lock() {
            given.tenant_id = Some(tenant_id.to_owned());
            if actor.kind == ActorKind::Partner {
                given.partner_id = Some(actor.id.clone());
            }
            given.actor = Some(actor);
        }
    });
}

/// A write transaction began: what a previous attempt noted is forgotten.
pub fn begun() {
    with_noted(|noted| *noted = Noted::default());
}

/// Reads the row of the object the current act names as its write
/// transaction `conn` begins, to compare it with the row it commits
/// (unless the act's services say what they change).
pub async fn look_before(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let Ok(Some((tenant_id, object, table))) = SCOPE.try_with(|scope| {
        if scope.described {
            return None;
        }
        let given = scope.given.lock().ok()?;
        let object = given.object.clone()?;
        let table = (scope.tables?)(&object.kind)?;
        Some((given.tenant_id.clone()?, object, table))
    }) else {
        return Ok(());
    };
    let row = rows::read(conn, table, &tenant_id, &object.id).await?;
    with_noted(|noted| noted.before = Some(Before { object, table, row }));
    Ok(())
}

/// What the current act's entry compares: its object's row before and
/// the table to read it from now.
struct Comparison {
    tenant_id: String,
    object: Object,
    table: &'static str,
    before: Option<rows::Row>,
}

/// The comparison the entry of `scope` needs: none when its services
/// said what they changed, or its object's row was not read as the
/// transaction began.
fn comparison(scope: &Scope) -> Option<Comparison> {
    if scope.described {
        return None;
    }
    scope.tables?;
    let mut noted = scope.noted.lock().ok()?;
    if noted.quiet || !noted.changes.is_empty() {
        return None;
    }
    let given = scope.given.lock().ok()?;
    given.actor.as_ref()?;
    let tenant_id = given.tenant_id.clone()?;
    let before = noted.before.take();
    let object = noted.object.clone().or_else(|| given.object.clone())?;
    let before = before.filter(|before| before.object == object)?;
    Some(Comparison {
        tenant_id,
        object,
        table: before.table,
        before: before.row,
    })
}

/// An entry a job writes itself, beside its change (one per commission a
/// round approves, of whichever tenant).
#[derive(Debug, Clone)]
pub struct Entry {
    pub tenant_id: String,
    pub actor: Actor,
    pub action: String,
    pub object: Option<Object>,
    pub partner_id: Option<String>,
    pub changes: Vec<FieldChange>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl Entry {
    /// `actor`'s act `action` on `kind` `id` of `tenant_id`.
    pub fn on(tenant_id: &str, actor: Actor, action: &str, kind: &str, id: &str) -> Entry {
        Entry {
            tenant_id: tenant_id.to_owned(),
            actor,
            action: action.to_owned(),
            object: Some(Object {
                kind: kind.to_owned(),
                id: id.to_owned(),
            }),
            partner_id: None,
            changes: Vec::new(),
            request_id: None,
            ip: None,
        }
    }

    /// About partner `id`.
    pub fn about(mut self, partner_id: &str) -> Entry {
        self.partner_id = Some(partner_id.to_owned());
        self
    }

    /// Creating `row`: each of its fields, from nothing (as [`created`]).
    pub fn creating<M: ModelTrait>(mut self, row: &M) -> Entry {
        let made = rows::of_model(row);
        self.changes.extend(rows::compare(None, Some(&made)));
        self
    }

    /// Changing `field` from `before` to `after` (masked as [`changed`]).
    pub fn changing(mut self, field: &str, before: Option<String>, after: Option<String>) -> Entry {
        if before != after
            && let Some(change) = safe(field, before, after)
        {
            self.changes.push(change);
        }
        self
    }
}

/// Who acts on the current task, taken along to the task that writes
/// the change (a sale queued for its batch): that task writes the entry.
#[derive(Debug, Clone)]
pub struct Acting {
    tenant_id: String,
    actor: Actor,
    action: String,
    request_id: Option<String>,
    ip: Option<String>,
}

impl Acting {
    /// The entry of this act on `kind` `id`.
    pub fn entry(&self, kind: &str, id: &str) -> Entry {
        Entry {
            request_id: self.request_id.clone(),
            ip: self.ip.clone(),
            ..Entry::on(&self.tenant_id, self.actor.clone(), &self.action, kind, id)
        }
    }
}

/// The act the current task is within, if its actor is known.
pub fn acting() -> Option<Acting> {
    SCOPE
        .try_with(|scope| {
            let given = scope.given.lock().ok()?;
            Some(Acting {
                tenant_id: given.tenant_id.clone()?,
                actor: given.actor.clone()?,
                action: scope.action.clone(),
                request_id: scope.request_id.clone(),
                ip: scope.ip.clone(),
            })
        })
        .ok()
        .flatten()
}

/// Writes `entries` in the caller's transaction, at `at`.
pub async fn record(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entries: Vec<Entry>,
) -> Result<(), DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries.into_iter().map(|e| entity::activity::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(e.tenant_id),
        at: Set(at),
        actor_kind: Set(e.actor.kind),
        actor_id: Set(e.actor.id),
        actor_name: Set(e.actor.name),
        action: Set(e.action),
        object_kind: Set(e.object.as_ref().map(|o| o.kind.clone())),
        object_id: Set(e.object.map(|o| o.id)),
        partner_id: Set(e.partner_id),
        changes: Set(serde_json::to_string(&e.changes).unwrap_or_else(|_| "[]".into())),
        request_id: Set(e.request_id),
        ip: Set(e.ip),
        reason: Set(None),
    });
    // In chunks: 14 values a row stay within SQLite's bound on variables.
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        entity::activity::Entity::insert_many(rows.by_ref().take(500))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes the current scope's entry in the transaction `conn` about to
/// commit, if the task acts within one whose actor is known; at `at`.
pub async fn write_pending(conn: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<(), DbErr> {
    if let Ok(Some(compared)) = SCOPE.try_with(|scope| comparison(scope)) {
        let Comparison {
            tenant_id,
            object,
            table,
            before,
        } = compared;
        let after = rows::read(conn, table, &tenant_id, &object.id).await?;
        let changes = rows::compare(before.as_ref(), after.as_ref());
        with_noted(|noted| noted.changes = changes);
    }
    let Ok(Some(mut entry)) = SCOPE.try_with(|scope| entry_of(scope, at)) else {
        return Ok(());
    };
    // A partner's token names its session, not the partner: its name is
    // read here, in the entry's transaction (a partner's own acts alone).
    if let (Set(ActorKind::Partner), Set(id), Set(name)) =
        (&entry.actor_kind, &entry.actor_id, &entry.actor_name)
        && name.is_empty()
    {
        let named = entity::partner::Entity::find_by_id(id.clone())
            .one(conn)
            .await?
            .map_or_else(|| id.clone(), |p| p.name);
        entry.actor_name = Set(named);
    }
    entity::activity::Entity::insert(entry)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn entry_of(scope: &Scope, at: DateTime<Utc>) -> Option<entity::activity::ActiveModel> {
    let noted = std::mem::take(&mut *scope.noted.lock().ok()?);
    if noted.quiet {
        return None;
    }
    let given = scope.given.lock().ok()?;
    let (tenant_id, actor) = (given.tenant_id.clone()?, given.actor.clone()?);
    let object = noted.object.or_else(|| given.object.clone());
    let partner_id = noted.partner_id.or_else(|| given.partner_id.clone());
    let mut changes = noted.changes;
    changes.extend(noted.beside);
    Some(entity::activity::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(tenant_id),
        at: Set(at),
        actor_kind: Set(actor.kind),
        actor_id: Set(actor.id),
        actor_name: Set(actor.name),
        action: Set(scope.action.clone()),
        object_kind: Set(object.as_ref().map(|o| o.kind.clone())),
        object_id: Set(object.map(|o| o.id)),
        partner_id: Set(partner_id),
        changes: Set(serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into())),
        request_id: Set(scope.request_id.clone()),
        ip: Set(scope.ip.clone()),
        reason: Set(noted.reason.or_else(|| given.reason.clone())),
    })
}
