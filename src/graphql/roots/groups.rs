//! Partner groups: queries, mutations, rule simulations.

use crate::auth::Scope;
use crate::directory::groups::{self, GroupChanges, NewGroup};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, principal, text_change, writer};
use crate::graphql::objects::PartnerGroup;
use crate::graphql::payouts::{MoneyInput, minimum_change};
use crate::graphql::ready::Ready;
use crate::graphql::rules::{
    GroupRuleInput, SimulationInput, SimulationResult, rule_set, simulate,
};
use crate::input;
use crate::paging::{DEFAULT_LIMITS, PageRequest};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::partner_group;

#[derive(InputObject)]
pub struct CreatePartnerGroupInput {
    pub name: String,
    pub rules: Vec<GroupRuleInput>,
    pub description: Option<String>,
    /// Your own identifier for the group; unique per tenant.
    pub external_id: Option<String>,
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Make this the tenant's default group (the previous default stops being one).
    #[graphql(default)]
    pub is_default: bool,
}

/// Omitted fields stay as they are; `null` clears `description` and `externalId`.
#[derive(InputObject)]
pub struct UpdatePartnerGroupInput {
    pub name: Option<String>,
    pub rules: Option<Vec<GroupRuleInput>>,
    pub description: MaybeUndefined<String>,
    pub external_id: MaybeUndefined<String>,
    pub tags: Option<Vec<String>>,
    /// `true` makes this the default group; a default group cannot be set to
    /// `false` (make another group the default instead).
    pub is_default: Option<bool>,
    /// The smallest payout of the group's partners, per currency (over the
    /// tenant's; a partner's own wins over it); `null` clears it.
    pub minimum_payout: MaybeUndefined<Vec<MoneyInput>>,
}

#[derive(SimpleObject)]
pub struct DeletedPartnerGroup {
    pub id: ID,
    pub deleted: bool,
    /// Where the group's partners went, when it had any.
    pub reassigned_to: Option<ID>,
    pub reassigned_partner_count: u64,
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    async fn partner_group(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<PartnerGroup>> {
        let principal = principal(ctx)?;
        principal.require(Scope::PartnerGroupsRead)?;
        Ok(groups::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .map(PartnerGroup::from))
    }

    /// The tenant's groups, oldest first; `search` matches the name, `tag` one tag exactly.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn partner_groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        search: Option<String>,
        tag: Option<String>,
    ) -> ApiResult<ListConnection<Ready<PartnerGroup>>> {
        let principal = principal(ctx)?;
        principal.require(Scope::PartnerGroupsRead)?;
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let search = input::search(search.as_deref())?;
        let tag = input::optional_text("tag", tag.as_deref(), groups::MAX_TAG_CHARS)?;
        let select = groups::list(principal.tenant_id(), search.as_deref(), tag.as_deref());
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            partner_group::Column::Id,
            |row| Ready(PartnerGroup::from(row)),
        )
        .await
    }
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    async fn create_partner_group(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerGroupInput,
    ) -> ApiResult<PartnerGroup> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let new = NewGroup {
            name: groups::check_name("input.name", &input.name)?,
            description: groups::check_description(
                "input.description",
                input.description.as_deref(),
            )?,
            external_id: groups::check_external_id(
                "input.externalId",
                input.external_id.as_deref(),
            )?,
            tags: groups::check_tags("input.tags", &input.tags)?,
            is_default: input.is_default,
            rules: rule_set("input.rules", input.rules)?,
        };
        Ok(PartnerGroup::from(
            groups::create(db(ctx)?, principal.tenant_id(), new).await?,
        ))
    }

    async fn update_partner_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePartnerGroupInput,
    ) -> ApiResult<PartnerGroup> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let changes = GroupChanges {
            name: input
                .name
                .map(|n| groups::check_name("input.name", &n))
                .transpose()?,
            description: text_change(input.description, |d| {
                groups::check_description("input.description", d)
            })?,
            external_id: text_change(input.external_id, |e| {
                groups::check_external_id("input.externalId", e)
            })?,
            tags: input
                .tags
                .map(|t| groups::check_tags("input.tags", &t))
                .transpose()?,
            is_default: input.is_default,
            minimum_payout: minimum_change("input.minimumPayout", input.minimum_payout)?,
            rules: input
                .rules
                .map(|r| rule_set("input.rules", r))
                .transpose()?,
        };
        Ok(PartnerGroup::from(
            groups::update(db(ctx)?, principal.tenant_id(), &id, changes).await?,
        ))
    }

    /// Deletes a group; its partners move to `reassignTo`, or to the default group.
    async fn delete_partner_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reassign_to: Option<ID>,
    ) -> ApiResult<DeletedPartnerGroup> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let deleted = groups::delete(
            db(ctx)?,
            principal.tenant_id(),
            &id,
            reassign_to.as_ref().map(|id| id.as_str()),
        )
        .await?;
        Ok(DeletedPartnerGroup {
            id: ID(deleted.id),
            deleted: true,
            reassigned_to: deleted.reassigned_to.map(ID),
            reassigned_partner_count: deleted.reassigned_partners,
        })
    }

    /// Evaluates rules against a hypothetical charge, writing nothing.
    async fn simulate_partner_group_rules(
        &self,
        ctx: &Context<'_>,
        rules: Vec<GroupRuleInput>,
        simulation: SimulationInput,
    ) -> ApiResult<SimulationResult> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let rules = rule_set("rules", rules)?;
        simulate(&rules, &simulation, principal.tenant.currency)
    }

    /// Evaluates a group's current rules against a hypothetical charge.
    async fn simulate_partner_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        simulation: SimulationInput,
    ) -> ApiResult<SimulationResult> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let group = groups::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .ok_or_else(|| ApiError::not_found("partner group"))?;
        simulate(
            &groups::rules_of(&group)?,
            &simulation,
            principal.tenant.currency,
        )
    }
}
