//! Fields of the pipeline, contacts and deals (commission plans' are
//! in `plan_fields`).

use super::{
    Balance, Campaign, Commission, CommissionPlan, Contact, CustomField, CustomFieldOption, Deal,
    DealFieldValue, DealPlan, DealStage, DealTerms, Event, Partner, PlanEntry, balances, money,
    related, stage,
};
use crate::auth::Scope;
use crate::deals::deal;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{Owner, guard, loader, page_args, principal};
use crate::graphql::enums::{AutoAssignRecipient, PaymentTarget, PlanMatch};
use crate::graphql::loaders::{
    ContactBalanceOf, ContactId, CustomFieldId, DealCommissions, DealEvents, DealTermVersionsOf,
    DealTermsOf, DealValuesOf, OptionId, OptionsOf, PlanId, load_campaign, load_partner,
};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use crate::paging::{COMMISSION_LIMITS, DEFAULT_LIMITS, Page, PageRequest};
use async_graphql::{Context, ID, Object};

/// The pipeline is read with `deals:read` or `commission_plans:read`, and by
/// partners (whose deals sit in it).
const PIPELINE: &[Scope] = &[Scope::DealsRead, Scope::CommissionPlansRead];

/// A stage of the tenant's sales pipeline.
#[Object]
impl DealStage {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// Its place in the pipeline: deals move to higher positions.
    async fn position(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(self.0.position)
    }
}

/// A select field deals carry (a deal size, a region, …).
#[Object]
impl CustomField {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    async fn options(&self, ctx: &Context<'_>) -> ApiResult<Vec<CustomFieldOption>> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        let options = loader(ctx)?
            .load_one(OptionsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(options.into_iter().map(CustomFieldOption).collect())
    }
}

/// One option of a custom field.
#[Object]
impl CustomFieldOption {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn label(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.label)
    }
}

impl Contact {
    /// A partner's staff is the partner's own; the tenant's people show to
    /// partners on the deals they own. `commissions:read` reads the contacts
    /// spiffs pay (a payout needs its payee).
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        let owner = match &self.0.partner_id {
            Some(partner) => Owner::Partner(partner),
            None => Owner::AnyPartner,
        };
        guard(
            ctx,
            &[
                Scope::DealsRead,
                Scope::PartnersRead,
                Scope::CommissionsRead,
            ],
            owner,
        )
    }
}

/// A person deals name and spiffs pay: a partner's staff or the tenant's own.
#[Object]
impl Contact {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.name)
    }

    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.email.as_deref())
    }

    /// The partner whose staff the contact is; null for the tenant's own.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        self.readable(ctx)?;
        match &self.0.partner_id {
            Some(id) => Ok(Some(Partner::from(load_partner(&*loader(ctx)?, id).await?))),
            None => Ok(None),
        }
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }

    /// The spiffs paid to this person, per currency: with `commissions:read`,
    /// or the partner's own token for its staff. A partner's people's
    /// spiffs count in the partner's balance too; the tenant's own people's
    /// are the tenant's expense and count here only.
    async fn balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<Balance>> {
        let owner = match &self.0.partner_id {
            Some(partner) => Owner::Partner(partner),
            None => Owner::NoPartner,
        };
        guard(ctx, &[Scope::CommissionsRead], owner)?;
        balances(
            loader(ctx)?
                .load_one(ContactBalanceOf(self.0.id.clone()))
                .await?
                .unwrap_or_default(),
        )
    }
}

impl Deal {
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, &[Scope::DealsRead], Owner::Partner(&self.0.partner_id))
    }

    /// The versions of the deal's terms up to the one in force, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealTerms>> {
        let loader = loader(ctx)?;
        let (versions, rows) = tokio::try_join!(
            loader.load_one(DealTermVersionsOf(self.0.id.clone())),
            loader.load_one(DealTermsOf(self.0.id.clone())),
        )?;
        let rows = rows.unwrap_or_default();
        Ok(versions
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.version <= self.0.terms_version)
            .map(|version| DealTerms {
                rows: rows
                    .iter()
                    .filter(|r| r.version == version.version)
                    .cloned()
                    .collect(),
                version,
            })
            .collect())
    }
}

