//! A payout's statement (SPEC §16), as the PDF `GET
//! /statements/{payoutId}.pdf` answers: the tenant, the statement number,
//! the partner, the payout method (masked), its status, then one line per
//! commission it holds — clawbacks as negative lines — and the total, which
//! is the payout's amount. Dates are days in the tenant's time zone.
//!
//! In the partner's language (SPEC §38, [`super::statement_words`]): every
//! label, and amounts and days as CLDR writes them in it — `Gesamt
//! 12,50 €`, `6. März 2026` (de); `Total €12.50`, `March 6, 2026` (en) —
//! the table's amounts under a head naming their currency (`1.234,50`),
//! its days in the short form (`06.03.2026`, `3/6/2026`).

use super::pdf::{self, Font, Line};
use super::statement_words::{self, Words, fill};
use crate::engine::Currency;
use crate::engine::accounts::Iban;
use crate::error::{ApiError, ApiResult};
use crate::languages::formats::{self, PluralCategory};
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
    let language = crate::languages::of_partner(conn, &partner).await?;
    let lines = layout(&language, &tenant, &partner, payout, &rows, &context)?;
    let title = fill(
        statement_words::of(&language).title,
        &[("number", &payout.statement_number)],
    );
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

    /// The day `at` is in the tenant's time zone.
    fn day(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }
}

/// The width of a column that holds `texts`: the widest, at least `least`.
fn width(least: usize, texts: &[&str]) -> usize {
    texts
        .iter()
        .map(|t| t.chars().count())
        .fold(least, usize::max)
}

