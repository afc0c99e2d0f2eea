//! Attribution (SPEC §15): referral codes and links, customers tied to
//! their partner once, and sales naming only their customer — held while
//! nobody has attributed it, accrued exactly once when someone does.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::partners::partner_at;
use serde_json::{Value, json};

on_both_databases!(
    a_referral_link_counts_a_click_and_lands_with_the_code_and_the_click,
    codes_are_unique_per_tenant_and_a_partner_makes_its_own,
    a_held_sale_is_accrued_once_when_its_customer_is_attributed,
    the_first_attribution_wins,
    a_partner_does_not_refer_itself_and_an_old_click_attributes_nothing,
    a_customer_attributed_to_two_partners_at_once_ends_with_one,
    a_refund_of_a_held_sale_is_kept_and_refunded_once_it_is_accrued,
    attributions_releasing_held_sales_at_once_each_succeed,
    clicks_past_an_addresss_limit_redirect_and_write_nothing,
);

crate::on_both_databases_with!(behind_a_proxy; a_trusted_proxy_names_the_client_and_no_one_else_does);

/// An app behind a proxy on loopback, which it trusts.
fn behind_a_proxy() -> revshare::http::Options {
    revshare::http::Options {
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

const CREATE_CODE: &str = "mutation($input: CreateReferralCodeInput!) { createReferralCode(input: $input) { id code couponCode clicks customers partner { name } campaign { name } archivedAt } }";
const ATTRIBUTE: &str = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId attributedBy partner { id } campaign { id } } }";
const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate unattributed event { externalId amount } commissions { amount } } }";
const HELD: &str = "{ unattributedEvents { nodes { externalId customerExternalId kind amount currency source } } }";

/// The default campaign, landing at `url`.
async fn default_campaign_landing(app: &TestApp, url: Option<&str>) -> String {
    let admin = app.admin();
    let data = app
        .ok(
            &admin,
            "{ campaigns { nodes { id isDefault } } }",
            json!({}),
        )
        .await;
    let id = data["campaigns"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["isDefault"] == json!(true))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        &admin,
        "mutation($id: ID!, $url: String) { updateCampaign(id: $id, input: { landingUrl: $url }) { landingUrl attributionWindowDays } }",
        json!({ "id": id, "url": url }),
    )
    .await;
    id
}

async fn create_code(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, CREATE_CODE, json!({ "input": input })).await["createReferralCode"].clone()
}

async fn record(app: &TestApp, input: Value) -> Value {
    let token = app.service("events:write");
    app.ok(&token, RECORD, json!({ "input": input })).await["recordEvent"].clone()
}

async fn attribute(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(token, ATTRIBUTE, json!({ "input": input })).await["attributeCustomer"].clone()
}

/// Follows nothing: answers the status and `Location`.
async fn visit(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(app.url(path))
        .header("user-agent", "Mozilla/5.0 (test)")
        .header("x-forwarded-for", "203.0.113.7, 10.0.0.1")
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (response.status().as_u16(), location)
}

