//! Sales and their commissions, as the area tests record them: a sale's
//! input, recording it (one or many), and reading the commission it made.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const RECORD: &str = "mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate event { id externalId amount } commissions { id amount status } } }";

const COMMISSION_FIELDS: &str = "id kind amount currency status accruedAt holdbackDays matureAt approvedAt paidAt reversedAt reversalReason reversalNote rulesSource \
    partner { name } campaign { name } event { externalId amount } snapshot { source } \
    breakdown { ruleIndex type percentage amount } history { fromStatus toStatus reason actor }";

pub(crate) async fn record(app: &TestApp, input: Value) -> Value {
    app.ok(
        &app.service("events:write"),
        RECORD,
        json!({ "input": input }),
    )
    .await["recordEvent"]
        .clone()
}

pub(crate) async fn commission_id(app: &TestApp, input: Value) -> String {
    record(app, input).await["commissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn commission(app: &TestApp, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ commission(id: $id) {{ {COMMISSION_FIELDS} }} }}");
    app.ok(&app.admin(), &query, json!({ "id": id })).await["commission"].clone()
}

pub(crate) fn sale_input(partner: &str, external_id: &str, amount: &str) -> Value {
    json!({ "externalId": external_id, "partnerId": partner, "customerExternalId": format!("c-{external_id}"), "amount": amount })
}

pub(crate) const RECORD_MANY: &str = "mutation($input: [RecordEventInput!]!) { recordEvents(input: $input) { externalId payload { duplicate commissions { amount } } error { code field } } }";

/// A sale that occurred at `at`; answers its commission's id.
pub(crate) async fn sale_at(
    app: &TestApp,
    partner: &str,
    external_id: &str,
    amount: &str,
    at: &str,
) -> String {
    let mut input = sale_input(partner, external_id, amount);
    input["occurredAt"] = json!(at);
    crate::support::sales::commission_id(app, input).await
}

/// Records a sale; answers its commission's id.
pub(crate) async fn commission_of(app: &TestApp, input: Value) -> String {
    let data = app
        .ok(
            &app.service("events:write"),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["recordEvent"]["commissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until what reacts to sales (SPEC §35: performance bounties,
/// `metricReached` workflows), which runs after each sale commits, has
/// read every event logged so far: each tenant's reaction cursor stands at
/// or past its log's last event.
pub(crate) async fn reacted(app: &TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = "SELECT COUNT(*) AS behind FROM domain_events d WHERE NOT EXISTS \
               (SELECT 1 FROM reaction_cursors c WHERE c.tenant_id = d.tenant_id \
                AND (c.cursor_xid > d.xid OR (c.cursor_xid = d.xid AND c.cursor_seq >= d.seq)))";
    crate::support::wait::until(
        "the sales' reactions read every event logged",
        std::time::Duration::from_secs(20),
        async || {
            let conn = app.db.conn();
            let row = conn
                .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "behind").unwrap() == 0
        },
    )
    .await
}
