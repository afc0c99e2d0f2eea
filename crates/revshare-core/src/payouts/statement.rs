//! A payout's statement (SPEC §16), as the PDF `GET
//! /statements/{payoutId}.pdf` answers: the tenant, the statement number,
//! the partner, the payout method (masked), its status, then one line per
//! commission it holds — clawbacks as negative lines — and the total, which
//! is the payout's amount. Dates are days in the tenant's time zone.

use super::pdf::{self, Font, Line};
use crate::engine::Currency;
use crate::engine::accounts::Iban;
use crate::error::{ApiError, ApiResult};
use entity::enums::{CommissionKind, PayoutMethodType, PayoutStatus};
use entity::{campaign, commission, event, partner, payout, payout_item, tenant};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The statement's lines are set in the fixed font at this size.
const LINE_SIZE: i32 = 8;

/// The PDF of a payout of the tenant.
pub async fn pdf(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout: &payout::Model,
) -> ApiResult<Vec<u8>> {
    let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
    let partner = partner::Entity::find_by_id(payout.partner_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("payout partner", &payout.partner_id))?;
    let rows = held(conn, tenant_id, &payout.id).await?;
    let mut context = Context::load(conn, &tenant, &rows).await?;
    // The documents issued for it (SPEC §33b): the statement names them.
    context.documents = entity::invoice::Entity::find()
        .filter(entity::invoice::Column::TenantId.eq(tenant_id))
        .filter(entity::invoice::Column::PayoutId.eq(payout.id.as_str()))
        .order_by_asc(entity::invoice::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|d| super::invoicing::read::title(&d))
        .collect();
    let lines = layout(&tenant, &partner, payout, &rows, &context)?;
    let title = format!("Commission statement {}", payout.statement_number);
    Ok(pdf::render(&title, &lines))
}

