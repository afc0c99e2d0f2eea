//! Access, round 7: a large body is refused before it is read — only a
//! partner's invoice upload carries more than 2 MiB, known as its body
//! streams and never by parsing it — and an operation over a WebSocket is
//! the HTTP request it would have been to every limit and to the activity
//! log: the socket's client address, a request id of its own.

use crate::helpers::{TENANT, TestApp, code};
use crate::support::ws::{Received, Ws};
use revshare::http::{MAX_BODY_BYTES, Options};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

crate::on_both_databases_with!(
    behind_a_proxy;
    a_large_body_is_refused_before_it_is_read,
    a_chunked_body_is_cut_at_its_limit,
    a_client_that_sends_its_whole_refused_body_reads_the_refusal,
    the_invoice_upload_alone_carries_more_than_2_mib,
    the_join_form_over_a_websocket_is_limited_as_over_http,
    a_mutation_over_a_websocket_is_logged_with_its_ip_and_request_id,
);

/// Behind a proxy on loopback, which it trusts: `X-Forwarded-For` names
/// the client, on a request as on a socket's upgrade.
fn behind_a_proxy() -> Options {
    Options {
        trusted_proxies: revshare::http::client::TrustedProxies::parse("127.0.0.0/8").unwrap(),
        ..Options::new(revshare::graphql::LOADER_DELAY)
    }
}

/// How long an answer that needs no more of the body may take.
const PROMPTLY: Duration = Duration::from_secs(5);

/// The start of a body whose query is not the upload; a `pad` string
/// follows, as long as the test makes it.
const NOT_THE_UPLOAD: &[u8] =
    br#"{"query":"query($pad: String) { viewer { __typename } }","variables":{"pad":""#;

const UPLOAD: &str =
    "mutation($input: UploadPartnerInvoiceInput!) { uploadPartnerInvoice(input: $input) { id } }";

/// Sends a POST's head (`headers` besides the host and the JSON content
/// type) and `sent`, the start of its body; then waits for the answer
/// without sending more.
async fn answer_to(app: &TestApp, headers: &[String], sent: &[u8]) -> Option<String> {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let mut head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n",
        app.addr
    );
    for header in headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer, and close, before this is sent.
    let _ = tokio::time::timeout(PROMPTLY, stream.write_all(sent)).await;
    answer(&mut stream).await
}

/// The answer on `stream`, if a whole one comes within [`PROMPTLY`].
async fn answer(stream: &mut TcpStream) -> Option<String> {
    let mut reply = Vec::new();
    let read = tokio::time::timeout(PROMPTLY, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&buffer[..n]),
            }
            if whole(&reply) {
                break;
            }
        }
    })
    .await;
    (read.is_ok() && !reply.is_empty()).then(|| String::from_utf8_lossy(&reply).into_owned())
}

/// Whether `reply` holds an answer's head and the body its length names.
fn whole(reply: &[u8]) -> bool {
    let text = String::from_utf8_lossy(reply);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .is_some_and(|length| body.len() >= length)
}

/// An answer's status and its first error.
fn status_and_error(answer: &str) -> (u16, Value) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, json["errors"][0].clone())
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

/// A `Content-Length` past what the caller may send is answered 413 at
/// once, before the body is sent: for a partner's token too, as soon as
/// the body's query shows it is not the upload — never after reading the
/// 3 MiB it announced.
async fn a_large_body_is_refused_before_it_is_read(app: TestApp) {
    let partner = app
        .create_partner(json!({ "name": "Pia", "email": "pia@p.example" }))
        .await;
    let partner = app.partner_token(&partner);
    let three_mib = format!("Content-Length: {}", 3 * 1024 * 1024);

    // A partner's body that is not the upload: its first kilobyte is all
    // the server reads of it.
    let mut start = NOT_THE_UPLOAD.to_vec();
    start.extend_from_slice(&[b'x'; 1024]);
    let answered = answer_to(&app, &[bearer(&partner), three_mib.clone()], &start)
        .await
        .expect("a 413 before the body is sent");
    let (status, error) = status_and_error(&answered);
    assert_eq!(status, 413, "{answered}");
    assert_eq!(code(&error), "BAD_USER_INPUT");
    assert_eq!(
        error["message"],
        "the request body is larger than 2097152 bytes (only uploadPartnerInvoice and createResource carry more)"
    );

    // Staff who may not upload, no token, a bad token, and a partner past
    // 8 MiB: refused on the head alone (past 8 MiB by the router's own
    // bound).
    let nine_mib = format!("Content-Length: {}", 9 * 1024 * 1024);
    for (headers, status, message) in [
        (
            vec![bearer(&app.service("commissions:read")), three_mib.clone()],
            413,
            "the request body is larger than 2097152 bytes",
        ),
        (
            vec![three_mib.clone()],
            413,
            "a request without a token may carry at most 8192 bytes: send Authorization: Bearer <jwt>",
        ),
        (vec![bearer("not-a-token"), three_mib.clone()], 401, ""),
        (vec![bearer(&partner), nine_mib], 413, ""),
    ] {
        let answered = answer_to(&app, &headers, b"")
            .await
            .unwrap_or_else(|| panic!("an answer to the head alone: {headers:?}"));
        let (got, error) = status_and_error(&answered);
        assert_eq!(got, status, "{headers:?}: {answered}");
        if !message.is_empty() {
            assert_eq!(error["message"], message, "{headers:?}");
        }
    }
}

