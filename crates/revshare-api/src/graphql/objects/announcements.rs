//! Announcements (SPEC §37) as they are read: a banner in the partner
//! portal until each partner dismisses it.

use super::Seen;
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, policy};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object};
use entity::announcement;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::messages::announcements as rules;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A banner in the partner portal from its start to its end, for every
/// partner or the partners of some groups, shown to each until it
/// dismisses it (SPEC §37).
pub struct Announcement(pub Visible<announcement::Model>);

impl Seen for Announcement {
    type Row = announcement::Model;

    fn made(row: Visible<announcement::Model>) -> Self {
        Announcement(row)
    }

    fn visible(&self) -> &Visible<announcement::Model> {
        &self.0
    }
}

impl Announcement {
    fn row(&self) -> ApiResult<&announcement::Model> {
        self.0.read(C::Row)
    }
}

/// A banner in the partner portal from its start to its end, for every
/// partner or the partners of some groups, shown to each until it
/// dismisses it (SPEC §37).
#[Object]
impl Announcement {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its title: plain text, at most 120 characters.
    async fn title(&self) -> ApiResult<&str> {
        Ok(&self.row()?.title)
    }

    /// Its text: plain text, at most 2,000 characters, shown as written.
    async fn body(&self) -> ApiResult<&str> {
        Ok(&self.row()?.body)
    }

    /// Where it leads (`https`), if anywhere.
    async fn link(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.link.as_deref())
    }

    /// From when it shows.
    async fn starts_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.starts_at.into())
    }

    /// Until when (excluded); null: until each partner dismisses it.
    async fn ends_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.ends_at.map(Into::into))
    }

    /// The groups whose partners see it; empty: every partner (staff; a
    /// partner reads none).
    async fn group_ids(&self) -> ApiResult<Vec<ID>> {
        if !self.0.reads(C::Details) {
            return Ok(Vec::new());
        }
        Ok(rules::groups_of(self.row()?)?.into_iter().map(ID).collect())
    }

    /// Whether the partner reading it dismissed it; null to staff.
    async fn dismissed(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        let row = self.row()?;
        match policy(ctx)?.partner_rows(None).partner() {
            Some(own) => Ok(Some(rules::dismissed(db(ctx)?.conn(), &row.id, own).await?)),
            None => Ok(None),
        }
    }

    /// How many partners dismissed it (staff; null to partners).
    async fn dismissals(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        if !self.0.reads(C::Details) {
            return Ok(None);
        }
        let count = rules::dismissals(db(ctx)?.conn(), &self.row()?.id).await?;
        Ok(Some(i64::try_from(count).unwrap_or(i64::MAX)))
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.created_at.into())
    }
}

/// The announcements `group_id`'s partners may read (none: every one, for
/// staff), paged oldest first.
pub(crate) async fn announcements_of(
    ctx: &Context<'_>,
    group_id: Option<&str>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<Announcement>> {
    let policy = policy(ctx)?;
    let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
    let select = rules::list(policy.tenant_id(), group_id, revshare_core::db::now());
    list_connection(
        revshare_core::reads::lists::list(
            db(ctx)?.conn(),
            &request,
            select,
            announcement::Column::Id,
        ),
        Announcement::for_caller(policy),
    )
    .await
}
