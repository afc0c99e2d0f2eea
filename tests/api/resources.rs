//! Resources (SPEC §37): logos, images and PDFs to download and texts to
//! copy in the partner portal, in sections and in order, for every partner
//! or some groups'; files judged by their bytes, downloaded with a token
//! that may read them, and not found by any other.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use crate::support::files::{PNG, b64, pdf};
use serde_json::{Value, json};

on_both_databases!(
    partners_download_and_copy_the_resources_meant_for_them,
    bad_resources_are_refused_by_their_field_and_write_nothing,
    each_change_to_a_resource_is_in_the_activity_log,
);

const CREATE: &str = "mutation($input: CreateResourceInput!) { createResource(input: $input) { id kind title section position groupIds filename contentType size url text } }";
const LIST: &str = "query($after: String) { resources(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id title section } } }";

const SVG: &str = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\"/></svg>\n";

async fn create(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), CREATE, json!({ "input": input }))
        .await["createResource"]
        .clone()
}

/// `GET path` with `token`: the status, the headers asked for, the bytes.
async fn download(app: &TestApp, token: Option<&str>, path: &str) -> (u16, [String; 4], Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let headers = [
        header("content-type"),
        header("content-disposition"),
        header("x-content-type-options"),
        header("content-security-policy"),
    ];
    let status = response.status().as_u16();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn partners_download_and_copy_the_resources_meant_for_them(app: TestApp) {
    let admin = app.admin();
    let creators = app
        .create_group("Creators", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let others = app
        .create_group("Others", json!([{ "recurring": { "percentage": 10 } }]))
        .await;
    let ada = app
        .create_partner(json!({ "name": "Ada", "groupId": creators }))
        .await;
    let bo = app
        .create_partner(json!({ "name": "Bo", "groupId": others }))
        .await;

    let dark = create(
        &app,
        json!({ "kind": "LOGO", "title": "Logo (dark)", "section": "Logos", "position": 1,
                "file": { "filename": "logo-dark.svg", "content": b64(SVG.as_bytes()) } }),
    )
    .await;
    let logo = create(
        &app,
        json!({ "kind": "LOGO", "title": "Logo", "section": "Logos",
                "file": { "filename": "logo.png", "content": b64(&PNG) } }),
    )
    .await;
    // Exactly 5 MiB: this request is about 7 MiB, past the usual 2 MiB.
    let guide_bytes = pdf(5 * 1024 * 1024);
    let guide = create(
        &app,
        json!({ "kind": "PDF", "title": "Brand guide", "section": "Guides", "groupIds": [creators],
                "file": { "filename": "Marken Übersicht.pdf", "content": b64(&guide_bytes) } }),
    )
    .await;
    let tagline = create(
        &app,
        json!({ "kind": "TEXT", "title": "Tagline", "position": 3,
                "text": "  Acme: pay once,\ngrow forever.  " }),
    )
    .await;
    let id = |r: &Value| r["id"].as_str().unwrap().to_owned();
    let (dark_id, logo_id, guide_id, tagline_id) = (id(&dark), id(&logo), id(&guide), id(&tagline));
    assert_eq!(
        guide,
        json!({ "id": guide_id, "kind": "PDF", "title": "Brand guide", "section": "Guides",
                "position": 0, "groupIds": [creators], "filename": "Marken Übersicht.pdf",
                "contentType": "application/pdf", "size": 5_242_880,
                "url": format!("/resources/{guide_id}/Marken%20%C3%9Cbersicht.pdf"), "text": null })
    );
    assert_eq!(
        tagline,
        json!({ "id": tagline_id, "kind": "TEXT", "title": "Tagline", "section": null,
                "position": 3, "groupIds": [], "filename": null, "contentType": null,
                "size": null, "url": null, "text": "Acme: pay once,\ngrow forever." })
    );
    assert_eq!(
        (&dark["contentType"], &dark["size"]),
        (&json!("image/svg+xml"), &json!(SVG.len()))
    );
    assert_eq!(
        (&logo["contentType"], &logo["size"]),
        (&json!("image/png"), &json!(67))
    );

    // No section first, then sections by name, then position, then title;
    // paged two at a time.
    let first = app.ok(&admin, LIST, json!({})).await["resources"].clone();
    assert_eq!(
        first,
        json!({ "totalCount": 4, "pageInfo": { "hasNextPage": true, "endCursor": guide_id },
                "nodes": [
                    { "id": tagline_id, "title": "Tagline", "section": null },
                    { "id": guide_id, "title": "Brand guide", "section": "Guides" } ] })
    );
    let rest = app.ok(&admin, LIST, json!({ "after": guide_id })).await["resources"].clone();
    assert_eq!(
        rest,
        json!({ "totalCount": 4, "pageInfo": { "hasNextPage": false, "endCursor": dark_id },
                "nodes": [
                    { "id": logo_id, "title": "Logo", "section": "Logos" },
                    { "id": dark_id, "title": "Logo (dark)", "section": "Logos" } ] })
    );

    // Bo, of another group, neither lists nor finds nor downloads the
    // guide; a partner never reads whom a resource is for.
    let bo_token = app.partner_token(&bo);
    let listed = app
        .ok(
            &bo_token,
            "{ resources { totalCount nodes { id groupIds } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["resources"],
        json!({ "totalCount": 3, "nodes": [
            { "id": tagline_id, "groupIds": [] },
            { "id": logo_id, "groupIds": [] },
            { "id": dark_id, "groupIds": [] } ] })
    );
    let found = app
        .ok(
            &bo_token,
            "query($id: ID!) { resource(id: $id) { id } node(id: $id) { id } }",
            json!({ "id": guide_id }),
        )
        .await;
    assert_eq!(found, json!({ "resource": null, "node": null }));
    let guide_url = guide["url"].as_str().unwrap();
    let (status, _, _) = download(&app, Some(&bo_token), guide_url).await;
    assert_eq!(status, 404);

    // Ada downloads it whole, as an attachment under its own name.
    let ada_token = app.partner_token(&ada);
    let (status, headers, bytes) = download(&app, Some(&ada_token), guide_url).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers[..3],
        [
            "application/pdf".to_owned(),
            "attachment; filename=\"Marken _bersicht.pdf\"; filename*=UTF-8''Marken%20%C3%9Cbersicht.pdf"
                .to_owned(),
            "nosniff".to_owned(),
        ]
    );
    assert!(
        bytes == guide_bytes,
        "the guide's bytes, {} of them",
        bytes.len()
    );
    let (status, headers, bytes) =
        download(&app, Some(&ada_token), dark["url"].as_str().unwrap()).await;
    assert_eq!((status, headers[0].as_str()), (200, "image/svg+xml"));
    assert_eq!(
        headers[3],
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );
    assert_eq!(bytes, SVG.as_bytes());

    // Another name, no token, another tenant's staff, a text: not found
    // (no token: unauthenticated).
    let other_tenant = app.admin_of(crate::helpers::OTHER_TENANT);
    for (token, path, wanted) in [
        (
            Some(&ada_token),
            format!("/resources/{guide_id}/guide.pdf"),
            404,
        ),
        (
            Some(&admin),
            format!("/resources/{tagline_id}/tagline.txt"),
            404,
        ),
        (Some(&other_tenant), guide_url.to_owned(), 404),
        (None, guide_url.to_owned(), 401),
    ] {
        let (status, _, _) = download(&app, token.map(String::as_str), &path).await;
        assert_eq!(status, wanted, "{path}");
    }

    // Moved to Bo's group, the guide is Bo's to read and no longer Ada's;
    // out of its section it comes first; deleted, it is gone.
    let moved = app
        .ok(
            &admin,
            "mutation($id: ID!, $groups: [ID!]) { updateResource(id: $id, input: { groupIds: $groups, section: null, position: -1, title: \"Guide\" }) { title section position groupIds } }",
            json!({ "id": guide_id, "groups": [others] }),
        )
        .await;
    assert_eq!(
        moved["updateResource"],
        json!({ "title": "Guide", "section": null, "position": -1, "groupIds": [others] })
    );
    let (status, _, _) = download(&app, Some(&ada_token), guide_url).await;
    assert_eq!(status, 404);
    let listed = app
        .ok(&bo_token, "{ resources { nodes { id } } }", json!({}))
        .await;
    assert_eq!(
        listed["resources"]["nodes"],
        json!([{ "id": guide_id }, { "id": tagline_id }, { "id": logo_id }, { "id": dark_id }])
    );
    let text = app
        .ok(
            &admin,
            "mutation($id: ID!) { updateResource(id: $id, input: { text: \"Acme: grow with us.\" }) { text } }",
            json!({ "id": tagline_id }),
        )
        .await;
    assert_eq!(text["updateResource"]["text"], "Acme: grow with us.");
    let deleted = app
        .ok(
            &admin,
            "mutation($id: ID!) { deleteResource(id: $id) }",
            json!({ "id": guide_id }),
        )
        .await;
    assert_eq!(deleted["deleteResource"], guide_id.as_str());
    let (status, _, _) = download(&app, Some(&admin), guide_url).await;
    assert_eq!(status, 404);
    let error = app
        .error(Some(&admin), LIST, json!({ "after": guide_id }))
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "after"),
        "{error}"
    );
}

