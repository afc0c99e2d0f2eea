//! Deal-stage commission plans (SPEC §8): the pipeline, contacts, plans and
//! their validation, which plan applies to a deal and why, frozen and
//! amended terms, and simulation.

use crate::helpers::{OTHER_TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::deals::{
    CREATE_CONTACT, CREATE_PLAN, CREATE_STAGE, create_contact, create_deal, create_plan, id_of,
    one_off, pipeline, reseller_plan,
};
use serde_json::{Value, json};
use std::collections::HashMap;

on_both_databases!(
    the_pipeline_and_contacts_are_created_listed_and_kept_per_tenant,
    seed_001s_full_plan_is_accepted_and_read_back_field_for_field,
    every_plan_rule_is_checked_and_names_its_path,
    plans_are_updated_archived_and_listed_with_filters,
    the_most_specific_plan_applies_and_deals_freeze_it,
    amending_a_deals_terms_keeps_their_history,
    a_plan_is_simulated_saved_or_unsaved,
);

async fn the_pipeline_and_contacts_are_created_listed_and_kept_per_tenant(app: TestApp) {
    let p = pipeline(&app).await;
    let admin = app.admin();
    let data = app
        .ok(
            &admin,
            "{ dealStages { name position } customFields { name options { label } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "dealStages": [
                { "name": "Lead", "position": 10 }, { "name": "Qualified", "position": 20 },
                { "name": "Proposal", "position": 30 }, { "name": "Closed won", "position": 50 }
            ],
            "customFields": [{ "name": "Size", "options": [{ "label": "Small" }, { "label": "Large" }] }]
        })
    );
    for (input, path) in [
        (json!({ "name": "Lead", "position": 60 }), "input.name"),
        (
            json!({ "name": "Won again", "position": 50 }),
            "input.position",
        ),
        (
            json!({ "name": "Negative", "position": -1 }),
            "input.position",
        ),
        (json!({ "name": " ", "position": 70 }), "input.name"),
    ] {
        let error = app
            .error(Some(&admin), CREATE_STAGE, json!({ "input": input }))
            .await;
        assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", path));
    }
    let create_field =
        "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }";
    for (input, path) in [
        (json!({ "name": "Region", "options": [] }), "input.options"),
        (
            json!({ "name": "Region", "options": ["EU", "eu"] }),
            "input.options[1]",
        ),
        (json!({ "name": "Size", "options": ["X"] }), "input.name"),
    ] {
        let error = app
            .error(Some(&admin), create_field, json!({ "input": input }))
            .await;
        assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", path));
    }
    assert_eq!(p.stages.len(), 4);

    let north = app
        .create_partner(json!({ "name": "North", "type": "RESELLER" }))
        .await;
    let south = app
        .create_partner(json!({ "name": "South", "type": "RESELLER" }))
        .await;
    let ana = create_contact(&app, Some(&north), "Ana").await;
    let bo = create_contact(&app, Some(&south), "Bo").await;
    let own = create_contact(&app, None, "Our seller").await;
    let list = "query($p: ID) { contacts(partnerId: $p) { totalCount nodes { id name partner { name } } } }";
    let data = app.ok(&admin, list, json!({})).await;
    assert_eq!(
        data["contacts"],
        json!({ "totalCount": 3, "nodes": [
            { "id": ana, "name": "Ana", "partner": { "name": "North" } },
            { "id": bo, "name": "Bo", "partner": { "name": "South" } },
            { "id": own, "name": "Our seller", "partner": null }
        ] })
    );
    let data = app.ok(&admin, list, json!({ "p": north })).await;
    assert_eq!(data["contacts"]["totalCount"], 1);
    let error = app
        .error(
            Some(&admin),
            CREATE_CONTACT,
            json!({ "input": { "partnerId": "nope", "name": "X" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
    let error = app
        .error(
            Some(&admin),
            CREATE_CONTACT,
            json!({ "input": { "name": "X", "email": "not-an-email" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.email")
    );

    // A partner reads the pipeline and its own staff, nothing else.
    let token = app.partner_token(&north);
    let data = app
        .ok(
            &token,
            "{ dealStages { name } customFields { name } }",
            json!({}),
        )
        .await;
    assert_eq!(data["dealStages"].as_array().unwrap().len(), 4);
    let data = app.ok(&token, list, json!({})).await;
    assert_eq!(
        data["contacts"],
        json!({ "totalCount": 1, "nodes": [{ "id": ana, "name": "Ana", "partner": { "name": "North" } }] })
    );
    let data = app.ok(&token, list, json!({ "p": south })).await;
    assert_eq!(data["contacts"], json!({ "totalCount": 0, "nodes": [] }));
    let error = app
        .error(
            Some(&token),
            CREATE_CONTACT,
            json!({ "input": { "name": "Mine" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(
            Some(&app.service("deals:read")),
            CREATE_STAGE,
            json!({ "input": { "name": "X", "position": 99 } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");

    // Another tenant has a pipeline and contacts of its own.
    let other = app.admin_of(OTHER_TENANT);
    let data = app
        .ok(
            &other,
            "{ dealStages { name } customFields { name } contacts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "dealStages": [], "customFields": [], "contacts": { "totalCount": 0 } })
    );
    let error = app
        .error(
            Some(&other),
            CREATE_CONTACT,
            json!({ "input": { "partnerId": north, "name": "X" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
}

const PAYMENT_CALCULATION: &str = "fragment PC on PaymentCalculation { value \
    scaling { customField { id } tiers { option { id } value } } numberOfOccurrences \
    periodRates { periodNumber startOccurrence endOccurrence value scaling { customField { id } tiers { option { id } value } } } }";

pub(crate) fn plan_query() -> String {
    format!(
        "query($id: ID!) {{ commissionPlan(id: $id) {{ label partnerType paymentTarget autoAssignRecipient \
         groups {{ id }} categories {{ id }} partners {{ id }} archivedAt \
         entries {{ paymentStage {{ id }} calculation {{ oneOff {{ ...PC }} recurring {{ ...PC }} split {{ oneOff {{ ...PC }} recurring {{ ...PC }} }} }} }} }} }} {PAYMENT_CALCULATION}"
    )
}

/// How a part of a calculation given as input reads back.
fn read_back(part: &Value) -> Value {
    let scaling = |s: &Value| match s {
        Value::Null => Value::Null,
        s => json!({
            "customField": { "id": s["customFieldId"] },
            "tiers": s["tiers"].as_array().unwrap().iter()
                .map(|t| json!({ "option": { "id": t["optionId"] }, "value": t["value"] }))
                .collect::<Vec<_>>()
        }),
    };
    let rates: Vec<Value> = part["periodRates"]
        .as_array()
        .map(|rates| {
            rates
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({
                        "periodNumber": r.get("periodNumber").cloned().unwrap_or(json!(i + 1)),
                        "startOccurrence": r["startOccurrence"],
                        "endOccurrence": r["endOccurrence"],
                        "value": r["value"],
                        "scaling": scaling(&r["scaling"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "value": part["value"],
        "scaling": scaling(&part["scaling"]),
        "numberOfOccurrences": part.get("numberOfOccurrences").cloned().unwrap_or(Value::Null),
        "periodRates": rates,
    })
}

async fn seed_001s_full_plan_is_accepted_and_read_back_field_for_field(app: TestApp) {
    let p = pipeline(&app).await;
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 0 } }]))
        .await;
    let category = id_of(
        &app.ok(
            &app.admin(),
            "mutation { createCategory(input: { name: \"EMEA\" }) { id } }",
            json!({}),
        )
        .await["createCategory"],
    );
    let partner = app
        .create_partner(json!({ "name": "Seeded", "type": "RESELLER" }))
        .await;
    let scaling = |option: &str, value: &str| json!({ "customFieldId": p.size, "tiers": [{ "optionId": option, "value": value }] });
    // Seed 001's body, every part set: scaling inside period rates inside a
    // split, beside a recurring entry and a one-off.
    let split = json!({
        "oneOff": { "value": "10%", "scaling": scaling(&p.large, "12%") },
        "recurring": {
            "value": "5%",
            "scaling": scaling(&p.small, "4.5%"),
            "numberOfOccurrences": 12,
            "periodRates": [
                { "periodNumber": 1, "startOccurrence": 1, "endOccurrence": 3, "value": "8%", "scaling": scaling(&p.large, "9.25%") },
                { "periodNumber": 2, "startOccurrence": 4, "endOccurrence": 6, "value": "6%" }
            ]
        }
    });
    let recurring = json!({
        "value": "250",
        "scaling": scaling(&p.large, "400"),
        "periodRates": [{ "startOccurrence": 1, "endOccurrence": 2, "value": "300", "scaling": scaling(&p.small, "150.5") }]
    });
    let input = json!({
        "label": "Seed 001 — every part",
        "partnerType": "RESELLER",
        "paymentTarget": "INDIVIDUAL",
        "autoAssignRecipient": "DEAL_OWNER",
        "groupIds": [group],
        "categoryIds": [category],
        "partnerIds": [partner],
        "entries": [
            { "paymentStageId": p.stage("Closed won"), "calculation": { "split": split } },
            { "paymentStageId": p.stage("Qualified"), "calculation": { "recurring": recurring } },
            { "paymentStageId": p.stage("Proposal"), "calculation": { "oneOff": { "value": "500" } } }
        ]
    });
    let id = create_plan(&app, input).await;
    let data = app
        .ok(&app.admin(), &plan_query(), json!({ "id": id }))
        .await;
    assert_eq!(
        data["commissionPlan"],
        json!({
            "label": "Seed 001 — every part",
            "partnerType": "RESELLER",
            "paymentTarget": "INDIVIDUAL",
            "autoAssignRecipient": "DEAL_OWNER",
            "groups": [{ "id": group }],
            "categories": [{ "id": category }],
            "partners": [{ "id": partner }],
            "archivedAt": null,
            "entries": [
                { "paymentStage": { "id": p.stage("Closed won") }, "calculation": {
                    "oneOff": null, "recurring": null,
                    "split": { "oneOff": read_back(&split["oneOff"]), "recurring": read_back(&split["recurring"]) } } },
                { "paymentStage": { "id": p.stage("Qualified") }, "calculation": {
                    "oneOff": null, "recurring": read_back(&recurring), "split": null } },
                { "paymentStage": { "id": p.stage("Proposal") }, "calculation": {
                    "oneOff": read_back(&json!({ "value": "500" })), "recurring": null, "split": null } }
            ]
        })
    );
    // Spot checks of the mapping itself, so the comparison cannot pass on
    // two wrong halves.
    let first = &data["commissionPlan"]["entries"][0]["calculation"]["split"]["recurring"];
    assert_eq!(
        first["periodRates"][0]["scaling"]["tiers"][0]["value"],
        "9.25%"
    );
    assert_eq!(first["periodRates"][1]["scaling"], Value::Null);
    assert_eq!(first["numberOfOccurrences"], 12);
    let second = &data["commissionPlan"]["entries"][1]["calculation"]["recurring"];
    assert_eq!(second["numberOfOccurrences"], Value::Null);
    assert_eq!(second["periodRates"][0]["periodNumber"], 1);
}

async fn every_plan_rule_is_checked_and_names_its_path(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won").to_owned();
    let base = |entries: Value| json!({ "label": "Checked", "partnerType": "RESELLER", "entries": entries });
    let recurring = |limit: Value, rates: Value| json!([{ "paymentStageId": won, "calculation": { "recurring": { "value": "5%", "numberOfOccurrences": limit, "periodRates": rates } } }]);
    let scaled = |scaling: Value| json!([{ "paymentStageId": won, "calculation": { "oneOff": { "value": "10%", "scaling": scaling } } }]);
    let rate = |start: i32, end: i32| json!({ "startOccurrence": start, "endOccurrence": end, "value": "8%" });
    let other_stage = id_of(
        &app.ok(
            &app.admin_of(OTHER_TENANT),
            CREATE_STAGE,
            json!({ "input": { "name": "Theirs", "position": 1 } }),
        )
        .await["createDealStage"],
    );
    let other_partner = id_of(
        &app.ok(
            &app.admin_of(OTHER_TENANT),
            "mutation { createPartner(input: { name: \"Theirs\" }) { id } }",
            json!({}),
        )
        .await["createPartner"],
    );
    let group = app
        .create_group(
            "Checked group",
            json!([{ "recurring": { "percentage": 0 } }]),
        )
        .await;
    let entry = |value: &str| one_off(&won, value);
    let at = "input.entries[0].calculation";
    let cases: Vec<(Value, String)> = vec![
        (base(json!([])), "input.entries".into()),
        (
            base(json!((0..21).map(|_| entry("1%")).collect::<Vec<_>>())),
            "input.entries".into(),
        ),
        (base(json!([entry("abc")])), format!("{at}.oneOff.value")),
        (base(json!([entry("101%")])), format!("{at}.oneOff.value")),
        (base(json!([entry("-5")])), format!("{at}.oneOff.value")),
        (
            base(json!([entry("1.1234567")])),
            format!("{at}.oneOff.value"),
        ),
        (base(json!([entry("10 %")])), format!("{at}.oneOff.value")),
        (
            base(recurring(json!(0), json!([]))),
            format!("{at}.recurring.numberOfOccurrences"),
        ),
        (
            base(recurring(json!(12), json!([rate(0, 2)]))),
            format!("{at}.recurring.periodRates[0].startOccurrence"),
        ),
        (
            base(recurring(json!(12), json!([rate(3, 2)]))),
            format!("{at}.recurring.periodRates[0].endOccurrence"),
        ),
        (
            base(recurring(json!(12), json!([rate(1, 13)]))),
            format!("{at}.recurring.periodRates[0].endOccurrence"),
        ),
        (
            base(
                json!([entry("1%"), { "paymentStageId": won, "calculation": { "recurring": { "value": "5%", "periodRates": [rate(1, 3), rate(3, 4)] } } }]),
            ),
            "input.entries[1].calculation.recurring.periodRates[1].startOccurrence".into(),
        ),
        (
            base(
                json!([{ "paymentStageId": won, "calculation": { "split": { "oneOff": { "value": "1%" },
                "recurring": { "value": "5%", "numberOfOccurrences": 2, "periodRates": [rate(1, 3)] } } } }]),
            ),
            format!("{at}.split.recurring.periodRates[0].endOccurrence"),
        ),
        (
            base(scaled(json!({ "customFieldId": p.size, "tiers": [] }))),
            format!("{at}.oneOff.scaling.tiers"),
        ),
        (
            base(scaled(
                json!({ "customFieldId": p.size, "tiers": [{ "optionId": p.large, "value": "1%" }, { "optionId": p.large, "value": "2%" }] }),
            )),
            format!("{at}.oneOff.scaling.tiers[1].optionId"),
        ),
        (
            base(scaled(
                json!({ "customFieldId": "no-such-field", "tiers": [{ "optionId": p.large, "value": "1%" }] }),
            )),
            format!("{at}.oneOff.scaling.customFieldId"),
        ),
        (
            base(scaled(
                json!({ "customFieldId": p.size, "tiers": [{ "optionId": "no-such-option", "value": "1%" }] }),
            )),
            format!("{at}.oneOff.scaling.tiers[0].optionId"),
        ),
        (
            base(recurring(
                json!(12),
                json!([{ "startOccurrence": 1, "endOccurrence": 3, "value": "8%",
                "scaling": { "customFieldId": p.size, "tiers": [{ "optionId": p.large, "value": "x" }] } }]),
            )),
            format!("{at}.recurring.periodRates[0].scaling.tiers[0].value"),
        ),
        (
            base(json!([one_off("no-such-stage", "1%")])),
            "input.entries[0].paymentStageId".into(),
        ),
        (
            base(json!([one_off(&other_stage, "1%")])),
            "input.entries[0].paymentStageId".into(),
        ),
        (
            json!({ "label": "Spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "entries": [entry("1%")] }),
            "input.autoAssignRecipient".into(),
        ),
        (
            json!({ "label": "Org", "partnerType": "RESELLER", "autoAssignRecipient": "LEAD_CREATOR", "entries": [entry("1%")] }),
            "input.autoAssignRecipient".into(),
        ),
        (
            json!({ "label": " ", "partnerType": "RESELLER", "entries": [entry("1%")] }),
            "input.label".into(),
        ),
        (
            json!({ "label": "G", "partnerType": "RESELLER", "groupIds": ["no-such-group"], "entries": [entry("1%")] }),
            "input.groupIds[0]".into(),
        ),
        (
            json!({ "label": "G", "partnerType": "RESELLER", "groupIds": [group, group], "entries": [entry("1%")] }),
            "input.groupIds[1]".into(),
        ),
        (
            json!({ "label": "P", "partnerType": "RESELLER", "partnerIds": [other_partner], "entries": [entry("1%")] }),
            "input.partnerIds[0]".into(),
        ),
        (
            json!({ "label": "C", "partnerType": "RESELLER", "categoryIds": ["no-such-category"], "entries": [entry("1%")] }),
            "input.categoryIds[0]".into(),
        ),
    ];
    for (input, path) in cases {
        let error = app
            .error(Some(&app.admin()), CREATE_PLAN, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path.as_str()),
            "{input}: {error}"
        );
    }
    // A calculation of two kinds at once is refused before it runs.
    let (_, body) = app
        .post(
            Some(&app.admin()),
            CREATE_PLAN,
            json!({ "input": base(json!([{ "paymentStageId": won, "calculation": { "oneOff": { "value": "1%" }, "recurring": { "value": "1%" } } }])) }),
        )
        .await;
    assert_eq!(
        (code(&body["errors"][0]), field(&body["errors"][0])),
        ("BAD_USER_INPUT", "input.entries[0].calculation"),
        "{body}"
    );
    // The same checks on update, where the path is the update's input.
    let id = create_plan(&app, base(json!([entry("1%")]))).await;
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!, $input: UpdateCommissionPlanInput!) { updateCommissionPlan(id: $id, input: $input) { id } }",
            json!({ "id": id, "input": { "entries": recurring(json!(2), json!([rate(2, 3)])) } }),
        )
        .await;
    assert_eq!(
        field(&error),
        "input.entries[0].calculation.recurring.periodRates[0].endOccurrence"
    );
    // Nothing of the refused plans was written.
    let data = app
        .ok(
            &app.admin(),
            "{ commissionPlans(includeArchived: true) { totalCount nodes { entries { calculation { oneOff { value } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["commissionPlans"],
        json!({ "totalCount": 1, "nodes": [{ "entries": [{ "calculation": { "oneOff": { "value": "1%" } } }] }] })
    );
}

const LIST_PLANS: &str = "query($type: PartnerType, $target: PaymentTarget, $search: String, $archived: Boolean, $first: Int, $after: String) { \
    commissionPlans(partnerType: $type, paymentTarget: $target, search: $search, includeArchived: $archived, first: $first, after: $after) { \
    totalCount pageInfo { hasNextPage endCursor } nodes { label } } }";

async fn labels(app: &TestApp, variables: Value) -> Vec<String> {
    app.ok(&app.admin(), LIST_PLANS, variables).await["commissionPlans"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["label"].as_str().unwrap().to_owned())
        .collect()
}

async fn plans_are_updated_archived_and_listed_with_filters(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won");
    let gold = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 0 } }]))
        .await;
    let silver = app
        .create_group("Silver", json!([{ "recurring": { "percentage": 0 } }]))
        .await;
    let partner = app
        .create_partner(json!({ "name": "Listed", "type": "RESELLER" }))
        .await;
    let resellers = create_plan(
        &app,
        json!({ "label": "Resellers EMEA", "partnerType": "RESELLER", "groupIds": [gold], "partnerIds": [partner], "entries": [one_off(won, "10%")] }),
    )
    .await;
    create_plan(
        &app,
        json!({ "label": "Referral fee", "partnerType": "REFERRAL", "entries": [one_off(won, "500")] }),
    )
    .await;
    let spiff = create_plan(
        &app,
        json!({ "label": "Reseller spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "MANUAL", "entries": [one_off(won, "100")] }),
    )
    .await;

    let update = "mutation($id: ID!, $input: UpdateCommissionPlanInput!) { updateCommissionPlan(id: $id, input: $input) { label groups { name } partners { name } entries { calculation { oneOff { value } } } } }";
    // A list given replaces the current one; an omitted one stays.
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "id": resellers, "input": { "label": "Resellers", "groupIds": [silver] } }),
        )
        .await;
    assert_eq!(
        data["updateCommissionPlan"],
        json!({ "label": "Resellers", "groups": [{ "name": "Silver" }], "partners": [{ "name": "Listed" }],
                "entries": [{ "calculation": { "oneOff": { "value": "10%" } } }] })
    );
    // An empty list lifts the restriction; entries given replace them all.
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "id": resellers, "input": { "partnerIds": [], "entries": [one_off(won, "12%")] } }),
        )
        .await;
    assert_eq!(
        data["updateCommissionPlan"],
        json!({ "label": "Resellers", "groups": [{ "name": "Silver" }], "partners": [],
                "entries": [{ "calculation": { "oneOff": { "value": "12%" } } }] })
    );
    // A spiff keeps its recipient rule; making it a partnership plan needs
    // the rule cleared.
    let error = app
        .error(
            Some(&app.admin()),
            update,
            json!({ "id": spiff, "input": { "paymentTarget": "PARTNERSHIP" } }),
        )
        .await;
    assert_eq!(field(&error), "input.autoAssignRecipient");
    let error = app
        .error(
            Some(&app.admin()),
            update,
            json!({ "id": "no-such-plan", "input": { "label": "X" } }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
    // A group a plan is restricted to cannot be deleted from under it.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { deletePartnerGroup(id: $id) { id } }",
            json!({ "id": silver }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");

    assert_eq!(
        labels(&app, json!({})).await,
        ["Resellers", "Referral fee", "Reseller spiff"]
    );
    assert_eq!(
        labels(&app, json!({ "type": "RESELLER" })).await,
        ["Resellers", "Reseller spiff"]
    );
    assert_eq!(
        labels(&app, json!({ "target": "INDIVIDUAL" })).await,
        ["Reseller spiff"]
    );
    assert_eq!(
        labels(&app, json!({ "search": "RESELLER" })).await,
        ["Resellers", "Reseller spiff"]
    );
    assert_eq!(
        labels(&app, json!({ "search": "fee", "type": "REFERRAL" })).await,
        ["Referral fee"]
    );
    let error = app
        .error(
            Some(&app.admin()),
            LIST_PLANS,
            json!({ "search": "x".repeat(201) }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "search"));
    let page = app
        .ok(&app.admin(), LIST_PLANS, json!({ "first": 2 }))
        .await;
    assert_eq!(page["commissionPlans"]["totalCount"], 3);
    assert_eq!(page["commissionPlans"]["pageInfo"]["hasNextPage"], true);
    let cursor = page["commissionPlans"]["pageInfo"]["endCursor"].clone();
    assert_eq!(
        labels(&app, json!({ "first": 2, "after": cursor })).await,
        ["Reseller spiff"]
    );

    let archive = "mutation($id: ID!) { archiveCommissionPlan(id: $id) { label archivedAt } }";
    let data = app.ok(&app.admin(), archive, json!({ "id": spiff })).await;
    assert!(data["archiveCommissionPlan"]["archivedAt"].is_string());
    let error = app
        .error(Some(&app.admin()), archive, json!({ "id": spiff }))
        .await;
    assert_eq!(code(&error), "CONFLICT");
    assert_eq!(labels(&app, json!({})).await, ["Resellers", "Referral fee"]);
    assert_eq!(
        labels(&app, json!({ "archived": true })).await,
        ["Resellers", "Referral fee", "Reseller spiff"]
    );

    // Plans are the tenant's, read with commission_plans:read.
    let error = app
        .error(Some(&app.partner_token(&partner)), LIST_PLANS, json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(Some(&app.service("deals:read")), LIST_PLANS, json!({}))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let data = app
        .ok(&app.service("commission_plans:read"), LIST_PLANS, json!({}))
        .await;
    assert_eq!(data["commissionPlans"]["totalCount"], 2);
    let data = app
        .ok(&app.admin_of(OTHER_TENANT), LIST_PLANS, json!({}))
        .await;
    assert_eq!(data["commissionPlans"]["totalCount"], 0);
    let data = app
        .ok(
            &app.admin_of(OTHER_TENANT),
            "query($id: ID!) { commissionPlan(id: $id) { id } }",
            json!({ "id": resellers }),
        )
        .await;
    assert_eq!(data["commissionPlan"], Value::Null);
}

pub(crate) const TERMS: &str = "query($id: ID!) { deal(id: $id) { terms { version note plans { label paymentTarget matchedBy reason plan { id label } \
    entries { calculation { oneOff { value } } } } } } }";

async fn terms_of(app: &TestApp, deal: &str) -> Value {
    app.ok(&app.admin(), TERMS, json!({ "id": deal })).await["deal"]["terms"].clone()
}

/// (label, matchedBy) of each plan in a deal's terms.
async fn matched(app: &TestApp, deal: &str) -> Vec<(String, String)> {
    terms_of(app, deal).await["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["label"].as_str().unwrap().to_owned(),
                p["matchedBy"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn the_most_specific_plan_applies_and_deals_freeze_it(app: TestApp) {
    let p = pipeline(&app).await;
    let lead = p.stage("Lead").to_owned();
    let won = p.stage("Closed won").to_owned();
    let gold = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 0 } }]))
        .await;
    let emea = id_of(
        &app.ok(
            &app.admin(),
            "mutation { createCategory(input: { name: \"EMEA\" }) { id } }",
            json!({}),
        )
        .await["createCategory"],
    );
    let named = app
        .create_partner(
            json!({ "name": "Named", "type": "RESELLER", "groupId": gold, "categoryIds": [emea] }),
        )
        .await;
    let in_gold = app
        .create_partner(json!({ "name": "In gold", "type": "RESELLER", "groupId": gold, "categoryIds": [emea] }))
        .await;
    let in_emea = app
        .create_partner(json!({ "name": "In EMEA", "type": "RESELLER", "categoryIds": [emea] }))
        .await;
    let plain = app
        .create_partner(json!({ "name": "Plain", "type": "RESELLER" }))
        .await;
    let referral = app
        .create_partner(json!({ "name": "Referrer", "type": "REFERRAL" }))
        .await;
    let plan = |label: &str, restrictions: Value| {
        let mut input =
            json!({ "label": label, "partnerType": "RESELLER", "entries": [one_off(&won, "10%")] });
        input
            .as_object_mut()
            .unwrap()
            .extend(restrictions.as_object().unwrap().clone());
        input
    };
    create_plan(&app, plan("Any, older", json!({}))).await;
    create_plan(&app, plan("Gold", json!({ "groupIds": [gold] }))).await;
    create_plan(&app, plan("EMEA", json!({ "categoryIds": [emea] }))).await;
    create_plan(&app, plan("Named only", json!({ "partnerIds": [named] }))).await;
    // A category plan beats a newer group plan; a partner list beats both.
    create_plan(&app, plan("Gold, newer", json!({ "groupIds": [gold] }))).await;
    // Every restriction must hold: this plan names Plain, outside Gold.
    let gold_for_plain = create_plan(
        &app,
        plan(
            "Gold, for Plain",
            json!({ "groupIds": [gold], "partnerIds": [plain] }),
        ),
    )
    .await;
    let newest_any = create_plan(&app, plan("Any, newer", json!({}))).await;
    let archived = create_plan(&app, plan("Archived", json!({ "partnerIds": [plain] }))).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { archiveCommissionPlan(id: $id) { id } }",
        json!({ "id": archived }),
    )
    .await;
    create_plan(
        &app,
        json!({ "label": "Spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "LEAD_CREATOR", "entries": [one_off(&won, "100")] }),
    )
    .await;

    let mut deals = HashMap::new();
    for (name, partner) in [
        ("named", &named),
        ("in_gold", &in_gold),
        ("in_emea", &in_emea),
        ("plain", &plain),
        ("referral", &referral),
    ] {
        let deal = create_deal(
            &app,
            json!({ "externalId": format!("deal-{name}"), "partnerId": partner, "name": name, "amount": "1000", "stageId": lead }),
        )
        .await;
        deals.insert(name, deal);
    }
    let spiff = ("Spiff".to_owned(), "ANY".to_owned());
    let pair = |label: &str, by: &str| (label.to_owned(), by.to_owned());
    assert_eq!(
        matched(&app, &deals["named"]).await,
        [pair("Named only", "PARTNER"), spiff.clone()]
    );
    assert_eq!(
        matched(&app, &deals["in_gold"]).await,
        [pair("EMEA", "CATEGORY"), spiff.clone()]
    );
    assert_eq!(
        matched(&app, &deals["in_emea"]).await,
        [pair("EMEA", "CATEGORY"), spiff.clone()]
    );
    assert_eq!(
        matched(&app, &deals["plain"]).await,
        [pair("Any, newer", "ANY"), spiff.clone()]
    );
    assert_eq!(matched(&app, &deals["referral"]).await, []);
    let terms = terms_of(&app, &deals["in_emea"]).await;
    assert_eq!(terms["version"], 1);
    assert_eq!(terms["note"], Value::Null);
    assert_eq!(
        terms["plans"][0]["reason"],
        "The most specific plan for partnership commissions when the deal's terms froze: it names one of the partner's categories."
    );
    assert_eq!(terms["plans"][1]["paymentTarget"], "INDIVIDUAL");

    // A later edit reaches new deals only: the deal keeps what it froze.
    app.ok(
        &app.admin(),
        "mutation($id: ID!, $input: UpdateCommissionPlanInput!) { updateCommissionPlan(id: $id, input: $input) { id } }",
        json!({ "id": newest_any, "input": { "label": "Renamed", "entries": [one_off(&won, "15%")] } }),
    )
    .await;
    let terms = terms_of(&app, &deals["plain"]).await;
    assert_eq!(terms["plans"][0]["label"], "Any, newer");
    assert_eq!(terms["plans"][0]["plan"]["label"], "Renamed");
    assert_eq!(
        terms["plans"][0]["entries"],
        json!([{ "calculation": { "oneOff": { "value": "10%" } } }])
    );
    let later = create_deal(
        &app,
        json!({ "externalId": "deal-plain-2", "partnerId": plain, "name": "later", "amount": "1000", "stageId": lead }),
    )
    .await;
    let terms = terms_of(&app, &later).await;
    assert_eq!(terms["plans"][0]["label"], "Renamed");
    assert_eq!(
        terms["plans"][0]["entries"],
        json!([{ "calculation": { "oneOff": { "value": "15%" } } }])
    );
    // With the group lifted, the plan naming Plain holds, and wins.
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCommissionPlan(id: $id, input: { groupIds: [] }) { id } }",
        json!({ "id": gold_for_plain }),
    )
    .await;
    let latest = create_deal(
        &app,
        json!({ "externalId": "deal-plain-3", "partnerId": plain, "name": "latest", "amount": "1000", "stageId": lead }),
    )
    .await;
    let terms = terms_of(&app, &latest).await;
    assert_eq!(terms["plans"][0]["plan"]["id"], gold_for_plain);
    assert_eq!(terms["plans"][0]["matchedBy"], "PARTNER");
}

const AMEND: &str = "mutation($input: AmendDealTermsInput!) { amendDealTerms(input: $input) { terms { version note createdBy plans { label matchedBy reason } } \
    termsHistory { version note plans { label } } } }";

async fn amending_a_deals_terms_keeps_their_history(app: TestApp) {
    let p = pipeline(&app).await;
    let won = p.stage("Closed won").to_owned();
    let partner = app
        .create_partner(json!({ "name": "Amended", "type": "RESELLER" }))
        .await;
    create_plan(
        &app,
        json!({ "label": "Standard", "partnerType": "RESELLER", "entries": [one_off(&won, "10%")] }),
    )
    .await;
    // Newer, but for another partner: an amendment may name it all the same.
    let other = app
        .create_partner(json!({ "name": "Other", "type": "RESELLER" }))
        .await;
    let special = create_plan(
        &app,
        json!({ "label": "Special", "partnerType": "RESELLER", "partnerIds": [other], "entries": [one_off(&won, "20%")] }),
    )
    .await;
    let spiff = create_plan(
        &app,
        json!({ "label": "Spiff", "partnerType": "RESELLER", "paymentTarget": "INDIVIDUAL", "autoAssignRecipient": "MANUAL", "entries": [one_off(&won, "50")] }),
    )
    .await;
    let referral = create_plan(
        &app,
        json!({ "label": "Referral", "partnerType": "REFERRAL", "entries": [one_off(&won, "1%")] }),
    )
    .await;
    let archived = create_plan(
        &app,
        json!({ "label": "Old", "partnerType": "RESELLER", "entries": [one_off(&won, "1%")] }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { archiveCommissionPlan(id: $id) { id } }",
        json!({ "id": archived }),
    )
    .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "amended", "partnerId": partner, "name": "Amended deal", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;
    assert_eq!(
        matched(&app, &deal).await,
        [
            ("Standard".into(), "ANY".into()),
            ("Spiff".into(), "ANY".into())
        ]
    );

    for (plan_ids, note, path) in [
        (json!(["no-such-plan"]), "x", "input.planIds[0]"),
        (json!([archived]), "x", "input.planIds[0]"),
        (json!([referral]), "x", "input.planIds[0]"),
        (json!([special, special]), "x", "input.planIds[1]"),
        (json!([special]), " ", "input.note"),
    ] {
        let error = app
            .error(
                Some(&app.admin()),
                AMEND,
                json!({ "input": { "dealId": deal, "planIds": plan_ids, "note": note } }),
            )
            .await;
        assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", path));
    }
    let data = app
        .ok(
            &app.admin(),
            AMEND,
            json!({ "input": { "dealId": deal, "planIds": [special, spiff], "note": "Strategic account" } }),
        )
        .await;
    assert_eq!(
        data["amendDealTerms"]["terms"],
        json!({ "version": 2, "note": "Strategic account", "createdBy": "admin-of-acme", "plans": [
            { "label": "Special", "matchedBy": "AMENDMENT", "reason": "The plan for partnership commissions: the deal's terms were amended to it." },
            { "label": "Spiff", "matchedBy": "AMENDMENT", "reason": "The plan for spiffs: the deal's terms were amended to it." }
        ] })
    );
    // Amending to no plan at all is kept, note and all.
    let data = app
        .ok(
            &app.admin(),
            AMEND,
            json!({ "input": { "dealId": deal, "planIds": [], "note": "Lost its program" } }),
        )
        .await;
    assert_eq!(
        data["amendDealTerms"]["termsHistory"],
        json!([
            { "version": 1, "note": null, "plans": [{ "label": "Standard" }, { "label": "Spiff" }] },
            { "version": 2, "note": "Strategic account", "plans": [{ "label": "Special" }, { "label": "Spiff" }] },
            { "version": 3, "note": "Lost its program", "plans": [] }
        ])
    );
    // Moves after it follow the terms in force: none now.
    let data = app
        .ok(
            &app.admin(),
            "mutation($input: MoveDealInput!) { moveDeal(input: $input) { commissions { amount } } }",
            json!({ "input": { "dealId": deal, "stageId": won, "externalId": "amended-won" } }),
        )
        .await;
    assert_eq!(data["moveDeal"]["commissions"], json!([]));
    // Back to the special plan: the next deal event pays by it.
    app.ok(
        &app.admin(),
        AMEND,
        json!({ "input": { "dealId": deal, "planIds": [special], "note": "Back" } }),
    )
    .await;
    let data = app
        .ok(
            &app.admin(),
            "mutation($input: DealPaymentInput!) { recordDealPayment(input: $input) { commissions { amount } } }",
            json!({ "input": { "dealId": deal, "externalId": "amended-pay-1" } }),
        )
        .await;
    // Special is a one-off only: a payment earns nothing by it.
    assert_eq!(data["recordDealPayment"]["commissions"], json!([]));
    let error = app
        .error(
            Some(&app.service("deals:read")),
            AMEND,
            json!({ "input": { "dealId": deal, "planIds": [], "note": "x" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let error = app
        .error(
            Some(&app.admin_of(OTHER_TENANT)),
            AMEND,
            json!({ "input": { "dealId": deal, "planIds": [], "note": "x" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.dealId")
    );
}

const SIMULATE: &str = "mutation($plan: CommissionPlanInput, $planId: ID, $deal: DealSimulationInput!, $payments: Int!) { \
    simulateCommissionPlan(plan: $plan, planId: $planId, deal: $deal, payments: $payments) { \
    total currency lines { trigger stage { name } entryIndex occurrence value valueSource base amount } } }";

async fn a_plan_is_simulated_saved_or_unsaved(app: TestApp) {
    let p = pipeline(&app).await;
    let plan = reseller_plan(&p);
    let deal = json!({ "amount": "1000" });
    let data = app
        .ok(
            &app.admin(),
            SIMULATE,
            json!({ "plan": plan, "deal": deal, "payments": 4 }),
        )
        .await;
    let line = |trigger: &str, occurrence: Value, value: &str, source: &str, amount: &str| {
        json!({ "trigger": trigger, "stage": { "name": "Closed won" }, "entryIndex": 0, "occurrence": occurrence,
                "value": value, "valueSource": source, "base": "1000", "amount": amount })
    };
    let expected = json!({
        "total": "390.00",
        "currency": "USD",
        "lines": [
            line("STAGE", Value::Null, "10%", "BASE", "100.00"),
            line("PAYMENT", json!(1), "8%", "PERIOD_RATE", "80.00"),
            line("PAYMENT", json!(2), "8%", "PERIOD_RATE", "80.00"),
            line("PAYMENT", json!(3), "8%", "PERIOD_RATE", "80.00"),
            line("PAYMENT", json!(4), "5%", "BASE", "50.00"),
        ]
    });
    assert_eq!(data["simulateCommissionPlan"], expected);
    // The same plan saved, by id.
    let id = create_plan(&app, plan.clone()).await;
    let data = app
        .ok(
            &app.admin(),
            SIMULATE,
            json!({ "planId": id, "deal": deal, "payments": 4 }),
        )
        .await;
    assert_eq!(data["simulateCommissionPlan"], expected);
    // Past the limit of 12 occurrences nothing more is paid: 100 + 3 × 80
    // + 9 × 50.
    let data = app
        .ok(
            &app.admin(),
            SIMULATE,
            json!({ "planId": id, "deal": deal, "payments": 20 }),
        )
        .await;
    assert_eq!(data["simulateCommissionPlan"]["total"], "790.00");
    assert_eq!(
        data["simulateCommissionPlan"]["lines"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    // A scaling by the deal's option, in another currency's decimals (the
    // plan's fixed 500 is in yen, as the deal is).
    let scaled = json!({
        "label": "Scaled",
        "partnerType": "RESELLER",
        "currency": "JPY",
        "entries": [
            one_off(p.stage("Qualified"), "500"),
            { "paymentStageId": p.stage("Closed won"), "calculation": { "oneOff": { "value": "10%",
              "scaling": { "customFieldId": p.size, "tiers": [{ "optionId": p.large, "value": "12.5%" }] } } } }
        ]
    });
    let data = app
        .ok(
            &app.admin(),
            SIMULATE,
            json!({ "plan": scaled, "deal": { "amount": "999", "currency": "JPY",
                    "customFieldValues": [{ "customFieldId": p.size, "optionId": p.large }] }, "payments": 0 }),
        )
        .await;
    assert_eq!(
        data["simulateCommissionPlan"],
        json!({ "total": "625", "currency": "JPY", "lines": [
            { "trigger": "STAGE", "stage": { "name": "Qualified" }, "entryIndex": 0, "occurrence": null, "value": "500", "valueSource": "BASE", "base": "999", "amount": "500" },
            { "trigger": "STAGE", "stage": { "name": "Closed won" }, "entryIndex": 1, "occurrence": null, "value": "12.5%", "valueSource": "SCALING_TIER", "base": "999", "amount": "125" }
        ] })
    );
    for (variables, path) in [
        (json!({ "deal": deal, "payments": 1 }), "plan"),
        (
            json!({ "plan": plan, "planId": id, "deal": deal, "payments": 1 }),
            "plan",
        ),
        (
            json!({ "planId": "no-such-plan", "deal": deal, "payments": 1 }),
            "planId",
        ),
        (
            json!({ "plan": plan, "deal": deal, "payments": 241 }),
            "payments",
        ),
        (
            json!({ "plan": plan, "deal": deal, "payments": -1 }),
            "payments",
        ),
        (
            json!({ "plan": plan, "deal": { "amount": "0" }, "payments": 1 }),
            "deal.amount",
        ),
        (
            json!({ "plan": plan, "deal": { "amount": "10", "currency": "XYZ" }, "payments": 1 }),
            "deal.currency",
        ),
        (
            json!({ "plan": plan, "deal": { "amount": "10", "customFieldValues": [{ "customFieldId": p.size, "optionId": "nope" }] }, "payments": 1 }),
            "deal.customFieldValues[0].optionId",
        ),
        (
            json!({ "plan": { "label": "Bad", "partnerType": "RESELLER", "entries": [one_off("nope", "1%")] }, "deal": deal, "payments": 1 }),
            "plan.entries[0].paymentStageId",
        ),
        (
            json!({ "plan": { "label": "Bad", "partnerType": "RESELLER", "entries": [one_off(p.stage("Lead"), "1%%")] }, "deal": deal, "payments": 1 }),
            "plan.entries[0].calculation.oneOff.value",
        ),
    ] {
        let error = app.error(Some(&app.admin()), SIMULATE, variables).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", path),
            "{error}"
        );
    }
    let error = app
        .error(
            Some(&app.service("commission_plans:read")),
            SIMULATE,
            json!({ "planId": id, "deal": deal, "payments": 1 }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    // Simulating writes nothing.
    let data = app
        .ok(
            &app.admin(),
            "{ commissions { totalCount } deals { totalCount } commissionPlans { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "commissions": { "totalCount": 0 }, "deals": { "totalCount": 0 }, "commissionPlans": { "totalCount": 1 } })
    );
}
