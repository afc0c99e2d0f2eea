//! A sale's lines in GraphQL (SPEC §32): what `recordEvent` and a
//! simulation take (`EventLineInput`, the customer, the partner), and what
//! an event and its commission answer (`Event.lines`, `Commission.lines`).

use super::enums::PartnerType;
use super::scalars::Decimal;
use async_graphql::{Enum, InputObject, Json, SimpleObject};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::lines::{CustomerFacts, Earned, SaleLine};

/// How often a line's plan bills.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanInterval {
    /// Billed every day.
    Day,
    /// Billed every week.
    Week,
    /// Billed every month.
    Month,
    /// Billed every year.
    Year,
    /// Billed once (hardware, a setup fee).
    OneTime,
}

impl PlanInterval {
    fn stored(self) -> &'static str {
        match self {
            PlanInterval::Day => "DAY",
            PlanInterval::Week => "WEEK",
            PlanInterval::Month => "MONTH",
            PlanInterval::Year => "YEAR",
            PlanInterval::OneTime => "ONE_TIME",
        }
    }

    fn of(stored: &str) -> Option<PlanInterval> {
        Some(match stored {
            "DAY" => PlanInterval::Day,
            "WEEK" => PlanInterval::Week,
            "MONTH" => PlanInterval::Month,
            "YEAR" => PlanInterval::Year,
            "ONE_TIME" => PlanInterval::OneTime,
            _ => return None,
        })
    }
}

/// One line of a sale: what was sold and for how much.
#[derive(InputObject)]
pub struct EventLineInput {
    /// Unique within the event; default: its position, "1", "2", ….
    pub external_id: Option<String>,
    /// The product sold.
    pub product_id: String,
    /// The price it was sold at.
    pub price_id: Option<String>,
    /// How often its plan bills.
    pub plan_interval: Option<PlanInterval>,
    /// How many (1 or more).
    #[graphql(default = 1)]
    pub quantity: i32,
    /// Net of the line's discounts; at least 0. The lines sum exactly to
    /// the event's amount.
    pub amount: Decimal,
    /// The line's coupon or promotion code.
    pub coupon_code: Option<String>,
    /// A flat object of strings, numbers and booleans (at most 2 KiB).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// Converts lines as sent, each error naming `{prefix}.lines[i].field`.
pub fn sale_lines(prefix: &str, lines: Option<Vec<EventLineInput>>) -> ApiResult<Vec<SaleLine>> {
    lines
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let at = |field: &str| format!("{prefix}.lines[{i}].{field}");
            Ok(SaleLine {
                external_id: line.external_id.unwrap_or_else(|| (i + 1).to_string()),
                product_id: line.product_id,
                price_id: line.price_id,
                plan_interval: line.plan_interval.map(|p| p.stored().to_owned()),
                quantity: u32::try_from(line.quantity)
                    .ok()
                    .filter(|q| *q >= 1)
                    .ok_or_else(|| ApiError::bad_input(at("quantity"), "must be at least 1"))?,
                amount: line.amount.value(&at("amount"))?,
                coupon_code: line.coupon_code,
                metadata: line.metadata.map(|m| m.0),
            })
        })
        .collect()
}

/// What an event says of its customer: kept on the customer, the newest
/// sent winning.
#[derive(InputObject)]
pub struct EventCustomerInput {
    /// ISO 3166-1 alpha-2 (`DE`).
    pub country: Option<String>,
    /// A flat object of strings, numbers and booleans (at most 2 KiB).
    pub attributes: Option<Json<serde_json::Value>>,
}

impl EventCustomerInput {
    pub fn facts(self) -> CustomerFacts {
        CustomerFacts {
            country: self.country.map(|c| c.trim().to_uppercase()),
            attributes: self.attributes.map(|a| a.0),
        }
    }
}

/// One line of a sale, as recorded.
#[derive(SimpleObject)]
pub struct EventLine {
    /// Unique within its event.
    pub external_id: String,
    /// The product sold; null for the one line of a sale sent without lines.
    pub product_id: Option<String>,
    /// The price it was sold at.
    pub price_id: Option<String>,
    /// How often its plan bills.
    pub plan_interval: Option<PlanInterval>,
    /// How many.
    pub quantity: u32,
    /// Net of the line's discounts, in the event's currency.
    pub amount: Decimal,
    /// The line's coupon or promotion code.
    pub coupon_code: Option<String>,
    /// As sent.
    pub metadata: Option<Json<serde_json::Value>>,
    /// What refunds have taken off it so far, in the event's currency
    /// (SPEC §32); null on a commission's copy of the line (read the
    /// event's).
    pub refunded: Option<Decimal>,
}

