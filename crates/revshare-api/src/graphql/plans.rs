//! The commission-plan vocabulary as input (SPEC §10): `CommissionPlanInput`
//! and its `@oneOf` `PlanCalculationInput`, turned into the engine's
//! validated [`Entries`] with every error naming its full input path
//! (`input.entries[1].calculation.recurring.periodRates[0].endOccurrence`).

use super::enums::{AutoAssignRecipient, PartnerType, PaymentTarget};
use super::scalars::Decimal;
use async_graphql::{ID, InputObject, OneofObject};
use revshare_core::error::{ApiError, ApiResult};
use revshare_engine::Currency;
use revshare_engine::plans::{
    Calculation, EXTRA_DECIMALS, Entries, Entry, OneOff, PeriodRate, PlanValue, Recurring, Scaling,
    ScalingTier,
};

/// Replaces a value by the tier of the option a deal holds for a field.
#[derive(InputObject)]
pub struct ScalingInput {
    /// The field whose option chooses.
    pub custom_field_id: ID,
    /// The value for each option.
    pub tiers: Vec<ScalingTierInput>,
}

/// The value for one option of a scaling's field.
#[derive(InputObject)]
pub struct ScalingTierInput {
    /// The option.
    pub option_id: ID,
    /// `"10%"` or `"500"`.
    pub value: String,
}

/// A value for occurrences `startOccurrence..=endOccurrence` (from 1).
#[derive(InputObject)]
pub struct PeriodRateInput {
    /// A label for the period (seed 001's `periodNumber`); omitted: its place
    /// in the list, from 1.
    pub period_number: Option<i32>,
    /// The first occurrence it applies to (from 1).
    pub start_occurrence: i32,
    /// The last occurrence it applies to.
    pub end_occurrence: i32,
    /// `"10%"` of the payment, or `"500"` in the plan's currency.
    pub value: String,
    /// The value by the option a deal holds for a field.
    pub scaling: Option<ScalingInput>,
}

/// Paid once, when the deal first reaches the entry's stage.
#[derive(InputObject)]
pub struct OneOffCalculationInput {
    /// `"10%"` of the deal's amount, or `"500"`.
    pub value: String,
    /// The value by the option a deal holds for a field (omitted: `value` for
    /// every deal).
    pub scaling: Option<ScalingInput>,
}

/// One occurrence per deal payment after the entry's stage is reached.
#[derive(InputObject)]
pub struct RecurringCalculationInput {
    /// `"5%"` of each payment, or `"100"` per payment.
    pub value: String,
    /// The value by the option a deal holds for a field (omitted: `value` for
    /// every deal).
    pub scaling: Option<ScalingInput>,
    /// No occurrence past this one; omitted: no limit.
    pub number_of_occurrences: Option<i32>,
    /// Other values for ranges of occurrences.
    #[graphql(default)]
    pub period_rates: Vec<PeriodRateInput>,
}

/// A one-off amount when the stage is reached, then an amount on each payment.
#[derive(InputObject)]
pub struct SplitCalculationInput {
    /// The one-off part.
    pub one_off: OneOffCalculationInput,
    /// The recurring part.
    pub recurring: RecurringCalculationInput,
}

/// Set exactly one field.
#[derive(OneofObject)]
pub enum PlanCalculationInput {
    /// A one-off amount when the stage is reached.
    OneOff(OneOffCalculationInput),
    /// An amount on each payment after the stage.
    Recurring(RecurringCalculationInput),
    /// A one-off amount, then an amount on each payment.
    Split(SplitCalculationInput),
}

/// What a plan pays at one payment stage.
#[derive(InputObject)]
pub struct PlanEntryInput {
    /// The stage the entry pays at.
    pub payment_stage_id: ID,
    /// What it pays.
    pub calculation: PlanCalculationInput,
}

/// A new plan (or, for a simulation, an unsaved one).
#[derive(InputObject)]
pub struct CommissionPlanInput {
    /// Its name.
    pub label: String,
    /// The type of partner it is for.
    pub partner_type: PartnerType,
    /// Whom it pays: the partnership, or an individual (a spiff).
    #[graphql(default)]
    pub payment_target: PaymentTarget,
    /// Required for `INDIVIDUAL` plans, refused for `PARTNERSHIP` ones.
    pub auto_assign_recipient: Option<AutoAssignRecipient>,
    /// The currency of its fixed values (`"500"`): they pay deals in this
    /// currency only; on a deal in another, such an entry pays nothing and
    /// `Deal.terms` says so. Percentages pay deals in any currency.
    /// Omitted: the tenant's.
    pub currency: Option<String>,
    /// Partners in these groups only (the seeds' "tiers").
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// Only partners in one of these categories (empty: any).
    #[graphql(default)]
    pub category_ids: Vec<ID>,
    /// Only these partners (empty: any).
    #[graphql(default)]
    pub partner_ids: Vec<ID>,
    /// What it pays at each payment stage.
    pub entries: Vec<PlanEntryInput>,
}

