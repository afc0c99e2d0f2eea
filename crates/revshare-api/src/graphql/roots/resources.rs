//! Resources (SPEC §37): brand assets and texts to copy, made by staff,
//! read in the partner portal.

use crate::graphql::connection::{ListConnection, page_connection};
use crate::graphql::context::{db, loader, page_args, policy, writer};
use crate::graphql::loaders::load_partner;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::resources::{Resource, ResourceKind};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::error::ApiResult;
use revshare_core::messages::resources::{self as rules, NewFile, NewResource, ResourceChanges};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::reads::lists::{Listed, known};

/// A file as sent.
#[derive(InputObject)]
pub struct ResourceFileInput {
    /// Its name as it downloads (1 to 120 characters, no path).
    pub filename: String,
    /// Its bytes in base64 (1 byte to 5 MiB decoded); its type is read
    /// from them.
    pub content: String,
}

/// A new resource: a `LOGO`, `IMAGE` or `PDF` with its file, or a `TEXT`
/// with its text.
#[derive(InputObject)]
pub struct CreateResourceInput {
    /// What it is.
    pub kind: ResourceKind,
    /// Its title (1 to 120 characters).
    pub title: String,
    /// The section it is shown in (at most 60 characters); omitted: none.
    pub section: Option<String>,
    /// Its place in its section: lower first.
    #[graphql(default)]
    pub position: i32,
    /// The groups whose partners see it (at most 100); empty: every
    /// partner.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// The file of a `LOGO`, `IMAGE` or `PDF`.
    pub file: Option<ResourceFileInput>,
    /// The text of a `TEXT` (1 to 5,000 characters).
    pub text: Option<String>,
}

/// What `updateResource` changes: omitted fields stay; `null` clears
/// `section`. A file is not replaced: make a new resource.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    /// A new title.
    pub title: Option<String>,
    /// A new section; null: none.
    pub section: MaybeUndefined<String>,
    /// A new position.
    pub position: Option<i32>,
    /// New groups (the whole list; empty: every partner).
    pub group_ids: Option<Vec<ID>>,
    /// A `TEXT`'s new text.
    pub text: Option<String>,
}

#[derive(Default)]
pub struct ResourceQuery;

/// The group of the partner a token is, if it is one.
async fn partner_group(ctx: &Context<'_>) -> ApiResult<Option<String>> {
    match policy(ctx)?.partner_rows(None).partner() {
        Some(own) => Ok(Some(
            load_partner(&*loader(ctx)?, own).await?.group_id.clone(),
        )),
        None => Ok(None),
    }
}

#[Object]
impl ResourceQuery {
    /// A resource by id (`campaigns:read`; a partner token: one for it).
    pub(crate) async fn resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's id.")] id: ID,
    ) -> ApiResult<Option<Resource>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Resource)?;
        let Some(row) = rules::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        if let Some(group) = partner_group(ctx).await?
            && !rules::is_for(&row, &group)?
        {
            return Ok(None);
        }
        Ok(Resource::found(policy, row))
    }

    /// The program's resources by section (none first, then by name),
    /// position and title (`campaigns:read`); a partner token: those for
    /// it.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Resource>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Resource)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let group = partner_group(ctx).await?;
        let rows = rules::ordered(db(ctx)?.conn(), policy.tenant_id(), group.as_deref()).await?;
        let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        let listed = Listed {
            page: rules::page(rows, &request)?,
            count: known(total),
            cursor: Box::new(|row: &entity::resource::Model| row.id.clone()),
        };
        page_connection(listed, Resource::for_caller(policy), |_| async { Ok(()) }).await
    }
}

#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    /// Makes a resource (`campaigns:write`): a logo, an image or a PDF
    /// (its file in base64, judged by its bytes), or a text to copy. This
    /// request may be up to 8 MiB.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource.")] input: CreateResourceInput,
    ) -> ApiResult<Resource> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let new = NewResource {
            kind: input.kind.into(),
            title: input.title,
            section: input.section,
            position: input.position,
            group_ids: input.group_ids.into_iter().map(|id| id.0).collect(),
            file: input.file.map(|file| NewFile {
                filename: file.filename,
                content: file.content,
            }),
            text: input.text,
        };
        let row = rules::create(db(ctx)?, principal.tenant_id(), new).await?;
        Resource::shown(ctx, row)
    }

    /// Changes a resource's title, section, position, groups, or a text's
    /// text (`campaigns:write`).
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateResourceInput,
    ) -> ApiResult<Resource> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = ResourceChanges {
            title: input.title,
            section: input.section.into(),
            position: input.position,
            group_ids: input
                .group_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            text: input.text,
        };
        let row = rules::update(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Resource::shown(ctx, row)
    }

    /// Deletes a resource and its file (`campaigns:write`); answers its
    /// id.
    async fn delete_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's id.")] id: ID,
    ) -> ApiResult<ID> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        Ok(ID(
            rules::delete(db(ctx)?, principal.tenant_id(), &id).await?
        ))
    }
}
