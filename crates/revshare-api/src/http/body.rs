//! A `POST /graphql` body, read within its limit and never parsed past it.
//!
//! The caller's token is checked before a byte is read, and decides the
//! limit: [`MAX_ANONYMOUS_BODY_BYTES`] without one, [`MAX_BODY_BYTES`] with
//! one. Two uploads may carry more, up to [`MAX_UPLOAD_BODY_BYTES`]: a
//! partner's own invoice (`uploadPartnerInvoice`, SPEC §33) and a
//! resource's file (`createResource`, SPEC §37), to the tokens that may
//! send them. A body is refused (413) on its
//! announced length when that is past every limit it could have, else as
//! soon as what arrived passes the limit it has.
//!
//! Whether a partner's body is the upload is learnt as it streams, by
//! [`Skim`]: a scan of the JSON that keeps nothing but the top-level
//! `query` string (at most [`MAX_UPLOAD_QUERY_BYTES`]) and allocates nothing
//! else — no JSON value is built, no document parsed but that short query,
//! after its tokens and nesting are counted. Once the query is known not to
//! be the upload, the body is held to [`MAX_BODY_BYTES`] at once: a
//! `Content-Length` past it is answered 413 without reading further. A body
//! past [`MAX_BODY_BYTES`] is handed on only when it is the upload, with a
//! handful of JSON values besides its file ([`MAX_UPLOAD_VALUES`]), so
//! that what parsing it costs is bounded by its size.
//!
//! A refusal is answered at once; the refused body's rest is then read and
//! dropped in the background, bounded in bytes and time, so that a client
//! still sending it is not reset before it reads why.

use super::{MAX_ANONYMOUS_BODY_BYTES, MAX_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, error_body};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;

/// The longest `query` text the upload may have: the portal's is about 100
/// bytes. A longer one is not taken for the upload.
pub const MAX_UPLOAD_QUERY_BYTES: usize = 4 * 1024;
/// Most JSON values (strings, numbers, objects, lists, keys included) a
/// body past [`MAX_BODY_BYTES`] may hold: the upload holds about ten.
pub const MAX_UPLOAD_VALUES: usize = 1_000;

/// What the caller's token allows its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// No token: [`MAX_ANONYMOUS_BODY_BYTES`].
    Anonymous,
    /// A token: [`MAX_BODY_BYTES`].
    Token,
    /// A token that may upload: [`MAX_BODY_BYTES`], or
    /// [`MAX_UPLOAD_BODY_BYTES`] for an upload ([`UPLOADS`]).
    Uploader,
}

impl Allowance {
    /// The most this caller's body may ever carry.
    fn most(self) -> usize {
        match self {
            Allowance::Anonymous => MAX_ANONYMOUS_BODY_BYTES,
            Allowance::Token => MAX_BODY_BYTES,
            Allowance::Uploader => MAX_UPLOAD_BODY_BYTES,
        }
    }

    /// The limit a body has, given what its query is known to be.
    fn limit(self, verdict: Verdict) -> usize {
        match (self, verdict) {
            (Allowance::Uploader, Verdict::Other) => MAX_BODY_BYTES,
            _ => self.most(),
        }
    }

    fn too_large(self, limit: usize) -> Response {
        let message = match (self, limit) {
            (Allowance::Anonymous, _) => format!(
                "a request without a token may carry at most {limit} bytes: send Authorization: Bearer <jwt>"
            ),
            (Allowance::Uploader, MAX_BODY_BYTES) => format!(
                "the request body is larger than {limit} bytes (only uploadPartnerInvoice and createResource carry more)"
            ),
            _ => format!("the request body is larger than {limit} bytes"),
        };
        error_body(StatusCode::PAYLOAD_TOO_LARGE, "BAD_USER_INPUT", &message)
    }
}

/// A body read within its limit.
#[derive(Debug)]
pub struct Read {
    pub bytes: Bytes,
    /// The upload's query text, when the body is past [`MAX_BODY_BYTES`]
    /// (and so must run that query and nothing else).
    pub upload: Option<String>,
}

