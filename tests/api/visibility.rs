//! What a partner reaches, found from the schema rather than listed (SPEC
//! §3, §19). Alice and Bob each own one object of every kind a partner
//! owns. Each one's token walks the graph: every root it may ask without
//! arguments, then every `Node` met, read again through `node(id:)` with
//! every field that takes no required argument (objects within it whole,
//! `Node`s within it by id), until nothing new turns up; the admin's
//! token walks the whole tenant the same way. Then:
//!
//! - a partner reads each object it reaches whole, but for the fields of
//!   [`STAFF_ONLY_FIELDS`], and looks each up by id, but for the types of
//!   [`NOT_BY_ID`] (met only through its own objects);
//! - what both partners reach is of a type of [`SHARED`], or neither's to
//!   look up: nothing of one reaches the other through any relation;
//! - the other partner's objects, and every object of the tenant no
//!   partner reaches, answer its `node(id:)` with every field exactly as
//!   an id naming nothing does: `null`, no error;
//! - every `Node` type is reached by a partner or listed in
//!   [`STAFF_ONLY_TYPES`], so a new type fails until it is classified.
//!
//! A console viewer and a service token of each read scope walk the same
//! program: the viewer reaches and reads what the admin does, and no
//! e-mail it reads holds a code; each scope looks up by id (`node(id:)`
//! and `nodes(ids:)` alike) only the types [`BY_SCOPE`] lists, reads no
//! e-mail, and reads `termsInForce` only with `campaigns:read`.

use crate::helpers::{TestApp, code};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

crate::on_both_databases_with!(
    options;
    a_partner_reads_its_own_objects_whole_and_nothing_of_anyone_elses,
    a_viewer_and_each_scoped_key_read_what_their_scopes_say,
);

/// Webhooks to loopback (the partners' endpoints), and sealed credentials
/// (an import's).
fn options() -> revshare::http::Options {
    let mut options = crate::support::receiver::loopback();
    options.data_key = Some(revshare::payouts::seal::DataKey::generate());
    options
}

/// The `Node` types whose objects every partner reaches: the program's,
/// not any partner's.
const SHARED: &[(&str, &str)] = &[
    ("Tenant", "the program, as `viewer.tenant` presents it"),
    ("Campaign", "the default campaign and the public ones"),
    ("Category", "the program's categories, on each partner"),
    ("DealStage", "the pipeline every deal moves through"),
    ("CustomField", "the deal fields of the pipeline"),
    ("CustomFieldOption", "their options"),
    ("CommissionPlan", "the plan a deal's terms name"),
    ("TieredCommission", "a tier every partner works towards"),
    (
        "Announcement",
        "a banner for every partner (one for some groups reaches theirs alone)",
    ),
    (
        "Resource",
        "a text or a file for every partner (one for some groups reaches theirs alone)",
    ),
];

/// The `Node` types no partner reaches: the staff's alone.
const STAFF_ONLY_TYPES: &[(&str, &str)] = &[
    ("PayoutRun", "a run pays many partners"),
    ("UnattributedEvent", "a sale nobody is credited with yet"),
    ("FraudFlag", "the review queue"),
    ("PartnerApplication", "a stranger's application"),
    ("Email", "what the program sends"),
    ("Backtest", "rules tried on the program's history"),
    ("Import", "a program brought over"),
    ("Broadcast", "a message to many partners, and its audience"),
    ("Workflow", "what the program does to partners"),
];

/// The fields refused (`FORBIDDEN`) a partner on the objects it reaches.
const STAFF_ONLY_FIELDS: &[(&str, &str)] = &[
    (
        "Commission.onHold",
        "an open fraud flag's hold: it sees pending",
    ),
    ("Commission.holds", "the fraud flags that hold it"),
    ("Customer.history", "its reassignments between partners"),
    ("Payout.run", "the run, which pays other partners too"),
    ("Tenant.payoutAccount", "the account SEPA files pay from"),
    (
        "Tenant.linkDomainProofs",
        "the DNS records that prove its link domains",
    ),
    (
        "Tenant.taxPayer",
        "the payer of its 1099s: the tenant's staff who read tax",
    ),
    ("Tenant.taxReporting", "how it reports its 1099s"),
];

/// The `Node` types a partner reaches through its objects but may not look
/// up by id, for `node(id:)` answers as their own queries do.
const NOT_BY_ID: &[(&str, &str)] = &[
    (
        "PartnerGroup",
        "its group; `partnerGroup(id:)` is the staff's",
    ),
    (
        "CommissionPlan",
        "its deals' plans; `commissionPlan(id:)` too",
    ),
    ("TieredCommission", "its tiers; `tieredCommission(id:)` too"),
    (
        "Contact",
        "the tenant's people on its deals (not its own staff)",
    ),
];

