//! The ledger's posting layer, fed directly: one row of each kind, written
//! by the one writer every producer uses, then read back through the API.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::support::ledger::assert_balances_agree;
use crate::support::partners::partner_at;
use crate::support::sales::RECORD;
use chrono::{TimeZone, Utc};
use revshare::ledger::{CommissionKind, CommissionStatus, ReversalReason, TermsSource};
use revshare::posting::breakdown::{AdjustmentLine, BreakdownLine, GroupRuleLine};
use revshare::posting::{NewCommission, Posting, TermsRef};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

on_both_databases!(
    the_posting_layer_writes_each_kind_of_row,
    a_redelivery_stored_with_the_old_spelling_of_its_kind_is_recognised,
);

async fn the_posting_layer_writes_each_kind_of_row(app: TestApp) {
    let partner = partner_at(&app, "Posted", 10).await;
    let recorded = app
        .ok(
            &app.service("events:write"),
            RECORD,
            json!({ "input": { "externalId": "posted", "partnerId": partner, "customerExternalId": "c", "amount": "100" } }),
        )
        .await;
    let event_id = recorded["recordEvent"]["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let original = recorded["recordEvent"]["commissions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let campaign = crate::support::campaigns::default_campaign(&app).await;

    let accrued_at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let row = |kind, status, amount_minor, breakdown, original_id: Option<&str>| NewCommission {
        kind,
        status,
        tenant_id: crate::helpers::TENANT.into(),
        partner_id: partner.clone(),
        campaign_id: campaign.clone(),
        event_id: event_id.clone(),
        amount_minor,
        currency: "USD".into(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::Group,
        },
        breakdown,
        accrued_at,
        holdback_days: Some(30),
        original_id: original_id.map(str::to_owned),
        reason: (kind == CommissionKind::Clawback).then_some(ReversalReason::Refund),
        note: None,
        deal: None,
        tier_id: None,
        revenue_minor: None,
    };
    let rule_line = BreakdownLine::GroupRule(GroupRuleLine {
        rule_index: 0,
        rule_type: revshare::engine::RuleType::Recurring,
        description: None,
        percentage: Some(Decimal::from(10)),
        amount: Decimal::new(1250, 2),
    });
    let adjustment_line = BreakdownLine::Adjustment(AdjustmentLine {
        tier_id: None,
        action: revshare::engine::tiers::Action::FlatIncrease,
        value: Decimal::from(5),
        amount: Decimal::from(5),
    });
    let txn = app.db.write().await.unwrap();
    let mut posting = Posting::new(revshare::db::now());
    let ids: Vec<String> = [
        row(
            CommissionKind::Commission,
            CommissionStatus::Accrued,
            1250,
            vec![rule_line],
            None,
        ),
        row(
            CommissionKind::Clawback,
            CommissionStatus::Approved,
            -300,
            vec![],
            Some(&original),
        ),
        row(
            CommissionKind::Adjustment,
            CommissionStatus::Accrued,
            500,
            vec![adjustment_line],
            Some(&original),
        ),
    ]
    .into_iter()
    .map(|new| posting.add(new).unwrap().id)
    .collect();
    posting.write(&txn).await.unwrap();
    txn.commit().await.unwrap();

    let query = "query($id: ID!) { commission(id: $id) { kind status amount rulesSource accruedAt matureAt approvedAt reversalReason original { id } breakdown { vocabulary type percentage amount } } }";
    let mut read = Vec::new();
    for id in &ids {
        read.push(app.ok(&app.admin(), query, json!({ "id": id })).await["commission"].clone());
    }
    assert_eq!(
        read[0],
        json!({ "kind": "COMMISSION", "status": "ACCRUED", "amount": "12.50", "rulesSource": "GROUP",
                "accruedAt": "2026-03-01T12:00:00Z", "matureAt": "2026-03-31T12:00:00Z", "approvedAt": null,
                "reversalReason": null, "original": null,
                "breakdown": [{ "vocabulary": "GROUP_RULE", "type": "RECURRING", "percentage": "10", "amount": "12.50" }] })
    );
    // A clawback takes effect at once: approved and mature when written.
    assert_eq!(
        (
            read[1]["kind"].clone(),
            read[1]["status"].clone(),
            read[1]["amount"].clone(),
            read[1]["reversalReason"].clone()
        ),
        (
            json!("CLAWBACK"),
            json!("APPROVED"),
            json!("-3.00"),
            json!("REFUND")
        )
    );
    assert!(read[1]["approvedAt"].is_string());
    assert_eq!(read[1]["matureAt"], read[1]["approvedAt"]);
    assert_eq!(read[1]["original"]["id"], original.as_str());
    assert_eq!(
        read[2]["breakdown"],
        json!([{ "vocabulary": "ADJUSTMENT", "type": null, "percentage": null, "amount": "5" }])
    );
    assert_eq!(read[2]["original"]["id"], original.as_str());
    assert_balances_agree(&app).await;
    let balance = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { balance { accrued approved } } }",
            json!({ "p": partner }),
        )
        .await;
    // 10.00 accrued on the event, 12.50 and 5.00 posted; the clawback approved.
    assert_eq!(
        balance["partner"]["balance"],
        json!([{ "accrued": "27.50", "approved": "-3.00" }])
    );
}

async fn a_redelivery_stored_with_the_old_spelling_of_its_kind_is_recognised(app: TestApp) {
    let partner = partner_at(&app, "Old payload", 10).await;
    let token = app.service("events:write");
    let input = json!({ "externalId": "legacy", "partnerId": partner, "customerExternalId": "c", "amount": "40" });
    let first = app.ok(&token, RECORD, json!({ "input": input })).await;
    // As recorded before the payload's names were made stable: the kind in
    // the code's own spelling.
    let conn = app.db.conn();
    let stored: String = conn
        .query_one_raw(Statement::from_string(
            app.db.backend(),
            "SELECT payload FROM events WHERE external_id = 'legacy'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "payload")
        .unwrap();
    assert!(stored.contains(r#""kind":"SALE""#), "{stored}");
    conn.execute_unprepared(&format!(
        "UPDATE events SET payload = '{}' WHERE external_id = 'legacy'",
        stored.replace(r#""kind":"SALE""#, r#""kind":"Sale""#)
    ))
    .await
    .unwrap();
    let again = app.ok(&token, RECORD, json!({ "input": input })).await;
    assert_eq!(again["recordEvent"]["duplicate"], true);
    assert_eq!(
        again["recordEvent"]["commissions"],
        first["recordEvent"]["commissions"]
    );
    let mut changed = input.clone();
    changed["amount"] = Value::from("41");
    let error = app
        .error(Some(&token), RECORD, json!({ "input": changed }))
        .await;
    assert_eq!(crate::helpers::code(&error), "CONFLICT");
}
