//! Importing a program (SPEC §25), against a local server that answers as
//! Rewardful's API documents: HTTP Basic with the secret as the user,
//! `page`/`limit` paging under `pagination.next_page`, `expand[]`, its
//! objects' fields — several pages, an archived affiliate, a coupon-only
//! referral, a lead without a Stripe customer, a voided commission, one in
//! EUR — with a `429` carrying `Retry-After` and a `500` on the way.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases_with;
use crate::support::connectors::{configure, handled, invoice};
use crate::support::imports::{DATA_KEY, IMPORT, START, import, import_from, keyed, options};
use crate::support::partners::partner_by_external;
use crate::support::sources::{SECRET, rewardful, serve};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

on_both_databases_with!(keyed; a_run_killed_midway_finishes_with_each_row_once);

on_both_databases_with!(
    options;
    a_rewardful_program_comes_over_whole_and_its_old_links_keep_earning,
    a_second_import_adds_nothing_and_a_dry_run_writes_nothing,
    a_fixed_amount_campaign_is_a_group_and_terms_past_expressing_are_a_problem,
    a_switched_program_pays_every_partner_owed_at_its_first_month_end,
    refused_credentials_and_bad_input_are_named,
    a_payload_the_documents_do_not_describe_fails_naming_its_row,
    a_firstpromoter_program_comes_over_through_its_v2_api,
    a_partnerstack_program_comes_over_with_its_partner_keys,
    a_tolt_program_comes_over_with_its_ref_links,
    a_tapfiliate_program_comes_over_with_its_groups_terms_and_coupons,
    a_self_referral_is_known_by_the_stored_partner_in_a_later_run,
    tapfiliate_terms_no_group_can_say_are_problems_naming_the_program,
);

async fn a_rewardful_program_comes_over_whole_and_its_old_links_keep_earning(app: TestApp) {
    let (base, fixture) = serve(rewardful()).await;
    // During the switch: Stripe's connector records Carl's customer's
    // invoice before the import ties the customer to Carl (held).
    configure(&app, &["whsec_test_secret_for_revshare"], true).await;
    handled(
        &app,
        &invoice("in_switch", "evt_switch", "cus_C", 3330, 0, "usd", None),
        "done",
    )
    .await;

    let done = import(&app, &base, false).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(
        done["counts"],
        json!({ "partners": 5, "codes": 6, "customers": 4, "commissions": 5, "skipped": 1, "unchanged": 0,
            "requests": done["counts"]["requests"] })
    );
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "customer", "externalId": "ref-2",
              "reason": "has no Stripe customer: nothing it pays can be tied to its partner" },
            { "entity": "commission", "externalId": "com-6",
              "reason": "recorded already as stripe:in_switch (same customer, same amount, same time)" },
        ])
    );
    // Paging: 1 + 3 + 3 + 3 pages and the first probe, plus a 429 and a
    // 500 answered again.
    let asked = fixture.lock().unwrap().asked.clone();
    assert_eq!(asked["/v1/affiliates?page=2"], 2, "the 429 was retried");
    assert_eq!(asked["/v1/commissions?page=1"], 2, "the 500 was retried");
    // …and one page of coupons, after the affiliates.
    assert_eq!(done["counts"]["requests"], 2 + 3 + 1 + 1 + 3 + 3 + 1);
    let expands = fixture.lock().unwrap().expands.clone();
    assert!(expands.contains(&("affiliates".into(), vec!["links".into(), "campaign".into()])));
    assert!(expands.contains(&("commissions".into(), vec!["sale".into(), "campaign".into()])));

    // Partners, their groups (one per campaign, with its terms) and states.
    let jane = partner_by_external(&app, "rewardful:aff-jane").await;
    assert_eq!(
        (
            jane["name"].as_str(),
            jane["email"].as_str(),
            jane["status"].as_str()
        ),
        (Some("Jane Doe"), Some("jane@example.com"), Some("ACTIVE"))
    );
    assert_eq!(jane["group"]["name"], "Standard");
    assert_eq!(
        jane["group"]["rules"],
        json!([{ "type": "RECURRING", "percentage": "30", "maxMonths": 12 }])
    );
    let olga = partner_by_external(&app, "rewardful:aff-old").await;
    assert_eq!(
        (olga["status"].as_str(), olga["group"]["name"].as_str()),
        (Some("ARCHIVED"), Some("Partners"))
    );

    // History exact: statuses and amounts as the source had them.
    assert_eq!(
        jane["balance"],
        json!([{ "currency": "USD", "accrued": "30.00", "approved": "30.00", "paid": "30.00" }])
    );
    let bob = partner_by_external(&app, "rewardful:aff-bob").await;
    assert_eq!(
        bob["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "0.00" }])
    );
    let eva = partner_by_external(&app, "rewardful:aff-eva").await;
    assert_eq!(
        eva["balance"],
        json!([{ "currency": "EUR", "accrued": "0.00", "approved": "0.00", "paid": "20.00" }])
    );
    // Carl's sale, recorded once: by the connector, under revshare's rules
    // (the Standard group's 30 % of 33.30), not again by the import.
    let carl = partner_by_external(&app, "rewardful:aff-carl").await;
    assert_eq!(
        carl["balance"],
        json!([{ "currency": "USD", "accrued": "9.99", "approved": "0.00", "paid": "0.00" }])
    );
    let totals = app
        .ok(
            &app.admin(),
            "{ programTotals { currency accrued approved paid } }",
            json!({}),
        )
        .await;
    assert_eq!(
        totals["programTotals"],
        json!([
            { "currency": "EUR", "accrued": "0.00", "approved": "0.00", "paid": "20.00" },
            { "currency": "USD", "accrued": "39.99", "approved": "30.00", "paid": "30.00" },
        ])
    );
    let voided = app
        .ok(&app.admin(), "query($p: ID!) { commissions(first: 10, partnerId: $p) { nodes { amount currency status reversalReason accruedAt paidAt breakdown { vocabulary description value amount } } } }", json!({ "p": bob["id"] }))
        .await;
    assert_eq!(
        voided["commissions"]["nodes"],
        json!([{ "amount": "15.00", "currency": "USD", "status": "REVERSED",
        "reversalReason": "IMPORTED_VOID", "accruedAt": "2026-05-02T10:00:00Z", "paidAt": null,
        "breakdown": [{ "vocabulary": "IMPORTED", "description": "imported from Rewardful", "value": "com-4", "amount": "15.00" }] }])
    );

    // Each code counts the customers it brought at the source.
    let codes = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { referralCodes { code customers } } }",
            json!({ "p": jane["id"] }),
        )
        .await;
    assert_eq!(
        codes["partner"]["referralCodes"],
        json!([{ "code": "jane", "customers": 1 }, { "code": "jane20", "customers": 0 }])
    );

    // Old links keep earning: Jane's `?via=jane` is her code…
    let click = app
        .ok(&app.admin(), "mutation { recordClick(input: { code: \"jane\", landingUrl: \"https://acme.example/?via=jane\" }) { id } }", json!({}))
        .await;
    let attributed = app
        .ok(&app.admin(), "mutation($c: ID!) { attributeCustomer(input: { customerExternalId: \"cus_NEW\", clickId: $c }) { partner { externalId } attributedBy } }", json!({ "c": click["recordClick"]["id"] }))
        .await;
    assert_eq!(
        attributed["attributeCustomer"]["partner"]["externalId"],
        "rewardful:aff-jane"
    );
    // …her coupon still names her…
    let by_coupon = app
        .ok(&app.admin(), "mutation { attributeCustomer(input: { customerExternalId: \"cus_COUPON\", couponCode: \"jane20\" }) { partner { externalId } } }", json!({}))
        .await;
    assert_eq!(
        by_coupon["attributeCustomer"]["partner"]["externalId"],
        "rewardful:aff-jane"
    );
    // …and her imported customer's next invoice earns her the Standard
    // group's 30 %: month 9 of 12 since it converted in March.
    handled(
        &app,
        &invoice("in_next", "evt_next", "cus_A", 10000, 0, "usd", None),
        "done",
    )
    .await;
    let jane = partner_by_external(&app, "rewardful:aff-jane").await;
    assert_eq!(
        jane["balance"],
        json!([{ "currency": "USD", "accrued": "60.00", "approved": "30.00", "paid": "30.00" }])
    );
}

