//! A deal pipeline, its plans, contacts and deals, and the moves and
//! payments that earn on them, as the area tests set them up.

use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The pipeline every deal test uses: stages Lead (10), Qualified (20),
/// Proposal (30), Closed won (50), and a "Size" field (Small, Large).
pub(crate) struct Pipeline {
    pub stages: HashMap<&'static str, String>,
    pub size: String,
    pub small: String,
    pub large: String,
}

impl Pipeline {
    pub fn stage(&self, name: &str) -> &str {
        &self.stages[name]
    }
}

pub(crate) const CREATE_STAGE: &str = "mutation($input: CreateDealStageInput!) { createDealStage(input: $input) { id name position } }";

pub(crate) const CREATE_PLAN: &str =
    "mutation($input: CommissionPlanInput!) { createCommissionPlan(input: $input) { id } }";

pub(crate) const CREATE_DEAL: &str =
    "mutation($input: CreateDealInput!) { createDeal(input: $input) { id stage { name } } }";

pub(crate) const CREATE_CONTACT: &str =
    "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }";

pub(crate) async fn pipeline(app: &TestApp) -> Pipeline {
    let admin = app.admin();
    let mut stages = HashMap::new();
    for (name, position) in [
        ("Closed won", 50),
        ("Lead", 10),
        ("Qualified", 20),
        ("Proposal", 30),
    ] {
        let data = app
            .ok(
                &admin,
                CREATE_STAGE,
                json!({ "input": { "name": name, "position": position } }),
            )
            .await;
        stages.insert(name, id_of(&data["createDealStage"]));
    }
    let data = app
        .ok(
            &admin,
            "mutation { createCustomField(input: { name: \"Size\", options: [\"Small\", \"Large\"] }) { id options { id label } } }",
            json!({}),
        )
        .await;
    let field = &data["createCustomField"];
    Pipeline {
        stages,
        size: id_of(field),
        small: id_of(&field["options"][0]),
        large: id_of(&field["options"][1]),
    }
}

pub(crate) fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

pub(crate) async fn create_plan(app: &TestApp, input: Value) -> String {
    id_of(
        &app.ok(&app.admin(), CREATE_PLAN, json!({ "input": input }))
            .await["createCommissionPlan"],
    )
}

pub(crate) async fn create_contact(app: &TestApp, partner: Option<&str>, name: &str) -> String {
    let input = json!({ "partnerId": partner, "name": name });
    id_of(
        &app.ok(&app.admin(), CREATE_CONTACT, json!({ "input": input }))
            .await["createContact"],
    )
}

pub(crate) async fn create_deal(app: &TestApp, input: Value) -> String {
    id_of(
        &app.ok(&app.admin(), CREATE_DEAL, json!({ "input": input }))
            .await["createDeal"],
    )
}

/// A one-off of `value` at `stage`.
pub(crate) fn one_off(stage: &str, value: &str) -> Value {
    json!({ "paymentStageId": stage, "calculation": { "oneOff": { "value": value } } })
}

/// The README's plan: 10 % when the deal is won, then 5 % of each of the
/// first 12 payments, 8 % for payments 1–3.
pub(crate) fn reseller_plan(p: &Pipeline) -> Value {
    json!({
        "label": "Reseller deals",
        "partnerType": "RESELLER",
        "entries": [{
            "paymentStageId": p.stage("Closed won"),
            "calculation": { "split": {
                "oneOff": { "value": "10%" },
                "recurring": { "value": "5%", "numberOfOccurrences": 12,
                               "periodRates": [{ "startOccurrence": 1, "endOccurrence": 3, "value": "8%" }] }
            } }
        }]
    })
}

const COMMISSION: &str = "id amount status recipientPending recipient { name } plan { label } \
    breakdown { vocabulary planLabel entryIndex stageId trigger occurrence value valueSource base amount }";

pub(crate) fn move_query() -> String {
    format!(
        "mutation($input: MoveDealInput!) {{ moveDeal(input: $input) {{ duplicate event {{ id kind externalId amount stage {{ name }} deal {{ name }} }} \
         deal {{ stage {{ name }} paymentCount }} commissions {{ {COMMISSION} }} }} }}"
    )
}

pub(crate) fn pay_query() -> String {
    format!(
        "mutation($input: DealPaymentInput!) {{ recordDealPayment(input: $input) {{ duplicate event {{ id kind externalId amount stage {{ name }} }} \
         deal {{ paymentCount }} commissions {{ {COMMISSION} }} }} }}"
    )
}

pub(crate) async fn move_deal(app: &TestApp, deal: &str, stage: &str, external_id: &str) -> Value {
    app.ok(
        &app.admin(),
        &move_query(),
        json!({ "input": { "dealId": deal, "stageId": stage, "externalId": external_id } }),
    )
    .await["moveDeal"]
        .clone()
}

pub(crate) async fn pay(
    app: &TestApp,
    deal: &str,
    external_id: &str,
    amount: Option<&str>,
) -> Value {
    app.ok(
        &app.admin(),
        &pay_query(),
        json!({ "input": { "dealId": deal, "externalId": external_id, "amount": amount } }),
    )
    .await["recordDealPayment"]
        .clone()
}
