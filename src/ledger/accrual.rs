//! Accrual: an event becomes (at most) one commission, exactly once.
//!
//! In one transaction: lock the partner (PostgreSQL; SQLite writes are
//! serialized), look for the event's `externalId` — the same payload returns
//! the original result as a duplicate, another payload is `CONFLICT` — then
//! load the engine's inputs from the partner's stored history, evaluate the
//! terms in force, and write the event, the commission and the customer's new
//! totals. Because every delivery of one partner's events takes the same lock
//! first, concurrent deliveries of one event see each other: one writes, the
//! others find it.

use super::{BreakdownEntry, CommissionKind, CommissionStatus};
use crate::campaigns::enrollment::{self, Terms};
use crate::campaigns::{self, CampaignStatus};
use crate::db::Db;
use crate::directory::partners::{self, PartnerStatus};
use crate::engine::{Charge, Currency, EventKind, RuleSet, RuleType, customer_month};
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::input;
use chrono::{DateTime, Utc};
use entity::{campaign, commission, customer, event, partner};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

/// Most events one `recordEvents` call takes.
pub const MAX_BATCH: usize = 1000;
/// Largest `metadata` accepted, as JSON text.
pub const MAX_METADATA_BYTES: usize = 4096;

#[derive(Debug, Clone)]
pub enum PartnerRef {
    Id(String),
    ExternalId(String),
}

/// An event as a client sent it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub external_id: String,
    pub partner: PartnerRef,
    pub campaign_id: Option<String>,
    pub customer_external_id: Option<String>,
    pub customer_acquired_at: Option<DateTime<Utc>>,
    pub kind: EventKind,
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub revenue: Option<Decimal>,
    pub metadata: Option<serde_json::Value>,
}

pub struct Recorded {
    pub event: event::Model,
    pub commissions: Vec<commission::Model>,
    pub duplicate: bool,
}

impl NewEvent {
    /// The canonical text of the payload, compared on redelivery. Decimals are
    /// normalized, so `12.0` and `12` are the same payload.
    fn payload(&self) -> String {
        let partner = match &self.partner {
            PartnerRef::Id(id) => serde_json::json!({ "id": id }),
            PartnerRef::ExternalId(id) => serde_json::json!({ "externalId": id }),
        };
        serde_json::json!({
            "partner": partner,
            "campaignId": self.campaign_id,
            "customerExternalId": self.customer_external_id,
            "customerAcquiredAt": self.customer_acquired_at.map(|t| t.to_rfc3339()),
            "kind": format!("{:?}", self.kind),
            "amount": self.amount.normalize().to_string(),
            "currency": self.currency,
            "occurredAt": self.occurred_at.map(|t| t.to_rfc3339()),
            "revenue": self.revenue.map(|r| r.normalize().to_string()),
            "metadata": self.metadata,
        })
        .to_string()
    }
}

fn bad(prefix: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_input(format!("{prefix}.{field}"), message)
}

/// Amount checks that need no database: sign, size, precision.
fn minor_units(prefix: &str, field: &str, amount: Decimal, currency: Currency) -> ApiResult<i64> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(bad(
            prefix,
            field,
            "must not be negative (record a refund instead)",
        ));
    }
    currency
        .to_minor(amount)
        .map_err(|e| bad(prefix, field, e.to_string()))
}