async fn a_referral_link_counts_a_click_and_lands_with_the_code_and_the_click(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let created = create_code(
        &app,
        &admin,
        json!({ "partnerId": jane, "code": "Jane-2026" }),
    )
    .await;
    assert_eq!(created["code"], "jane-2026");
    assert_eq!(created["partner"]["name"], "Jane");
    assert_eq!(created["campaign"]["name"], "Default campaign");

    // No landing URL: the link is not one yet, and nothing is counted.
    default_campaign_landing(&app, None).await;
    assert_eq!(
        visit(&app, &format!("/r/{TENANT}/jane-2026")).await,
        (404, None)
    );

    let campaign =
        default_campaign_landing(&app, Some("https://acme.example/pricing?plan=pro")).await;
    let (status, location) = visit(&app, &format!("/r/{TENANT}/JANE-2026")).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    let prefix = "https://acme.example/pricing?plan=pro&ref=jane-2026&click=";
    assert!(location.starts_with(prefix), "{location}");
    let click = &location[prefix.len()..];
    assert_eq!(click.len(), 26, "a ULID: {click}");

    // The click attributes the customer who signs up from it.
    let service = app.service("events:write");
    let customer = attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_1", "clickId": click, "email": "buyer@example.com" }),
    )
    .await;
    assert_eq!(
        customer,
        json!({ "externalId": "cus_1", "attributedBy": "CLICK", "partner": { "id": jane }, "campaign": { "id": campaign } })
    );
    let read = "{ customer(externalId: \"cus_1\") { email partner { name } campaign { name } } }";
    assert_eq!(
        app.ok(&admin, read, json!({})).await["customer"],
        json!({ "email": "buyer@example.com", "partner": { "name": "Jane" }, "campaign": { "name": "Default campaign" } })
    );

    // An unknown code, another tenant's path, an archived code: 404, and
    // nothing counted.
    assert_eq!(visit(&app, &format!("/r/{TENANT}/nobody")).await.0, 404);
    assert_eq!(visit(&app, "/r/other-tenant/jane-2026").await.0, 404);
    let archive = "mutation($id: ID!) { archiveReferralCode(id: $id) { archivedAt } }";
    let archived = app
        .ok(&admin, archive, json!({ "id": created["id"] }))
        .await;
    assert!(archived["archiveReferralCode"]["archivedAt"].is_string());
    assert_eq!(visit(&app, &format!("/r/{TENANT}/jane-2026")).await.0, 404);
    let codes = "query($id: ID!) { partner(id: $id) { referralCodes { code clicks customers } } }";
    assert_eq!(
        app.ok(&admin, codes, json!({ "id": jane })).await["partner"]["referralCodes"],
        json!([{ "code": "jane-2026", "clicks": 1, "customers": 1 }])
    );

    // A brand's own redirect records its clicks; an archived code none.
    let live = create_code(
        &app,
        &admin,
        json!({ "partnerId": jane, "code": "jane-live" }),
    )
    .await;
    let record_click =
        "mutation($input: RecordClickInput!) { recordClick(input: $input) { id code } }";
    let clicked = app
        .ok(
            &service,
            record_click,
            json!({ "input": { "code": "JANE-LIVE", "ip": "198.51.100.1" } }),
        )
        .await;
    assert_eq!(clicked["recordClick"]["code"], "jane-live");
    let refused = app
        .error(
            Some(&service),
            record_click,
            json!({ "input": { "code": "jane-2026" } }),
        )
        .await;
    assert_eq!(field(&refused), "input.code", "{refused}");
    assert_eq!(live["clicks"], 0);
}

