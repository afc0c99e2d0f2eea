//! Partner groups (SPEC §5): lifecycle, the one default group, validation,
//! listing, and rule simulation.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use async_graphql::futures_util::future::join_all;
use serde_json::{Value, json};

const GROUP_FIELDS: &str = "id name description externalId tags isDefault partnerCount \
    rules { type description \
      ... on RecurringRule { percentage maxMonths } \
      ... on NewCustomerTimeTierRule { maxMonths percentage } \
      ... on PartnerLtvUpgradeRule { minLtvTotal upgradePercentage } \
      ... on ChargeThresholdBonusRule { minChargeTotal bonus } \
      ... on QualifiedCustomersUpgradeRule { minCustomers upgradePercentage } \
      ... on FirstPaidCustomerBonusRule { bonus } \
      ... on FlatFeeRule { amount eventKind } }";

async fn default_groups(app: &TestApp) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "{ partnerGroups(first: 100) { nodes { name isDefault } } }",
            json!({}),
        )
        .await;
    data["partnerGroups"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["isDefault"] == true)
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn group_count(app: &TestApp) -> u64 {
    let data = app
        .ok(&app.admin(), "{ partnerGroups { totalCount } }", json!({}))
        .await;
    data["partnerGroups"]["totalCount"].as_u64().unwrap()
}

on_both_databases!(
    a_group_is_created_with_every_rule_type,
    a_group_is_updated_field_by_field,
    making_a_group_default_undefaults_the_old_one,
    concurrent_default_switches_leave_exactly_one_default,
    the_default_group_cannot_be_deleted_or_undefaulted,
    deleting_a_group_moves_its_partners,
    every_rule_validation_names_the_field_and_writes_nothing,
    other_group_validations_name_the_field,
    groups_are_listed_by_tag_and_name,
    simulations_return_fee_percentage_and_breakdown,
);

async fn a_group_is_created_with_every_rule_type(app: TestApp) {
    let input = json!({
        "name": "  Performance Agencies ",
        "description": "Tier for high-volume agencies",
        "externalId": "P-GROUP-PERF",
        "tags": ["managed", "performance", "managed"],
        "rules": [
            { "newCustomerTimeTier": { "maxMonths": 6, "percentage": 30, "description": "Intro" } },
            { "recurring": { "percentage": "12.5", "maxMonths": 24 } },
            { "partnerLtvUpgrade": { "minLtvTotal": "10000", "upgradePercentage": 5 } },
            { "chargeThresholdBonus": { "minChargeTotal": 500, "bonus": "25.00" } },
            { "qualifiedCustomersUpgrade": { "minCustomers": 10, "upgradePercentage": 2 } },
            { "firstPaidCustomerBonus": { "bonus": 50 } },
            { "flatFee": { "amount": "3", "eventKind": "LEAD" } },
        ],
    });
    let query = format!(
        "mutation($input: CreatePartnerGroupInput!) {{ createPartnerGroup(input: $input) {{ {GROUP_FIELDS} }} }}"
    );
    let data = app
        .ok(&app.admin(), &query, json!({ "input": input }))
        .await;
    let group = &data["createPartnerGroup"];
    assert_eq!(group["name"], "Performance Agencies");
    assert_eq!(group["description"], "Tier for high-volume agencies");
    assert_eq!(group["externalId"], "P-GROUP-PERF");
    assert_eq!(group["tags"], json!(["managed", "performance"]));
    assert_eq!(group["isDefault"], false);
    assert_eq!(group["partnerCount"], 0);
    assert_eq!(
        group["rules"],
        json!([
            { "type": "NEW_CUSTOMER_TIME_TIER", "description": "Intro", "maxMonths": 6, "percentage": "30" },
            { "type": "RECURRING", "description": null, "percentage": "12.5", "maxMonths": 24 },
            { "type": "PARTNER_LTV_UPGRADE", "description": null, "minLtvTotal": "10000", "upgradePercentage": "5" },
            { "type": "CHARGE_THRESHOLD_BONUS", "description": null, "minChargeTotal": "500", "bonus": "25.00" },
            { "type": "QUALIFIED_CUSTOMERS_UPGRADE", "description": null, "minCustomers": 10, "upgradePercentage": "2" },
            { "type": "FIRST_PAID_CUSTOMER_BONUS", "description": null, "bonus": "50" },
            { "type": "FLAT_FEE", "description": null, "amount": "3", "eventKind": "LEAD" },
        ])
    );

    // Read back by id: the same object.
    let id = group["id"].as_str().unwrap();
    let query = format!("query($id: ID!) {{ partnerGroup(id: $id) {{ {GROUP_FIELDS} }} }}");
    let read = app.ok(&app.admin(), &query, json!({ "id": id })).await;
    assert_eq!(&read["partnerGroup"], group);
}