/// Most bytes of a refused body read and dropped after the refusal is
/// sent, and for how long at most: a client still sending when the
/// connection closes on unread bytes is reset, and may lose the 413 that
/// says why. A body announced past this is not waited for.
const LINGER_BYTES: usize = MAX_UPLOAD_BODY_BYTES;
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Reads a body within what `allowance` allows: refused (413) on its
/// announced length, or as soon as it passes its limit. The refusal is
/// answered at once; the rest of the body is read and dropped behind it
/// ([`LINGER_BYTES`], [`LINGER`]), so that the client reads the refusal
/// rather than a reset connection.
pub async fn read(headers: &HeaderMap, body: Body, allowance: Allowance) -> Result<Read, Response> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|length| usize::try_from(length).unwrap_or(usize::MAX));
    let mut stream = body.into_data_stream();
    let mut received = 0usize;
    let read = within(&mut stream, &mut received, announced, allowance).await;
    if read.is_err() && announced.is_none_or(|length| length <= LINGER_BYTES) {
        tokio::spawn(tokio::time::timeout(LINGER, async move {
            while received <= LINGER_BYTES {
                match stream.next().await {
                    Some(Ok(chunk)) => received = received.saturating_add(chunk.len()),
                    _ => break,
                }
            }
        }));
    }
    read
}

/// [`read`] without the lingering: `received` counts the bytes taken.
async fn within(
    stream: &mut axum::body::BodyDataStream,
    received: &mut usize,
    announced: Option<usize>,
    allowance: Allowance,
) -> Result<Read, Response> {
    if announced.is_some_and(|length| length > allowance.most()) {
        return Err(allowance.too_large(allowance.most()));
    }
    let mut skim = (allowance == Allowance::Uploader).then(Skim::default);
    let verdict = |skim: &Option<Skim>| skim.as_ref().map_or(Verdict::Other, Skim::verdict);
    let mut bytes: Vec<u8> = Vec::with_capacity(announced.unwrap_or(0).min(MAX_BODY_BYTES));
    while let Some(chunk) = stream.next().await {
        let limit = allowance.limit(verdict(&skim));
        // A broken or cut stream (the router's own bound included).
        let chunk = chunk.map_err(|_| allowance.too_large(limit))?;
        *received = received.saturating_add(chunk.len());
        if let Some(skim) = &mut skim {
            skim.feed(&chunk);
        }
        let limit = allowance.limit(verdict(&skim));
        if bytes.len().saturating_add(chunk.len()) > limit
            || announced.is_some_and(|length| length > limit)
        {
            return Err(allowance.too_large(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    let upload = match bytes.len() > MAX_BODY_BYTES {
        true => match skim.and_then(Skim::upload) {
            Some(query) => Some(query),
            None => return Err(allowance.too_large(MAX_BODY_BYTES)),
        },
        false => None,
    };
    Ok(Read {
        bytes: Bytes::from(bytes),
        upload,
    })
}

/// The mutations that may carry a body past [`MAX_BODY_BYTES`]: a file
/// each. Who may run them is checked as for any other.
pub const UPLOADS: [&str; 2] = ["uploadPartnerInvoice", "createResource"];

/// Whether `query` is one mutation whose only field is one of
/// [`UPLOADS`]: counted first ([`super::limits::check_size`]),
/// parsed only within the limits.
fn is_the_upload(query: &str) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
    // A name is never escaped nor split in a document: a query that does
    // not spell an upload's name is not the upload, and is not parsed
    // (every request of a token that may upload comes here).
    if query.len() > MAX_UPLOAD_QUERY_BYTES
        || !UPLOADS.iter().any(|name| query.contains(name))
        || super::limits::check_size(query).is_err()
    {
        return false;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => &operation.node,
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            match operations.values().next() {
                Some(operation) => &operation.node,
                None => return false,
            }
        }
        DocumentOperations::Multiple(_) => return false,
    };
    let fields = &operation.selection_set.node.items;
    document.fragments.is_empty()
        && operation.ty == OperationType::Mutation
        && fields.len() == 1
        && matches!(&fields[0].node, Selection::Field(field)
            if UPLOADS.contains(&field.node.name.node.as_str()))
}

/// What a body's top-level `query` is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Not read yet (or read, and the rest may still undo it).
    Unknown,
    /// The upload, so far.
    Upload,
    /// Anything else, for good: the body is held to [`MAX_BODY_BYTES`].
    Other,
}

/// Where the scan is within the JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum At {
    #[default]
    Between,
    /// Inside a string.
    Text,
    /// Just after a backslash inside a string.
    Escape,
    /// Inside a number or a literal (`true`, `null`).
    Scalar,
}

