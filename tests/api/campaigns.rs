//! Campaigns, enrollment and commission snapshots (SPEC §6).

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::campaigns::{CREATE, create_campaign};
use crate::support::partners::approved_partner;
use serde_json::{Value, json};

/// Records a sale of `amount` for `partner`; returns the first commission's amount.
pub async fn sale(
    app: &TestApp,
    partner: &str,
    campaign: Option<&str>,
    external_id: &str,
    amount: &str,
) -> Value {
    let data = app
        .ok(
            &app.service("events:write"),
            "mutation($input: RecordEventInput!) { recordEvent(input: $input) { commissions { amount } } }",
            json!({ "input": { "externalId": external_id, "partnerId": partner, "campaignId": campaign,
                               "customerExternalId": format!("cust-{external_id}"), "amount": amount } }),
        )
        .await;
    data["recordEvent"]["commissions"][0]["amount"].clone()
}

on_both_databases!(
    campaigns_are_created_updated_archived_and_listed,
    campaign_validations_name_the_field,
    partners_apply_and_admins_approve_or_reject,
    an_invitation_creates_partner_enrollment_and_snapshot_at_once,
    editing_a_campaign_keeps_approved_partners_on_their_snapshot,
    terms_falling_through_to_the_group_follow_a_group_edit,
    amendments_append_to_the_snapshot_history,
);