async fn a_group_is_updated_field_by_field(app: TestApp) {
    let id = app
        .create_group("Silver", json!([{ "recurring": { "percentage": 5 } }]))
        .await;
    let update = "mutation($id: ID!, $input: UpdatePartnerGroupInput!) { updatePartnerGroup(id: $id, input: $input) { name description externalId tags rules { type ... on RecurringRule { percentage } } } }";
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "id": id, "input": { "description": "Mid tier", "externalId": "SILVER", "tags": ["mid"] } }),
        )
        .await;
    assert_eq!(
        data["updatePartnerGroup"],
        json!({ "name": "Silver", "description": "Mid tier", "externalId": "SILVER", "tags": ["mid"],
                "rules": [{ "type": "RECURRING", "percentage": "5" }] })
    );
    let data = app
        .ok(
            &app.admin(),
            update,
            json!({ "id": id, "input": { "name": "Silver v2", "description": null, "rules": [{ "recurring": { "percentage": 14 } }] } }),
        )
        .await;
    assert_eq!(
        data["updatePartnerGroup"],
        json!({ "name": "Silver v2", "description": null, "externalId": "SILVER", "tags": ["mid"],
                "rules": [{ "type": "RECURRING", "percentage": "14" }] })
    );
}

async fn making_a_group_default_undefaults_the_old_one(app: TestApp) {
    assert_eq!(default_groups(&app).await, vec!["Default"]);
    let data = app
        .ok(
            &app.admin(),
            r#"mutation { createPartnerGroup(input: { name: "Gold", isDefault: true, rules: [{ recurring: { percentage: 20 } }] }) { id isDefault } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["createPartnerGroup"]["isDefault"], true);
    assert_eq!(default_groups(&app).await, vec!["Gold"]);

    // A partner created without a group now lands in Gold.
    let partner = app.create_partner(json!({ "name": "P" })).await;
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { group { name } } }",
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(data["partner"]["group"]["name"], "Gold");

    let silver = app
        .create_group("Silver", json!([{ "recurring": { "percentage": 5 } }]))
        .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { isDefault: true }) { isDefault } }",
        json!({ "id": silver }),
    )
    .await;
    assert_eq!(default_groups(&app).await, vec!["Silver"]);
}

async fn concurrent_default_switches_leave_exactly_one_default(app: TestApp) {
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            app.create_group(
                &format!("G{i}"),
                json!([{ "recurring": { "percentage": i } }]),
            )
            .await,
        );
    }
    let token = app.admin();
    let mutation = "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { isDefault: true }) { isDefault } }";
    let replies = join_all(
        ids.iter()
            .map(|id| app.post(Some(&token), mutation, json!({ "id": id }))),
    )
    .await;
    for (status, body) in replies {
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body}");
    }
    let defaults = default_groups(&app).await;
    assert_eq!(defaults.len(), 1, "{defaults:?}");
}

