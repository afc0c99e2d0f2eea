//! Money and input grammar (SPEC §2, §11): one grammar for decimal strings,
//! bounds on every modifier, goal and date, amounts beyond the ledger's
//! range answered as the client's error naming the field (never
//! `INTERNAL`, never an event that can't be recorded), and malformed
//! literals answered under their input path — in a batch, as that item's
//! error alone.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::default_campaign;
use crate::support::partners::partner_at;
use crate::support::sales::sale_input;
use serde_json::{Value, json};

on_both_databases!(
    a_modifier_beyond_its_bound_is_refused_where_it_is_set,
    an_amount_beyond_the_ledger_is_the_items_error_on_every_delivery,
    a_tier_that_takes_a_commission_to_zero_writes_no_row,
    lenient_spellings_are_refused_naming_the_field,
    a_malformed_decimal_names_its_field_and_sinks_no_batch,
);

const CREATE_TIER: &str =
    "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }";
const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate commissions { amount } } }";
const RECORD_MANY: &str = "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId payload { commissions { amount } } error { code field } } }";

/// A tier for every partner in `campaign`, reached from the first sale,
/// with `payout` as its modifier.
fn tier(campaign: &str, payout: Value) -> Value {
    json!({
        "name": "Every sale", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
        "period": "GLOBAL", "applyToAllPartners": true, "campaignIds": [campaign],
        "payout": payout, "goals": { "events": 1 }
    })
}