impl From<SaleLine> for EventLine {
    fn from(line: SaleLine) -> Self {
        EventLine {
            external_id: line.external_id,
            product_id: Some(line.product_id),
            price_id: line.price_id,
            plan_interval: line.plan_interval.as_deref().and_then(PlanInterval::of),
            quantity: line.quantity,
            amount: line.amount.into(),
            coupon_code: line.coupon_code,
            metadata: line.metadata.map(Json),
            refunded: None,
        }
    }
}

/// An event's stored lines (none for an event sent without lines), each
/// with what refunds have taken off it.
pub fn event_lines(stored: Option<&str>, refunded: Option<&str>) -> ApiResult<Vec<EventLine>> {
    let Some(stored) = stored else {
        return Ok(Vec::new());
    };
    let lines: Vec<SaleLine> =
        serde_json::from_str(stored).map_err(|e| ApiError::internal("event lines", e))?;
    let refunded = revshare_core::ledger::line_refunds::refunded(refunded)?;
    Ok(lines
        .into_iter()
        .map(|line| {
            // Nothing refunded reads at the line's own scale ("0.00").
            let mut taken = refunded.get(&line.external_id).copied().unwrap_or_default();
            taken.rescale(taken.scale().max(line.amount.scale()));
            EventLine {
                refunded: Some(taken.into()),
                ..EventLine::from(line)
            }
        })
        .collect())
}

/// How one line of a sale earned.
#[derive(SimpleObject)]
pub struct CommissionLine {
    /// The line.
    pub line: EventLine,
    /// The rule that set its base: its description, or its type.
    pub rule: String,
    /// The conditional rule's condition, in words (null when none
    /// matched).
    pub condition: Option<String>,
    /// The percentage applied (null for a flat amount or nothing).
    pub percentage: Option<Decimal>,
    /// The line's share of the commission.
    pub amount: Decimal,
}

/// A commission's stored lines in `currency`, each with its line as its
/// `event` sold it — the one line of a sale sent without lines, the whole
/// amount (none kept: none).
pub fn commission_lines(
    stored: Option<&str>,
    event: &entity::event::Model,
    currency: &str,
) -> ApiResult<Vec<CommissionLine>> {
    let Some(stored) = stored else {
        return Ok(Vec::new());
    };
    let earned: Vec<Earned> =
        serde_json::from_str(stored).map_err(|e| ApiError::internal("commission lines", e))?;
    let sold: Vec<SaleLine> = match event.lines.as_deref() {
        Some(sold) => {
            serde_json::from_str(sold).map_err(|e| ApiError::internal("event lines", e))?
        }
        None => Vec::new(),
    };
    let whole = revshare_engine::Currency::parse(&event.currency)
        .map_err(|e| ApiError::internal("event currency", e))?
        .from_minor(event.amount_minor);
    explained(earned, &sold, whole, currency)
}

/// The one line of a sale sent without lines (SPEC §32): no product, the
/// whole `amount`.
fn whole_line(amount: rust_decimal::Decimal) -> EventLine {
    EventLine {
        external_id: revshare_core::ledger::lines::WHOLE_LINE.to_owned(),
        product_id: None,
        price_id: None,
        plan_interval: None,
        quantity: 1,
        amount: amount.into(),
        coupon_code: None,
        metadata: None,
        refunded: None,
    }
}

/// How lines earned, their shares in `currency`, each with its line of
/// `sold` (none: the one line of the `whole` sale).
fn explained(
    earned: Vec<Earned>,
    sold: &[SaleLine],
    whole: rust_decimal::Decimal,
    currency: &str,
) -> ApiResult<Vec<CommissionLine>> {
    let currency = revshare_engine::Currency::parse(currency)
        .map_err(|e| ApiError::internal("commission currency", e))?;
    let by_id: std::collections::HashMap<&str, &SaleLine> =
        sold.iter().map(|l| (l.external_id.as_str(), l)).collect();
    earned
        .into_iter()
        .map(|earned| {
            let line = match by_id.get(earned.line.as_str()) {
                Some(line) => EventLine::from((*line).clone()),
                None if sold.is_empty() => whole_line(whole),
                None => return Err(ApiError::internal("commission line", &earned.line)),
            };
            Ok(CommissionLine {
                line,
                rule: earned.rule,
                condition: earned.condition,
                percentage: earned.percentage.map(Into::into),
                amount: currency.from_minor(earned.amount_minor).into(),
            })
        })
        .collect()
}

