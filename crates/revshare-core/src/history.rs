//! What changed on a deal or a partner (SPEC §14): each changed field, from
//! what to what, by whom and when, written in the transaction of the change
//! and never edited. Values are text as a client reads them: amounts as
//! decimal strings, ids, enum names, dates; `None` for "none".

use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use entity::change;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Change {
    pub fn new(field: &'static str, from: Option<String>, to: Option<String>) -> Change {
        Change { field, from, to }
    }
}

/// Who or what made a change, at what time.
#[derive(Debug, Clone)]
pub struct Stamp<'a> {
    pub tenant_id: &'a str,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

/// Appends `changes` to `subject_id`'s history, leaving out those that
/// change nothing; in the caller's transaction. The act the current task
/// is within lists them in its activity entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    stamp: &Stamp<'_>,
    subject_id: &str,
    changes: Vec<Change>,
) -> ApiResult<()> {
    crate::activity::changed(
        changes
            .iter()
            .map(|c| (c.field, c.from.clone(), c.to.clone())),
    );
    keep(conn, stamp, subject_id, changes).await
}

/// Appends `changes` to `subject_id`'s history as [`record`] does, for an
/// actor that writes its activity entry itself (a workflow acting inside
/// another act's transaction): the current task's act notes nothing.
pub async fn keep(
    conn: &impl ConnectionTrait,
    stamp: &Stamp<'_>,
    subject_id: &str,
    changes: Vec<Change>,
) -> ApiResult<()> {
    let rows: Vec<change::ActiveModel> = changes
        .into_iter()
        .filter(|c| c.from != c.to)
        .map(|c| change::ActiveModel {
            id: Set(crate::input::new_id()),
            tenant_id: Set(stamp.tenant_id.to_owned()),
            subject_id: Set(subject_id.to_owned()),
            field: Set(c.field.to_owned()),
            from_value: Set(c.from),
            to_value: Set(c.to),
            actor: Set(stamp.actor.to_owned()),
            at: Set(stamp.at),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    change::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
