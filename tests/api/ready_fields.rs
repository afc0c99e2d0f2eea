//! The list items whose plain fields are answered in place (partners,
//! groups, campaigns, ledger rows): every such field answers what the
//! type's own resolvers answer — `partner(id:)`, `partnerGroup(id:)`,
//! `campaign(id:)` and `commission(id:)` resolve the ordinary way — for
//! the tenant's staff and for a partner, and so does a relation a list
//! loaded for its items (a ledger row's partner, its group and campaign;
//! a partner's group), answered in place; a selection with aliases,
//! fragments, repeated keys and `__typename` comes back byte for byte as
//! the ordinary path writes it.

use crate::helpers::TestApp;
use crate::on_both_databases;
use crate::support::campaigns::create_campaign;
use crate::support::partners::approved_partner;
use crate::support::sales::record;
use serde_json::{Value, json};

on_both_databases!(
    every_plain_field_of_a_list_item_answers_as_its_resolver,
    a_list_items_relations_answer_as_their_resolvers,
    a_list_item_keeps_aliases_fragments_and_repeated_keys_in_order,
);

/// The fields of `type_name` that take no argument and give a scalar or an
/// enum (or a list of them), from introspection: a field added later is
/// compared too.
async fn plain_fields(app: &TestApp, type_name: &str) -> Vec<String> {
    let query = "query($t: String!) { __type(name: $t) { fields { name args { name } \
        type { kind ofType { kind ofType { kind ofType { kind } } } } } } }";
    let data = app.ok(&app.admin(), query, json!({ "t": type_name })).await;
    let mut fields = Vec::new();
    for field in data["__type"]["fields"].as_array().unwrap() {
        let mut ty = &field["type"];
        while matches!(ty["kind"].as_str(), Some("NON_NULL" | "LIST")) {
            ty = &ty["ofType"];
        }
        let leaf = matches!(ty["kind"].as_str(), Some("SCALAR" | "ENUM"));
        if leaf && field["args"].as_array().unwrap().is_empty() {
            fields.push(field["name"].as_str().unwrap().to_owned());
        }
    }
    fields.push("__typename".into());
    fields
}

/// A group, two partners (one with every optional field), two campaigns
/// (one with every optional field) and a commission for each partner;
/// returns the first partner's id.
async fn program(app: &TestApp) -> String {
    let admin = app.admin();
    let group = app
        .ok(
            &admin,
            "mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }",
            json!({ "input": { "name": "Gold", "description": "Top resellers", "externalId": "grp-gold",
                               "tags": ["emea", "resellers"], "rules": [{ "recurring": { "percentage": 12 } }] } }),
        )
        .await["createPartnerGroup"]["id"]
        .clone();
    let launch = create_campaign(
        app,
        json!({ "name": "Launch", "description": "Spring launch", "currency": "EUR", "holdbackDays": 14,
                "rules": [{ "recurring": { "percentage": 20 } }] }),
    )
    .await;
    // Nulls where the other has values; a partner not invited never lists it.
    create_campaign(app, json!({ "name": "Plain", "visibility": "INVITE_ONLY" })).await;
    let northwind = app
        .create_partner(
            json!({ "name": "Northwind", "email": "ops@northwind.example", "externalId": "nw-1",
                                "type": "RESELLER", "groupId": group }),
        )
        .await;
    crate::support::partners::enroll(app, &northwind, &launch).await;
    let contoso = approved_partner(app, "Contoso", &launch).await;
    for (n, partner) in [&northwind, &contoso].into_iter().enumerate() {
        record(
            app,
            json!({ "externalId": format!("ch_{n}"), "partnerId": partner, "campaignId": launch,
                    "customerExternalId": "cus_1", "amount": "199.99", "revenue": "250.00" }),
        )
        .await;
    }
    northwind
}