fn layout(
    language: &str,
    tenant: &tenant::Model,
    partner: &partner::Model,
    payout: &payout::Model,
    rows: &[commission::Model],
    context: &Context,
) -> ApiResult<Vec<Line>> {
    let currency =
        Currency::parse(&payout.currency).map_err(|e| ApiError::internal("payout currency", e))?;
    let said = statement_words::of(language);
    // Amounts and days as CLDR writes them in the partner's language: a
    // whole amount with its currency (`1.234,56 €`), the table's without
    // (`1.234,56`, under `Betrag EUR`).
    let money = |minor: i64| formats::money(language, currency.from_minor(minor), &payout.currency);
    let figure =
        |minor: i64| formats::figure(language, currency.from_minor(minor), &payout.currency);
    // The facts' labels in a column as wide as the language's widest.
    let label_width = width(
        15,
        &[
            said.partner,
            said.payout,
            said.issued,
            said.status,
            said.method,
            said.document,
            said.net,
            said.vat,
        ],
    );
    let fact = |label: &str, value: String| {
        Line::new(Font::Regular, 10, format!("{label:<label_width$} {value}"))
    };
    let mut lines = vec![
        Line::new(Font::Bold, 16, tenant.name.clone()),
        Line::new(
            Font::Bold,
            12,
            fill(said.title, &[("number", &payout.statement_number)]),
        ),
        Line::new(Font::Regular, 10, ""),
    ];
    let who = match &partner.email {
        Some(email) => format!("{} <{email}>", partner.name),
        None => partner.name.clone(),
    };
    lines.push(fact(said.partner, who));
    lines.push(fact(said.payout, payout.id.clone()));
    lines.push(fact(
        said.issued,
        formats::day(language, context.day(payout.created_at)),
    ));
    lines.push(fact(said.status, status(payout, context, said, language)));
    lines.push(fact(said.method, method(payout, said)));
    for document in &context.documents {
        lines.push(fact(said.document, document.clone()));
    }
    lines.push(Line::new(Font::Regular, 10, ""));
    let columns = pdf::fixed_columns(LINE_SIZE);
    let amount_head = fill(said.amount, &[("currency", &currency.to_string())]);
    let date_width = width(10, &[said.date]);
    let kind_width = width(
        10,
        &[
            said.kind,
            said.commission,
            said.clawback,
            said.adjustment,
            said.bonus,
            said.referral,
            said.bounty,
        ],
    );
    let amount_width = width(16, &[amount_head.as_str()]);
    let description_width =
        columns.saturating_sub(date_width + 2 + kind_width + 2 + 2 + amount_width);
    let row = |date: &str, kind: &str, description: &str, amount: &str| {
        let description: String = description.chars().take(description_width).collect();
        Line::new(
            Font::Fixed,
            LINE_SIZE,
            format!(
                "{date:<date_width$}  {kind:<kind_width$}  {description:<description_width$}  {amount:>amount_width$}"
            ),
        )
    };
    lines.push(row(said.date, said.kind, said.campaign_event, &amount_head));
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
            &formats::short_day(language, context.day(commission.accrued_at)),
            kind(commission.kind, said),
            &format!("{campaign} / {event}"),
            &figure(commission.amount_minor),
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
        counts(
            said,
            language,
            rows.len() - clawbacks.len(),
            clawbacks.len(),
            &money(clawbacks.iter().map(|c| c.amount_minor).sum()),
        ),
    ));
    if payout.self_billing.is_some() {
        // Self-billed (SPEC §33): the net, the VAT on it, and what is paid.
        let stored = payout.vat_rate.as_deref().unwrap_or("0");
        let rate = match stored.parse() {
            Ok(exact) => formats::number(language, exact),
            Err(_) => stored.to_owned(),
        };
        lines.push(fact(said.net, money(payout.net_minor)));
        let base = super::invoicing::vat_base(payout)?;
        let vat = money(payout.vat_minor);
        lines.push(fact(
            said.vat,
            match base == payout.net_minor {
                true => fill(said.vat_of, &[("vat", &vat), ("rate", &rate)]),
                // What it set off is outside the VAT's base.
                false => fill(
                    said.vat_of_base,
                    &[
                        ("vat", &vat),
                        ("rate", &rate),
                        ("base", &money(base)),
                        ("set_off", &money(payout.net_minor - base)),
                    ],
                ),
            },
        ));
    }
    lines.push(Line::new(
        Font::Bold,
        12,
        fill(said.total, &[("amount", &money(payout.amount_minor))]),
    ));
    if payout.withheld_minor != 0 {
        // Backup withholding: a line of its own, and what was sent.
        lines.push(Line::new(
            Font::Regular,
            10,
            fill(
                said.backup_withholding,
                &[("amount", &money(-payout.withheld_minor))],
            ),
        ));
        lines.push(Line::new(
            Font::Bold,
            12,
            fill(
                said.sent,
                &[("amount", &money(super::withholding::sent_minor(payout)))],
            ),
        ));
    }
    Ok(lines)
}

fn kind(kind: CommissionKind, said: &Words) -> &'static str {
    match kind {
        CommissionKind::Commission => said.commission,
        CommissionKind::Clawback => said.clawback,
        CommissionKind::Adjustment => said.adjustment,
        CommissionKind::Bonus => said.bonus,
        CommissionKind::Referral => said.referral,
        CommissionKind::Bounty => said.bounty,
        CommissionKind::Retainer => said.retainer,
    }
}

/// The status, its day in the language's long form (`6. März 2026`).
fn status(payout: &payout::Model, context: &Context, said: &Words, language: &str) -> String {
    let day = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| formats::day(language, context.day(at)))
            .unwrap_or_default()
    };
    match payout.status {
        PayoutStatus::Pending => said.pending.to_owned(),
        PayoutStatus::Paid => fill(
            said.paid,
            &[
                ("day", &day(payout.paid_at)),
                ("reference", &payout.reference),
            ],
        ),
        PayoutStatus::Failed => fill(
            said.failed,
            &[
                ("day", &day(payout.failed_at)),
                (
                    "reason",
                    payout.failure_reason.as_deref().unwrap_or_default(),
                ),
            ],
        ),
    }
}

