//! What the conditional-reward tests (SPEC §32) share: the guide's rules
//! and its sale of three lines.

use serde_json::{Value, json};

/// §32's example: yearly plans 40 % for their first 12 months, hardware
/// nothing, the rest 20 %.
pub(crate) fn guide_rules() -> Value {
    json!([
        { "conditional": {
            "description": "Yearly plans",
            "when": { "test": { "subject": "LINE_INTERVAL", "operator": "EQ", "value": "YEAR" } },
            "then": { "percentage": "40", "maxMonths": 12 } } },
        { "conditional": {
            "when": { "test": { "subject": "LINE_PRODUCT", "operator": "IN", "values": ["prod_hw"] } },
            "then": { "nothing": true } } },
        { "recurring": { "percentage": "20" } }
    ])
}

pub(crate) fn guide_lines() -> Value {
    json!([
        { "externalId": "yearly", "productId": "prod_pro", "planInterval": "YEAR", "amount": "1200.00" },
        { "externalId": "addon", "productId": "prod_seats", "planInterval": "MONTH", "amount": "30.00" },
        { "externalId": "hw", "productId": "prod_hw", "planInterval": "ONE_TIME", "amount": "100.00" }
    ])
}

/// A sale of `lines` by `partner`, its customer its own.
pub(crate) fn sale(partner: &str, id: &str, amount: &str, lines: Value) -> Value {
    json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"),
            "amount": amount, "lines": lines })
}