/// Each item of `list` (a root connection) with `fields`, beside the same
/// item read with `single(id:)`, for `token`: data and errors alike, an
/// error's path counted from the item.
async fn compare(app: &TestApp, token: &str, list: &str, single: &str, fields: &[String]) {
    let fields = fields.join(" ");
    let (_, listed) = app
        .post(
            Some(token),
            &format!("{{ {list}(first: 50) {{ nodes {{ id {fields} }} }} }}"),
            json!({}),
        )
        .await;
    let items = listed["data"][list]["nodes"].as_array().unwrap();
    assert!(!items.is_empty(), "{list}: {listed}");
    for (index, item) in items.iter().enumerate() {
        let (_, one) = app
            .post(
                Some(token),
                &format!("query($id: ID!) {{ {single}(id: $id) {{ id {fields} }} }}"),
                json!({ "id": item["id"] }),
            )
            .await;
        assert_eq!(&one["data"][single], item, "{list} item {}", item["id"]);
        assert_eq!(
            errors(&listed, &[list, "nodes"], Some(index)),
            errors(&one, &[single], None),
            "{list} item {}: errors",
            item["id"]
        );
    }
}

/// The errors of `body` under `at` (and the list index `index`), each as
/// its message and its path from there.
fn errors(body: &Value, at: &[&str], index: Option<usize>) -> Vec<(String, Value)> {
    let mut found: Vec<(String, Value)> = Vec::new();
    for error in body["errors"].as_array().into_iter().flatten() {
        let path = error["path"].as_array().unwrap();
        let mut from = at.iter().map(|key| json!(key)).collect::<Vec<_>>();
        from.extend(index.map(|i| json!(i)));
        if path.starts_with(&from) {
            let rest = Value::from(path[from.len()..].to_vec());
            found.push((error["message"].as_str().unwrap().to_owned(), rest));
        }
    }
    found.sort_by_key(|(message, path)| format!("{path}{message}"));
    found
}