async fn the_default_group_cannot_be_deleted_or_undefaulted(app: TestApp) {
    let data = app
        .ok(
            &app.admin(),
            "{ partnerGroups { nodes { id } } }",
            json!({}),
        )
        .await;
    let default = data["partnerGroups"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { deletePartnerGroup(id: $id) { deleted } }",
            json!({ "id": default }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "id"));
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { isDefault: false, name: \"Renamed\" }) { id } }",
            json!({ "id": default }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.isDefault")
    );
    // Nothing of the refused update was written.
    assert_eq!(default_groups(&app).await, vec!["Default"]);
}

async fn deleting_a_group_moves_its_partners(app: TestApp) {
    let bronze = app
        .create_group("Bronze", json!([{ "recurring": { "percentage": 3 } }]))
        .await;
    let silver = app
        .create_group("Silver", json!([{ "recurring": { "percentage": 5 } }]))
        .await;
    let a = app
        .create_partner(json!({ "name": "A", "groupId": bronze }))
        .await;
    let b = app
        .create_partner(json!({ "name": "B", "groupId": bronze }))
        .await;
    let delete = "mutation($id: ID!, $to: ID) { deletePartnerGroup(id: $id, reassignTo: $to) { id deleted reassignedTo reassignedPartnerCount } }";

    let error = app
        .error(
            Some(&app.admin()),
            delete,
            json!({ "id": bronze, "to": "01JUNKJUNKJUNKJUNKJUNKJUNK" }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "reassignTo")
    );
    let error = app
        .error(
            Some(&app.admin()),
            delete,
            json!({ "id": bronze, "to": bronze }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "reassignTo")
    );

    let data = app
        .ok(&app.admin(), delete, json!({ "id": bronze, "to": silver }))
        .await;
    assert_eq!(
        data["deletePartnerGroup"],
        json!({ "id": bronze, "deleted": true, "reassignedTo": silver, "reassignedPartnerCount": 2 })
    );
    let data = app
        .ok(&app.admin(), "query($a: ID!, $b: ID!) { a: partner(id: $a) { group { name } } b: partner(id: $b) { group { name } } }", json!({ "a": a, "b": b }))
        .await;
    assert_eq!(
        data,
        json!({ "a": { "group": { "name": "Silver" } }, "b": { "group": { "name": "Silver" } } })
    );

    // Without reassignTo the partners go to the default group.
    let data = app.ok(&app.admin(), delete, json!({ "id": silver })).await;
    assert_eq!(data["deletePartnerGroup"]["reassignedPartnerCount"], 2);
    let data = app
        .ok(
            &app.admin(),
            "query($a: ID!) { partner(id: $a) { group { name isDefault } } }",
            json!({ "a": a }),
        )
        .await;
    assert_eq!(
        data["partner"]["group"],
        json!({ "name": "Default", "isDefault": true })
    );
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partnerGroup(id: $id) { id } }",
            json!({ "id": silver }),
        )
        .await;
    assert_eq!(data["partnerGroup"], Value::Null);
}

