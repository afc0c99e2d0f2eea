//! Partner workflows on deals (SPEC §14): a partner registers a deal, the
//! tenant approves or rejects it; the tenant changes a deal, closes it as
//! lost, reopens it; changes its pipeline in use — stages renamed, moved,
//! marked won or archived, custom fields and contacts changed.
//!
//! Who may: `registerDeal` is a partner token's, for its own partner (the
//! tenant creates deals with `createDeal`); everything else needs
//! `deals:write`, which no partner token holds.

use crate::graphql::context::{db, forget_reads, ingest, policy, writer};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Contact, CustomField, Deal, DealStage};
use crate::graphql::plans::CustomFieldValueInput;
use crate::graphql::roots::deals::field_values;
use crate::graphql::scalars::{Date, Decimal};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::deals::pipeline::{self, StageChanges};
use revshare_core::deals::pipeline_changes::{self as changes, ContactChanges, OptionChange};
use revshare_core::deals::workflow::{self, DealChanges, Registration};
use revshare_core::error::ApiResult;

/// A deal a partner registers; it earns once approved.
#[derive(InputObject)]
pub struct RegisterDealInput {
    /// Its name.
    pub name: String,
    /// What it is expected to be worth.
    pub amount: Decimal,
    /// Omitted: the default campaign's currency; given, it must be it.
    pub currency: Option<String>,
    /// The company the deal is with.
    pub company_name: String,
    /// Its domain (`acme.com`): one deal at a time works a company.
    pub company_domain: String,
    /// The option it holds for each custom field.
    #[graphql(default)]
    pub custom_field_values: Vec<CustomFieldValueInput>,
    /// One of the partner's own contacts.
    pub lead_creator_id: Option<ID>,
    /// Anything the tenant should know.
    pub notes: Option<String>,
}

/// What to change of a deal; commissions already written do not change.
#[derive(InputObject)]
pub struct UpdateDealInput {
    /// A new name.
    pub name: Option<String>,
    /// From now on: payments without an amount, and the percentages of
    /// stages reached later, use it. What was earned stays.
    pub amount: Option<Decimal>,
    /// A contact of the deal's partner or of the tenant; null clears it.
    pub owner_id: MaybeUndefined<ID>,
    /// A contact of the deal's partner or of the tenant; null clears it.
    pub lead_creator_id: MaybeUndefined<ID>,
    /// The deal's whole set of values, replacing the one it holds.
    pub custom_field_values: Option<Vec<CustomFieldValueInput>>,
    /// Null clears it.
    pub expected_close_date: MaybeUndefined<Date>,
}

/// What to change of a stage; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateDealStageInput {
    /// A new name.
    pub name: Option<String>,
    /// Its new place (0–10,000, unique). Deals keep the stages they
    /// reached; later moves reach stages by the new order.
    pub position: Option<i32>,
    /// Reaching it wins a deal from now on.
    pub is_won: Option<bool>,
}

/// An option of a custom field.
#[derive(InputObject)]
pub struct CustomFieldOptionInput {
    /// An existing option (renamed to `label`); omitted: a new one.
    pub id: Option<ID>,
    /// What it says.
    pub label: String,
}

/// What to change of a field; options are added or renamed, never removed while
/// used.
#[derive(InputObject)]
pub struct UpdateCustomFieldInput {
    /// A new name.
    pub name: Option<String>,
    /// The field's options, in order: existing ones by id, new ones
    /// without. One left out is removed, unless a deal holds it or a plan
    /// scales by it (`CONFLICT`).
    pub options: Option<Vec<CustomFieldOptionInput>>,
}

/// What to change of a contact; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// A new name.
    pub name: Option<String>,
    /// Null clears it.
    pub email: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct DealWorkflowMutation;

