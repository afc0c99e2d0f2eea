//! Partners in their own language (SPEC §38), the groundwork: the
//! languages a tenant offers and its default, each partner's language —
//! set by staff, chosen by the partner, taken from its application's form
//! or its browser's `Accept-Language` — and what each reads as when the
//! tenant stops offering it.

use crate::helpers::{TENANT, TestApp, code, field};
use crate::on_both_databases;
use crate::support::smtp::{PUBLIC, SmtpServer};
use serde_json::{Value, json};

on_both_databases!(
    a_tenant_offers_languages_and_each_partner_reads_in_its_own,
    an_applicant_takes_the_forms_language_else_its_browsers,
    terms_say_every_figure_and_condition_in_the_partners_language,
    the_join_page_reads_in_the_link_s_language_else_the_browser_s,
    staff_texts_read_as_written_or_as_translated_for_the_reader,
);

crate::with_smtp!(
    a_partner_is_written_to_in_its_language_and_no_link_dead_ends,
    an_applicant_is_written_to_in_the_language_it_applied_in,
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

/// A EUR campaign whose terms have a description each but the last:
/// setup fees earn nothing, gold partners 40 %, everyone else 30 %.
async fn gold_campaign(app: &TestApp, visibility: &str) -> String {
    app.ok(
        &app.admin(),
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
        json!({ "input": { "name": "Frühling", "currency": "EUR", "visibility": visibility, "holdbackDays": 1, "rules": [
            { "conditional": { "description": "Setup fee",
                "when": { "test": { "subject": "LINE_PRODUCT", "operator": "IN", "values": ["prod_setup"] } },
                "then": { "nothing": true } } },
            { "conditional": { "description": "Gold partners",
                "descriptionTranslations": [{ "language": "de", "text": "Gold-Partner" }],
                "when": { "test": { "subject": "PARTNER_TAG", "operator": "EQ", "value": "gold" } },
                "then": { "percentage": "40" } } },
            { "recurring": { "percentage": "30" } }
        ] } }),
    )
    .await["createCampaign"]["id"]
    .as_str()
    .unwrap()
    .to_owned()
}

const TERMS: &str = "query($id: ID!, $campaign: ID!, $language: String) { node(id: $id) { ... on Partner { termsInForce(campaignId: $campaign) { inWords inWords2: inWords(language: $language) } } } }";

/// Terms in words say the description, then the rule with every figure
/// and condition, in the partner's language unless another is asked for:
/// a gold partner can tell "Gold partners" is it, and nobody is told "0 %".
async fn terms_say_every_figure_and_condition_in_the_partners_language(app: TestApp) {
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    let campaign = gold_campaign(&app, "PUBLIC").await;
    let dora = app
        .create_partner(json!({ "name": "Dora", "email": "dora@example.com", "tags": ["gold"] }))
        .await;
    crate::support::partners::enroll(&app, &dora, &campaign).await;
    let read = |language: &str| json!({ "id": dora, "campaign": campaign, "language": language });
    let terms = app.ok(&app.partner_token(&dora), TERMS, read("en")).await;
    let terms = &terms["node"]["termsInForce"];
    assert_eq!(
        terms["inWords"],
        json!([
            "Setup fee: nichts, wenn das Produkt eines von prod_setup ist",
            "Gold-Partner: 40\u{a0}%, wenn ein Tag des Partners gold ist",
            "30\u{a0}% jeder Zahlung",
        ])
    );
    assert_eq!(
        terms["inWords2"],
        json!([
            "Setup fee: nothing when the product is one of prod_setup",
            "Gold partners: 40 % when a tag of the partner is gold",
            "30 % of every payment",
        ])
    );
    let fr = app.ok(&app.admin(), TERMS, read("fr")).await;
    assert_eq!(
        fr["node"]["termsInForce"]["inWords2"][1],
        "Gold partners : 40\u{202f}% si une étiquette du partenaire est gold"
    );
    let error = app.error(Some(&app.admin()), TERMS, read("xx")).await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "language")
    );
    // A rule's description's translations, as staff gave them; one in a
    // language not built in is named where it is.
    let rules = app
        .ok(
            &app.admin(),
            "query($id: ID!) { node(id: $id) { ... on Campaign { rules { ... on ConditionalRule { description descriptionTranslations { language text } } } } } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        rules["node"]["rules"][1],
        json!({ "description": "Gold partners", "descriptionTranslations": [{ "language": "de", "text": "Gold-Partner" }] })
    );
    let bad = app
        .error(
            Some(&app.admin()),
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
            json!({ "input": { "name": "X", "rules": [{ "recurring": { "percentage": 10,
                "description": "All", "descriptionTranslations": [{ "language": "de", "text": "Alle" }, { "language": "xx", "text": "?" }] } }] } }),
        )
        .await;
    assert_eq!(
        (code(&bad), field(&bad)),
        (
            "BAD_USER_INPUT",
            "input.rules[0].recurring.descriptionTranslations[1].language"
        )
    );
}