/// A program as a brand moves it: a percentage campaign with a minimum
/// payout and a fixed-amount one, partners paid at PayPal addresses (one
/// not an address), coupons listed apart (one archived) — then its first
/// month-end pays every partner owed, none left out for want of a method.
async fn a_switched_program_pays_every_partner_owed_at_its_first_month_end(app: TestApp) {
    let mut fixture = rewardful();
    {
        let campaigns = fixture.lists.get_mut("campaigns").unwrap();
        campaigns[0]["minimum_payout_cents"] = json!(2500);
        campaigns[1]["reward_type"] = json!("amount");
        campaigns[1]["commission_percent"] = Value::Null;
        campaigns[1]["commission_amount_cents"] = json!(4000);
        campaigns[1]["commission_amount_currency"] = json!("USD");
        for affiliate in fixture.lists.get_mut("affiliates").unwrap() {
            let paypal = match affiliate["id"].as_str().unwrap() {
                "aff-bob" => "bob at example".to_owned(),
                other => format!("{}@paypal.example", other.trim_start_matches("aff-")),
            };
            affiliate["paypal_email"] = json!(paypal);
            // Eva's second link carries Jane's token (the same page).
            if affiliate["id"] == "aff-eva" {
                affiliate["links"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({ "id": "link-eva-2", "token": "jane" }));
            }
        }
        let coupons = fixture.lists.get_mut("affiliate_coupons").unwrap();
        coupons.push(
            json!({ "id": "coupon-OLD5", "external_id": "promo_old5", "token": "OLD5",
            "leads": 0, "conversions": 0, "archived": true, "affiliate_id": "aff-bob" }),
        );
    }
    let (base, _) = serve(fixture).await;
    let done = import(&app, &base, false).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["codes"], 6, "{done}");
    let problems: Vec<(String, String)> = done["problems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (text(&p["entity"]), text(&p["externalId"])))
        .collect();
    assert!(
        problems.contains(&("partner".into(), "aff-bob".into())),
        "{done}"
    );
    assert!(
        problems.contains(&("coupon".into(), "coupon-OLD5".into())),
        "{done}"
    );
    let reasons = done["problems"]["nodes"].to_string();
    assert!(
        reasons.contains("its PayPal address cannot be its payout method"),
        "{reasons}"
    );
    assert!(
        reasons.contains("is archived at the source: it attributes nothing there"),
        "{reasons}"
    );
    assert!(
        done["problems"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "entity": "code", "externalId": "aff-eva", "reason": "\"jane\" is another partner's code or coupon already" })),
        "{reasons}"
    );

    // Each partner: paid at its PayPal address, partner since it joined
    // Rewardful; the Standard group's minimum is its campaign's.
    let jane = partner_by_external(&app, "rewardful:aff-jane").await;
    let read = app
        .ok(&app.admin(), "query($p: ID!) { partner(id: $p) { createdAt payoutMethod { type paypalEmail } group { name minimumPayout { amount currency } } } }", json!({ "p": jane["id"] }))
        .await;
    assert_eq!(
        read["partner"],
        json!({ "createdAt": "2025-02-01T00:00:00Z",
            "payoutMethod": { "type": "PAYPAL", "paypalEmail": "jane@paypal.example" },
            "group": { "name": "Standard", "minimumPayout": [{ "amount": "25.00", "currency": "USD" }] } })
    );
    let bob = partner_by_external(&app, "rewardful:aff-bob").await;
    let read = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { payoutMethod { type } } }",
            json!({ "p": bob["id"] }),
        )
        .await;
    assert_eq!(read["partner"]["payoutMethod"], Value::Null);
    // The fixed-amount campaign: $40 a sale.
    let eva = partner_by_external(&app, "rewardful:aff-eva").await;
    assert_eq!(eva["group"]["name"], "Partners");
    // Old links land on the campaign's site; a coupon's promotion code is
    // known by its id, as Stripe's checkouts name it.
    let campaign = app
        .ok(
            &app.admin(),
            "{ campaigns(first: 5) { nodes { isDefault landingUrl } } }",
            json!({}),
        )
        .await;
    assert!(
        campaign["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["isDefault"] == true && c["landingUrl"] == "https://acme.example/"),
        "{campaign}"
    );
    {
        use sea_orm::EntityTrait;
        let promotions = entity::connector_promotion_code::Entity::find()
            .all(app.db.conn())
            .await
            .unwrap();
        let mut learnt: Vec<(String, String)> = promotions
            .into_iter()
            .map(|p| (p.promotion_id, p.code))
            .collect();
        learnt.sort();
        assert_eq!(
            learnt,
            [
                ("promo_carl10".to_owned(), "CARL10".to_owned()),
                ("promo_jane20".to_owned(), "JANE20".to_owned()),
            ]
        );
    }

    // The first month-end: every partner owed is paid at PayPal; none is
    // left out for want of a method.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let run = app
        .ok(
            &app.admin(),
            "mutation($end: Date!) { createPayoutRun(input: { periodEnd: $end }) { payouts { amount currency partner { externalId } method { type paypalEmail } } skipped { partner { externalId } reason balance { amount currency } } } }",
            json!({ "end": today }),
        )
        .await;
    assert_eq!(
        run["createPayoutRun"]["payouts"],
        json!([{ "amount": "30.00", "currency": "USD", "partner": { "externalId": "rewardful:aff-jane" },
            "method": { "type": "PAYPAL", "paypalEmail": "jane@paypal.example" } }])
    );
    let skipped = run["createPayoutRun"]["skipped"].to_string();
    assert!(!skipped.contains("NO_PAYOUT_METHOD"), "{skipped}");
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

async fn a_second_import_adds_nothing_and_a_dry_run_writes_nothing(app: TestApp) {
    let (base, _) = serve(rewardful()).await;
    let dry = import(&app, &base, true).await;
    assert_eq!(dry["status"], "DONE", "{dry}");
    assert_eq!(dry["dryRun"], true);
    assert_eq!(
        (
            dry["counts"]["partners"].as_i64(),
            dry["counts"]["codes"].as_i64(),
            dry["counts"]["customers"].as_i64(),
            dry["counts"]["commissions"].as_i64()
        ),
        (Some(5), Some(6), Some(4), Some(6))
    );
    let nothing = app
        .ok(
            &app.admin(),
            "{ partners(first: 10) { totalCount } programTotals { currency } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nothing,
        json!({ "partners": { "totalCount": 0 }, "programTotals": [] })
    );

    let (base, _) = serve(rewardful()).await;
    let first = import(&app, &base, false).await;
    assert_eq!(first["counts"]["commissions"], 6);
    let totals = app.ok(&app.admin(), "{ programTotals { currency accrued approved paid } partners(first: 10) { totalCount } }", json!({})).await;
    let (base, _) = serve(rewardful()).await;
    let again = import(&app, &base, false).await;
    assert_eq!(again["status"], "DONE");
    assert_eq!(
        again["counts"],
        json!({ "partners": 0, "codes": 0, "customers": 0, "commissions": 0, "skipped": 0,
            "unchanged": 5 + 2 + 4 + 6, "requests": again["counts"]["requests"] })
    );
    let after = app.ok(&app.admin(), "{ programTotals { currency accrued approved paid } partners(first: 10) { totalCount } }", json!({})).await;
    assert_eq!(after, totals);
    assert_eq!(after["partners"]["totalCount"], 5);
}

async fn refused_credentials_and_bad_input_are_named(app: TestApp) {
    let (base, _) = serve(rewardful()).await;
    let refused = app
        .error(Some(&app.admin()), START, json!({ "input": { "source": "REWARDFUL", "credentials": { "apiKey": "wrong", "baseUrl": base } } }))
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("BAD_USER_INPUT", "input.credentials")
    );
    assert_eq!(
        refused["message"],
        "input.credentials: Rewardful refused the API key"
    );
    let missing = app
        .error(
            Some(&app.admin()),
            START,
            json!({ "input": { "source": "REWARDFUL", "credentials": { "baseUrl": base } } }),
        )
        .await;
    assert_eq!(field(&missing), "input.credentials.apiKey");
    let partner = app.create_partner(json!({ "name": "Pat" })).await;
    let forbidden = app
        .error(Some(&app.partner_token(&partner)), START, json!({ "input": { "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base } } }))
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
    // The credentials are never answered, and sealed at rest.
    let started = app
        .ok(&app.admin(), START, json!({ "input": { "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base } } }))
        .await;
    let id = started["startImport"]["id"].as_str().unwrap();
    let second = app
        .error(Some(&app.admin()), START, json!({ "input": { "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base } } }))
        .await;
    assert!(matches!(code(&second), "CONFLICT"), "{second}");
    let stored: Vec<Option<String>> = {
        use sea_orm::{EntityTrait, QuerySelect};
        entity::import::Entity::find()
            .select_only()
            .column(entity::import::Column::Credentials)
            .into_tuple()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    assert!(stored.iter().flatten().all(|s| !s.contains(SECRET)));
    let cancelled = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { cancelImport(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(cancelled["cancelImport"]["status"], "CANCELLED");
}

/// How a platform pages and authenticates, for the generic fixture server.
#[derive(Clone, Copy)]
enum Platform {
    FirstPromoter,
    PartnerStack,
    Tolt,
    Tapfiliate,
}

/// A platform's objects and what it was asked: lists by path.
struct Served {
    platform: Platform,
    lists: HashMap<String, Vec<Value>>,
    asked: HashMap<String, usize>,
    faults: Vec<(String, u16)>,
    headers_seen: Vec<(String, Option<String>)>,
}

type SharedServed = Arc<Mutex<Served>>;

async fn serve_platform(served: Served) -> (String, SharedServed) {
    let shared = Arc::new(Mutex::new(served));
    let router = axum::Router::new()
        .route("/{*path}", axum::routing::get(answer))
        .with_state(shared.clone());
    (crate::helpers::serve_local(router).await, shared)
}

async fn answer(
    State(shared): State<SharedServed>,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    use base64::Engine;
    let path = format!("/{path}");
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut served = shared.lock().unwrap();
    let platform = served.platform;
    let authorized = match platform {
        Platform::FirstPromoter => {
            header("authorization").as_deref() == Some("Bearer fp_key")
                && header("account-id").as_deref() == Some("acc_1")
        }
        Platform::PartnerStack => {
            let basic = base64::engine::general_purpose::STANDARD.encode("pk_public:sk_secret");
            header("authorization") == Some(format!("Basic {basic}"))
        }
        Platform::Tolt => {
            header("authorization").as_deref() == Some("Bearer tolt_key")
                && (param("program_id").as_deref() == Some("prg_1") || path == "/v2/programs/prg_1")
        }
        Platform::Tapfiliate => {
            header("x-api-key").as_deref() == Some("tap_key") && header("authorization").is_none()
        }
    };
    served
        .headers_seen
        .push((path.clone(), header("account-id")));
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "Unauthorized" })),
        )
            .into_response();
    }
    let cursor = param("page")
        .or(param("starting_after"))
        .unwrap_or_default();
    let key = format!("{path}?{cursor}");
    *served.asked.entry(key.clone()).or_default() += 1;
    if let Some(at) = served.faults.iter().position(|(p, _)| *p == key) {
        let (_, status) = served.faults.remove(at);
        let mut response = (StatusCode::from_u16(status).unwrap(), "try again").into_response();
        match platform {
            // Tapfiliate signals its limit by its own headers, no Retry-After.
            Platform::Tapfiliate if status == 429 => {
                let reset = chrono::Utc::now().timestamp() + 1;
                let headers = response.headers_mut();
                headers.insert("x-ratelimit-limit", "100".parse().unwrap());
                headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
                headers.insert("x-ratelimit-reset", reset.to_string().parse().unwrap());
            }
            _ if status == 429 => {
                response
                    .headers_mut()
                    .insert("retry-after", "1".parse().unwrap());
            }
            _ => {}
        }
        return response;
    }
    // Tolt's v2 program and groups, as a program of no groups answers
    // them: `switch_tolt` reads a program with both.
    if matches!(platform, Platform::Tolt) && path.starts_with("/v2/") {
        return match path.as_str() {
            "/v2/groups" => axum::Json(json!({ "success": true, "message": "ok", "data": [],
                "has_more": false, "next_cursor": null, "prev_cursor": null })),
            _ => axum::Json(json!({ "success": true, "message": "ok", "data": { "id": "prg_1",
                "name": "Program", "currency_code": "USD", "minimum_payout": null, "website_url": null,
                "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z" } })),
        }
        .into_response();
    }
    let list_key = match (platform, param("partner_id"), param("status")) {
        (Platform::Tolt, Some(partner), _) if path == "/v1/links" => format!("/v1/links?{partner}"),
        (Platform::PartnerStack, _, Some(status)) => format!("{path}?status={status}"),
        _ => path.clone(),
    };
    // FirstPromoter's, PartnerStack's and Tapfiliate's lists a test gives
    // none of (campaigns, rewards, payouts, promo codes; groups, scheduled
    // rewards; payout methods) are empty: the `switch_*` tests read
    // programs with all of them.
    let empty = matches!(
        platform,
        Platform::FirstPromoter | Platform::PartnerStack | Platform::Tapfiliate
    )
    .then(Vec::new);
    let Some(rows) = served.lists.get(&list_key).cloned().or(empty) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Two rows a page, whatever the limit asked: every list spans pages.
    let size = 2;
    match platform {
        // The program is an object; its commission types one list, unpaged.
        Platform::Tapfiliate if path.ends_with("/commission-types/") => {
            axum::Json(json!(rows)).into_response()
        }
        Platform::Tapfiliate
            if path.starts_with("/1.6/programs/") && !path.ends_with("/affiliates/") =>
        {
            axum::Json(rows[0].clone()).into_response()
        }
        Platform::Tapfiliate => {
            // A bare array of `size` rows; the next page in a `Link`
            // header whose URL (Tapfiliate's own host) is never followed.
            let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let data: Vec<Value> = rows
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .cloned()
                .collect();
            let mut response = axum::Json(json!(data)).into_response();
            let last = rows.len().div_ceil(size).max(1);
            let own = |n: usize| format!("<https://api.tapfiliate.com{path}?page={n}>");
            let mut links = vec![
                format!("{}; rel=\"first\"", own(1)),
                format!("{}; rel=\"last\"", own(last)),
            ];
            if page < last {
                links.insert(0, format!("{}; rel=\"next\"", own(page + 1)));
            }
            response
                .headers_mut()
                .insert("link", links.join(", ").parse().unwrap());
            response
        }
        Platform::FirstPromoter => {
            // FirstPromoter answers `per_page` rows; its last page is short.
            let size: usize = param("per_page").and_then(|p| p.parse().ok()).unwrap_or(20);
            let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let data: Vec<Value> = rows
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .cloned()
                .collect();
            axum::Json(json!({ "data": data, "meta": { "total": rows.len() } })).into_response()
        }
        Platform::PartnerStack | Platform::Tolt => {
            let id_field = if matches!(platform, Platform::PartnerStack) {
                "key"
            } else {
                "id"
            };
            let from = match param("starting_after") {
                Some(after) => rows
                    .iter()
                    .position(|r| r[id_field] == after.as_str())
                    .map_or(rows.len(), |i| i + 1),
                None => 0,
            };
            let data: Vec<Value> = rows.iter().skip(from).take(size).cloned().collect();
            let more = from + size < rows.len();
            match platform {
                Platform::PartnerStack => axum::Json(json!({ "data": { "items": data, "has_more": more },
                    "message": "Page returned successfully", "status": 200 })).into_response(),
                // Tolt's customers come nested once more.
                _ if path == "/v1/customers" => axum::Json(json!({ "success": true, "has_more": more,
                    "total_count": rows.len(), "data": { "data": data } })).into_response(),
                _ => axum::Json(json!({ "success": true, "has_more": more, "total_count": rows.len(), "data": data })).into_response(),
            }
        }
    }
}

/// The counts an import answers, without its requests.
fn counts(import: &Value) -> Value {
    let mut counts = import["counts"].clone();
    counts.as_object_mut().unwrap().remove("requests");
    counts
}

/// A click on `code` then a customer by it: the partner's `externalId`.
async fn clicked_to(app: &TestApp, code: &str, customer: &str) -> Value {
    let click = app
        .ok(
            &app.admin(),
            "mutation($code: String!) { recordClick(input: { code: $code }) { id } }",
            json!({ "code": code }),
        )
        .await;
    let attributed = app
        .ok(&app.admin(), "mutation($c: ID!, $x: String!) { attributeCustomer(input: { customerExternalId: $x, clickId: $c }) { partner { externalId } } }", json!({ "c": click["recordClick"]["id"], "x": customer }))
        .await;
    attributed["attributeCustomer"]["partner"]["externalId"].clone()
}

async fn a_firstpromoter_program_comes_over_through_its_v2_api(app: TestApp) {
    let campaign = |token: &str, coupon: Option<&str>| {
        let state = if token == "gus_fp" {
            "blocked"
        } else {
            "accepted"
        };
        json!({ "id": 100, "campaign_id": 1, "promoter_id": 0, "state": state,
        "ref_token": token, "ref_link": format!("https://acme.example?fpr={token}"), "coupon": coupon, "promo_codes": [],
        "campaign": { "id": 1, "name": "Main", "color": "blue" } })
    };
    let promoters = vec![
        json!({ "id": 11, "email": "fiona@example.com", "name": "Fiona Fp", "state": "accepted", "archived_at": null,
            "profile": { "first_name": "Fiona", "last_name": "Fp" }, "promoter_campaigns": [campaign("fiona", Some("FIONA10"))] }),
        json!({ "id": 12, "email": "gus@example.com", "name": null, "state": "blocked", "archived_at": null,
            "profile": { "first_name": "Gus", "last_name": "Fp" }, "promoter_campaigns": [campaign("gus_fp", None)] }),
        json!({ "id": 13, "email": "hal@example.com", "name": "Hal Gone", "state": "accepted", "archived_at": "2026-01-01T00:00:00Z",
            "promoter_campaigns": [campaign("hal", None)] }),
    ];
    // 101 customers of Fiona's and one without a billing id: two pages of 100.
    let mut referrals: Vec<Value> = (1..=101)
        .map(|n| json!({ "id": n, "email": format!("c{n}@buyer.example"), "uid": format!("cus_fp_{n}"), "state": "active",
            "created_at": "2026-02-01T00:00:00Z", "customer_since": "2026-02-02T00:00:00Z",
            "promoter_campaign": { "id": 100, "campaign_id": 1, "promoter_id": 11 } }))
        .collect();
    referrals.push(
        json!({ "id": 9999, "email": "lead@buyer.example", "uid": null, "state": "signup",
        "created_at": "2026-02-01T00:00:00Z", "promoter_campaign": { "promoter_id": 11 } }),
    );
    // Fiona bought for herself, through her own link: no referral.
    referrals.push(
        json!({ "id": 500, "email": "Fiona@Example.com", "uid": "cus_fp_fiona", "state": "active",
        "created_at": "2026-02-01T00:00:00Z", "promoter_campaign": { "id": 100, "campaign_id": 1, "promoter_id": 11 } }),
    );
    let commission = |id: i64, promoter: i64, status: &str, paid: bool, unit: &str, amount: i64| {
        json!({
        "id": id, "status": status, "is_paid": paid, "is_self_referral": false, "unit": unit, "amount": amount, "sale_amount": 10000,
        "original_sale_amount": 10000, "original_sale_currency": "usd", "commission_type": "sale",
        "created_at": "2026-05-01T00:00:00Z", "status_updated_at": "2026-06-01T00:00:00Z",
        "promoter_campaign": { "id": 100, "campaign_id": 1, "promoter_id": promoter, "promoter": { "id": promoter } },
        "referral": { "id": 1, "email": "c1@buyer.example", "uid": "cus_fp_1" } })
    };
    // Fiona's own purchase, which FirstPromoter flags.
    let mut own = commission(6, 11, "approved", false, "cash", 900);
    own["is_self_referral"] = json!(true);
    let commissions = vec![
        own,
        commission(1, 11, "approved", true, "cash", 2500),
        commission(2, 11, "approved", false, "cash", 2500),
        commission(3, 11, "pending", false, "cash", 2500),
        commission(4, 12, "denied", false, "cash", 1000),
        commission(5, 11, "approved", false, "credits", 300),
    ];
    let (base, served) = serve_platform(Served {
        platform: Platform::FirstPromoter,
        lists: HashMap::from([
            ("/api/v2/company/promoters".to_owned(), promoters),
            ("/api/v2/company/referrals".to_owned(), referrals),
            ("/api/v2/company/commissions".to_owned(), commissions),
        ]),
        asked: HashMap::new(),
        faults: vec![
            ("/api/v2/company/referrals?2".into(), 429),
            ("/api/v2/company/commissions?1".into(), 500),
        ],
        headers_seen: Vec::new(),
    })
    .await;
    let refused = app
        .error(Some(&app.admin()), START, json!({ "input": { "source": "FIRSTPROMOTER", "credentials": { "apiKey": "fp_key", "accountId": "acc_2", "baseUrl": base } } }))
        .await;
    assert_eq!(
        (field(&refused), refused["message"].as_str()),
        (
            "input.credentials",
            Some("input.credentials: FirstPromoter refused the API key")
        )
    );
    let done = import_from(
        &app,
        "FIRSTPROMOTER",
        json!({ "apiKey": "fp_key", "accountId": "acc_1", "baseUrl": base }),
    )
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        counts(&done),
        json!({ "partners": 3, "codes": 4, "customers": 101, "commissions": 4, "skipped": 0, "unchanged": 0 })
    );
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "customer", "externalId": "500", "reason": "its e-mail is its partner's own (a self-referral): not attributed" },
            { "entity": "customer", "externalId": "9999", "reason": "has no Stripe customer: nothing it pays can be tied to its partner" },
            { "entity": "commission", "externalId": "6", "reason": "FirstPromoter marks it a self-referral (the promoter's own purchase): not imported" },
            { "entity": "commission", "externalId": "5", "reason": "a reward in credits, not money: not imported" },
        ])
    );
    let (asked, seen) = {
        let served = served.lock().unwrap();
        (served.asked.clone(), served.headers_seen.clone())
    };
    assert_eq!(
        asked["/api/v2/company/referrals?2"], 2,
        "the 429 was retried"
    );
    assert_eq!(
        asked["/api/v2/company/commissions?1"], 2,
        "the 500 was retried"
    );
    // Every request named the account.
    assert!(
        seen.iter().all(|(_, account)| account.is_some()),
        "{seen:?}"
    );
    let fiona = partner_by_external(&app, "firstpromoter:11").await;
    assert_eq!(
        fiona["balance"],
        json!([{ "currency": "USD", "accrued": "25.00", "approved": "25.00", "paid": "25.00" }])
    );
    assert_eq!(
        partner_by_external(&app, "firstpromoter:12").await["status"],
        "SUSPENDED"
    );
    assert_eq!(
        partner_by_external(&app, "firstpromoter:13").await["status"],
        "ARCHIVED"
    );
    assert_eq!(
        clicked_to(&app, "fiona", "cus_fp_new").await,
        "firstpromoter:11"
    );
}

async fn a_partnerstack_program_comes_over_with_its_partner_keys(app: TestApp) {
    let ms = 1_714_000_000_000_i64;
    let partnership = |key: &str, first: &str, partner_key: &str, archived: bool| {
        json!({ "key": key, "email": format!("{first}@example.com"),
        "first_name": first, "last_name": "Ps", "partner_key": partner_key, "is_archived": archived,
        "group": { "key": "grp_1", "name": "Default" }, "created_at": ms, "updated_at": ms })
    };
    let (base, served) = serve_platform(Served {
        platform: Platform::PartnerStack,
        lists: HashMap::from([
            ("/api/v2/partnerships".to_owned(), vec![
                partnership("part_a", "Pia", "pia", false),
                partnership("part_b", "Ben", "ben", true),
                partnership("part_c", "Cy", "cy-ps", false),
            ]),
            ("/api/v2/links/partnership/part_a".to_owned(), vec![
                json!({ "key": "lnk_1", "url": "https://acme.example/?ps_partner_key=pia-old&ps_xid=abc", "created_at": ms }),
            ]),
            ("/api/v2/links/partnership/part_b".to_owned(), vec![]),
            ("/api/v2/links/partnership/part_c".to_owned(), vec![]),
            ("/api/v2/customers".to_owned(), vec![
                json!({ "key": "cust_1", "provider_key": "cus_ps_1", "customer_key": "user-1", "email": "one@buyer.example", "partnership_key": "part_a", "created_at": ms }),
                json!({ "key": "cust_2", "provider_key": null, "customer_key": "user-2", "email": "two@buyer.example", "partnership_key": "part_c", "created_at": ms }),
                json!({ "key": "cust_3", "provider_key": null, "customer_key": null, "email": "three@buyer.example", "partnership_key": "part_a", "created_at": ms }),
            ]),
            ("/api/v2/rewards".to_owned(), vec![
                json!({ "key": "rwd_1", "amount": 1200, "currency": "USD", "reward_status": "paid", "created_at": ms, "updated_at": ms + 86_400_000,
                    "partnership_key": "part_a", "customer": { "key": "cust_1", "provider_key": "cus_ps_1" } }),
                json!({ "key": "rwd_2", "amount": 800, "currency": "USD", "reward_status": "approved", "created_at": ms, "updated_at": ms,
                    "partnership_key": "part_c", "customer": { "key": "cust_2", "customer_key": "user-2" } }),
                json!({ "key": "rwd_3", "amount": 500, "currency": "USD", "reward_status": "declined", "created_at": ms, "updated_at": ms,
                    "partnership_key": "part_a", "customer": null }),
            ]),
        ]),
        asked: HashMap::new(),
        faults: vec![("/api/v2/partnerships?".into(), 500), ("/api/v2/rewards?rwd_2".into(), 429)],
        headers_seen: Vec::new(),
    })
    .await;
    let done = import_from(
        &app,
        "PARTNERSTACK",
        json!({ "publicKey": "pk_public", "secretKey": "sk_secret", "baseUrl": base }),
    )
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        counts(&done),
        json!({ "partners": 3, "codes": 4, "customers": 2, "commissions": 3, "skipped": 0, "unchanged": 0 })
    );
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "customer", "externalId": "cust_3", "reason": "has no Stripe customer: nothing it pays can be tied to its partner" },
        ])
    );
    let asked = served.lock().unwrap().asked.clone();
    assert_eq!(
        (
            asked["/api/v2/partnerships?"],
            asked["/api/v2/rewards?rwd_2"]
        ),
        (2, 2)
    );
    let pia = partner_by_external(&app, "partnerstack:part_a").await;
    assert_eq!(
        pia["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "12.00" }])
    );
    let cy = partner_by_external(&app, "partnerstack:part_c").await;
    assert_eq!(
        cy["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "8.00", "paid": "0.00" }])
    );
    assert_eq!(
        partner_by_external(&app, "partnerstack:part_b").await["status"],
        "ARCHIVED"
    );
    // Both the partner key and a link's own ps_partner_key keep working.
    assert_eq!(
        clicked_to(&app, "pia", "cus_ps_new").await,
        "partnerstack:part_a"
    );
    assert_eq!(
        clicked_to(&app, "pia-old", "cus_ps_newer").await,
        "partnerstack:part_a"
    );
}

async fn a_tolt_program_comes_over_with_its_ref_links(app: TestApp) {
    let link = |id: &str, partner: &str, value: &str| {
        json!({ "id": id, "param": "ref", "value": value, "partner_id": partner,
        "created_at": "2026-01-15T14:30:00.000Z", "updated_at": "2026-01-15T14:30:00.000Z", "program_id": "prg_1" })
    };
    let promotion = |id: &str, partner: &str, code: &str, active: bool| {
        json!({ "id": id, "code": code, "type": "percentage", "value": 20, "partner_id": partner, "active": active,
        "created_at": "2026-01-15T14:30:00.000Z", "updated_at": "2026-01-15T14:30:00.000Z", "program_id": "prg_1",
        "organization_id": "org_1" })
    };
    let commission = |id: &str, partner: &str, customer: &str, amount: i64, status: &str| {
        json!({ "id": id, "amount": amount,
        "customer_id": customer, "partner_id": partner, "transaction_id": format!("txn_{id}"), "charge_id": format!("ch_{id}"),
        "source": "stripe", "status": status, "revenue": 9999, "created_at": "2026-04-15T14:30:00.000Z",
        "updated_at": "2026-05-15T14:30:00.000Z", "program_id": "prg_1" })
    };
    let (base, served) = serve_platform(Served {
        platform: Platform::Tolt,
        lists: HashMap::from([
            ("/v1/partners".to_owned(), vec![
                json!({ "id": "part_1", "first_name": "Tia", "last_name": "Tolt", "email": "tia@example.com", "status": "active", "group_id": "grp_1", "program_id": "prg_1", "created_at": "2026-01-13T10:06:11.251Z",
                    "payout_method": "paypal", "payout_details": { "email": "tia.pays@example.com" } }),
                json!({ "id": "part_2", "first_name": null, "last_name": null, "company_name": "Acme Resellers", "email": "acme@example.com", "status": "suspended", "group_id": "grp_1", "program_id": "prg_1", "created_at": "2026-01-13T10:06:11.251Z",
                    "payout_method": "none", "payout_details": null }),
                json!({ "id": "part_3", "first_name": "Una", "last_name": null, "email": "una@example.com", "status": "pending", "group_id": "grp_1", "program_id": "prg_1", "created_at": "2026-01-13T10:06:11.251Z",
                    "payout_method": "wise", "payout_details": { "email": "una@wise.example" } }),
            ]),
            ("/v1/links?part_1".to_owned(), vec![link("lnk_1", "part_1", "tia_tolt"), link("lnk_2", "part_1", "tia2"), link("lnk_3", "part_1", "tia3")]),
            ("/v1/links?part_2".to_owned(), vec![link("lnk_4", "part_2", "acme")]),
            ("/v1/links?part_3".to_owned(), vec![]),
            ("/v1/promotion-codes".to_owned(), vec![
                promotion("prc_1", "part_1", "TIA20", true),
                promotion("prc_2", "part_2", "OLDACME", false),
                promotion("prc_3", "part_3", "UNA10", true),
            ]),
            ("/v1/customers".to_owned(), vec![
                json!({ "id": "cust_1", "customer_id": "cus_t1", "partner_id": "part_1", "status": "active", "created_at": "2026-03-01T00:00:00.000Z" }),
                json!({ "id": "cust_2", "customer_id": null, "partner_id": "part_1", "status": "lead", "created_at": "2026-03-02T00:00:00.000Z" }),
                json!({ "id": "cust_3", "customer_id": "cus_t3", "partner_id": "part_2", "status": "active", "created_at": "2026-03-03T00:00:00.000Z" }),
            ]),
            ("/v1/commissions".to_owned(), vec![
                commission("comm_1", "part_1", "cust_1", 1999, "paid"),
                commission("comm_2", "part_2", "cust_3", 500, "refunded"),
                commission("comm_3", "part_1", "cust_1", 700, "approved"),
            ]),
        ]),
        asked: HashMap::new(),
        faults: vec![("/v1/customers?".into(), 500), ("/v1/commissions?comm_2".into(), 429)],
        headers_seen: Vec::new(),
    })
    .await;
    let done = import_from(
        &app,
        "TOLT",
        json!({ "apiKey": "tolt_key", "accountId": "prg_1", "baseUrl": base }),
    )
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        counts(&done),
        json!({ "partners": 3, "codes": 6, "customers": 2, "commissions": 3, "skipped": 0, "unchanged": 0 })
    );
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "partner", "externalId": "part_3", "reason": "it is paid by Wise transfers at Tolt, which revshare has no payout method for: imported without one (finance sets one from the console)" },
            { "entity": "coupon", "externalId": "prc_2", "reason": "\"OLDACME\" is archived at the source: it attributes nothing there, nor here" },
            { "entity": "customer", "externalId": "cust_2", "reason": "has no Stripe customer: nothing it pays can be tied to its partner" },
        ])
    );
    let asked = served.lock().unwrap().asked.clone();
    assert_eq!(
        (asked["/v1/customers?"], asked["/v1/commissions?comm_2"]),
        (3, 2),
        "the probe, the 500 and its retry; the 429 and its retry"
    );
    let tia = partner_by_external(&app, "tolt:part_1").await;
    assert_eq!(
        tia["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "7.00", "paid": "19.99" }])
    );
    // Paid at its PayPal address; a method Tolt pays by that revshare
    // does not is no method.
    let methods = app
        .ok(&app.admin(), "{ partners(first: 5) { nodes { externalId payoutMethod { type paypalEmail } referralCodes { code couponCode } } } }", json!({}))
        .await;
    let of = |external: &str| {
        methods["partners"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["externalId"] == external)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        of("tolt:part_1")["payoutMethod"],
        json!({ "type": "PAYPAL", "paypalEmail": "tia.pays@example.com" })
    );
    assert_eq!(of("tolt:part_3")["payoutMethod"], Value::Null);
    assert_eq!(
        of("tolt:part_3")["referralCodes"],
        json!([{ "code": "una10", "couponCode": "UNA10" }])
    );
    let acme = partner_by_external(&app, "tolt:part_2").await;
    assert_eq!(
        (acme["name"].as_str(), acme["status"].as_str()),
        (Some("Acme Resellers"), Some("SUSPENDED"))
    );
    assert_eq!(
        clicked_to(&app, "tia_tolt", "cus_t_new").await,
        "tolt:part_1"
    );
}

