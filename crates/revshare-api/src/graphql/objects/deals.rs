//! Fields of the pipeline, contacts and deals (commission plans' are
//! in `plan_fields`).

use super::{
    Balance, Campaign, Change, Commission, CommissionPlan, Contact, CustomField, CustomFieldOption,
    Deal, DealFieldValue, DealPlan, DealStage, DealTerms, Event, InapplicableEntry, Partner,
    PlanEntry, Seen, balances, money, related, required, stage,
};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{loader, page_args, policy};
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
use async_graphql::{Context, ID, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{COMMISSION_LIMITS, DEFAULT_LIMITS, Page, PageRequest};

/// A stage of the tenant's sales pipeline.
#[Object]
impl DealStage {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.name)
    }

    /// Its place in the pipeline: deals move to higher positions.
    async fn position(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.position)
    }

    /// Reaching it wins a deal (`Deal.status: WON`).
    async fn is_won(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        Ok(row.is_won)
    }

    /// When it was archived: out of the pipeline, nothing moves to it.
    async fn archived_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.archived_at.map(Into::into))
    }
}

/// A select field deals carry (a deal size, a region, …).
#[Object]
impl CustomField {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.name)
    }

    /// The options a deal may hold.
    async fn options(&self, ctx: &Context<'_>) -> ApiResult<Vec<CustomFieldOption>> {
        let row = self.0.read(C::Row)?;
        let options = loader(ctx)?
            .load_one(OptionsOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(CustomFieldOption::all(policy(ctx)?, options))
    }
}

/// One option of a custom field.
#[Object]
impl CustomFieldOption {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// What it says.
    async fn label(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.label)
    }
}

/// A person deals name and spiffs pay: a partner's staff or the tenant's own.
#[Object]
impl Contact {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Their name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.name)
    }

    /// Where they are written to.
    async fn email(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.email.as_deref())
    }

    /// The partner whose staff the contact is; null for the tenant's own.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let row = self.0.read(C::Row)?;
        match &row.partner_id {
            Some(id) => Ok(Partner::seen(
                policy(ctx)?,
                load_partner(&*loader(ctx)?, id).await?,
            )),
            None => Ok(None),
        }
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When it was archived: no new deal or spiff names it.
    async fn archived_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.archived_at.map(Into::into))
    }

    /// The spiffs paid to this person, per currency: with `commissions:read`,
    /// or the partner's own token for its staff. A partner's people's
    /// spiffs count in the partner's balance too; the tenant's own people's
    /// are the tenant's expense and count here only.
    async fn balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<Balance>> {
        let row = self.0.read(C::Money)?;
        balances(
            loader(ctx)?
                .load_one(ContactBalanceOf(row.id.clone()))
                .await?
                .unwrap_or_default(),
        )
    }
}

impl Deal {
    /// Whether the deal is in the pipeline: created by the tenant, or its
    /// registration approved.
    fn placed(row: &entity::deal::Model) -> bool {
        matches!(
            row.registration,
            entity::enums::DealRegistration::NotRequired
                | entity::enums::DealRegistration::Approved
        )
    }