/// The partner a simulation pays (SPEC §32): what conditions read of it.
#[derive(InputObject, Default)]
pub struct SimulationPartnerInput {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Its tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Its type.
    #[graphql(name = "type")]
    pub partner_type: Option<PartnerType>,
    /// Its categories, by id (a condition matches an id or a name: a
    /// simulation names each by its id).
    #[graphql(default)]
    pub category_ids: Vec<String>,
}

/// What a simulation says of its sale beside the charge (SPEC §32).
pub struct Simulated<'a> {
    pub lines: Option<&'a [EventLineInput]>,
    pub customer: Option<&'a EventCustomerInput>,
    pub partner: Option<&'a SimulationPartnerInput>,
    pub sale_is_first: bool,
    /// The event's metadata, as `recordEvent` takes it.
    pub metadata: Option<&'a serde_json::Value>,
}

/// A simulation's evaluation (SPEC §32): its lines, customer and partner
/// read by the conditions as the ledger reads a recorded sale's, and how
/// each line earned.
pub fn simulated(
    rules: &revshare_engine::RuleSet,
    simulated: Simulated<'_>,
    charge: &revshare_engine::Charge,
    currency: revshare_engine::Currency,
) -> ApiResult<(revshare_engine::Evaluation, Vec<CommissionLine>)> {
    use revshare_core::ledger::lines;
    let sent = sale_lines(
        "simulation",
        simulated
            .lines
            .map(|l| l.iter().map(EventLineInput::copy).collect()),
    )?;
    lines::check("simulation", &sent, charge.amount, Some(currency))?;
    let customer = simulated
        .customer
        .map(|c| EventCustomerInput::facts(c.copy()))
        .unwrap_or_default();
    lines::check_customer("simulation", &customer)?;
    let default = SimulationPartnerInput::default();
    let partner = simulated.partner.unwrap_or(&default);
    let partner_country = revshare_core::directory::partners::check_country(
        partner.country.as_deref(),
    )
    .map_err(|_| {
        ApiError::bad_input(
            "simulation.partner.country",
            "must be an ISO 3166-1 alpha-2 country code (US, DE, JP)",
        )
    })?;
    let max = revshare_core::ledger::accrual::MAX_METADATA_BYTES;
    if let Some(metadata) = simulated.metadata
        && metadata.to_string().len() > max
    {
        return Err(ApiError::bad_input(
            "simulation.metadata",
            format!("must be at most {max} bytes of JSON"),
        ));
    }
    let facts = revshare_engine::Facts {
        sale_amount: charge.amount,
        is_first: simulated.sale_is_first,
        customer_month: charge.customer_month,
        customer_country: customer.country.clone(),
        customer_attributes: lines::fields(customer.attributes.as_ref()),
        partner_country,
        partner_tags: revshare_core::directory::groups::check_tags(
            "simulation.partner.tags",
            &partner.tags,
        )?,
        partner_type: partner
            .partner_type
            .map(|t| entity::enums::PartnerType::from(t).as_str().to_owned()),
        partner_categories: partner
            .category_ids
            .iter()
            .map(|id| (id.clone(), id.clone()))
            .collect(),
        metadata: lines::fields(simulated.metadata),
    };
    let engine_lines = lines::engine_lines(&sent, charge.amount, charge.amount);
    let evaluation = rules.evaluate_sale(charge, &facts, &engine_lines, currency);
    let fee_minor = currency
        .to_minor(evaluation.fee)
        .map_err(|e| ApiError::internal("simulated fee", e))?;
    // A sale's lines, as the ledger explains them: one, the whole charge,
    // for a sale given without lines; a lead's none.
    let earned = match charge.kind {
        revshare_engine::EventKind::Lead => Vec::new(),
        revshare_engine::EventKind::Sale => {
            lines::earned(rules, &evaluation, &sent, currency, fee_minor)
        }
    };
    // The whole charge at the currency's scale, as the ledger reads it.
    let whole = currency
        .to_minor(charge.amount)
        .map_or(charge.amount, |minor| currency.from_minor(minor));
    let explained = explained(earned, &sent, whole, currency.code())?;
    Ok((evaluation, explained))
}

impl EventLineInput {
    /// The same line (a simulation's input is read, not taken).
    fn copy(&self) -> EventLineInput {
        EventLineInput {
            external_id: self.external_id.clone(),
            product_id: self.product_id.clone(),
            price_id: self.price_id.clone(),
            plan_interval: self.plan_interval,
            quantity: self.quantity,
            amount: self.amount,
            coupon_code: self.coupon_code.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

impl EventCustomerInput {
    fn copy(&self) -> EventCustomerInput {
        EventCustomerInput {
            country: self.country.clone(),
            attributes: self.attributes.clone(),
        }
    }
}
