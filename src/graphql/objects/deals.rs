//! Fields of the pipeline, contacts and deals (commission plans' are
//! in `plan_fields`).

use super::{
    Balance, Campaign, Change, Commission, CommissionPlan, Contact, CustomField, CustomFieldOption,
    Deal, DealFieldValue, DealPlan, DealStage, DealTerms, Event, InapplicableEntry, Partner,
    PlanEntry, balances, money, related, stage,
};
use crate::auth::Scope;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{Owner, caller, guard, loader, page_args, policy};
use crate::graphql::enums::{
    AutoAssignRecipient, DealRegistration, DealStatus, PaymentTarget, PlanMatch,
};
use crate::graphql::loaders::{
    ChangesOf, ContactBalanceOf, ContactId, CustomFieldId, DealCommissions, DealEvents,
    DealTermVersionsOf, DealTermsOf, DealValuesOf, OptionId, OptionsOf, PlanId, load_campaign,
    load_partner,
};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::paging::{COMMISSION_LIMITS, DEFAULT_LIMITS, Page, PageRequest};
use async_graphql::{Context, ID, Object};

/// The pipeline is read with `deals:read` or `commission_plans:read`, and by
/// partners (whose deals sit in it).
const PIPELINE: &[Scope] = &[Scope::DealsRead, Scope::CommissionPlansRead];

/// The pipeline's stages, fields and options are read by the scopes of
/// deals and plans, and by partner tokens (they register deals).
macro_rules! pipeline_readable {
    ($($object:ident),*) => {$(
        impl $object {
            pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
                guard(ctx, PIPELINE, Owner::AnyPartner)
            }
        }
    )*};
}

pipeline_readable!(DealStage, CustomField, CustomFieldOption);

/// A stage of the tenant's sales pipeline.
#[Object]
impl DealStage {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its name.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// Its place in the pipeline: deals move to higher positions.
    async fn position(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(self.0.position)
    }

    /// Reaching it wins a deal (`Deal.status: WON`).
    async fn is_won(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(self.0.is_won)
    }

    /// When it was archived: out of the pipeline, nothing moves to it.
    async fn archived_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(self.0.archived_at.map(Into::into))
    }
}

/// A select field deals carry (a deal size, a region, …).
#[Object]
impl CustomField {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its name.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    /// The options a deal may hold.
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
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// What it says.
    async fn label(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PIPELINE, Owner::AnyPartner)?;
        Ok(&self.0.label)
    }
}

impl Contact {
    /// A partner's staff is the partner's own; the tenant's people show to
    /// partners on the deals they own. `commissions:read` reads the contacts
    /// spiffs pay (a payout needs its payee).
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
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
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Their name.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.name)
    }

    /// Where they are written to.
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

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }

    /// When it was archived: no new deal or spiff names it.
    async fn archived_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.archived_at.map(Into::into))
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
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, &[Scope::DealsRead], Owner::Partner(&self.0.partner_id))
    }

    /// Whether the deal is in the pipeline: created by the tenant, or its
    /// registration approved.
    fn placed(&self) -> bool {
        matches!(
            self.0.registration,
            entity::enums::DealRegistration::NotRequired
                | entity::enums::DealRegistration::Approved
        )
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
                currency: self.0.currency.clone(),
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
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The sender's identifier for the deal (also the key of its creation event).
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.external_id)
    }

    /// Its name.
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.name)
    }

    /// What it is worth; plan percentages of a stage are taken of it.
    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    /// Its currency (ISO 4217).
    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    /// The partner working it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        Ok(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        ))
    }

    /// The campaign its commissions are earned in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        Ok(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        ))
    }

    /// Where the deal is now; null while its registration waits, and after
    /// it was rejected.
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<Option<DealStage>> {
        self.readable(ctx)?;
        if !self.placed() {
            return Ok(None);
        }
        stage(&*loader(ctx)?, &self.0.stage_id).await.map(Some)
    }

    /// `NOT_REQUIRED` for a deal the tenant created; for one a partner
    /// registered, `PENDING` until the tenant approves or rejects it.
    async fn registration(&self, ctx: &Context<'_>) -> ApiResult<DealRegistration> {
        self.readable(ctx)?;
        Ok(self.0.registration.into())
    }

    /// Why the registration was rejected.
    async fn registration_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.registration_reason.as_deref())
    }

    /// The company a partner registered the deal for.
    async fn company_name(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.company_name.as_deref())
    }

    /// Its domain, as compared: lower case, without `www.`. One deal at a
    /// time works a domain (until it is lost, or its registration rejected).
    async fn company_domain(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.company_domain.as_deref())
    }

    /// What the registering partner wrote.
    async fn notes(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.notes.as_deref())
    }

    /// `OPEN`, `WON` once it reached a stage marked `isWon`, or `LOST`.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<DealStatus> {
        self.readable(ctx)?;
        Ok(self.0.status.into())
    }

    /// Why it was closed as lost.
    async fn lost_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.lost_reason.as_deref())
    }

    /// When it is expected to close.
    async fn expected_close_date(&self, ctx: &Context<'_>) -> ApiResult<Option<Date>> {
        self.readable(ctx)?;
        Ok(self.0.expected_close_date.map(Date))
    }

    /// Every change to the deal, oldest first: its registration and the
    /// decision on it, each field `updateDeal` changed (amounts as decimal
    /// strings; a custom field's value as `fieldId:optionId`), its status
    /// when closed as lost or reopened.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<Change>> {
        self.readable(ctx)?;
        let changes = loader(ctx)?
            .load_one(ChangesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(changes.into_iter().map(Change).collect())
    }

    /// The option it holds for each custom field.
    async fn custom_field_values(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealFieldValue>> {
        self.readable(ctx)?;
        let values = loader(ctx)?
            .load_one(DealValuesOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(values.into_iter().map(DealFieldValue).collect())
    }

    /// The contact who created the lead.
    async fn lead_creator(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        self.readable(ctx)?;
        related(ctx, self.0.lead_creator_id.as_deref(), ContactId, Contact).await
    }

    /// The contact who owns it.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        self.readable(ctx)?;
        related(ctx, self.0.owner_id.as_deref(), ContactId, Contact).await
    }

    /// Payments recorded so far.
    async fn payment_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.readable(ctx)?;
        Ok(self.0.payment_count)
    }

    /// The plans in force for the deal, and why each applies; null until a
    /// registration is approved (its terms freeze then).
    async fn terms(&self, ctx: &Context<'_>) -> ApiResult<Option<DealTerms>> {
        self.readable(ctx)?;
        if !self.placed() {
            return Ok(None);
        }
        self.versions(ctx)
            .await?
            .pop()
            .map(Some)
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
        #[graphql(
            desc = "How many rows from the start, or after `after` (1 to 500, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        self.readable(ctx)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        // A partner reads its money, not the tenant's staff's spiffs.
        let partners_money = policy(ctx)?.partners_money_only();
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
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
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

    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.updated_at.into())
    }
}