/// Which string the scan keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Keep {
    #[default]
    Nothing,
    /// A key of the top-level object.
    Key,
    /// The value of the top-level `query`.
    Query,
}

/// A scan of a JSON body as it streams: the top-level object's keys, its
/// `query` string, and a count of values. Keeps at most
/// [`MAX_UPLOAD_QUERY_BYTES`]; builds nothing.
#[derive(Debug, Default)]
struct Skim {
    at: At,
    /// Objects and lists open.
    depth: usize,
    /// The top-level object has opened (and, with `depth` 0 again, closed).
    opened: bool,
    /// At the top level, whether the next string is a key.
    key_next: bool,
    /// The last top-level key was `query`: its value comes next.
    query_next: bool,
    keep: Keep,
    kept: Vec<u8>,
    /// The kept string outgrew its bound.
    overflow: bool,
    values: usize,
    /// The query's text, once read, when it is the upload's.
    upload: Option<String>,
    /// Something ruled the upload out, for good.
    other: bool,
    /// A top-level `query` was read.
    query_read: bool,
}

impl Skim {
    fn verdict(&self) -> Verdict {
        match (self.other, &self.upload) {
            (true, _) => Verdict::Other,
            (false, Some(_)) => Verdict::Upload,
            (false, None) if self.query_read => Verdict::Other,
            (false, None) => Verdict::Unknown,
        }
    }

    /// The upload's query, when the whole body was read as the upload: one
    /// object, closed, with few values.
    fn upload(self) -> Option<String> {
        let whole = self.opened && self.depth == 0 && self.at == At::Between;
        match (self.verdict(), whole) {
            (Verdict::Upload, true) => self.upload,
            _ => None,
        }
    }

    fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() && !self.other {
            let used = match self.at {
                At::Text => self.text(chunk),
                At::Escape => {
                    self.keep_bytes(&chunk[..1]);
                    self.at = At::Text;
                    1
                }
                At::Scalar if scalar_byte(chunk[0]) => 1,
                At::Scalar => {
                    self.at = At::Between;
                    0
                }
                At::Between => {
                    self.between(chunk[0]);
                    1
                }
            };
            chunk = &chunk[used..];
        }
    }

    /// Inside a string: up to its end or its next escape.
    fn text(&mut self, chunk: &[u8]) -> usize {
        let Some(stop) = chunk.iter().position(|b| matches!(b, b'"' | b'\\')) else {
            self.keep_bytes(chunk);
            return chunk.len();
        };
        self.keep_bytes(&chunk[..stop]);
        match chunk[stop] {
            b'\\' => {
                self.keep_bytes(b"\\");
                self.at = At::Escape;
            }
            _ => self.string_ended(),
        }
        stop + 1
    }

    fn keep_bytes(&mut self, bytes: &[u8]) {
        if self.keep == Keep::Nothing || self.overflow {
            return;
        }
        if self.kept.len() + bytes.len() > MAX_UPLOAD_QUERY_BYTES {
            self.overflow = true;
            return;
        }
        self.kept.extend_from_slice(bytes);
    }

    /// A value begins: counted, and at most [`MAX_UPLOAD_VALUES`].
    fn value(&mut self) {
        self.values += 1;
        if self.values > MAX_UPLOAD_VALUES {
            self.other = true;
        }
        // The top-level query is a string or nothing of the upload's.
        if self.depth == 1 && self.query_next && self.keep != Keep::Query {
            self.other = true;
        }
    }

    fn between(&mut self, byte: u8) {
        if self.opened && self.depth == 0 && !byte.is_ascii_whitespace() {
            // Text after the object: not a body of one object.
            self.other = true;
            return;
        }
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {}
            b'{' | b'[' => {
                if self.depth == 0 {
                    self.opened = true;
                    self.key_next = true;
                    if byte == b'[' {
                        self.other = true;
                    }
                } else {
                    self.value();
                }
                self.depth += 1;
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            b',' if self.depth == 1 => {
                self.key_next = true;
                self.query_next = false;
            }
            b',' => {}
            b'"' if self.depth == 0 => self.other = true,
            b'"' => {
                self.keep = match (self.depth, self.key_next, self.query_next) {
                    (1, true, _) => Keep::Key,
                    (1, false, true) => Keep::Query,
                    _ => Keep::Nothing,
                };
                self.kept.clear();
                self.overflow = false;
                self.value();
                self.at = At::Text;
            }
            _ if self.depth == 0 => self.other = true,
            _ => {
                self.value();
                self.at = At::Scalar;
            }
        }
    }

    fn string_ended(&mut self) {
        self.at = At::Between;
        match self.keep {
            Keep::Nothing => {}
            Keep::Key => {
                self.key_next = false;
                // A key written with escapes could name `query` unseen.
                if self.kept.contains(&b'\\') {
                    self.other = true;
                }
                self.query_next = !self.overflow && self.kept == b"query";
                if self.query_next && self.query_read {
                    self.other = true;
                }
            }
            Keep::Query => {
                self.query_next = false;
                self.query_read = true;
                self.upload = self.query_text().filter(|query| is_the_upload(query));
                if self.upload.is_none() {
                    self.other = true;
                }
            }
        }
        self.keep = Keep::Nothing;
        self.kept.clear();
    }

    /// The kept query string, its escapes read.
    fn query_text(&self) -> Option<String> {
        if self.overflow {
            return None;
        }
        let mut quoted = Vec::with_capacity(self.kept.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.kept);
        quoted.push(b'"');
        serde_json::from_slice::<String>(&quoted).ok()
    }
}

