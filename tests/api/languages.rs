//! Partners in their own language (SPEC §38), the groundwork: the
//! languages a tenant offers and its default, each partner's language —
//! set by staff, chosen by the partner, taken from its application's form
//! or its browser's `Accept-Language` — and what each reads as when the
//! tenant stops offering it.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    a_tenant_offers_languages_and_each_partner_reads_in_its_own,
    an_applicant_takes_the_forms_language_else_its_browsers,
);

const TENANT_LANGUAGES: &str = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { languages defaultLanguage } }";
const CREATE: &str =
    "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id language } }";
const SET: &str = "mutation($input: SetPartnerLanguageInput!) { setPartnerLanguage(input: $input) { id language } }";

async fn offer(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), TENANT_LANGUAGES, json!({ "input": input }))
        .await["updateTenant"]
        .clone()
}

async fn refused(app: &TestApp, token: &str, query: &str, input: Value) -> (String, String) {
    let error = app
        .error(Some(token), query, json!({ "input": input }))
        .await;
    (code(&error).to_owned(), field(&error).to_owned())
}

fn bad(at: &str) -> (String, String) {
    ("BAD_USER_INPUT".to_owned(), at.to_owned())
}

/// A German program that also writes in French and English: partners
/// read in German until they, or staff, choose; a language the program
/// stops offering reads as its default again.
async fn a_tenant_offers_languages_and_each_partner_reads_in_its_own(app: TestApp) {
    let admin = app.admin();
    let tenant = "{ viewer { tenant { languages defaultLanguage } } }";
    assert_eq!(
        app.ok(&admin, tenant, json!({})).await["viewer"]["tenant"],
        json!({ "languages": ["en"], "defaultLanguage": "en" })
    );
    for (input, at) in [
        (
            json!({ "languages": ["de", "xx"], "defaultLanguage": "de" }),
            "input.languages[1]",
        ),
        (
            json!({ "languages": ["de", "DE"], "defaultLanguage": "de" }),
            "input.languages[1]",
        ),
        (
            json!({ "languages": ["de", "fr", "de"], "defaultLanguage": "de" }),
            "input.languages[2]",
        ),
        (
            json!({ "languages": [], "defaultLanguage": "de" }),
            "input.languages",
        ),
        (
            json!({ "languages": ["de", "fr"], "defaultLanguage": "it" }),
            "input.defaultLanguage",
        ),
        // English stays the default: the new languages must include it.
        (
            json!({ "languages": ["de", "fr"] }),
            "input.defaultLanguage",
        ),
    ] {
        assert_eq!(
            refused(&app, &admin, TENANT_LANGUAGES, input).await,
            bad(at)
        );
    }
    assert_eq!(
        offer(
            &app,
            json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" })
        )
        .await,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" })
    );

    // Staff create partners in the default or in a language offered.
    let writer = app.service("partners:write");
    let create = |name: &str, language: Option<&str>| {
        let mut input = json!({ "name": name });
        if let Some(language) = language {
            input["language"] = json!(language);
        }
        input
    };
    let greta = app
        .ok(&writer, CREATE, json!({ "input": create("Greta", None) }))
        .await["createPartner"]
        .clone();
    assert_eq!(greta["language"], "de");
    let fleur = app
        .ok(
            &writer,
            CREATE,
            json!({ "input": create("Fleur", Some("fr")) }),
        )
        .await["createPartner"]
        .clone();
    assert_eq!(fleur["language"], "fr");
    assert_eq!(
        refused(&app, &writer, CREATE, create("Ivo", Some("it"))).await,
        bad("input.language")
    );
    assert_eq!(
        refused(&app, &writer, CREATE, create("Ivo", Some("italian"))).await,
        bad("input.language")
    );

    // A partner chooses its own, and only its own.
    let greta_id = greta["id"].as_str().unwrap();
    let fleur_id = fleur["id"].as_str().unwrap();
    let own = app.partner_token(greta_id);
    assert_eq!(
        app.ok(&own, SET, json!({ "input": { "language": "en" } }))
            .await["setPartnerLanguage"]["language"],
        "en"
    );
    assert_eq!(
        refused(
            &app,
            &own,
            SET,
            json!({ "partnerId": fleur_id, "language": "en" })
        )
        .await,
        bad("input.partnerId")
    );
    assert_eq!(
        refused(&app, &own, SET, json!({ "language": "es" })).await,
        bad("input.language")
    );
    // Staff set any partner's with partners:write; a viewer reads only.
    assert_eq!(
        app.ok(
            &writer,
            SET,
            json!({ "input": { "partnerId": greta_id, "language": "fr" } })
        )
        .await["setPartnerLanguage"]["language"],
        "fr"
    );
    let viewer = app.mint(&TestApp::claims(TENANT, "viewer"));
    assert_eq!(
        code(
            &app.error(
                Some(&viewer),
                SET,
                json!({ "input": { "partnerId": greta_id, "language": "de" } })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        refused(&app, &writer, SET, json!({ "language": "de" })).await,
        bad("input.partnerId")
    );

    // The program stops offering French: its French partners read German.
    offer(&app, json!({ "languages": ["de", "en"] })).await;
    let read = "query($id: ID!) { partner(id: $id) { language } }";
    for id in [greta_id, fleur_id] {
        assert_eq!(
            app.ok(&viewer, read, json!({ "id": id })).await["partner"]["language"],
            "de"
        );
    }
    assert_eq!(
        app.ok(&own, "{ viewer { partner { language } } }", json!({}))
            .await["viewer"]["partner"]["language"],
        "de"
    );
    // Offered again, the partner's choice holds.
    offer(&app, json!({ "languages": ["de", "fr", "en"] })).await;
    assert_eq!(
        app.ok(&viewer, read, json!({ "id": greta_id })).await["partner"]["language"],
        "fr"
    );

    // Each change is in the activity log, the partner's own entry.
    let logged = app
        .ok(
            &admin,
            "{ activity(filter: { action: \"setPartnerLanguage\" }) { nodes { actor { kind } object { id } changes { field before after } } } }",
            json!({}),
        )
        .await["activity"]["nodes"]
        .clone();
    assert_eq!(
        logged,
        json!([
            { "actor": { "kind": "PARTNER" }, "object": { "id": greta_id },
              "changes": [{ "field": "language", "before": null, "after": "en" }] },
            { "actor": { "kind": "API_KEY" }, "object": { "id": greta_id },
              "changes": [{ "field": "language", "before": "en", "after": "fr" }] },
        ])
    );
}

const SUBMIT: &str = "mutation($input: SubmitPartnerApplicationInput!) { submitPartnerApplication(input: $input) { accepted } }";

/// Submits the join form for `email` with `language` (if any), from a
/// browser sending `accept` (if any).
async fn apply(
    app: &TestApp,
    campaign: &str,
    email: &str,
    language: Option<&str>,
    accept: Option<&str>,
) {
    let mut input =
        json!({ "tenantId": TENANT, "campaignId": campaign, "name": email, "email": email });
    if let Some(language) = language {
        input["language"] = json!(language);
    }
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": SUBMIT, "variables": { "input": input } }));
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    assert_eq!(
        body,
        json!({ "data": { "submitPartnerApplication": { "accepted": true } } })
    );
}

/// An applicant's language: the join page's while offered, else its
/// browser's best offered one by q-value (`fr-CH` is French), else the
/// program's default; approved, its partner writes in it.
async fn an_applicant_takes_the_forms_language_else_its_browsers(app: TestApp) {
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    let campaign = app
        .ok(
            &app.admin(),
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
            json!({ "input": { "name": "Frühling", "visibility": "PUBLIC", "rules": [{ "recurring": { "percentage": 20 } }] } }),
        )
        .await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    apply(&app, &campaign, "form@example.com", Some("fr"), Some("de")).await;
    apply(
        &app,
        &campaign,
        "swiss@example.com",
        None,
        Some("fr-CH, en;q=0.9, de;q=0.8"),
    )
    .await;
    apply(
        &app,
        &campaign,
        "weighted@example.com",
        None,
        Some("it, de;q=0.5, en;q=0.7"),
    )
    .await;
    apply(&app, &campaign, "none@example.com", None, Some("es, it")).await;
    apply(
        &app,
        &campaign,
        "unoffered@example.com",
        Some("nl"),
        Some("en"),
    )
    .await;
    // Five from one address an hour: the form's own limit.
    let error = app
        .error(
            None,
            SUBMIT,
            json!({ "input": { "tenantId": TENANT, "campaignId": campaign, "name": "X", "email": "x@example.com", "language": "klingon" } }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.language")
    );
    let found = app
        .ok(
            &app.admin(),
            "{ partnerApplications(status: UNCONFIRMED) { edges { node { id email language } } } }",
            json!({}),
        )
        .await;
    let languages: std::collections::BTreeMap<String, String> =
        found["partnerApplications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["node"]["email"].as_str().unwrap().to_owned(),
                    e["node"]["language"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
    let expected: std::collections::BTreeMap<String, String> = [
        ("form@example.com", "fr"),
        ("none@example.com", "de"),
        ("swiss@example.com", "fr"),
        ("unoffered@example.com", "en"),
        ("weighted@example.com", "en"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(languages, expected);
}
