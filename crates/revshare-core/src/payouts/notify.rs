//! What a payout's partner is told: `PAYOUT_SENT` when it is marked paid
//! (SPEC §20), by a run's settling or by hand.

use crate::error::ApiResult;
use entity::enums::PayoutMethodType;
use entity::payout;
use sea_orm::ConnectionTrait;

/// E-mails a payout's partner that it was paid (`PAYOUT_SENT`), when the
/// partner has an address and wants it, in the caller's transaction; a
/// spiff to a contact or to staff is not the partner's money, and is not.
pub(crate) async fn paid(conn: &impl ConnectionTrait, paid: &payout::Model) -> ApiResult<()> {
    use crate::mail::{self, Content, Mail};
    if paid.recipient_id.is_some() || paid.staff_payee {
        return Ok(());
    }
    let Some(partner) =
        <entity::partner::Entity as sea_orm::EntityTrait>::find_by_id(paid.partner_id.clone())
            .one(conn)
            .await?
    else {
        return Ok(());
    };
    let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    let preferences = mail::preferences::one(conn, &partner.id).await?;
    if !preferences.payout_sent {
        return Ok(());
    }
    let method = match (
        paid.method_type,
        &paid.method_iban,
        &paid.method_paypal_email,
    ) {
        (Some(PayoutMethodType::BankTransfer), Some(iban), _) => format!(
            "bank transfer to {}",
            crate::engine::accounts::Iban::masked(iban)
        ),
        (Some(PayoutMethodType::Paypal), _, Some(email)) => {
            format!("PayPal {}", super::statement::mask_email(email))
        }
        (Some(PayoutMethodType::StripeConnect), _, _) => "your Stripe account".to_owned(),
        (Some(PayoutMethodType::Ach), _, _) => format!(
            "ACH to account {}",
            crate::engine::accounts::Iban::masked(
                paid.method_account_number.as_deref().unwrap_or_default()
            )
        ),
        _ => "as agreed with the program".to_owned(),
    };
    let amount = match crate::engine::Currency::parse(&paid.currency) {
        Ok(unit) => unit.from_minor(paid.amount_minor).to_string(),
        Err(_) => paid.amount_minor.to_string(),
    };
    mail::queue(
        conn,
        Mail {
            tenant_id: paid.tenant_id.clone(),
            partner_id: Some(partner.id.clone()),
            to: address.clone(),
            content: Content::PayoutSent {
                name: partner.name.clone(),
                amount,
                currency: paid.currency.clone(),
                method,
                statement: Some(paid.statement_number.clone()).filter(|s| !s.is_empty()),
                link: Some(format!("/portal/#/payouts/{}", paid.id)),
                payout_id: Some(paid.id.clone()),
                invoice: None,
            },
            dedupe_key: Some(format!("payout-sent:{}", paid.id)),
            requested_by: None,
            suppressed: preferences.suppresses(&address),
            language: None,
        },
    )
    .await
}
