//! Partner groups: queries, mutations, rule simulations.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, page_args, policy, principal, text_change, writer};
use crate::graphql::objects::PartnerGroup;
use crate::graphql::objects::Seen as _;
use crate::graphql::payouts::{MoneyInput, minimum_change};
use crate::graphql::ready::Ready;
use crate::graphql::rules::{
    GroupRuleInput, SimulationInput, SimulationResult, capped, rule_set, simulate,
};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::partner_group;
use revshare_core::auth::Scope;
use revshare_core::directory::groups::{self, GroupChanges, NewGroup};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::input;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A partner group to create.
#[derive(InputObject)]
pub struct CreatePartnerGroupInput {
    /// Its name.
    pub name: String,
    /// The rules that set its partners' commissions, in the order they apply.
    pub rules: Vec<GroupRuleInput>,
    /// What the group is for.
    pub description: Option<String>,
    /// Your own identifier for the group; unique per tenant.
    pub external_id: Option<String>,
    /// Labels to find it by: at most 20, each up to 50 characters, none
    /// with a comma.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Make this the tenant's default group (the previous default stops being one).
    #[graphql(default)]
    pub is_default: bool,
}

/// Omitted fields stay as they are; `null` clears `description` and `externalId`.
#[derive(InputObject)]
pub struct UpdatePartnerGroupInput {
    /// A new name.
    pub name: Option<String>,
    /// New rules, replacing every rule.
    pub rules: Option<Vec<GroupRuleInput>>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// A new `externalId`; null clears it.
    pub external_id: MaybeUndefined<String>,
    /// New tags, replacing every tag.
    pub tags: Option<Vec<String>>,
    /// `true` makes this the default group; a default group cannot be set to
    /// `false` (make another group the default instead).
    pub is_default: Option<bool>,
    /// The smallest payout of the group's partners, per currency (over the
    /// tenant's; a partner's own wins over it); `null` clears it.
    pub minimum_payout: MaybeUndefined<Vec<MoneyInput>>,
    /// Its partners' links (SPEC §30), replacing its settings.
    pub links: Option<super::links::LinkSettingsInput>,
    /// What its partners earn on the partners they recruit (SPEC §31);
    /// `null`: nothing.
    pub referral: MaybeUndefined<super::engagement::ReferralRuleInput>,
    /// What each of its partners may earn in a period (SPEC §31); `null`:
    /// no cap.
    pub cap: MaybeUndefined<super::engagement::SpendCapInput>,
    /// The traffic its partners' clicks earn nothing from (SPEC §37),
    /// replacing what it had.
    pub traffic_sources: Option<super::links::TrafficSourcesInput>,
}

/// What `deletePartnerGroup` did.
#[derive(SimpleObject)]
pub struct DeletedPartnerGroup {
    /// The deleted group's id (it names nothing now).
    pub id: ID,
    /// Always true: the group is gone.
    pub deleted: bool,
    /// Where the group's partners went, when it had any.
    pub reassigned_to: Option<ID>,
    /// How many of its partners moved.
    pub reassigned_partner_count: u64,
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    /// A partner group by id (`partner_groups:read`); null when there is none.
    pub(crate) async fn partner_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's id.")] id: ID,
    ) -> ApiResult<Option<PartnerGroup>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::PartnerGroup)?;
        Ok(groups::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .and_then(|row| PartnerGroup::seen_in(ctx, row.into())))
    }

    /// The tenant's groups, oldest first; `search` matches the name, `tag` one tag exactly.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn partner_groups(
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
        #[graphql(desc = "Only groups whose name contains this text (any case).")] search: Option<
            String,
        >,
        #[graphql(desc = "Only groups with exactly this tag.")] tag: Option<String>,
    ) -> ApiResult<ListConnection<Ready<PartnerGroup>>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::PartnerGroup)?;
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let search = input::search(search.as_deref())?;
        let tag = input::optional_text("tag", tag.as_deref(), groups::MAX_TAG_CHARS)?;
        let select = groups::list(principal.tenant_id(), search.as_deref(), tag.as_deref());
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                partner_group::Column::Id,
            ),
            |row| PartnerGroup::seen_in(ctx, row.into()).map(Ready),
        )
        .await
    }
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Creates a partner group with its rules (`partner_groups:write`).
    async fn create_partner_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to create.")] input: CreatePartnerGroupInput,
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
        PartnerGroup::shown(
            ctx,
            groups::create(db(ctx)?, principal.tenant_id(), new)
                .await?
                .into(),
        )
    }

    /// Changes a group; omitted fields stay as they are
    /// (`partner_groups:write`). Its partners follow its new rules from their
    /// next event.
    async fn update_partner_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdatePartnerGroupInput,
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
            link_settings: input.links.map(|l| l.encoded()).transpose()?,
            referral: super::engagement::referral_change("input.referral", input.referral)?,
            cap: super::engagement::cap_change("input.cap", input.cap)?,
            traffic_sources: input
                .traffic_sources
                .map(|t| t.encoded("input.trafficSources"))
                .transpose()?,
            rules: input
                .rules
                .map(|r| rule_set("input.rules", r))
                .transpose()?,
        };
        let updated = groups::update(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        if let Ok(links) = ctx.data::<revshare_core::links::Links>() {
            links.changed();
        }
        PartnerGroup::shown(ctx, updated.into())
    }

    /// Deletes a group; its partners move to `reassignTo`, or to the default group.
    async fn delete_partner_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's id.")] id: ID,
        #[graphql(desc = "The group its partners move to (omitted: the default group).")]
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
        #[graphql(desc = "The rules to try, in order, as a group would hold them.")] rules: Vec<
            GroupRuleInput,
        >,
        #[graphql(desc = "The charge and the partner's history to try them on.")]
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
        #[graphql(desc = "The group whose rules are tried.")] id: ID,
        #[graphql(desc = "The charge and the partner's history to try them on.")]
        simulation: SimulationInput,
    ) -> ApiResult<SimulationResult> {
        let principal = writer(ctx, Scope::PartnerGroupsWrite)?;
        let group = groups::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .ok_or_else(|| ApiError::not_found("partner group"))?;
        let result = simulate(
            &groups::rules_of(&group)?,
            &simulation,
            principal.tenant.currency,
        )?;
        let cap = revshare_core::engagement::settings::cap_of(group.cap.as_deref())?;
        capped(result, cap, simulation.cap_spent.as_ref())
    }
}