/// A deal a partner brought, moving through the pipeline.
#[Object]
impl Deal {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The sender's identifier for the deal (also the key of its creation event).
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.external_id)
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.name)
    }

    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        Ok(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// Where the deal is now.
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<DealStage> {
        self.readable(ctx)?;
        stage(&*loader(ctx)?, &self.0.stage_id).await
    }

    async fn custom_field_values(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealFieldValue>> {
        self.readable(ctx)?;
        let values = loader(ctx)?
            .load_one(DealValuesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(values.into_iter().map(DealFieldValue).collect())
    }

    async fn lead_creator(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        self.readable(ctx)?;
        related(ctx, self.0.lead_creator_id.as_deref(), ContactId, Contact).await
    }

    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        self.readable(ctx)?;
        related(ctx, self.0.owner_id.as_deref(), ContactId, Contact).await
    }

    /// Payments recorded so far.
    async fn payment_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.readable(ctx)?;
        Ok(self.0.payment_count)
    }

    /// The plans in force for the deal, and why each applies.
    async fn terms(&self, ctx: &Context<'_>) -> ApiResult<DealTerms> {
        self.readable(ctx)?;
        self.versions(ctx)
            .await?
            .pop()
            .ok_or_else(|| ApiError::internal("deal terms", &self.0.id))
    }

    /// Every version of the terms, oldest first: the one frozen at
    /// creation, then each amendment.
    async fn terms_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealTerms>> {
        self.readable(ctx)?;
        self.versions(ctx).await
    }

    /// What the deal earned, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        self.readable(ctx)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        // A partner reads its money, not the tenant's staff's spiffs.
        let partners_money = principal(ctx)?.own_partner().is_some();
        let key = DealCommissions {
            deal_id: self.0.id.clone(),
            size: request.size,
            after: request.cursor,
            partners_money,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(
            crate::graphql::context::db(ctx)?.conn(),
            crate::ledger::commissions_of_deal(&self.0.tenant_id, &self.0.id, partners_money),
        );
        Ok(connection(
            page,
            total,
            |c| c.id.clone(),
            |row| Ready(Commission(row)),
        ))
    }

    /// Its creation, stage moves and payments, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ListConnection<Event>> {
        self.readable(ctx)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = DealEvents {
            deal_id: self.0.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(
            crate::graphql::context::db(ctx)?.conn(),
            crate::ledger::events_of_deal(&self.0.tenant_id, &self.0.id),
        );
        Ok(connection(page, total, |e| e.id.clone(), Event))
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }

    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.updated_at.into())
    }
}

// Reached only through `Deal.customFieldValues`, which checks its scope.

/// The option a deal holds for a custom field.
#[Object]
impl DealFieldValue {
    async fn custom_field(&self, ctx: &Context<'_>) -> ApiResult<CustomField> {
        loader(ctx)?
            .load_one(CustomFieldId(self.0.custom_field_id.clone()))
            .await?
            .map(CustomField)
            .ok_or_else(|| ApiError::internal("custom field", &self.0.custom_field_id))
    }

    async fn option(&self, ctx: &Context<'_>) -> ApiResult<CustomFieldOption> {
        loader(ctx)?
            .load_one(OptionId(self.0.option_id.clone()))
            .await?
            .map(CustomFieldOption)
            .ok_or_else(|| ApiError::internal("custom field option", &self.0.option_id))
    }
}

// Reached only through `Deal.terms` and `Deal.termsHistory`.

/// One version of a deal's terms: the plans it froze, at most one per
/// payment target.
#[Object]
impl DealTerms {
    async fn version(&self) -> i32 {
        self.version.version
    }

    async fn plans(&self) -> ApiResult<Vec<DealPlan>> {
        let frozen = deal::frozen_plans(&self.rows)?;
        Ok(self
            .rows
            .iter()
            .cloned()
            .zip(frozen)
            .map(|(row, plan)| DealPlan { row, plan })
            .collect())
    }

    /// Why the terms were amended (null for the terms frozen at creation).
    async fn note(&self) -> Option<&str> {
        self.version.note.as_deref()
    }

    /// Who froze or amended them: the subject of the token used.
    async fn created_by(&self) -> &str {
        &self.version.created_by
    }

    /// When they were frozen or amended.
    async fn created_at(&self) -> DateTime {
        self.version.created_at.into()
    }
}

/// A plan as the deal froze it (later edits of the plan do not reach it),
/// and why it applies.
#[Object]
impl DealPlan {
    /// The plan as it is now.
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<CommissionPlan> {
        loader(ctx)?
            .load_one(PlanId(self.row.plan_id.clone()))
            .await?
            .map(CommissionPlan)
            .ok_or_else(|| ApiError::internal("commission plan", &self.row.plan_id))
    }

    async fn label(&self) -> &str {
        &self.plan.label
    }

    async fn payment_target(&self) -> PaymentTarget {
        self.plan.payment_target.into()
    }

    async fn auto_assign_recipient(&self) -> Option<AutoAssignRecipient> {
        self.plan.auto_assign_recipient.map(Into::into)
    }

    async fn matched_by(&self) -> PlanMatch {
        self.row.matched_by.into()
    }

    /// Why this plan, in words.
    async fn reason(&self) -> String {
        use entity::enums::PlanMatch as M;
        let target = match self.plan.payment_target {
            entity::enums::PaymentTarget::Partnership => "partnership commissions",
            entity::enums::PaymentTarget::Individual => "spiffs",
        };
        let why = match self.row.matched_by {
            M::Partner => "it names the deal's partner",
            M::Category => "it names one of the partner's categories",
            M::Group => "it names the partner's group",
            M::Any => "it is not restricted beyond the partner's type",
            M::Amendment => "the deal's terms were amended to it",
        };
        match self.row.matched_by {
            M::Amendment => format!("The plan for {target}: {why}."),
            _ => format!("The most specific plan for {target} when the deal was created: {why}."),
        }
    }

    /// The entries as frozen.
    async fn entries(&self) -> Vec<PlanEntry> {
        self.plan
            .entries
            .entries()
            .iter()
            .cloned()
            .map(PlanEntry)
            .collect()
    }
}