/// Tapfiliate's objects as its API v1.6 documents them (nulls present,
/// amounts as decimal numbers): a percentage program with two affiliate
/// groups, an affiliate with a coupon, customers of another program or of
/// no affiliate, and commissions pending, approved, paid and disapproved.
async fn a_tapfiliate_program_comes_over_with_its_groups_terms_and_coupons(app: TestApp) {
    let affiliate = |id: &str,
                     first: &str,
                     last: Option<&str>,
                     group: Value,
                     coupon: Option<&str>| {
        json!({ "id": id, "email": format!("{id}@example.com"), "firstname": first, "lastname": last,
            "created_at": "2025-03-02T10:00:00+00:00", "meta_data": {}, "parent": null, "address": null,
            "referral_link": format!("https://acme.example/?ref={id}"), "coupon": coupon })
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .chain(group.as_object().unwrap().clone())
        .collect::<serde_json::Map<_, _>>()
    };
    let customer = |id: &str, external: &str, affiliate: Value, program: &str| {
        json!({ "id": id, "customer_id": external, "status": "paid", "created_at": "2026-02-01T09:00:00+00:00",
            "click": { "created_at": "2026-01-31T09:00:00+00:00", "referrer": null, "landing_page": "https://acme.example/" },
            "program": { "id": program }, "affiliate": affiliate, "meta_data": {} })
    };
    let commission = |id: i64, who: &str, amount: f64, approved: Value, payout: Value| {
        json!({ "id": id, "amount": amount, "approved": approved, "affiliate": { "id": who }, "kind": "regular",
            "currency": "USD", "final": true, "created_at": "2026-03-01T10:00:00+00:00", "payout": payout,
            "commission_type": "default", "conversion_sub_amount": 99.0, "comment": null })
    };
    let conversion = |id: i64, who: &str, customer: (&str, &str), commissions: Vec<Value>| {
        json!({ "id": id, "external_id": format!("ORDER-{id}"), "amount": 99.0, "created_at": "2026-03-01T10:00:00+00:00",
            "program": { "id": "acme-partners" }, "affiliate": { "id": who },
            "customer": { "id": customer.0, "customer_id": customer.1 }, "commissions": commissions, "meta_data": {} })
    };
    let (base, served) = serve_platform(Served {
        platform: Platform::Tapfiliate,
        lists: HashMap::from([
            ("/1.6/programs/acme-partners/".to_owned(), vec![json!({ "id": "acme-partners", "title": "Acme Partners",
                "currency": "USD", "cookie_time": 45, "default_landing_page_url": "https://acme.example/pricing",
                "incrementing_conversions": false, "recurring_commissions": true })]),
            ("/1.6/programs/acme-partners/commission-types/".to_owned(), vec![json!({ "id": "default",
                "name": "Default Commission", "type": "percentage", "percentage": 20.0, "amount": null })]),
            ("/1.6/affiliate-groups/".to_owned(), vec![
                json!({ "id": "influencers", "title": "Influencers", "affiliate_count": 1 }),
                json!({ "id": "agencies", "title": "Agencies", "affiliate_count": 1 }),
            ]),
            ("/1.6/programs/acme-partners/affiliates/".to_owned(), vec![
                json!(affiliate("janedoe", "Jane", Some("Doe"), json!({ "affiliate_group_id": "influencers", "group": null }), Some("JANE20"))),
                json!(affiliate("bobagency", "Bob", None, json!({ "group": { "id": "agencies", "name": "Agencies" } }), None)),
                json!(affiliate("carl", "Carl", Some("Solo"), json!({ "affiliate_group_id": null, "group": null }), None)),
            ]),
            ("/1.6/customers/".to_owned(), vec![
                customer("cu_1", "cus_tap1", json!({ "id": "janedoe" }), "acme-partners"),
                customer("cu_2", "cus_tap2", json!({ "id": "bobagency" }), "acme-partners"),
                customer("cu_3", "cus_tap3", Value::Null, "acme-partners"),
                customer("cu_4", "cus_tap4", json!({ "id": "carl" }), "acme-eu"),
            ]),
            ("/1.6/conversions/".to_owned(), vec![
                conversion(101, "janedoe", ("cu_1", "cus_tap1"), vec![commission(5001, "janedoe", 19.8, json!(true),
                    json!({ "id": "pay_1", "paid_at": "2026-03-31T12:00:00+00:00" }))]),
                conversion(102, "janedoe", ("cu_1", "cus_tap1"), vec![commission(5002, "janedoe", 19.8, json!(true), Value::Null)]),
                conversion(103, "bobagency", ("cu_2", "cus_tap2"), vec![
                    commission(5003, "bobagency", 10.0, Value::Null, Value::Null),
                    commission(5004, "bobagency", 5.5, json!(false), Value::Null),
                ]),
            ]),
        ]),
        asked: HashMap::new(),
        faults: vec![("/1.6/conversions/?2".into(), 429)],
        headers_seen: Vec::new(),
    })
    .await;
    let done = import_from(
        &app,
        "TAPFILIATE",
        json!({ "apiKey": "tap_key", "accountId": "acme-partners", "baseUrl": base }),
    )
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        counts(&done),
        json!({ "partners": 3, "codes": 4, "customers": 2, "commissions": 4, "skipped": 0, "unchanged": 0 })
    );
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "customer", "externalId": "cu_3", "reason": "names no affiliate: there is no partner to attribute it to" },
            { "entity": "customer", "externalId": "cu_4", "reason": "belongs to the program acme-eu, not the one imported" },
        ])
    );
    let asked = served.lock().unwrap().asked.clone();
    assert_eq!(
        (
            asked["/1.6/conversions/?2"],
            asked.get("/1.6/conversions/?3").copied().unwrap_or(0)
        ),
        (2, 0),
        "the 429 and its retry once its reset passed; no page past the last `next`"
    );
    // Every group pays the program's default commission type.
    let jane = partner_by_external(&app, "tapfiliate:janedoe").await;
    assert_eq!(
        (&jane["name"], &jane["group"]),
        (
            &json!("Jane Doe"),
            &json!({ "name": "Influencers", "rules": [{ "type": "RECURRING", "percentage": "20", "maxMonths": null }] })
        )
    );
    assert_eq!(
        jane["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "19.80", "paid": "19.80" }])
    );
    let bob = partner_by_external(&app, "tapfiliate:bobagency").await;
    assert_eq!(
        (&bob["name"], &bob["group"]["name"]),
        (&json!("Bob"), &json!("Agencies"))
    );
    assert_eq!(
        bob["balance"],
        json!([{ "currency": "USD", "accrued": "10.00", "approved": "0.00", "paid": "0.00" }])
    );
    let carl = partner_by_external(&app, "tapfiliate:carl").await;
    assert_eq!(carl["group"]["name"], "Acme Partners");
    assert_eq!(
        clicked_to(&app, "janedoe", "cus_tap_new").await,
        "tapfiliate:janedoe"
    );
    let landing = app
        .ok(
            &app.admin(),
            "{ campaigns(first: 5) { nodes { landingUrl } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        landing["campaigns"]["nodes"][0]["landingUrl"],
        "https://acme.example/pricing"
    );
    let coupon = app
        .ok(
            &app.admin(),
            "{ partners(first: 5) { nodes { externalId referralCodes { code couponCode } } } }",
            json!({}),
        )
        .await;
    let codes: Vec<&Value> = coupon["partners"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["externalId"] == "tapfiliate:janedoe")
        .map(|p| &p["referralCodes"])
        .collect();
    assert_eq!(
        codes,
        [
            &json!([{ "code": "janedoe", "couponCode": null }, { "code": "jane20", "couponCode": "JANE20" }])
        ]
    );
}