/// An id naming nothing (a ULID no table holds).
const NOTHING: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
/// How deep objects within objects are selected (a `Node` stops it).
const MAX_NESTING: usize = 8;

const INTROSPECT: &str = "{ __schema { types { name kind fields(includeDeprecated: true) { name \
    args { name defaultValue type { kind } } \
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } \
    possibleTypes { name } } } }";

/// A field: the type it answers (lists and `!` aside), whether it has an
/// argument it cannot go without, whether it pages by `first`.
struct Field {
    name: String,
    target: String,
    required: bool,
    paged: bool,
}

/// The schema as introspection tells it.
struct Schema {
    kinds: BTreeMap<String, String>,
    fields: BTreeMap<String, Vec<Field>>,
    possible: BTreeMap<String, Vec<String>>,
}

impl Schema {
    async fn read(app: &TestApp) -> Schema {
        let data = app.ok(&app.admin(), INTROSPECT, json!({})).await;
        let mut schema = Schema {
            kinds: BTreeMap::new(),
            fields: BTreeMap::new(),
            possible: BTreeMap::new(),
        };
        for t in data["__schema"]["types"].as_array().unwrap() {
            let name = text(&t["name"]);
            schema.kinds.insert(name.clone(), text(&t["kind"]));
            let fields = t["fields"].as_array().into_iter().flatten();
            let fields = fields.map(|f| {
                let args = f["args"].as_array().unwrap();
                Field {
                    name: text(&f["name"]),
                    target: named(&f["type"]),
                    required: args
                        .iter()
                        .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null()),
                    paged: args.iter().any(|a| a["name"] == "first"),
                }
            });
            schema.fields.insert(name.clone(), fields.collect());
            let possible = t["possibleTypes"].as_array().into_iter().flatten();
            let possible = possible.map(|p| text(&p["name"])).collect();
            schema.possible.insert(name, possible);
        }
        schema
    }

    /// The types implementing `Node`.
    fn nodes(&self) -> &[String] {
        &self.possible["Node"]
    }

    fn is_node(&self, t: &str) -> bool {
        t == "Node" || self.nodes().iter().any(|n| n == t)
    }

    /// Every field of `t` but those in `skip`, each aliased `Type__field`
    /// (an error's path then names its type); below the top, a `Node` is
    /// its `__typename` and id alone.
    fn select(&self, t: &str, skip: &BTreeSet<String>, depth: usize) -> String {
        if depth > 0 && self.is_node(t) {
            return format!("__typename {t}__id: id");
        }
        let mut out = String::from("__typename");
        match self.kinds[t].as_str() {
            "OBJECT" => {
                for f in &self.fields[t] {
                    if let Some(field) = self.field(t, f, skip, depth) {
                        out = format!("{out} {field}");
                    }
                }
            }
            _ => {
                for p in &self.possible[t] {
                    out = format!("{out} ... on {p} {{ {} }}", self.select(p, skip, depth));
                }
            }
        }
        out
    }

    /// `f` of `t` with its selection, when it may be asked without
    /// arguments (a page asks for 100); `edges` repeat `nodes`.
    fn field(&self, t: &str, f: &Field, skip: &BTreeSet<String>, depth: usize) -> Option<String> {
        let alias = format!("{t}__{}", f.name);
        if f.required || f.name == "edges" || skip.contains(&alias) {
            return None;
        }
        let head = format!(
            "{alias}: {}{}",
            f.name,
            if f.paged { "(first: 100)" } else { "" }
        );
        match self.kinds[&f.target].as_str() {
            "SCALAR" | "ENUM" => Some(head),
            _ if depth < MAX_NESTING => {
                let inner = self.select(&f.target, skip, depth + 1);
                Some(format!("{head} {{ {inner} }}"))
            }
            _ => None,
        }
    }

    /// `node(id:)` as a `t`, every field selected but those in `skip`.
    fn node(&self, t: &str, skip: &BTreeSet<String>) -> String {
        let inner = self.select(t, skip, 0);
        format!("query($id: ID!) {{ node(id: $id) {{ __typename ... on {t} {{ {inner} }} }} }}")
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not text: {value}"))
        .to_owned()
}

/// The named type under lists and `!`.
fn named(ty: &Value) -> String {
    match ty["name"].as_str() {
        Some(name) => name.to_owned(),
        None => named(&ty["ofType"]),
    }
}

/// `Type.field` of an error: the last field of its path.
fn failed_field(error: &Value) -> String {
    let path = error["path"].as_array().into_iter().flatten();
    let alias = path.rev().find_map(Value::as_str);
    let alias = alias.unwrap_or_else(|| panic!("an error of no field: {error}"));
    alias.replacen("__", ".", 1)
}

