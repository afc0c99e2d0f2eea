//! Partners as the area tests make them: paid at a percentage, enrolled
//! in a campaign through apply and approve, or found by the id an import
//! gave them.

use crate::helpers::TestApp;
use serde_json::{Value, json};

/// A partner in the default campaign whose group pays `percentage` %.
pub(crate) async fn partner_at(app: &TestApp, name: &str, percentage: u32) -> String {
    let group = app
        .create_group(
            &format!("{name} group"),
            json!([{ "recurring": { "percentage": percentage } }]),
        )
        .await;
    app.create_partner(json!({ "name": name, "groupId": group }))
        .await
}

/// A partner enrolled through apply + approve; returns its id.
pub async fn approved_partner(app: &TestApp, name: &str, campaign: &str) -> String {
    let partner = app.create_partner(json!({ "name": name })).await;
    enroll(app, &partner, campaign).await;
    partner
}

/// Enrolls `partner` in `campaign` through apply + approve.
pub async fn enroll(app: &TestApp, partner: &str, campaign: &str) {
    let token = app.partner_token(partner);
    let data = app
        .ok(
            &token,
            "mutation($c: ID!) { applyToCampaign(campaignId: $c) { id status } }",
            json!({ "c": campaign }),
        )
        .await;
    let request = data["applyToCampaign"]["id"].as_str().unwrap().to_owned();
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { approvePartnershipRequest(id: $id) { partner { id } } }",
        json!({ "id": request }),
    )
    .await;
}

pub(crate) async fn partner_by_external(app: &TestApp, external: &str) -> Value {
    let found = app
        .ok(&app.admin(), "{ partners(first: 100) { nodes { id name email status externalId group { name rules { type ... on RecurringRule { percentage maxMonths } } } balance { currency accrued approved paid } } } }", json!({}))
        .await;
    found["partners"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["externalId"] == external)
        .cloned()
        .unwrap_or_else(|| panic!("no partner {external}: {found}"))
}

/// A W-9 submitted for `partner` by an admin: SSN `123-45-6789`, an
/// individual in Austin, TX, named `legal_name`.
pub(crate) async fn submit_w9(app: &TestApp, partner: &str, legal_name: &str) {
    app.ok(
        &app.admin(),
        "mutation($p: ID!, $name: String!) { submitTaxProfile(input: { partnerId: $p, form: W9, country: \"US\", \
           taxId: \"123-45-6789\", tinType: SSN, legalName: $name, classification: INDIVIDUAL, \
           address: { line1: \"2 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { status } }",
        json!({ "p": partner, "name": legal_name }),
    )
    .await;
}