/// A Tapfiliate program paying a fixed amount on a customer's first sale
/// only, with two commission types: no group's rules can say it, so its
/// partners keep the default group and the program is named, twice.
async fn tapfiliate_terms_no_group_can_say_are_problems_naming_the_program(app: TestApp) {
    let (base, _) = serve_platform(Served {
        platform: Platform::Tapfiliate,
        lists: HashMap::from([
            ("/1.6/programs/once/".to_owned(), vec![json!({ "id": "once", "title": "Once", "currency": "EUR",
                "cookie_time": 30, "default_landing_page_url": null, "incrementing_conversions": false,
                "recurring_commissions": false })]),
            ("/1.6/programs/once/commission-types/".to_owned(), vec![
                json!({ "id": "default", "name": "Default Commission", "type": "fixed", "percentage": null, "amount": 40.0 }),
                json!({ "id": "vip", "name": "VIP", "type": "percentage", "percentage": 30.0, "amount": null }),
            ]),
            ("/1.6/affiliate-groups/".to_owned(), vec![json!({ "id": "resellers", "title": "Resellers", "affiliate_count": 1 })]),
            ("/1.6/programs/once/affiliates/".to_owned(), vec![json!({ "id": "lena", "email": "lena@example.com", "firstname": "Lena",
                "lastname": null, "created_at": "2025-01-01T00:00:00+00:00", "affiliate_group_id": "resellers", "group": null,
                "meta_data": {}, "referral_link": "https://once.example/?ref=lena", "coupon": null, "parent": null })]),
            ("/1.6/customers/".to_owned(), vec![]),
            ("/1.6/conversions/".to_owned(), vec![]),
        ]),
        asked: HashMap::new(),
        faults: Vec::new(),
        headers_seen: Vec::new(),
    })
    .await;
    let done = import_from(
        &app,
        "TAPFILIATE",
        json!({ "apiKey": "tap_key", "accountId": "once", "baseUrl": base }),
    )
    .await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        done["problems"]["nodes"],
        json!([
            { "entity": "campaign", "externalId": "once", "reason": "has 2 commission types: its groups pay its default one (Default Commission), and commissions already earned come over at their own amounts" },
            { "entity": "campaign", "externalId": "once", "reason": "pays on a customer's first sale only, which no group's rules can say: its partners keep the default group" },
        ])
    );
    let lena = partner_by_external(&app, "tapfiliate:lena").await;
    let default = app
        .ok(
            &app.admin(),
            "{ partnerGroups(first: 10) { nodes { name isDefault } } }",
            json!({}),
        )
        .await;
    let default_name = default["partnerGroups"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isDefault"] == true)
        .map(|g| g["name"].clone())
        .unwrap();
    assert_eq!(lena["group"]["name"], default_name);
}