/// Runs the query `build` makes, leaving out each field that answered an
/// error until none does: the data, and the first answer's errors as
/// (`Type.field`, code).
async fn prune(
    app: &TestApp,
    token: &str,
    build: impl Fn(&BTreeSet<String>) -> String,
    variables: Value,
) -> (Value, Vec<(String, String)>) {
    let mut skip = BTreeSet::new();
    let mut first = None;
    loop {
        let (status, body) = app
            .post(Some(token), &build(&skip), variables.clone())
            .await;
        assert_eq!(status, 200, "{body}");
        let errors = body["errors"].as_array().into_iter().flatten();
        let errors: Vec<(String, String)> = errors
            .map(|e| (failed_field(e), code(e).to_owned()))
            .collect();
        let first = first.get_or_insert_with(|| errors.clone());
        if errors.is_empty() {
            return (body["data"].clone(), first.clone());
        }
        let before = skip.len();
        skip.extend(
            errors
                .into_iter()
                .map(|(field, _)| field.replacen('.', "__", 1)),
        );
        assert!(skip.len() > before, "errors again once left out: {body}");
    }
}

/// Each `Node` within `value`, as (id, type).
fn collect(schema: &Schema, value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            if let Some(t) = object.get("__typename").and_then(Value::as_str) {
                let id = object.get(&format!("{t}__id")).or(object.get("Node__id"));
                if let (true, Some(Value::String(id))) = (schema.is_node(t), id) {
                    found.push((id.clone(), t.to_owned()));
                }
            }
            object.values().for_each(|v| collect(schema, v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(schema, v, found)),
        _ => {}
    }
}

/// What a token reaches: each object by id with its type, and what its
/// `node(id:)` with every field answered — the fields refused, or `None`
/// when it was null.
struct Walk {
    reached: BTreeMap<String, String>,
    read: BTreeMap<String, Option<Vec<(String, String)>>>,
}

async fn walk(app: &TestApp, schema: &Schema, token: &str, seeds: &[(String, String)]) -> Walk {
    let mut found = seeds.to_vec();
    for f in schema.fields["Query"].iter().filter(|f| !f.required) {
        let root = |skip: &BTreeSet<String>| {
            let field = schema.field("Query", f, skip, 0).unwrap_or_default();
            format!("{{ __typename {field} }}")
        };
        collect(
            schema,
            &prune(app, token, root, json!({})).await.0,
            &mut found,
        );
    }
    let (mut reached, mut read) = (BTreeMap::new(), BTreeMap::new());
    while let Some((id, t)) = found.pop() {
        if reached.insert(id.clone(), t.clone()).is_some() {
            continue;
        }
        let query = |skip: &BTreeSet<String>| schema.node(&t, skip);
        let (data, refused) = prune(app, token, query, json!({ "id": id })).await;
        let node = &data["node"];
        if !node.is_null() {
            assert_eq!(node["__typename"], json!(t), "{id}");
        }
        read.insert(id, (!node.is_null()).then_some(refused));
        collect(schema, node, &mut found);
    }
    Walk { reached, read }
}

/// `node(id:)` of `id`, a `t`, with every field, answers the partner `who`
/// exactly as an id naming nothing does.
async fn assert_unseen(app: &TestApp, schema: &Schema, who: &(&str, String), id: &str, t: &str) {
    let (token, query) = (app.partner_token(&who.1), schema.node(t, &BTreeSet::new()));
    let (_, seen) = app.post(Some(&token), &query, json!({ "id": id })).await;
    let (_, nothing) = app
        .post(Some(&token), &query, json!({ "id": NOTHING }))
        .await;
    assert_eq!(
        nothing,
        json!({ "data": { "node": null } }),
        "{t}: an id naming nothing"
    );
    assert_eq!(seen, nothing, "{} reads the {t} {id}", who.0);
}

fn listed(list: &[(&str, &str)], name: &str) -> bool {
    list.iter().any(|(listed, _)| *listed == name)
}

