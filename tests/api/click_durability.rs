//! Money and data, round 6 (issue 86, item 10): a click id a redirect
//! hands out is attributable at once, and never lost — not when the
//! replica that answered is killed (`kill -9`) while the database could
//! not take its clicks, which the next replica on its folder writes.

use crate::helpers::{Backend, Replica, TestApp};
use crate::support::links::{client, janes_link, visit};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use std::time::Duration;

crate::on_both_databases_with!(options; a_click_id_handed_out_is_attributable_at_once);
crate::on_both_databases!(a_replica_killed_loses_no_click_it_handed_out);

/// Every visit a click: no per-address budget, the proxy on loopback
/// trusted.
fn options() -> revshare::http::Options {
    revshare::http::Options {
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        anonymous_writes_per_minute: 0,
        ..revshare::http::Options::new(revshare::graphql::LOADER_DELAY)
    }
}

const ATTRIBUTE: &str = "mutation($input: AttributeCustomerInput!) { attributeCustomer(input: $input) { attributedBy partner { id } } }";

async fn a_click_id_handed_out_is_attributable_at_once(app: TestApp) {
    let jane = janes_link(&app).await;
    let (client, service) = (client(), app.service("events:write"));
    // The brand's site attributes the customer the moment it has the id.
    for i in 0..20 {
        let click = visit(&client, &format!("http://{}", app.addr), i).await;
        let attributed = app
            .ok(
                &service,
                ATTRIBUTE,
                json!({ "input": { "customerExternalId": format!("cus_{i}"), "clickId": click } }),
            )
            .await;
        assert_eq!(
            attributed["attributeCustomer"],
            json!({ "attributedBy": "CLICK", "partner": { "id": jane } })
        );
    }
}

/// Clicks the database cannot take (a writer holds the clicks table) are
/// answered and journaled; the replica is killed; the next one started on
/// its folder writes every one, each attributable.
async fn a_replica_killed_loses_no_click_it_handed_out(app: TestApp) {
    let jane = janes_link(&app).await;
    let folder = tempfile::tempdir().unwrap();
    let env = [
        ("REVSHARE_ANONYMOUS_WRITES_PER_MINUTE", "0"),
        ("REVSHARE_TRUSTED_PROXIES", "127.0.0.1"),
        ("REVSHARE_JOBS", "none"),
        ("REVSHARE_DATA_DIR", folder.path().to_str().unwrap()),
    ];
    let replica = Replica::start(&app.url, &env).await;
    // The clicks table taken by another writer: nothing is written.
    let conn = sea_orm::Database::connect(app.url.as_str()).await.unwrap();
    let holder = conn.begin().await.unwrap();
    let hold = match app.backend {
        Backend::Sqlite => "DELETE FROM clicks WHERE 1 = 0",
        Backend::Postgres => "LOCK TABLE clicks IN SHARE ROW EXCLUSIVE MODE",
    };
    holder.execute_unprepared(hold).await.unwrap();
    let client = client();
    let base = format!("http://{}", replica.addr);
    let mut handed = Vec::new();
    for i in 0..200 {
        handed.push(visit(&client, &base, i).await);
    }
    // Killed once its journal holds them (on disk within 50 ms): a kill
    // loses no click handed out before that.
    let journal = folder.path().join("clicks");
    let mut lines = 0;
    for _ in 0..400 {
        lines = std::fs::read_dir(&journal)
            .unwrap()
            .flatten()
            .map(|f| {
                std::fs::read_to_string(f.path())
                    .unwrap_or_default()
                    .lines()
                    .count()
            })
            .sum::<usize>();
        if lines >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(lines, 200, "{}", replica.log());
    replica.kill();
    holder.rollback().await.unwrap();

    let next = Replica::start(&app.url, &env).await;
    let admin = app.admin();
    let mut stored = 0;
    for _ in 0..600 {
        let links = app
            .ok(
                &admin,
                "query($id: ID!) { partner(id: $id) { links { nodes { clicks } } } }",
                json!({ "id": jane }),
            )
            .await;
        stored = links["partner"]["links"]["nodes"][0]["clicks"]
            .as_i64()
            .unwrap();
        if stored >= handed.len() as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, 200, "{}", next.log());
    let service = app.service("events:write");
    for (i, click) in handed.iter().enumerate().step_by(40) {
        let attributed = app
            .ok(
                &service,
                ATTRIBUTE,
                json!({ "input": { "customerExternalId": format!("cus_{i}"), "clickId": click } }),
            )
            .await;
        assert_eq!(attributed["attributeCustomer"]["partner"]["id"], jane);
    }
    // The journal replayed is gone; the live replica's own remains.
    let left = std::fs::read_dir(folder.path().join("clicks"))
        .unwrap()
        .count();
    assert_eq!(left, 1);
}
