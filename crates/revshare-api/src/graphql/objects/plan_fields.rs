//! Fields of commission plans: their restrictions, entries and
//! calculations.

use super::{
    Category, CommissionPlan, CustomField, CustomFieldOption, DealStage, Partner, PartnerGroup,
    PaymentCalculation, PeriodRate, PlanCalculation, PlanEntry, PlanSimulation, PlanSimulationLine,
    Scaling, ScalingTier, Seen, required, stage,
};
use crate::graphql::context::{loader, policy};
use crate::graphql::enums::{AutoAssignRecipient, PartnerType, PaymentTarget};
use crate::graphql::loaders::DirectoryLoader;
use crate::graphql::loaders::{
    CategoryId, CustomFieldId, GroupId, OptionId, PartnerId, PlanCategoriesOf, PlanGroupsOf,
    PlanPartnersOf,
};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::deals::plans;
use revshare_core::error::{ApiError, ApiResult};
use revshare_engine::plans as engine;

/// The objects `keys` name, in their order, as the caller sees them (a
/// row since gone is left out).
async fn linked<K, O>(ctx: &Context<'_>, keys: Vec<K>) -> ApiResult<Vec<O>>
where
    O: Seen,
    DirectoryLoader: Loader<K, Value = O::Row, Error = ApiError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    O::Row: Send + Sync + Clone + 'static,
{
    let found = loader(ctx)?.load_many(keys.clone()).await?;
    Ok(O::all(
        policy(ctx)?,
        keys.into_iter().filter_map(|k| found.get(&k).cloned()),
    ))
}

/// A deal-stage commission plan: what a deal earns, entry by entry.
#[Object]
impl CommissionPlan {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn label(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Terms)?;
        Ok(&row.label)
    }

    /// The type of partner it is for.
    async fn partner_type(&self) -> ApiResult<PartnerType> {
        let row = self.0.read(C::Terms)?;
        Ok(row.partner_type.into())
    }

    /// Whom it pays: the partnership, or an individual (a spiff).
    async fn payment_target(&self) -> ApiResult<PaymentTarget> {
        let row = self.0.read(C::Terms)?;
        Ok(row.payment_target.into())
    }

    /// Which contact a spiff pays.
    async fn auto_assign_recipient(&self) -> ApiResult<Option<AutoAssignRecipient>> {
        let row = self.0.read(C::Terms)?;
        Ok(row.auto_assign_recipient.map(Into::into))
    }

    /// The currency of its fixed values: they pay deals in it only.
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Terms)?;
        Ok(&row.currency)
    }

    /// Partners in these groups only (none: no restriction).
    async fn groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<PartnerGroup>> {
        let row = self.0.read(C::Setup)?;
        let links = loader(ctx)?.load_one(PlanGroupsOf(row.id.clone())).await?;
        let keys = links
            .unwrap_or_default()
            .into_iter()
            .map(|l| GroupId(l.group_id));
        linked(ctx, keys.collect()).await
    }

    /// Partners in these categories only (none: no restriction).
    async fn categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<Category>> {
        let row = self.0.read(C::Setup)?;
        let links = loader(ctx)?
            .load_one(PlanCategoriesOf(row.id.clone()))
            .await?;
        let keys = links
            .unwrap_or_default()
            .into_iter()
            .map(|l| CategoryId(l.category_id));
        linked(ctx, keys.collect()).await
    }

    /// These partners only (none: no restriction).
    async fn partners(&self, ctx: &Context<'_>) -> ApiResult<Vec<Partner>> {
        let row = self.0.read(C::Setup)?;
        let links = loader(ctx)?
            .load_one(PlanPartnersOf(row.id.clone()))
            .await?;
        let keys = links
            .unwrap_or_default()
            .into_iter()
            .map(|l| PartnerId(l.partner_id));
        linked(ctx, keys.collect()).await
    }

    /// What it pays at each payment stage.
    async fn entries(&self) -> ApiResult<Vec<PlanEntry>> {
        let row = self.0.read(C::Terms)?;
        let entries = plans::entries_of(row)?;
        Ok(entries.entries().iter().cloned().map(PlanEntry).collect())
    }

    /// Set once the plan no longer applies to new deals.
    async fn archived_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Terms)?;
        Ok(row.archived_at.map(DateTime::from))
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Terms)?;
        Ok(row.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Terms)?;
        Ok(row.updated_at.into())
    }
}

// Plan entries are reached only through a plan or a deal's terms, which
// check their scopes.

/// An entry: what the plan pays when a deal reaches its stage.
#[Object]
impl PlanEntry {
    /// The stage (or payments after it) the entry pays at.
    async fn payment_stage(&self, ctx: &Context<'_>) -> ApiResult<DealStage> {
        stage(ctx, &self.0.payment_stage_id).await
    }

    /// What it pays.
    async fn calculation(&self) -> PlanCalculation {
        PlanCalculation(self.0.calculation.clone())
    }
}

/// Exactly one of `oneOff`, `recurring` and `split` is set.
#[Object]
impl PlanCalculation {
    /// A one-off amount when the stage is reached.
    async fn one_off(&self) -> Option<PaymentCalculation> {
        match &self.0 {
            engine::Calculation::OneOff(one_off) => {
                Some(PaymentCalculation::OneOff(one_off.clone()))
            }
            _ => None,
        }
    }