// Reached only through `Deal.customFieldValues`, which checks its scope.

/// The option a deal holds for a custom field.
#[Object]
impl DealFieldValue {
    /// The field.
    async fn custom_field(&self, ctx: &Context<'_>) -> ApiResult<CustomField> {
        loader(ctx)?
            .load_one(CustomFieldId(self.0.custom_field_id.clone()))
            .await?
            .map(CustomField)
            .ok_or_else(|| ApiError::internal("custom field", &self.0.custom_field_id))
    }

    /// The option the deal holds.
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
    /// 1 for the terms frozen at the start, then one more per amendment.
    async fn version(&self) -> i32 {
        self.version.version
    }

    /// The plans it follows.
    async fn plans(&self) -> ApiResult<Vec<DealPlan>> {
        let frozen = crate::deals::accrue::frozen_plans(&self.rows)?;
        Ok(self
            .rows
            .iter()
            .cloned()
            .zip(frozen)
            .map(|(row, plan)| DealPlan {
                row,
                plan,
                currency: self.currency.clone(),
            })
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

    /// The plan's name, as the deal froze it.
    async fn label(&self) -> &str {
        &self.plan.label
    }

    /// Whom it pays: the partnership, or an individual.
    async fn payment_target(&self) -> PaymentTarget {
        self.plan.payment_target.into()
    }

    /// Which contact a spiff pays.
    async fn auto_assign_recipient(&self) -> Option<AutoAssignRecipient> {
        self.plan.auto_assign_recipient.map(Into::into)
    }

    /// Why the plan applies to the deal.
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
            _ => format!("The most specific plan for {target} when the deal's terms froze: {why}."),
        }
    }

    /// The currency of its fixed values, as frozen: they pay the deal only
    /// in it (terms frozen before plans had a currency: the deal's).
    async fn currency(&self) -> &str {
        self.plan.currency.as_deref().unwrap_or(&self.currency)
    }

    /// The entries whose fixed values pay this deal nothing: a plan in
    /// another currency pays its fixed amounts (`"500"`) only to deals in
    /// its own; percentages apply to any.
    async fn inapplicable_entries(&self) -> Vec<InapplicableEntry> {
        if self.plan.fixed_values_pay(&self.currency) {
            return Vec::new();
        }
        let own = self.plan.currency.as_deref().unwrap_or_default();
        self.plan
            .entries
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.has_fixed_value())
            .map(|(i, _)| InapplicableEntry {
                entry_index: i as u32,
                reason: format!(
                    "its fixed values are in {own} and pay {} deals nothing; its percentages apply",
                    self.currency
                ),
            })
            .collect()
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

// Reached only through a deal's or partner's `history`, which checks its
// scope.

/// One field of a deal or partner changed: from what, to what, by whom,
/// when.
#[Object]
impl Change {
    /// The field, as the API names it (`amount`, `registration`, `status`, …).
    async fn field(&self) -> &str {
        &self.0.field
    }

    /// The value before; null for none.
    async fn from(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }

    /// The value after; null for none.
    async fn to(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }

    /// Who changed it: the token's `sub`, or `tier:<id>` for a tier's
    /// promotion. A partner token reads `staff` for the tenant's people.
    async fn actor(&self, ctx: &Context<'_>) -> &str {
        super::actor_as_seen(caller(ctx), &self.0.actor)
    }

    /// When it was changed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}
