//! Partners and categories: queries and mutations.

use crate::graphql::connection::{
    ListConnection, item_fields, list_connection, page_connection, selects,
};
use crate::graphql::context::{db, ids, loader, page_args, policy, principal, text_change, writer};
use crate::graphql::enums::{PartnerStatus, PartnerType};
use crate::graphql::loaders::{GroupId, prime};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Category, Partner};
use crate::graphql::payouts::{MoneyInput, minimum_change};
use crate::graphql::ready::Ready;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{category, partner};
use revshare_core::auth::Scope;
use revshare_core::directory::categories;
use revshare_core::directory::partners::{self, NewPartner, PartnerChanges, PartnerFilter};
use revshare_core::error::ApiResult;
use revshare_core::input;
use revshare_core::paging::{DEFAULT_LIMITS, Order, PageRequest};
use revshare_core::reads::lists;

/// A partner to create.
#[derive(InputObject)]
pub struct CreatePartnerInput {
    /// Its name.
    pub name: String,
    /// Where the partner is written to.
    pub email: Option<String>,
    /// Your own identifier for the partner; unique per tenant.
    pub external_id: Option<String>,
    /// A referrer (the default), a reseller or a distributor.
    #[graphql(name = "type", default)]
    pub partner_type: PartnerType,
    /// Active by default.
    #[graphql(default)]
    pub status: PartnerStatus,
    /// Omitted: the tenant's default group.
    pub group_id: Option<ID>,
    /// The categories to label it with.
    #[graphql(default)]
    pub category_ids: Vec<ID>,
    /// The country it lives in (ISO 3166-1 alpha-2): year-end asks a
    /// partner outside the US for a W-8, not a W-9.
    pub country: Option<String>,
    /// Labels conditional rules read (`PARTNER_TAG`): at most 20, each up
    /// to 50 characters, none with a comma.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Its language (SPEC §38), one the tenant offers; omitted: the
    /// tenant's default, until it chooses one in the portal.
    pub language: Option<String>,
}

/// Omitted fields stay as they are; `null` clears `email` and `externalId`,
/// and a `null` `groupId` moves the partner to the default group.
#[derive(InputObject)]
pub struct UpdatePartnerInput {
    /// A new name.
    pub name: Option<String>,
    /// A new e-mail; null clears it.
    pub email: MaybeUndefined<String>,
    /// A new `externalId`; null clears it.
    pub external_id: MaybeUndefined<String>,
    /// A new type.
    #[graphql(name = "type")]
    pub partner_type: Option<PartnerType>,
    /// A new status.
    pub status: Option<PartnerStatus>,
    /// Another group; null moves it to the default group.
    pub group_id: MaybeUndefined<ID>,
    /// Replaces the partner's categories.
    pub category_ids: Option<Vec<ID>>,
    /// Its country (ISO 3166-1 alpha-2); null clears it.
    pub country: MaybeUndefined<String>,
    /// New tags, replacing every tag.
    pub tags: Option<Vec<String>>,
    /// The partner's own smallest payout, per currency (over its group's
    /// and the tenant's); `null` clears it.
    pub minimum_payout: MaybeUndefined<Vec<MoneyInput>>,
}

/// A partner's language.
#[derive(InputObject)]
pub struct SetPartnerLanguageInput {
    /// The partner (staff with `partners:write`; a partner token: its own).
    pub partner_id: Option<ID>,
    /// One the tenant offers (`Tenant.languages`).
    pub language: String,
}

/// A category to create.
#[derive(InputObject)]
pub struct CreateCategoryInput {
    /// Its name, unique per tenant.
    pub name: String,
}