/// The method, masked: a PayPal address shows its first letter and its
/// domain, an IBAN its last four characters.
fn method(payout: &payout::Model, said: &Words) -> String {
    let holder = payout.method_account_holder.as_deref().unwrap_or_default();
    match payout.method_type {
        Some(PayoutMethodType::Paypal) => fill(
            said.paypal,
            &[(
                "address",
                &payout
                    .method_paypal_email
                    .as_deref()
                    .map(mask_email)
                    .unwrap_or_default(),
            )],
        ),
        Some(PayoutMethodType::BankTransfer) => fill(
            said.bank_transfer,
            &[
                (
                    "account",
                    &payout
                        .method_iban
                        .as_deref()
                        .map(Iban::masked)
                        .unwrap_or_default(),
                ),
                ("holder", holder),
            ],
        ),
        Some(PayoutMethodType::StripeConnect) => fill(
            said.stripe,
            &[(
                "account",
                payout.method_stripe_account.as_deref().unwrap_or_default(),
            )],
        ),
        Some(PayoutMethodType::Ach) => fill(
            said.ach,
            &[
                (
                    "account",
                    &payout
                        .method_account_number
                        .as_deref()
                        .map(Iban::masked)
                        .unwrap_or_default(),
                ),
                (
                    "routing",
                    payout.method_routing_number.as_deref().unwrap_or_default(),
                ),
                ("holder", holder),
            ],
        ),
        Some(PayoutMethodType::Wise) => {
            let number = payout
                .method_iban
                .as_deref()
                .or(payout.method_account_number.as_deref());
            fill(
                said.wise,
                &[
                    (
                        "currency",
                        payout
                            .method_currency
                            .as_deref()
                            .unwrap_or(&payout.currency),
                    ),
                    ("account", &number.map(Iban::masked).unwrap_or_default()),
                    ("holder", holder),
                ],
            )
        }
        None => said.no_method.to_owned(),
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

/// `n` in the plural form `language` gives it: `one` (`{count}
/// clawback`) or `other` (`{count} clawbacks`), the count as the language
/// writes numbers.
fn counted(language: &str, n: usize, one: &str, other: &str) -> String {
    let form = match formats::plural(language, n as u64) {
        PluralCategory::One => one,
        _ => other,
    };
    let count = formats::number(language, rust_decimal::Decimal::from(n as u64));
    fill(form, &[("count", &count)])
}

/// `2 commission lines, 1 clawback (-$15.00)`: the lines that are not
/// clawbacks, the clawbacks and their sum (`amount`, written).
fn counts(said: &Words, language: &str, lines: usize, clawbacks: usize, amount: &str) -> String {
    fill(
        said.counts,
        &[
            (
                "lines",
                &counted(
                    language,
                    lines,
                    said.commission_lines_one,
                    said.commission_lines_other,
                ),
            ),
            (
                "clawbacks",
                &counted(
                    language,
                    clawbacks,
                    said.clawbacks_one,
                    said.clawbacks_other,
                ),
            ),
            ("amount", amount),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::counts;
    use crate::languages::formats::money;
    use crate::payouts::statement_words::{DE, EN, FR};
    use rust_decimal::Decimal;

    #[test]
    fn counts_agree_with_their_nouns_in_each_language() {
        let dec = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(
            counts(&EN, "en", 2, 1, &money("en", dec("-15.00"), "USD")),
            "2 commission lines, 1 clawback (-$15.00)"
        );
        assert_eq!(
            counts(&EN, "en", 1, 0, &money("en", Decimal::ZERO, "EUR")),
            "1 commission line, 0 clawbacks (€0.00)"
        );
        assert_eq!(
            counts(&DE, "de", 1, 2, &money("de", dec("-3.5"), "EUR")),
            "1 Provisionsposition, 2 Rückbelastungen (-3,50\u{a0}€)"
        );
        assert_eq!(
            counts(&DE, "de", 1234, 0, &money("de", Decimal::ZERO, "EUR")),
            "1.234 Provisionspositionen, 0 Rückbelastungen (0,00\u{a0}€)"
        );
        // French counts none as one.
        assert_eq!(
            counts(&FR, "fr", 2, 0, "0,00 €"),
            "2 lignes de commission, 0 reprise (0,00 €)"
        );
    }
}