async fn codes_are_unique_per_tenant_and_a_partner_makes_its_own(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    create_code(
        &app,
        &admin,
        json!({ "partnerId": jane, "code": "spring", "couponCode": "SPRING20" }),
    )
    .await;
    for (input, at) in [
        (json!({ "partnerId": john, "code": "SPRING" }), "input.code"),
        (
            json!({ "partnerId": john, "couponCode": "spring20" }),
            "input.couponCode",
        ),
        (json!({ "partnerId": john, "code": "a" }), "input.code"),
        (json!({ "partnerId": "nobody" }), "input.partnerId"),
        (json!({ "code": "nopartner" }), "input.partnerId"),
    ] {
        let error = app
            .error(Some(&admin), CREATE_CODE, json!({ "input": input }))
            .await;
        assert_eq!(field(&error), at, "{error}");
    }
    // A partner token: its own code, generated; never another partner's.
    let own = app.partner_token(&john);
    let generated = create_code(&app, &own, json!({})).await;
    let text = generated["code"].as_str().unwrap();
    assert_eq!(text.len(), 8);
    assert!(
        text.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{text}"
    );
    assert_eq!(generated["partner"]["name"], "John");
    let error = app
        .error(
            Some(&own),
            CREATE_CODE,
            json!({ "input": { "partnerId": jane } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.partnerId")
    );
    let mine = "{ viewer { partner { referralCodes { code } } } }";
    assert_eq!(
        app.ok(&own, mine, json!({})).await["viewer"]["partner"]["referralCodes"],
        json!([{ "code": text }])
    );
}

async fn a_held_sale_is_accrued_once_when_its_customer_is_attributed(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    create_code(&app, &admin, json!({ "partnerId": jane, "code": "jane" })).await;
    let sale = json!({ "externalId": "s1", "customerExternalId": "cus_9", "amount": "100" });

    // Nobody brought cus_9 yet: held, earning nothing, nothing lost.
    let held = record(&app, sale.clone()).await;
    assert_eq!(
        held,
        json!({ "duplicate": false, "unattributed": true, "event": null, "commissions": [] })
    );
    let again = record(&app, sale.clone()).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["unattributed"], true);
    let mut other = sale.clone();
    other["amount"] = json!("101");
    let conflict = app
        .error(
            Some(&app.service("events:write")),
            RECORD,
            json!({ "input": other }),
        )
        .await;
    assert_eq!(code(&conflict), "CONFLICT");
    // One held 200 days ago, outside the 90-day window: stays held.
    let old = (chrono::Utc::now() - chrono::Duration::days(200)).to_rfc3339();
    record(&app, json!({ "externalId": "s0", "customerExternalId": "cus_9", "amount": "50", "occurredAt": old })).await;
    assert_eq!(
        app.ok(&admin, HELD, json!({})).await["unattributedEvents"]["nodes"],
        json!([
            { "externalId": "s1", "customerExternalId": "cus_9", "kind": "SALE", "amount": "100.00", "currency": "USD", "source": "API" },
            { "externalId": "s0", "customerExternalId": "cus_9", "kind": "SALE", "amount": "50.00", "currency": "USD", "source": "API" },
        ])
    );

    // Attributed: the sale inside the window is accrued, once.
    let service = app.service("events:write");
    attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_9", "code": "JANE" }),
    )
    .await;
    let ledger =
        "query($p: ID) { commissions(partnerId: $p) { nodes { amount event { externalId } } } }";
    let earned = json!([{ "amount": "10.00", "event": { "externalId": "s1" } }]);
    assert_eq!(
        app.ok(&admin, ledger, json!({ "p": jane })).await["commissions"]["nodes"],
        earned
    );
    assert_eq!(
        app.ok(&admin, HELD, json!({})).await["unattributedEvents"]["nodes"],
        json!([{ "externalId": "s0", "customerExternalId": "cus_9", "kind": "SALE", "amount": "50.00", "currency": "USD", "source": "API" }])
    );
    // Heard of: the attribution, then the commission it accrued.
    let events = "{ domainEvents(types: [CUSTOMER_ATTRIBUTED, COMMISSION_CREATED]) { nodes { type partner { name } data } } }";
    let heard = app.ok(&admin, events, json!({})).await["domainEvents"]["nodes"].clone();
    assert_eq!(heard[0]["type"], "CUSTOMER_ATTRIBUTED");
    assert_eq!(heard[0]["partner"]["name"], "Jane");
    assert_eq!(heard[0]["data"]["customerExternalId"], "cus_9");
    assert_eq!(heard[0]["data"]["attributedBy"], "CODE");
    assert_eq!(heard[0]["data"]["heldEvents"], 2);
    assert_eq!(heard[1]["type"], "COMMISSION_CREATED");
    assert_eq!(heard.as_array().unwrap().len(), 2, "{heard}");
    // Its redelivery now answers the accrued event.
    assert_eq!(
        record(&app, sale).await,
        json!({ "duplicate": true, "unattributed": false, "event": { "externalId": "s1", "amount": "100.00" }, "commissions": [{ "amount": "10.00" }] })
    );
    // Attributing again changes nothing and accrues nothing twice.
    attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_9", "code": "jane" }),
    )
    .await;
    // The customer's next sale needs no partner; naming another is refused.
    let next = record(
        &app,
        json!({ "externalId": "s2", "customerExternalId": "cus_9", "amount": "30" }),
    )
    .await;
    assert_eq!(next["commissions"], json!([{ "amount": "3.00" }]));
    let john = partner_at(&app, "John", 10).await;
    let wrong = app
        .error(
            Some(&service),
            RECORD,
            json!({ "input": { "externalId": "s3", "partnerId": john, "customerExternalId": "cus_9", "amount": "30" } }),
        )
        .await;
    assert_eq!(field(&wrong), "input.partnerId", "{wrong}");
    assert_eq!(
        app.ok(&admin, ledger, json!({ "p": jane })).await["commissions"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Neither a partner nor a customer: refused by the partner's field.
    let neither = app
        .error(
            Some(&service),
            RECORD,
            json!({ "input": { "externalId": "s4", "amount": "1", "kind": "LEAD" } }),
        )
        .await;
    assert_eq!(field(&neither), "input.partnerId", "{neither}");
}

async fn the_first_attribution_wins(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    let service = app.service("events:write");
    attribute(&app, &service, json!({ "customerExternalId": "cus_1", "partnerId": jane, "email": "jane.buyer@example.com" })).await;
    // Again to Jane: unchanged; to John: CONFLICT for an admin, and the
    // customer as it is for a service token.
    let same = attribute(
        &app,
        &admin,
        json!({ "customerExternalId": "cus_1", "partnerId": jane }),
    )
    .await;
    assert_eq!(same["partner"]["id"], json!(jane));
    let error = app
        .error(
            Some(&admin),
            ATTRIBUTE,
            json!({ "input": { "customerExternalId": "cus_1", "partnerId": john } }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    let quiet = attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_1", "partnerId": john }),
    )
    .await;
    assert_eq!(quiet["partner"]["id"], json!(jane));
    assert_eq!(quiet["attributedBy"], "MANUAL");

    // Jane reads her customer, its e-mail masked; John reads none of it.
    let read =
        "query($id: String!) { customer(externalId: $id) { externalId email partner { name } } }";
    assert_eq!(
        app.ok(&app.partner_token(&jane), read, json!({ "id": "cus_1" }))
            .await["customer"],
        json!({ "externalId": "cus_1", "email": "j***@example.com", "partner": { "name": "Jane" } })
    );
    assert_eq!(
        app.ok(&app.partner_token(&john), read, json!({ "id": "cus_1" }))
            .await["customer"],
        Value::Null
    );
    let list = "query($p: ID) { customers(partnerId: $p) { nodes { externalId } } }";
    assert_eq!(
        app.ok(&app.partner_token(&john), list, json!({ "p": jane }))
            .await["customers"]["nodes"],
        json!([])
    );
    assert_eq!(
        app.ok(&admin, list, json!({ "p": jane })).await["customers"]["nodes"],
        json!([{ "externalId": "cus_1" }])
    );
    // Moved to John by an admin, with a note (the campaign, unchanged, is
    // not in the history): what it earned stays Jane's, what it earns from
    // now on is John's.
    let first = record(
        &app,
        json!({ "externalId": "m1", "customerExternalId": "cus_1", "amount": "100" }),
    )
    .await;
    assert_eq!(first["commissions"], json!([{ "amount": "10.00" }]));
    let reassign = "mutation($input: ReassignCustomerInput!) { reassignCustomer(input: $input) { attributedBy partner { name } history { field from to actor } } }";
    let input = json!({ "input": { "customerExternalId": "cus_1", "partnerId": john, "note": "Jane left the agency" } });
    let refused = app.error(Some(&service), reassign, input.clone()).await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let moved = app.ok(&admin, reassign, input).await["reassignCustomer"].clone();
    assert_eq!(moved["attributedBy"], "MANUAL");
    assert_eq!(moved["partner"]["name"], "John");
    assert_eq!(
        moved["history"],
        json!([
            { "field": "partnerId", "from": jane, "to": john, "actor": "admin-of-acme" },
            { "field": "note", "from": null, "to": "Jane left the agency", "actor": "admin-of-acme" },
        ])
    );
    record(
        &app,
        json!({ "externalId": "m2", "customerExternalId": "cus_1", "amount": "100" }),
    )
    .await;
    let ledger = "{ commissions { nodes { partner { name } event { externalId } } } }";
    assert_eq!(
        app.ok(&admin, ledger, json!({})).await["commissions"]["nodes"],
        json!([
            { "partner": { "name": "Jane" }, "event": { "externalId": "m1" } },
            { "partner": { "name": "John" }, "event": { "externalId": "m2" } },
        ])
    );
    // What the customer's sales earned: every partner's for the tenant,
    // the new partner's own for its token.
    let earned = "{ customer(externalId: \"cus_1\") { commissions { nodes { amount partner { name } event { externalId } } } } }";
    assert_eq!(
        app.ok(&admin, earned, json!({})).await["customer"]["commissions"]["nodes"],
        json!([
            { "amount": "10.00", "partner": { "name": "Jane" }, "event": { "externalId": "m1" } },
            { "amount": "10.00", "partner": { "name": "John" }, "event": { "externalId": "m2" } },
        ])
    );
    assert_eq!(
        app.ok(&app.partner_token(&john), earned, json!({})).await["customer"]["commissions"]["nodes"],
        json!([{ "amount": "10.00", "partner": { "name": "John" }, "event": { "externalId": "m2" } }])
    );
    // Exactly one way to attribute.
    let two = app
        .error(
            Some(&admin),
            ATTRIBUTE,
            json!({ "input": { "customerExternalId": "cus_2", "partnerId": jane, "code": "x" } }),
        )
        .await;
    assert_eq!(field(&two), "input", "{two}");
}

async fn a_partner_does_not_refer_itself_and_an_old_click_attributes_nothing(app: TestApp) {
    let admin = app.admin();
    let group = app
        .create_group("Paying", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let jane = app
        .create_partner(json!({ "name": "Jane", "email": "Jane.Doe@gmail.com", "groupId": group }))
        .await;
    create_code(&app, &admin, json!({ "partnerId": jane, "code": "jane" })).await;
    let service = app.service("events:write");
    let error = app
        .error(
            Some(&service),
            ATTRIBUTE,
            json!({ "input": { "customerExternalId": "cus_self", "code": "jane", "email": "janedoe+shop@googlemail.com" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.email"),
        "{error}"
    );
    // Look-alikes of her address are hers too: quoted, a Cyrillic `а`,
    // fullwidth letters, a zero-width space.
    for (n, twin) in [
        "\"jane.doe\"@gmail.com",
        "j\u{430}ne.doe@gmail.com",
        "ｊａｎｅ.doe@gmail.com",
        "jane\u{200B}doe@gmail.com",
    ]
    .into_iter()
    .enumerate()
    {
        let error = app
            .error(
                Some(&service),
                ATTRIBUTE,
                json!({ "input": { "customerExternalId": format!("cus_twin{n}"), "code": "jane", "email": twin } }),
            )
            .await;
        assert_eq!(field(&error), "input.email", "{twin:?}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("partner's own"),
            "{twin:?}: {error}"
        );
    }

    let record_click = "mutation { recordClick(input: { code: \"jane\" }) { id } }";
    let click = app.ok(&service, record_click, json!({})).await["recordClick"]["id"].clone();
    let late = (chrono::Utc::now() + chrono::Duration::days(91)).to_rfc3339();
    let error = app
        .error(
            Some(&service),
            ATTRIBUTE,
            json!({ "input": { "customerExternalId": "cus_late", "clickId": click, "occurredAt": late } }),
        )
        .await;
    assert_eq!(field(&error), "input.clickId", "{error}");
    let in_time = (chrono::Utc::now() + chrono::Duration::days(89)).to_rfc3339();
    let customer = attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_late", "clickId": click, "occurredAt": in_time }),
    )
    .await;
    assert_eq!(customer["attributedBy"], "CLICK");
}

async fn a_customer_attributed_to_two_partners_at_once_ends_with_one(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    let john = partner_at(&app, "John", 10).await;
    for i in 0..3 {
        record(&app, json!({ "externalId": format!("r{i}"), "customerExternalId": "cus_race", "amount": "100" })).await;
    }
    let service = app.service("events:write");
    let (a, b) = tokio::join!(
        attribute(
            &app,
            &service,
            json!({ "customerExternalId": "cus_race", "partnerId": jane })
        ),
        attribute(
            &app,
            &service,
            json!({ "customerExternalId": "cus_race", "partnerId": john })
        ),
    );
    // Both answered with the one that won.
    assert_eq!(a["partner"], b["partner"], "{a} {b}");
    let winner = a["partner"]["id"].as_str().unwrap().to_owned();
    assert!(winner == jane || winner == john);
    let ledger = "{ commissions { nodes { amount partner { id } event { externalId } } } }";
    let rows = app.ok(&app.admin(), ledger, json!({})).await["commissions"]["nodes"].clone();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["amount"], "10.00");
        assert_eq!(row["partner"]["id"], json!(winner));
        assert_eq!(row["event"]["externalId"], json!(format!("r{i}")));
    }
    assert_eq!(
        app.ok(&app.admin(), HELD, json!({})).await["unattributedEvents"]["nodes"],
        json!([])
    );
}

async fn a_refund_of_a_held_sale_is_kept_and_refunded_once_it_is_accrued(app: TestApp) {
    let jane = partner_at(&app, "Jane", 10).await;
    let service = app.service("events:write");
    record(
        &app,
        json!({ "externalId": "h1", "customerExternalId": "cus_h", "amount": "100" }),
    )
    .await;
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { id } unattributedEvent { externalId amount } reversed { id } clawbacks { id } } }";
    let kept = app
        .ok(
            &service,
            refund,
            json!({ "input": { "eventExternalId": "h1", "amount": "40" } }),
        )
        .await;
    assert_eq!(
        kept["recordRefund"],
        json!({ "event": null, "unattributedEvent": { "externalId": "h1", "amount": "100.00" }, "reversed": [], "clawbacks": [] })
    );
    // More than is left of it is refused by its field.
    let error = app
        .error(
            Some(&service),
            refund,
            json!({ "input": { "eventExternalId": "h1", "amount": "61" } }),
        )
        .await;
    assert_eq!(field(&error), "input.amount", "{error}");
    // Attributed: accrued, then refunded as it was while held.
    attribute(
        &app,
        &service,
        json!({ "customerExternalId": "cus_h", "partnerId": jane }),
    )
    .await;
    let ledger = "{ commissions { nodes { kind amount event { externalId refundedAmount } } } }";
    assert_eq!(
        app.ok(&app.admin(), ledger, json!({})).await["commissions"]["nodes"],
        json!([
            { "kind": "COMMISSION", "amount": "10.00", "event": { "externalId": "h1", "refundedAmount": "40.00" } },
            { "kind": "CLAWBACK", "amount": "-4.00", "event": { "externalId": "h1", "refundedAmount": "40.00" } },
        ])
    );
}

async fn attributions_releasing_held_sales_at_once_each_succeed(app: TestApp) {
    let admin = app.admin();
    let jane = partner_at(&app, "Jane", 10).await;
    create_code(&app, &admin, json!({ "partnerId": jane, "code": "jane" })).await;
    const CUSTOMERS: usize = 24;
    for i in 0..CUSTOMERS {
        record(&app, json!({ "externalId": format!("h{i}"), "customerExternalId": format!("cus_{i}"), "amount": "100" })).await;
    }
    // Each releases one held sale, all on the one code's counter and the
    // one partner: none waits on another in a cycle.
    let service = app.service("events:write");
    let answers = async_graphql::futures_util::future::join_all((0..CUSTOMERS).map(|i| {
        app.post(
            Some(&service),
            ATTRIBUTE,
            json!({ "input": { "customerExternalId": format!("cus_{i}"), "code": "jane" } }),
        )
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
    let query = "query($p: ID!) { commissions(partnerId: $p) { totalCount } partner(id: $p) { referralCodes { customers } } }";
    let data = app.ok(&admin, query, json!({ "p": jane })).await;
    assert_eq!(data["commissions"]["totalCount"], CUSTOMERS);
    assert_eq!(data["partner"]["referralCodes"][0]["customers"], CUSTOMERS);
    assert_eq!(
        app.ok(&admin, HELD, json!({})).await["unattributedEvents"]["nodes"],
        json!([])
    );
}

/// Visits `path` `n` times with `forwarded` as each visit's
/// `X-Forwarded-For`: the `click` of each `Location` (none: not counted).
async fn visits(
    app: &TestApp,
    path: &str,
    forwarded: impl Fn(usize) -> String,
    n: usize,
) -> Vec<Option<String>> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut clicks = Vec::new();
    for i in 0..n {
        let response = client
            .get(app.url(path))
            .header("x-forwarded-for", forwarded(i))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with("https://acme.example/?ref=jane"),
            "{location}"
        );
        clicks.push(
            location
                .split_once("&click=")
                .map(|(_, click)| click.to_owned()),
        );
    }
    clicks
}

async fn clicks_of(app: &TestApp, partner: &str) -> (Value, u64) {
    use sea_orm::{EntityTrait, PaginatorTrait, QuerySelect};
    let query = "query($p: ID!) { partner(id: $p) { referralCodes { clicks } } }";
    let counted = app.ok(&app.admin(), query, json!({ "p": partner })).await["partner"]["referralCodes"][0]
        ["clicks"]
        .clone();
    let addresses = entity::click::Entity::find()
        .select_only()
        .column(entity::click::Column::IpHash)
        .distinct()
        .count(app.db.conn())
        .await
        .unwrap();
    (counted, addresses)
}

/// Jane, with the code `jane` on the default campaign, landing at
/// `https://acme.example/`: her id.
async fn jane_with_a_link(app: &TestApp) -> String {
    let jane = partner_at(app, "Jane", 10).await;
    create_code(
        app,
        &app.admin(),
        json!({ "partnerId": jane, "code": "jane" }),
    )
    .await;
    default_campaign_landing(app, Some("https://acme.example/")).await;
    jane
}

async fn clicks_past_an_addresss_limit_redirect_and_write_nothing(app: TestApp) {
    let jane = jane_with_a_link(&app).await;
    // The limit of anonymous writes, alone: click spam (flagged past 20
    // clicks of an address, `fraud::clicks_past_the_threshold…`) is off.
    app.ok(
        &app.admin(),
        "mutation { setFraudPolicy(input: { rules: [{ signal: CLICK_SPAM, action: OFF }] }) { signal } }",
        json!({}),
    )
    .await;
    // One visitor, whatever it claims to forward: the connection's
    // address is its own, and 30 writes a minute are its limit.
    let clicks = visits(
        &app,
        &format!("/r/{TENANT}/jane"),
        |i| format!("198.51.100.{i}"),
        40,
    )
    .await;
    assert!(clicks[..30].iter().all(Option::is_some));
    assert!(clicks[30..].iter().all(Option::is_none));
    assert_eq!(clicks_of(&app, &jane).await, (json!(30), 1));
}

async fn a_trusted_proxy_names_the_client_and_no_one_else_does(app: TestApp) {
    let jane = jane_with_a_link(&app).await;
    // Behind the trusted proxy (loopback), forty visitors are forty.
    let clicks = visits(
        &app,
        &format!("/r/{TENANT}/jane"),
        |i| format!("198.51.100.{i}"),
        40,
    )
    .await;
    assert!(clicks.iter().all(Option::is_some));
    assert_eq!(clicks_of(&app, &jane).await, (json!(40), 40));
    // What a visitor writes itself, left of what the proxy appended, is
    // not its address: one visitor, however many names it gives.
    visits(
        &app,
        &format!("/r/{TENANT}/jane"),
        |i| format!("203.0.113.{i}, 192.0.2.1"),
        3,
    )
    .await;
    assert_eq!(clicks_of(&app, &jane).await, (json!(43), 41));
}