async fn a_modifier_beyond_its_bound_is_refused_where_it_is_set(app: TestApp) {
    let campaign = default_campaign(&app).await;
    let admin = app.admin();
    for (payout, message) in [
        (
            json!({ "action": "INCREASE", "value": "1000000000000" }),
            "must be greater than 0 and at most 1000 for INCREASE",
        ),
        (
            json!({ "action": "DECREASE", "value": "150" }),
            "must be greater than 0 and at most 100 for DECREASE",
        ),
        (
            json!({ "action": "FLAT_INCREASE", "value": "1000000000000.01" }),
            "must be greater than 0 and at most 1000000000000 for FLAT_INCREASE",
        ),
    ] {
        let error = app
            .error(
                Some(&admin),
                CREATE_TIER,
                json!({ "input": tier(&campaign, payout) }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.payout.value"),
            "{error}"
        );
        assert_eq!(error["message"], format!("input.payout.value: {message}"));
    }
    let data = app
        .ok(&admin, "{ tieredCommissions { totalCount } }", json!({}))
        .await;
    assert_eq!(data["tieredCommissions"]["totalCount"], 0);
}

/// The poison event of the last round: a sale whose commission, as a tier
/// raises it, is beyond one ledger row. It is the item's error, naming its
/// amount, on the first delivery and every one after; the rest of its
/// batch is recorded.
async fn an_amount_beyond_the_ledger_is_the_items_error_on_every_delivery(app: TestApp) {
    let campaign = default_campaign(&app).await;
    let partner = partner_at(&app, "Whale", 100).await;
    app.ok(
        &app.admin(),
        CREATE_TIER,
        json!({ "input": tier(&campaign, json!({ "action": "INCREASE", "value": "1000" })) }),
    )
    .await;
    let events = app.service("events:write");
    for _ in 0..2 {
        let error = app
            .error(
                Some(&events),
                RECORD,
                json!({ "input": sale_input(&partner, "whale-1", "1000000000000") }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.amount"),
            "{error}"
        );
        assert_eq!(
            error["message"],
            "input.amount: earns 11000000000000.00 USD, more than one commission may be (at most 1000000000000)"
        );
    }
    let data = app
        .ok(
            &events,
            RECORD_MANY,
            json!({ "input": [
                sale_input(&partner, "ok-1", "100"),
                sale_input(&partner, "whale-2", "1000000000000"),
                sale_input(&partner, "ok-2", "100"),
            ] }),
        )
        .await;
    assert_eq!(
        data["recordEvents"],
        json!([
            { "externalId": "ok-1", "payload": { "commissions": [{ "amount": "1100.00" }] }, "error": null },
            { "externalId": "whale-2", "payload": null, "error": { "code": "BAD_USER_INPUT", "field": "input[1].amount" } },
            { "externalId": "ok-2", "payload": { "commissions": [{ "amount": "1100.00" }] }, "error": null },
        ])
    );
    // A sale the ledger can hold, at the edge: 90,909,090,909.09 × 11.
    let data = app
        .ok(
            &events,
            RECORD,
            json!({ "input": sale_input(&partner, "edge", "90909090909.09") }),
        )
        .await;
    assert_eq!(
        data["recordEvent"]["commissions"],
        json!([{ "amount": "999999999999.99" }])
    );
    crate::support::ledger::assert_balances_agree(&app).await;
}

/// README: no zero rows. A tier decreasing a commission by 100 % leaves
/// the event recorded, counted toward the tier, and no commission.
async fn a_tier_that_takes_a_commission_to_zero_writes_no_row(app: TestApp) {
    let campaign = default_campaign(&app).await;
    let partner = partner_at(&app, "Zeroed", 10).await;
    app.ok(
        &app.admin(),
        CREATE_TIER,
        json!({ "input": tier(&campaign, json!({ "action": "DECREASE", "value": "100" })) }),
    )
    .await;
    let data = app
        .ok(
            &app.service("events:write"),
            RECORD,
            json!({ "input": sale_input(&partner, "z-1", "100") }),
        )
        .await;
    assert_eq!(data["recordEvent"]["commissions"], json!([]));
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { partner(id: $id) { commissions { totalCount } tierProgress { totals { events payout } } } }",
            json!({ "id": partner }),
        )
        .await;
    assert_eq!(
        data["partner"],
        json!({ "commissions": { "totalCount": 0 }, "tierProgress": [{ "totals": { "events": 1, "payout": "0.00" } }] })
    );
}

async fn lenient_spellings_are_refused_naming_the_field(app: TestApp) {
    let admin = app.admin();
    let stage = app
        .ok(
            &admin,
            "mutation { createDealStage(input: { name: \"Won\", position: 10 }) { id } }",
            json!({}),
        )
        .await["createDealStage"]["id"]
        .clone();
    let plan =
        "mutation($input: CommissionPlanInput!) { createCommissionPlan(input: $input) { id } }";
    for value in [" 10", "\t5%", "\u{a0}10", "10 ", "1e1"] {
        let input = json!({ "label": "P", "partnerType": "REFERRAL",
            "entries": [{ "paymentStageId": stage, "calculation": { "oneOff": { "value": value } } }] });
        let error = app
            .error(Some(&admin), plan, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            (
                "BAD_USER_INPUT",
                "input.entries[0].calculation.oneOff.value"
            ),
            "{value:?}: {error}"
        );
    }
    let error = app
        .error(
            Some(&admin),
            "mutation { updateTenant(input: { timeZone: \" UTC\" }) { timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.timeZone")
    );
    let campaign = default_campaign(&app).await;
    let mut early = tier(&campaign, json!({ "action": "INCREASE", "value": "10" }));
    early["startDate"] = json!("0000-01-01");
    let error = app
        .error(Some(&admin), CREATE_TIER, json!({ "input": early }))
        .await;
    assert_eq!(
        (code(&error), field(&error), error["message"].as_str()),
        (
            "BAD_USER_INPUT",
            "input.startDate",
            Some("input.startDate: must be from 1970-01-01 to 2999-12-31")
        )
    );
    let mut precise = tier(&campaign, json!({ "action": "INCREASE", "value": "10" }));
    precise["goals"] = json!({ "payout": "10.001" });
    let error = app
        .error(Some(&admin), CREATE_TIER, json!({ "input": precise }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.goals.payout")
    );
    let mut flat = tier(
        &campaign,
        json!({ "action": "FLAT_INCREASE", "value": "0.005" }),
    );
    flat["goals"] = json!({ "events": 1 });
    let error = app
        .error(Some(&admin), CREATE_TIER, json!({ "input": flat }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.payout.value")
    );
    let simulate = "mutation($amount: Decimal) { simulatePartnerGroupRules(rules: [{ recurring: { percentage: 10 } }], \
        simulation: { chargeAmount: $amount, currency: \"USD\" }) { finalFee } }";
    let error = app
        .error(Some(&admin), simulate, json!({ "amount": "10.001" }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "simulation.chargeAmount")
    );
    let data = app.ok(&admin, simulate, json!({ "amount": "10.01" })).await;
    assert_eq!(data["simulatePartnerGroupRules"]["finalFee"], "1.00");
}

async fn a_malformed_decimal_names_its_field_and_sinks_no_batch(app: TestApp) {
    let partner = partner_at(&app, "Literal", 10).await;
    let events = app.service("events:write");
    for amount in ["1e5", "0x10", " 10", "10.", "+10", "NaN", ""] {
        // As a variable …
        let error = app
            .error(
                Some(&events),
                RECORD,
                json!({ "input": sale_input(&partner, "m-1", amount) }),
            )
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.amount"),
            "{amount:?}: {error}"
        );
        // … and written in the query.
        let query = format!(
            "mutation {{ recordEvent(input: {{ externalId: \"m-1\", partnerId: \"{partner}\", customerExternalId: \"c\", amount: {} }}) {{ duplicate }} }}",
            serde_json::to_string(amount).unwrap()
        );
        let error = app.error(Some(&events), &query, json!({})).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", "input.amount"),
            "{amount:?}: {error}"
        );
    }
    let mut items: Vec<Value> = (0..5)
        .map(|i| sale_input(&partner, &format!("b-{i}"), "10"))
        .collect();
    items[3]["amount"] = json!("1e5");
    items[4]["occurredAt"] = json!("yesterday");
    let data = app
        .ok(&events, RECORD_MANY, json!({ "input": items }))
        .await;
    let answers: Vec<(Value, Value)> = data["recordEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["payload"]["commissions"].clone(), r["error"].clone()))
        .collect();
    let earned = (json!([{ "amount": "1.00" }]), Value::Null);
    assert_eq!(
        answers,
        vec![
            earned.clone(),
            earned.clone(),
            earned,
            (
                Value::Null,
                json!({ "code": "BAD_USER_INPUT", "field": "input[3].amount" })
            ),
            (
                Value::Null,
                json!({ "code": "BAD_USER_INPUT", "field": "input[4].occurredAt" })
            ),
        ]
    );
    // A value of the wrong type is refused before anything runs, with its path.
    items[3]["amount"] = json!(true);
    let error = app
        .error(Some(&events), RECORD_MANY, json!({ "input": items }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input[3].amount")
    );
}