async fn every_plain_field_of_a_list_item_answers_as_its_resolver(app: TestApp) {
    let northwind = program(&app).await;
    let partner = plain_fields(&app, "Partner").await;
    let group = plain_fields(&app, "PartnerGroup").await;
    let campaign = plain_fields(&app, "Campaign").await;
    let commission = plain_fields(&app, "Commission").await;
    for (name, fields) in [("Partner", &partner), ("PartnerGroup", &group)] {
        assert!(fields.len() >= 7, "{name}: {fields:?}");
    }
    assert!(commission.contains(&"revenue".to_owned()), "{commission:?}");
    let admin = app.admin();
    compare(&app, &admin, "partners", "partner", &partner).await;
    compare(&app, &admin, "partnerGroups", "partnerGroup", &group).await;
    compare(&app, &admin, "campaigns", "campaign", &campaign).await;
    compare(&app, &admin, "commissions", "commission", &commission).await;
    // A partner reads its own record and ledger rows, and the campaigns
    // open to it: the labels of some, not their details.
    let own = app.partner_token(&northwind);
    compare(&app, &own, "partners", "partner", &partner).await;
    compare(&app, &own, "campaigns", "campaign", &campaign).await;
    compare(&app, &own, "commissions", "commission", &commission).await;
    // The tenant's staff with one scope: the ledger rows, and nested in
    // them the labels of their partner, group and campaign, refused past
    // those exactly as a resolver refuses.
    let ledger = app.service("commissions:read");
    let nested = [
        format!(
            "partner {{ {} group {{ {} }} }}",
            partner.join(" "),
            group.join(" ")
        ),
        format!("campaign {{ {} }}", campaign.join(" ")),
    ];
    let (_, body) = app
        .post(
            Some(&ledger),
            &format!("{{ commissions {{ nodes {{ {} }} }} }}", nested.join(" ")),
            json!({}),
        )
        .await;
    // Refused fields that cannot be null (a campaign's currency) carry
    // the null up to the nearest that can: here, the whole answer.
    assert_eq!(body["data"], Value::Null, "{body}");
    // Nullable ones are null in place.
    let (_, labels) = app
        .post(
            Some(&ledger),
            "{ commissions { nodes { partner { name email } campaign { name description } } } }",
            json!({}),
        )
        .await;
    let nodes = labels["data"]["commissions"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    for node in nodes {
        assert!(node["partner"]["name"].is_string(), "{labels}");
        assert_eq!(node["partner"]["email"], Value::Null, "{labels}");
        assert_eq!(node["campaign"]["name"], "Launch");
        assert_eq!(node["campaign"]["description"], Value::Null, "{labels}");
    }
    assert_eq!(labels["errors"].as_array().unwrap().len(), 4, "{labels}");
    let refused = |path: &str| {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"].as_array().unwrap().last() == Some(&json!(path)))
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(refused("email"), ["requires the partners:read scope"; 2]);
    assert_eq!(
        refused("currency"),
        ["requires the campaigns:read scope"; 2]
    );
}

async fn a_list_items_relations_answer_as_their_resolvers(app: TestApp) {
    let northwind = program(&app).await;
    let partner = plain_fields(&app, "Partner").await.join(" ");
    let group = plain_fields(&app, "PartnerGroup").await.join(" ");
    let campaign = plain_fields(&app, "Campaign").await.join(" ");
    // `commission(id:)` and `partner(id:)` load no page: their relations
    // resolve the ordinary way.
    let admin = app.admin();
    let ledger =
        format!("partner {{ {partner} group {{ {group} }} }} campaign {{ {campaign} }} kind");
    compare(&app, &admin, "commissions", "commission", &[ledger]).await;
    let grouped = format!("name group {{ {group} }}");
    compare(&app, &admin, "partners", "partner", &[grouped]).await;
    // A partner's own rows, and what it may read of their relations.
    let own = app.partner_token(&northwind);
    let labels = "partner { id name email group { id name __typename } } \
        campaign { id name currency }"
        .to_owned();
    compare(&app, &own, "commissions", "commission", &[labels]).await;
    compare(
        &app,
        &own,
        "partners",
        "partner",
        &["group { id name }".into()],
    )
    .await;
    // Staff who read the ledger and not partners: a partner's label in
    // place, its details refused at their paths as the resolver refuses.
    let ledger = app.service("commissions:read");
    let mixed = "amount partner { name email }".to_owned();
    compare(&app, &ledger, "commissions", "commission", &[mixed]).await;
}

async fn a_list_item_keeps_aliases_fragments_and_repeated_keys_in_order(app: TestApp) {
    program(&app).await;
    let selection = "total: amount id ...Row kind partner { name } ... on Commission { status } \
        partner { id group { id name } t: __typename } __typename again: __typename \
        ... { currency } amount id";
    let fragment = "fragment Row on Commission { currency total: amount campaign { name } }";
    let text = |body: String, prefix: &str, suffix: &str| {
        assert!(body.starts_with(prefix) && body.ends_with(suffix), "{body}");
        body[prefix.len()..body.len() - suffix.len()].to_owned()
    };
    let raw = |query: String, variables: Value| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.admin())
            .json(&json!({ "query": query, "variables": variables }));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let listed = raw(
        format!("{{ commissions(first: 1) {{ nodes {{ {selection} }} }} }} {fragment}"),
        json!({}),
    )
    .await;
    let item = text(listed, r#"{"data":{"commissions":{"nodes":["#, "]}}}");
    let id = serde_json::from_str::<Value>(&item).unwrap()["id"].clone();
    let single = raw(
        format!("query($id: ID!) {{ commission(id: $id) {{ {selection} }} }} {fragment}"),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(item, text(single, r#"{"data":{"commission":"#, "}}"));
    let keys: Vec<&str> = item
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|k| TOP_KEYS.contains(k))
        .collect();
    assert_eq!(keys, TOP_KEYS);
}

/// The item's own keys, where each first stands in the selection (`id`
/// is left out: the partner and its group have one too).
const TOP_KEYS: [&str; 9] = [
    "total",
    "currency",
    "campaign",
    "kind",
    "partner",
    "status",
    "__typename",
    "again",
    "amount",
];
