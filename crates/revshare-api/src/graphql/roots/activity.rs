//! The activity log (SPEC §34): `activity(filter:)`, one page of entries
//! in the order they were written (`last` for the newest).

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, policy};
use crate::graphql::enums::ActorKind;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::activity::{ActivityEntry, ActivityObject};
use crate::graphql::roots::node::{Node, node_by_id};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object};
use entity::activity as entry;
use revshare_core::audit::{self, Filter};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// What `activity` narrows the log to; every filter given must hold.
#[derive(InputObject, Default)]
pub struct ActivityFilter {
    /// Who acted: staff, a service token, a partner, a job or a workflow.
    pub actor_kind: Option<ActorKind>,
    /// The actor's id: a staff member's e-mail, a token's subject, a
    /// partner's id, a job's name, a workflow's id. A partner finds staff
    /// and tokens by `staff`, as it reads them, and by nothing else.
    pub actor_id: Option<String>,
    /// The object acted on: its trail.
    pub object_id: Option<ID>,
    /// The object's type (`Partner`, `PayoutRun`, …).
    pub object_kind: Option<String>,
    /// The mutation's or job's name.
    pub action: Option<String>,
    /// From this instant on.
    pub from: Option<DateTime>,
    /// Before this instant (excluded).
    pub to: Option<DateTime>,
}

#[derive(Default)]
pub struct ActivityQuery;

/// The activity log.
#[Object]
impl ActivityQuery {
    /// Who changed what, when and from where (SPEC §34): admins, viewers
    /// and `activity:read` read every entry; a partner the entries about
    /// itself (its own acts and staff's changes to its record), without
    /// their IPs. Oldest first; `last` pages from the newest.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries.")] filter: Option<ActivityFilter>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 50 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "How many from the end, or before `before` (1 to 100).")] last: Option<
            i32,
        >,
        #[graphql(desc = "A cursor (`pageInfo.startCursor`): the page ends before it.")]
        before: Option<String>,
    ) -> ApiResult<ListConnection<ActivityEntry>> {
        let policy = policy(ctx)?;
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let given = filter.unwrap_or_default();
        let filter = filter_of(given, Filter::readable(policy)?)?;
        let select = audit::select(policy.tenant_id(), &filter);
        list_connection(
            revshare_core::reads::lists::list(db(ctx)?.conn(), &request, select, entry::Column::Id),
            ActivityEntry::for_caller(policy),
        )
        .await
    }
}

/// `given` within what the caller reads (`readable`).
fn filter_of(given: ActivityFilter, readable: Filter) -> ApiResult<Filter> {
    let from = given.from.map(|t| t.value("filter.from")).transpose()?;
    let to = given.to.map(|t| t.value("filter.to")).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(ApiError::bad_input(
            "filter.to",
            "must be after filter.from",
        ));
    }
    Ok(Filter {
        actor_kind: given.actor_kind.map(Into::into),
        actor_id: given.actor_id,
        object_id: given.object_id.map(|id| id.0),
        object_kind: given.object_kind,
        action: given.action,
        from,
        to,
        ..readable
    })
}

/// What an act was done to: its type, its id, and the object itself while
/// it exists and the caller may read it.
#[Object]
impl ActivityObject {
    /// Its GraphQL type (`Partner`, `PayoutRun`, …); none: the act had no
    /// one object.
    async fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// Its id.
    async fn id(&self) -> Option<ID> {
        self.id.clone().map(ID)
    }

    /// The object as `node(id:)` answers it now: null once it is gone, or
    /// when the caller may not read it.
    async fn node(&self, ctx: &Context<'_>) -> ApiResult<Option<Node>> {
        match &self.id {
            Some(id) => node_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
}
