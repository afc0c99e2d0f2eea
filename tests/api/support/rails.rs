//! Paying by API through a rail: the app's options for it, configuring
//! PayPal, a partner with earnings, a payout run, and a payout followed to
//! its status.

use crate::helpers::TestApp;
use crate::support::paypal::{CLIENT_ID, CLIENT_SECRET, WEBHOOK_ID};
use revshare::http::Options;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Rails reach local servers (private addresses), seal with a data key,
/// read back every second.
pub(crate) fn options() -> Options {
    let mut options = crate::support::receiver::loopback();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options.payout_poll = Duration::from_secs(1);
    options.public_url = Some(Arc::from("https://partners.example.com"));
    options
}

pub(crate) const CONFIGURE: &str = "mutation($input: ConfigurePayoutRailInput!) { configurePayoutRail(input: $input) { rail mode baseUrl credentialHint webhookUrl configuredBy } }";

pub(crate) const SEND: &str = "mutation($input: SendPayoutsInput!) { sendPayouts(input: $input) { id status payouts { id status railStatus } } }";

pub(crate) const PAYOUT: &str = "query($id: ID!) { node(id: $id) { ... on Payout { id status amount currency reference rail railStatus railReference railError paidAt failureReason commissions { nodes { id status payoutId } } } } }";

pub(crate) async fn configure_paypal(app: &TestApp, base: &str) -> Value {
    app.ok(
        &app.admin(),
        CONFIGURE,
        json!({ "input": { "rail": "PAYPAL_PAYOUTS", "mode": "SANDBOX", "baseUrl": base,
            "credentials": { "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "webhookId": WEBHOOK_ID } } }),
    )
    .await["configurePayoutRail"]
        .clone()
}

/// A partner with an address, at 10 %.
pub(crate) async fn partner(app: &TestApp, name: &str) -> String {
    let group = app
        .create_group(
            &format!("{name} group"),
            json!([{ "recurring": { "percentage": 10 } }]),
        )
        .await;
    app.create_partner(json!({ "name": name, "email": format!("{}@example.com", name.to_lowercase()), "groupId": group }))
        .await
}

/// Approved commissions of a tenth of each sale (`(amount, campaign)`: a
/// campaign in euros, or the default one in dollars).
pub(crate) async fn earned(
    app: &TestApp,
    partner: &str,
    key: &str,
    sales: &[(&str, Option<&str>)],
) -> Vec<String> {
    let mut ids = Vec::new();
    for (n, (amount, campaign)) in sales.iter().enumerate() {
        let mut input = crate::support::sales::sale_input(partner, &format!("{key}-{n}"), amount);
        input["occurredAt"] = json!("2026-01-10T12:00:00Z");
        if let Some(campaign) = campaign {
            input["campaignId"] = json!(campaign);
            input["currency"] = json!("EUR");
        }
        ids.push(crate::support::sales::commission_id(app, input).await);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    crate::support::payouts::approve(app, &refs).await;
    ids
}

pub(crate) async fn payout(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), PAYOUT, json!({ "id": id })).await["node"].clone()
}

/// Waits (up to 30 s) until the payout's rail status is `status`.
pub(crate) async fn until(app: &TestApp, id: &str, status: &str) -> Value {
    let within = Duration::from_secs(30);
    let now = crate::support::wait::last_of(
        within,
        async || payout(app, id).await,
        |now| now["railStatus"] == status,
    )
    .await;
    if now["railStatus"] == status {
        return now;
    }
    let row = {
        use sea_orm::EntityTrait;
        entity::payout::Entity::find_by_id(id.to_owned())
            .one(app.db.conn())
            .await
            .unwrap()
    };
    panic!("payout {id} never became {status}: {now}\n{row:?}");
}

pub(crate) fn payout_of<'a>(run: &'a Value, partner: &str) -> &'a str {
    run["payouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"]["id"] == partner)
        .and_then(|p| p["id"].as_str())
        .expect("the partner's payout")
}

const RUN: &str = "mutation($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { id payouts { id amount currency partner { id name } method { type } } } }";

pub(crate) async fn run(app: &TestApp) -> Value {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    app.ok(
        &app.service("commissions:write"),
        RUN,
        json!({ "input": { "periodEnd": today } }),
    )
    .await["createPayoutRun"]
        .clone()
}

pub(crate) const CONNECT: &str = "mutation($p: ID) { createConnectOnboardingLink(partnerId: $p) }";