/// A client that sends its whole body before it reads, as most do, reads
/// the 413 rather than a reset connection: the refusal is answered at once
/// and the body's rest read and dropped behind it (up to 8 MiB, 2 s).
async fn a_client_that_sends_its_whole_refused_body_reads_the_refusal(app: TestApp) {
    let partner = app
        .create_partner(json!({ "name": "Rui", "email": "rui@p.example" }))
        .await;
    let seven_mib = 7 * 1024 * 1024;
    for (token, length, message) in [
        (
            app.partner_token(&partner),
            seven_mib,
            "the request body is larger than 2097152 bytes (only uploadPartnerInvoice and createResource carry more)",
        ),
        (
            app.service("commissions:read"),
            3 * 1024 * 1024,
            "the request body is larger than 2097152 bytes",
        ),
    ] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{}\r\nContent-Length: {length}\r\n\r\n",
            app.addr,
            bearer(&token)
        );
        let mut body = NOT_THE_UPLOAD.to_vec();
        body.resize(length - 3, b'x');
        body.extend_from_slice(b"\"}}");
        stream.write_all(head.as_bytes()).await.unwrap();
        let sent = tokio::time::timeout(PROMPTLY, stream.write_all(&body)).await;
        assert!(
            matches!(sent, Ok(Ok(()))),
            "the body of {length} bytes was cut off: {sent:?}"
        );
        let answered = answer(&mut stream).await.expect("the refusal");
        let (status, error) = status_and_error(&answered);
        assert_eq!(status, 413, "{answered}");
        assert_eq!(error["message"], message);
    }
}

/// One chunk of a chunked body.
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
    framed.extend_from_slice(data);
    framed.extend_from_slice(b"\r\n");
    framed
}

/// A chunked body that never ends is counted as it streams and answered
/// 413 once it passes 2 MiB — a partner's too, its query not the upload.
async fn a_chunked_body_is_cut_at_its_limit(app: TestApp) {
    let partner = app
        .create_partner(json!({ "name": "Cai", "email": "cai@p.example" }))
        .await;
    for token in [app.partner_token(&partner), app.admin()] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{}\r\nTransfer-Encoding: chunked\r\n\r\n",
            app.addr,
            bearer(&token)
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&chunk(NOT_THE_UPLOAD)).await.unwrap();
        // 2 MiB of padding: the body passes the limit by its start's length.
        let filler = chunk(&[b'x'; 64 * 1024]);
        for _ in 0..32 {
            if stream.write_all(&filler).await.is_err() {
                break;
            }
        }
        assert!(NOT_THE_UPLOAD.len() + 32 * 64 * 1024 > MAX_BODY_BYTES);
        // No last chunk: the body has not ended.
        let answered = answer(&mut stream)
            .await
            .expect("a 413 while the body is still open");
        let (status, error) = status_and_error(&answered);
        assert_eq!(status, 413, "{answered}");
        assert_eq!(code(&error), "BAD_USER_INPUT");
    }
}

/// A PDF of `size` bytes, base64: a header, filler, the end-of-file marker.
fn pdf_base64(size: usize) -> String {
    use base64::Engine;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(size - 6, b' ');
    pdf.extend_from_slice(b"%%EOF\n");
    base64::engine::general_purpose::STANDARD.encode(pdf)
}

