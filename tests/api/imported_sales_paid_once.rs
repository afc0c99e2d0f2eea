//! Money and data, round 6 (issue 86, item 9): the same sale, imported and
//! then delivered by the Stripe connector, is paid once — though the
//! import gave only its date, or its amount with the tax the connector's
//! base leaves out. An import's invoice id names the sale outright.

use crate::helpers::TestApp;
use crate::on_both_databases_with;
use crate::support::connectors::{configure, event, handled, invoice};
use crate::support::imports::{ended_meanwhile, start};
use crate::support::partners::partner_by_external;
use chrono::TimeZone;
use revshare::http::Options;
use serde_json::{Value, json};

on_both_databases_with!(options;
    a_sale_imported_by_its_day_or_with_its_tax_is_paid_once,
    an_imported_ledger_lists_in_the_order_it_was_earned,
);

fn options() -> Options {
    crate::support::imports::options()
}

/// Ann's customers in a Los Angeles program: D bought 33.00 with its 3.00
/// of tax on 10 March (the import says only the day, and the amount with
/// tax); E's sale the import names by its invoice; F bought 20.00 on
/// 10 March, and again on 11 March; G bought twice on 10 March, the import
/// knowing one.
const CSV: &str = "partner_id,name,email,status
p1,Ann Able,ann@example.com,active

customer_id,partner_id,stripe_customer_id,email,converted_at
k-d,p1,cus_D,d@example.com,2026-03-01
k-e,p1,cus_E,e@example.com,2026-03-01
k-f,p1,cus_F,f@example.com,2026-03-01
k-g,p1,cus_G,g@example.com,2026-03-01

commission_id,partner_id,customer_id,amount,currency,sale_amount,sale_tax,invoice_id,status,earned_at
c-d,p1,k-d,3.30,USD,33.00,,,pending,2026-03-10
c-e,p1,k-e,5.00,USD,50.00,,in_named,pending,2026-03-11T09:00:00Z
c-f,p1,k-f,2.00,USD,20.00,,,pending,2026-03-10
c-g,p1,k-g,1.00,USD,10.00,,,pending,2026-03-10
";

/// An invoice paid at a given Los Angeles time.
fn paid_at(id: &str, customer: &str, paid: i64, tax: i64, local: (u32, u32, u32)) -> Value {
    let (day, hour, minute) = local;
    let at = chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(2026, 3, day, hour, minute, 0)
        .unwrap()
        .timestamp();
    let delivered = invoice(id, &format!("evt_{id}"), customer, paid, tax, "usd", None);
    let mut object = delivered["data"]["object"].clone();
    object["status_transitions"]["paid_at"] = json!(at);
    event(&format!("evt_{id}"), "invoice.paid", object)
}

async fn a_sale_imported_by_its_day_or_with_its_tax_is_paid_once(app: TestApp) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"America/Los_Angeles\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let id = start(&app, "CSV", json!({ "csv": CSV })).await;
    let done = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(done["status"], "DONE", "{done}");
    assert_eq!(done["counts"]["commissions"], 4, "{done}");
    let ann = partner_by_external(&app, "csv:p1").await;
    assert_eq!(
        ann["balance"],
        json!([{ "currency": "USD", "accrued": "11.30", "approved": "0.00", "paid": "0.00" }])
    );
    // The connector's base: a sale without its tax.
    configure(&app, &["whsec_test_secret_for_revshare"], true).await;

    // D: 33.00 with 3.00 of tax at 15:00 on 10 March — 30.00 by the base,
    // 33.00 as imported, the import's day: the same sale.
    handled(
        &app,
        &paid_at("in_d", "cus_D", 3300, 300, (10, 15, 0)),
        "done",
    )
    .await;
    // E: its invoice, named by the import, a day later and for another
    // amount than the import said: the same sale.
    handled(
        &app,
        &paid_at("in_named", "cus_E", 5500, 0, (12, 10, 0)),
        "done",
    )
    .await;
    // F: 20.00 at 00:30 on 11 March is another day's, and earns; 20.00
    // at 20:00 on 10 March (11 March in UTC) is the imported sale.
    handled(
        &app,
        &paid_at("in_f1", "cus_F", 2000, 0, (11, 0, 30)),
        "done",
    )
    .await;
    handled(
        &app,
        &paid_at("in_f2", "cus_F", 2000, 0, (10, 20, 0)),
        "done",
    )
    .await;
    // G: two sales of 10.00 on 10 March, the import knowing one: the
    // second earns.
    handled(
        &app,
        &paid_at("in_g1", "cus_G", 1000, 0, (10, 9, 0)),
        "done",
    )
    .await;
    handled(
        &app,
        &paid_at("in_g2", "cus_G", 1000, 0, (10, 17, 0)),
        "done",
    )
    .await;

    let nothing = app
        .ok(
            &app.admin(),
            "{ events(outcome: NOTHING, first: 10) { nodes { externalId amount nothingReason } } }",
            json!({}),
        )
        .await;
    let mut nodes: Vec<Value> = nothing["events"]["nodes"].as_array().unwrap().clone();
    nodes.sort_by_key(|n| n["externalId"].as_str().unwrap().to_owned());
    let reason = |imported: &str| {
        format!(
            "the same sale was imported already as csv:commission:{imported} (same customer, same sale): not accrued again"
        )
    };
    // F's next day's sale and G's second are sales of their own, earning
    // by the program's rules (the default campaign's: none yet).
    let own = "the partner group's rules pay 0 % (a default campaign and group pay nothing until given rules)";
    assert_eq!(
        nodes,
        vec![
            json!({ "externalId": "stripe:in_d", "amount": "30.00", "nothingReason": reason("c-d") }),
            json!({ "externalId": "stripe:in_f1", "amount": "20.00", "nothingReason": own }),
            json!({ "externalId": "stripe:in_f2", "amount": "20.00", "nothingReason": reason("c-f") }),
            json!({ "externalId": "stripe:in_g1", "amount": "10.00", "nothingReason": reason("c-g") }),
            json!({ "externalId": "stripe:in_g2", "amount": "10.00", "nothingReason": own }),
            json!({ "externalId": "stripe:in_named", "amount": "55.00", "nothingReason": reason("c-e") }),
        ]
    );
    let ann = partner_by_external(&app, "csv:p1").await;
    assert_eq!(
        ann["balance"],
        json!([{ "currency": "USD", "accrued": "11.30", "approved": "0.00", "paid": "0.00" }])
    );
}