    /// An amount on each payment after the stage.
    async fn recurring(&self) -> Option<PaymentCalculation> {
        match &self.0 {
            engine::Calculation::Recurring(recurring) => {
                Some(PaymentCalculation::Recurring(recurring.clone()))
            }
            _ => None,
        }
    }

    /// A one-off amount, then an amount on each payment.
    async fn split(&self) -> Option<SplitCalculation> {
        match &self.0 {
            engine::Calculation::Split { one_off, recurring } => Some(SplitCalculation {
                one_off: one_off.clone(),
                recurring: recurring.clone(),
            }),
            _ => None,
        }
    }
}

/// A one-off and a recurring part together.
pub struct SplitCalculation {
    one_off: engine::OneOff,
    recurring: engine::Recurring,
}

/// A one-off amount when the stage is reached, then an amount on each payment.
#[Object]
impl SplitCalculation {
    /// The one-off part.
    async fn one_off(&self) -> PaymentCalculation {
        PaymentCalculation::OneOff(self.one_off.clone())
    }

    /// The recurring part.
    async fn recurring(&self) -> PaymentCalculation {
        PaymentCalculation::Recurring(self.recurring.clone())
    }
}

/// A value, its scaling, and for a recurring part its occurrence limit and
/// period rates.
#[Object]
impl PaymentCalculation {
    /// As written: `"10%"` (of the base) or `"500"` (an amount).
    async fn value(&self) -> &str {
        match self {
            PaymentCalculation::OneOff(one_off) => one_off.value.as_str(),
            PaymentCalculation::Recurring(recurring) => recurring.value.as_str(),
        }
    }

    /// The value by the option a deal holds for a field.
    async fn scaling(&self) -> Option<Scaling> {
        match self {
            PaymentCalculation::OneOff(one_off) => one_off.scaling.clone(),
            PaymentCalculation::Recurring(recurring) => recurring.scaling.clone(),
        }
        .map(Scaling)
    }

    /// Recurring: no occurrence past this one (null: no limit).
    async fn number_of_occurrences(&self) -> Option<u32> {
        match self {
            PaymentCalculation::OneOff(_) => None,
            PaymentCalculation::Recurring(recurring) => recurring.number_of_occurrences,
        }
    }

    /// Recurring: values for ranges of occurrences.
    async fn period_rates(&self) -> Vec<PeriodRate> {
        match self {
            PaymentCalculation::OneOff(_) => Vec::new(),
            PaymentCalculation::Recurring(recurring) => recurring
                .period_rates
                .iter()
                .cloned()
                .enumerate()
                .map(|(index, rate)| PeriodRate { rate, index })
                .collect(),
        }
    }
}

/// A value chosen by the option a deal holds for a custom field.
#[Object]
impl Scaling {
    /// The field whose option chooses.
    async fn custom_field(&self, ctx: &Context<'_>) -> ApiResult<CustomField> {
        required(ctx, &self.0.custom_field_id, CustomFieldId, "custom field").await
    }

    /// The value for each option.
    async fn tiers(&self) -> Vec<ScalingTier> {
        self.0.tiers.iter().cloned().map(ScalingTier).collect()
    }
}

/// The value for one option.
#[Object]
impl ScalingTier {
    /// The option.
    async fn option(&self, ctx: &Context<'_>) -> ApiResult<CustomFieldOption> {
        required(ctx, &self.0.option_id, OptionId, "custom field option").await
    }

    /// `"10%"` or `"500"`.
    async fn value(&self) -> &str {
        self.0.value.as_str()
    }
}

/// A value for a range of a recurring calculation's occurrences.
#[Object]
impl PeriodRate {
    /// As given, or the rate's place in the list, from 1.
    async fn period_number(&self) -> u32 {
        self.rate.period_number.unwrap_or(self.index as u32 + 1)
    }

    /// The first occurrence it applies to (from 1).
    async fn start_occurrence(&self) -> u32 {
        self.rate.start_occurrence
    }

    /// The last occurrence it applies to.
    async fn end_occurrence(&self) -> u32 {
        self.rate.end_occurrence
    }

    /// `"10%"` of the payment, or `"500"` in the plan's currency.
    async fn value(&self) -> &str {
        self.rate.value.as_str()
    }

    /// The value by the option a deal holds for a field.
    async fn scaling(&self) -> Option<Scaling> {
        self.rate.scaling.clone().map(Scaling)
    }
}

impl PlanSimulation {
    /// A simulation's schedule, each line with the stage it names.
    pub(crate) fn of(
        policy: &revshare_core::auth::access::Policy,
        result: revshare_core::deals::simulate::Simulation,
    ) -> ApiResult<PlanSimulation> {
        let mut lines = Vec::with_capacity(result.lines.len());
        for line in result.lines {
            let stage = result
                .stages
                .get(&line.stage_id)
                .cloned()
                .ok_or_else(|| ApiError::internal("simulated stage", &line.stage_id))?;
            lines.push(PlanSimulationLine {
                trigger: line.trigger.into(),
                stage: DealStage::seen(policy, stage).ok_or(ApiError::Internal)?,
                entry_index: line.entry_index as u32,
                occurrence: line.occurrence,
                value: line.applied.value.as_str().to_owned(),
                value_source: line.applied.source.into(),
                base: Decimal::from(line.base),
                amount: Decimal::from(line.amount),
            });
        }
        Ok(PlanSimulation {
            lines,
            total: Decimal::from(result.total),
            currency: result.currency.code().to_owned(),
        })
    }
}