/// A raw JSON body posted with `token`: its status and first error.
async fn post_raw(app: &TestApp, token: Option<&str>, body: String) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let json: Value = response.json().await.unwrap_or(Value::Null);
    (status, json["errors"][0].clone())
}

/// A partner's upload of about 3 MiB runs — whether its query comes first
/// or after its file, as Apollo Client writes it — and meets the payout's
/// own answer (none such: `NOT_FOUND`); the same body is 413 without a
/// token, with a staff token that may not upload, and when its query is
/// anything else.
async fn the_invoice_upload_alone_carries_more_than_2_mib(app: TestApp) {
    let partner = app
        .create_partner(json!({ "name": "Uma", "email": "uma@p.example" }))
        .await;
    let token = app.partner_token(&partner);
    let pdf = pdf_base64(2400 * 1024);
    let input = json!({ "input": { "payoutId": "no-such-payout", "pdf": pdf } });
    let query_first =
        serde_json::to_string(&json!({ "query": UPLOAD, "variables": input })).unwrap();
    let query_last = format!(
        "{{\"variables\":{},\"operationName\":null,\"query\":{}}}",
        input,
        serde_json::to_string(UPLOAD).unwrap()
    );
    for body in [&query_first, &query_last] {
        assert!(body.len() > 3 * 1024 * 1024);
        let (status, error) = post_raw(&app, Some(&token), body.clone()).await;
        assert_eq!((status, code(&error)), (200, "NOT_FOUND"), "{error}");
    }
    // Refused whole, whatever the server had read of it when it answered.
    let refused = |headers: Vec<String>, body: &str| {
        let mut headers = headers;
        headers.push(format!("Content-Length: {}", body.len()));
        let body = body.as_bytes().to_vec();
        let app = &app;
        async move {
            let answered = answer_to(app, &headers, &body)
                .await
                .expect("an answer to the upload");
            status_and_error(&answered)
        }
    };
    let (status, error) = refused(vec![], &query_first).await;
    assert_eq!(status, 413);
    assert_eq!(
        error["message"],
        "a request without a token may carry at most 8192 bytes: send Authorization: Bearer <jwt>"
    );
    let (status, error) =
        refused(vec![bearer(&app.service("commissions:read"))], &query_first).await;
    assert_eq!(status, 413);
    assert_eq!(
        error["message"],
        "the request body is larger than 2097152 bytes"
    );
    // Another query with the same file; the upload's query and then
    // another under the same key, or under a key written with escapes.
    let other = serde_json::to_string(&json!({
        "query": "mutation($input: UploadPartnerInvoiceInput!) { a: uploadPartnerInvoice(input: $input) { id } b: uploadPartnerInvoice(input: $input) { id } }",
        "variables": input,
    }))
    .unwrap();
    let twice = format!(
        "{{\"query\":{},\"variables\":{},\"query\":\"{{ viewer {{ role }} }}\"}}",
        serde_json::to_string(UPLOAD).unwrap(),
        input
    );
    let escaped = twice.replacen("\"query\":\"{", "\"qu\\u0065ry\":\"{", 1);
    assert_ne!(escaped, twice);
    for body in [other, twice, escaped] {
        let (status, error) = refused(vec![bearer(&token)], &body).await;
        assert_eq!(status, 413, "{error}");
        assert_eq!(
            error["message"],
            "the request body is larger than 2097152 bytes (only uploadPartnerInvoice and createResource carry more)"
        );
    }
}

const SUBMIT: &str = "mutation($input: SubmitPartnerApplicationInput!) { submitPartnerApplication(input: $input) { accepted } }";

