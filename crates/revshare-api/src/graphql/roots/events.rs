//! The tenant's domain events (SPEC §12): listed from a cursor
//! (`domainEvents`), and pushed as they happen (the `domainEvents`
//! subscription, over `graphql-transport-ws`). Either way a token receives
//! the events it may read ([`revshare_core::events::Audience`]).

use crate::graphql::connection::Connection;
use crate::graphql::context::{db, page_args, policy, request_context};
use crate::graphql::enums::DomainEventType;
use crate::graphql::objects::DomainEvent;
use crate::graphql::objects::Seen as _;
use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Subscription};
use futures_util::{Stream, StreamExt};
use revshare_core::db::Db;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::events::log::{self, Cursor};
use revshare_core::events::notify::Notifier;
use revshare_core::events::{Audience, DomainEventType as Stored};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use std::time::Duration;

/// Events a subscription reads from the log at a time.
const READ_SIZE: u64 = 100;

fn audience(
    ctx: &Context<'_>,
    types: Option<Vec<DomainEventType>>,
    partner_id: Option<ID>,
) -> ApiResult<Audience> {
    let types: Option<Vec<Stored>> = types.map(|t| t.into_iter().map(Into::into).collect());
    Audience::of(policy(ctx)?, types, partner_id.map(|p| p.0))
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// The tenant's events after `after` (from the start: none), oldest
    /// first: those the token may read, of `types` (all) and of
    /// `partnerId`. Kept `REVSHARE_EVENT_RETENTION_DAYS` days.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn domain_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events of these types (omitted: every type the token may read).")]
        types: Option<Vec<DomainEventType>>,
        #[graphql(desc = "Only events concerning this partner (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<Connection<DomainEvent, EmptyFields>> {
        let audience = audience(ctx, types, partner_id)?;
        let size = PageRequest::parse(page_args(first, None, None, None), DEFAULT_LIMITS)?.size;
        let after = match &after {
            Some(id) => Cursor::parse("after", id)?,
            None => Cursor::START,
        };
        let page = settled_read(db(ctx)?, &audience, after, size).await?;
        let policy = policy(ctx)?;
        // Unsettled: more is committed, and a later call will have it.
        let mut connection = Connection::new(
            after != Cursor::START,
            page.full || !page.settled,
            EmptyFields,
        );
        connection.edges = page
            .events
            .into_iter()
            .filter_map(|event| {
                let cursor = Cursor::of(&event).id();
                DomainEvent::seen(policy, event).map(|event| Edge::new(cursor, event))
            })
            .collect();
        Ok(connection)
    }
}

/// How long a listing waits for events committed but not final yet
/// (a transaction older than theirs still runs), so that a client reads
/// what it has just written.
const SETTLE_WAIT: Duration = Duration::from_secs(2);

/// A page read once every event committed before it is final, or after
/// [`SETTLE_WAIT`], whichever comes first.
async fn settled_read(
    db: &Db,
    audience: &Audience,
    after: Cursor,
    size: u64,
) -> ApiResult<log::Page> {
    let give_up = tokio::time::Instant::now() + SETTLE_WAIT;
    let mut pause = Duration::from_millis(5);
    loop {
        let page = log::read(db.conn(), audience, after, size).await?;
        if page.settled || page.full || tokio::time::Instant::now() + pause > give_up {
            return Ok(page);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// The tenant's events as they happen: those the token may read, of
    /// `types` (all) and of `partnerId`. With `after` (an event's id), the
    /// events after it come first, then the live ones, none twice and none
    /// lost; without it, from now on.
    async fn domain_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events of these types (omitted: every type the token may read).")]
        types: Option<Vec<DomainEventType>>,
        #[graphql(desc = "Only events concerning this partner (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(desc = "Replay the events after this event's id first, then go on live.")] after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = DomainEvent>> {
        let audience = audience(ctx, types, partner_id)?;
        let db = db(ctx)?.clone();
        let notifier = ctx
            .data::<Notifier>()
            .map_err(|_| ApiError::internal("schema data", "no notifier"))?
            .clone();
        let start = match &after {
            Some(id) => Cursor::parse("after", id)?,
            None => log::end(db.conn(), &audience.tenant_id).await?,
        };
        // Each event resolves its fields afresh: nothing read for an
        // earlier one is served from the loaders' cache.
        let forgetter = request_context(ctx)?
            .forgetter()
            .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))?;
        let policy = policy(ctx)?.clone();
        Ok(
            follow(db, notifier, audience, start, move || forgetter.forget()).filter_map(
                move |event| {
                    async_graphql::futures_util::future::ready(DomainEvent::seen(&policy, event))
                },
            ),
        )
    }
}

/// The log from `start` on, as it grows: a page at a time, then wait for a
/// wake-up. Nothing is queued for the subscriber but its cursor, so a slow
/// one holds no memory: it reads on when it is ready.
fn follow(
    db: Db,
    notifier: Notifier,
    audience: Audience,
    start: Cursor,
    mut fresh: impl FnMut() + Send + 'static,
) -> impl Stream<Item = entity::domain_event::Model> + Send + 'static {
    async_stream::stream! {
        // Open from here, counted in `subscriptions_active` whatever it may hear.
        let mut woken = notifier.watch(&audience.tenant_id);
        if audience.nobody {
            // Another partner's events: there are none to wait for.
            std::future::pending::<()>().await;
        }
        let mut cursor = start;
        // Unsettled events are retried sooner and sooner less often.
        let mut pause = Duration::from_millis(10);
        loop {
            woken.borrow_and_update();
            let page = match log::read(db.conn(), &audience, cursor, READ_SIZE).await {
                Ok(page) => page,
                Err(_) => {
                    // The database is away: try again, from the same cursor.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            for event in page.events {
                cursor = Cursor::of(&event);
                fresh();
                yield event;
            }
            if page.full {
                continue;
            }
            if page.settled {
                pause = Duration::from_millis(10);
                if woken.changed().await.is_err() {
                    break;
                }
            } else {
                tokio::select! {
                    _ = woken.changed() => {}
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_millis(500));
            }
        }
    }
}