/// Records one event in its own transaction.
pub async fn record(db: &Db, tenant_id: &str, prefix: &str, new: NewEvent) -> ApiResult<Recorded> {
    let txn = db.write().await?;
    let recorded = record_in(&*txn, tenant_id, prefix, new).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Records a batch: each event in a savepoint of one transaction, so a bad
/// item is rolled back alone and never blocks the others.
pub async fn record_batch(
    db: &Db,
    tenant_id: &str,
    events: Vec<NewEvent>,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    if events.len() > MAX_BATCH {
        return Err(ApiError::bad_input(
            "input",
            format!("must have at most {MAX_BATCH} events"),
        ));
    }
    let txn = db.write().await?;
    let mut results = Vec::with_capacity(events.len());
    for (i, new) in events.into_iter().enumerate() {
        let savepoint = txn.begin().await?;
        match record_in(&savepoint, tenant_id, &format!("input[{i}]"), new).await {
            Ok(recorded) => {
                savepoint.commit().await?;
                results.push(Ok(recorded));
            }
            Err(err) => {
                savepoint.rollback().await?;
                results.push(Err(err));
            }
        }
    }
    txn.commit().await?;
    Ok(results)
}

async fn record_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    prefix: &str,
    new: NewEvent,
) -> ApiResult<Recorded> {
    let external_id = input::required_text(&format!("{prefix}.externalId"), &new.external_id, 128)?;
    let payload = new.payload();
    let customer_external_id = input::optional_text(
        &format!("{prefix}.customerExternalId"),
        new.customer_external_id.as_deref(),
        128,
    )?;
    if let Some(metadata) = &new.metadata
        && metadata.to_string().len() > MAX_METADATA_BYTES
    {
        return Err(bad(
            prefix,
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }

    let partner = find_partner(conn, tenant_id, prefix, &new.partner).await?;
    // Serializes accrual per partner: the history read below stays true
    // until commit, and redeliveries of one event queue behind each other.
    partner::Entity::find_by_id(partner.id.clone())
        .lock_exclusive()
        .one(conn)
        .await?;

    if let Some(existing) = find_event(conn, tenant_id, &external_id).await? {
        return duplicate(conn, existing, &payload).await;
    }
    if partners::PartnerStatus::of(&partner)? != PartnerStatus::Active {
        return Err(bad(prefix, "partnerId", "the partner is not active"));
    }
    let campaign = match &new.campaign_id {
        Some(id) => campaigns::find(conn, tenant_id, id)
            .await?
            .ok_or_else(|| bad(prefix, "campaignId", "no such campaign"))?,
        None => campaigns::default_campaign(conn, tenant_id).await?,
    };
    if campaign.status != CampaignStatus::Active.as_str() {
        return Err(bad(prefix, "campaignId", "the campaign is not active"));
    }
    let currency = campaigns::check_currency(&format!("{prefix}.currency"), &campaign.currency)?;
    if let Some(code) = &new.currency
        && code != currency.code()
    {
        return Err(bad(
            prefix,
            "currency",
            format!("must be the campaign's currency, {}", campaign.currency),
        ));
    }
    let amount_minor = minor_units(prefix, "amount", new.amount, currency)?;
    let revenue_minor = new
        .revenue
        .map(|r| minor_units(prefix, "revenue", r, currency))
        .transpose()?;
    if new.kind == EventKind::Sale && amount_minor == 0 {
        return Err(bad(prefix, "amount", "must be greater than 0 for a sale"));
    }
    if new.kind == EventKind::Sale && customer_external_id.is_none() {
        return Err(bad(prefix, "customerExternalId", "is required for a sale"));
    }
    if !campaign.is_default && !enrollment::is_enrolled(conn, &partner.id, &campaign.id).await? {
        return Err(bad(
            prefix,
            "campaignId",
            "the partner is not enrolled in this campaign",
        ));
    }

    let now = Utc::now();
    let occurred_at = new.occurred_at.unwrap_or(now);
    let customer = match &customer_external_id {
        Some(external) => Some(
            find_or_create_customer(
                conn,
                &partner,
                prefix,
                external,
                currency,
                new.customer_acquired_at.unwrap_or(occurred_at),
                now,
            )
            .await?,
        ),
        None => None,
    };

    let event = event::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        external_id: Set(external_id),
        partner_id: Set(partner.id.clone()),
        campaign_id: Set(campaign.id.clone()),
        customer_id: Set(customer.as_ref().map(|c| c.id.clone())),
        kind: Set(kind_name(new.kind).to_owned()),
        amount_minor: Set(amount_minor),
        currency: Set(currency.code().to_owned()),
        occurred_at: Set(occurred_at),
        revenue_minor: Set(revenue_minor),
        metadata: Set(new.metadata),
        payload: Set(payload),
        refunded_minor: Set(0),
        recorded_at: Set(now),
    };
    let event = event::Entity::insert(event)
        .exec_with_returning(conn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                // Another delivery with this externalId (for another partner) won.
                ApiError::Conflict(
                    "an event with this externalId was recorded with another payload".into(),
                )
            } else {
                e.into()
            }
        })?;

    let terms = enrollment::terms_in_force(conn, &partner, &campaign).await?;
    let charge = history(
        conn,
        &partner,
        customer.as_ref(),
        &new.kind,
        amount_minor,
        currency,
        occurred_at,
    )
    .await?;
    let evaluation = terms.rules.evaluate(&charge, currency);
    let fee_minor = currency
        .to_minor(evaluation.fee)
        .map_err(|e| ApiError::internal("fee", e))?;

    if let Some(customer) = &customer
        && new.kind == EventKind::Sale
    {
        customer::Entity::update_many()
            .col_expr(
                customer::Column::NetMinor,
                Expr::col(customer::Column::NetMinor).add(amount_minor),
            )
            .col_expr(
                customer::Column::ThresholdBonusPaid,
                Expr::value(customer.threshold_bonus_paid || evaluation.threshold_bonus_paid),
            )
            .filter(customer::Column::Id.eq(customer.id.as_str()))
            .exec(conn)
            .await?;
    }

    let mut commissions = Vec::new();
    // An event that earns nothing leaves no commission row; the event itself
    // records that it was evaluated.
    if fee_minor != 0 {
        let breakdown = breakdown(&terms.rules, &evaluation.breakdown);
        commissions.push(
            insert_commission(
                conn, &partner, &campaign, &event, &terms, fee_minor, currency, breakdown, now,
            )
            .await?,
        );
    }
    Ok(Recorded {
        event,
        commissions,
        duplicate: false,
    })
}

fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Sale => "SALE",
        EventKind::Lead => "LEAD",
    }
}

pub fn rule_type_name(rule_type: RuleType) -> &'static str {
    match rule_type {
        RuleType::Recurring => "RECURRING",
        RuleType::NewCustomerTimeTier => "NEW_CUSTOMER_TIME_TIER",
        RuleType::PartnerLtvUpgrade => "PARTNER_LTV_UPGRADE",
        RuleType::ChargeThresholdBonus => "CHARGE_THRESHOLD_BONUS",
        RuleType::QualifiedCustomersUpgrade => "QUALIFIED_CUSTOMERS_UPGRADE",
        RuleType::FirstPaidCustomerBonus => "FIRST_PAID_CUSTOMER_BONUS",
        RuleType::FlatFee => "FLAT_FEE",
    }
}

fn breakdown(rules: &RuleSet, lines: &[crate::engine::BreakdownLine]) -> Vec<BreakdownEntry> {
    lines
        .iter()
        .map(|line| BreakdownEntry {
            rule_index: line.rule_index as u32,
            rule_type: rule_type_name(line.rule_type).to_owned(),
            description: rules.entries()[line.rule_index].description.clone(),
            // Normalized: the charge's scale (299.90) is not part of the result.
            percentage: line.percentage.map(|p| p.normalize()),
            amount: line.amount.normalize(),
        })
        .collect()
}

async fn find_partner(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    prefix: &str,
    reference: &PartnerRef,
) -> ApiResult<partner::Model> {
    let found = match reference {
        PartnerRef::Id(id) => partners::find(conn, tenant_id, id).await?,
        PartnerRef::ExternalId(external) => {
            partner::Entity::find()
                .filter(partner::Column::TenantId.eq(tenant_id))
                .filter(partner::Column::ExternalId.eq(external.as_str()))
                .one(conn)
                .await?
        }
    };
    found.ok_or_else(|| match reference {
        PartnerRef::Id(_) => bad(prefix, "partnerId", "no such partner"),
        PartnerRef::ExternalId(_) => bad(prefix, "partnerExternalId", "no such partner"),
    })
}

pub async fn find_event(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_id: &str,
) -> ApiResult<Option<event::Model>> {
    Ok(event::Entity::find()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?)
}

/// A redelivery: the original result, or `CONFLICT` when the payload differs.
async fn duplicate(
    conn: &impl ConnectionTrait,
    existing: event::Model,
    payload: &str,
) -> ApiResult<Recorded> {
    if existing.payload != payload {
        return Err(ApiError::Conflict(
            "an event with this externalId was recorded with another payload".into(),
        ));
    }
    let commissions = commission::Entity::find()
        .filter(commission::Column::EventId.eq(existing.id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission.as_str()))
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?;
    Ok(Recorded {
        event: existing,
        commissions,
        duplicate: true,
    })
}

