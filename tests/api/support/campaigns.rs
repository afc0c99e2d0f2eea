//! Campaigns as the area tests make them: one created, and the tenant's
//! default.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const CREATE: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id name currency status visibility holdbackDays isDefault rules { type ... on RecurringRule { percentage } } } }";

pub async fn create_campaign(app: &TestApp, input: Value) -> String {
    let data = app
        .ok(&app.admin(), CREATE, json!({ "input": input }))
        .await;
    data["createCampaign"]["id"].as_str().unwrap().to_owned()
}

/// The tenant's default campaign.
pub(crate) async fn default_campaign(app: &TestApp) -> String {
    app.ok(
        &app.admin(),
        "{ campaigns { nodes { id isDefault } } }",
        json!({}),
    )
    .await["campaigns"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["isDefault"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