    /// The versions of the deal's terms up to the one in force, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealTerms>> {
        let deal = self.0.read(C::Row)?;
        let loader = loader(ctx)?;
        let (versions, rows) = tokio::try_join!(
            loader.load_one(DealTermVersionsOf(deal.id.clone())),
            loader.load_one(DealTermsOf(deal.id.clone())),
        )?;
        let rows = rows.unwrap_or_default();
        Ok(versions
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.version <= deal.terms_version)
            .map(|version| DealTerms {
                currency: deal.currency.clone(),
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
        ID(self.0.key().id.clone())
    }

    /// The sender's identifier for the deal (also the key of its creation event).
    async fn external_id(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.external_id)
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.name)
    }

    /// What it is worth; plan percentages of a stage are taken of it.
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.amount_minor, &row.currency)
    }

    /// Its currency (ISO 4217).
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.currency)
    }

    /// The partner working it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign its commissions are earned in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.0.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// Where the deal is now; null while its registration waits, and after
    /// it was rejected.
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<Option<DealStage>> {
        let row = self.0.read(C::Row)?;
        if !Self::placed(row) {
            return Ok(None);
        }
        stage(ctx, &row.stage_id).await.map(Some)
    }

    /// `NOT_REQUIRED` for a deal the tenant created; for one a partner
    /// registered, `PENDING` until the tenant approves or rejects it.
    async fn registration(&self) -> ApiResult<DealRegistration> {
        let row = self.0.read(C::Row)?;
        Ok(row.registration.into())
    }

    /// Why the registration was rejected.
    async fn registration_reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.registration_reason.as_deref())
    }

    /// The company a partner registered the deal for.
    async fn company_name(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.company_name.as_deref())
    }

    /// Its domain, as compared: lower case, without `www.`. One deal at a
    /// time works a domain (until it is lost, or its registration rejected).
    async fn company_domain(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.company_domain.as_deref())
    }

    /// What the registering partner wrote.
    async fn notes(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.notes.as_deref())
    }

    /// `OPEN`, `WON` once it reached a stage marked `isWon`, or `LOST`.
    async fn status(&self) -> ApiResult<DealStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Why it was closed as lost.
    async fn lost_reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.lost_reason.as_deref())
    }

    /// When it is expected to close.
    async fn expected_close_date(&self) -> ApiResult<Option<Date>> {
        let row = self.0.read(C::Row)?;
        Ok(row.expected_close_date.map(Date))
    }

    /// Every change to the deal, oldest first: its registration and the
    /// decision on it, each field `updateDeal` changed (amounts as decimal
    /// strings; a custom field's value as `fieldId:optionId`), its status
    /// when closed as lost or reopened.
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<Change>> {
        let row = self.0.read(C::Row)?;
        let changes = loader(ctx)?
            .load_one(ChangesOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        let policy = policy(ctx)?;
        Ok(changes
            .into_iter()
            .map(|row| Change::seen_by(policy, row))
            .collect())
    }

    /// The option it holds for each custom field.
    async fn custom_field_values(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealFieldValue>> {
        let row = self.0.read(C::Row)?;
        let values = loader(ctx)?
            .load_one(DealValuesOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(values.into_iter().map(DealFieldValue).collect())
    }

    /// The contact who created the lead.
    async fn lead_creator(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.lead_creator_id.as_deref(), ContactId).await
    }

    /// The contact who owns it.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.owner_id.as_deref(), ContactId).await
    }

    /// Payments recorded so far.
    async fn payment_count(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.payment_count)
    }

    /// The plans in force for the deal, and why each applies; null until a
    /// registration is approved (its terms freeze then).
    async fn terms(&self, ctx: &Context<'_>) -> ApiResult<Option<DealTerms>> {
        let row = self.0.read(C::Row)?;
        if !Self::placed(row) {
            return Ok(None);
        }
        self.versions(ctx)
            .await?
            .pop()
            .map(Some)
            .ok_or_else(|| ApiError::internal("deal terms", &row.id))
    }

    /// Every version of the terms, oldest first: the one frozen at
    /// creation, then each amendment.
    async fn terms_history(&self, ctx: &Context<'_>) -> ApiResult<Vec<DealTerms>> {
        self.0.read(C::Row)?;
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
        let row = self.0.read(C::Row)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        // A partner reads its money, not the tenant's staff's spiffs.
        let policy = policy(ctx)?;
        let partners_money = policy.partners_money_only();
        let key = DealCommissions {
            deal_id: row.id.clone(),
            size: request.size,
            after: request.cursor,
            partners_money,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(revshare_core::reads::lists::count_of(
            crate::graphql::context::db(ctx)?.conn(),
            revshare_core::ledger::commissions_of_deal(&row.tenant_id, &row.id, partners_money),
        ));
        Ok(connection(
            page,
            total,
            |c| c.id.clone(),
            |row| Commission::seen(policy, row).map(Ready),
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
        let row = self.0.read(C::Row)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = DealEvents {
            deal_id: row.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(revshare_core::reads::lists::count_of(
            crate::graphql::context::db(ctx)?.conn(),
            revshare_core::ledger::events_of_deal(&row.tenant_id, &row.id),
        ));
        let policy = policy(ctx)?;
        Ok(connection(
            page,
            total,
            |e| e.id.clone(),
            |row| Event::seen(policy, row),
        ))
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.updated_at.into())
    }
}

// Reached only through `Deal.customFieldValues`, which checks its scope.

/// The option a deal holds for a custom field.
#[Object]
impl DealFieldValue {
    /// The field.
    async fn custom_field(&self, ctx: &Context<'_>) -> ApiResult<CustomField> {
        required(ctx, &self.0.custom_field_id, CustomFieldId, "custom field").await
    }

    /// The option the deal holds.
    async fn option(&self, ctx: &Context<'_>) -> ApiResult<CustomFieldOption> {
        required(ctx, &self.0.option_id, OptionId, "custom field option").await
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
        let frozen = revshare_core::deals::accrue::frozen_plans(&self.rows)?;
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
        required(ctx, &self.row.plan_id, PlanId, "commission plan").await
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
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// When it was changed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}
