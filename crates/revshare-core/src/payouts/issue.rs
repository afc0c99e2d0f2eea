//! Issuing payouts: the one place a payout row is written, for runs and
//! for payouts marked paid by hand alike — its statement number, the
//! commissions it holds (`payout_items`), the payee's method as it is now,
//! and its `PAYOUT_CREATED` event.
//!
//! **Statement numbers** are `{year}-{000001}`, per tenant and year (the
//! year of issue in the tenant's time zone), taken from a counter row by
//! one upsert in the payout's own transaction: a transaction that rolls
//! back gives its numbers back with it, and concurrent issuers queue on the
//! counter row, so numbers are never reused and have no gaps. The counter
//! is taken after every partner and commission lock: a run takes no lock
//! after it; a payout marked paid by hand then moves its rows, which locks
//! their balances. No transaction takes the counter while holding a
//! balance, so none waits on another in a circle; a by-hand payout holds
//! the counter a little longer, until its commit.

use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input;
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::enums::PayoutStatus;
use entity::{commission, payout, payout_item, payout_method, statement_counter};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, ExprTrait};

/// A payout to issue: a payee's rows in one currency.
pub(crate) struct NewPayout {
    pub partner_id: String,
    pub currency: String,
    /// A spiff's contact; none for the partner itself.
    pub recipient_id: Option<String>,
    pub staff_payee: bool,
    pub rows: Vec<commission::Model>,
    /// The payee's method now (none for a contact, or a partner without one).
    pub method: Option<payout_method::Model>,
    /// Backup withholding ([`super::withholding`]): what it does not send.
    pub withheld_minor: i64,
}

/// How a batch of payouts is issued.
pub(crate) struct Issue<'a> {
    pub tenant_id: &'a str,
    /// The tenant's zone: the statement's year is the year of `at` in it.
    pub zone: Tz,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
    /// `PENDING` from a run, `PAID` when marked paid by hand.
    pub status: PayoutStatus,
    /// The payment's reference (`''` while pending).
    pub reference: &'a str,
    pub run_id: Option<&'a str>,
}

