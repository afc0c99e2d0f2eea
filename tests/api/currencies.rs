//! Sales in any currency (SPEC §22): the ECB's files imported as
//! published, a sale converted at its day's rate with its provenance kept,
//! a refund at the sale's rate, and a sale with no rate held until one is
//! imported — accrued then, in order and once.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::partners::partner_at;
use crate::support::rates::{IMPORT, import};
use serde_json::{Value, json};

on_both_databases!(
    the_ecbs_files_are_imported_as_published_and_a_bad_one_imports_nothing,
    a_sale_in_another_currency_is_converted_at_its_days_rate,
    a_refund_of_a_converted_sale_takes_back_exactly_what_it_earned,
    a_sale_with_no_rate_waits_and_accrues_once_when_its_rate_arrives,
    the_daily_fetch_imports_the_file_at_its_url_into_every_tenant,
    program_totals_convert_every_currency_at_the_latest_rate,
    a_deal_payment_in_another_currency_is_converted_into_the_deals,
    an_unattributed_sale_in_another_currency_waits_for_its_rate_once_attributed,
);

const HISTORY: &str = include_str!("../fixtures/ecb/eurofxref-hist.csv");
const DAILY: &str = include_str!("../fixtures/ecb/eurofxref.csv");

const RATE: &str = "query($b: String!, $q: String!, $d: Date!) { exchangeRate(base: $b, quote: $q, day: $d) { base quote rate day source } }";
const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate unattributed heldReason event { amount currency } commissions { id amount currency conversion { saleAmount saleCurrency rate day source } } } }";

async fn rate(app: &TestApp, base: &str, quote: &str, day: &str) -> Value {
    app.ok(
        &app.admin(),
        RATE,
        json!({ "b": base, "q": quote, "d": day }),
    )
    .await["exchangeRate"]
        .clone()
}

async fn record(app: &TestApp, input: Value) -> Value {
    app.ok(
        &app.service("events:write"),
        RECORD,
        json!({ "input": input }),
    )
    .await["recordEvent"]
        .clone()
}

fn sale(partner: &str, id: &str, amount: &str, currency: &str, at: &str) -> Value {
    json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"),
            "amount": amount, "currency": currency, "occurredAt": at })
}

/// Minor units of a decimal string (`"-5.48"` is -548), for sums.
fn cents(amount: &Value) -> i64 {
    let text = amount.as_str().unwrap();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "00"));
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let whole: i64 = whole.trim_start_matches('-').parse().unwrap();
    sign * (whole * 100 + fraction.parse::<i64>().unwrap())
}