/// A partner paid through its Stripe Express account, at 10 %.
pub(crate) async fn connected(
    app: &TestApp,
    stripe: &crate::support::stripe::SharedStripe,
    name: &str,
) -> String {
    let id = partner(app, name).await;
    app.ok(&app.partner_token(&id), CONNECT, json!({})).await;
    let mut account = stripe.lock().unwrap().accounts.last().unwrap().clone();
    account["payouts_enabled"] = json!(true);
    let updated =
        crate::support::stripe::stripe_event(&format!("evt_{name}"), "account.updated", account);
    assert_eq!(
        crate::support::stripe::deliver_stripe(
            app,
            &updated,
            crate::support::stripe::WEBHOOK_SECRET
        )
        .await
        .0,
        200
    );
    id
}

/// Sends `run` through Stripe Connect while Stripe fails every try:
/// no transfer is made, and the payout `payout_id` waits, pending, with
/// its error — for a test to say, by Stripe's events, that one was.
pub(crate) async fn send_stalled(
    app: &TestApp,
    stripe: &crate::support::stripe::SharedStripe,
    run: &Value,
    payout_id: &str,
) {
    stripe.lock().unwrap().faults.extend([500; 50]);
    app.ok(
        &app.service("commissions:write"),
        SEND,
        json!({ "input": { "runId": run["id"], "rail": "STRIPE_CONNECT" } }),
    )
    .await;
    let failed = async || payout(app, payout_id).await["railError"].is_string();
    crate::support::wait::until("the transfer's error", Duration::from_secs(30), failed).await;
}

/// The transfer `id` of `amount_minor` dollars Stripe made for the payout
/// `payout_id`, as its events carry it.
pub(crate) fn transfer_for(
    stripe: &crate::support::stripe::SharedStripe,
    payout_id: &str,
    id: &str,
    amount_minor: i64,
) -> Value {
    let mut transfer = stripe.lock().unwrap().fixtures_transfer();
    transfer["id"] = json!(id);
    transfer["amount"] = json!(amount_minor);
    transfer["currency"] = json!("usd");
    transfer["metadata"] = json!({ "payout": payout_id });
    transfer
}

/// The data key the test app and replica processes share.
pub(crate) const DATA_KEY: &str = "c2VjcmV0LWRhdGEta2V5LWZvci10aGUtdGVzdHMtMzI=";

/// [`options`] with [`DATA_KEY`], and no worker of the test's own: the
/// replicas send.
pub(crate) fn keyed() -> Options {
    let mut options = options();
    options.data_key = Some(revshare::payouts::seal::DataKey::from_base64(DATA_KEY).unwrap());
    options.jobs = revshare::jobs::Jobs::all().without(&[
        revshare::jobs::Job::Webhooks,
        revshare::jobs::Job::Payouts,
        revshare::jobs::Job::Mail,
        revshare::jobs::Job::CommissionMail,
        revshare::jobs::Job::SignInMail,
        revshare::jobs::Job::Housekeeping,
    ]);
    options
}

/// A replica process sending payouts (`REVSHARE_PAYOUT_POLL_SECONDS=1`),
/// its jobs' steps in its log.
pub(crate) async fn sender(app: &TestApp) -> crate::helpers::Replica {
    crate::helpers::Replica::start(
        &app.url,
        &[
            ("REVSHARE_DATA_KEY", DATA_KEY),
            ("REVSHARE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("REVSHARE_PAYOUT_POLL_SECONDS", "1"),
            ("RUST_LOG", crate::support::wait::JOB_STEPS_LOGGED),
        ],
    )
    .await
}

/// The lease of a killed replica runs out (as thirty seconds would).
pub(crate) async fn lease_runs_out(app: &TestApp) {
    use sea_orm::{EntityTrait, sea_query::Expr};
    entity::payout::Entity::update_many()
        .col_expr(
            entity::payout::Column::RailLeaseUntil,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db.conn())
        .await
        .unwrap();
}

/// `sendPayouts` of `run` through `rail`, asked of the replica at `addr`
/// (its worker is the one woken), answered without errors.
pub(crate) async fn send_on(app: &TestApp, addr: std::net::SocketAddr, run: &Value, rail: &str) {
    let answer: Value = app
        .client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(app.service("commissions:write"))
        .json(&json!({ "query": SEND, "variables": { "input": { "runId": run["id"], "rail": rail } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
}