/// A public campaign to apply to; its id.
async fn public_campaign(app: &TestApp) -> String {
    app.ok(
        &app.admin(),
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }",
        json!({ "input": {
            "name": "Open doors",
            "visibility": "PUBLIC",
            "rules": [{ "recurring": { "percentage": 20 } }],
        } }),
    )
    .await["createCampaign"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn application(campaign: &str, n: usize) -> Value {
    json!({ "input": {
        "tenantId": TENANT,
        "campaignId": campaign,
        "name": format!("Applicant {n}"),
        "email": format!("applicant{n}@example.com"),
        "website": "https://blog.example",
        "country": "de",
    } })
}

/// Sends one operation over `ws` and answers its data, once complete.
async fn over_socket(ws: &mut Ws, id: &str, query: &str, variables: Value) -> Value {
    ws.subscribe(id, query, variables).await;
    let data = ws.next_data(id).await;
    assert_eq!(
        ws.recv().await,
        Received::Message(json!({ "type": "complete", "id": id }))
    );
    data
}

/// Applications (the join page's form) and their confirmation e-mails.
async fn applications_and_emails(app: &TestApp) -> (u64, u64) {
    let counts = app
        .ok(
            &app.admin(),
            "{ partnerApplications { totalCount } emails(kind: APPLICATION_CONFIRM) { totalCount } }",
            json!({}),
        )
        .await;
    (
        counts["partnerApplications"]["totalCount"]
            .as_u64()
            .unwrap(),
        counts["emails"]["totalCount"].as_u64().unwrap(),
    )
}

/// The join page's form allows 5 applications an hour from one client
/// address: over a WebSocket as over HTTP, one budget for both. Past it
/// the answer is the same and nothing is stored or e-mailed; a socket
/// opened through the trusted proxy for another client has its own.
async fn the_join_form_over_a_websocket_is_limited_as_over_http(app: TestApp) {
    let campaign = public_campaign(&app).await;
    let accepted = json!({ "submitPartnerApplication": { "accepted": true } });
    for n in 0..2 {
        let (status, body) = app.post(None, SUBMIT, application(&campaign, n)).await;
        assert_eq!((status, &body["data"]), (200, &accepted), "{body}");
    }
    let partner = app
        .create_partner(json!({ "name": "Sol", "email": "sol@p.example" }))
        .await;
    let mut ws = Ws::connect(app.addr, &app.partner_token(&partner)).await;
    for n in 2..8 {
        let data = over_socket(&mut ws, &format!("a{n}"), SUBMIT, application(&campaign, n)).await;
        assert_eq!(data, accepted, "{n}");
    }
    assert_eq!(applications_and_emails(&app).await, (5, 5));

    let mut elsewhere = Ws::connect_with(
        app.addr,
        &app.partner_token(&partner),
        &[("x-forwarded-for", "203.0.113.7")],
    )
    .await;
    let data = over_socket(&mut elsewhere, "b", SUBMIT, application(&campaign, 8)).await;
    assert_eq!(data, accepted);
    assert_eq!(applications_and_emails(&app).await, (6, 6));
}

const ENTRIES: &str = "query($action: String) { activity(filter: { action: $action }) { nodes { object { id } ip requestId } } }";

/// A mutation over a WebSocket writes its activity entry with the socket's
/// client address — the peer, or what the trusted proxy said of the
/// upgrade — and a request id of its own, one per operation.
async fn a_mutation_over_a_websocket_is_logged_with_its_ip_and_request_id(app: TestApp) {
    let create = "mutation($name: String!) { createPartner(input: { name: $name }) { id } }";
    let mut ws = Ws::connect(app.addr, &app.admin()).await;
    let mut created = Vec::new();
    for (n, name) in ["Wes", "Wyn"].into_iter().enumerate() {
        let data = over_socket(&mut ws, &format!("c{n}"), create, json!({ "name": name })).await;
        created.push(data["createPartner"]["id"].as_str().unwrap().to_owned());
    }
    let mut proxied = Ws::connect_with(
        app.addr,
        &app.admin(),
        &[("x-forwarded-for", "198.51.100.23")],
    )
    .await;
    let data = over_socket(&mut proxied, "p", create, json!({ "name": "Pax" })).await;
    created.push(data["createPartner"]["id"].as_str().unwrap().to_owned());

    let entries = app
        .ok(&app.admin(), ENTRIES, json!({ "action": "createPartner" }))
        .await["activity"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let of = |id: &str| {
        entries
            .iter()
            .find(|e| e["object"]["id"] == id)
            .unwrap_or_else(|| panic!("no entry for {id}: {entries:?}"))
            .clone()
    };
    let (wes, wyn, pax) = (
        of(created[0].as_str()),
        of(created[1].as_str()),
        of(created[2].as_str()),
    );
    assert_eq!(
        [&wes["ip"], &wyn["ip"], &pax["ip"]],
        [
            &json!("127.0.0.1"),
            &json!("127.0.0.1"),
            &json!("198.51.100.23")
        ]
    );
    let ids: Vec<&str> = [&wes, &wyn, &pax]
        .into_iter()
        .map(|e| e["requestId"].as_str().unwrap_or_default())
        .collect();
    assert!(ids.iter().all(|id| id.len() == 26), "{ids:?}");
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "one id per operation: {ids:?}"
    );
}
