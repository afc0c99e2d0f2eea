//! Defects found by probing the service as an outside tester would, each
//! shown by a test that failed before its fix: races between ledger
//! mutations, deadlocks, unbounded requests, nested scope leaks, NUL
//! characters, malformed bodies, loose money strings, clock leeway,
//! development mode on a public address, an outage, partner pages that grew
//! with history.

use crate::helpers::{Backend, TestApp, code, field};
use crate::on_both_databases;
use crate::support::http::raw_exchange;
use crate::support::ledger::{assert_balances_agree, balances_and_sums};
use crate::support::partners::partner_at;
use crate::support::sales::{commission, commission_id, sale_input};
use async_graphql::futures_util::future::join_all;
use revshare::auth::jwt::{Claims, Keys, now_seconds};
use revshare::db::DbSettings;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_databases!(
    a_partial_refund_racing_a_reversal_has_one_outcome,
    a_full_refund_racing_an_approval_answers_as_in_sequence,
    approvals_and_payments_in_opposite_orders_never_deadlock,
    balances_are_kept_with_every_change_to_the_ledger,
    a_partners_commission_pages_are_keyset_by_partner,
    a_partners_page_needs_no_fresh_statistics,
    nul_characters_are_bad_user_input_naming_the_field,
    scopes_hold_on_every_nested_path,
    an_unreachable_database_fails_fast_and_recovers_at_once,
    a_silent_database_is_given_up_on_and_its_connections_dropped,
    a_request_whose_calls_stall_in_turn_answers_by_its_deadline,
);

/// Rounds of each race: before the fixes, every race below failed in most
/// rounds on PostgreSQL (SQLite's one writer serializes them anyway).
const ROUNDS: usize = 20;

const REFUND: &str = "mutation($e: String!, $amount: Decimal) { recordRefund(input: { eventExternalId: $e, amount: $amount }) { reversed { id } clawbacks { amount status } } }";
const REVERSE: &str =
    "mutation($id: ID!) { reverseCommission(input: { id: $id, reason: FRAUD }) { status } }";
const APPROVE: &str = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id status } }";
const PAY: &str = "mutation($ids: [ID!]!) { markCommissionsPaid(input: { ids: $ids, reference: \"r\" }) { amount } }";

async fn a_partial_refund_racing_a_reversal_has_one_outcome(app: TestApp) {
    // 25 % of 100: a refund of 40 claws back 10.
    let partner = partner_at(&app, "Refund racer", 25).await;
    let events = app.service("events:write");
    let admin = app.admin();
    for round in 0..ROUNDS {
        let external = format!("rr-{round}");
        let id = commission_id(&app, sale_input(&partner, &external, "100")).await;
        let refund = app.post(
            Some(&events),
            REFUND,
            json!({ "e": external, "amount": "40.00" }),
        );
        let reverse = app.post(Some(&admin), REVERSE, json!({ "id": id }));
        let ((_, refunded), (_, reversed)) = tokio::join!(refund, reverse);
        // The refund is recorded either way; what it does depends on order.
        assert!(refunded.get("errors").is_none(), "{refunded}");
        let clawbacks = &refunded["data"]["recordRefund"]["clawbacks"];
        let status = commission(&app, &id).await["status"].clone();
        if reversed.get("errors").is_none() {
            assert_eq!(*clawbacks, json!([]), "round {round}");
            assert_eq!(status, "REVERSED");
        } else {
            assert_eq!(code(&reversed["errors"][0]), "CONFLICT", "{reversed}");
            assert_eq!(
                *clawbacks,
                json!([{ "amount": "-10.00", "status": "APPROVED" }])
            );
            assert_eq!(status, "ACCRUED");
        }
    }
    assert_balances_agree(&app).await;
}

async fn a_full_refund_racing_an_approval_answers_as_in_sequence(app: TestApp) {
    let partner = partner_at(&app, "Approval racer", 25).await;
    let events = app.service("events:write");
    let admin = app.admin();
    for round in 0..ROUNDS {
        let external = format!("fr-{round}");
        let id = commission_id(&app, sale_input(&partner, &external, "100")).await;
        let refund = app.post(Some(&events), REFUND, json!({ "e": external }));
        let approve = app.post(Some(&admin), APPROVE, json!({ "ids": [id] }));
        let ((_, refunded), (_, approved)) = tokio::join!(refund, approve);
        // In either order the refund succeeds: it reverses an accrued
        // commission, or claws back an approved one.
        assert!(refunded.get("errors").is_none(), "{refunded}");
        let payload = &refunded["data"]["recordRefund"];
        if approved.get("errors").is_none() {
            assert_eq!(payload["reversed"], json!([]));
            assert_eq!(
                payload["clawbacks"],
                json!([{ "amount": "-25.00", "status": "APPROVED" }])
            );
            assert_eq!(commission(&app, &id).await["status"], "APPROVED");
        } else {
            assert_eq!(code(&approved["errors"][0]), "CONFLICT", "{approved}");
            assert_eq!(payload["reversed"], json!([{ "id": id }]));
            assert_eq!(payload["clawbacks"], json!([]));
            assert_eq!(commission(&app, &id).await["status"], "REVERSED");
        }
    }
    assert_balances_agree(&app).await;
}

/// Exactly one of two racing replies succeeded; the other is `CONFLICT`.
fn one_winner(replies: &[(u16, Value)]) {
    let won: Vec<bool> = replies
        .iter()
        .map(|(_, body)| body.get("errors").is_none())
        .collect();
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{replies:?}");
    for (status, body) in replies {
        if let Some(errors) = body.get("errors") {
            assert_eq!(*status, 200);
            assert_eq!(code(&errors[0]), "CONFLICT", "{body}");
        }
    }
}