/// The commissions a payout holds (or held), by accrual.
pub(crate) async fn held(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<Vec<commission::Model>> {
    let ids: Vec<String> = payout_item::Entity::find()
        .select_only()
        .column(payout_item::Column::CommissionId)
        .filter(payout_item::Column::TenantId.eq(tenant_id))
        .filter(payout_item::Column::PayoutId.eq(payout_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::posting::WRITE_CHUNK) {
        rows.extend(
            commission::Entity::find()
                .filter(commission::Column::Id.is_in(chunk.to_vec()))
                .order_by_asc(commission::Column::Id)
                .all(conn)
                .await?,
        );
    }
    rows.sort_by(|a, b| (a.accrued_at, &a.id).cmp(&(b.accrued_at, &b.id)));
    Ok(rows)
}

/// What the lines name: campaigns and events.
struct Context {
    zone: chrono_tz::Tz,
    campaigns: HashMap<String, String>,
    events: HashMap<String, String>,
    /// The self-billed documents issued for the payout, by title.
    documents: Vec<String>,
}

impl Context {
    async fn load(
        conn: &impl ConnectionTrait,
        tenant: &tenant::Model,
        rows: &[commission::Model],
    ) -> ApiResult<Context> {
        let mut campaign_ids: Vec<String> = rows.iter().map(|r| r.campaign_id.clone()).collect();
        campaign_ids.sort();
        campaign_ids.dedup();
        let campaigns = campaign::Entity::find()
            .filter(campaign::Column::TenantId.eq(tenant.id.as_str()))
            .filter(campaign::Column::Id.is_in(campaign_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let event_ids: Vec<String> = rows.iter().map(|r| r.event_id.clone()).collect();
        let mut events = HashMap::new();
        for chunk in event_ids.chunks(crate::posting::WRITE_CHUNK) {
            let found: Vec<(String, String)> = event::Entity::find()
                .select_only()
                .column(event::Column::Id)
                .column(event::Column::ExternalId)
                .filter(event::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(conn)
                .await?;
            events.extend(found);
        }
        Ok(Context {
            zone: super::zone_of(tenant)?,
            campaigns,
            events,
            documents: Vec::new(),
        })
    }

    fn day(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone).format("%Y-%m-%d").to_string()
    }
}

fn layout(
    tenant: &tenant::Model,
    partner: &partner::Model,
    payout: &payout::Model,
    rows: &[commission::Model],
    context: &Context,
) -> ApiResult<Vec<Line>> {
    let currency =
        Currency::parse(&payout.currency).map_err(|e| ApiError::internal("payout currency", e))?;
    let money = |minor: i64| currency.from_minor(minor).to_string();
    let fact =
        |label: &str, value: String| Line::new(Font::Regular, 10, format!("{label:<16}{value}"));
    let mut lines = vec![
        Line::new(Font::Bold, 16, tenant.name.clone()),
        Line::new(
            Font::Bold,
            12,
            format!("Commission statement {}", payout.statement_number),
        ),
        Line::new(Font::Regular, 10, ""),
    ];
    let who = match &partner.email {
        Some(email) => format!("{} <{email}>", partner.name),
        None => partner.name.clone(),
    };
    lines.push(fact("Partner", who));
    lines.push(fact("Payout", payout.id.clone()));
    lines.push(fact("Issued", context.day(payout.created_at)));
    lines.push(fact("Status", status(payout, context)));
    lines.push(fact("Payout method", method(payout)));
    for document in &context.documents {
        lines.push(fact("Document", document.clone()));
    }
    lines.push(Line::new(Font::Regular, 10, ""));
    let columns = pdf::fixed_columns(LINE_SIZE);
    let amount_width = 16;
    let description_width = columns - 10 - 2 - 10 - 2 - 2 - amount_width;
    let row = |date: &str, kind: &str, description: &str, amount: &str| {
        let description: String = description.chars().take(description_width).collect();
        Line::new(
            Font::Fixed,
            LINE_SIZE,
            format!(
                "{date:<10}  {kind:<10}  {description:<description_width$}  {amount:>amount_width$}"
            ),
        )
    };
    lines.push(row(
        "Date",
        "Kind",
        "Campaign / event",
        &format!("Amount {currency}"),
    ));
    lines.push(Line::new(Font::Fixed, LINE_SIZE, "-".repeat(columns)));
    let mut sum = 0i64;
    for commission in rows {
        sum += commission.amount_minor;
        let campaign = context
            .campaigns
            .get(&commission.campaign_id)
            .map_or("", String::as_str);
        let event = context
            .events
            .get(&commission.event_id)
            .map_or("", String::as_str);
        lines.push(row(
            &context.day(commission.accrued_at),
            kind(commission.kind),
            &format!("{campaign} / {event}"),
            &money(commission.amount_minor),
        ));
    }
    if sum != payout.net_minor {
        return Err(ApiError::internal(
            "statement",
            format!(
                "lines sum to {sum}, the payout's net is {}",
                payout.net_minor
            ),
        ));
    }
    lines.push(Line::new(Font::Fixed, LINE_SIZE, "-".repeat(columns)));
    let clawbacks: Vec<&commission::Model> = rows
        .iter()
        .filter(|r| r.kind == CommissionKind::Clawback)
        .collect();
    lines.push(Line::new(
        Font::Regular,
        10,
        format!(
            "{}, {} ({})",
            counted(rows.len() - clawbacks.len(), "commission line"),
            counted(clawbacks.len(), "clawback"),
            money(clawbacks.iter().map(|c| c.amount_minor).sum())
        ),
    ));
    if payout.self_billing.is_some() {
        // Self-billed (SPEC §33): the net, the VAT on it, and what is paid.
        let rate = payout.vat_rate.as_deref().unwrap_or("0");
        lines.push(fact(
            "Net",
            format!("{currency} {}", money(payout.net_minor)),
        ));
        let base = super::invoicing::vat_base(payout)?;
        lines.push(fact(
            "VAT",
            match base == payout.net_minor {
                true => format!("{currency} {} ({rate} %)", money(payout.vat_minor)),
                // What it set off is outside the VAT's base.
                false => format!(
                    "{currency} {} ({rate} % of {}, set off {})",
                    money(payout.vat_minor),
                    money(base),
                    money(payout.net_minor - base)
                ),
            },
        ));
    }
    lines.push(Line::new(
        Font::Bold,
        12,
        format!("Total {currency} {}", money(payout.amount_minor)),
    ));
    if payout.withheld_minor != 0 {
        // Backup withholding: a line of its own, and what was sent.
        lines.push(Line::new(
            Font::Regular,
            10,
            format!(
                "Backup withholding (24 %, federal income tax, Form 1099-NEC Box 4) {currency} -{}",
                money(payout.withheld_minor)
            ),
        ));
        lines.push(Line::new(
            Font::Bold,
            12,
            format!(
                "Sent {currency} {}",
                money(super::withholding::sent_minor(payout))
            ),
        ));
    }
    Ok(lines)
}

fn kind(kind: CommissionKind) -> &'static str {
    match kind {
        CommissionKind::Commission => "Commission",
        CommissionKind::Clawback => "Clawback",
        CommissionKind::Adjustment => "Adjustment",
        CommissionKind::Bonus => "Bonus",
        CommissionKind::Referral => "Referral",
        CommissionKind::Bounty => "Bounty",
    }
}

fn status(payout: &payout::Model, context: &Context) -> String {
    match payout.status {
        PayoutStatus::Pending => "Pending".to_owned(),
        PayoutStatus::Paid => format!(
            "Paid {} (reference {})",
            payout.paid_at.map(|at| context.day(at)).unwrap_or_default(),
            payout.reference
        ),
        PayoutStatus::Failed => format!(
            "Failed {}: {}",
            payout
                .failed_at
                .map(|at| context.day(at))
                .unwrap_or_default(),
            payout.failure_reason.as_deref().unwrap_or_default()
        ),
    }
}

/// The method, masked: a PayPal address shows its first letter and its
/// domain, an IBAN its last four characters.
fn method(payout: &payout::Model) -> String {
    match payout.method_type {
        Some(PayoutMethodType::Paypal) => format!(
            "PayPal {}",
            payout
                .method_paypal_email
                .as_deref()
                .map(mask_email)
                .unwrap_or_default()
        ),
        Some(PayoutMethodType::BankTransfer) => format!(
            "Bank transfer {} ({})",
            payout
                .method_iban
                .as_deref()
                .map(Iban::masked)
                .unwrap_or_default(),
            payout.method_account_holder.as_deref().unwrap_or_default()
        ),
        Some(PayoutMethodType::StripeConnect) => format!(
            "Stripe account {}",
            payout.method_stripe_account.as_deref().unwrap_or_default()
        ),
        Some(PayoutMethodType::Ach) => format!(
            "ACH to account {} at routing number {} ({})",
            payout
                .method_account_number
                .as_deref()
                .map(Iban::masked)
                .unwrap_or_default(),
            payout.method_routing_number.as_deref().unwrap_or_default(),
            payout.method_account_holder.as_deref().unwrap_or_default()
        ),
        None => "none on file".to_owned(),
    }
}

/// `a***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// `1 clawback`, `2 clawbacks`, `0 clawbacks`.
fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(super::counted(1, "commission line"), "1 commission line");
        assert_eq!(super::counted(2, "clawback"), "2 clawbacks");
        assert_eq!(super::counted(0, "clawback"), "0 clawbacks");
    }
}
