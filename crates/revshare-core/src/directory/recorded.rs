//! How a change to a partner is kept, whoever makes it: what decides its
//! terms — its group, status, type and tags (conditional rules read
//! them) — in its history, and every field it changed in the activity
//! log. Staff's `updatePartner` and a workflow's move and tag are the
//! same write ([`super::partners::change`]); only who is named differs.
//!
//! A staff member's or a key's change is noted on the act the current
//! task is within, whose entry is written as its transaction commits. A
//! workflow acts inside what set it off — an application's approval, a
//! batch of sales — so it writes an entry of its own in that
//! transaction, and notes nothing on the act around it.

use crate::activity::{self, Actor, Entry};
use crate::error::ApiResult;
use crate::history::{self, Change, Stamp};
use entity::partner;
use sea_orm::ConnectionTrait;

/// Who changes a partner, as its history and the activity log name it.
#[derive(Debug, Clone)]
pub enum By<'a> {
    /// The act the current task is within (a mutation, a job): its entry
    /// lists the changes; `history` names its actor in the partner's
    /// history (a token's `sub`).
    Act { history: &'a str },
    /// An actor that writes its own entry beside the change, named
    /// `actor` and `action` there and `history` in the partner's history
    /// (a workflow: `workflow:{id}`).
    Own {
        history: &'a str,
        actor: Actor,
        action: &'a str,
    },
}

impl<'a> By<'a> {
    /// The act the current task is within, named `history` in histories.
    pub fn act(history: &'a str) -> By<'a> {
        By::Act { history }
    }

    /// `actor`'s act `action`, written as an entry of its own.
    pub fn own(history: &'a str, actor: Actor, action: &'a str) -> By<'a> {
        By::Own {
            history,
            actor,
            action,
        }
    }

    /// As the partner's history names it.
    pub fn history(&self) -> &'a str {
        match *self {
            By::Act { history } | By::Own { history, .. } => history,
        }
    }
}

/// Keeps the change of a partner from `before` to `after`, made by `by`,
/// in the caller's transaction (fields that changed nothing are left
/// out).
pub async fn record(
    conn: &impl ConnectionTrait,
    by: &By<'_>,
    before: &partner::Model,
    after: &partner::Model,
) -> ApiResult<()> {
    let text = |s: &str| Some(s.to_owned());
    let kept = vec![
        Change::new("group", text(&before.group_id), text(&after.group_id)),
        Change::new(
            "status",
            text(before.status.as_str()),
            text(after.status.as_str()),
        ),
        Change::new(
            "type",
            text(before.r#type.as_str()),
            text(after.r#type.as_str()),
        ),
        Change::new(
            "tags",
            super::tags::shown(&before.tags),
            super::tags::shown(&after.tags),
        ),
    ];
    // The record's other fields, for the activity log alone.
    let logged = [
        ("name", text(&before.name), text(&after.name)),
        ("email", before.email.clone(), after.email.clone()),
        (
            "externalId",
            before.external_id.clone(),
            after.external_id.clone(),
        ),
        ("country", before.country.clone(), after.country.clone()),
        (
            "minimumPayout",
            before.minimum_payout.clone(),
            after.minimum_payout.clone(),
        ),
    ];
    let stamp = Stamp {
        tenant_id: &after.tenant_id,
        actor: by.history(),
        at: after.updated_at,
    };
    match by {
        By::Act { .. } => {
            history::record(conn, &stamp, &after.id, kept).await?;
            activity::changed(logged);
        }
        By::Own { actor, action, .. } => {
            let mut entry = Entry::on(
                &after.tenant_id,
                actor.clone(),
                action,
                "Partner",
                &after.id,
            )
            .about(&after.id);
            for change in &kept {
                entry = entry.changing(change.field, change.from.clone(), change.to.clone());
            }
            for (field, was, is) in logged {
                entry = entry.changing(field, was, is);
            }
            history::keep(conn, &stamp, &after.id, kept).await?;
            activity::record(conn, after.updated_at, vec![entry]).await?;
        }
    }
    Ok(())
}
