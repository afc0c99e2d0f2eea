//! The guides' paths run as written: each ```graphql block of a guide is
//! one operation, sent as a reader pastes it into GraphiQL, with each
//! `…_ID` placeholder replaced by the id an earlier step answered.

use crate::helpers::{TENANT, TestApp};
use crate::on_both_databases;
use crate::support::guides::{filled, operations};
use serde_json::{Value, json};
use std::path::PathBuf;

on_both_databases!(
    the_readmes_example_runs_as_written,
    the_brands_attribution_path_earns_as_written,
    the_ledgers_whole_path_runs_as_written,
    the_tiers_guide_reaches_its_tier_as_written,
    the_portals_sign_in_link_is_made_as_written,
    the_consoles_staff_link_is_made_and_spent_as_written,
    the_deals_guide_runs_as_written,
    the_partners_guide_sets_the_program_as_written,
    the_fraud_guides_policy_and_review_run_as_written,
    the_backtesting_guide_answers_as_written,
    the_importing_guide_runs_as_written,
    the_tax_guide_runs_as_written,
    the_links_guide_runs_as_written,
    the_engagement_guide_pays_a_referrer_and_caps_as_written,
    the_messages_guide_runs_as_written,
    the_levers_guide_pays_a_retainer_as_written,
);

/// The stranger's path of `docs/partners.md`, with an SMTP server to
/// catch what is sent (the links' codes are made as a message is sent).
mod the_partners_guide_joins_as_written {
    use crate::helpers::Backend;
    use crate::support::smtp::{SmtpServer, settings, spawn};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let smtp = SmtpServer::start().await;
        let app = spawn(Backend::Sqlite, settings(&smtp))
            .await
            .expect("sqlite app");
        super::the_partners_guide_joins_as_written(app, smtp).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let smtp = SmtpServer::start().await;
        match spawn(Backend::Postgres, settings(&smtp)).await {
            Some(app) => super::the_partners_guide_joins_as_written(app, smtp).await,
            None => eprintln!("TEST_DATABASE_URL is not set: skipped on PostgreSQL"),
        }
    }
}

/// The one of `ops` that holds `text`.
fn op_with<'o>(ops: &'o [String], text: &str) -> &'o str {
    ops.iter()
        .find(|op| op.contains(text))
        .unwrap_or_else(|| panic!("no operation holds {text}"))
}

/// A guide's first two steps: an offer (`createCampaign`), then a partner
/// invited into it; their ids.
async fn offer_and_partner(app: &TestApp, ops: &[String]) -> (String, String) {
    let admin = app.admin();
    let campaign = text(&app.ok(&admin, &ops[0], json!({})).await["createCampaign"]["id"]);
    let invite = filled(&ops[1], &[("CAMPAIGN_ID", &campaign)]);
    let invited = app.ok(&admin, &invite, json!({})).await;
    (campaign, text(&invited["invitePartner"]["partner"]["id"]))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not text: {value}"))
        .to_owned()
}

async fn the_partners_guide_sets_the_program_as_written(app: TestApp) {
    let ops = operations("docs/partners.md");
    let admin = app.admin();
    let set = app.ok(&admin, &ops[0], json!({})).await;
    let expected = json!({
        "programName": "Acme Partners",
        "supportEmail": "partners@acme.example",
        "brandColor": "#1a73e8",
    });
    assert_eq!(set["updateTenant"], expected);
    let jane = app.create_partner(json!({ "name": "Jane" })).await;
    let seen = app.ok(&app.partner_token(&jane), &ops[1], json!({})).await;
    assert_eq!(seen["viewer"]["tenant"], expected);
}

