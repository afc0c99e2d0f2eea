//! The contract check itself, on a document it was not written for: a
//! field the document does not describe breaks it
//! ([`crate::support::contract`]).

use crate::support::contract::{Document, form_to_json};

#[test]
fn a_field_the_document_does_not_describe_breaks_the_contract() {
    let paypal = Document::load("paypal-payments_payouts_batch_v1.json");
    let good = serde_json::json!({
        "sender_batch_header": { "sender_batch_id": "RUN-USD", "email_subject": "You have a payout" },
        "items": [{ "recipient_type": "EMAIL", "amount": { "value": "12.34", "currency": "USD" },
            "receiver": "nia@example.com", "sender_item_id": "P1", "note": "Statement 2026-000001" }]
    });
    assert_eq!(
        paypal.check_json("POST", "/v1/payments/payouts", &good, &[]),
        Vec::<String>::new()
    );
    let mut misspelt = good.clone();
    misspelt["items"][0]["recipent_type"] = serde_json::json!("EMAIL");
    assert_eq!(
        paypal.check_json("POST", "/v1/payments/payouts", &misspelt, &[]),
        vec!["body.items[0].recipent_type: not in the document".to_owned()]
    );
    let mut number = good.clone();
    number["items"][0]["amount"]["value"] = serde_json::json!(12.34);
    assert_eq!(
        paypal.check_json("POST", "/v1/payments/payouts", &number, &[]),
        vec!["body.items[0].amount.value: 12.34 is not string".to_owned()]
    );
    let mut long = good;
    long["items"][0]["sender_item_id"] = serde_json::json!("x".repeat(64));
    assert_eq!(
        paypal.check_json("POST", "/v1/payments/payouts", &long, &[]),
        vec!["body.items[0].sender_item_id: longer than 63".to_owned()]
    );
    assert_eq!(
        form_to_json("amount=100&metadata[payout]=P1&capabilities[transfers][requested]=true"),
        serde_json::json!({ "amount": "100", "metadata": { "payout": "P1" },
            "capabilities": { "transfers": { "requested": "true" } } })
    );
}
