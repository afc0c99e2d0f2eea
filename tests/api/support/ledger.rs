//! Checks of the whole ledger the area tests share: balances agreeing
//! with the rows they sum, each field read alone as in whole rows, and a
//! ledger of a given size to read.

use crate::helpers::TestApp;
use crate::support::campaigns::create_campaign;
use crate::support::partners::approved_partner;
use crate::support::sales::record;
use revshare::db::Db;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// The kept balances — each partner's, then each payee contact's — and the
/// same figures summed from the ledger. A partner's money is its own
/// commissions and its own people's spiffs, not a spiff to one of the
/// tenant's staff (a contact without a partner); a contact's is every spiff
/// paid to it.
pub(crate) async fn balances_and_sums(db: &Db) -> (Vec<Value>, Vec<Value>) {
    let rows = |sql: &'static str| async move {
        db.conn()
            .query_all_raw(Statement::from_string(db.backend(), sql))
            .await
            .unwrap()
            .iter()
            .map(|row| {
                json!([
                    row.try_get::<String>("", "payee").unwrap(),
                    row.try_get::<String>("", "currency").unwrap(),
                    row.try_get::<String>("", "status").unwrap(),
                    row.try_get::<i64>("", "amount").unwrap(),
                    row.try_get::<i64>("", "n").unwrap(),
                ])
            })
            .collect::<Vec<_>>()
    };
    let mut kept = rows(
        "SELECT partner_id AS payee, currency, status, amount_minor AS amount, commission_count AS n \
          FROM partner_balances WHERE commission_count <> 0 OR amount_minor <> 0 \
          ORDER BY partner_id, currency, status",
    )
    .await;
    kept.extend(
        rows(
            "SELECT contact_id AS payee, currency, status, amount_minor AS amount, commission_count AS n \
              FROM contact_balances WHERE commission_count <> 0 OR amount_minor <> 0 \
              ORDER BY contact_id, currency, status",
        )
        .await,
    );
    let mut summed = rows(
        "SELECT c.partner_id AS payee, c.currency, c.status, CAST(SUM(c.amount_minor) AS BIGINT) AS amount, \
          CAST(COUNT(*) AS BIGINT) AS n FROM commissions c LEFT JOIN contacts k ON k.id = c.recipient_id \
          WHERE k.id IS NULL OR k.partner_id IS NOT NULL \
          GROUP BY c.partner_id, c.currency, c.status ORDER BY c.partner_id, c.currency, c.status",
    )
    .await;
    summed.extend(
        rows(
            "SELECT recipient_id AS payee, currency, status, CAST(SUM(amount_minor) AS BIGINT) AS amount, \
              CAST(COUNT(*) AS BIGINT) AS n FROM commissions WHERE recipient_id IS NOT NULL \
              GROUP BY recipient_id, currency, status ORDER BY recipient_id, currency, status",
        )
        .await,
    );
    (kept, summed)
}

pub(crate) async fn assert_balances_agree(app: &TestApp) {
    let (kept, summed) = balances_and_sums(&app.db).await;
    assert_eq!(kept, summed);
}

/// Every field of a ledger row, with a selection for those that need one.
const EVERY_COMMISSION_FIELD: &[&str] = &[
    "kind",
    "amount",
    "currency",
    "status",
    "partner { id }",
    "campaign { id }",
    "event { id }",
    "snapshot { id }",
    "breakdown { vocabulary amount ruleIndex type percentage planId entryIndex value tierId action }",
    "lines { line { externalId productId amount } rule condition percentage amount }",
    "rulesSource",
    "accruedAt",
    "recordedAt",
    "holdbackDays",
    "matureAt",
    "approvedAt",
    "paidAt",
    "reversedAt",
    "reversalReason",
    "reversalNote",
    "original { id }",
    "payoutId",
    "plan { id }",
    "deal { id }",
    "recipient { id }",
    "tier { id }",
    "revenue",
    "recipientPending",
    "history { fromStatus toStatus }",
    "onHold",
    "holds { id }",
    "conversion { saleAmount saleCurrency rate day source }",
    "retainerPeriod { number startsOn endsOn }",
    "__typename",
];

/// The ledger list reads only the columns its selection asks for: each
/// field, asked for alone, answers what it answers beside every other
/// field (asked for through a fragment), and what `commission(id:)`
/// (whole rows) answers.
pub(crate) async fn assert_fields_read_alone_match_whole_rows(app: &TestApp) {
    let admin = app.admin();
    // Every field of the type, so that a field added later is checked too.
    let schema = app
        .ok(
            &admin,
            "{ __type(name: \"Commission\") { fields { name } } }",
            json!({}),
        )
        .await;
    let mut fields: Vec<&str> = schema["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    fields.push("__typename");
    let mut checked: Vec<&str> = EVERY_COMMISSION_FIELD
        .iter()
        .map(|f| f.split(' ').next().unwrap())
        .collect();
    checked.push("id"); // every query below asks for it
    fields.sort_unstable();
    checked.sort_unstable();
    assert_eq!(checked, fields, "every field of Commission is checked");
    let all = EVERY_COMMISSION_FIELD.join(" ");
    let list = app
        .ok(
            &admin,
            &format!(
                "{{ commissions(first: 50) {{ nodes {{ id ...Row }} }} }} fragment Row on Commission {{ {all} }}"
            ),
            json!({}),
        )
        .await;
    let rows = list["commissions"]["nodes"].as_array().unwrap().clone();
    assert!(!rows.is_empty() && rows.len() < 50);
    for row in &rows {
        let one = app
            .ok(
                &admin,
                &format!("query($id: ID!) {{ commission(id: $id) {{ id {all} }} }}"),
                json!({ "id": row["id"] }),
            )
            .await;
        assert_eq!(&one["commission"], row);
    }
    for field in EVERY_COMMISSION_FIELD {
        let name = field.split(' ').next().unwrap();
        let alone = app
            .ok(
                &admin,
                &format!("{{ commissions(first: 50) {{ edges {{ node {{ id {field} }} }} }} }}"),
                json!({}),
            )
            .await;
        let edges = alone["commissions"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), rows.len());
        for (edge, row) in edges.iter().zip(&rows) {
            assert_eq!(edge["node"]["id"], row["id"]);
            assert_eq!(edge["node"][name], row[name], "{name} of {}", row["id"]);
        }
    }
}

pub(crate) const NESTED_LEDGER: &str = "{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } event { externalId } snapshot { source } history { toStatus } } } }";

pub(crate) async fn ledger_of(app: &TestApp, n: usize) {
    let campaign = create_campaign(
        app,
        json!({ "name": "C", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let partners = [
        approved_partner(app, "P1", &campaign).await,
        approved_partner(app, "P2", &campaign).await,
        app.create_partner(json!({ "name": "P3" })).await,
    ];
    let group = app
        .create_group("Paying", json!([{ "recurring": { "percentage": 5 } }]))
        .await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!, $g: ID!) { updatePartner(id: $id, input: { groupId: $g }) { id } }",
        json!({ "id": partners[2], "g": group }),
    )
    .await;
    for i in 0..n {
        let partner = &partners[i % 3];
        let campaign = if i % 3 == 2 {
            Value::Null
        } else {
            json!(campaign)
        };
        record(app, json!({ "externalId": format!("n{i}"), "partnerId": partner, "campaignId": campaign, "customerExternalId": "c", "amount": "10" })).await;
    }
}