async fn campaigns_are_created_updated_archived_and_listed(app: TestApp) {
    let data = app
        .ok(
            &app.admin(),
            CREATE,
            json!({ "input": { "name": "Spring Launch", "rules": [{ "recurring": { "percentage": 20 } }], "holdbackDays": 30 } }),
        )
        .await;
    let campaign = &data["createCampaign"];
    assert_eq!(
        campaign,
        &json!({ "id": campaign["id"], "name": "Spring Launch", "currency": "USD", "status": "ACTIVE", "visibility": "PUBLIC",
                 "holdbackDays": 30, "isDefault": false, "rules": [{ "type": "RECURRING", "percentage": "20" }] })
    );
    let id = campaign["id"].as_str().unwrap();
    create_campaign(
        &app,
        json!({ "name": "VIP (EUR)", "currency": "EUR", "visibility": "INVITE_ONLY" }),
    )
    .await;

    let update = "mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { name holdbackDays rules { type } status } }";
    let data = app
        .ok(&app.admin(), update, json!({ "id": id, "input": { "name": "Spring", "holdbackDays": null, "rules": null, "status": "PAUSED" } }))
        .await;
    assert_eq!(
        data["updateCampaign"],
        json!({ "name": "Spring", "holdbackDays": null, "rules": null, "status": "PAUSED" })
    );

    let names = |data: &Value| -> Vec<String> {
        data["campaigns"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = "query($s: CampaignStatus, $v: Visibility, $q: String) { campaigns(status: $s, visibility: $v, search: $q) { totalCount nodes { name } } }";
    assert_eq!(
        names(&app.ok(&app.admin(), list, json!({})).await),
        vec!["Default campaign", "Spring", "VIP (EUR)"]
    );
    assert_eq!(
        names(&app.ok(&app.admin(), list, json!({ "s": "PAUSED" })).await),
        vec!["Spring"]
    );
    assert_eq!(
        names(
            &app.ok(&app.admin(), list, json!({ "v": "INVITE_ONLY" }))
                .await
        ),
        vec!["Default campaign", "VIP (EUR)"]
    );
    assert_eq!(
        names(&app.ok(&app.admin(), list, json!({ "q": "vip" })).await),
        vec!["VIP (EUR)"]
    );

    let data = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { archiveCampaign(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["archiveCampaign"]["status"], "ARCHIVED");
    // The default campaign cannot be archived.
    let default = app
        .ok(
            &app.admin(),
            "{ campaigns(first: 1) { nodes { id isDefault } } }",
            json!({}),
        )
        .await;
    assert_eq!(default["campaigns"]["nodes"][0]["isDefault"], true);
    let error = app
        .error(
            Some(&app.admin()),
            "mutation($id: ID!) { archiveCampaign(id: $id) { status } }",
            json!({ "id": default["campaigns"]["nodes"][0]["id"] }),
        )
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "id"));
}

async fn campaign_validations_name_the_field(app: TestApp) {
    let cases = [
        (json!({ "name": "" }), "input.name"),
        (json!({ "name": "A", "currency": "ZZZ" }), "input.currency"),
        (
            json!({ "name": "A", "holdbackDays": -1 }),
            "input.holdbackDays",
        ),
        (
            json!({ "name": "A", "rules": [{ "recurring": { "percentage": 101 } }] }),
            "input.rules[0].recurring.percentage",
        ),
        (json!({ "name": "A", "rules": [] }), "input.rules"),
    ];
    for (input, expected) in cases {
        let error = app
            .error(Some(&app.admin()), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", expected),
            "{error}"
        );
    }
    let error = app
        .error(
            Some(&app.service("campaigns:read")),
            CREATE,
            json!({ "input": { "name": "A" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let data = app
        .ok(&app.admin(), "{ campaigns { totalCount } }", json!({}))
        .await;
    assert_eq!(data["campaigns"]["totalCount"], 1);
}

async fn partners_apply_and_admins_approve_or_reject(app: TestApp) {
    let public = create_campaign(&app, json!({ "name": "Public", "rules": [{ "recurring": { "percentage": 20 } }], "holdbackDays": 14 })).await;
    let private = create_campaign(
        &app,
        json!({ "name": "Private", "visibility": "INVITE_ONLY" }),
    )
    .await;
    let partner = app.create_partner(json!({ "name": "Applicant" })).await;
    let token = app.partner_token(&partner);
    let apply = "mutation($c: ID!) { applyToCampaign(campaignId: $c) { id status campaign { name } partner { name } } }";

    // A partner sees public campaigns (and the default), not invite-only ones.
    let data = app
        .ok(&token, "{ campaigns { nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        data["campaigns"]["nodes"],
        json!([{ "name": "Default campaign" }, { "name": "Public" }])
    );
    assert_eq!(
        code(
            &app.error(Some(&token), apply, json!({ "c": private }))
                .await
        ),
        "NOT_FOUND"
    );

    let data = app.ok(&token, apply, json!({ "c": public })).await;
    assert_eq!(data["applyToCampaign"]["status"], "PENDING");
    assert_eq!(data["applyToCampaign"]["campaign"]["name"], "Public");
    let request = data["applyToCampaign"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        code(&app.error(Some(&token), apply, json!({ "c": public })).await),
        "CONFLICT"
    );
    assert_eq!(
        code(
            &app.error(Some(&app.admin()), apply, json!({ "c": public }))
                .await
        ),
        "FORBIDDEN"
    );

    let approve = "mutation($id: ID!) { approvePartnershipRequest(id: $id) { source partner { name } campaign { name } snapshot { source holdbackDays rules { type ... on RecurringRule { percentage } } } } }";
    assert_eq!(
        code(
            &app.error(
                Some(&app.service("campaigns:read")),
                approve,
                json!({ "id": request })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let data = app
        .ok(
            &app.service("campaigns:write"),
            approve,
            json!({ "id": request }),
        )
        .await;
    assert_eq!(
        data["approvePartnershipRequest"],
        json!({ "source": "APPROVAL", "partner": { "name": "Applicant" }, "campaign": { "name": "Public" },
                "snapshot": { "source": "APPROVAL", "holdbackDays": 14, "rules": [{ "type": "RECURRING", "percentage": "20" }] } })
    );
    assert_eq!(
        code(
            &app.error(Some(&app.admin()), approve, json!({ "id": request }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        code(&app.error(Some(&token), apply, json!({ "c": public })).await),
        "CONFLICT"
    );

    // A rejection, with its reason.
    let second = app.create_partner(json!({ "name": "Second" })).await;
    let data = app
        .ok(&app.partner_token(&second), apply, json!({ "c": public }))
        .await;
    let id = data["applyToCampaign"]["id"].as_str().unwrap();
    let reject = "mutation($id: ID!, $r: String!) { rejectPartnershipRequest(id: $id, reason: $r) { status reason decidedAt } }";
    let error = app
        .error(Some(&app.admin()), reject, json!({ "id": id, "r": " " }))
        .await;
    assert_eq!((code(&error), field(&error)), ("BAD_USER_INPUT", "reason"));
    let data = app
        .ok(
            &app.admin(),
            reject,
            json!({ "id": id, "r": "Audience does not fit" }),
        )
        .await;
    assert_eq!(data["rejectPartnershipRequest"]["status"], "REJECTED");
    assert_eq!(
        data["rejectPartnershipRequest"]["reason"],
        "Audience does not fit"
    );
    assert_eq!(
        code(
            &app.error(Some(&app.admin()), approve, json!({ "id": id }))
                .await
        ),
        "CONFLICT"
    );

    // Each partner lists its own requests and enrollments.
    let mine = "{ partnershipRequests { nodes { status partner { name } } } viewer { partner { enrollments { campaign { name } snapshot { holdbackDays } } } } }";
    let data = app.ok(&token, mine, json!({})).await;
    assert_eq!(
        data["partnershipRequests"]["nodes"],
        json!([{ "status": "APPROVED", "partner": { "name": "Applicant" } }])
    );
    assert_eq!(
        data["viewer"]["partner"]["enrollments"],
        json!([{ "campaign": { "name": "Public" }, "snapshot": { "holdbackDays": 14 } }])
    );
    let data = app.ok(&app.partner_token(&second), mine, json!({})).await;
    assert_eq!(
        data["partnershipRequests"]["nodes"],
        json!([{ "status": "REJECTED", "partner": { "name": "Second" } }])
    );
    assert_eq!(data["viewer"]["partner"]["enrollments"], json!([]));
    let data = app
        .ok(
            &app.admin(),
            "{ partnershipRequests { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["partnershipRequests"]["totalCount"], 2);
}

async fn an_invitation_creates_partner_enrollment_and_snapshot_at_once(app: TestApp) {
    let vip = create_campaign(&app, json!({ "name": "VIP", "visibility": "INVITE_ONLY", "rules": [{ "recurring": { "percentage": 10 } }] })).await;
    let invite = "mutation($input: InvitePartnerInput!) { invitePartner(input: $input) { source partner { name email } campaign { name } snapshot { source holdbackDays rules { type ... on RecurringRule { percentage } } } } }";
    let data = app
        .ok(
            &app.admin(),
            invite,
            json!({ "input": { "name": "Invited", "email": "i@invited.example", "campaignId": vip,
                               "commissionSnapshot": { "rules": [{ "recurring": { "percentage": 35 } }], "holdbackDays": 7 } } }),
        )
        .await;
    assert_eq!(
        data["invitePartner"],
        json!({ "source": "INVITE", "partner": { "name": "Invited", "email": "i@invited.example" }, "campaign": { "name": "VIP" },
                "snapshot": { "source": "INVITE", "holdbackDays": 7, "rules": [{ "type": "RECURRING", "percentage": "35" }] } })
    );
    // Without an explicit snapshot, the campaign's terms are stamped.
    let data = app
        .ok(
            &app.admin(),
            invite,
            json!({ "input": { "name": "Plain", "campaignId": vip } }),
        )
        .await;
    assert_eq!(
        data["invitePartner"]["snapshot"]["rules"],
        json!([{ "type": "RECURRING", "percentage": "10" }])
    );
    // A failure writes nothing: no partner is left behind.
    let error = app
        .error(Some(&app.admin()), invite, json!({ "input": { "name": "Broken", "campaignId": vip, "commissionSnapshot": { "holdbackDays": 99999 } } }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.commissionSnapshot.holdbackDays")
    );
    let error = app
        .error(
            Some(&app.admin()),
            invite,
            json!({ "input": { "name": "Lost", "campaignId": "01J00000000000000000000000" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.campaignId")
    );
    let data = app
        .ok(&app.admin(), "{ partners { nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        data["partners"]["nodes"],
        json!([{ "name": "Invited" }, { "name": "Plain" }])
    );
}

async fn editing_a_campaign_keeps_approved_partners_on_their_snapshot(app: TestApp) {
    let campaign = create_campaign(
        &app,
        json!({ "name": "Launch", "rules": [{ "recurring": { "percentage": 20 } }] }),
    )
    .await;
    let early = approved_partner(&app, "Early", &campaign).await;
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updateCampaign(id: $id, input: { rules: [{ recurring: { percentage: 10 } }], holdbackDays: 5 }) { id } }",
        json!({ "id": campaign }),
    )
    .await;
    let late = approved_partner(&app, "Late", &campaign).await;

    assert_eq!(
        sale(&app, &early, Some(&campaign), "e-1", "100.00").await,
        "20.00"
    );
    assert_eq!(
        sale(&app, &late, Some(&campaign), "l-1", "100.00").await,
        "10.00"
    );

    let terms = "query($p: ID!, $c: ID) { partner(id: $p) { termsInForce(campaignId: $c) { rulesSource holdbackDays holdbackSource rules { ... on RecurringRule { percentage } } } } }";
    let data = app
        .ok(&app.admin(), terms, json!({ "p": early, "c": campaign }))
        .await;
    // The early partner's snapshot had no holdback: the campaign's current one applies.
    assert_eq!(
        data["partner"]["termsInForce"],
        json!({ "rulesSource": "SNAPSHOT", "holdbackDays": 5, "holdbackSource": "CAMPAIGN", "rules": [{ "percentage": "20" }] })
    );
    let data = app
        .ok(&app.admin(), terms, json!({ "p": late, "c": campaign }))
        .await;
    assert_eq!(
        data["partner"]["termsInForce"],
        json!({ "rulesSource": "SNAPSHOT", "holdbackDays": 5, "holdbackSource": "SNAPSHOT", "rules": [{ "percentage": "10" }] })
    );
}

async fn terms_falling_through_to_the_group_follow_a_group_edit(app: TestApp) {
    let group = app
        .create_group("Gold", json!([{ "recurring": { "percentage": 15 } }]))
        .await;
    let partner = app
        .create_partner(json!({ "name": "Goldie", "groupId": group }))
        .await;
    // The default campaign has no rules: the group's apply, live.
    assert_eq!(sale(&app, &partner, None, "g-1", "200.00").await, "30.00");
    app.ok(
        &app.admin(),
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { rules: [{ recurring: { percentage: 25 } }] }) { id } }",
        json!({ "id": group }),
    )
    .await;
    assert_eq!(sale(&app, &partner, None, "g-2", "200.00").await, "50.00");
    let data = app
        .ok(&app.admin(), "query($p: ID!) { partner(id: $p) { termsInForce { rulesSource holdbackSource campaign { isDefault } } } }", json!({ "p": partner }))
        .await;
    assert_eq!(
        data["partner"]["termsInForce"],
        json!({ "rulesSource": "GROUP", "holdbackSource": "NONE", "campaign": { "isDefault": true } })
    );
    // The first commission was not recomputed.
    let data = app
        .ok(
            &app.admin(),
            "{ commissions { nodes { amount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["commissions"]["nodes"],
        json!([{ "amount": "30.00" }, { "amount": "50.00" }])
    );
}

async fn amendments_append_to_the_snapshot_history(app: TestApp) {
    let campaign = create_campaign(
        &app,
        json!({ "name": "Launch", "rules": [{ "recurring": { "percentage": 20 } }] }),
    )
    .await;
    let partner = approved_partner(&app, "Amended", &campaign).await;
    let amend = "mutation($input: AmendPartnerCommissionInput!) { amendPartnerCommission(input: $input) { source note createdBy rules { ... on RecurringRule { percentage } } } }";
    let error = app
        .error(
            Some(&app.admin()),
            amend,
            json!({ "input": { "partnerId": partner, "campaignId": campaign, "note": "" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.note")
    );
    let data = app
        .ok(
            &app.admin(),
            amend,
            json!({ "input": { "partnerId": partner, "campaignId": campaign, "rules": [{ "recurring": { "percentage": 30 } }], "note": "Top performer" } }),
        )
        .await;
    assert_eq!(
        data["amendPartnerCommission"],
        json!({ "source": "AMENDMENT", "note": "Top performer", "createdBy": "admin-of-acme", "rules": [{ "percentage": "30" }] })
    );
    assert_eq!(
        sale(&app, &partner, Some(&campaign), "a-1", "100.00").await,
        "30.00"
    );
    let data = app
        .ok(
            &app.admin(),
            "query($p: ID!) { partner(id: $p) { commissionSnapshots { source note } } }",
            json!({ "p": partner }),
        )
        .await;
    assert_eq!(
        data["partner"]["commissionSnapshots"],
        json!([{ "source": "APPROVAL", "note": null }, { "source": "AMENDMENT", "note": "Top performer" }])
    );
    // Not enrolled in another campaign: refused.
    let other = create_campaign(&app, json!({ "name": "Other" })).await;
    let error = app
        .error(
            Some(&app.admin()),
            amend,
            json!({ "input": { "partnerId": partner, "campaignId": other, "note": "x" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.campaignId")
    );
}