/// The join page: the `?lang=` of its address while offered, else the
/// browser's best offered language, else the default; its terms with
/// their figures, its form and what its script says in that language,
/// `<html lang>` and `Content-Language` saying which, and a link to each
/// offered language named in itself.
async fn the_join_page_reads_in_the_link_s_language_else_the_browser_s(app: TestApp) {
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    let campaign = gold_campaign(&app, "PUBLIC").await;
    let page = |query: &'static str, accept: Option<&'static str>| {
        let app = &app;
        let campaign = campaign.clone();
        async move {
            let mut request = app
                .client
                .get(app.url(&format!("/join/{TENANT}/{campaign}{query}")));
            if let Some(accept) = accept {
                request = request.header("accept-language", accept);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let language = response.headers()["content-language"]
                .to_str()
                .unwrap()
                .to_owned();
            (language, response.text().await.unwrap())
        }
    };
    let (language, german) = page("", None).await;
    assert_eq!(language, "de");
    assert!(german.contains("<html lang=\"de\">"), "{german}");
    for wanted in [
        "<h1 id=\"page-title\" tabindex=\"-1\">Frühling beitreten</h1>",
        "<li>Gold-Partner: 40\u{a0}%, wenn ein Tag des Partners gold ist</li>",
        "<li>30\u{a0}% jeder Zahlung</li>",
        "Eine Provision wird 1 Tag nach ihrer Entstehung freigegeben.",
        "<label for=\"name\">Ihr Name</label>",
        "data-language=\"de\"",
        "data-say-check-inbox=\"Sehen Sie in Ihr Postfach\"",
        "<a href=\"?lang=fr\" lang=\"fr\" hreflang=\"fr\">Français</a>",
        "<a href=\"?lang=de\" lang=\"de\" hreflang=\"de\" aria-current=\"true\">Deutsch</a>",
    ] {
        assert!(german.contains(wanted), "{wanted} in {german}");
    }
    let (language, french) = page("", Some("fr-CH, en;q=0.5")).await;
    assert_eq!(language, "fr");
    assert!(french.contains("<h1 id=\"page-title\" tabindex=\"-1\">Rejoindre Frühling</h1>"));
    assert!(
        french.contains("<li>30\u{202f}% de chaque paiement</li>"),
        "{french}"
    );
    let (language, english) = page("?lang=en", Some("fr")).await;
    assert_eq!(language, "en");
    assert!(english.contains("<li>Gold partners: 40 % when a tag of the partner is gold</li>"));
    assert!(english.contains("A commission is approved 1 day after it is earned."));
    // A language not offered is no language of the page's.
    let (language, _) = page("?lang=nl", Some("nl, fr;q=0.1")).await;
    assert_eq!(language, "fr");
}

const SIGN_IN_TO: &str = "mutation($t: ID!, $e: String!, $to: String) { requestPortalSignIn(tenantId: $t, email: $e, to: $to) }";
const REDEEM: &str = "mutation($code: String!) { redeemPortalLink(code: $code) { partnerId } }";
const EMAILS: &str = "{ emails { edges { node { to kind language subject } } } }";

/// The text after `marker` in `link`.
fn after<'a>(link: &'a str, marker: &str) -> &'a str {
    let at = link
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {link}"));
    &link[at + marker.len()..]
}