/// A later run (a second import, or one taken up again) has not read the
/// partner in this run: its address is the stored one's.
async fn a_self_referral_is_known_by_the_stored_partner_in_a_later_run(app: TestApp) {
    let referral = |id: i64, email: &str, uid: &str| {
        json!({ "id": id, "email": email, "uid": uid, "state": "active", "created_at": "2026-02-01T00:00:00Z",
            "customer_since": null, "promoter_campaign": { "id": 100, "campaign_id": 1, "promoter_id": 11 } })
    };
    let (base, served) = serve_platform(Served {
        platform: Platform::FirstPromoter,
        lists: HashMap::from([
            ("/api/v2/company/promoters".to_owned(), vec![json!({ "id": 11, "email": "fiona@example.com",
                "name": "Fiona Fp", "state": "accepted", "archived_at": null, "profile": null,
                "promoter_campaigns": [{ "id": 100, "campaign_id": 1, "promoter_id": 11, "state": "accepted",
                    "ref_token": "fiona", "coupon": null, "promo_codes": [] }] })]),
            ("/api/v2/company/referrals".to_owned(), vec![referral(1, "buyer@example.com", "cus_fp_1")]),
            ("/api/v2/company/commissions".to_owned(), vec![]),
        ]),
        asked: HashMap::new(),
        faults: Vec::new(),
        headers_seen: Vec::new(),
    })
    .await;
    let credentials = json!({ "apiKey": "fp_key", "accountId": "acc_1", "baseUrl": base });
    let first = import_from(&app, "FIRSTPROMOTER", credentials.clone()).await;
    assert_eq!(first["status"], "DONE", "{first}");
    assert_eq!(first["counts"]["customers"], 1);
    // Fiona's own purchase appears at the source after the first run.
    served
        .lock()
        .unwrap()
        .lists
        .get_mut("/api/v2/company/referrals")
        .unwrap()
        .push(referral(2, " FIONA@example.COM ", "cus_fp_own"));
    let second = import_from(&app, "FIRSTPROMOTER", credentials).await;
    assert_eq!(second["status"], "DONE", "{second}");
    assert_eq!(
        counts(&second),
        json!({ "partners": 0, "codes": 0, "customers": 0, "commissions": 0, "skipped": 0, "unchanged": 2 })
    );
    assert_eq!(
        second["problems"]["nodes"],
        json!([{ "entity": "customer", "externalId": "2", "reason": "its e-mail is its partner's own (a self-referral): not attributed" }])
    );
    let attributed = app
        .ok(
            &app.admin(),
            "{ customers(first: 10) { nodes { externalId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        attributed["customers"]["nodes"],
        json!([{ "externalId": "cus_fp_1" }])
    );
}

