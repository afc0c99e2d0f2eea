//! What a plan would pay a deal, writing nothing: the deal moves through
//! every stage of the pipeline, then receives `payments` payments of its
//! amount (SPEC §8, `simulateCommissionPlan`).

use super::deal::check_field_values;
use super::moves::positive_minor;
use super::pipeline;
use crate::campaigns;
use crate::engine::Currency;
use crate::engine::plans::{Entries, ScheduleLine, ValueKind, schedule};
use crate::error::{ApiError, ApiResult};
use entity::deal_stage;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// Most payments one simulation plays (twenty years of monthly payments).
pub const MAX_SIMULATED_PAYMENTS: i32 = 240;

/// The deal a plan is simulated on.
pub struct SimulatedDeal {
    pub amount: Decimal,
    /// Omitted: the tenant's currency.
    pub currency: Option<String>,
    pub field_values: Vec<(String, String)>,
}

/// The plan tried: given whole (its entries checked against the tenant's
/// pipeline here), or one of the tenant's saved plans by id.
pub enum Tried {
    Given(Entries, Currency),
    Saved(String),
}

impl Tried {
    /// The entries and their currency. Errors name `plan` and `planId`.
    pub async fn entries(
        self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
    ) -> ApiResult<(Entries, Currency)> {
        match self {
            Tried::Given(entries, currency) => {
                super::plans::check_entries(conn, tenant_id, &entries, "plan").await?;
                Ok((entries, currency))
            }
            Tried::Saved(id) => {
                let found = super::plans::find(conn, tenant_id, &id)
                    .await?
                    .ok_or_else(|| ApiError::bad_input("planId", "no such commission plan"))?;
                let currency = campaigns::check_currency("planId", &found.currency)?;
                Ok((super::plans::entries_of(&found)?, currency))
            }
        }
    }
}

pub struct Simulation {
    pub lines: Vec<ScheduleLine>,
    pub total: Decimal,
    pub currency: Currency,
    /// The stages the lines name, by id.
    pub stages: HashMap<String, deal_stage::Model>,
}

/// The schedule of `entries` (whose fixed values are in `plan_currency`)
/// for `deal` over the tenant's pipeline and `payments` payments: a fixed
/// value pays a deal in another currency nothing. Errors name `deal.…` and
/// `payments`.
pub async fn simulate(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    tenant_currency: Currency,
    (entries, plan_currency): (&Entries, Currency),
    deal: SimulatedDeal,
    payments: i32,
) -> ApiResult<Simulation> {
    if !(0..=MAX_SIMULATED_PAYMENTS).contains(&payments) {
        return Err(ApiError::bad_input(
            "payments",
            format!("must be between 0 and {MAX_SIMULATED_PAYMENTS}"),
        ));
    }
    let currency = match &deal.currency {
        Some(code) => campaigns::check_currency("deal.currency", code)?,
        None => tenant_currency,
    };
    positive_minor("deal.amount", deal.amount, currency)?;
    let options = check_field_values(conn, tenant_id, &deal.field_values, "deal").await?;
    let stages = pipeline::stages(conn, tenant_id, false).await?;
    let order: Vec<String> = stages.iter().map(|s| s.id.clone()).collect();
    let mut lines = schedule(
        entries,
        &order,
        deal.amount,
        currency,
        &options,
        payments as u32,
    );
    if plan_currency != currency {
        lines.retain(|line| !matches!(line.applied.value.kind(), ValueKind::Fixed(_)));
    }
    let total = lines.iter().map(|line| line.amount).sum();
    Ok(Simulation {
        lines,
        total,
        currency,
        stages: stages.into_iter().map(|s| (s.id.clone(), s)).collect(),
    })
}
