//! The sales pipeline, contacts, commission plans and deals: queries and
//! mutations (SPEC §8, §10).
//!
//! Who may do what: the pipeline (stages, fields) is read with `deals:read`
//! or `commission_plans:read`, and by partner tokens; contacts and deals
//! with `deals:read`, a partner token seeing its own only; plans with
//! `commission_plans:read`. Writing the pipeline, contacts and deals needs
//! `deals:write`; plans and their simulation `commission_plans:write`;
//! naming a spiff's recipient `commissions:write`.

use crate::graphql::batch;
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, ids, ingest, page_args, policy, principal, writer};
use crate::graphql::enums::{DealRegistration, DealStatus, PartnerType, PaymentTarget};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{
    Commission, CommissionPlan, Contact, CustomField, Deal, DealStage, PlanSimulation,
};
use crate::graphql::plans::{
    CommissionPlanInput, CustomFieldValueInput, DealSimulationInput, UpdateCommissionPlanInput,
    entries,
};
use crate::graphql::roots::deal_events::{
    DealEventInput, DealEventPayload, DealEventResult, DealPaymentInput, MoveDealInput, occurred_at,
};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{commission_plan, contact, deal};
use revshare_core::auth::access::{Kind, Rows};
use revshare_core::auth::{Principal, Scope};
use revshare_core::deals::deal::{self as deals, DealFilter, NewDeal};
use revshare_core::deals::pipeline::{self, NewContact};
use revshare_core::deals::plans::{self, NewPlan, PlanChanges, PlanFilter, Restrictions};
use revshare_core::deals::record;
use revshare_core::deals::simulate::{self, SimulatedDeal, Tried};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::accrual::PartnerRef;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_engine::Currency;

/// A stage of the pipeline.
#[derive(InputObject)]
pub struct CreateDealStageInput {
    /// Its name.
    pub name: String,
    /// Its place in the pipeline (0–10,000, unique): deals move to higher
    /// positions as they progress.
    pub position: i32,
    /// Reaching it wins a deal (`Deal.status: WON`).
    #[graphql(default)]
    pub is_won: bool,
}

/// A select field deals carry.
#[derive(InputObject)]
pub struct CreateCustomFieldInput {
    /// Its name.
    pub name: String,
    /// The option labels, in order (1–100, distinct).
    pub options: Vec<String>,
}

/// A person deals name and spiffs pay.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The partner whose staff the contact is; omitted: the tenant's own.
    pub partner_id: Option<ID>,
    /// Their name.
    pub name: String,
    /// Where they are written to.
    pub email: Option<String>,
}

/// A deal to create, at a stage.
#[derive(InputObject)]
pub struct CreateDealInput {
    /// Your identifier for the deal, unique per tenant; also the key of its
    /// creation event (so it shares the events' exactly-once rule).
    pub external_id: String,
    /// The partner, by id …
    pub partner_id: Option<ID>,
    /// … or by its `externalId`.
    pub partner_external_id: Option<String>,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Its name.
    pub name: String,
    /// What it is worth.
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    /// The stage the deal is at now: it has reached that stage and every
    /// earlier one.
    pub stage_id: ID,
    /// The option it holds for each custom field.
    #[graphql(default)]
    pub custom_field_values: Vec<CustomFieldValueInput>,
    /// A contact of the deal's partner, or of the tenant.
    pub lead_creator_id: Option<ID>,
    /// The contact who owns it.
    pub owner_id: Option<ID>,
    /// Omitted: when it is recorded.
    pub occurred_at: Option<DateTime>,
}

/// The plans a deal follows from now on.
#[derive(InputObject)]
pub struct AmendDealTermsInput {
    /// The deal.
    pub deal_id: ID,
    /// The plans the deal follows from now on: at most one per payment
    /// target, for the partner's type, not archived. Empty: none.
    pub plan_ids: Vec<ID>,
    /// Why (kept in the terms' history).
    pub note: String,
}