/// A byte of a number or a literal.
fn scalar_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'+' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPLOAD: &str = "mutation Upload($input: UploadPartnerInvoiceInput!) { uploadPartnerInvoice(input: $input) { id } }";

    fn skim(parts: &[&[u8]]) -> Skim {
        let mut skim = Skim::default();
        for part in parts {
            skim.feed(part);
        }
        skim
    }

    fn body(query: &str, pad: usize) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "query": query,
            "variables": { "input": { "payoutId": "p", "pdf": "A".repeat(pad) } },
        }))
        .unwrap()
    }

    #[test]
    fn the_upload_is_known_by_its_query_in_any_key_order() {
        let first = body(UPLOAD, 100);
        assert_eq!(skim(&[&first]).upload().as_deref(), Some(UPLOAD));
        // The query after the file, as Apollo Client writes it.
        let last = format!(
            "{{\"variables\":{{\"input\":{{\"payoutId\":\"p\",\"pdf\":\"{}\"}}}},\"operationName\":null,\"query\":{}}}",
            "A".repeat(100),
            serde_json::to_string(UPLOAD).unwrap()
        );
        let mut partial = skim(&[last.as_bytes()]);
        assert_eq!(partial.verdict(), Verdict::Upload);
        partial.feed(b" \n");
        assert_eq!(partial.upload().as_deref(), Some(UPLOAD));
        // Split anywhere, byte by byte: the same.
        let bytes: Vec<&[u8]> = first.chunks(1).collect();
        assert_eq!(skim(&bytes).upload().as_deref(), Some(UPLOAD));
        // Escapes in the query's text are read.
        let escaped = "{\"query\":\"mutation { uploadPartnerInvoice(input: {payoutId: \\\"p\\\", pdf: \\\"x\\\"}) { id } }\"}";
        assert!(skim(&[escaped.as_bytes()]).upload().is_some());
        // A resource's file is the other upload.
        let resource =
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }";
        assert_eq!(
            skim(&[&body(resource, 100)]).upload().as_deref(),
            Some(resource)
        );
    }

    #[test]
    fn anything_else_is_known_as_soon_as_its_query_is_read() {
        let other = body("query($pad: String) { viewer { __typename } }", 10);
        let at = other.iter().position(|b| *b == b',').unwrap();
        let head = skim(&[&other[..at]]);
        assert_eq!(head.verdict(), Verdict::Other);
        for refused in [
            // Two operations, a fragment, another mutation beside it.
            "mutation { uploadPartnerInvoice(input: {}) { id } createPartner(input: {}) { id } }",
            "mutation { ...F } fragment F on Mutation { uploadPartnerInvoice(input: {}) { id } }",
            "mutation A { uploadPartnerInvoice(input: {}) { id } } query B { viewer { role } }",
            "query { uploadPartnerInvoice { id } }",
        ] {
            assert_eq!(
                skim(&[&body(refused, 1)]).verdict(),
                Verdict::Other,
                "{refused}"
            );
        }
        // A query past its bound is not read at all.
        let long = format!("{UPLOAD} {}", "#".repeat(MAX_UPLOAD_QUERY_BYTES));
        assert_eq!(skim(&[&body(&long, 1)]).verdict(), Verdict::Other);
        // A second query, a key written with escapes, a query that is not
        // a string, an array, text after the object, too many values.
        for tricked in [
            format!(
                "{{\"query\":{q},\"query\":\"{{ viewer {{ role }} }}\"}}",
                q = serde_json::to_string(UPLOAD).unwrap()
            ),
            format!(
                "{{\"query\":{q},\"qu\\u0065ry\":\"{{ viewer {{ role }} }}\"}}",
                q = serde_json::to_string(UPLOAD).unwrap()
            ),
            "{\"query\":[1]}".to_owned(),
            "{\"query\":null}".to_owned(),
            format!(
                "[{{\"query\":{q}}}]",
                q = serde_json::to_string(UPLOAD).unwrap()
            ),
            format!(
                "{{\"query\":{q}}} {{}}",
                q = serde_json::to_string(UPLOAD).unwrap()
            ),
            format!(
                "{{\"query\":{q},\"variables\":{{\"pad\":[{}1]}}}}",
                "1,".repeat(MAX_UPLOAD_VALUES),
                q = serde_json::to_string(UPLOAD).unwrap()
            ),
        ] {
            assert_eq!(skim(&[tricked.as_bytes()]).upload(), None, "{tricked}");
        }
        // Unfinished: not yet the whole upload.
        let unfinished = body(UPLOAD, 10);
        assert_eq!(skim(&[&unfinished[..unfinished.len() - 1]]).upload(), None);
    }

    #[test]
    fn a_nested_query_key_is_not_the_query() {
        let nested = format!(
            "{{\"variables\":{{\"query\":{q}}},\"query\":\"{{ viewer {{ role }} }}\"}}",
            q = serde_json::to_string(UPLOAD).unwrap()
        );
        assert_eq!(skim(&[nested.as_bytes()]).verdict(), Verdict::Other);
        let before = format!(
            "{{\"variables\":{{\"query\":\"{{ viewer {{ role }} }}\"}},\"query\":{q}}}",
            q = serde_json::to_string(UPLOAD).unwrap()
        );
        assert_eq!(skim(&[before.as_bytes()]).upload().as_deref(), Some(UPLOAD));
    }

    #[tokio::test]
    async fn a_body_is_cut_at_the_limit_its_query_allows() {
        let read = |bytes: Vec<u8>, allowance: Allowance| async move {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_LENGTH, bytes.len().into());
            super::read(&headers, Body::from(bytes), allowance).await
        };
        let big_upload = body(UPLOAD, 3 * 1024 * 1024);
        let done = read(big_upload.clone(), Allowance::Uploader).await.unwrap();
        assert_eq!(done.upload.as_deref(), Some(UPLOAD));
        assert_eq!(done.bytes.len(), big_upload.len());
        for allowance in [Allowance::Token, Allowance::Anonymous] {
            let refused = read(big_upload.clone(), allowance).await.unwrap_err();
            assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
        let big_other = body("{ viewer { role } }", 3 * 1024 * 1024);
        let refused = read(big_other, Allowance::Uploader).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // Small bodies pass as they are, whatever their query.
        let small = body("{ viewer { role } }", 10);
        let done = read(small.clone(), Allowance::Uploader).await.unwrap();
        assert_eq!((done.bytes.len(), done.upload), (small.len(), None));
    }
}