/// A checked new partner from its input (also used by invitations).
pub fn new_partner(input: CreatePartnerInput) -> ApiResult<NewPartner> {
    Ok(NewPartner {
        name: partners::check_name(&input.name)?,
        email: partners::check_email(input.email.as_deref())?,
        external_id: partners::check_external_id(input.external_id.as_deref())?,
        partner_type: input.partner_type.into(),
        status: input.status.into(),
        group_id: input.group_id.map(|id| id.0),
        category_ids: ids(input.category_ids),
        country: partners::check_country(input.country.as_deref())?,
        tags: revshare_core::directory::groups::check_tags("input.tags", &input.tags)?,
        language: input
            .language
            .map(|code| revshare_core::languages::check("input.language", &code))
            .transpose()?,
    })
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// A partner by id; null when there is none the caller may see.
    pub(crate) async fn partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner's id.")] id: ID,
    ) -> ApiResult<Option<Partner>> {
        let policy = policy(ctx)?;
        // A partner token reads itself only: another's id reads nothing.
        policy.looks_up(revshare_core::auth::access::Kind::Partner)?;
        if policy.partner_rows(Some(&id)).is_nothing() {
            return Ok(None);
        }
        Ok(partners::find(db(ctx)?.conn(), policy.tenant_id(), &id)
            .await?
            .and_then(|row| Partner::found(policy, row.into())))
    }

    /// The tenant's partners, oldest first. `search` matches name, e-mail and
    /// external id. A partner token lists only itself.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "How many items from the end, or before `before` (1 to 100).")]
        last: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.startCursor`): the page ends before it.")]
        before: Option<String>,
        #[graphql(desc = "Only the partners of this group.")] group_id: Option<ID>,
        #[graphql(desc = "Only partners in this status.")] status: Option<PartnerStatus>,
        #[graphql(name = "type", desc = "Only partners of this type.")] partner_type: Option<
            PartnerType,
        >,
        #[graphql(
            desc = "Only partners whose name, e-mail or `externalId` contains this text (any case)."
        )]
        search: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Partner>>> {
        let policy = policy(ctx)?;
        let rows = policy.list(revshare_core::auth::access::Kind::Partner, None)?;
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let filter = PartnerFilter {
            group_id: group_id.map(|id| id.0),
            status: status.map(Into::into),
            partner_type: partner_type.map(Into::into),
            search: input::search(search.as_deref())?,
            rows,
        };
        let select = partners::list(policy.tenant_id(), &filter);
        let conn = db(ctx)?.conn();
        let id = partner::Column::Id;
        // Only the columns the selection reads, unless a field needs whole
        // rows.
        let columns = Partner::columns(item_fields(ctx));
        let decode = revshare_core::directory::columns::decode;
        let listed = lists::list_in(
            conn,
            &request,
            select,
            Order::ById(id),
            columns.as_deref(),
            decode,
        )
        .await?;
        // A page's groups, loaded before its items resolve when asked for.
        let loader = loader(ctx)?;
        let groups = selects(ctx, &["group"]);
        page_connection(
            listed,
            |row| Partner::seen_in(ctx, row.into()).map(Ready),
            |rows: &[partner::Model]| {
                let ids: Vec<GroupId> = match groups {
                    true => rows.iter().map(|p| GroupId(p.group_id.clone())).collect(),
                    false => Vec::new(),
                };
                async move { prime(&loader, ids).await.map(drop) }
            },
        )
        .await
    }

    /// The tenant's categories, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "Only categories whose name contains this text (any case).")]
        search: Option<String>,
    ) -> ApiResult<ListConnection<Category>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::Category)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = categories::list(
            principal.tenant_id(),
            input::search(search.as_deref())?.as_deref(),
        );
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                category::Column::Id,
            ),
            Category::for_caller(policy(ctx)?),
        )
        .await
    }
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Creates a partner in a group (`partners:write`).
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner to create.")] input: CreatePartnerInput,
    ) -> ApiResult<Partner> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let new = new_partner(input)?;
        Partner::shown(
            ctx,
            partners::create(db(ctx)?, principal.tenant_id(), new)
                .await?
                .into(),
        )
    }

    /// Changes a partner; omitted fields stay as they are (`partners:write`). A
    /// change of group, status or type is kept in its history.
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdatePartnerInput,
    ) -> ApiResult<Partner> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let changes = PartnerChanges {
            name: input.name.map(|n| partners::check_name(&n)).transpose()?,
            email: text_change(input.email, partners::check_email)?,
            external_id: text_change(input.external_id, partners::check_external_id)?,
            partner_type: input.partner_type.map(Into::into),
            status: input.status.map(Into::into),
            group_id: match input.group_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(id.0)),
            },
            category_ids: input.category_ids.map(ids),
            country: text_change(input.country, partners::check_country)?,
            tags: input
                .tags
                .map(|tags| revshare_core::directory::groups::check_tags("input.tags", &tags))
                .transpose()?,
            minimum_payout: minimum_change("input.minimumPayout", input.minimum_payout)?,
        };
        Partner::shown(
            ctx,
            partners::update(
                db(ctx)?,
                principal.tenant_id(),
                &principal.subject,
                &id,
                changes,
            )
            .await?
            .into(),
        )
    }

    /// Sets the language a partner is written to in (SPEC §38): its
    /// portal, e-mails, statements and documents issued from now on. The
    /// partner sets its own; staff any (`partners:write`).
    async fn set_partner_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and its language.")] input: SetPartnerLanguageInput,
    ) -> ApiResult<Partner> {
        let given = input.partner_id.as_ref().map(|id| id.as_str());
        let partner_id = crate::graphql::context::policy(ctx)?.input_partner(
            given,
            "input.partnerId",
            Scope::PartnersWrite,
        )?;
        crate::graphql::context::forget_reads(ctx)?;
        let row = partners::set_language(
            db(ctx)?,
            crate::graphql::context::policy(ctx)?.tenant_id(),
            &partner_id,
            &input.language,
        )
        .await
        .map_err(|err| match err {
            revshare_core::error::ApiError::NotFound(_) => {
                revshare_core::error::ApiError::bad_input(
                    "input.partnerId",
                    "names no partner of the tenant",
                )
            }
            other => other,
        })?;
        Partner::shown(ctx, row.into())
    }

    /// Creates a category partners can be labelled with (`partners:write`).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The category to create.")] input: CreateCategoryInput,
    ) -> ApiResult<Category> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let created = categories::create(db(ctx)?, principal.tenant_id(), &input.name).await?;
        Category::shown(ctx, created)
    }
}