pub fn field_values(values: Vec<CustomFieldValueInput>) -> Vec<(String, String)> {
    values
        .into_iter()
        .map(|v| (v.custom_field_id.0, v.option_id.0))
        .collect()
}

/// Whose deals or contacts a list filtered by `asked` holds.
fn deal_rows(ctx: &Context<'_>, asked: Option<ID>) -> ApiResult<Rows> {
    let named = asked.as_ref().map(|p| p.as_str());
    policy(ctx)?.list(revshare_core::auth::access::Kind::Deal, named)
}

#[derive(Default)]
pub struct DealQuery;

#[Object]
impl DealQuery {
    /// The tenant's deal stages, in pipeline order.
    async fn deal_stages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Archived stages too (default false).")] include_archived: Option<bool>,
    ) -> ApiResult<Vec<DealStage>> {
        let policy = policy(ctx)?;
        policy.reads_kind(Kind::DealStage)?;
        let archived = include_archived.unwrap_or(false);
        let stages = pipeline::stages(db(ctx)?.conn(), policy.tenant_id(), archived).await?;
        Ok(DealStage::all(policy, stages))
    }

    /// The tenant's custom select fields, oldest first.
    async fn custom_fields(&self, ctx: &Context<'_>) -> ApiResult<Vec<CustomField>> {
        let policy = policy(ctx)?;
        policy.reads_kind(Kind::CustomField)?;
        let fields = pipeline::fields(db(ctx)?.conn(), policy.tenant_id()).await?;
        Ok(CustomField::all(policy, fields))
    }

    /// Contacts, oldest first: all of the tenant's, or one partner's staff.
    /// A partner token lists its own staff only.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's contacts.")] partner_id: Option<ID>,
        #[graphql(desc = "Archived contacts too (default false).")] include_archived: Option<bool>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Contact>> {
        let rows = deal_rows(ctx, partner_id)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let archived = include_archived.unwrap_or(false);
        let select = pipeline::contacts(principal(ctx)?.tenant_id(), &rows, archived);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                contact::Column::Id,
            ),
            Contact::for_caller(policy(ctx)?),
        )
        .await
    }

    /// A commission plan by id (archived ones too).
    pub(crate) async fn commission_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
    ) -> ApiResult<Option<CommissionPlan>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::CommissionPlan)?;
        Ok(plans::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .and_then(CommissionPlan::for_caller(policy(ctx)?)))
    }

    /// The tenant's plans, oldest first; `search` matches the label;
    /// archived plans only with `includeArchived`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn commission_plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only plans for partners of this type.")] partner_type: Option<
            PartnerType,
        >,
        #[graphql(desc = "Only plans paying this target (the partnership or an individual).")]
        payment_target: Option<PaymentTarget>,
        #[graphql(desc = "Only plans whose label contains this text (any case).")] search: Option<
            String,
        >,
        #[graphql(desc = "Archived plans too (default false).")] include_archived: Option<bool>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<CommissionPlan>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::CommissionPlan)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let filter = PlanFilter {
            partner_type: partner_type.map(Into::into),
            payment_target: payment_target.map(Into::into),
            search: revshare_core::input::search(search.as_deref())?,
            include_archived: include_archived.unwrap_or(false),
        };
        let select = plans::list(principal.tenant_id(), &filter);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                commission_plan::Column::Id,
            ),
            CommissionPlan::for_caller(policy(ctx)?),
        )
        .await
    }

    /// A deal by id; null when there is none the caller may see.
    pub(crate) async fn deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
    ) -> ApiResult<Option<Deal>> {
        let policy = policy(ctx)?;
        policy.looks_up(revshare_core::auth::access::Kind::Deal)?;
        let Some(found) = deals::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        Ok(Deal::found(policy, found))
    }

    /// Deals, oldest first, by partner, stage, registration or status; a
    /// partner token lists its own. `registration: PENDING` is the queue
    /// of registrations waiting for a decision.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn deals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's deals (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(desc = "Only deals at this stage.")] stage_id: Option<ID>,
        #[graphql(desc = "Only deals in this registration state.")] registration: Option<
            DealRegistration,
        >,
        #[graphql(desc = "Only deals in this status.")] status: Option<DealStatus>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Deal>> {
        let rows = deal_rows(ctx, partner_id)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let filter = DealFilter {
            rows,
            stage_id: stage_id.map(|s| s.0),
            registration: registration.map(Into::into),
            status: status.map(Into::into),
        };
        let select = deals::list(principal(ctx)?.tenant_id(), &filter);
        list_connection(
            revshare_core::reads::lists::list(db(ctx)?.conn(), &request, select, deal::Column::Id),
            Deal::for_caller(policy(ctx)?),
        )
        .await
    }
}