async fn every_rule_validation_names_the_field_and_writes_nothing(app: TestApp) {
    let recurring = json!({ "recurring": { "percentage": 10 } });
    let cases: Vec<(Value, &str)> = vec![
        (json!([]), "input.rules"),
        (
            json!([{ "newCustomerTimeTier": { "maxMonths": 3, "percentage": 20 } }]),
            "input.rules",
        ),
        (
            json!([recurring, { "recurring": { "percentage": 5 } }]),
            "input.rules[1]",
        ),
        (
            json!([{ "recurring": { "percentage": "100.5" } }]),
            "input.rules[0].recurring.percentage",
        ),
        (
            json!([{ "recurring": { "percentage": -1 } }]),
            "input.rules[0].recurring.percentage",
        ),
        (
            json!([{ "recurring": { "percentage": 10, "maxMonths": 0 } }]),
            "input.rules[0].recurring.maxMonths",
        ),
        (
            json!([recurring, { "newCustomerTimeTier": { "maxMonths": 0, "percentage": 20 } }]),
            "input.rules[1].newCustomerTimeTier.maxMonths",
        ),
        (
            json!([recurring, { "newCustomerTimeTier": { "maxMonths": 3, "percentage": 101 } }]),
            "input.rules[1].newCustomerTimeTier.percentage",
        ),
        (
            json!([recurring, { "newCustomerTimeTier": { "maxMonths": 3, "percentage": 20 } }, { "newCustomerTimeTier": { "maxMonths": 3, "percentage": 30 } }]),
            "input.rules[2].newCustomerTimeTier.maxMonths",
        ),
        (
            json!([recurring, { "partnerLtvUpgrade": { "minLtvTotal": 0, "upgradePercentage": 2 } }]),
            "input.rules[1].partnerLtvUpgrade.minLtvTotal",
        ),
        (
            json!([recurring, { "partnerLtvUpgrade": { "minLtvTotal": 100, "upgradePercentage": 2 } }, { "partnerLtvUpgrade": { "minLtvTotal": "100.00", "upgradePercentage": 3 } }]),
            "input.rules[2].partnerLtvUpgrade.minLtvTotal",
        ),
        (
            json!([recurring, { "chargeThresholdBonus": { "minChargeTotal": -5, "bonus": 10 } }]),
            "input.rules[1].chargeThresholdBonus.minChargeTotal",
        ),
        (
            json!([recurring, { "chargeThresholdBonus": { "minChargeTotal": 50, "bonus": 0 } }]),
            "input.rules[1].chargeThresholdBonus.bonus",
        ),
        (
            json!([recurring, { "qualifiedCustomersUpgrade": { "minCustomers": 0, "upgradePercentage": 1 } }]),
            "input.rules[1].qualifiedCustomersUpgrade.minCustomers",
        ),
        (
            json!([recurring, { "qualifiedCustomersUpgrade": { "minCustomers": 5, "upgradePercentage": 1 } }, { "qualifiedCustomersUpgrade": { "minCustomers": 5, "upgradePercentage": 2 } }]),
            "input.rules[2].qualifiedCustomersUpgrade.minCustomers",
        ),
        (
            json!([recurring, { "firstPaidCustomerBonus": { "bonus": 0 } }]),
            "input.rules[1].firstPaidCustomerBonus.bonus",
        ),
        (
            json!([recurring, { "flatFee": { "amount": 0 } }]),
            "input.rules[1].flatFee.amount",
        ),
    ];
    let mutation =
        "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }";
    for (rules, expected) in cases {
        let error = app
            .error(
                Some(&app.admin()),
                mutation,
                json!({ "input": { "name": "Bad", "rules": rules } }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{rules}: {error}"
        );
    }
    // Two fields of a @oneOf rule at once are refused by the schema itself.
    let both = json!([{ "recurring": { "percentage": 1 }, "flatFee": { "amount": 1 } }]);
    let error = app
        .error(
            Some(&app.admin()),
            mutation,
            json!({ "input": { "name": "Bad", "rules": both } }),
        )
        .await;
    assert_eq!(code(&error), "BAD_USER_INPUT");
    assert_eq!(group_count(&app).await, 1);
}

async fn other_group_validations_name_the_field(app: TestApp) {
    let rules = json!([{ "recurring": { "percentage": 10 } }]);
    app.ok(
        &app.admin(),
        "mutation($r: [GroupRuleInput!]!) { createPartnerGroup(input: { name: \"A\", externalId: \"EXT\", rules: $r }) { id } }",
        json!({ "r": rules }),
    )
    .await;
    let mutation =
        "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }";
    let cases = [
        (json!({ "name": "   " }), "input.name"),
        (json!({ "name": "x".repeat(201) }), "input.name"),
        (
            json!({ "name": "B", "externalId": "EXT" }),
            "input.externalId",
        ),
        (
            json!({ "name": "B", "tags": ["ok", "a,b"] }),
            "input.tags[1]",
        ),
        (json!({ "name": "B", "tags": [""] }), "input.tags[0]"),
    ];
    for (mut input, expected) in cases {
        input["rules"] = rules.clone();
        let error = app
            .error(Some(&app.admin()), mutation, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{error}"
        );
    }
    // The other tenant may reuse the external id.
    let data = app
        .ok(
            &app.admin_of(crate::helpers::OTHER_TENANT),
            mutation,
            json!({ "input": { "name": "B", "externalId": "EXT", "rules": rules } }),
        )
        .await;
    assert!(data["createPartnerGroup"]["id"].is_string());
    assert_eq!(group_count(&app).await, 2);
}

async fn groups_are_listed_by_tag_and_name(app: TestApp) {
    let admin = app.admin();
    for (name, tags) in [
        ("Managed Gold", json!(["managed", "gold"])),
        ("Managed Silver", json!(["Managed"])),
        ("Affiliates", json!(["affiliate"])),
    ] {
        app.ok(
            &admin,
            "mutation($n: String!, $t: [String!]!) { createPartnerGroup(input: { name: $n, tags: $t, rules: [{ recurring: { percentage: 1 } }] }) { id } }",
            json!({ "n": name, "t": tags }),
        )
        .await;
    }
    let names = |data: &Value| -> Vec<String> {
        data["partnerGroups"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let data = app
        .ok(
            &admin,
            "{ partnerGroups(tag: \"managed\") { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&data), vec!["Managed Gold", "Managed Silver"]);
    assert_eq!(data["partnerGroups"]["totalCount"], 2);
    let data = app
        .ok(
            &admin,
            "{ partnerGroups(tag: \"gold\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&data), vec!["Managed Gold"]);
    let data = app
        .ok(
            &admin,
            "{ partnerGroups(tag: \"man\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert!(names(&data).is_empty());
    let data = app
        .ok(
            &admin,
            "{ partnerGroups(search: \"SILV\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&data), vec!["Managed Silver"]);
    let data = app
        .ok(
            &admin,
            "{ partnerGroups(search: \"%\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert!(names(&data).is_empty());
}

async fn simulations_return_fee_percentage_and_breakdown(app: TestApp) {
    let token = app.service("partner_groups:write");
    let simulate = "mutation($rules: [GroupRuleInput!]!, $sim: SimulationInput!) { simulatePartnerGroupRules(rules: $rules, simulation: $sim) { finalFee currency effectivePercentage unroundedFee partnershipEnded breakdown { ruleIndex type description percentage amount } } }";
    // Seed 000's example, with the JSON numbers of the seed's request body.
    let rules = json!([
        { "newCustomerTimeTier": { "maxMonths": 3, "percentage": 25, "description": "Intro" } },
        { "recurring": { "percentage": 10 } },
    ]);
    let sim = json!({ "chargeAmount": 299.9, "customerMonths": 2, "partnerLtv": 4500, "qualifiedCustomers": 12, "firstPaidCustomerBootstrap": false });
    let data = app
        .ok(&token, simulate, json!({ "rules": rules, "sim": sim }))
        .await;
    assert_eq!(
        data["simulatePartnerGroupRules"],
        json!({
            "finalFee": "74.98", "currency": "USD", "effectivePercentage": "25", "unroundedFee": "74.975",
            "partnershipEnded": false,
            "breakdown": [{ "ruleIndex": 0, "type": "NEW_CUSTOMER_TIME_TIER", "description": "Intro", "percentage": "25", "amount": "74.975" }],
        })
    );

    let rich = json!([
        { "recurring": { "percentage": 10 } },
        { "partnerLtvUpgrade": { "minLtvTotal": 1000, "upgradePercentage": 5 } },
        { "firstPaidCustomerBonus": { "bonus": 20 } },
        { "flatFee": { "amount": 1 } },
    ]);
    let sim = json!({ "chargeAmount": "100", "partnerLtv": "1000", "firstPaidCustomerBootstrap": true, "currency": "JPY" });
    let data = app
        .ok(&token, simulate, json!({ "rules": rich, "sim": sim }))
        .await;
    let result = &data["simulatePartnerGroupRules"];
    assert_eq!(result["finalFee"], "36");
    assert_eq!(result["currency"], "JPY");
    assert_eq!(result["effectivePercentage"], "15");
    let types: Vec<&str> = result["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "RECURRING",
            "PARTNER_LTV_UPGRADE",
            "FIRST_PAID_CUSTOMER_BONUS",
            "FLAT_FEE"
        ]
    );

    let error = app
        .error(
            Some(&token),
            simulate,
            json!({ "rules": rich, "sim": { "chargeAmount": -1 } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "simulation.chargeAmount")
    );
    let error = app
        .error(
            Some(&token),
            simulate,
            json!({ "rules": rich, "sim": { "currency": "XYZ" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "simulation.currency")
    );
    let error = app
        .error(Some(&token), simulate, json!({ "rules": [], "sim": {} }))
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "rules"));

    // A stored group's rules.
    let id = app.create_group("Intro", rules).await;
    let data = app
        .ok(
            &token,
            "mutation($id: ID!) { simulatePartnerGroup(id: $id, simulation: { chargeAmount: 299.9, customerMonths: 4 }) { finalFee effectivePercentage } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["simulatePartnerGroup"],
        json!({ "finalFee": "29.99", "effectivePercentage": "10" })
    );
    let error = app
        .error(
            Some(&app.admin_of(crate::helpers::OTHER_TENANT)),
            "mutation($id: ID!) { simulatePartnerGroup(id: $id, simulation: {}) { finalFee } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&error), "NOT_FOUND");
}
