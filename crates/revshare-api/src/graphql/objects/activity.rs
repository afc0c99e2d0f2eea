//! The activity log's entries (SPEC §34): who did what, to what, changing
//! which fields, from where. Its readers (admins, viewers, `activity:read`)
//! read every entry; a partner those about itself, without their IPs.

use super::Seen;
use crate::graphql::enums::ActorKind;
use crate::graphql::scalars::DateTime;
use async_graphql::{ID, Object, SimpleObject};
use entity::activity as entry;
use revshare_core::audit::STAFF;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;

/// One act recorded in the activity log: never changed, never deleted
/// but with its whole day, past the log's retention.
pub struct ActivityEntry(pub Visible<entry::Model>);

impl Seen for ActivityEntry {
    type Row = entry::Model;

    fn made(row: Visible<entry::Model>) -> Self {
        ActivityEntry(row)
    }

    fn visible(&self) -> &Visible<entry::Model> {
        &self.0
    }
}

/// Who acted.
#[derive(SimpleObject)]
pub struct Actor {
    /// Staff, a service token, a partner, one of revshare's jobs, or a
    /// workflow.
    pub kind: ActorKind,
    /// The staff member's e-mail, the token's subject, the partner's id,
    /// the job's name, or the workflow's id; to a partner, staff and
    /// tokens are `staff`.
    pub id: String,
    /// As a person reads it.
    pub name: String,
}

/// What an act was done to (its fields: `roots::activity`, beside
/// `node(id:)`, which its `node` is).
pub struct ActivityObject {
    pub(crate) kind: Option<String>,
    pub(crate) id: Option<String>,
}

/// One field an act changed: from what, to what (text as a client reads
/// it; a tax id, an IBAN or an account number by its last 4).
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field's name.
    pub field: String,
    /// Before; none: it had no value.
    pub before: Option<String>,
    /// After; none: it has no value.
    pub after: Option<String>,
}

/// One act recorded in the activity log.
#[Object]
impl ActivityEntry {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// When the act committed.
    async fn at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.at.into())
    }

    /// Who acted. A partner reads staff and service tokens as `staff`
    /// (as in a history), itself and revshare's jobs by name.
    async fn actor(&self) -> ApiResult<Actor> {
        let row = self.0.read(C::Row)?;
        let (id, name) = match revshare_core::audit::actor_shown(row, self.0.reads(C::Staffer)) {
            Some(shown) => (shown.0.to_owned(), shown.1.to_owned()),
            None => (STAFF.to_owned(), STAFF.to_owned()),
        };
        Ok(Actor {
            kind: row.actor_kind.into(),
            id,
            name,
        })
    }

    /// The mutation's or the job's name (`updatePartner`, `maturity`).
    async fn action(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.action)
    }

    /// What it was done to.
    async fn object(&self) -> ApiResult<ActivityObject> {
        let row = self.0.read(C::Row)?;
        Ok(ActivityObject {
            kind: row.object_kind.clone(),
            id: row.object_id.clone(),
        })
    }

    /// Each field it changed, before and after. A partner reads what is
    /// its own: no other partner's id, no note the staff keep, no spiff
    /// paid to the program's own people, and staff as `staff`.
    async fn changes(&self) -> ApiResult<Vec<FieldChange>> {
        let row = self.0.read(C::Row)?;
        Ok(
            revshare_core::audit::changes_shown(row, self.0.reads(C::Staffer))?
                .into_iter()
                .map(|c| FieldChange {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        )
    }

    /// The request it came in (`x-request-id`); none for a job's.
    async fn request_id(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.request_id.as_deref())
    }

    /// The address it came from; null to a partner, and for a job's.
    async fn ip(&self) -> Option<&str> {
        match self.0.read(C::Origin) {
            Ok(row) => row.ip.as_deref(),
            Err(_) => None,
        }
    }

    /// The reason the actor gave, if any; to a partner, none that is a
    /// note the staff keep (a customer's reassignment).
    async fn reason(&self) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        Ok(revshare_core::audit::reason_shown(
            row,
            self.0.reads(C::Staffer),
        ))
    }
}