/// The last e-mail written, once there are `count` (up to 20 s: a
/// sign-in's e-mail is written off its request's path).
async fn latest_email(app: &TestApp, count: usize) -> Value {
    for _ in 0..400 {
        let all = app
            .ok(
                &app.admin(),
                "{ emails { nodes { kind subject text } } }",
                json!({}),
            )
            .await;
        let all = all["emails"]["nodes"].as_array().unwrap().clone();
        if all.len() >= count {
            return all.last().unwrap().clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} e-mails");
}

/// The stranger's path of `docs/partners.md`, block by block: each e-mail
/// is read from `emails`, as the guide shows it, and a link's code from
/// the message the SMTP server received (no stored e-mail holds one). The
/// guide's tenant is the demo's; here it is the test's.
async fn the_partners_guide_joins_as_written(app: TestApp, smtp: crate::support::smtp::SmtpServer) {
    let ops: Vec<String> = operations("docs/partners.md")
        .into_iter()
        .map(|op| op.replace("\"demo\"", &format!("\"{}\"", crate::helpers::TENANT)))
        .collect();
    assert_eq!(ops.len(), 10, "the guide's blocks");
    let admin = app.admin();
    let campaign = app.ok(&admin, &ops[2], json!({})).await["createCampaign"].clone();
    assert_eq!(
        campaign["applicationQuestions"],
        json!(["Where will you promote us?"])
    );
    assert_eq!(campaign["autoApproveApplications"], false);
    let (_, applied) = app
        .post(None, &ops[3], json!({ "campaignId": campaign["id"] }))
        .await;
    assert_eq!(
        applied["data"]["submitPartnerApplication"]["accepted"],
        true
    );
    let confirm = latest_email(&app, 1).await;
    assert_eq!(confirm["kind"], "APPLICATION_CONFIRM");
    assert!(
        confirm["text"].as_str().unwrap().contains("#confirm=…\n"),
        "the code is withheld: {confirm}"
    );
    let received = smtp.wait_for(1).await;
    let text = received[0].1["text"].as_str().unwrap();
    let token = text
        .split("#confirm=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let (_, confirmed) = app.post(None, &ops[4], json!({ "token": token })).await;
    assert_eq!(
        confirmed["data"]["confirmPartnerApplication"]["status"],
        "PENDING"
    );
    let pending = app.ok(&admin, &ops[5], json!({})).await;
    let application = &pending["partnerApplications"]["edges"][0]["node"];
    assert_eq!(application["name"], "Ann Example");
    assert_eq!(application["country"], "DE");
    let decided = app
        .ok(&admin, &ops[6], json!({ "id": application["id"] }))
        .await;
    let decided = &decided["decidePartnerApplication"];
    assert_eq!(decided["status"], "APPROVED");
    assert_eq!(
        decided["partner"],
        json!({ "name": "Ann Example", "email": "ann@example.com", "type": "REFERRAL" })
    );
    let welcome = latest_email(&app, 2).await;
    assert_eq!(welcome["kind"], "APPLICATION_APPROVED");
    assert!(welcome["text"].as_str().unwrap().contains("/portal/#code="));
    let (_, asked) = app.post(None, &ops[7], json!({})).await;
    assert_eq!(asked["data"]["requestPortalSignIn"], true);
    let sign_in = latest_email(&app, 3).await;
    assert_eq!(sign_in["kind"], "PORTAL_SIGN_IN");
    let ann = app
        .ok(&admin, "{ partners(first: 1) { nodes { id } } }", json!({}))
        .await["partners"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chose = app.ok(&app.partner_token(&ann), &ops[8], json!({})).await;
    assert_eq!(
        chose["updateEmailPreferences"],
        json!({ "commissionEarned": "DAILY", "payoutSent": true, "suppressed": false })
    );
    let sent = app.ok(&admin, &ops[9], json!({})).await;
    let kinds: Vec<&str> = sent["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "APPLICATION_CONFIRM",
            "APPLICATION_APPROVED",
            "PORTAL_SIGN_IN"
        ]
    );
}

async fn the_readmes_example_runs_as_written(app: TestApp) {
    let ops = operations("README.md");
    assert_eq!(ops.len(), 2);
    let partners = app.ok(&app.admin(), &ops[0], json!({})).await;
    assert_eq!(
        partners["viewer"],
        json!({ "role": "ADMIN", "tenantId": TENANT })
    );
    let simulated = app.ok(&app.admin(), &ops[1], json!({})).await;
    assert_eq!(simulated["simulatePartnerGroupRules"]["finalFee"], "74.98");
    assert_eq!(
        simulated["simulatePartnerGroupRules"]["effectivePercentage"],
        "25"
    );
}

async fn the_brands_attribution_path_earns_as_written(app: TestApp) {
    let ops = operations("docs/attribution.md");
    let admin = app.admin();
    let (campaign, partner) = offer_and_partner(&app, &ops).await;
    let ids = [
        ("CAMPAIGN_ID", campaign.as_str()),
        ("PARTNER_ID", partner.as_str()),
    ];
    let code = app.ok(&admin, &filled(&ops[2], &ids), json!({})).await;
    assert_eq!(code["createReferralCode"]["code"], "jane");
    // The visitor's link, as the guide's curl follows it.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(app.url(&format!("/r/{TENANT}/jane")))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let click = location
        .split_once("&click=")
        .map(|(_, click)| click.to_owned())
        .unwrap_or_else(|| panic!("{location}"));
    assert!(
        location.starts_with("https://acme.example/pricing?ref=jane&click="),
        "{location}"
    );
    let attributed = app
        .ok(&admin, &filled(&ops[3], &[("CLICK_ID", &click)]), json!({}))
        .await;
    assert_eq!(
        attributed["attributeCustomer"]["partner"]["name"],
        "Jane Doe"
    );
    let sale = app.ok(&admin, &ops[4], json!({})).await;
    assert_eq!(
        sale["recordEvent"]["commissions"],
        json!([{ "amount": "9.80", "status": "ACCRUED" }])
    );
    // The partner's path, with its own token.
    let token = app.partner_token(&partner);
    let made = app
        .ok(
            &token,
            op_with(&ops, "createReferralCode(input: {})"),
            json!({}),
        )
        .await;
    assert_eq!(text(&made["createReferralCode"]["code"]).len(), 8);
    let codes = app
        .ok(&token, op_with(&ops, "referralCodes { code"), json!({}))
        .await;
    assert_eq!(
        codes["viewer"]["partner"]["referralCodes"][0]["customers"],
        1
    );
    let customers = app
        .ok(&token, op_with(&ops, "{ customers {"), json!({}))
        .await;
    assert_eq!(
        customers["customers"]["nodes"][0]["email"],
        "b***@example.com"
    );
}

async fn the_ledgers_whole_path_runs_as_written(app: TestApp) {
    let ops = operations("docs/ledger.md");
    let admin = app.admin();
    let (campaign, partner) = offer_and_partner(&app, &ops).await;
    let charged = app
        .ok(
            &admin,
            &filled(&ops[2], &[("CAMPAIGN_ID", &campaign)]),
            json!({}),
        )
        .await;
    let commission = &charged["recordEvent"]["commissions"][0];
    assert_eq!(
        (
            &commission["amount"],
            &commission["status"],
            &commission["matureAt"]
        ),
        (
            &json!("74.98"),
            &json!("ACCRUED"),
            &json!("2026-02-14T12:00:00Z")
        )
    );
    let id = text(&commission["id"]);
    let approved = app
        .ok(
            &admin,
            &filled(&ops[3], &[("COMMISSION_ID", &id)]),
            json!({}),
        )
        .await;
    assert_eq!(approved["approveCommissions"][0]["status"], "APPROVED");
    let paid = app
        .ok(
            &admin,
            &filled(&ops[4], &[("COMMISSION_ID", &id)]),
            json!({}),
        )
        .await;
    assert_eq!(paid["markCommissionsPaid"][0]["amount"], "74.98");
    let refunded = app.ok(&admin, &ops[5], json!({})).await;
    assert_eq!(refunded["recordRefund"]["clawbacks"][0]["amount"], "-24.99");
    let seen = app
        .ok(&app.partner_token(&partner), &ops[6], json!({}))
        .await;
    assert_eq!(
        seen["viewer"]["partner"]["balance"],
        json!([{ "currency": "USD", "accrued": "0.00", "approved": "-24.99", "paid": "74.98" }])
    );
}

async fn the_tiers_guide_reaches_its_tier_as_written(app: TestApp) {
    let ops = operations("docs/tiers.md");
    let admin = app.admin();
    let (campaign, partner) = offer_and_partner(&app, &ops).await;
    let ids = [
        ("CAMPAIGN_ID", campaign.as_str()),
        ("PARTNER_ID", partner.as_str()),
    ];
    app.ok(&admin, &filled(&ops[2], &ids), json!({})).await;
    let sales = app.ok(&admin, &filled(&ops[3], &ids), json!({})).await["recordEvents"].clone();
    let tenth = &sales[9]["payload"]["commissions"][0];
    assert_eq!(
        (&tenth["amount"], &tenth["revenue"], &tenth["tier"]["name"]),
        (&json!("11.00"), &json!("14.10"), &json!("SilverCommission"))
    );
    assert_eq!(sales[0]["payload"]["commissions"][0]["amount"], "10.00");
    let rows = app.ok(&admin, &filled(&ops[4], &ids), json!({})).await;
    let adjustments: Vec<&Value> = rows["partner"]["commissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "ADJUSTMENT")
        .collect();
    assert_eq!(adjustments.len(), 9);
    assert!(
        adjustments
            .iter()
            .all(|a| a["amount"] == "5.00" && a["event"]["externalId"] == "sale-10")
    );
}

async fn the_portals_sign_in_link_is_made_as_written(app: TestApp) {
    let ops = operations("docs/portal.md");
    let partner = app.create_partner(json!({ "name": "Nia" })).await;
    let link = app
        .ok(
            &app.admin(),
            &filled(&ops[0], &[("PARTNER_ID", &partner)]),
            json!({}),
        )
        .await;
    assert!(text(&link["createPartnerPortalLink"]["url"]).contains("/portal/#code="));
}

async fn the_consoles_staff_link_is_made_and_spent_as_written(app: TestApp) {
    let ops = operations("docs/console.md");
    let link = app.ok(&app.admin(), &ops[0], json!({})).await;
    let url = text(&link["createStaffSignInLink"]["url"]);
    let code = url.strip_prefix("/admin/#code=").expect("a console link");
    let (_, body) = app
        .post(
            None,
            "mutation($c: String!) { redeemStaffSignInLink(code: $c) { email role } }",
            json!({ "c": code }),
        )
        .await;
    assert_eq!(
        body["data"]["redeemStaffSignInLink"],
        json!({ "email": "vi@acme.example", "role": "VIEWER" })
    );
}

async fn the_deals_guide_runs_as_written(app: TestApp) {
    let ops = operations("docs/deals.md");
    let admin = app.admin();
    let stages = app.ok(&admin, &ops[0], json!({})).await;
    let (qualified, proposal, won) = (
        text(&stages["qualified"]["id"]),
        text(&stages["proposal"]["id"]),
        text(&stages["won"]["id"]),
    );
    let partner = text(&app.ok(&admin, &ops[1], json!({})).await["createPartner"]["id"]);
    let ana = app
        .ok(
            &admin,
            &filled(&ops[2], &[("PARTNER_ID", &partner)]),
            json!({}),
        )
        .await;
    let ana = text(&ana["createContact"]["id"]);
    let mut ids = vec![
        ("QUALIFIED_ID", qualified.as_str()),
        ("PROPOSAL_ID", proposal.as_str()),
        ("WON_ID", won.as_str()),
        ("PARTNER_ID", partner.as_str()),
        ("ANA_ID", ana.as_str()),
    ];
    let plan = text(
        &app.ok(&admin, &filled(&ops[3], &ids), json!({})).await["createCommissionPlan"]["id"],
    );
    app.ok(&admin, &filled(&ops[4], &ids), json!({})).await;
    let simulated = app
        .ok(&admin, &filled(&ops[5], &[("PLAN_ID", &plan)]), json!({}))
        .await;
    assert_eq!(simulated["simulateCommissionPlan"]["total"], "390.00");
    let deal = text(&app.ok(&admin, &filled(&ops[6], &ids), json!({})).await["createDeal"]["id"]);
    ids.push(("DEAL_ID", deal.as_str()));
    app.ok(&admin, &filled(&ops[7], &ids), json!({})).await;
    let won_answer = app.ok(&admin, &filled(&ops[8], &ids), json!({})).await;
    let amounts: Vec<&Value> = won_answer["moveDeal"]["commissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["amount"])
        .collect();
    assert_eq!(amounts, [&json!("1200.00"), &json!("500.00")]);
    // Three payments: the guide's first, and "pay-2, pay-3 alike".
    for n in 1..=3 {
        let payment =
            filled(&ops[9], &ids).replace("deal-1001-pay-1", &format!("deal-1001-pay-{n}"));
        let paid = app.ok(&admin, &payment, json!({})).await;
        assert_eq!(
            paid["recordDealPayment"]["commissions"][0]["amount"],
            "80.00"
        );
    }
    let refunded = app.ok(&admin, &ops[10], json!({})).await;
    assert_eq!(
        refunded["recordRefund"]["reversed"][0]["status"],
        "REVERSED"
    );
    let token = app.partner_token(&partner);
    let view = app.ok(&token, &ops[11], json!({})).await;
    assert_eq!(
        view["viewer"]["partner"]["balance"][0]["accrued"],
        "1860.00"
    );

    // A deal the partner registers, once "Closed won" wins.
    let is_won = format!(
        "mutation {{ updateDealStage(id: \"{won}\", input: {{ isWon: true }}) {{ isWon }} }}"
    );
    app.ok(&admin, &is_won, json!({})).await;
    let registered = app.ok(&token, &ops[12], json!({})).await["registerDeal"].clone();
    assert_eq!(registered["registration"], "PENDING");
    let globex = text(&registered["id"]);
    let queue = app.ok(&admin, &ops[13], json!({})).await;
    assert_eq!(queue["deals"]["nodes"][0]["companyDomain"], "globex.com");
    let ids = [("DEAL_ID", globex.as_str()), ("WON_ID", won.as_str())];
    app.ok(&admin, &filled(&ops[14], &ids), json!({})).await;
    let moved = app.ok(&admin, &filled(&ops[15], &ids), json!({})).await["moveDeal"].clone();
    assert_eq!(moved["deal"]["status"], "WON");
    assert_eq!(moved["commissions"][0]["amount"], "500.00");
    let commission = text(&moved["commissions"][0]["id"]);
    let paid_ids = [("COMMISSION_ID", commission.as_str())];
    app.ok(&admin, &filled(&ops[16], &paid_ids), json!({}))
        .await;
    app.ok(&admin, &filled(&ops[17], &paid_ids), json!({}))
        .await;
    let deals = app.ok(&token, &ops[18], json!({})).await;
    let globex_row = deals["deals"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Globex expansion")
        .unwrap()
        .clone();
    assert_eq!(globex_row["commissions"]["nodes"][0]["status"], "PAID");
}

async fn the_fraud_guides_policy_and_review_run_as_written(app: TestApp) {
    let ops = operations("docs/fraud.md");
    assert_eq!(ops.len(), 3);
    let admin = app.admin();
    let set = app.ok(&admin, &ops[0], json!({})).await;
    assert_eq!(
        set["setFraudPolicy"][3],
        json!({ "signal": "CLICK_SPAM", "action": "HOLD", "threshold": "50" })
    );
    assert_eq!(set["setFraudPolicy"][2]["action"], "OFF");
    // Two partners paid to one account: a flag on each, holding.
    for name in ["Ola", "Pim"] {
        let partner = app.create_partner(json!({ "name": name })).await;
        app.ok(
            &admin,
            "mutation($p: ID!) { setPayoutMethod(input: { partnerId: $p, type: PAYPAL, paypalEmail: \"shared@example.com\" }) { type } }",
            json!({ "p": partner }),
        )
        .await;
    }
    let queue = app.ok(&admin, &ops[1], json!({})).await;
    let flags = queue["fraudFlags"]["nodes"].as_array().unwrap();
    assert_eq!(flags.len(), 2);
    assert_eq!(flags[0]["signal"], "SHARED_PAYOUT_ACCOUNT");
    let id = text(&flags[0]["id"]);
    let resolved = app
        .ok(&admin, &filled(&ops[2], &[("FLAG_ID", &id)]), json!({}))
        .await;
    assert_eq!(resolved["resolveFraudFlag"]["status"], "CONFIRMED");
    assert_eq!(resolved["resolveFraudFlag"]["decidedBy"], "admin-of-acme");
}

/// The ```json block after `heading`'s first ```graphql block, parsed.
fn answer_of(path: &str) -> Value {
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let start = text.find("```json\n").unwrap() + "```json\n".len();
    let end = start + text[start..].find("```").unwrap();
    serde_json::from_str(&text[start..end]).unwrap()
}

async fn the_backtesting_guide_answers_as_written(app: TestApp) {
    let ops = operations("docs/backtesting.md");
    assert_eq!(ops.len(), 2);
    let ten = json!([{ "recurring": { "percentage": "10" } }]);
    let gold = app.create_group("Gold", ten.clone()).await;
    let silver = app.create_group("Silver", ten).await;
    let record =
        "mutation($input: RecordEventInput!) { recordEvent(input: $input) { event { id } } }";
    let admin = app.admin();
    let mut sales = Vec::new();
    for (name, group, id, amount, at) in [
        ("Ada", &gold, "a1", "100", "2026-10-05T10:00:00Z"),
        ("Ada", &gold, "a2", "200", "2026-10-20T10:00:00Z"),
        ("Ada", &gold, "a3", "100", "2026-11-02T10:00:00Z"),
        ("Bo", &gold, "b1", "50", "2026-10-10T10:00:00Z"),
        ("Cy", &silver, "c1", "80", "2026-10-11T10:00:00Z"),
    ] {
        let partner = match sales.iter().find(|(n, _)| *n == name) {
            Some((_, id)) => String::clone(id),
            None => {
                let id = app
                    .create_partner(json!({ "name": name, "groupId": group }))
                    .await;
                sales.push((name, id.clone()));
                id
            }
        };
        let input = json!({ "externalId": id, "partnerId": partner, "customerExternalId": format!("c-{id}"), "amount": amount, "occurredAt": at });
        app.ok(&admin, record, json!({ "input": input })).await;
    }
    app.ok(
        &admin,
        "mutation { recordRefund(input: { eventExternalId: \"b1\", amount: \"20\" }) { event { id } } }",
        json!({}),
    )
    .await;
    let started = app
        .ok(&admin, &filled(&ops[0], &[("GROUP_ID", &gold)]), json!({}))
        .await["startBacktest"]
        .clone();
    let mut shown = started.clone();
    shown.as_object_mut().unwrap().remove("id");
    assert_eq!(shown, answer_of("docs/backtesting.md"));
    let read = app
        .ok(
            &admin,
            &filled(&ops[1], &[("BACKTEST_ID", &text(&started["id"]))]),
            json!({}),
        )
        .await;
    assert_eq!(read["backtest"]["status"], "DONE");
    assert_eq!(
        read["backtest"]["totals"],
        json!([{ "currency": "USD", "difference": "16.50" }])
    );
}

async fn the_importing_guide_runs_as_written(app: TestApp) {
    let ops = operations("docs/importing.md");
    let admin = app.admin();
    let started = app.ok(&admin, &ops[0], json!({})).await;
    assert_eq!(started["startImport"]["status"], "RUNNING");
    let id = text(&started["startImport"]["id"]);
    let within = std::time::Duration::from_secs(30);
    let import = crate::support::imports::ended_as(&app, &ops[1], &id, within, async || {}).await;
    assert_eq!(
        import,
        json!({ "status": "DONE", "progress": 1.0,
          "counts": { "partners": 2, "codes": 3, "customers": 1, "commissions": 3, "skipped": 0, "unchanged": 0 },
          "problems": { "nodes": [
            { "entity": "customer", "externalId": "ref-2",
              "reason": "has no Stripe customer: nothing it pays can be tied to its partner" } ] } })
    );
    let imported = app.ok(&admin, &ops[2], json!({})).await;
    assert_eq!(
        imported["partners"],
        json!({ "nodes": [{ "name": "Jane Doe", "externalId": "csv:aff-1", "status": "ACTIVE",
          "balance": [{ "currency": "USD", "accrued": "0.00", "approved": "30.00", "paid": "30.00" }] }] })
    );
}

/// docs/tax.md's payer, year and CSV, on a program with one partner paid
/// 2,000.00 in 2026 under an approved W-9.
async fn the_tax_guide_runs_as_written(app: TestApp) {
    let all = operations("docs/tax.md");
    assert_eq!(all.len(), 4);
    let decide_again = all
        .iter()
        .find(|op| op.contains("decideTaxProfile"))
        .unwrap()
        .clone();
    let ops: Vec<String> = all
        .into_iter()
        .filter(|op| !op.contains("decideTaxProfile"))
        .collect();
    let admin = app.admin();
    let ada = app
        .create_partner(json!({ "name": "Ada", "email": "ada@example.com" }))
        .await;
    app.ok(
        &admin,
        "mutation($p: ID!) { submitTaxProfile(input: { partnerId: $p, form: W9, country: \"US\", taxId: \"123-45-6789\", \
           tinType: SSN, legalName: \"Ada Lovelace\", classification: INDIVIDUAL, \
           address: { line1: \"1 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { status } }",
        json!({ "p": ada }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }",
        json!({ "p": ada }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($p: ID!) { addTaxPayment(input: { partnerId: $p, amount: \"2000.00\", paidOn: \"2026-03-01\", note: \"cheque\" }) { amount } }",
        json!({ "p": ada }),
    )
    .await;
    let payer = app.ok(&admin, &ops[0], json!({})).await;
    assert_eq!(
        payer["updateTenant"]["taxPayer"],
        json!({ "legalName": "Acme Partners Inc.", "tinLast4": "6789" })
    );
    let year = app.ok(&admin, &ops[1], json!({})).await["taxYear"].clone();
    assert_eq!(year["threshold"], "2000.00");
    assert_eq!(year["status"], "OPEN");
    assert_eq!(
        year["totals"],
        json!({ "payees": 1, "reportable": 1, "amount": "2000.00", "withheld": "0.00" })
    );
    assert_eq!(year["payees"]["nodes"][0]["name"], "Ada Lovelace");
    assert_eq!(year["payees"]["nodes"][0]["status"], "REPORTABLE");
    // 2026's forms are issued from 1 January 2027: no file yet.
    let files = app.ok(&admin, &ops[2], json!({})).await;
    assert_eq!(files["taxFormsCsv"], json!([]));
    // Ada sends a new W-9: it waits until staff approve it by its id.
    let sent = app
        .ok(
            &app.partner_token(&ada),
            "mutation($p: ID!) { submitTaxProfile(input: { partnerId: $p, form: W9, country: \"US\", taxId: \"234-56-7890\", \
               tinType: SSN, legalName: \"Ada Lovelace\", classification: INDIVIDUAL, \
               address: { line1: \"2 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { submissionId } }",
            json!({ "p": ada }),
        )
        .await;
    let submission = sent["submitTaxProfile"]["submissionId"].as_str().unwrap();
    let decided = app
        .ok(
            &admin,
            &filled(
                &decide_again,
                &[("PARTNER_ID", &ada), ("SUBMISSION_ID", submission)],
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        decided["decideTaxProfile"],
        json!({ "submissionId": submission, "status": "APPROVED", "taxIdLast4": "7890" })
    );
}

async fn the_links_guide_runs_as_written(app: TestApp) {
    let ops = operations("docs/links.md");
    assert_eq!(ops.len(), 6);
    let admin = app.admin();
    let domains = app.ok(&admin, &ops[0], json!({})).await;
    assert_eq!(
        domains["updateTenant"]["linkDomains"],
        json!(["go.acme.com"])
    );
    // Pending until its record is found: then the guide's look-up.
    let proofs = app.ok(&admin, &ops[1], json!({})).await;
    let proof = &proofs["viewer"]["tenant"]["linkDomainProofs"][0];
    assert_eq!(proof["status"], "PENDING");
    assert_eq!(proof["recordType"], "TXT");
    assert_eq!(proof["recordName"], "_revshare-challenge.go.acme.com");
    crate::support::dns::Dns::get().publish(
        proof["recordName"].as_str().unwrap(),
        proof["recordValue"].as_str().unwrap(),
    );
    let verified = app.ok(&admin, &ops[2], json!({})).await;
    assert_eq!(verified["verifyLinkDomain"]["status"], "VERIFIED");
    let jane = app.create_partner(json!({ "name": "Jane Doe" })).await;
    let group = app
        .ok(
            &admin,
            "query($id: ID!) { partner(id: $id) { group { id } } }",
            json!({ "id": jane }),
        )
        .await["partner"]["group"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let settings = app
        .ok(&admin, &filled(&ops[3], &[("GROUP_ID", &group)]), json!({}))
        .await;
    assert_eq!(
        settings["updatePartnerGroup"]["links"],
        json!({
            "destination": "https://acme.example/",
            "allowedDomains": ["docs.acme.example"],
            "maxPartnerLinks": 5,
            "param": "via",
            "utm": { "source": "partners", "medium": "affiliate", "campaign": "{partner}" }
        })
    );
    let made = app.ok(&app.partner_token(&jane), &ops[4], json!({})).await;
    assert_eq!(made["createPartnerLink"]["key"], "jane-docs");
    assert_eq!(
        made["createPartnerLink"]["shortUrl"],
        "https://go.acme.com/jane-docs"
    );
    assert_eq!(
        made["createPartnerLink"]["url"],
        "https://docs.acme.example/start"
    );
    // The redirect, as the guide shows it.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(app.url("/jane-docs?gclid=abc"))
        .header("host", "go.acme.com")
        .header(
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let click = location
        .split("click=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        location,
        format!(
            "https://docs.acme.example/start?via=jane-docs&click={click}&gclid=abc\
             &utm_source=partners&utm_medium=affiliate&utm_campaign=jane-docs"
        )
    );
    let read = app
        .ok(
            &admin,
            &filled(&ops[5], &[("PARTNER_ID", &jane)]),
            json!({}),
        )
        .await;
    assert_eq!(read["partner"]["links"]["nodes"][0]["key"], "jane-docs");
    assert_eq!(
        read["partner"]["linkStats"].as_array().unwrap().len(),
        30,
        "every day of November"
    );
}

async fn the_engagement_guide_pays_a_referrer_and_caps_as_written(app: TestApp) {
    let ops = operations("docs/engagement.md");
    assert_eq!(ops.len(), 7);
    let admin = app.admin();
    let ambassadors = app
        .create_group(
            "Ambassadors",
            json!([{ "recurring": { "percentage": 20 } }]),
        )
        .await;
    let affiliates = app
        .create_group("Affiliates", json!([{ "recurring": { "percentage": 30 } }]))
        .await;
    let rule = app
        .ok(
            &admin,
            &filled(&ops[0], &[("AMBASSADORS_ID", &ambassadors)]),
            json!({}),
        )
        .await;
    assert_eq!(
        rule["updatePartnerGroup"]["referral"],
        json!({ "trigger": "COMMISSION", "percentage": "10", "maxMonths": 12 })
    );
    let jane = app
        .create_partner(json!({ "name": "Jane", "groupId": ambassadors }))
        .await;
    let sam = app
        .create_partner(json!({ "name": "Sam", "groupId": affiliates }))
        .await;
    let ids = [("RECRUIT_ID", sam.as_str()), ("REFERRER_ID", jane.as_str())];
    let set = app.ok(&admin, &filled(&ops[1], &ids), json!({})).await;
    assert_eq!(set["setReferrer"]["referredBy"]["name"], "Jane");
    app.ok(
        &admin,
        "mutation($p: ID!) { recordEvent(input: { externalId: \"o-1\", partnerId: $p, customerExternalId: \"c-1\", amount: \"250.00\" }) { commissions { amount } } }",
        json!({ "p": sam }),
    )
    .await;
    let recruits = app
        .ok(&app.partner_token(&jane), &filled(&ops[2], &ids), json!({}))
        .await;
    assert_eq!(recruits["partner"]["recruits"][0]["name"], "Sam");
    assert_eq!(
        recruits["partner"]["recruits"][0]["earned"],
        json!([{ "amount": "7.50", "currency": "USD" }])
    );
    let cap = app
        .ok(
            &admin,
            &filled(&ops[3], &[("AMBASSADORS_ID", &ambassadors)]),
            json!({}),
        )
        .await;
    assert_eq!(
        cap["updatePartnerGroup"]["cap"],
        json!({ "amount": "500", "currency": "USD", "period": "MONTH", "per": "PARTNER" })
    );

    // Bounties: Sam (30 %) reaches 20.00 of commissions on 100.00 of sales.
    let creators = [("CREATORS_ID", affiliates.as_str())];
    let made = app.ok(&admin, &filled(&ops[4], &creators), json!({})).await;
    assert_eq!(
        made["createBounty"]["goal"],
        json!({ "metric": "COMMISSION_AMOUNT", "value": "20.00" })
    );
    let bounty = made["createBounty"]["id"].as_str().unwrap().to_owned();
    app.ok(
        &admin,
        "mutation($p: ID!) { recordEvent(input: { externalId: \"o-2\", partnerId: $p, customerExternalId: \"c-2\", amount: \"100.00\" }) { commissions { amount } } }",
        json!({ "p": sam }),
    )
    .await;
    // The reward is written after the sale commits.
    crate::support::sales::reacted(&app).await;
    let sams = app.partner_token(&sam);
    let bounty_id = [("BOUNTY_ID", bounty.as_str())];
    let progress = app.ok(&sams, &filled(&ops[5], &bounty_id), json!({})).await;
    // 75.00 (o-1) + 30.00: reached, on the sale that crossed 20.00.
    assert_eq!(progress["bounty"]["progress"]["value"], "105.00");
    assert_eq!(progress["bounty"]["progress"]["reached"], true);
    let work = app
        .ok(
            &admin,
            "mutation($g: ID!) { createBounty(input: { name: \"Review\", groupIds: [$g], type: SUBMISSION, reward: { amount: \"40.00\", currency: \"USD\" }, startsAt: \"2026-01-01T00:00:00Z\" }) { id } }",
            json!({ "g": affiliates }),
        )
        .await;
    let work_id = [("BOUNTY_ID", work["createBounty"]["id"].as_str().unwrap())];
    let submitted = app.ok(&sams, &filled(&ops[6], &work_id), json!({})).await;
    assert_eq!(submitted["submitBounty"]["status"], "SUBMITTED");
}

async fn the_messages_guide_runs_as_written(app: TestApp) {
    let ops = operations("docs/messages.md");
    assert_eq!(ops.len(), 9);
    let admin = app.admin();
    let group = app
        .create_group("Partners", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let jane = app
        .create_partner(
            json!({ "name": "Jane Doe", "groupId": group, "tags": ["vip"], "country": "DE" }),
        )
        .await;
    let own = app.partner_token(&jane);
    let sent = app
        .ok(
            &admin,
            &filled(&ops[0], &[("PARTNER_ID", &jane)]),
            json!({}),
        )
        .await;
    assert_eq!(sent["sendMessage"]["from"], "STAFF");
    assert_eq!(sent["sendMessage"]["readAt"], Value::Null);
    let mine = app.ok(&own, &ops[1], json!({})).await;
    assert_eq!(mine["viewer"]["unreadMessages"], 1);
    assert_eq!(
        mine["viewer"]["partner"]["messages"]["edges"][0]["node"]["body"],
        "Hi Jane, your payout goes out on Friday."
    );
    let reply = app.ok(&own, &ops[2], json!({})).await;
    assert_eq!(reply["sendMessage"]["from"], "PARTNER");
    let reply = reply["sendMessage"]["id"].as_str().unwrap().to_owned();
    let inbox = app.ok(&admin, &ops[3], json!({})).await;
    assert_eq!(inbox["messageThreads"]["totalCount"], 1);
    assert_eq!(inbox["messageThreads"]["edges"][0]["node"]["unread"], 1);
    let read = app
        .ok(
            &admin,
            &filled(&ops[4], &[("PARTNER_ID", &jane), ("MESSAGE_ID", &reply)]),
            json!({}),
        )
        .await;
    assert_eq!(read["markMessagesRead"], 1);
    // Jane earned 100.00 USD: she is the audience.
    crate::support::sales::record(
        &app,
        json!({ "externalId": "s-1", "partnerId": jane, "customerExternalId": "c-1", "amount": "1000.00" }),
    )
    .await;
    let broadcast = app.ok(&admin, &ops[5], json!({})).await;
    assert_eq!(
        broadcast["createBroadcast"],
        json!({ "id": broadcast["createBroadcast"]["id"], "status": "SENT", "recipients": 1, "delivered": 1, "read": 0 })
    );
    let workflow = app.ok(&admin, &ops[6], json!({})).await;
    assert_eq!(workflow["createWorkflow"]["enabled"], true);
    // Ten sales from when the workflow is made: the one before it does not
    // count, and the tenth sets it off, after the sale commits.
    for i in 2..=10 {
        crate::support::sales::record(
            &app,
            json!({ "externalId": format!("s-{i}"), "partnerId": jane, "customerExternalId": format!("c-{i}"), "amount": "10.00" }),
        )
        .await;
    }
    crate::support::sales::reacted(&app).await;
    let runs = app.ok(&admin, &ops[7], json!({})).await;
    assert_eq!(
        runs["workflows"]["edges"][0]["node"]["runs"]["edges"],
        json!([]),
        "nine sales since it began"
    );
    {
        let i = 11;
        crate::support::sales::record(
            &app,
            json!({ "externalId": format!("s-{i}"), "partnerId": jane, "customerExternalId": format!("c-{i}"), "amount": "10.00" }),
        )
        .await;
    }
    crate::support::sales::reacted(&app).await;
    let runs = app.ok(&admin, &ops[7], json!({})).await;
    let run = &runs["workflows"]["edges"][0]["node"]["runs"]["edges"][0]["node"];
    assert_eq!(run["partner"]["name"], "Jane Doe");
    assert_eq!(
        run["outcomes"],
        json!([
            { "action": "SEND_MESSAGE", "done": true, "detail": run["outcomes"][0]["detail"] },
            { "action": "ADD_TAG", "done": true, "detail": "tagged \"gold\"" },
            { "action": "PAY_BONUS", "done": true, "detail": run["outcomes"][2]["detail"] },
        ])
    );
    // Each action in the activity log, the workflow its actor.
    let log = app.ok(&admin, &ops[8], json!({})).await;
    let entries = log["activity"]["nodes"].as_array().unwrap();
    let said: Vec<Value> = entries
        .iter()
        .map(|e| json!([e["actor"]["kind"], e["actor"]["name"], e["action"]]))
        .collect();
    assert_eq!(
        said,
        [
            json!(["WORKFLOW", "Ten sales", "sendMessage"]),
            json!(["WORKFLOW", "Ten sales", "addTag"]),
            json!(["WORKFLOW", "Ten sales", "payBonus"]),
        ]
    );
    assert_eq!(
        entries[1]["changes"],
        json!([{ "field": "tags", "before": "vip", "after": "vip, gold" }])
    );
    assert_eq!(
        entries[2]["changes"],
        json!([{ "field": "amount", "before": null, "after": "50.00 USD" }])
    );
}

async fn the_levers_guide_pays_a_retainer_as_written(app: TestApp) {
    let ops = operations("docs/levers.md");
    assert_eq!(ops.len(), 19);
    let admin = app.admin();
    let creators = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let sam = app
        .create_partner(json!({ "name": "Sam", "groupId": creators }))
        .await;
    // The program's zone is UTC: today there, and its midnight.
    let today = chrono::Utc::now().date_naive();
    let filled_in = [
        ("PARTNER_ID", sam.as_str()),
        ("STARTS_ON", &today.to_string()),
    ];
    let made = app
        .ok(&admin, &filled(&ops[0], &filled_in), json!({}))
        .await["createRetainer"]
        .clone();
    assert_eq!(made["status"], "ACTIVE");
    assert_eq!(
        made["summary"],
        format!("250.00 EUR monthly from {today}, 6 periods")
    );
    let second = today.checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(made["nextDueAt"], format!("{second}T00:00:00Z"));
    let seen = app.ok(&app.partner_token(&sam), &ops[1], json!({})).await;
    assert_eq!(
        seen["viewer"]["partner"]["retainers"],
        json!([{ "name": "Creator stipend", "status": "ACTIVE", "cadence": "MONTHLY",
                 "nextDueAt": made["nextDueAt"], "amount": { "amount": "250.00", "currency": "EUR" } }])
    );
    // Its first period, paid as it was made.
    let rows = app
        .ok(&admin, &filled(&ops[2], &filled_in), json!({}))
        .await;
    assert_eq!(
        rows["commissions"]["nodes"],
        json!([{ "kind": "RETAINER", "amount": "250.00", "currency": "EUR",
                 "accruedAt": format!("{today}T00:00:00Z"), "status": "ACCRUED",
                 "retainerPeriod": { "retainer": { "name": "Creator stipend" }, "number": 1,
                                     "startsOn": today.to_string(), "endsOn": second.pred_opt().unwrap().to_string() } }])
    );
    let id = made["id"].as_str().unwrap();
    let paused = app
        .ok(&admin, &filled(&ops[3], &[("RETAINER_ID", id)]), json!({}))
        .await;
    assert_eq!(
        paused["pauseRetainer"],
        json!({ "status": "PAUSED", "nextDueAt": null })
    );
    let ended = app
        .ok(&admin, &filled(&ops[4], &[("RETAINER_ID", id)]), json!({}))
        .await;
    assert_eq!(ended["endRetainer"]["status"], "ENDED");

    // Traffic that earns nothing: the group's listed domains, the
    // campaign's search engines; a visit from chatgpt.com lands named by
    // nobody and is counted as ignored.
    let set = app
        .ok(
            &admin,
            &filled(&ops[5], &[("GROUP_ID", &creators)]),
            json!({}),
        )
        .await;
    assert_eq!(
        set["updatePartnerGroup"]["trafficSources"],
        json!({ "ignoreSearchEngines": false, "ignoredDomains": ["chatgpt.com", "perplexity.ai"] })
    );
    let campaign = app
        .ok(&admin, "{ campaigns { nodes { id } } }", json!({}))
        .await["campaigns"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = app
        .ok(
            &admin,
            &filled(&ops[6], &[("CAMPAIGN_ID", &campaign)]),
            json!({}),
        )
        .await;
    assert_eq!(
        set["updateCampaign"]["trafficSources"],
        json!({ "ignoreSearchEngines": true, "ignoredDomains": [] })
    );
    app.ok(
        &admin,
        "mutation($id: ID!) { updatePartnerGroup(id: $id, input: { links: { destination: \"https://acme.example/\" } }) { id } }",
        json!({ "id": creators }),
    )
    .await;
    let link = app
        .ok(
            &admin,
            "mutation($p: ID!) { createPartnerLink(input: { partnerId: $p, key: \"sam\" }) { id } }",
            json!({ "p": sam }),
        )
        .await["createPartnerLink"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, location, _) = crate::support::links::visit_on(
        &app,
        "localhost",
        reqwest::Method::GET,
        &format!("/l/{}/sam?plan=pro", TENANT),
        &[
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            ),
            ("referer", "https://www.chatgpt.com/"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (302, Some("https://acme.example/?plan=pro"))
    );
    let range = [
        ("LINK_ID", link.as_str()),
        ("FROM", &today.pred_opt().unwrap().to_string()),
        ("TO", &today.succ_opt().unwrap().to_string()),
    ];
    let mut read = Value::Null;
    for _ in 0..400 {
        read = app.ok(&admin, &filled(&ops[7], &range), json!({})).await["node"].clone();
        if read["ignoredClicks"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        read,
        json!({ "clicks": 0, "ignoredClicks": 1, "stats": [{ "value": "LISTED_DOMAIN", "clicks": 1 }] })
    );

    // A bounty for a tag, 30 days from each partner's join; raised, then
    // ended.
    let bounty = app.ok(&admin, &ops[8], json!({})).await["createBounty"].clone();
    assert_eq!(bounty["partnerTags"], json!(["new-creator"]));
    assert_eq!(bounty["windowDays"], 30);
    assert_eq!(bounty["open"], true);
    let bounty_id = bounty["id"].as_str().unwrap();
    let raised = app
        .ok(
            &admin,
            &filled(&ops[9], &[("BOUNTY_ID", bounty_id)]),
            json!({}),
        )
        .await;
    assert_eq!(
        raised["updateBounty"],
        json!({ "reward": { "amount": "75.00", "currency": "USD" },
                "partnerTags": ["new-creator", "vip"], "windowDays": 30 })
    );
    let ended = app
        .ok(
            &admin,
            &filled(&ops[10], &[("BOUNTY_ID", bounty_id)]),
            json!({}),
        )
        .await;
    assert!(ended["endBounty"]["endedAt"].is_string());
    assert_eq!(ended["endBounty"]["open"], false);

    // Trusted partners and the digest.
    let trusted = app
        .ok(
            &admin,
            &filled(&ops[11], &[("PARTNER_ID", &sam)]),
            json!({}),
        )
        .await;
    assert_eq!(
        trusted["setPartnerTrusted"],
        json!({ "id": sam, "trusted": true })
    );
    let digest = app.ok(&admin, &ops[12], json!({})).await;
    assert_eq!(
        digest["updateTenant"]["fraudDigest"],
        json!({ "recipients": ["risk@acme.example", "ops@acme.example"], "hour": 8 })
    );

    // An announcement for Sam's group, shown to him until he dismisses it.
    let made = app
        .ok(
            &admin,
            &filled(&ops[13], &[("GROUP_ID", &creators)]),
            json!({}),
        )
        .await["createAnnouncement"]
        .clone();
    assert_eq!(made["groupIds"], json!([creators]));
    assert_eq!(made["endsAt"], Value::Null);
    assert_eq!(made["dismissals"], 0);
    let id = made["id"].as_str().unwrap();
    let token = app.partner_token(&sam);
    let shown = app.ok(&token, &ops[14], json!({})).await;
    assert_eq!(
        shown["viewer"]["partner"]["announcements"],
        json!([{ "id": id, "title": "Spring launch",
                 "body": "New plans are live.\nTell your audience before Friday.",
                 "link": "https://acme.example/spring", "dismissed": false }])
    );
    let dismissed = app
        .ok(
            &token,
            &filled(&ops[15], &[("ANNOUNCEMENT_ID", id)]),
            json!({}),
        )
        .await;
    assert_eq!(
        dismissed["dismissAnnouncement"],
        json!({ "id": id, "dismissed": true })
    );
    let shown = app.ok(&token, &ops[14], json!({})).await;
    assert_eq!(shown["viewer"]["partner"]["announcements"], json!([]));

    // A brand guide for Sam's group and a tagline for everyone; Sam lists
    // both (the text first: it has no section) and downloads the guide.
    let pdf = crate::support::files::pdf(1_000);
    let encoded = crate::support::files::b64(&pdf);
    let guide = app
        .ok(
            &admin,
            &filled(
                &ops[16],
                &[("GROUP_ID", &creators), ("PDF_BASE64", &encoded)],
            ),
            json!({}),
        )
        .await["createResource"]
        .clone();
    let guide_id = guide["id"].as_str().unwrap();
    assert_eq!(
        guide,
        json!({ "id": guide_id, "kind": "PDF", "title": "Brand guide", "section": "Guides",
                "position": 1, "groupIds": [creators], "filename": "brand-guide.pdf",
                "contentType": "application/pdf", "size": 1000,
                "url": format!("/resources/{guide_id}/brand-guide.pdf") })
    );
    let tagline = app.ok(&admin, &ops[17], json!({})).await["createResource"].clone();
    assert_eq!(tagline["url"], Value::Null);
    assert_eq!(tagline["text"], "Acme: pay once, grow forever.");
    let listed = app.ok(&token, &ops[18], json!({})).await;
    assert_eq!(
        listed["resources"],
        json!({ "totalCount": 2, "nodes": [
            { "id": tagline["id"], "kind": "TEXT", "title": "Tagline", "section": null,
              "filename": null, "size": null, "url": null, "text": "Acme: pay once, grow forever." },
            { "id": guide_id, "kind": "PDF", "title": "Brand guide", "section": "Guides",
              "filename": "brand-guide.pdf", "size": 1000, "url": guide["url"], "text": null } ] })
    );
    let got = app
        .client
        .get(app.url(guide["url"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf);
}