async fn bad_resources_are_refused_by_their_field_and_write_nothing(app: TestApp) {
    let admin = app.admin();
    let png = b64(&PNG);
    let file = |name: &str, content: &str| json!({ "filename": name, "content": content });
    let too_big = b64(&pdf(5 * 1024 * 1024 + 1));
    for (input, wanted) in [
        (
            json!({ "kind": "TEXT", "title": " ", "text": "t" }),
            "input.title",
        ),
        (
            json!({ "kind": "TEXT", "title": "x".repeat(121), "text": "t" }),
            "input.title",
        ),
        (
            json!({ "kind": "TEXT", "title": "t", "text": "y".repeat(5_001) }),
            "input.text",
        ),
        (json!({ "kind": "TEXT", "title": "t" }), "input.text"),
        (
            json!({ "kind": "TEXT", "title": "t", "text": "t", "file": file("a.png", &png) }),
            "input.file",
        ),
        (json!({ "kind": "LOGO", "title": "t" }), "input.file"),
        (
            json!({ "kind": "LOGO", "title": "t", "text": "t", "file": file("a.png", &png) }),
            "input.text",
        ),
        (
            json!({ "kind": "LOGO", "title": "t", "file": file("../a.png", &png) }),
            "input.file.filename",
        ),
        (
            json!({ "kind": "LOGO", "title": "t", "file": file("a.png", "not base64!") }),
            "input.file.content",
        ),
        (
            json!({ "kind": "LOGO", "title": "t", "file": file("a.png", "") }),
            "input.file.content",
        ),
        // A GIF is an image, never a logo; a PNG is never a PDF, whatever
        // its name says.
        (
            json!({ "kind": "LOGO", "title": "t", "file": file("a.gif", &b64(b"GIF89a\x01\0\x01\0")) }),
            "input.file.content",
        ),
        (
            json!({ "kind": "PDF", "title": "t", "file": file("a.pdf", &png) }),
            "input.file.content",
        ),
        (
            json!({ "kind": "IMAGE", "title": "t", "file": file("a.png", &b64(b"<svg></svg>")) }),
            "input.file.content",
        ),
        (
            json!({ "kind": "PDF", "title": "t", "file": file("a.pdf", &too_big) }),
            "input.file.content",
        ),
        (
            json!({ "kind": "TEXT", "title": "t", "text": "t", "section": "s".repeat(61) }),
            "input.section",
        ),
        (
            json!({ "kind": "TEXT", "title": "t", "text": "t", "groupIds": ["01NOSUCHGROUP"] }),
            "input.groupIds[0]",
        ),
    ] {
        let error = app
            .error(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
        assert_eq!(field(&error), wanted, "{error}");
    }
    let error = app
        .error(
            Some(&admin),
            CREATE,
            json!({ "input": { "kind": "LOGO", "title": "t", "file": file("a.gif", &b64(b"GIF89a\x01\0\x01\0")) } }),
        )
        .await;
    assert_eq!(
        error["message"],
        "input.file.content: a LOGO must be PNG, JPEG, WebP, SVG; its bytes are a GIF"
    );
    let count = app
        .ok(&admin, "{ resources { totalCount } }", json!({}))
        .await;
    assert_eq!(count["resources"]["totalCount"], 0);

    // A partner writes none; a token that only reads campaigns writes
    // none; a text takes no file's changes, a file no text.
    let ada = app.create_partner(json!({ "name": "Ada" })).await;
    let text = json!({ "input": { "kind": "TEXT", "title": "t", "text": "t" } });
    for token in [app.partner_token(&ada), app.service("campaigns:read")] {
        let error = app.error(Some(&token), CREATE, text.clone()).await;
        assert_eq!(code(&error), "FORBIDDEN", "{error}");
    }
    let logo = create(
        &app,
        json!({ "kind": "LOGO", "title": "Logo", "file": file("logo.png", &png) }),
    )
    .await;
    let error = app
        .error(
            Some(&admin),
            "mutation($id: ID!) { updateResource(id: $id, input: { text: \"t\", title: \"New\" }) { id } }",
            json!({ "id": logo["id"] }),
        )
        .await;
    assert_eq!(
        (code(&error), field(&error)),
        ("BAD_USER_INPUT", "input.text"),
        "{error}"
    );
    let read = app
        .ok(
            &admin,
            "query($id: ID!) { resource(id: $id) { title text } }",
            json!({ "id": logo["id"] }),
        )
        .await;
    assert_eq!(read["resource"], json!({ "title": "Logo", "text": null }));
}

/// Making, changing and deleting a resource each write an entry naming
/// the resource and what changed: a file by its name, type and size,
/// never its bytes.
async fn each_change_to_a_resource_is_in_the_activity_log(app: TestApp) {
    let admin = app.admin();
    let logo = create(
        &app,
        json!({ "kind": "LOGO", "title": "Logo", "file": { "filename": "logo.png", "content": b64(&PNG) } }),
    )
    .await;
    let id = logo["id"].as_str().unwrap().to_owned();
    app.ok(
        &admin,
        "mutation($id: ID!) { updateResource(id: $id, input: { title: \"Logo (light)\", section: \"Logos\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    app.ok(
        &admin,
        "mutation($id: ID!) { deleteResource(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let log = app
        .ok(
            &admin,
            "query($id: ID!) { activity(filter: { objectId: $id }) { nodes { action object { kind id } changes { field before after } } } }",
            json!({ "id": id }),
        )
        .await;
    let said: Vec<(String, Vec<String>)> = log["activity"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["object"], json!({ "kind": "Resource", "id": id }));
            let changes = entry["changes"].as_array().unwrap().iter().map(|c| {
                format!(
                    "{}: {} -> {}",
                    c["field"].as_str().unwrap(),
                    c["before"],
                    c["after"]
                )
            });
            (
                entry["action"].as_str().unwrap().to_owned(),
                changes.collect(),
            )
        })
        .collect();
    let size = PNG.len().to_string();
    let made = [
        "contentType: null -> \"image/png\"".to_owned(),
        "filename: null -> \"logo.png\"".to_owned(),
        "groupIds: null -> \"[]\"".to_owned(),
        "kind: null -> \"LOGO\"".to_owned(),
        "position: null -> \"0\"".to_owned(),
        format!("size: null -> \"{size}\""),
        "title: null -> \"Logo\"".to_owned(),
    ];
    let gone = [
        "contentType: \"image/png\" -> null".to_owned(),
        "filename: \"logo.png\" -> null".to_owned(),
        "groupIds: \"[]\" -> null".to_owned(),
        "kind: \"LOGO\" -> null".to_owned(),
        "position: \"0\" -> null".to_owned(),
        "section: \"Logos\" -> null".to_owned(),
        format!("size: \"{size}\" -> null"),
        "title: \"Logo (light)\" -> null".to_owned(),
    ];
    assert_eq!(
        said,
        [
            ("createResource".to_owned(), made.to_vec()),
            (
                "updateResource".to_owned(),
                vec![
                    "section: null -> \"Logos\"".to_owned(),
                    "title: \"Logo\" -> \"Logo (light)\"".to_owned(),
                ]
            ),
            ("deleteResource".to_owned(), gone.to_vec()),
        ]
    );
}