async fn find_or_create_customer(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    prefix: &str,
    external_id: &str,
    currency: Currency,
    acquired_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<customer::Model> {
    let existing = customer::Entity::find()
        .filter(customer::Column::TenantId.eq(partner.tenant_id.as_str()))
        .filter(customer::Column::PartnerId.eq(partner.id.as_str()))
        .filter(customer::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?;
    if let Some(customer) = existing {
        if customer.currency != currency.code() {
            return Err(bad(
                prefix,
                "currency",
                format!("this customer is billed in {}", customer.currency),
            ));
        }
        return Ok(customer);
    }
    let customer = customer::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(partner.tenant_id.clone()),
        partner_id: Set(partner.id.clone()),
        external_id: Set(external_id.to_owned()),
        currency: Set(currency.code().to_owned()),
        acquired_at: Set(acquired_at),
        net_minor: Set(0),
        threshold_bonus_paid: Set(false),
        created_at: Set(now),
    };
    Ok(customer::Entity::insert(customer)
        .exec_with_returning(conn)
        .await?)
}

#[derive(sea_orm::FromQueryResult)]
struct PartnerTotals {
    ltv_minor: Option<i64>,
    paying: Option<i64>,
}

/// The engine's inputs from the partner's history before this event, in the
/// event's currency: LTV (net charges of all its customers), paying customers
/// (net-positive), whether this is the first paying customer's first charge.
async fn history(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    customer: Option<&customer::Model>,
    kind: &EventKind,
    amount_minor: i64,
    currency: Currency,
    occurred_at: DateTime<Utc>,
) -> ApiResult<Charge> {
    let totals = customer::Entity::find()
        .select_only()
        // SUM(BIGINT) is NUMERIC on PostgreSQL: cast back to BIGINT.
        .column_as(Expr::cust("CAST(SUM(net_minor) AS BIGINT)"), "ltv_minor")
        .column_as(
            Expr::cust("CAST(SUM(CASE WHEN net_minor > 0 THEN 1 ELSE 0 END) AS BIGINT)"),
            "paying",
        )
        .filter(customer::Column::PartnerId.eq(partner.id.as_str()))
        .filter(customer::Column::Currency.eq(currency.code()))
        .into_model::<PartnerTotals>()
        .one(conn)
        .await?;
    let (ltv_minor, paying) = totals.map_or((0, 0), |t| {
        (t.ltv_minor.unwrap_or(0), t.paying.unwrap_or(0))
    });
    let customer_net = customer.map_or(0, |c| c.net_minor);
    Ok(Charge {
        kind: *kind,
        amount: currency.from_minor(amount_minor),
        customer_month: customer.map_or(1, |c| customer_month(c.acquired_at, occurred_at)),
        partner_ltv: currency.from_minor(Ord::max(ltv_minor, 0)),
        paying_customers: u32::try_from(Ord::max(paying, 0)).unwrap_or(u32::MAX),
        first_paid_customer: *kind == EventKind::Sale
            && paying == 0
            && customer_net <= 0
            && amount_minor > 0,
        customer_had_threshold_bonus: customer.is_some_and(|c| c.threshold_bonus_paid),
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert_commission(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    campaign: &campaign::Model,
    event: &event::Model,
    terms: &Terms,
    fee_minor: i64,
    currency: Currency,
    breakdown: Vec<BreakdownEntry>,
    now: DateTime<Utc>,
) -> ApiResult<commission::Model> {
    let accrued_at = event.occurred_at;
    let mature_at = terms
        .holdback_days
        .map(|days| accrued_at + chrono::Duration::days(days.into()));
    let row = commission::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(partner.tenant_id.clone()),
        partner_id: Set(partner.id.clone()),
        campaign_id: Set(campaign.id.clone()),
        event_id: Set(event.id.clone()),
        snapshot_id: Set(terms.snapshot.as_ref().map(|s| s.id.clone())),
        kind: Set(CommissionKind::Commission.as_str().to_owned()),
        amount_minor: Set(fee_minor),
        currency: Set(currency.code().to_owned()),
        status: Set(CommissionStatus::Accrued.as_str().to_owned()),
        breakdown: Set(
            serde_json::to_value(&breakdown).map_err(|e| ApiError::internal("breakdown", e))?
        ),
        rules_source: Set(terms.rules_source.as_str().to_owned()),
        original_id: Set(None),
        accrued_at: Set(accrued_at),
        recorded_at: Set(now),
        holdback_days: Set(terms.holdback_days),
        mature_at: Set(mature_at),
        approved_at: Set(None),
        paid_at: Set(None),
        reversed_at: Set(None),
        reversal_reason: Set(None),
        reversal_note: Set(None),
        payout_id: Set(None),
    };
    Ok(commission::Entity::insert(row)
        .exec_with_returning(conn)
        .await?)
}
