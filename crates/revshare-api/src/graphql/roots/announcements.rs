//! Announcements (SPEC §37): made by staff, shown in the partner portal,
//! dismissed by each partner.

use crate::graphql::connection::ListConnection;
use crate::graphql::context::{db, loader, policy, writer};
use crate::graphql::loaders::load_partner;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::announcements::{Announcement, announcements_of};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::error::ApiResult;
use revshare_core::messages::announcements::{self as rules, AnnouncementChanges, NewAnnouncement};

/// A new announcement.
#[derive(InputObject)]
pub struct CreateAnnouncementInput {
    /// Its title (1 to 120 characters).
    pub title: String,
    /// Its text, plain (1 to 2,000 characters).
    pub body: String,
    /// Where it leads: an absolute `https` URL; omitted: nowhere.
    pub link: Option<String>,
    /// From when it shows; omitted: now.
    pub starts_at: Option<DateTime>,
    /// Until when (excluded); omitted: until each partner dismisses it.
    pub ends_at: Option<DateTime>,
    /// The groups whose partners see it (at most 100); empty: every
    /// partner.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
}

/// What `updateAnnouncement` changes: omitted fields stay; `null` clears
/// `link` and `endsAt`. An `endsAt` of now ends it.
#[derive(InputObject)]
pub struct UpdateAnnouncementInput {
    /// A new title.
    pub title: Option<String>,
    /// A new text.
    pub body: Option<String>,
    /// A new link; null: none.
    pub link: MaybeUndefined<String>,
    /// A new start.
    pub starts_at: Option<DateTime>,
    /// A new end; null: none.
    pub ends_at: MaybeUndefined<DateTime>,
    /// New groups (the whole list; empty: every partner).
    pub group_ids: Option<Vec<ID>>,
}

fn instant(at: Option<DateTime>, field: &str) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    at.map(|at| at.value(field)).transpose()
}

#[derive(Default)]
pub struct AnnouncementQuery;

#[Object]
impl AnnouncementQuery {
    /// An announcement by id (`campaigns:read`; a partner token: one for
    /// it that has started).
    pub(crate) async fn announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement's id.")] id: ID,
    ) -> ApiResult<Option<Announcement>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Announcement)?;
        let Some(row) = rules::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        if let Some(own) = policy.partner_rows(None).partner() {
            let partner = load_partner(&*loader(ctx)?, own).await?;
            if !rules::is_for(&row, &partner.group_id)? || row.starts_at > revshare_core::db::now()
            {
                return Ok(None);
            }
        }
        Ok(Announcement::found(policy, row))
    }

    /// The tenant's announcements, oldest first (`campaigns:read`); a
    /// partner token: those for it that have started, dismissed or not.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn announcements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Announcement>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Announcement)?;
        let group = match policy.partner_rows(None).partner() {
            Some(own) => Some(load_partner(&*loader(ctx)?, own).await?.group_id.clone()),
            None => None,
        };
        announcements_of(ctx, group.as_deref(), first, after).await
    }
}

#[derive(Default)]
pub struct AnnouncementMutation;

#[Object]
impl AnnouncementMutation {
    /// Makes an announcement (`campaigns:write`): a banner in the portal
    /// of every partner, or of some groups' partners, from `startsAt` to
    /// `endsAt`, until each dismisses it.
    async fn create_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement.")] input: CreateAnnouncementInput,
    ) -> ApiResult<Announcement> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let new = NewAnnouncement {
            title: input.title,
            body: input.body,
            link: input.link,
            starts_at: instant(input.starts_at, "input.startsAt")?,
            ends_at: instant(input.ends_at, "input.endsAt")?,
            group_ids: input.group_ids.into_iter().map(|id| id.0).collect(),
        };
        let row = rules::create(db(ctx)?, principal.tenant_id(), new).await?;
        Announcement::shown(ctx, row)
    }

    /// Changes an announcement (`campaigns:write`); an `endsAt` of now
    /// ends it.
    async fn update_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateAnnouncementInput,
    ) -> ApiResult<Announcement> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = AnnouncementChanges {
            title: input.title,
            body: input.body,
            link: input.link.into(),
            starts_at: instant(input.starts_at, "input.startsAt")?,
            ends_at: Option::<Option<DateTime>>::from(input.ends_at)
                .map(|at| instant(at, "input.endsAt"))
                .transpose()?,
            group_ids: input
                .group_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
        };
        let row = rules::update(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Announcement::shown(ctx, row)
    }

    /// Deletes an announcement and its dismissals (`campaigns:write`);
    /// answers its id.
    async fn delete_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement's id.")] id: ID,
    ) -> ApiResult<ID> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        Ok(ID(
            rules::delete(db(ctx)?, principal.tenant_id(), &id).await?
        ))
    }

    /// A partner dismisses an announcement meant for it (its own token):
    /// it no longer shows to it. Again: as it is.
    async fn dismiss_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement's id.")] id: ID,
    ) -> ApiResult<Announcement> {
        let policy = policy(ctx)?;
        let own = policy
            .partner_acting("a partner dismisses an announcement with its own token")?
            .to_owned();
        let partner = load_partner(&*loader(ctx)?, &own).await?;
        let row = rules::dismiss(db(ctx)?, &partner, &id).await?;
        Announcement::shown(ctx, row)
    }
}