async fn the_ecbs_files_are_imported_as_published_and_a_bad_one_imports_nothing(app: TestApp) {
    // A malformed cell: nothing imported, the row and column named.
    let broken = HISTORY.replacen("1.1704", "1,1704", 1);
    let error = app
        .error(
            Some(&app.admin()),
            IMPORT,
            json!({ "input": { "source": "ECB", "csv": broken } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.csv")
    );
    assert_eq!(
        error["message"],
        "input.csv: row 3, column 43: the row has 43 cells and the header 42"
    );
    let wrong = HISTORY.replacen("169.24", "abc", 1);
    let error = app
        .error(
            Some(&app.admin()),
            IMPORT,
            json!({ "input": { "source": "ECB", "csv": wrong } }),
        )
        .await;
    assert_eq!(
        error["message"],
        "input.csv: row 3, column 3: is not a decimal number"
    );
    assert_eq!(rate(&app, "EUR", "USD", "2025-06-30").await, Value::Null);

    // Eleven days of 30 currencies quoted (11 columns are N/A).
    assert_eq!(
        import(&app, "ECB", HISTORY).await,
        json!({ "imported": 330, "days": 11, "accrued": 0 })
    );
    assert_eq!(
        rate(&app, "EUR", "USD", "2025-06-30").await,
        json!({ "base": "EUR", "quote": "USD", "rate": "1.172", "day": "2025-06-30", "source": "ECB" })
    );
    // Through EUR, to 10 significant digits for reading.
    assert_eq!(
        rate(&app, "USD", "EUR", "2025-06-30").await["rate"],
        "0.8532423208"
    );
    assert_eq!(
        rate(&app, "GBP", "USD", "2025-06-30").await["rate"],
        "1.369959088"
    );
    // A Sunday takes Friday's; a week after the last day still has it,
    // eight days after has none.
    assert_eq!(
        rate(&app, "JPY", "USD", "2025-06-29").await,
        json!({ "base": "JPY", "quote": "USD", "rate": "0.006915622784", "day": "2025-06-27", "source": "ECB" })
    );
    assert_eq!(
        rate(&app, "EUR", "USD", "2025-07-07").await["day"],
        "2025-06-30"
    );
    assert_eq!(rate(&app, "EUR", "USD", "2025-07-08").await, Value::Null);
    assert_eq!(rate(&app, "EUR", "USD", "2025-06-15").await, Value::Null);

    // The daily file, its own layout: the day imported again takes its
    // rates as written there.
    assert_eq!(
        import(&app, "ECB daily", DAILY).await,
        json!({ "imported": 30, "days": 1, "accrued": 0 })
    );
    assert_eq!(
        rate(&app, "EUR", "USD", "2025-06-30").await,
        json!({ "base": "EUR", "quote": "USD", "rate": "1.1720", "day": "2025-06-30", "source": "ECB daily" })
    );

    // Admins import; anyone who reads the ledger reads rates.
    let partner = partner_at(&app, "Pat", 10).await;
    let error = app
        .error(
            Some(&app.partner_token(&partner)),
            IMPORT,
            json!({ "input": { "source": "ECB", "csv": DAILY } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let seen = app
        .ok(
            &app.partner_token(&partner),
            RATE,
            json!({ "b": "EUR", "q": "GBP", "d": "2025-06-30" }),
        )
        .await;
    assert_eq!(seen["exchangeRate"]["rate"], "0.85550");
    let error = app
        .error(
            Some(&app.admin()),
            RATE,
            json!({ "b": "EURO", "q": "USD", "d": "2025-06-30" }),
        )
        .await;
    assert_eq!(field(&error), "base");
}

async fn a_sale_in_another_currency_is_converted_at_its_days_rate(app: TestApp) {
    import(&app, "ECB", HISTORY).await;
    let partner = partner_at(&app, "Pat", 10).await;
    // 100.00 GBP on 30 June: 100 × 1.172 ÷ 0.8555 = 136.9959… USD; the
    // commission is 10 % of that, rounded once: 13.70.
    let recorded = record(
        &app,
        sale(&partner, "gbp-1", "100.00", "GBP", "2025-06-30T12:00:00Z"),
    )
    .await;
    assert_eq!(
        recorded,
        json!({ "duplicate": false, "unattributed": false, "heldReason": null,
                "event": { "amount": "137.00", "currency": "USD" },
                "commissions": [{ "id": recorded["commissions"][0]["id"], "amount": "13.70", "currency": "USD",
                    "conversion": { "saleAmount": "100.00", "saleCurrency": "GBP", "rate": "1.369959088",
                                    "day": "2025-06-30", "source": "ECB" } }] })
    );
    // 5000 JPY on a Saturday: Friday's rates, 5000 × 1.1704 ÷ 169.24 =
    // 34.578… USD, earning 3.46.
    let recorded = record(
        &app,
        sale(&partner, "jpy-1", "5000", "JPY", "2025-06-28T09:00:00Z"),
    )
    .await;
    assert_eq!(recorded["event"]["amount"], "34.58");
    assert_eq!(recorded["commissions"][0]["amount"], "3.46");
    assert_eq!(
        recorded["commissions"][0]["conversion"],
        json!({ "saleAmount": "5000", "saleCurrency": "JPY", "rate": "0.006915622784", "day": "2025-06-27", "source": "ECB" })
    );
    // A redelivery is the same answer; a sale in the campaign's own
    // currency has no conversion.
    let again = record(
        &app,
        sale(&partner, "jpy-1", "5000", "JPY", "2025-06-28T09:00:00Z"),
    )
    .await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["commissions"], recorded["commissions"]);
    let own = record(
        &app,
        sale(&partner, "usd-1", "50.00", "USD", "2025-06-28T09:00:00Z"),
    )
    .await;
    assert_eq!(own["commissions"][0]["conversion"], Value::Null);
    // The partner reads how its commission was converted.
    let query = "{ commissions { nodes { amount conversion { saleCurrency day } } } }";
    let seen = app.ok(&app.partner_token(&partner), query, json!({})).await;
    assert_eq!(
        seen["commissions"]["nodes"],
        json!([
            { "amount": "13.70", "conversion": { "saleCurrency": "GBP", "day": "2025-06-30" } },
            { "amount": "3.46", "conversion": { "saleCurrency": "JPY", "day": "2025-06-27" } },
            { "amount": "5.00", "conversion": null },
        ])
    );
    // A currency ISO 4217 does not know is refused, naming the field.
    let error = app
        .error(
            Some(&app.service("events:write")),
            RECORD,
            json!({ "input": sale(&partner, "x", "1.00", "GBX", "2025-06-30T12:00:00Z") }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.currency")
    );
}

async fn a_refund_of_a_converted_sale_takes_back_exactly_what_it_earned(app: TestApp) {
    import(&app, "ECB", HISTORY).await;
    let partner = partner_at(&app, "Pat", 10).await;
    record(
        &app,
        sale(&partner, "gbp-1", "100.00", "GBP", "2025-06-30T12:00:00Z"),
    )
    .await;
    let refund = "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { event { amount refundedAmount } } }";
    // In the sale's own currency: 40.00 of 100.00 GBP is 40 % of the
    // 137.00 USD it converted to.
    let refunded = app
        .ok(
            &app.service("events:write"),
            refund,
            json!({ "input": { "eventExternalId": "gbp-1", "amount": "40.00" } }),
        )
        .await;
    assert_eq!(
        refunded["recordRefund"]["event"],
        json!({ "amount": "137.00", "refundedAmount": "54.80" })
    );
    // More than the sale's unrefunded 60.00 GBP is refused.
    let error = app
        .error(
            Some(&app.service("events:write")),
            refund,
            json!({ "input": { "eventExternalId": "gbp-1", "amount": "60.01" } }),
        )
        .await;
    assert_eq!(
        error["message"],
        "input.amount: must be at most the unrefunded 60.00"
    );
    for amount in ["33.33", "26.67"] {
        app.ok(
            &app.service("events:write"),
            refund,
            json!({ "input": { "eventExternalId": "gbp-1", "amount": amount } }),
        )
        .await;
    }
    let query = "{ commissions { nodes { kind amount event { refundedAmount } } } }";
    let nodes = app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"].clone();
    let nodes = nodes.as_array().unwrap();
    assert_eq!(nodes[0]["event"]["refundedAmount"], "137.00");
    // Refunded in full, in three parts: what it earned, exactly, back.
    let total: i64 = nodes.iter().map(|n| cents(&n["amount"])).sum();
    assert_eq!((nodes.len(), total), (4, 0), "{nodes:?}");
}

async fn a_sale_with_no_rate_waits_and_accrues_once_when_its_rate_arrives(app: TestApp) {
    let partner = partner_at(&app, "Pat", 10).await;
    let late = sale(&partner, "late", "100.00", "GBP", "2025-06-30T12:00:00Z");
    let early = sale(&partner, "early", "100.00", "GBP", "2025-06-27T12:00:00Z");
    let old = sale(&partner, "old", "100.00", "GBP", "2025-06-10T12:00:00Z");
    let held = json!({ "duplicate": false, "unattributed": false, "heldReason": "NO_EXCHANGE_RATE",
                       "event": null, "commissions": [] });
    assert_eq!(record(&app, late.clone()).await, held);
    assert_eq!(record(&app, early.clone()).await, held);
    assert_eq!(record(&app, old.clone()).await, held);
    // Redelivered while it waits: the same, still one.
    let again = record(&app, late.clone()).await;
    assert_eq!(
        (&again["duplicate"], &again["heldReason"]),
        (&json!(true), &json!("NO_EXCHANGE_RATE"))
    );
    let mut other = late.clone();
    other["amount"] = json!("99.00");
    let error = app
        .error(
            Some(&app.service("events:write")),
            RECORD,
            json!({ "input": other }),
        )
        .await;
    assert_eq!(code(&error), "CONFLICT");
    let waiting = "{ unattributedEvents { nodes { externalId reason amount currency } } }";
    // Listed in the order they were recorded (ids made within one
    // millisecond are in no particular order): compared by externalId.
    let listed = |body: Value| {
        let mut nodes = body["unattributedEvents"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        nodes.sort_by_key(|n| n["externalId"].as_str().unwrap().to_owned());
        nodes
    };
    let waits = |id: &str| json!({ "externalId": id, "reason": "NO_EXCHANGE_RATE", "amount": "100.00", "currency": "GBP" });
    assert_eq!(
        listed(app.ok(&app.admin(), waiting, json!({})).await),
        vec![waits("early"), waits("late"), waits("old")]
    );

    // The history arrives: the two within a week of a rate accrue, oldest
    // first; the one of 10 June (no rate on or within 7 days before it)
    // waits on.
    assert_eq!(
        import(&app, "ECB", HISTORY).await,
        json!({ "imported": 330, "days": 11, "accrued": 2 })
    );
    let query = "{ commissions { nodes { amount event { externalId } conversion { day } } } }";
    let expected = json!([
        { "amount": "13.72", "event": { "externalId": "early" }, "conversion": { "day": "2025-06-27" } },
        { "amount": "13.70", "event": { "externalId": "late" }, "conversion": { "day": "2025-06-30" } },
    ]);
    assert_eq!(
        app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"],
        expected
    );
    // The same file again, and the daily one: nothing accrues twice.
    assert_eq!(
        import(&app, "ECB", HISTORY).await,
        json!({ "imported": 330, "days": 11, "accrued": 0 })
    );
    assert_eq!(import(&app, "ECB", DAILY).await["accrued"], 0);
    assert_eq!(
        app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"],
        expected
    );
    // Delivered again now, an accrued one answers with its commission.
    let redelivered = record(&app, late).await;
    assert_eq!(
        (
            &redelivered["duplicate"],
            &redelivered["commissions"][0]["amount"]
        ),
        (&json!(true), &json!("13.70"))
    );
    assert_eq!(
        listed(app.ok(&app.admin(), waiting, json!({})).await),
        vec![waits("old")]
    );
}

/// Serves `body` at `/eurofxref.csv` (anything else is 404) on a local
/// port, as the ECB serves its daily file; answers the base URL.
async fn serve_file(body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).to_string();
                let found = request.starts_with("GET /eurofxref.csv ");
                let (status, body) = match found {
                    true => ("200 OK", body),
                    false => ("404 Not Found", "not here"),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/csv\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

async fn the_daily_fetch_imports_the_file_at_its_url_into_every_tenant(app: TestApp) {
    let base = serve_file(DAILY).await;
    // Nothing there: an error, nothing imported.
    let missing = format!("{base}/nothing.csv");
    assert!(
        revshare::ledger::exchange::fetch(&app.db, &missing)
            .await
            .is_err()
    );
    assert_eq!(rate(&app, "EUR", "USD", "2025-06-30").await, Value::Null);
    let url = format!("{base}/eurofxref.csv");
    let tenants = revshare::ledger::exchange::fetch(&app.db, &url)
        .await
        .unwrap();
    assert!(tenants >= 1);
    assert_eq!(
        rate(&app, "EUR", "USD", "2025-06-30").await,
        json!({ "base": "EUR", "quote": "USD", "rate": "1.1720", "day": "2025-06-30", "source": url })
    );
}

async fn program_totals_convert_every_currency_at_the_latest_rate(app: TestApp) {
    // Rates two days ago only: the latest, within a week of today.
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(2);
    import(
        &app,
        "ECB",
        &format!("Date,USD,GBP,\n{day},1.172,0.8555,\n"),
    )
    .await;
    let euro = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Euro", "currency": "EUR", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let eve = crate::support::partners::approved_partner(&app, "Eve", &euro).await;
    let pat = partner_at(&app, "Pat", 10).await;
    let now = chrono::Utc::now().to_rfc3339();
    let mut in_euros = sale(&eve, "eur-1", "100.00", "EUR", &now);
    in_euros["campaignId"] = json!(euro);
    record(&app, in_euros).await;
    record(&app, sale(&pat, "usd-1", "50.00", "USD", &now)).await;
    let query = "query($c: String) { programTotals(currency: $c) { currency accrued approved paid rateDay } }";
    let totals = |currency: Option<&str>| {
        let app = &app;
        let currency = currency.map(str::to_owned);
        async move {
            app.ok(&app.admin(), query, json!({ "c": currency })).await["programTotals"].clone()
        }
    };
    let mut each = totals(None).await.as_array().unwrap().clone();
    each.sort_by_key(|b| b["currency"].as_str().unwrap().to_owned());
    assert_eq!(
        each,
        vec![
            json!({ "currency": "EUR", "accrued": "10.00", "approved": "0.00", "paid": "0.00", "rateDay": null }),
            json!({ "currency": "USD", "accrued": "5.00", "approved": "0.00", "paid": "0.00", "rateDay": null }),
        ]
    );
    // 10.00 EUR is 11.72 USD; with 5.00 USD, 16.72.
    assert_eq!(
        totals(Some("USD")).await,
        json!([{ "currency": "USD", "accrued": "16.72", "approved": "0.00", "paid": "0.00", "rateDay": day.to_string() }])
    );
    // Into GBP: 10 × 0.8555 + 5 × 0.8555 ÷ 1.172 = 8.555 + 3.6497… = 12.2047…
    assert_eq!(
        totals(Some("GBP")).await,
        json!([{ "currency": "GBP", "accrued": "12.20", "approved": "0.00", "paid": "0.00", "rateDay": day.to_string() }])
    );
    let error = app
        .error(Some(&app.admin()), query, json!({ "c": "JPY" }))
        .await;
    assert_eq!(code(&error), "CONFLICT");
}

async fn a_deal_payment_in_another_currency_is_converted_into_the_deals(app: TestApp) {
    use crate::support::deals::{create_deal, create_plan, pipeline, reseller_plan};
    import(&app, "ECB", HISTORY).await;
    let p = pipeline(&app).await;
    create_plan(&app, reseller_plan(&p)).await;
    let partner = app
        .create_partner(json!({ "name": "Reseller", "type": "RESELLER" }))
        .await;
    let deal = create_deal(
        &app,
        json!({ "externalId": "d-1", "partnerId": partner, "name": "Rollout", "amount": "1000", "stageId": p.stage("Lead") }),
    )
    .await;
    let moved =
        "mutation($input: MoveDealInput!) { moveDeal(input: $input) { commissions { amount } } }";
    app.ok(
        &app.admin(),
        moved,
        json!({ "input": { "dealId": deal, "stageId": p.stage("Closed won"), "externalId": "won" } }),
    )
    .await;
    let pay = "mutation($input: DealPaymentInput!) { recordDealPayment(input: $input) { event { amount currency } commissions { amount currency conversion { saleAmount saleCurrency rate day } } } }";
    // 100.00 GBP on 30 June is 136.9959… USD; the first payments earn 8 %.
    let paid = app
        .ok(
            &app.admin(),
            pay,
            json!({ "input": { "dealId": deal, "externalId": "pay-1", "amount": "100.00", "currency": "GBP",
                               "occurredAt": "2025-06-30T12:00:00Z" } }),
        )
        .await["recordDealPayment"]
        .clone();
    assert_eq!(
        paid,
        json!({ "event": { "amount": "137.00", "currency": "USD" },
                "commissions": [{ "amount": "10.96", "currency": "USD",
                    "conversion": { "saleAmount": "100.00", "saleCurrency": "GBP", "rate": "1.369959088", "day": "2025-06-30" } }] })
    );
    // No rate within a week of it: refused, naming the currency; nothing
    // recorded, so it can be sent again once the rate is imported.
    let input = json!({ "dealId": deal, "externalId": "pay-2", "amount": "100.00", "currency": "GBP",
                        "occurredAt": "2025-06-10T12:00:00Z" });
    let error = app
        .error(Some(&app.admin()), pay, json!({ "input": input }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.currency")
    );
    // Another currency needs the amount.
    let input = json!({ "dealId": deal, "externalId": "pay-3", "currency": "GBP" });
    let error = app
        .error(Some(&app.admin()), pay, json!({ "input": input }))
        .await;
    assert_eq!(field(&error), "input.amount");
}

/// A sale naming only its customer, in another currency: held until the
/// customer is attributed, then — with no rate yet — held for its rate,
/// and accrued when the rate arrives.
async fn an_unattributed_sale_in_another_currency_waits_for_its_rate_once_attributed(app: TestApp) {
    let partner = partner_at(&app, "Pat", 10).await;
    let sale = json!({ "externalId": "s-1", "customerExternalId": "cus_1", "amount": "100.00",
                       "currency": "GBP", "occurredAt": "2025-06-30T12:00:00Z" });
    let held = record(&app, sale).await;
    assert_eq!(held["heldReason"], "UNATTRIBUTED");
    let attribute = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { externalId } }";
    app.ok(
        &app.admin(),
        attribute,
        json!({ "input": { "customerExternalId": "cus_1", "partnerId": partner, "occurredAt": "2025-07-01T12:00:00Z" } }),
    )
    .await;
    let waiting = "{ unattributedEvents { nodes { externalId reason } } }";
    assert_eq!(
        app.ok(&app.admin(), waiting, json!({})).await["unattributedEvents"]["nodes"],
        json!([{ "externalId": "s-1", "reason": "NO_EXCHANGE_RATE" }])
    );
    assert_eq!(import(&app, "ECB", HISTORY).await["accrued"], 1);
    let query = "{ commissions { nodes { amount partner { name } conversion { saleCurrency } } } }";
    assert_eq!(
        app.ok(&app.admin(), query, json!({})).await["commissions"]["nodes"],
        json!([{ "amount": "13.70", "partner": { "name": "Pat" }, "conversion": { "saleCurrency": "GBP" } }])
    );
    assert_eq!(
        app.ok(&app.admin(), waiting, json!({})).await["unattributedEvents"]["nodes"],
        json!([])
    );
}