/// A plan's currency: the one given, else the tenant's.
fn plan_currency(code: Option<&str>, principal: &Principal, field: &str) -> ApiResult<Currency> {
    match code {
        Some(code) => revshare_core::campaigns::check_currency(field, code),
        None => Ok(principal.tenant.currency),
    }
}

/// A plan as `createCommissionPlan` takes it; errors of its entries name
/// `{prefix}.entries…`.
pub(crate) fn new_plan(
    input: CommissionPlanInput,
    principal: &Principal,
    prefix: &str,
) -> ApiResult<NewPlan> {
    let field = format!("{prefix}.currency");
    let currency = plan_currency(input.currency.as_deref(), principal, &field)?;
    Ok(NewPlan {
        label: plans::check_label(&input.label)?,
        currency: currency.code().to_owned(),
        partner_type: input.partner_type.into(),
        payment_target: input.payment_target.into(),
        auto_assign_recipient: input.auto_assign_recipient.map(Into::into),
        restrictions: Restrictions {
            group_ids: ids(input.group_ids),
            category_ids: ids(input.category_ids),
            partner_ids: ids(input.partner_ids),
        },
        entries: entries(input.entries, currency, prefix)?,
    })
}

#[derive(Default)]
pub struct DealMutation;

#[Object]
impl DealMutation {
    /// Adds a stage to the pipeline.
    async fn create_deal_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage to create.")] input: CreateDealStageInput,
    ) -> ApiResult<DealStage> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let (db, tenant_id) = (db(ctx)?, principal.tenant_id());
        let stage =
            pipeline::create_stage(db, tenant_id, &input.name, input.position, input.is_won)
                .await?;
        Ok(DealStage::shown(ctx, stage)?)
    }

    /// Adds a custom select field with its options.
    async fn create_custom_field(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The field to create, with its options.")] input: CreateCustomFieldInput,
    ) -> ApiResult<CustomField> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let field =
            pipeline::create_field(db(ctx)?, principal.tenant_id(), &input.name, &input.options)
                .await?;
        Ok(CustomField::shown(ctx, field)?)
    }

    /// Adds a contact: a partner's staff, or one of the tenant's own people.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to create.")] input: CreateContactInput,
    ) -> ApiResult<Contact> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let new = NewContact {
            partner_id: input.partner_id.map(|p| p.0),
            name: input.name,
            email: input.email,
        };
        let contact = pipeline::create_contact(db(ctx)?, principal.tenant_id(), new).await?;
        Ok(Contact::shown(ctx, contact)?)
    }

    /// Creates a plan. It applies to deals created from now on.
    async fn create_commission_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan to create.")] input: CommissionPlanInput,
    ) -> ApiResult<CommissionPlan> {
        let principal = writer(ctx, Scope::CommissionPlansWrite)?;
        let new = new_plan(input, principal, "input")?;
        let plan = plans::create(db(ctx)?, principal.tenant_id(), new).await?;
        Ok(CommissionPlan::shown(ctx, plan)?)
    }

    /// Changes a plan; deals created before keep the terms they froze.
    async fn update_commission_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCommissionPlanInput,
    ) -> ApiResult<CommissionPlan> {
        let principal = writer(ctx, Scope::CommissionPlansWrite)?;
        let currency = match (&input.currency, &input.entries) {
            (Some(code), _) => Some(plan_currency(Some(code), principal, "input.currency")?),
            // Entries' decimals follow the plan's currency.
            (None, Some(_)) => plans::find(db(ctx)?.conn(), principal.tenant_id(), &id)
                .await?
                .map(|plan| plan_currency(Some(&plan.currency), principal, "input.currency"))
                .transpose()?,
            (None, None) => None,
        };
        let changes = PlanChanges {
            label: input.label.as_deref().map(plans::check_label).transpose()?,
            partner_type: input.partner_type.map(Into::into),
            payment_target: input.payment_target.map(Into::into),
            auto_assign_recipient: match input.auto_assign_recipient {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v.into())),
            },
            group_ids: input.group_ids.map(ids),
            category_ids: input.category_ids.map(ids),
            partner_ids: input.partner_ids.map(ids),
            entries: input
                .entries
                .map(|e| entries(e, currency.unwrap_or(principal.tenant.currency), "input"))
                .transpose()?,
            currency: input.currency.and(currency).map(|c| c.code().to_owned()),
        };
        let plan = plans::update(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Ok(CommissionPlan::shown(ctx, plan)?)
    }

    /// Archives a plan: no new deal gets it; deals that froze it keep it.
    async fn archive_commission_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
    ) -> ApiResult<CommissionPlan> {
        let principal = writer(ctx, Scope::CommissionPlansWrite)?;
        let plan = plans::archive(db(ctx)?, principal.tenant_id(), &id).await?;
        Ok(CommissionPlan::shown(ctx, plan)?)
    }

    /// What a plan — given whole in `plan`, or a saved one by `planId` —
    /// would pay a deal moving through every stage and then receiving
    /// `payments` payments of its amount. Writes nothing.
    async fn simulate_commission_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A plan to try, as it would be created (or `planId`).")] plan: Option<
            CommissionPlanInput,
        >,
        #[graphql(desc = "A plan of the tenant to try (or `plan`).")] plan_id: Option<ID>,
        #[graphql(desc = "The deal to try it on.")] deal: DealSimulationInput,
        #[graphql(
            default = 0,
            desc = "How many payments the deal makes after it is won (each the deal's amount)."
        )]
        payments: i32,
    ) -> ApiResult<PlanSimulation> {
        let principal = writer(ctx, Scope::CommissionPlansWrite)?;
        let tried = match (plan, plan_id) {
            (Some(plan), None) => {
                let currency = plan_currency(plan.currency.as_deref(), principal, "plan.currency")?;
                Tried::Given(entries(plan.entries, currency, "plan")?, currency)
            }
            (None, Some(id)) => Tried::Saved(id.0),
            _ => {
                return Err(ApiError::bad_input(
                    "plan",
                    "give exactly one of plan and planId",
                ));
            }
        };
        let simulated = SimulatedDeal {
            amount: deal.amount.value("deal.amount")?,
            currency: deal.currency,
            field_values: field_values(deal.custom_field_values),
        };
        let (conn, tenant_id) = (db(ctx)?.conn(), principal.tenant_id());
        let plan = tried.entries(conn, tenant_id).await?;
        let tenant_currency = principal.tenant.currency;
        let (entries, currency) = (&plan.0, plan.1);
        let result = simulate::simulate(
            conn,
            tenant_id,
            tenant_currency,
            (entries, currency),
            simulated,
            payments,
        )
        .await?;
        PlanSimulation::of(policy(ctx)?, result)
    }

    /// Creates a deal at a stage, freezing the plans that apply to its
    /// partner as its terms, and pays the one-offs of every stage it has
    /// reached. Exactly once per `externalId`.
    async fn create_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal to create.")] input: CreateDealInput,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let partner = match (input.partner_id, input.partner_external_id) {
            (Some(id), None) => PartnerRef::Id(id.0),
            (None, Some(external)) => PartnerRef::ExternalId(external),
            _ => {
                return Err(ApiError::bad_input(
                    "input.partnerId",
                    "give exactly one of partnerId and partnerExternalId",
                ));
            }
        };
        let new = NewDeal {
            external_id: input.external_id,
            partner,
            campaign_id: input.campaign_id.map(|c| c.0),
            name: input.name,
            amount: input.amount.value("input.amount")?,
            currency: input.currency,
            stage_id: input.stage_id.0,
            field_values: field_values(input.custom_field_values),
            lead_creator_id: input.lead_creator_id.map(|c| c.0),
            owner_id: input.owner_id.map(|c| c.0),
            occurred_at: occurred_at("input", input.occurred_at)?,
        };
        let tenant_id = principal.tenant_id();
        let created = deals::create(db(ctx)?, tenant_id, &principal.subject, new).await?;
        // Its moves and payments are routed by its partner.
        ingest(ctx)?.remember_deal(tenant_id, &created.deal.id, &created.deal.partner_id);
        Ok(Deal::shown(ctx, created.deal)?)
    }

    /// Moves a deal to a stage; entries of stages reached for the first time
    /// pay their one-offs. Exactly once per `externalId`.
    async fn move_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal and the stage it reaches.")] input: MoveDealInput,
    ) -> ApiResult<DealEventPayload> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let item = record::prepare_move("input", input.into_move("input")?)?;
        let recorded = ingest(ctx)?
            .record_deal(principal.tenant_id(), item)
            .await?;
        DealEventPayload::seen_by(policy(ctx)?, recorded)
    }

    /// Records a payment on a deal; recurring entries whose stage the deal
    /// has reached pay an occurrence. Exactly once per `externalId`.
    async fn record_deal_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal and the payment.")] input: DealPaymentInput,
    ) -> ApiResult<DealEventPayload> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let item = record::prepare_payment("input", input.into_payment("input")?)?;
        let recorded = ingest(ctx)?
            .record_deal(principal.tenant_id(), item)
            .await?;
        DealEventPayload::seen_by(policy(ctx)?, recorded)
    }

    /// Records up to 1,000 deal events — moves and payments, in order, in
    /// one transaction; each is answered on its own, and a bad item never
    /// blocks the others.
    async fn record_deal_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The moves and payments, each answered on its own (at most 1,000).")]
        input: Vec<DealEventInput>,
    ) -> ApiResult<Vec<DealEventResult>> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let (items, events) = batch::check(
            input,
            record::MAX_BATCH,
            |event| event.external_id().to_owned(),
            |event, prefix| event.into_item(&prefix),
        )?;
        let recorded = record::record_batch(db(ctx)?, principal.tenant_id(), events).await?;
        let policy = policy(ctx)?;
        let recorded = recorded
            .into_iter()
            .map(|r| r.and_then(|r| DealEventPayload::seen_by(policy, r)))
            .collect();
        Ok(
            items.answer(recorded, |external_id, payload, error| DealEventResult {
                external_id,
                payload,
                error,
            }),
        )
    }

    /// Replaces a deal's terms with the plans named, as a new version kept
    /// in its history; what it earned already stays.
    async fn amend_deal_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal and the plans it follows from now on.")]
        input: AmendDealTermsInput,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let deal = deals::amend_terms(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.deal_id,
            &ids(input.plan_ids),
            &input.note,
        )
        .await?;
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Names the contact a spiff waiting for one pays (once); it may then
    /// be approved.
    async fn assign_commission_recipient(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The spiff waiting for its payee.")] commission_id: ID,
        #[graphql(desc = "The contact it pays.")] contact_id: ID,
    ) -> ApiResult<Commission> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let row =
            deals::assign_recipient(db(ctx)?, principal.tenant_id(), &commission_id, &contact_id)
                .await?;
        Ok(Commission::shown(ctx, row)?)
    }
}