async fn approvals_and_payments_in_opposite_orders_never_deadlock(app: TestApp) {
    let partner = partner_at(&app, "Both ways", 10).await;
    let admin = app.admin();
    for round in 0..ROUNDS {
        let a = commission_id(&app, sale_input(&partner, &format!("a-{round}"), "100")).await;
        let b = commission_id(&app, sale_input(&partner, &format!("b-{round}"), "100")).await;
        let approvals = join_all([
            app.post(Some(&admin), APPROVE, json!({ "ids": [a, b] })),
            app.post(Some(&admin), APPROVE, json!({ "ids": [b, a] })),
        ])
        .await;
        one_winner(&approvals);
        let payments = join_all([
            app.post(Some(&admin), PAY, json!({ "ids": [a, b] })),
            app.post(Some(&admin), PAY, json!({ "ids": [b, a] })),
        ])
        .await;
        one_winner(&payments);
        let history: Vec<Value> = commission(&app, &b).await["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["toStatus"].clone())
            .collect();
        assert_eq!(history, vec![json!("APPROVED"), json!("PAID")]);
    }
    assert_balances_agree(&app).await;
}

async fn balances_are_kept_with_every_change_to_the_ledger(app: TestApp) {
    let alice = partner_at(&app, "Kept A", 10).await;
    let bob = partner_at(&app, "Kept B", 20).await;
    let events = app.service("events:write");
    let admin = app.admin();
    let mut ids = Vec::new();
    for i in 0..6 {
        let partner = if i % 2 == 0 { &alice } else { &bob };
        ids.push(commission_id(&app, sale_input(partner, &format!("k{i}"), "100")).await);
    }
    let batch: Vec<Value> = (0..4)
        .map(|i| sale_input(&alice, &format!("kb{i}"), "50"))
        .collect();
    app.ok(
        &events,
        "mutation($i: [RecordEventInput!]!) { recordEvents(input: $i) { externalId } }",
        json!({ "i": batch }),
    )
    .await;
    app.ok(&admin, APPROVE, json!({ "ids": [ids[0], ids[1], ids[2]] }))
        .await;
    app.ok(&admin, PAY, json!({ "ids": [ids[0], ids[1]] }))
        .await;
    app.ok(&admin, REVERSE, json!({ "id": ids[3] })).await;
    // A partial refund of a paid commission (a clawback), a full refund of
    // an accrued one (a reversal).
    app.ok(&events, REFUND, json!({ "e": "k0", "amount": "30" }))
        .await;
    app.ok(&events, REFUND, json!({ "e": "k4" })).await;
    assert_balances_agree(&app).await;
    let (kept, _) = balances_and_sums(&app.db).await;
    let of_alice: Vec<&Value> = kept.iter().filter(|row| row[0] == alice.as_str()).collect();
    // Alice: k0 paid 10.00 and its clawback -3.00 approved; k2 approved 10.00;
    // k4 reversed; the batch's 4 × 5.00 accrued.
    assert_eq!(
        of_alice
            .iter()
            .map(|row| (
                row[2].as_str().unwrap(),
                row[3].as_i64().unwrap(),
                row[4].as_i64().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("ACCRUED", 2000, 4),
            ("APPROVED", 700, 2),
            ("PAID", 1000, 1),
            ("REVERSED", 1000, 1),
        ]
    );
    let data = app
        .ok(
            &admin,
            "query($p: ID!) { partner(id: $p) { balance { currency accrued approved paid } commissions { totalCount } } }",
            json!({ "p": alice }),
        )
        .await;
    assert_eq!(
        data["partner"],
        json!({ "balance": [{ "currency": "USD", "accrued": "20.00", "approved": "7.00", "paid": "10.00" }],
                "commissions": { "totalCount": 8 } })
    );
    // The migration that introduced the kept balances rebuilds them.
    crate::helpers::remigrate_from(&app.db, "m20261121_000004_partner_balances").await;
    assert_eq!(balances_and_sums(&app.db).await.0, kept);
}

/// The plan of a partner's page (the portal's commissions) as the database
/// makes it: its lines (PostgreSQL's `EXPLAIN`, SQLite's query plan).
async fn page_plan(
    app: &TestApp,
    partner: &str,
    status: Option<entity::enums::CommissionStatus>,
) -> String {
    let backend = app.db.backend();
    let partners = [partner.to_owned()];
    let page = revshare::graphql::loaders::partner_commissions_page(
        crate::helpers::TENANT,
        &partners,
        20,
        None,
        status,
    );
    let statement = page.statement(backend);
    let explain = match app.backend {
        Backend::Postgres => "EXPLAIN",
        Backend::Sqlite => "EXPLAIN QUERY PLAN",
    };
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("{explain} {}", statement.sql),
            statement.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| match app.backend {
            Backend::Postgres => row.try_get::<String>("", "QUERY PLAN").unwrap(),
            Backend::Sqlite => row.try_get::<String>("", "detail").unwrap(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Right after a burst of commissions, before any statistics exist, a
/// partner's page is read through the index made for it, in its order: no
/// plan that reads and sorts every row of the partner (the probe measured
/// 34 ms for the page of 20,000 commissions just recorded on PostgreSQL,
/// 8 ms for 200, until `ANALYZE` ran).
async fn a_partners_page_needs_no_fresh_statistics(app: TestApp) {
    if app.backend == Backend::Postgres {
        // No autovacuum either: the statistics stay missing for the test.
        for table in ["commissions", "events"] {
            app.db
                .conn()
                .execute_unprepared(&format!(
                    "ALTER TABLE {table} SET (autovacuum_enabled = false)"
                ))
                .await
                .unwrap();
        }
    }
    let small = partner_at(&app, "Few", 10).await;
    let big = partner_at(&app, "Burst", 10).await;
    let events = app.service("events:write");
    let batch = |partner: &str, from: usize, count: usize| {
        (from..from + count)
            .map(|i| sale_input(partner, &format!("{partner}-{i}"), "19.90"))
            .collect::<Vec<_>>()
    };
    let record =
        "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { error { code } } }";
    app.ok(&events, record, json!({ "input": batch(&small, 0, 20) }))
        .await;
    for round in 0..3 {
        app.ok(
            &events,
            record,
            json!({ "input": batch(&big, round * 1000, 1000) }),
        )
        .await;
    }
    let analyzed = match app.backend {
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_stat_user_tables WHERE relname = 'commissions' \
             AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)"
        }
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'",
    };
    let row = app
        .db
        .conn()
        .query_one_raw(Statement::from_string(app.db.backend(), analyzed))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 0, "statistics exist");
    use entity::enums::CommissionStatus as Status;
    for partner in [&small, &big] {
        for (status, index) in [
            (None, "ix_commissions_tenant_partner"),
            (
                Some(Status::Accrued),
                "ix_commissions_tenant_partner_status",
            ),
        ] {
            let plan = page_plan(&app, partner, status).await;
            assert!(plan.contains(index), "{plan}");
            for sorted in ["Sort", "TEMP B-TREE", "Bitmap"] {
                assert!(!plan.contains(sorted), "{plan}");
            }
        }
    }
}

async fn a_partners_commission_pages_are_keyset_by_partner(app: TestApp) {
    let alice = partner_at(&app, "Pages A", 10).await;
    let bob = partner_at(&app, "Pages B", 10).await;
    let mut of_alice = Vec::new();
    for i in 0..7 {
        of_alice.push(commission_id(&app, sale_input(&alice, &format!("pa{i}"), "10")).await);
        commission_id(&app, sale_input(&bob, &format!("pb{i}"), "20")).await;
    }
    app.ok(
        &app.admin(),
        APPROVE,
        json!({ "ids": [of_alice[1], of_alice[4], of_alice[5]] }),
    )
    .await;
    // The portal's query, page by page, with its own token.
    let token = app.partner_token(&alice);
    let query = "query($after: String, $status: CommissionStatus) { viewer { partner { commissions(first: 3, after: $after, status: $status) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }";
    let pages = async |status: Value| {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app
                .ok(&token, query, json!({ "after": after, "status": status }))
                .await;
            let page = &data["viewer"]["partner"]["commissions"];
            let total = page["totalCount"].clone();
            for node in page["nodes"].as_array().unwrap() {
                seen.push(node["id"].as_str().unwrap().to_owned());
            }
            if page["pageInfo"]["hasNextPage"] == false {
                return (total, seen);
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    };
    assert_eq!(pages(Value::Null).await, (json!(7), of_alice.clone()));
    assert_eq!(
        pages(json!("APPROVED")).await,
        (
            json!(3),
            vec![
                of_alice[1].clone(),
                of_alice[4].clone(),
                of_alice[5].clone()
            ]
        )
    );
    // Two partners' pages in one statement: each has its own rows.
    let data = app
        .ok(
            &app.admin(),
            "{ partners { nodes { name commissions(first: 2) { nodes { amount } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    let nodes = data["partners"]["nodes"].as_array().unwrap();
    let page_of = |name: &str| {
        nodes
            .iter()
            .find(|n| n["name"] == name)
            .map(|n| n["commissions"].clone())
            .unwrap()
    };
    assert_eq!(
        page_of("Pages A"),
        json!({ "nodes": [{ "amount": "1.00" }, { "amount": "1.00" }], "pageInfo": { "hasNextPage": true } })
    );
    assert_eq!(
        page_of("Pages B"),
        json!({ "nodes": [{ "amount": "2.00" }, { "amount": "2.00" }], "pageInfo": { "hasNextPage": true } })
    );
}

async fn nul_characters_are_bad_user_input_naming_the_field(app: TestApp) {
    let partner = partner_at(&app, "Clean", 10).await;
    let create = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }";
    let record = crate::support::sales::RECORD;
    let events = app.service("events:write");
    let cases = [
        (
            app.admin(),
            create,
            json!({ "input": { "name": "a\u{0}b" } }),
            "input.name",
        ),
        (
            app.admin(),
            create,
            json!({ "input": { "name": "ok", "externalId": "x\u{0}" } }),
            "input.externalId",
        ),
        (
            events.clone(),
            record,
            json!({ "input": { "externalId": "e\u{0}", "partnerId": partner, "customerExternalId": "c", "amount": "1" } }),
            "input.externalId",
        ),
        (
            events.clone(),
            record,
            json!({ "input": { "externalId": "e1", "partnerId": partner, "customerExternalId": "c\u{0}", "amount": "1" } }),
            "input.customerExternalId",
        ),
        (
            events.clone(),
            record,
            json!({ "input": { "externalId": "e2", "partnerId": partner, "customerExternalId": "c", "amount": "1", "metadata": { "note": "x\u{0}y" } } }),
            "input.metadata.note",
        ),
        (
            events.clone(),
            record,
            json!({ "input": { "externalId": "e3", "partnerId": partner, "customerExternalId": "c", "amount": "1", "metadata": { "k\u{0}": 1 } } }),
            "input.metadata",
        ),
        (
            events.clone(),
            record,
            json!({ "input": { "externalId": "e4", "partnerId": format!("{partner}\u{0}"), "customerExternalId": "c", "amount": "1" } }),
            "input.partnerId",
        ),
    ];
    for (token, query, variables, expected) in cases {
        let (status, body) = app.post(Some(&token), query, variables).await;
        assert_eq!(status, 200);
        let error = &body["errors"][0];
        assert_eq!(
            (code(error), field(error)),
            ("BAD_USER_INPUT", expected),
            "{body}"
        );
    }
    // Inline in the query text too.
    let error = app
        .error(
            Some(&app.admin()),
            "mutation { createPartner(input: { name: \"a\\u0000b\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.name")
    );
    // Nothing was written: the one partner, no events.
    let data = app
        .ok(
            &app.admin(),
            "{ partners { totalCount } commissions { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "partners": { "totalCount": 1 }, "commissions": { "totalCount": 0 } })
    );
    // A token whose subject would reach the ledger's history is refused.
    let token = app.mint(&Claims {
        sub: "admin\u{0}".into(),
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    });
    let (status, body) = app
        .post(Some(&token), "{ viewer { role } }", json!({}))
        .await;
    assert_eq!((status, code(&body["errors"][0])), (401, "UNAUTHENTICATED"));
}

/// A nested path, and the scopes any of which each step needs: the path is
/// readable exactly when every step's set meets the token's scopes.
struct Path {
    query: &'static str,
    needs: &'static [&'static [&'static str]],
}

const COMMISSIONS: &[&str] = &["commissions:read"];
const PARTNERS: &[&str] = &["partners:read"];
const CAMPAIGNS: &[&str] = &["campaigns:read"];
const GROUPS: &[&str] = &["partner_groups:read"];
const PARTNER_NAME: &[&str] = &[
    "partners:read",
    "commissions:read",
    "campaigns:read",
    "deals:read",
    "commission_plans:read",
    "tiered_commissions:read",
];
const CAMPAIGN_NAME: &[&str] = &[
    "campaigns:read",
    "commissions:read",
    "deals:read",
    "tiered_commissions:read",
];
const GROUP_NAME: &[&str] = &[
    "partner_groups:read",
    "partners:read",
    "commission_plans:read",
];
const DEALS: &[&str] = &["deals:read"];
const PLANS: &[&str] = &["commission_plans:read"];
const PIPELINE: &[&str] = &["deals:read", "commission_plans:read"];
const CONTACTS: &[&str] = &["deals:read", "partners:read", "commissions:read"];
const PLAN_TERMS: &[&str] = &["commission_plans:read", "deals:read", "commissions:read"];
const LEDGER_ROW: &[&str] = &["commissions:read", "events:write", "deals:read"];
const TIERS: &[&str] = &["tiered_commissions:read"];
const TIER_TERMS: &[&str] = &["tiered_commissions:read", "commissions:read"];
const SNAPSHOTS: &[&str] = &["campaigns:read", "commissions:read"];

const PATHS: &[Path] = &[
    Path {
        query: "{ commissions { nodes { amount status } } }",
        needs: &[COMMISSIONS],
    },
    Path {
        query: "{ commissions { nodes { partner { name } } } }",
        needs: &[COMMISSIONS, PARTNER_NAME],
    },
    Path {
        query: "{ commissions { nodes { partner { email } } } }",
        needs: &[COMMISSIONS, PARTNERS],
    },
    Path {
        query: "{ commissions { nodes { partner { externalId } } } }",
        needs: &[COMMISSIONS, PARTNERS],
    },
    Path {
        query: "{ commissions { nodes { partner { group { name } } } } }",
        needs: &[COMMISSIONS, PARTNERS, GROUP_NAME],
    },
    Path {
        query: "{ commissions { nodes { campaign { name } } } }",
        needs: &[COMMISSIONS, CAMPAIGN_NAME],
    },
    Path {
        query: "{ commissions { nodes { campaign { rules { type } } } } }",
        needs: &[COMMISSIONS, CAMPAIGNS],
    },
    Path {
        query: "{ commissions { nodes { event { externalId customerExternalId metadata } } } }",
        needs: &[COMMISSIONS],
    },
    Path {
        query: "{ commissions { nodes { event { partner { email } } } } }",
        needs: &[COMMISSIONS, PARTNERS],
    },
    Path {
        query: "{ commissions { nodes { history { toStatus actor } } } }",
        needs: &[COMMISSIONS],
    },
    Path {
        query: "{ commissions { nodes { snapshot { source } } } }",
        needs: &[COMMISSIONS, SNAPSHOTS],
    },
    Path {
        query: "{ partners { nodes { name email externalId type status createdAt } } }",
        needs: &[PARTNERS],
    },
    Path {
        query: "{ partners { nodes { group { name } } } }",
        needs: &[PARTNERS, GROUP_NAME],
    },
    Path {
        query: "{ partners { nodes { group { rules { type } } } } }",
        needs: &[PARTNERS, GROUPS],
    },
    Path {
        query: "{ partners { nodes { categories { name } } } }",
        needs: &[PARTNERS],
    },
    Path {
        query: "{ partners { nodes { commissions { totalCount } balance { paid } } } }",
        needs: &[PARTNERS, COMMISSIONS],
    },
    Path {
        query: "{ partners { nodes { payouts { nodes { amount } } } } }",
        needs: &[PARTNERS, COMMISSIONS],
    },
    Path {
        query: "{ partners { nodes { enrollments { source campaign { name } } } } }",
        needs: &[PARTNERS, CAMPAIGNS],
    },
    Path {
        query: "{ partners { nodes { termsInForce { rulesSource } } } }",
        needs: &[PARTNERS, CAMPAIGNS],
    },
    Path {
        query: "{ partnerGroups { nodes { name partners { nodes { name } } } } }",
        needs: &[GROUPS, PARTNERS],
    },
    Path {
        query: "{ campaigns { nodes { name currency rules { type } } } }",
        needs: &[CAMPAIGNS],
    },
    Path {
        query: "{ partnershipRequests { nodes { status partner { name } campaign { name } } } }",
        needs: &[CAMPAIGNS],
    },
    Path {
        query: "{ partnershipRequests { nodes { partner { email } } } }",
        needs: &[CAMPAIGNS, PARTNERS],
    },
    Path {
        query: "{ dealStages { name position } customFields { name options { label } } }",
        needs: &[PIPELINE],
    },
    Path {
        query: "{ contacts { nodes { name email createdAt } } }",
        needs: &[DEALS],
    },
    Path {
        query: "{ contacts { nodes { partner { name } } } }",
        needs: &[DEALS, PARTNER_NAME],
    },
    Path {
        query: "{ commissionPlans { nodes { label partnerType entries { paymentStage { name } calculation { split { oneOff { value } } } } } } }",
        needs: &[PLANS],
    },
    Path {
        query: "{ commissionPlans { nodes { groups { name } categories { name } partners { name } } } }",
        needs: &[PLANS],
    },
    Path {
        query: "{ commissionPlans { nodes { partners { email } } } }",
        needs: &[PLANS, PARTNERS],
    },
    Path {
        query: "{ deals { nodes { name amount stage { name } customFieldValues { option { label } } leadCreator { name } terms { plans { label reason entries { calculation { split { oneOff { value } } } } } } } } }",
        needs: &[DEALS],
    },
    Path {
        query: "{ deals { nodes { partner { name } campaign { name } } } }",
        needs: &[DEALS],
    },
    Path {
        query: "{ deals { nodes { partner { email } } } }",
        needs: &[DEALS, PARTNERS],
    },
    Path {
        query: "{ deals { nodes { campaign { rules { type } } } } }",
        needs: &[DEALS, CAMPAIGNS],
    },
    Path {
        query: "{ deals(first: 5) { nodes { commissions(first: 5) { nodes { amount plan { label } recipient { name } event { kind stage { name } } } } events(first: 5) { nodes { kind } } } } }",
        needs: &[DEALS],
    },
    Path {
        query: "{ deals(first: 5) { nodes { commissions(first: 5) { nodes { history { toStatus } } } } } }",
        needs: &[DEALS, COMMISSIONS],
    },
    Path {
        query: "{ deals { nodes { terms { plans { plan { groups { name } } } } } } }",
        needs: &[DEALS, PLANS],
    },
    Path {
        query: "{ commissions { nodes { plan { label } recipient { name } deal { id } } } }",
        needs: &[COMMISSIONS, PLAN_TERMS, CONTACTS],
    },
    Path {
        query: "{ commissions { nodes { deal { name } } } }",
        needs: &[COMMISSIONS, DEALS],
    },
    Path {
        query: "{ commissions { nodes { event { deal { id } } } } }",
        needs: &[COMMISSIONS, LEDGER_ROW],
    },
    Path {
        query: "{ tieredCommissions { nodes { name status period startDate goals { conversions } revenue { action value } } } }",
        needs: &[TIERS],
    },
    Path {
        query: "{ tieredCommissions { nodes { notes applyToAllPartners campaigns { id } partners { id } } } }",
        needs: &[TIERS],
    },
    Path {
        query: "{ tieredCommissions { nodes { campaigns { name } } } }",
        needs: &[TIERS, CAMPAIGN_NAME],
    },
    Path {
        query: "{ tieredCommissions { nodes { campaigns { rules { type } } } } }",
        needs: &[TIERS, CAMPAIGNS],
    },
    Path {
        query: "{ partners { nodes { tierProgress { totals { conversions } reached tier { name } } } } }",
        needs: &[PARTNERS, TIERS],
    },
    Path {
        query: "{ commissions { nodes { revenue tier { name goals { conversions } } } } }",
        needs: &[COMMISSIONS, TIER_TERMS],
    },
    Path {
        query: "{ commissions { nodes { tier { notes } } } }",
        needs: &[COMMISSIONS, TIERS],
    },
];

const READ_SCOPES: &[&str] = &[
    "partners:read",
    "partner_groups:read",
    "campaigns:read",
    "commissions:read",
    "events:write",
    "deals:read",
    "commission_plans:read",
    "tiered_commissions:read",
];

async fn scopes_hold_on_every_nested_path(app: TestApp) {
    // One of everything: a partner with an email, a category and a group, a
    // campaign it applied to and was approved for, an event with its
    // commission (approved and paid, so it has history and a payout).
    let campaign = crate::support::campaigns::create_campaign(
        &app,
        json!({ "name": "Walked", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partner = crate::support::partners::approved_partner(&app, "Walker", &campaign).await;
    // A tier reached by the walker's first event, whose revenue modifier
    // names it on the commission (and changes no amount).
    app.ok(
        &app.admin(),
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }",
        json!({ "input": { "name": "Walked tier", "notes": "internal", "status": "ACTIVE", "startDate": "2020-01-01",
                "endDate": "2099-12-31", "period": "GLOBAL", "applyToAllPartners": true, "campaignIds": [campaign],
                "revenue": { "action": "DECREASE", "value": "1" }, "goals": { "events": 1 } } }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartner(id: $id, input: { email: \"w@walk.example\", externalId: \"walker\" }) { id } }",
        json!({ "id": partner }),
    )
    .await;
    let id = commission_id(
        &app,
        json!({ "externalId": "walk", "partnerId": partner, "campaignId": campaign, "customerExternalId": "c", "amount": "100", "metadata": { "k": "v" } }),
    )
    .await;
    app.ok(&app.admin(), APPROVE, json!({ "ids": [id] })).await;
    app.ok(&app.admin(), PAY, json!({ "ids": [id] })).await;
    // A deal of the partner, won: a partnership commission and a spiff,
    // and a plan restricted to a group, a category and the partner.
    let p = crate::support::deals::pipeline(&app).await;
    let won = p.stage("Closed won");
    let category = app
        .ok(
            &app.admin(),
            "mutation { createCategory(input: { name: \"Walked\" }) { id } }",
            json!({}),
        )
        .await["createCategory"]["id"]
        .clone();
    let group = app
        .create_group(
            "Walked group",
            json!([{ "recurring": { "percentage": 0 } }]),
        )
        .await;
    crate::support::deals::create_plan(
        &app,
        json!({ "label": "Walked", "partnerType": "REFERRAL", "entries": [{ "paymentStageId": won,
                "calculation": { "split": { "oneOff": { "value": "10%" }, "recurring": { "value": "1%" } } } }] }),
    )
    .await;
    crate::support::deals::create_plan(
        &app,
        json!({ "label": "Restricted", "partnerType": "DISTRIBUTOR", "groupIds": [group], "categoryIds": [category],
                "partnerIds": [partner], "entries": [crate::support::deals::one_off(won, "1%")] }),
    )
    .await;
    crate::support::deals::create_plan(
        &app,
        json!({ "label": "Walked spiff", "partnerType": "REFERRAL", "paymentTarget": "INDIVIDUAL",
                "autoAssignRecipient": "LEAD_CREATOR", "entries": [crate::support::deals::one_off(won, "5")] }),
    )
    .await;
    let lead = crate::support::deals::create_contact(&app, Some(&partner), "Walking lead").await;
    crate::support::deals::create_deal(
        &app,
        json!({ "externalId": "walked-deal", "partnerId": partner, "name": "Walked deal", "amount": "100", "stageId": won,
                "leadCreatorId": lead, "customFieldValues": [{ "customFieldId": p.size, "optionId": p.large }] }),
    )
    .await;

    for scope in READ_SCOPES {
        let token = app.service(scope);
        for path in PATHS {
            let readable = path.needs.iter().all(|step| step.contains(scope));
            let (_, body) = app.post(Some(&token), path.query, json!({})).await;
            match body.get("errors") {
                None => assert!(readable, "{scope} read {}: {body}", path.query),
                Some(errors) => {
                    assert!(!readable, "{scope} could not read {}: {body}", path.query);
                    assert_eq!(
                        code(&errors[0]),
                        "FORBIDDEN",
                        "{scope} {}: {body}",
                        path.query
                    );
                }
            }
        }
    }
    // Holding every scope a path needs opens it.
    let both = app.service("commissions:read partners:read");
    app.ok(
        &both,
        "{ commissions { nodes { partner { email externalId } event { partner { email } } } } }",
        json!({}),
    )
    .await;

    // What recording an event answers: the event and what it earned, the
    // partner by id only.
    let events = app.service("events:write");
    let record = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id externalId amount partner { id } } commissions { amount status } } }";
    let input = json!({ "externalId": "walk-2", "partnerId": partner, "campaignId": campaign, "customerExternalId": "c", "amount": "10" });
    let data = app.ok(&events, record, json!({ "input": input })).await;
    assert_eq!(
        data["recordEvent"]["event"]["partner"],
        json!({ "id": partner })
    );
    assert_eq!(
        data["recordEvent"]["commissions"],
        json!([{ "amount": "1.00", "status": "ACCRUED" }])
    );
    for leak in [
        "partner { name }",
        "partner { email }",
        "partner { externalId }",
        "campaign { name }",
    ] {
        let query = format!(
            "mutation($input: RecordEventInput!) {{ recordEvent(input: $input) {{ event {{ {leak} }} }} }}"
        );
        let error = app
            .error(Some(&events), &query, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "FORBIDDEN", "events:write read {leak}");
    }
    let query = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { history { actor } } } }";
    let error = app
        .error(Some(&events), query, json!({ "input": input }))
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}

/// A loopback TCP proxy to PostgreSQL that a test can cut (every open
/// connection dropped, new ones closed at once) and restore, as a database
/// outage looks to revshare, without stopping the shared server; or
/// silence (connections stay open, every byte either way is swallowed), as
/// a network that stops forwarding looks.
struct Proxy {
    addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    silent: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    stalled: std::sync::Arc<Stalled>,
}

/// Connections that had bytes swallowed: still open, and ever.
#[derive(Default)]
struct Stalled {
    open: std::sync::atomic::AtomicUsize,
    ever: std::sync::atomic::AtomicUsize,
}

/// One carried connection: counted among the stalled from the first byte
/// swallowed until either side closes.
struct Carried {
    stalled: std::sync::Arc<Stalled>,
    counted: std::sync::atomic::AtomicBool,
}

impl Carried {
    fn swallowed(&self) {
        use std::sync::atomic::Ordering;
        if !self.counted.swap(true, Ordering::SeqCst) {
            self.stalled.open.fetch_add(1, Ordering::SeqCst);
            self.stalled.ever.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Carried {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        if self.counted.load(Ordering::SeqCst) {
            self.stalled.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Forwards `from` to `to`, swallowing what arrives while `silent`.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    silent: std::sync::Arc<std::sync::atomic::AtomicBool>,
    carried: &Carried,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if silent.load(std::sync::atomic::Ordering::SeqCst) {
            carried.swallowed();
            continue;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let silent = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let generation = std::sync::Arc::new(generation);
        let (accepting, gen_tx) = (cut.clone(), generation.clone());
        let quiet = silent.clone();
        let stalled = std::sync::Arc::new(Stalled::default());
        let counter = stalled.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if accepting.load(Ordering::SeqCst) {
                    drop(client); // the database is "down"
                    continue;
                }
                let target = target.clone();
                let mut stop = gen_tx.subscribe();
                let quiet = quiet.clone();
                let carried = Carried {
                    stalled: counter.clone(),
                    counted: std::sync::atomic::AtomicBool::new(false),
                };
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::select! {
                        _ = pump(client_read, server_write, quiet.clone(), &carried) => {}
                        _ = pump(server_read, client_write, quiet, &carried) => {}
                        _ = stop.changed() => {} // cut: both ends close
                    }
                });
            }
        });
        Proxy {
            addr,
            cut,
            silent,
            generation,
            stalled,
        }
    }

    /// How many connections that had bytes swallowed are still open, and
    /// how many there were.
    fn stalled(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering;
        let open = self.stalled.open.load(Ordering::SeqCst);
        (open, self.stalled.ever.load(Ordering::SeqCst))
    }

    /// Waits until every connection that had bytes swallowed is closed, up
    /// to `within`; whether they all are.
    async fn stalled_closed(&self, within: Duration) -> bool {
        let started = Instant::now();
        while self.stalled().0 > 0 {
            if started.elapsed() > within {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
        self.silent
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// A black hole: nothing forwarded, nothing closed.
    fn silence(&self) {
        self.silent.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The address of `TEST_DATABASE_URL`'s server, and an app reaching it
/// through `proxy` with `settings`.
async fn app_through_proxy(settings: DbSettings) -> (Proxy, TestApp) {
    let target = {
        let url = std::env::var("TEST_DATABASE_URL").unwrap();
        let host = url.split('@').nth(1).unwrap().split('/').next().unwrap();
        host.to_owned()
    };
    let proxy = Proxy::start(target.clone()).await;
    let through = proxy.addr.to_string();
    let app = TestApp::spawn_connecting(
        Backend::Postgres,
        Keys::hs256(crate::helpers::SECRET),
        revshare::http::Options::new(revshare::graphql::LOADER_DELAY),
        |url| url.replacen(&target, &through, 1),
        settings,
    )
    .await
    .unwrap();
    (proxy, app)
}

/// With the network to PostgreSQL silent — connections open, nothing
/// forwarded — requests give up on their own clock, a little after the
/// statement timeout, and answer `UNAVAILABLE`; the connections they gave
/// up on are closed, never pooled again, so once the network is back every
/// request succeeds from the first, with the whole pool.
async fn a_silent_database_is_given_up_on_and_its_connections_dropped(app: TestApp) {
    if app.backend != Backend::Postgres {
        return; // SQLite is a file: no network to go silent
    }
    // The acquire timeout leaves room to open the pool's connections again
    // on a busy machine once the network is back.
    let settings = DbSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(3),
        statement_timeout: Duration::from_secs(2),
    };
    assert_eq!(settings.deadline(), Duration::from_secs(4));
    let (proxy, app) = app_through_proxy(settings).await;
    let admin = app.admin();
    let read = "{ partners(first: 5) { totalCount nodes { name } } }";
    let write = "mutation { createPartner(input: { name: \"stalled\" }) { id } }";
    let warm = (0..4).map(|_| app.post(Some(&admin), read, json!({})));
    for (status, body) in join_all(warm).await {
        assert_eq!(status, 200, "{body}");
    }
    silence_once_idle(&proxy, &app).await;
    let started = Instant::now();
    // As many requests as the pool has connections: each is given up on.
    let stalled = (0..4).map(|i| {
        let query = if i % 2 == 0 { read } else { write };
        app.post(Some(&admin), query, json!({}))
    });
    let replies = tokio::time::timeout(Duration::from_secs(30), join_all(stalled))
        .await
        .expect("requests waited out the whole stall");
    let waited = started.elapsed();
    for (status, body) in replies {
        assert_eq!(status, 503, "{body}");
        assert_eq!(code(&body["errors"][0]), "UNAVAILABLE", "{body}");
    }
    // The deadline, not the stall (which lasts as long as the test wants).
    assert!(waited < Duration::from_secs(8), "{waited:?}");
    // The released connections' short ping (1 s) goes unanswered: they
    // close, every one, the proxy sees. On a machine busy with the rest of
    // the suite their timers run late, so the bound is generous; waiting
    // for the closes themselves, not a fixed time, is what keeps the
    // requests below from meeting a connection still being released.
    assert!(
        proxy.stalled_closed(Duration::from_secs(20)).await,
        "a connection given up on was kept: (open, ever) {:?}",
        proxy.stalled()
    );
    // Some of the requests' connections were stalled (as many as the pool
    // had free: the event listener holds one).
    assert!(proxy.stalled().1 > 0, "{:?}", proxy.stalled());
    proxy.restore();
    let again = (0..8).map(|i| {
        let query = if i % 2 == 0 { read } else { write };
        app.post(Some(&admin), query, json!({}))
    });
    for (status, body) in join_all(again).await {
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
}

/// Silences the network once every pooled connection but the event
/// listener's is back in the pool. Warm connections are released with a
/// ping of sqlx's own, which waits for its answer without a limit: one in
/// flight when the proxy starts swallowing would wait forever. (A real
/// network that goes silent delivers it late, by TCP's retransmission;
/// this proxy drops it.)
async fn silence_once_idle(proxy: &Proxy, app: &TestApp) {
    let started = Instant::now();
    while app.db.pool_state().1 > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            app.db.pool_state()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.silence();
}

/// One deadline per request, around its whole execution: a request whose
/// calls meet a silent database one after another (two mutations of one
/// document, which run in turn, each a call with its own deadline)
/// answers `UNAVAILABLE` within the statement timeout and its margin, not
/// after its calls' deadlines added up.
async fn a_request_whose_calls_stall_in_turn_answers_by_its_deadline(app: TestApp) {
    if app.backend != Backend::Postgres {
        return; // SQLite is a file: no network to go silent
    }
    let settings = DbSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(3),
        statement_timeout: Duration::from_secs(2),
    };
    let (proxy, app) = app_through_proxy(settings).await;
    let admin = app.admin();
    let read = "{ partners(first: 5) { totalCount nodes { name } } }";
    let (status, body) = app.post(Some(&admin), read, json!({})).await;
    assert_eq!(status, 200, "{body}");
    silence_once_idle(&proxy, &app).await;
    let two = "mutation { a: createPartner(input: { name: \"a\" }) { id } b: createPartner(input: { name: \"b\" }) { id } }";
    let started = Instant::now();
    let (status, body) = app.post(Some(&admin), two, json!({})).await;
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(code(&body["errors"][0]), "UNAVAILABLE", "{body}");
    // The deadline (4 s), with room for a busy machine; each mutation's
    // own deadline in turn took 8 s.
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    // What the request held when it was given up on is closed, not pooled
    // again: once the network is back, the next request succeeds.
    assert!(
        proxy.stalled_closed(Duration::from_secs(20)).await,
        "a connection given up on was kept: (open, ever) {:?}",
        proxy.stalled()
    );
    proxy.restore();
    let (status, body) = app.post(Some(&admin), read, json!({})).await;
    assert_eq!(status, 200, "{body}");
}

async fn an_unreachable_database_fails_fast_and_recovers_at_once(app: TestApp) {
    if app.backend != Backend::Postgres {
        return; // SQLite is a file: it has no outage of this kind
    }
    let settings = DbSettings {
        max_connections: 8,
        acquire_timeout: Duration::from_secs(1),
        statement_timeout: Duration::from_secs(5),
    };
    let (proxy, app) = app_through_proxy(settings).await;
    let admin = app.admin();
    let create = |name: String| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post(
                Some(admin),
                "mutation($n: String!) { createPartner(input: { name: $n }) { id } }",
                json!({ "n": name }),
            )
            .await
        }
    };
    // Several pooled connections in use, then idle.
    for reply in join_all((0..8).map(|i| create(format!("before {i}")))).await {
        assert_eq!(reply.0, 200, "{}", reply.1);
    }

    proxy.cut();
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .json(&json!({ "query": "mutation { createPartner(input: { name: \"during\" }) { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body["errors"][0]), "UNAVAILABLE", "{body}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    proxy.restore();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    // Writes work from the first request on: no connection from before the
    // outage is handed out unchecked.
    for reply in join_all((0..8).map(|i| create(format!("after {i}")))).await {
        assert_eq!(reply.0, 200, "{}", reply.1);
        assert!(reply.1.get("errors").is_none(), "{}", reply.1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_and_selections_are_bounded_before_they_run() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // The probe's request: 1,421 aliased __schema selections (with a token:
    // without one, a body this large is refused unread).
    let aliases: String = (0..1421)
        .map(|i| format!("a{i}: __schema {{ types {{ description fields {{ description type {{ description }} }} }} }} "))
        .collect();
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.admin())
        .json(&json!({ "query": format!("{{ {aliases} }}") }))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert!(text.len() < 1024, "{} bytes", text.len());
    assert!(started.elapsed() < Duration::from_secs(2));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "a request may select __schema only once"
    );
    for query in [
        "{ __schema { types { fields { type { fields { type { name } } } } } } }",
        "{ __type(name: \"Partner\") { fields { type { possibleTypes { name } } } } }",
    ] {
        let (_, body) = app.post(None, query, json!({})).await;
        assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT", "{query}");
    }
    let lookups: String = (0..20)
        .map(|i| format!("t{i}: __type(name: \"Partner\") {{ name }} "))
        .collect();
    let (_, body) = app.post(None, &format!("{{ {lookups} }}"), json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = app
        .post(
            None,
            &format!("{{ {lookups} extra: __type(name: \"Event\") {{ name }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
    let many: String = (0..10_001).map(|i| format!("f{i}: __typename ")).collect();
    let (_, body) = app
        .post(Some(&app.admin()), &format!("{{ {many} }}"), json!({}))
        .await;
    assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
}

/// The probe's cost: twenty concurrent anonymous 1.9 MB bodies of 100,000
/// aliased `__typename` were each parsed in full. A request without a token
/// now carries at most 8 KiB (GraphiQL's introspection fits), refused as
/// soon as it passes that, unparsed; with a token, a query's tokens and
/// directives are counted before it is parsed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_request_is_small_and_every_query_is_bounded_before_parsing() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (status, body) = app
        .post(None, crate::support::schema::INTROSPECTION, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["__schema"]["types"].is_array());
    let aliases: String = (0..100_000).map(|i| format!("a{i}: __typename ")).collect();
    let big = json!({ "query": format!("{{ {aliases} }}") }).to_string();
    assert!(big.len() > 1_800_000, "{}", big.len());
    // Twenty at once, without a token: each refused on its announced
    // length, before a byte of it is read (the client sends only its head
    // and waits for the answer).
    let head = |token: Option<&str>| {
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n",
            app.addr,
            big.len()
        )
    };
    let answers = join_all((0..20).map(|_| raw_exchange(app.addr, head(None), Vec::new()))).await;
    for answer in answers {
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(
            answer.contains("a request without a token may carry at most 8192 bytes: send Authorization: Bearer <jwt>"),
            "{answer}"
        );
    }
    // Not parsed: 9 KiB that are not even JSON, streamed with no length
    // announced, get the same answer, not the parser's.
    let chunked = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.addr
    );
    let mut body = format!("{:x}\r\n{}\r\n", 9 * 1024, "x".repeat(9 * 1024)).into_bytes();
    body.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(app.addr, chunked, body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("not JSON"), "{answer}");
    // A bad token is refused before the body is looked at.
    let answer = raw_exchange(app.addr, head(Some("not-a-jwt")), Vec::new()).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // With a token: the same query is refused by its size in tokens …
    let (_, body) = app
        .post(Some(&app.admin()), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(code(&body["errors"][0]), "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "a query may have at most 50000 tokens"
    );
    // … and 20,000 directives on one field by their number.
    let skips = " @skip(if: false)".repeat(20_000);
    let (_, body) = app
        .post(
            Some(&app.admin()),
            &format!("{{ viewer{skips} {{ role }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "a query may use at most 100 directives"
    );
    let (_, body) = app
        .post(
            Some(&app.admin()),
            "{ viewer @skip(if: false) @include(if: true) { role } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_http_error_is_graphql_shaped_json() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let post = |body: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, message) in [
        ("{\"query\": ", "the body is not JSON"),
        (
            "[{\"query\": \"{ __typename }\"}, {\"query\": \"{ __typename }\"}]",
            "batched requests are not supported: send one operation per request",
        ),
        ("{\"variables\": {}}", "the request has no query"),
        ("{\"query\": 42}", "query must be a string"),
        (
            "{\"query\": \"{ __typename }\", \"variables\": [1]}",
            "variables must be a JSON object",
        ),
        (
            "\"{ __typename }\"",
            "the body must be a JSON object with a query",
        ),
    ] {
        let response = post(body).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let json: Value = response.json().await.unwrap();
        assert_eq!(code(&json["errors"][0]), "BAD_USER_INPUT", "{json}");
        let text = json["errors"][0]["message"].as_str().unwrap();
        assert!(text.starts_with(message), "{text}");
        for leak in [
            "BatchRequest",
            "untagged",
            "InvalidRequest",
            "serde",
            "struct",
        ] {
            assert!(!text.contains(leak), "{text}");
        }
    }
    // An unknown path, a wrong method, a body over the limit.
    let response = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let json: Value = response.json().await.unwrap();
    assert_eq!(code(&json["errors"][0]), "NOT_FOUND");
    let response = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let json: Value = response.json().await.unwrap();
    assert_eq!(code(&json["errors"][0]), "BAD_USER_INPUT");
    // Over the limit: refused on the announced length, with the same shape.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        revshare::http::MAX_BODY_BYTES + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            reply.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&reply);
            if n == 0 || text.trim_end().ends_with('}') {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no reply");
    let text = String::from_utf8_lossy(&reply).to_string();
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.to_lowercase()
            .contains("content-type: application/json"),
        "{text}"
    );
    let json: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(code(&json["errors"][0]), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_strings_follow_one_grammar() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let simulate = "mutation($amount: Decimal) { simulatePartnerGroupRules(rules: [{ recurring: { percentage: 10 } }], simulation: { chargeAmount: $amount }) { finalFee } }";
    for refused in ["1e2", " 10 ", "+10", "10.", ".5", "1,000"] {
        let error = app
            .error(Some(&app.admin()), simulate, json!({ "amount": refused }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{refused:?}");
    }
    for (accepted, fee) in [
        ("100", "10.00"),
        ("-0", "0.00"),
        ("99.95", "10.00"),
        ("0.05", "0.01"),
    ] {
        let data = app
            .ok(&app.admin(), simulate, json!({ "amount": accepted }))
            .await;
        assert_eq!(
            data["simulatePartnerGroupRules"]["finalFee"], fee,
            "{accepted}"
        );
    }
    // A JSON number is read from its own text, exponent included.
    let data = app
        .ok(&app.admin(), simulate, json!({ "amount": 1e2 }))
        .await;
    assert_eq!(data["simulatePartnerGroupRules"]["finalFee"], "10.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_leeway_is_a_setting_and_none_by_default() {
    let strict = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let lenient = TestApp::spawn_with_keys(
        Backend::Sqlite,
        Keys::hs256(crate::helpers::SECRET).with_leeway(30),
    )
    .await
    .unwrap();
    let expired = Claims {
        exp: now_seconds() - 5,
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    };
    let early = Claims {
        nbf: Some(now_seconds() + 5),
        ..TestApp::claims(crate::helpers::TENANT, "admin")
    };
    for claims in [expired, early] {
        let token = strict.mint(&claims);
        let (status, _) = strict
            .post(Some(&token), "{ viewer { role } }", json!({}))
            .await;
        assert_eq!(status, 401);
        let (status, _) = lenient
            .post(Some(&token), "{ viewer { role } }", json!({}))
            .await;
        assert_eq!(status, 200);
    }
}

/// `revshare serve` with no key configured on an address others can reach
/// refuses to start and says what to set; on loopback it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_mode_refuses_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |listen: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_revshare"))
            .arg("serve")
            .env_remove("REVSHARE_JWT_SECRET")
            .env_remove("REVSHARE_JWT_PUBLIC_KEY")
            .env_remove("REVSHARE_DATABASE_URL")
            .env("REVSHARE_DATA_DIR", dir.path())
            .env("REVSHARE_LISTEN", listen)
            .env("REVSHARE_MATURITY_INTERVAL", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = serve("0.0.0.0:0");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("development mode started on a public address");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("REVSHARE_JWT_SECRET"), "{stderr}");
    assert!(stderr.contains("0.0.0.0:0"), "{stderr}");
    assert!(output.stdout.is_empty(), "a token was printed");

    let mut child = serve("127.0.0.1:0");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout).lines().next()
    })
    .await
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.unwrap()
            .unwrap()
            .contains("revshare is serving GraphQL")
    );
}