/// A German program writing in French to a partner that chose it: the
/// sign-in e-mail in French (`Content-Language`, `<html lang>`), its link
/// naming tenant, language and the page asked from; spent, the link's
/// refusal names the address it was sent to, for the sign-in form; a
/// commission e-mail in CLDR's French (`1 234,56 €`) and German ones in
/// German, their portal links naming page, tenant, language and address
/// and carrying no code; the staff's e-mail in English.
async fn a_partner_is_written_to_in_its_language_and_no_link_dead_ends(
    app: TestApp,
    smtp: SmtpServer,
) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { programName: \"Acme\", supportEmail: \"team@acme.test\" }) { programName } }",
        json!({}),
    )
    .await;
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    // Anonymous: what the sign-in form shows of the program.
    let program =
        "query($t: ID!) { signInProgram(tenantId: $t) { programName languages defaultLanguage } }";
    let (_, shown) = app.post(None, program, json!({ "t": TENANT })).await;
    assert_eq!(
        shown,
        json!({ "data": { "signInProgram": { "programName": "Acme", "languages": ["de", "fr", "en"], "defaultLanguage": "de" } } })
    );
    let (_, none) = app.post(None, program, json!({ "t": "no-such" })).await;
    assert_eq!(none, json!({ "data": { "signInProgram": null } }));

    let campaign = gold_campaign(&app, "PUBLIC").await;
    let fleur = app
        .create_partner(json!({ "name": "Fleur", "email": "fleur@example.com", "language": "fr", "tags": ["gold"] }))
        .await;
    let dora = app
        .create_partner(json!({ "name": "Dora", "email": "dora@example.com" }))
        .await;
    for partner in [&fleur, &dora] {
        crate::support::partners::enroll(&app, partner, &campaign).await;
    }

    // Asked for from a payout's page: the link opens it once it signs in.
    let bad = app
        .error(
            None,
            SIGN_IN_TO,
            json!({ "t": TENANT, "e": "fleur@example.com", "to": "https://evil.example/" }),
        )
        .await;
    assert_eq!((code(&bad), field(&bad)), ("BAD_USER_INPUT", "to"));
    app.post(
        None,
        SIGN_IN_TO,
        json!({ "t": TENANT, "e": "fleur@example.com", "to": "/payouts/01JPAYOUT" }),
    )
    .await;
    let mail = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(mail["subject"], "Connexion à Acme");
    assert_eq!(mail["headers"]["Content-Language"], "fr");
    assert!(
        mail["html"]
            .as_str()
            .unwrap()
            .contains("<html lang=\"fr\">")
    );
    let text = mail["text"].as_str().unwrap();
    assert!(text.starts_with("Bonjour Fleur,\n\n"), "{text}");
    assert!(text.contains("Se connecter:\n"), "{text}");
    let link = mail["links"][0].as_str().unwrap();
    let code_of = after(link, "#code=").split('&').next().unwrap();
    assert_eq!(
        link,
        format!(
            "{PUBLIC}/portal/#code={code_of}&tenant={TENANT}&lang=fr&to=%2Fpayouts%2F01JPAYOUT"
        )
    );
    let (_, redeemed) = app.post(None, REDEEM, json!({ "code": code_of })).await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"]["partnerId"],
        fleur.as_str()
    );
    // Spent: refused, naming the address it was sent to; an unknown code
    // names none.
    let spent = app.error(None, REDEEM, json!({ "code": code_of })).await;
    assert_eq!(code(&spent), "CONFLICT");
    assert_eq!(spent["extensions"]["email"], "fleur@example.com");
    let unknown = app
        .error(
            None,
            REDEEM,
            json!({ "code": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
        )
        .await;
    assert!(unknown["extensions"].get("email").is_none(), "{unknown}");

    // Staff's links name the partner's language too.
    let made = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { createPartnerPortalLink(partnerId: $id) { url } }",
            json!({ "id": dora }),
        )
        .await;
    let url = made["createPartnerPortalLink"]["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("&tenant={TENANT}&lang=de")), "{url}");

    // 3,086.40 € at 40 % for gold Fleur; 100 € at 30 % for Dora.
    let sale = |partner: &str, id: &str, amount: &str| {
        json!({ "externalId": id, "partnerId": partner, "campaignId": campaign, "customerExternalId": format!("c-{id}"),
            "amount": amount, "currency": "EUR" })
    };
    crate::support::sales::commission_id(&app, sale(&fleur, "f-1", "3086.40")).await;
    crate::support::sales::commission_id(&app, sale(&dora, "d-1", "100.00")).await;
    let mails = smtp.wait_for(3).await;
    let to = |address: &str| {
        mails
            .iter()
            .map(|(_, m)| m)
            .find(|m| m["to"] == address && m["subject"] != "Connexion à Acme")
            .unwrap_or_else(|| panic!("a commission e-mail to {address}"))
            .clone()
    };
    let french = to("fleur@example.com");
    assert_eq!(french["subject"], "Vous avez gagné 1\u{202f}234,56\u{a0}€");
    assert_eq!(french["headers"]["Content-Language"], "fr");
    let text = french["text"].as_str().unwrap();
    assert!(
        text.contains("Commission: 1\u{202f}234,56\u{a0}€\n"),
        "{text}"
    );
    let portal =
        format!("{PUBLIC}/portal/#/commissions?tenant={TENANT}&lang=fr&email=fleur%40example.com");
    assert!(
        french["links"].as_array().unwrap().contains(&json!(portal)),
        "{french}"
    );
    assert!(
        french["links"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| !l.as_str().unwrap().contains("code=")),
        "a notification carries no code: {french}"
    );
    assert!(text.contains("Ne plus recevoir ces e-mails: "), "{text}");
    let german = to("dora@example.com");
    assert_eq!(german["subject"], "Sie haben 30,00\u{a0}€ verdient");
    assert_eq!(german["headers"]["Content-Language"], "de");
    assert!(
        german["text"]
            .as_str()
            .unwrap()
            .starts_with("Guten Tag Dora,\n")
    );
    // The outbox says which language each was written in.
    let emails = app.ok(&app.admin(), EMAILS, json!({})).await;
    let mut languages: Vec<(String, String)> = emails["emails"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["to"].as_str().unwrap().to_owned(),
                e["node"]["language"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    languages.sort();
    assert_eq!(
        languages,
        [
            ("dora@example.com".to_owned(), "de".to_owned()),
            ("fleur@example.com".to_owned(), "fr".to_owned()),
            ("fleur@example.com".to_owned(), "fr".to_owned()),
        ]
    );
}

/// An applicant reads its confirmation in the language it applied in
/// (the join page's), its link opening the page in that language; the
/// program's staff read of it in English.
async fn an_applicant_is_written_to_in_the_language_it_applied_in(app: TestApp, smtp: SmtpServer) {
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { programName: \"Acme\", supportEmail: \"team@acme.test\" }) { programName } }",
        json!({}),
    )
    .await;
    offer(
        &app,
        json!({ "languages": ["de", "it", "en"], "defaultLanguage": "de" }),
    )
    .await;
    let campaign = gold_campaign(&app, "PUBLIC").await;
    apply(&app, &campaign, "gia@example.com", Some("it"), Some("de")).await;
    let mail = smtp.wait_for(1).await[0].1.clone();
    assert_eq!(mail["headers"]["Content-Language"], "it");
    let words = revshare::mail::content::words::of("it");
    assert_eq!(
        mail["subject"],
        revshare::languages::fill(words.confirm_subject, &[("program", "Acme")])
    );
    let link = mail["links"][0].as_str().unwrap();
    assert!(
        link.starts_with(&format!(
            "{PUBLIC}/join/{TENANT}/{campaign}?lang=it#confirm="
        )),
        "{link}"
    );
    let token = after(link, "#confirm=");
    let (_, confirmed) = app
        .post(
            None,
            "mutation($token: String!) { confirmPartnerApplication(token: $token) { status } }",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(
        confirmed["data"]["confirmPartnerApplication"]["status"],
        "PENDING"
    );
    let staff = crate::support::wait::until_some(
        "the staff's e-mail",
        std::time::Duration::from_secs(30),
        async || {
            smtp.wait_for(2)
                .await
                .into_iter()
                .map(|(_, m)| m)
                .find(|m| m["to"] == "team@acme.test")
        },
    )
    .await;
    assert_eq!(staff["headers"]["Content-Language"], "en");
    assert!(
        staff["subject"]
            .as_str()
            .unwrap()
            .starts_with("New application to Frühling"),
        "{staff}"
    );
}

/// The portal in a French partner's language, in Chromium set to Japanese
/// in Los Angeles (SPEC §38): French words, `<html lang="fr">`, CLDR's
/// `1 234,56 €` and the day in the tenant's Berlin calendar; German at
/// once from the menu (`1.234,56 €`); a spent sign-in link opening the
/// program's German sign-in form, the address filled in, and sending a
/// new one; a notification's link opening its page signed in, and the
/// French form with its address signed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_reads_in_the_partners_language_whatever_the_browsers() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    app.ok(
        &app.admin(),
        "mutation { updateTenant(input: { timeZone: \"Europe/Berlin\" }) { timeZone } }",
        json!({}),
    )
    .await;
    let campaign = gold_campaign(&app, "PUBLIC").await;
    let fleur = app
        .create_partner(json!({ "name": "Fleur", "email": "fleur@example.com", "language": "fr", "tags": ["gold"] }))
        .await;
    crate::support::partners::enroll(&app, &fleur, &campaign).await;
    // 02:00 UTC on 6 March: the 6th in Berlin, the 5th in Los Angeles.
    let commission = crate::support::sales::commission_id(
        &app,
        json!({ "externalId": "f-1", "partnerId": fleur, "campaignId": campaign, "customerExternalId": "c-1",
            "amount": "3086.40", "currency": "EUR", "occurredAt": "2026-03-06T02:00:00Z" }),
    )
    .await;
    let link = |code: &str, extra: &str| format!("/portal/#code={code}&tenant={TENANT}{extra}");
    let code = crate::support::portal::portal_code(&app, &fleur).await;
    let spent = crate::support::portal::portal_code(&app, &fleur).await;
    let (_, redeemed) = app.post(None, REDEEM, json!({ "code": spent })).await;
    assert_eq!(
        redeemed["data"]["redeemPortalLink"]["partnerId"],
        fleur.as_str()
    );
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let plan_json = json!({
        "base": format!("http://{}", app.addr),
        "link": link(&code, "&lang=fr"),
        "timeZone": "Europe/Berlin",
        "commission": commission,
        "day": "2026-03-06",
        "spent": link(&spent, "&lang=de&to=/payouts/01JPAYOUT"),
        "email": "fleur@example.com",
        "notification": format!("/portal/#/commissions?tenant={TENANT}&lang=fr&email=fleur%40example.com"),
    });
    std::fs::write(&plan, plan_json.to_string()).unwrap();
    let report =
        crate::support::browser::node("portal-language.mjs", &[plan.to_str().unwrap()]).await;
    assert_eq!(
        report["french"]["amount"], "1\u{202f}234,56\u{a0}€",
        "{report}"
    );
    assert_eq!(report["german"]["amount"], "1.234,56\u{a0}€", "{report}");
    assert_eq!(report["spent"]["email"], "fleur@example.com", "{report}");
    assert_eq!(report["spent"]["lang"], "de", "{report}");
    assert_eq!(report["notificationSignedOut"]["lang"], "fr", "{report}");
    // The spent link's form asked for a link opening the payout's page.
    let asked = crate::support::wait::until_some(
        "the sign-in request",
        std::time::Duration::from_secs(30),
        async || {
            use sea_orm::{ConnectionTrait, Statement};
            let row = app
                .db
                .conn()
                .query_one_raw(Statement::from_string(
                    app.db.backend(),
                    "SELECT page FROM sign_in_requests WHERE page IS NOT NULL",
                ))
                .await
                .unwrap()?;
            row.try_get::<String>("", "page").ok()
        },
    )
    .await;
    assert_eq!(asked, "/payouts/01JPAYOUT");
}

/// Every text the portal writes is in every catalogue, with the English
/// one's placeholders and the plural forms each language needs; every key
/// its sources name exists (`tests/browser/words.mjs`, in Node).
#[tokio::test]
async fn every_portal_text_is_in_every_catalogue() {
    let report = crate::support::browser::node("words.mjs", &[]).await;
    assert_eq!(
        report["languages"],
        json!(["en", "de", "fr", "es", "it", "nl"])
    );
    assert!(report["keys"].as_u64().unwrap() > 400, "{report}");
}

const THREAD: &str =
    "query($p: ID!) { partner(id: $p) { messages(first: 10) { edges { node { body } } } } }";
const BROADCAST: &str = "mutation($input: CreateBroadcastInput!) { createBroadcast(input: $input) { id status translations { language subject body } } }";

/// The bodies of a partner's thread, as it reads them.
async fn thread(app: &TestApp, partner: &str) -> Vec<String> {
    app.ok(&app.partner_token(partner), THREAD, json!({ "p": partner }))
        .await["partner"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["body"].as_str().unwrap().to_owned())
        .collect()
}

/// Staff texts stay as written, or are read in the translation their
/// author gave for the reader's language: a broadcast, a message, a
/// campaign's description (on the join page too). A partner's own message
/// has none; a translation names a built-in language once.
async fn staff_texts_read_as_written_or_as_translated_for_the_reader(app: TestApp) {
    offer(
        &app,
        json!({ "languages": ["de", "fr", "en"], "defaultLanguage": "de" }),
    )
    .await;
    let fleur = app
        .create_partner(json!({ "name": "Fleur", "language": "fr" }))
        .await;
    let dora = app.create_partner(json!({ "name": "Dora" })).await;
    let kai = app
        .create_partner(json!({ "name": "Kai", "language": "en" }))
        .await;
    let made = app
        .ok(
            &app.admin(),
            BROADCAST,
            json!({ "input": { "subject": "Spring rates", "body": "New rates from May.", "audience": {},
                "translations": [
                    { "language": "fr", "subject": "Nouveaux taux", "body": "Nouveaux taux dès mai." },
                    { "language": "de", "body": "Neue Sätze ab Mai." }
                ] } }),
        )
        .await;
    assert_eq!(made["createBroadcast"]["status"], "SENT");
    assert_eq!(
        made["createBroadcast"]["translations"],
        json!([
            { "language": "fr", "subject": "Nouveaux taux", "body": "Nouveaux taux dès mai." },
            { "language": "de", "subject": null, "body": "Neue Sätze ab Mai." }
        ])
    );
    assert_eq!(thread(&app, &fleur).await, ["Nouveaux taux dès mai."]);
    assert_eq!(thread(&app, &dora).await, ["Neue Sätze ab Mai."]);
    assert_eq!(thread(&app, &kai).await, ["New rates from May."]);
    let bad = app
        .error(
            Some(&app.admin()),
            BROADCAST,
            json!({ "input": { "subject": "S", "body": "B", "audience": {},
                "translations": [{ "language": "fr", "body": "a" }, { "language": "fr", "body": "b" }] } }),
        )
        .await;
    assert_eq!(
        (code(&bad), field(&bad)),
        ("BAD_USER_INPUT", "input.translations[1].language")
    );

    // A message: the partner's thread keeps what it read.
    let send = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { body } }";
    let sent = app
        .ok(
            &app.admin(),
            send,
            json!({ "input": { "partnerId": fleur, "body": "Your payout is on its way.",
                "translations": [{ "language": "fr", "body": "Votre paiement est en route." }] } }),
        )
        .await;
    assert_eq!(sent["sendMessage"]["body"], "Votre paiement est en route.");
    let own = app
        .error(
            Some(&app.partner_token(&fleur)),
            send,
            json!({ "input": { "body": "Merci", "translations": [{ "language": "de", "body": "Danke" }] } }),
        )
        .await;
    assert_eq!(
        (code(&own), field(&own)),
        ("BAD_USER_INPUT", "input.translations")
    );
    let unknown = app
        .error(
            Some(&app.admin()),
            send,
            json!({ "input": { "partnerId": dora, "body": "Hi", "translations": [{ "language": "xx", "body": "?" }] } }),
        )
        .await;
    assert_eq!(
        (code(&unknown), field(&unknown)),
        ("BAD_USER_INPUT", "input.translations[0].language")
    );

    // A campaign's description: each partner reads its language's, staff
    // the original and every translation; the join page its language's.
    let campaign = app
        .ok(
            &app.admin(),
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id descriptionTranslations { language text } } }",
            json!({ "input": { "name": "Spring", "visibility": "PUBLIC", "description": "Cycling gear for spring.",
                "descriptionTranslations": [{ "language": "de", "text": "Fahrradzubehör für den Frühling." }],
                "rules": [{ "recurring": { "percentage": 20 } }] } }),
        )
        .await["createCampaign"]
        .clone();
    assert_eq!(
        campaign["descriptionTranslations"],
        json!([{ "language": "de", "text": "Fahrradzubehör für den Frühling." }])
    );
    let id = campaign["id"].as_str().unwrap();
    let described = |token: String| {
        let app = &app;
        async move {
            app.ok(
                &token,
                "query($id: ID!) { node(id: $id) { ... on Campaign { description } } }",
                json!({ "id": id }),
            )
            .await["node"]["description"]
                .clone()
        }
    };
    assert_eq!(
        described(app.partner_token(&dora)).await,
        "Fahrradzubehör für den Frühling."
    );
    assert_eq!(
        described(app.partner_token(&fleur)).await,
        "Cycling gear for spring."
    );
    assert_eq!(described(app.admin()).await, "Cycling gear for spring.");
    let page = app
        .client
        .get(app.url(&format!("/join/{TENANT}/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<p>Fahrradzubehör für den Frühling.</p>"),
        "{page}"
    );
    let cleared = app
        .ok(
            &app.admin(),
            "mutation($id: ID!) { updateCampaign(id: $id, input: { descriptionTranslations: null }) { descriptionTranslations { language } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        cleared["updateCampaign"]["descriptionTranslations"],
        json!([])
    );
}