/// Omitted fields stay as they are; a restriction list, when given,
/// replaces the current one (empty: no restriction); `entries`, when given,
/// replace them all.
#[derive(InputObject)]
pub struct UpdateCommissionPlanInput {
    /// A new name.
    pub label: Option<String>,
    /// A new partner type.
    pub partner_type: Option<PartnerType>,
    /// A new payment target.
    pub payment_target: Option<PaymentTarget>,
    /// A new way to name a spiff's payee.
    pub auto_assign_recipient: async_graphql::MaybeUndefined<AutoAssignRecipient>,
    /// Deals that froze the plan keep the currency they froze.
    pub currency: Option<String>,
    /// New groups it is restricted to.
    pub group_ids: Option<Vec<ID>>,
    /// New categories it is restricted to.
    pub category_ids: Option<Vec<ID>>,
    /// New partners it is restricted to.
    pub partner_ids: Option<Vec<ID>>,
    /// New entries, replacing every entry.
    pub entries: Option<Vec<PlanEntryInput>>,
}

/// A deal to simulate a plan on: each simulated payment is its amount.
#[derive(InputObject)]
pub struct DealSimulationInput {
    /// The deal's amount (each simulated payment is this too).
    pub amount: Decimal,
    /// Omitted: the tenant's currency.
    pub currency: Option<String>,
    /// The option it holds for each custom field.
    #[graphql(default)]
    pub custom_field_values: Vec<CustomFieldValueInput>,
}

/// The option a deal holds for a custom field.
#[derive(InputObject)]
pub struct CustomFieldValueInput {
    /// The field.
    pub custom_field_id: ID,
    /// The option the deal holds.
    pub option_id: ID,
}

/// Turns entries into the engine's, validated; errors name their path
/// under `prefix` (the argument: `input`, or `plan` for a simulation).
/// `currency` (the tenant's) bounds a value's decimals: its own plus
/// [`EXTRA_DECIMALS`].
pub fn entries(input: Vec<PlanEntryInput>, currency: Currency, prefix: &str) -> ApiResult<Entries> {
    let decimals = currency.minor_units() + EXTRA_DECIMALS;
    let mut entries = Vec::with_capacity(input.len());
    for (i, entry) in input.into_iter().enumerate() {
        let at = format!("{prefix}.entries[{i}].calculation");
        let calculation = match entry.calculation {
            PlanCalculationInput::OneOff(one_off) => {
                Calculation::OneOff(one_off_of(&format!("{at}.oneOff"), one_off, decimals)?)
            }
            PlanCalculationInput::Recurring(recurring) => Calculation::Recurring(recurring_of(
                &format!("{at}.recurring"),
                recurring,
                decimals,
            )?),
            PlanCalculationInput::Split(split) => Calculation::Split {
                one_off: one_off_of(&format!("{at}.split.oneOff"), split.one_off, decimals)?,
                recurring: recurring_of(
                    &format!("{at}.split.recurring"),
                    split.recurring,
                    decimals,
                )?,
            },
        };
        entries.push(Entry {
            payment_stage_id: entry.payment_stage_id.0,
            calculation,
        });
    }
    Entries::new(entries)
        .map_err(|e| ApiError::bad_input(format!("{prefix}.{}", e.path), e.message))
}

fn value_of(path: &str, text: &str, decimals: u32) -> ApiResult<PlanValue> {
    PlanValue::parse(text, decimals).map_err(|message| ApiError::bad_input(path, message))
}

fn count(path: &str, value: i32) -> ApiResult<u32> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| ApiError::bad_input(path, "must be at least 1"))
}

fn scaling_of(
    path: &str,
    input: Option<ScalingInput>,
    decimals: u32,
) -> ApiResult<Option<Scaling>> {
    let Some(input) = input else {
        return Ok(None);
    };
    let tiers = input
        .tiers
        .into_iter()
        .enumerate()
        .map(|(i, tier)| {
            Ok(ScalingTier {
                option_id: tier.option_id.0,
                value: value_of(
                    &format!("{path}.scaling.tiers[{i}].value"),
                    &tier.value,
                    decimals,
                )?,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Some(Scaling {
        custom_field_id: input.custom_field_id.0,
        tiers,
    }))
}

fn one_off_of(path: &str, input: OneOffCalculationInput, decimals: u32) -> ApiResult<OneOff> {
    Ok(OneOff {
        value: value_of(&format!("{path}.value"), &input.value, decimals)?,
        scaling: scaling_of(path, input.scaling, decimals)?,
    })
}

fn recurring_of(
    path: &str,
    input: RecurringCalculationInput,
    decimals: u32,
) -> ApiResult<Recurring> {
    let mut period_rates = Vec::with_capacity(input.period_rates.len());
    for (i, rate) in input.period_rates.into_iter().enumerate() {
        let at = format!("{path}.periodRates[{i}]");
        period_rates.push(PeriodRate {
            period_number: rate
                .period_number
                .map(|n| count(&format!("{at}.periodNumber"), n))
                .transpose()?,
            start_occurrence: count(&format!("{at}.startOccurrence"), rate.start_occurrence)?,
            end_occurrence: count(&format!("{at}.endOccurrence"), rate.end_occurrence)?,
            value: value_of(&format!("{at}.value"), &rate.value, decimals)?,
            scaling: scaling_of(&at, rate.scaling, decimals)?,
        });
    }
    Ok(Recurring {
        value: value_of(&format!("{path}.value"), &input.value, decimals)?,
        scaling: scaling_of(path, input.scaling, decimals)?,
        number_of_occurrences: input
            .number_of_occurrences
            .map(|n| count(&format!("{path}.numberOfOccurrences"), n))
            .transpose()?,
        period_rates,
    })
}