async fn a_partner_reads_its_own_objects_whole_and_nothing_of_anyone_elses(app: TestApp) {
    let schema = Schema::read(&app).await;
    let (partners, unlisted) = program(&app).await;
    // The objects no list holds start the walks of whoever owns them.
    let seeds = |owner: Option<&String>| -> Vec<(String, String)> {
        let owned = unlisted
            .iter()
            .filter(|(o, _, _)| owner.is_none_or(|w| w == o));
        owned.map(|(_, id, t)| (id.clone(), t.clone())).collect()
    };
    let staff = walk(&app, &schema, &app.admin(), &seeds(None)).await;
    let mut walks = Vec::new();
    for (_, partner) in &partners {
        let token = app.partner_token(partner);
        walks.push(walk(&app, &schema, &token, &seeds(Some(partner))).await);
    }
    let [alice, bob] = [&walks[0], &walks[1]];
    for (t, _) in SHARED.iter().chain(STAFF_ONLY_TYPES).chain(NOT_BY_ID) {
        assert!(schema.is_node(t), "{t} is listed, but no Node type");
    }

    // Each reads what it reaches whole, but for the staff's fields, and
    // looks it up by id, but for what it meets only through its objects.
    let (mut refused, mut by_relation) = (BTreeSet::new(), BTreeSet::new());
    for ((who, _), walk) in partners.iter().zip(&walks) {
        for (id, t) in &walk.reached {
            let Some(errors) = &walk.read[id] else {
                let why = "another's object through a relation, or a type for NOT_BY_ID";
                assert!(
                    listed(NOT_BY_ID, t),
                    "{who} reaches the {t} {id}, but node(id:) answers null: {why}"
                );
                by_relation.insert(t.as_str());
                continue;
            };
            for (field, code) in errors {
                let staff_only = listed(STAFF_ONLY_FIELDS, field) && code == "FORBIDDEN";
                assert!(staff_only, "{who} reads the {t} {id} but {field}: {code}");
                refused.insert(field.as_str());
            }
        }
    }
    let names =
        |list: &[(&'static str, &str)]| list.iter().map(|(n, _)| *n).collect::<BTreeSet<_>>();
    assert_eq!(
        refused,
        names(STAFF_ONLY_FIELDS),
        "the fields refused a partner"
    );
    assert_eq!(
        by_relation,
        names(NOT_BY_ID),
        "the types a partner reaches but not by id"
    );

    // Neither reaches the other's objects, through any relation: what both
    // reach is the program's, or neither's to look up (the tenant's person
    // on both their deals).
    for (id, t) in &alice.reached {
        if bob.reached.contains_key(id) {
            let nobodys = alice.read[id].is_none() && bob.read[id].is_none();
            let why = "a leak, unless every partner may (SHARED)";
            assert!(
                listed(SHARED, t) || nobodys,
                "Alice and Bob both reach the {t} {id}, which one of them looks up: {why}"
            );
        }
    }
    for (t, _) in SHARED {
        let everyone = walks.iter().all(|w| w.reached.values().any(|r| r == t));
        assert!(
            everyone,
            "{t} is listed in SHARED, but not every partner reaches one"
        );
    }

    // The other's objects answer its node(id:) as nothing does.
    for (me, other) in [(&partners[0], bob), (&partners[1], alice)] {
        for (id, t) in other.reached.iter().filter(|(_, t)| !listed(SHARED, t)) {
            assert_unseen(&app, &schema, me, id, t).await;
        }
    }

    // Every Node type is a partner's or the staff's; whatever of the
    // tenant's no partner reaches, Alice's node(id:) does not read.
    let reached: BTreeSet<&str> = walks
        .iter()
        .flat_map(|w| w.reached.values())
        .map(|t| t.as_str())
        .collect();
    for t in schema.nodes() {
        let sample = staff.reached.values().any(|s| s == t);
        assert!(sample, "no {t} in the program: make one in `program`");
        match (reached.contains(t.as_str()), listed(STAFF_ONLY_TYPES, t)) {
            (false, false) => panic!(
                "{t} is new and no partner reaches one: list it in STAFF_ONLY_TYPES, or give Alice and Bob one each in `program`"
            ),
            (true, true) => panic!("{t} is listed in STAFF_ONLY_TYPES, but a partner reaches one"),
            _ => {}
        }
    }
    for (id, t) in &staff.reached {
        if !listed(SHARED, t) && !alice.reached.contains_key(id) && !bob.reached.contains_key(id) {
            assert_unseen(&app, &schema, &partners[0], id, t).await;
        }
    }
}

/// Alice (in the default group) and Bob (in a group of his own), both
/// enrolled in a public campaign, each with one object of every kind a
/// partner owns; beside them, the staff's own objects of every kind. With
/// the partners, the objects no list holds, as (owner, id, type).
async fn program(app: &TestApp) -> ([(&'static str, String); 2], Vec<(String, String, String)>) {
    use crate::support::deals::{
        create_contact, create_deal, create_plan, pipeline, reseller_plan,
    };
    let (admin, events) = (app.admin(), app.service("events:write"));
    let p = pipeline(app).await;
    create_plan(app, reseller_plan(&p)).await;
    let campaign = crate::support::campaigns::create_campaign(
        app,
        json!({ "name": "Spring", "landingUrl": "https://brand.example/spring", "rules": [{ "recurring": { "percentage": 10 } }] }),
    )
    .await;
    let category = app
        .ok(
            &admin,
            "mutation { createCategory(input: { name: \"SaaS\" }) { id } }",
            json!({}),
        )
        .await["createCategory"]["id"]
        .clone();
    let paying = app
        .create_group("Paying", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let tier =
        "mutation($input: TieredCommissionInput!) { createTieredCommission(input: $input) { id } }";
    app.ok(&admin, tier, json!({ "input": { "name": "Silver", "status": "ACTIVE", "startDate": "2020-01-01", "endDate": "2099-12-31",
        "period": "MONTHLY", "applyToAllPartners": true, "campaignIds": [campaign], "goals": { "conversions": 5 } } }))
        .await;
    let tess = create_contact(app, None, "Tess").await;
    let (admin_hook, _) = crate::support::receiver::register(
        app,
        &admin,
        json!({ "url": "http://127.0.0.1:9/staff", "eventTypes": ["COMMISSION_CREATED"] }),
    )
    .await;
    let mut hooks = vec![(admin.clone(), admin_hook)];
    // The program self-bills (SPEC §33): each partner's paid payout is
    // invoiced.
    let invoicing = "mutation { updateTenant(input: { invoicing: { selfBilling: true, legalName: \"Acme GmbH\", \
        country: \"DE\", vatId: \"DE811907980\", agreement: \"Acme issues your invoices.\", \
        address: { line1: \"Friedrichstraße 100\", city: \"Berlin\", zip: \"10117\", country: \"DE\" } } }) { name } }";
    app.ok(&admin, invoicing, json!({})).await;
    let (mut partners, mut unlisted) = (Vec::new(), Vec::new());
    for (n, (name, group)) in [("Alice", None), ("Bob", Some(&paying))]
        .into_iter()
        .enumerate()
    {
        let partner = app
            .create_partner(
                json!({ "name": name, "email": format!("{name}@example.com"), "type": "RESELLER",
                                    "groupId": group, "categoryIds": [category] }),
            )
            .await;
        let token = app.partner_token(&partner);
        let (hook, _) = crate::support::receiver::register(
            app,
            &token,
            json!({ "url": "http://127.0.0.1:9/hook" }),
        )
        .await;
        hooks.push((token.clone(), hook));
        crate::support::partners::enroll(app, &partner, &campaign).await;
        let code = format!("{name}-spring").to_lowercase();
        app.ok(
            &token,
            "mutation($c: ID!, $code: String!) { createReferralCode(input: { campaignId: $c, code: $code }) { id } }",
            json!({ "c": campaign, "code": code }),
        )
        .await;
        let click = "mutation($code: String!) { recordClick(input: { code: $code }) { id } }";
        let click =
            text(&app.ok(&events, click, json!({ "code": code })).await["recordClick"]["id"]);
        unlisted.push((partner.clone(), click.clone(), "Click".to_owned()));
        let attribute = "mutation($click: ID!, $c: String!) { attributeCustomer(input: { customerExternalId: $c, clickId: $click }) { id } }";
        app.ok(
            &admin,
            attribute,
            json!({ "click": click, "c": format!("cus-{n}") }),
        )
        .await;
        let mut sale = crate::support::sales::sale_input(&partner, &format!("spring-{n}"), "80");
        sale["customerExternalId"] = json!(format!("cus-{n}"));
        sale["campaignId"] = json!(campaign);
        crate::support::sales::record(app, sale).await;
        // A sale in January, paid by the run below.
        let mut sale = crate::support::sales::sale_input(&partner, &format!("sale-{n}"), "100");
        sale["campaignId"] = json!(campaign);
        sale["occurredAt"] = json!("2026-01-10T12:00:00Z");
        let commission = crate::support::sales::commission_id(app, sale).await;
        crate::support::payouts::approve(app, &[&commission]).await;
        crate::support::payouts::paypal(app, &partner, &format!("{name}@example.com")).await;
        let vat = "mutation { setPartnerVat(input: { registered: true, vatId: \"DE136695976\", country: \"DE\", \
            legalName: \"A Partner\", address: { line1: \"Domstraße 1\", city: \"Köln\", zip: \"50667\", country: \"DE\" } }) { vatId } }";
        app.ok(&token, vat, json!({})).await;
        let accept = "mutation { acceptSelfBillingAgreement(input: { version: 1 }) { version } }";
        app.ok(&token, accept, json!({})).await;
        let staff = create_contact(app, Some(&partner), &format!("{name}'s seller")).await;
        create_deal(app, json!({ "externalId": format!("D-{n}"), "partnerId": partner, "name": "Rollout", "amount": "1000",
                                 "stageId": p.stage("Lead"), "leadCreatorId": staff, "ownerId": tess }))
            .await;
        // A bounty of its group, and its work for it (SPEC §31).
        let group_id = app
            .ok(
                &admin,
                "query($p: ID!) { partner(id: $p) { group { id } } }",
                json!({ "p": partner }),
            )
            .await["partner"]["group"]["id"]
            .clone();
        let bounty = "mutation($g: ID!, $n: String!) { createBounty(input: { name: $n, groupIds: [$g], type: SUBMISSION, \
            reward: { amount: \"10.00\", currency: \"USD\" }, startsAt: \"2026-01-01T00:00:00Z\" }) { id } }";
        let bounty = app
            .ok(
                &admin,
                bounty,
                json!({ "g": group_id, "n": format!("{name}'s review") }),
            )
            .await["createBounty"]["id"]
            .clone();
        let submit = "mutation($b: ID!) { submitBounty(input: { bountyId: $b, urls: [\"https://a.example/r\"] }) { id } }";
        app.ok(&token, submit, json!({ "b": bounty })).await;
        // A retainer of its own (SPEC §37), from a day to come.
        let starts = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
        let retainer = "mutation($p: ID!, $s: Date!) { createRetainer(input: { name: \"Stipend\", partnerId: $p, \
            cadence: MONTHLY, amount: { amount: \"10.00\", currency: \"USD\" }, startsOn: $s }) { id } }";
        app.ok(&admin, retainer, json!({ "p": partner, "s": starts }))
            .await;
        // Its thread both ways (SPEC §35).
        let write =
            "mutation($p: ID!) { sendMessage(input: { partnerId: $p, body: \"Hi\" }) { id } }";
        app.ok(&admin, write, json!({ "p": partner })).await;
        let reply = "mutation { sendMessage(input: { body: \"Hello\" }) { id } }";
        app.ok(&token, reply, json!({})).await;
        partners.push((name, partner));
    }
    // An announcement for every partner (SPEC §37).
    app.ok(
        &admin,
        "mutation { createAnnouncement(input: { title: \"Spring launch\", body: \"New plans are live.\" }) { id } }",
        json!({}),
    )
    .await;
    // A text for every partner to copy (SPEC §37).
    app.ok(
        &admin,
        "mutation { createResource(input: { kind: TEXT, title: \"Tagline\", text: \"Grow with Acme.\" }) { id } }",
        json!({}),
    )
    .await;
    let the_run = crate::support::payouts::run(app, json!({ "periodEnd": "2026-01-31" })).await;
    for payout in the_run["payouts"].as_array().unwrap() {
        let paid = "mutation($id: ID!) { markPayoutPaid(id: $id, reference: \"BANK-1\") { invoice { id } } }";
        let paid = app
            .ok(
                &app.service("commissions:write"),
                paid,
                json!({ "id": payout["id"] }),
            )
            .await;
        assert!(paid["markPayoutPaid"]["invoice"]["id"].is_string());
    }
    // Each partner's 1099 of 2025: a W-9 each, a payment, the year issued.
    let payer = "mutation { updateTenant(input: { taxPayer: { legalName: \"Acme\", tin: \"12-3456789\", \
        address: { line1: \"1 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" }, phone: \"512 555 0100\" } }) { name } }";
    app.ok(&admin, payer, json!({})).await;
    let w9 = "mutation($p: ID!, $tin: String!) { submitTaxProfile(input: { partnerId: $p, form: W9, country: \"US\", \
        taxId: $tin, tinType: SSN, legalName: \"A Payee\", classification: INDIVIDUAL, \
        address: { line1: \"2 Main St\", city: \"Austin\", state: \"TX\", zip: \"78701\" } }) { status } }";
    let approve = "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }";
    let paid = "mutation($p: ID!) { addTaxPayment(input: { partnerId: $p, amount: \"700.00\", paidOn: \"2025-06-01\", note: \"cheque\" }) { amount } }";
    for ((_, partner), tin) in partners.iter().zip(["123-45-6789", "234-56-7890"]) {
        app.ok(&admin, w9, json!({ "p": partner, "tin": tin }))
            .await;
        app.ok(&admin, approve, json!({ "p": partner })).await;
        app.ok(&admin, paid, json!({ "p": partner })).await;
    }
    app.ok(
        &admin,
        "mutation { issueTaxForms(year: 2025) { year } }",
        json!({}),
    )
    .await;
    // The staff's own: a held sale, a flagged customer, a stranger's
    // application (and its e-mail), a backtest, an import.
    let held = "mutation { recordEvent(input: { externalId: \"held-1\", customerExternalId: \"cus-unknown\", amount: \"10\" }) { unattributed } }";
    app.ok(&events, held, json!({})).await;
    let flagged = "mutation($p: ID!) { attributeCustomer(input: { customerExternalId: \"cus-flagged\", partnerId: $p, email: \"z@mailinator.com\" }) { id } }";
    app.ok(&admin, flagged, json!({ "p": partners[1].1 })).await;
    let apply = "mutation($c: ID!) { submitPartnerApplication(input: { tenantId: \"acme\", campaignId: $c, name: \"Cy\", email: \"cy@example.com\" }) { accepted } }";
    assert_eq!(app.post(None, apply, json!({ "c": campaign })).await.0, 200);
    let backtest = "mutation($g: ID!) { startBacktest(input: { from: \"2020-01-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\", groupId: $g }) { id } }";
    let backtest = app.ok(&admin, backtest, json!({ "g": paying })).await;
    let backtest = text(&backtest["startBacktest"]["id"]);
    let broadcast = "mutation { createBroadcast(input: { subject: \"News\", body: \"Hello all\", audience: {} }) { id } }";
    app.ok(&admin, broadcast, json!({})).await;
    let workflow = "mutation { createWorkflow(input: { name: \"Welcome\", trigger: { partnerApproved: true }, actions: [{ addTag: \"new\" }] }) { id } }";
    app.ok(&admin, workflow, json!({})).await;
    let import = "mutation { startImport(input: { source: CSV, dryRun: true, credentials: { csv: \"partner_id,name\\nx-1,Xu\\n\" } }) { id } }";
    app.ok(&admin, import, json!({})).await;
    // Each endpoint has been sent something before anyone walks.
    let deliveries =
        "query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 1) { nodes { id } } } }";
    for (token, hook) in &hooks {
        for attempt in 0.. {
            let read = app.ok(token, deliveries, json!({ "id": hook })).await;
            if read["webhookEndpoint"]["deliveries"]["nodes"][0]["id"].is_string() {
                break;
            }
            assert!(attempt < 200, "no delivery to {hook}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    unlisted.push(("staff".to_owned(), backtest, "Backtest".to_owned()));
    ([partners.remove(0), partners.remove(0)], unlisted)
}

/// The `Node` types a service token of each read scope looks up by id, as
/// `docs/security.md`'s table says (a `:write` scope reads as its `:read`).
/// Every scope reads the tenant; the rest is the table of
/// `docs/security.md` (codes and clicks with the partners', the campaigns'
/// and the ledger's readers; contacts with the partners', the deals' and
/// the ledger's; a plan's categories with `commission_plans:read`).
const BY_SCOPE: &[(&str, &[&str])] = &[
    (
        "partners:read",
        &[
            "Broadcast",
            "Category",
            "Click",
            "Contact",
            "Customer",
            "Message",
            "Partner",
            "PartnerApplication",
            "PartnerLink",
            "ReferralCode",
            "Tenant",
            "Workflow",
        ],
    ),
    ("partner_groups:read", &["PartnerGroup", "Tenant"]),
    (
        "campaigns:read",
        &[
            "Announcement",
            "Bounty",
            "BountySubmission",
            "Campaign",
            "Click",
            "DomainEvent",
            "Enrollment",
            "PartnerCommission",
            "PartnershipRequest",
            "PartnerLink",
            "ReferralCode",
            "Resource",
            "Tenant",
        ],
    ),
    (
        "commissions:read",
        &[
            "Bounty",
            "BountySubmission",
            "Click",
            "Commission",
            "Contact",
            "Customer",
            "DomainEvent",
            "Event",
            "FraudFlag",
            "Invoice",
            "PartnerCommission",
            "Payout",
            "PayoutRun",
            "PartnerLink",
            "ReferralCode",
            "Retainer",
            "Tenant",
            "UnattributedEvent",
        ],
    ),
    // What its own calls answered, and nothing by id.
    ("events:write", &["Tenant"]),
    (
        "deals:read",
        &[
            "Contact",
            "CustomField",
            "CustomFieldOption",
            "Deal",
            "DealStage",
            "DomainEvent",
            "Event",
            "Tenant",
        ],
    ),
    (
        "commission_plans:read",
        &[
            "Category",
            "CommissionPlan",
            "CustomField",
            "CustomFieldOption",
            "DealStage",
            "Tenant",
        ],
    ),
    ("tiered_commissions:read", &["Tenant", "TieredCommission"]),
    // An endpoint receiving commission events needs `commissions:read` too.
    ("webhooks:read", &["Tenant"]),
    ("activity:read", &["ActivityEntry", "Tenant"]),
];

/// Every id among `ids` that `nodes(ids:)` answers `token` with, 100 at a
/// time.
async fn nodes_read(app: &TestApp, token: &str, ids: &[String]) -> BTreeSet<String> {
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let mut read = BTreeSet::new();
    for chunk in ids.chunks(100) {
        let data = app.ok(token, query, json!({ "ids": chunk })).await;
        for (node, id) in data["nodes"].as_array().unwrap().iter().zip(chunk) {
            if !node.is_null() {
                assert_eq!(node["id"], json!(id));
                read.insert(id.clone());
            }
        }
    }
    read
}

/// The ids a walk read by `node(id:)`.
fn read_by_id(walk: &Walk) -> BTreeSet<String> {
    walk.read
        .iter()
        .filter(|(_, read)| read.is_some())
        .map(|(id, _)| id.clone())
        .collect()
}

/// No code a link opens with is in `text`: each is withheld (`…`).
fn assert_no_code(text: &str) {
    for marker in ["#code=", "#confirm=", "/mail/unsubscribe/"] {
        for (_, rest) in text
            .match_indices(marker)
            .map(|(at, _)| text.split_at(at + marker.len()))
        {
            assert!(rest.starts_with('…'), "a code after {marker}: {text}");
        }
    }
}

async fn a_viewer_and_each_scoped_key_read_what_their_scopes_say(app: TestApp) {
    let schema = Schema::read(&app).await;
    let (partners, unlisted) = program(&app).await;
    // The commission e-mails are written off the ledger's path: all of
    // them before anyone walks.
    while revshare::mail::earned::pass(&app.db).await.unwrap() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let seeds: Vec<(String, String)> = unlisted
        .iter()
        .map(|(_, id, t)| (id.clone(), t.clone()))
        .collect();
    // Signed in first: its sign-in is in the activity log both walk.
    let viewer = crate::support::staff::staff_token(&app, "vi@acme.example", "VIEWER").await;
    let staff = walk(&app, &schema, &app.admin(), &seeds).await;
    let every: Vec<String> = staff.reached.keys().cloned().collect();

    // A viewer reaches and reads what the admin does, field for field.
    let seen = walk(&app, &schema, &viewer, &seeds).await;
    assert_eq!(seen.reached, staff.reached, "what the viewer reaches");
    assert_eq!(seen.read, staff.read, "what the viewer reads of each");
    assert_eq!(nodes_read(&app, &viewer, &every).await, read_by_id(&staff));
    // The e-mails it reads (a stranger's confirmation among them) hold no
    // code.
    let mails = app
        .ok(
            &viewer,
            "{ emails { totalCount nodes { kind text html } } }",
            json!({}),
        )
        .await;
    assert!(
        mails["emails"]["totalCount"].as_u64().unwrap() >= 1,
        "{mails}"
    );
    for mail in mails["emails"]["nodes"].as_array().unwrap() {
        assert_no_code(mail["text"].as_str().unwrap());
        assert_no_code(mail["html"].as_str().unwrap());
    }

    // Each read scope: the types it looks up by id, through `node(id:)`
    // and `nodes(ids:)` alike, and no e-mail.
    for (scope, types) in BY_SCOPE {
        let token = app.service(scope);
        let walked = walk(&app, &schema, &token, &seeds).await;
        let by_id = read_by_id(&walked);
        let mut found: BTreeSet<&str> = BTreeSet::new();
        for id in &by_id {
            found.insert(staff.reached.get(id).map_or("?", String::as_str));
        }
        let expected: BTreeSet<&str> = types.iter().copied().collect();
        assert!(
            found.is_subset(&expected),
            "{scope}: the types it looks up by id: {found:?}"
        );
        // `nodes(ids:)` of every id of the tenant: what `node(id:)` read,
        // and every object of the types the scope looks up, no other.
        let listed = nodes_read(&app, &token, &every).await;
        let types_listed: BTreeSet<&str> =
            listed.iter().map(|id| staff.reached[id].as_str()).collect();
        assert_eq!(
            types_listed, expected,
            "{scope}: the types nodes(ids:) reads"
        );
        assert!(
            by_id
                .iter()
                .all(|id| listed.contains(id) || !staff.reached.contains_key(id)),
            "{scope}: nodes(ids:) misses what node(id:) reads"
        );
        let (_, mails) = app
            .post(Some(&token), "{ emails { totalCount } }", json!({}))
            .await;
        assert_eq!(
            code(&mails["errors"][0]),
            "FORBIDDEN",
            "{scope} reads e-mails"
        );
    }
    // `termsInForce` is the campaign readers' (a partner's own: see
    // `what_callers_cannot_learn`).
    let terms = "query($p: ID!) { partner(id: $p) { name termsInForce { rulesSource } } }";
    let alice = json!({ "p": partners[0].1 });
    let (_, read) = app
        .post(Some(&app.service("partners:read")), terms, alice.clone())
        .await;
    assert_eq!(read["data"]["partner"]["name"], "Alice");
    assert_eq!(code(&read["errors"][0]), "FORBIDDEN", "{read}");
    let both = app.service("partners:read campaigns:read");
    let read = app.ok(&both, terms, alice).await;
    assert!(
        read["partner"]["termsInForce"]["rulesSource"].is_string(),
        "{read}"
    );
}