#[Object]
impl DealWorkflowMutation {
    /// A partner registers a deal (partner tokens only). It is `PENDING`,
    /// outside the pipeline and earning nothing, until the tenant approves
    /// or rejects it. `CONFLICT` when its company domain is already on an
    /// open deal, this partner's or another's.
    async fn register_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal to register.")] input: RegisterDealInput,
    ) -> ApiResult<Deal> {
        let policy = policy(ctx)?;
        let principal = policy.principal();
        let partner_id = policy
            .partner_acting("only a partner token registers a deal; the tenant uses createDeal")?;
        forget_reads(ctx)?;
        let registration = Registration {
            name: input.name,
            amount: input.amount.value("input.amount")?,
            currency: input.currency,
            company_name: input.company_name,
            company_domain: input.company_domain,
            field_values: field_values(input.custom_field_values),
            lead_creator_id: input.lead_creator_id.map(|c| c.0),
            notes: input.notes,
        };
        let tenant_id = principal.tenant_id();
        let deal = workflow::register(
            db(ctx)?,
            tenant_id,
            partner_id,
            &principal.subject,
            registration,
        )
        .await?;
        ingest(ctx)?.remember_deal(tenant_id, &deal.id, &deal.partner_id);
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Approves a pending registration: the plans that apply to the partner
    /// now become the deal's terms, and it arrives at `stageId` (omitted:
    /// the first stage), earning what reaching it earns.
    async fn approve_deal_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
        #[graphql(desc = "The stage it starts at (omitted: the first).")] stage_id: Option<ID>,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let approved = workflow::approve(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &id,
            stage_id.as_ref().map(|s| s.0.as_str()),
        )
        .await?;
        Ok(Deal::shown(ctx, approved.deal)?)
    }

    /// Rejects a pending registration; the partner reads the reason, and
    /// the company domain is free again.
    async fn reject_deal_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
        #[graphql(desc = "Why: shown to the partner.")] reason: String,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let deal = workflow::reject(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &id,
            &reason,
        )
        .await?;
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Changes a deal's fields, each change kept in `Deal.history`; what
    /// it earns from now on follows them, what it earned stays.
    async fn update_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateDealInput,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let changes = DealChanges {
            name: input.name,
            amount: input.amount.map(|a| a.value("input.amount")).transpose()?,
            owner_id: input.owner_id.map_value(|c| c.0).into(),
            lead_creator_id: input.lead_creator_id.map_value(|c| c.0).into(),
            field_values: input.custom_field_values.map(field_values),
            expected_close_date: input.expected_close_date.map_value(|d| d.0).into(),
        };
        let deal = workflow::update(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &id,
            changes,
        )
        .await?;
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Closes a deal as lost: moving it is `CONFLICT`, and its payments are
    /// recorded and earn nothing, until it is reopened.
    async fn close_deal_lost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
        #[graphql(desc = "Why it was lost.")] reason: String,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let deal = workflow::close_lost(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &id,
            &reason,
        )
        .await?;
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Reopens a lost deal: `WON` if it had reached a winning stage, else
    /// `OPEN`.
    async fn reopen_deal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deal's id.")] id: ID,
    ) -> ApiResult<Deal> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let deal =
            workflow::reopen(db(ctx)?, principal.tenant_id(), &principal.subject, &id).await?;
        Ok(Deal::shown(ctx, deal)?)
    }

    /// Renames, moves or marks a stage.
    async fn update_deal_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateDealStageInput,
    ) -> ApiResult<DealStage> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let changes = StageChanges {
            name: input.name,
            position: input.position,
            is_won: input.is_won,
        };
        let stage = pipeline::update_stage(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Ok(DealStage::shown(ctx, stage)?)
    }

    /// Archives a stage: nothing moves to it, is created or approved at it,
    /// or reaches it from now on. `CONFLICT` while an open deal sits in it.
    async fn archive_deal_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage's id.")] id: ID,
    ) -> ApiResult<DealStage> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let stage = changes::archive_stage(db(ctx)?, principal.tenant_id(), &id).await?;
        Ok(DealStage::shown(ctx, stage)?)
    }

    /// Renames a custom field and sets its options: renamed, added,
    /// reordered; removed only while nothing uses them.
    async fn update_custom_field(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The field's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCustomFieldInput,
    ) -> ApiResult<CustomField> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let options = input.options.map(|options| {
            options
                .into_iter()
                .map(|o| OptionChange {
                    id: o.id.map(|id| id.0),
                    label: o.label,
                })
                .collect()
        });
        let field = changes::update_field(
            db(ctx)?,
            principal.tenant_id(),
            &id,
            input.name.as_deref(),
            options,
        )
        .await?;
        Ok(CustomField::shown(ctx, field)?)
    }

    /// Renames a contact or changes its email.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateContactInput,
    ) -> ApiResult<Contact> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let changes = ContactChanges {
            name: input.name,
            email: input.email.into(),
        };
        let contact =
            changes::update_contact(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Ok(Contact::shown(ctx, contact)?)
    }

    /// Archives a contact: no new deal or spiff names it; what names it
    /// already keeps it.
    async fn archive_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's id.")] id: ID,
    ) -> ApiResult<Contact> {
        let principal = writer(ctx, Scope::DealsWrite)?;
        let contact = changes::archive_contact(db(ctx)?, principal.tenant_id(), &id).await?;
        Ok(Contact::shown(ctx, contact)?)
    }
}