async fn a_run_killed_midway_finishes_with_each_row_once(app: TestApp) {
    let mut fixture = rewardful();
    fixture.faults.clear();
    // Forty paid commissions of 1.00, twenty pages taking 300 ms each.
    let commissions: Vec<Value> = (1..=40)
        .map(|n| json!({ "id": format!("com-{n}"), "amount": 100, "currency": "USD", "state": "paid",
            "paid_at": "2026-06-15T12:00:00.000Z", "due_at": null, "voided_at": null,
            "created_at": "2026-05-01T10:00:00.000Z", "campaign": { "id": "c1" },
            "sale": { "id": format!("sale-{n}"), "currency": "USD", "charged_at": format!("2026-05-01T10:{:02}:00.000Z", n % 60),
                "sale_amount_cents": 1000, "referral": { "id": "ref-1", "stripe_customer_id": "cus_A" }, "affiliate": { "id": "aff-jane" } } }))
        .collect();
    fixture.lists.insert("commissions", commissions);
    fixture.slow_commissions = std::time::Duration::from_millis(300);
    let (base, _) = serve(fixture).await;
    let replica = crate::helpers::Replica::start(
        &app.url,
        &[
            ("REVSHARE_DATA_KEY", DATA_KEY),
            ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ],
    )
    .await;
    let started: Value = app
        .client
        .post(format!("http://{}/graphql", replica.addr))
        .bearer_auth(app.admin())
        .json(&json!({ "query": START, "variables": { "input": {
            "source": "REWARDFUL", "credentials": { "apiKey": SECRET, "baseUrl": base } } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["data"]["startImport"]["id"]
        .as_str()
        .expect("started")
        .to_owned();
    // Killed once some pages of commissions are written, not all.
    let mut written = 0;
    for _ in 0..200 {
        let now = app.ok(&app.admin(), IMPORT, json!({ "id": id })).await;
        written = now["import"]["counts"]["commissions"].as_i64().unwrap();
        if written >= 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    replica.kill();
    assert!(
        (6..40).contains(&written),
        "killed midway: {written} written"
    );
    // Its lease runs out (as two minutes would), and this replica's look
    // takes the import up after the last page written.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::import::Entity::update_many()
            .col_expr(
                entity::import::Column::LeaseUntil,
                Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
            )
            .filter(entity::import::Column::Id.eq(id.as_str()))
            .exec(app.db.conn())
            .await
            .unwrap();
    }
    let settings = revshare::imports::Settings {
        data_key: app.data_key.clone(),
        allow_private: true,
        lease: revshare::imports::LEASE,
        wake: Default::default(),
    };
    let jobs = revshare::jobs::Shutdown::new();
    revshare::imports::take_up(&app.db, &settings, &jobs.runner())
        .await
        .unwrap();
    let done = crate::support::imports::ended(&app, &id).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(
        counts(&done),
        json!({ "partners": 5, "codes": 6, "customers": 4, "commissions": 40, "skipped": 0, "unchanged": 0 })
    );
    // Each row once: forty events, forty commissions, and the balance the
    // source's total.
    let events: Vec<String> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
        entity::event::Entity::find()
            .select_only()
            .column(entity::event::Column::ExternalId)
            .filter(entity::event::Column::ExternalId.starts_with("rewardful:commission:"))
            .into_tuple()
            .all(app.db.conn())
            .await
            .unwrap()
    };
    let distinct: std::collections::HashSet<&String> = events.iter().collect();
    assert_eq!((events.len(), distinct.len()), (40, 40));
    let jane = partner_by_external(&app, "rewardful:aff-jane").await;
    assert_eq!(
        jane["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "0.00", "paid": "40.00" }])
    );
}

async fn a_payload_the_documents_do_not_describe_fails_naming_its_row(app: TestApp) {
    let mut fixture = rewardful();
    fixture.faults.clear();
    let mut odd = fixture.lists["commissions"][0].clone();
    odd["id"] = json!("com-odd");
    odd["state"] = json!("mystery");
    fixture.lists.get_mut("commissions").unwrap().insert(1, odd);
    let (base, _) = serve(fixture).await;
    let failed = import(&app, &base, false).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(
        failed["error"],
        "Rewardful answered a commission (com-odd) its documents do not describe"
    );
    // What came before the page that did not parse is written, whole.
    assert_eq!(
        counts(&failed),
        json!({ "partners": 5, "codes": 6, "customers": 4, "commissions": 0, "skipped": 0, "unchanged": 0 })
    );
    let totals = app
        .ok(
            &app.admin(),
            "{ programTotals { currency } partners(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        totals,
        json!({ "programTotals": [], "partners": { "totalCount": 5 } })
    );
}

/// Rewardful's `reward_type: amount` ($40 a sale) becomes a group paying
/// 40.00 a sale (a flat fee beside a recurring 0 %), and a campaign whose
/// terms no group can hold (150 %) is a problem row naming it, its
/// partners in the default group — the import ends, in a dry run too,
/// where it once panicked and ran for ever.
async fn a_fixed_amount_campaign_is_a_group_and_terms_past_expressing_are_a_problem(app: TestApp) {
    let mut fixture = rewardful();
    fixture.faults.clear();
    let campaigns = fixture.lists.get_mut("campaigns").unwrap();
    campaigns[1]["reward_type"] = json!("amount");
    campaigns[1]["commission_percent"] = Value::Null;
    campaigns[1]["commission_amount_cents"] = json!(4000);
    let mut past = campaigns[0].clone();
    past["id"] = json!("c3");
    past["name"] = json!("Too generous");
    past["commission_percent"] = json!("150.0");
    campaigns.push(past);
    let (base, _) = serve(fixture).await;
    let problem = json!({ "entity": "campaign", "externalId": "c3",
        "reason": "its terms cannot be expressed as a group's rules (must be between 0 and 100): its partners keep the default group" });
    let dry = import(&app, &base, true).await;
    assert_eq!(dry["status"], "DONE", "{dry}");
    assert!(
        dry["problems"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&problem),
        "{dry}"
    );
    let done = import(&app, &base, false).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert!(
        done["problems"]["nodes"]
            .as_array()
            .unwrap()
            .contains(&problem),
        "{done}"
    );
    let groups = app
        .ok(
            &app.admin(),
            "{ partnerGroups(first: 20) { nodes { name rules { type ... on RecurringRule { percentage maxMonths } ... on FlatFeeRule { amount } } } } }",
            json!({}),
        )
        .await;
    let named = |name: &str| {
        groups["partnerGroups"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .map(|g| g["rules"].clone())
    };
    assert_eq!(
        named("Partners"),
        Some(json!([
            { "type": "RECURRING", "percentage": "0", "maxMonths": null },
            { "type": "FLAT_FEE", "amount": "40.00" },
        ])),
        "{groups}"
    );
    assert_eq!(named("Too generous"), None, "{groups}");
}