/// A history read out of order: the file lists March, then January, then
/// two of the same February instant, then December.
const HISTORY: &str = "partner_id,name,email,status
p1,Ann Able,ann@example.com,active

commission_id,partner_id,amount,currency,status,earned_at
h-mar,p1,3.00,USD,pending,2026-03-05T10:00:00Z
h-jan,p1,1.00,USD,pending,2026-01-05T10:00:00Z
h-feb-a,p1,2.00,USD,pending,2026-02-05T10:00:00Z
h-feb-b,p1,2.50,USD,pending,2026-02-05T10:00:00Z
h-dec,p1,0.50,USD,pending,2025-12-05T10:00:00Z
";

const PAGE: &str = "query($order: CommissionOrder!, $first: Int, $after: String, $last: Int, $before: String) { \
    commissions(orderBy: $order, first: $first, after: $after, last: $last, before: $before) { \
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { amount } } }";

/// Every amount of the ledger in `order`, paging two at a time forward
/// (or backward from the end), and whether each page said so truly.
async fn paged(app: &TestApp, order: &str, backward: bool) -> Vec<String> {
    let (mut amounts, mut cursor) = (Vec::new(), Value::Null);
    loop {
        let variables = match backward {
            false => json!({ "order": order, "first": 2, "after": cursor }),
            true => json!({ "order": order, "last": 2, "before": cursor }),
        };
        let page = app.ok(&app.admin(), PAGE, variables).await["commissions"].clone();
        let mut got: Vec<String> = page["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["amount"].as_str().unwrap().to_owned())
            .collect();
        let info = &page["pageInfo"];
        if backward {
            got.extend(amounts);
            amounts = got;
            if info["hasPreviousPage"] == false {
                return amounts;
            }
            cursor = info["startCursor"].clone();
        } else {
            amounts.extend(got);
            if info["hasNextPage"] == false {
                return amounts;
            }
            cursor = info["endCursor"].clone();
        }
    }
}

async fn an_imported_ledger_lists_in_the_order_it_was_earned(app: TestApp) {
    let id = start(&app, "CSV", json!({ "csv": HISTORY })).await;
    let done = ended_meanwhile(&app, &id, async || {}).await;
    assert_eq!(done["counts"]["commissions"], 5, "{done}");
    // By default, as recorded: the file's order.
    let recorded = ["3.00", "1.00", "2.00", "2.50", "0.50"];
    assert_eq!(paged(&app, "RECORDED", false).await, recorded);
    // As earned, each once, either way and from either end; the two of
    // one instant in one fixed order.
    let earned = ["0.50", "1.00", "2.00", "2.50", "3.00"];
    let latest: Vec<&str> = earned.iter().rev().copied().collect();
    assert_eq!(paged(&app, "ACCRUED_AT", false).await, earned);
    assert_eq!(paged(&app, "ACCRUED_AT", true).await, earned);
    assert_eq!(paged(&app, "ACCRUED_AT_DESC", false).await, latest);
    assert_eq!(paged(&app, "ACCRUED_AT_DESC", true).await, latest);
    // Whole rows (a breakdown needs them) page in the same order.
    let whole = app
        .ok(
            &app.admin(),
            "{ commissions(orderBy: ACCRUED_AT_DESC, first: 3) { nodes { amount breakdown { amount } } } }",
            json!({}),
        )
        .await;
    let amounts: Vec<&str> = whole["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["3.00", "2.50", "2.00"]);

    // A cursor pages only the order it came from.
    let first = app
        .ok(
            &app.admin(),
            PAGE,
            json!({ "order": "ACCRUED_AT", "first": 1 }),
        )
        .await;
    let timed = first["commissions"]["pageInfo"]["endCursor"].clone();
    let refused = app
        .error(
            Some(&app.admin()),
            PAGE,
            json!({ "order": "RECORDED", "after": timed }),
        )
        .await;
    assert_eq!(refused["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    assert_eq!(refused["extensions"]["field"], "after", "{refused}");
    let first = app
        .ok(
            &app.admin(),
            PAGE,
            json!({ "order": "RECORDED", "first": 1 }),
        )
        .await;
    let by_id = first["commissions"]["pageInfo"]["endCursor"].clone();
    let refused = app
        .error(
            Some(&app.admin()),
            PAGE,
            json!({ "order": "ACCRUED_AT_DESC", "before": by_id }),
        )
        .await;
    assert_eq!(refused["extensions"]["field"], "before", "{refused}");
}