/// Writes the payouts, numbered in the order given, with the rows each
/// holds; answers them in that order.
pub(crate) async fn issue(
    conn: &impl ConnectionTrait,
    issue: &Issue<'_>,
    payouts: &[NewPayout],
) -> ApiResult<Vec<payout::Model>> {
    if payouts.is_empty() {
        return Ok(Vec::new());
    }
    // Self-billing (SPEC §33): the VAT each payout's invoice will take is
    // decided now, and the payout pays it.
    let partners: Vec<String> = payouts
        .iter()
        .filter(|p| p.recipient_id.is_none() && !p.staff_payee)
        .map(|p| p.partner_id.clone())
        .collect();
    let billed = super::invoicing::decide(conn, issue.tenant_id, issue.at, partners).await?;
    // Each self-billed payout's own: what it sets off (SPEC §33b).
    let mut each = Vec::with_capacity(payouts.len());
    for new in payouts {
        let own = new.recipient_id.is_none() && !new.staff_payee;
        let Some(billed) = own.then(|| billed.get(&new.partner_id)).flatten() else {
            each.push(None);
            continue;
        };
        let set_off = super::invoicing::never_invoiced(conn, issue.tenant_id, &new.rows).await?;
        let set_off_minor = new
            .rows
            .iter()
            .filter(|r| set_off.contains(&r.id))
            .map(|r| r.amount_minor)
            .sum();
        each.push(Some(super::invoicing::SelfBilled {
            set_off,
            set_off_minor,
            ..billed.clone()
        }));
    }
    let year = issue.at.with_timezone(&issue.zone).year();
    let numbers = take_numbers(conn, issue.tenant_id, year, payouts.len() as i64).await?;
    let models: Vec<payout::Model> = payouts
        .iter()
        .zip(numbers)
        .zip(&each)
        .map(|((new, number), billed)| row(issue, new, number, billed.as_ref()))
        .collect::<ApiResult<_>>()?;
    for chunk in models.chunks(crate::posting::WRITE_CHUNK) {
        payout::Entity::insert_many(chunk.iter().cloned().map(payout::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    let items: Vec<payout_item::ActiveModel> = models
        .iter()
        .zip(payouts)
        .flat_map(|(model, new)| {
            new.rows.iter().map(|row| payout_item::ActiveModel {
                payout_id: Set(model.id.clone()),
                commission_id: Set(row.id.clone()),
                tenant_id: Set(issue.tenant_id.to_owned()),
            })
        })
        .collect();
    for chunk in items.chunks(crate::posting::WRITE_CHUNK) {
        payout_item::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    let events = models
        .iter()
        .map(|model| announce(DomainEventType::PayoutCreated, model, issue.at))
        .collect::<ApiResult<Vec<_>>>()?;
    crate::events::append(conn, issue.tenant_id, issue.at, events).await?;
    Ok(models)
}

fn row(
    issue: &Issue<'_>,
    new: &NewPayout,
    statement_number: String,
    billed: Option<&super::invoicing::SelfBilled>,
) -> ApiResult<payout::Model> {
    let method = new.method.as_ref();
    let paid = issue.status == PayoutStatus::Paid;
    let net_minor: i64 = new.rows.iter().map(|r| r.amount_minor).sum();
    let vat_minor = match billed {
        Some(billed) => billed.vat_on(billed.base(net_minor))?,
        None => 0,
    };
    Ok(payout::Model {
        id: input::new_id(),
        tenant_id: issue.tenant_id.to_owned(),
        partner_id: new.partner_id.clone(),
        currency: new.currency.clone(),
        amount_minor: net_minor + vat_minor,
        reference: issue.reference.to_owned(),
        commission_count: new.rows.len() as i32,
        created_by: issue.actor.to_owned(),
        created_at: issue.at,
        recipient_id: new.recipient_id.clone(),
        staff_payee: new.staff_payee,
        status: issue.status,
        statement_number,
        run_id: issue.run_id.map(str::to_owned),
        method_type: method.map(|m| m.r#type),
        method_paypal_email: method.and_then(|m| m.paypal_email.clone()),
        method_iban: method.and_then(|m| m.iban.clone()),
        method_bic: method.and_then(|m| m.bic.clone()),
        method_account_holder: method.and_then(|m| m.account_holder.clone()),
        paid_at: paid.then_some(issue.at),
        failed_at: None,
        failure_reason: None,
        rail: None,
        rail_status: None,
        rail_reference: None,
        rail_batch: None,
        rail_error: None,
        rail_sends: 0,
        rail_polls: 0,
        rail_next_at: None,
        rail_lease: None,
        rail_lease_until: None,
        rail_updated_at: None,
        method_stripe_account: method.and_then(|m| m.stripe_account_id.clone()),
        method_routing_number: method.and_then(|m| m.routing_number.clone()),
        method_account_number: method.and_then(|m| m.account_number.clone()),
        method_account_type: method.and_then(|m| m.account_type),
        rail_sender_batch: None,
        reversed_minor: 0,
        filed_at: None,
        filed_as: None,
        withheld_minor: new.withheld_minor,
        net_minor,
        vat_minor,
        vat_rate: billed.and_then(|b| b.rate.clone()),
        self_billing: billed
            .map(super::invoicing::SelfBilled::encode)
            .transpose()?,
        method_currency: method.and_then(|m| m.currency.clone()),
        method_sort_code: method.and_then(|m| m.sort_code.clone()),
        method_legal_type: method.and_then(|m| m.legal_type.clone()),
        method_address: method.and_then(|m| m.address.clone()),
        method_wise_recipient: method.and_then(|m| m.wise_recipient_id.clone()),
    })
}

/// The next `count` statement numbers of a tenant's year, in order.
async fn take_numbers(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
    count: i64,
) -> ApiResult<Vec<String>> {
    use statement_counter::Column as C;
    let excluded = Alias::new("excluded");
    let last = statement_counter::Entity::insert(statement_counter::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        year: Set(year),
        last_number: Set(count),
    })
    .on_conflict(
        OnConflict::columns([C::TenantId, C::Year])
            .value(
                C::LastNumber,
                Expr::col((statement_counter::Entity, C::LastNumber))
                    .add(Expr::col((excluded, C::LastNumber))),
            )
            .to_owned(),
    )
    .exec_with_returning(conn)
    .await?
    .last_number;
    if last > MAX_STATEMENTS_A_YEAR {
        return Err(ApiError::Conflict(format!(
            "statement numbers of {year} are used up (at most {MAX_STATEMENTS_A_YEAR})"
        )));
    }
    Ok((last - count + 1..=last)
        .map(|n| format!("{year}-{n:06}"))
        .collect())
}

/// The numbers six digits hold.
const MAX_STATEMENTS_A_YEAR: i64 = 999_999;

/// A payout's domain event: created, paid or failed.
pub(crate) fn announce(
    kind: DomainEventType,
    payout: &payout::Model,
    at: DateTime<Utc>,
) -> ApiResult<NewDomainEvent> {
    let currency = crate::engine::Currency::parse(&payout.currency)
        .map_err(|e| ApiError::internal("payout currency", e))?;
    Ok(NewDomainEvent {
        kind,
        occurred_at: at,
        // A payout to one of the tenant's staff concerns no partner.
        partner_id: (!payout.staff_payee).then(|| payout.partner_id.clone()),
        subject_id: payout.id.clone(),
        data: serde_json::json!({
            "amount": currency.from_minor(payout.amount_minor).to_string(),
            "currency": payout.currency,
            "status": payout.status.as_str(),
            "statementNumber": payout.statement_number,
            "reference": (!payout.reference.is_empty()).then_some(&payout.reference),
            "commissionCount": payout.commission_count,
            "recipientId": payout.recipient_id,
            "runId": payout.run_id,
            "failureReason": payout.failure_reason,
            "rail": payout.rail.map(|r| r.as_str()),
            "railStatus": payout.rail_status.map(|s| s.as_str()),
            "railReference": payout.rail_reference,
            "railError": payout.rail_error,
        }),
    })
}
