//! One GraphQL operation from text to answer, the same over HTTP and over
//! WebSocket: the checks before parsing (size in tokens, nesting, the
//! variables' nesting), parsing once, the limits walk
//! ([`crate::graphql::limits`]), the request context, and the answer
//! mended after execution — error codes for what failed before running,
//! failed fields written as `null` at their paths
//! ([`crate::graphql::field_errors`]), keys in selection order
//! ([`crate::graphql::order`]). The transports add only what is theirs:
//! HTTP its media types, methods and persisted queries; WebSocket its
//! protocol messages.

use super::AppState;
use super::documents::Documents;
use super::limits;
use crate::graphql::{RequestContext, field_errors, order};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};
use async_graphql::{ServerError, Variables};
use revshare_core::auth::Principal;
use revshare_core::error::ApiError;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Where an operation comes from, as every limit and the activity log read
/// it: the client's address as the server believes it (the peer, or what a
/// trusted proxy says: [`super::client::address`]) and the request's id.
/// The same over HTTP and WebSocket, where each operation is a request of
/// its own.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub client: Option<std::net::IpAddr>,
    pub request_id: Option<String>,
    /// The client's `Accept-Language` (SPEC §38): an application's
    /// language when its form names none.
    pub accept_language: Option<String>,
}

impl Origin {
    /// The request, carrying this origin in its data
    /// ([`crate::graphql::context::Client`],
    /// [`crate::graphql::context::RequestId`]).
    pub fn onto(&self, request: async_graphql::Request) -> async_graphql::Request {
        request
            .data(crate::graphql::context::Client(self.client))
            .data(crate::graphql::context::RequestId(self.request_id.clone()))
            .data(crate::graphql::context::AcceptLanguage(
                self.accept_language.clone(),
            ))
    }
}

/// The mutations a viewer runs: its own console session's.
const VIEWER_MUTATIONS: &[&str] = &["renewStaffSession", "endStaffSession", "__typename"];

/// An operation parsed and checked before parsing; [`Prepared::check`]
/// runs the limits walk.
pub struct Prepared {
    /// Taken by [`Prepared::request`].
    request: Option<async_graphql::Request>,
    /// The parsed document (also handed to the executor), kept to mend the
    /// answer; `None` when the text does not parse: the executor answers
    /// with the parser's error.
    document: Option<Arc<ExecutableDocument>>,
    operation_name: Option<String>,
    /// The replica the request read from, if it did (set by
    /// [`Prepared::request`]).
    db: Option<revshare_core::db::Db>,
    /// The query and its variables, kept to run it again on the primary
    /// when its replica fails it ([`Prepared::again_on_primary`]).
    query: String,
    variables: Variables,
}

impl Prepared {
    /// Counts the query's tokens and nesting, bounds the variables'
    /// nesting, and parses it once (or takes the document kept for the
    /// same text, [`Documents`], which a caller with a token adds to):
    /// nothing recurses on a value before these checks.
    pub fn parse(
        documents: &Documents,
        authenticated: bool,
        query: String,
        variables: Option<Map<String, Value>>,
        operation_name: Option<String>,
    ) -> Result<Prepared, limits::Violation> {
        let document = documents.parse(&query, authenticated)?;
        if let Some(variables) = &variables {
            limits::check_variables(variables)?;
        }
        let mut request = async_graphql::Request::new(query);
        if let Some(variables) = variables {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        if let Some(name) = &operation_name {
            request = request.operation_name(name.clone());
        }
        Ok(Prepared {
            query: request.query.clone(),
            variables: request.variables.clone(),
            request: Some(request),
            document,
            operation_name,
            db: None,
        })
    }

    /// The type of the operation the request selects, if it names one that
    /// exists.
    pub fn operation_type(&self) -> Option<OperationType> {
        let document = self.document.as_ref()?;
        order::find(document, self.operation_name.as_deref()).map(|operation| operation.ty)
    }

    /// What the caller's role never runs, refused before anything runs: a
    /// viewer's mutation, but for renewing or ending its own session. The
    /// one place a viewer's writes are refused (SPEC §24), over HTTP and
    /// WebSocket alike; a viewer's principal also holds no write scope.
    pub fn refusal_for(&self, principal: Option<&Principal>) -> Option<ServerError> {
        if !principal?.reads_only() {
            return None;
        }
        let operation = order::find(self.document.as_ref()?, self.operation_name.as_deref())?;
        if operation.ty != OperationType::Mutation {
            return None;
        }
        // A fragment at the root could name anything: refused too.
        let own_session = operation.selection_set.node.items.iter().all(|selection| {
            matches!(&selection.node, Selection::Field(field)
                if VIEWER_MUTATIONS.contains(&field.node.name.node.as_str()))
        });
        (!own_session).then(|| {
            refusal(
                "FORBIDDEN",
                "a viewer's session reads and writes nothing: ask an admin",
                None,
            )
        })
    }

    /// The name of the operation the request runs: the one it asks for, or
    /// the document's only operation's.
    pub fn operation_name(&self) -> Option<&str> {
        let document = self.document.as_ref()?;
        match (&document.operations, self.operation_name.as_deref()) {
            (_, Some(name)) => Some(name),
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.keys().next().map(|name| name.as_str())
            }
            _ => None,
        }
    }

    /// An operation refused past the complexity limit is answered naming
    /// the limit and what it costs ([`crate::graphql::complexity`]): the
    /// executor's refusal says neither. Only a refused operation is priced
    /// again.
    pub async fn name_its_cost(&self, response: &mut async_graphql::Response) {
        let Some(error) = response
            .errors
            .iter_mut()
            .find(|e| e.message == crate::graphql::complexity::REFUSED)
        else {
            return;
        };
        let mut request =
            async_graphql::Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        if let Some(message) = crate::graphql::complexity::refusal(request).await {
            error.message = message;
        }
    }

    /// The limits walk (introspection, selections, NUL characters) and
    /// `_entities`' bounds on the parsed document; then the document is handed to the executor.
    pub fn check(&mut self) -> Result<(), limits::Violation> {
        if let (Some(document), Some(request)) = (&self.document, &mut self.request) {
            limits::check(document, &request.variables)?;
            super::entities::check(document, &request.variables)?;
            request.set_parsed_query(ExecutableDocument::clone(document));
        }
        Ok(())
    }

    /// The request to execute, acting as `principal` (once). A query reads
    /// from a replica when one may answer it ([`revshare_core::db::Db::for_reads`]);
    /// a mutation, and a subscription's cursor, from the primary.
    pub fn request(
        &mut self,
        state: &AppState,
        principal: Option<Principal>,
    ) -> async_graphql::Request {
        let request = self
            .request
            .take()
            .unwrap_or_else(|| async_graphql::Request::new(""));
        let db = match self.operation_type() {
            Some(OperationType::Query) => state
                .db
                .for_reads(principal.as_ref().map(writer_key).as_deref()),
            _ => state.db.clone(),
        };
        self.request_on(request, db, state, principal)
    }

    /// The request to execute once more, reading from the primary: its
    /// replica failed it (`UNAVAILABLE`) and is left out until it answers.
    /// `None`: it did not read from a replica, or it ran before.
    pub fn again_on_primary(
        &mut self,
        state: &AppState,
        principal: Option<Principal>,
    ) -> Option<async_graphql::Request> {
        let used = self.db.take()?;
        used.replica_failed();
        let mut request = async_graphql::Request::new(self.query.clone());
        request.variables = self.variables.clone();
        request.operation_name = self.operation_name.clone();
        if let Some(document) = &self.document {
            request.set_parsed_query(ExecutableDocument::clone(document));
        }
        Some(self.request_on(request, state.db.on_primary(), state, principal))
    }

    fn request_on(
        &mut self,
        request: async_graphql::Request,
        db: revshare_core::db::Db,
        state: &AppState,
        principal: Option<Principal>,
    ) -> async_graphql::Request {
        let context =
            RequestContext::new(&db, principal, state.loader_delay, state.tenants.clone());
        // Only a replica's handle overrides the schema's database (the
        // primary): without replicas a request adds nothing to its data.
        match db.reads_replica() {
            true => {
                self.db = Some(db.clone());
                request.data(db).data(context)
            }
            false => request.data(context),
        }
    }

    /// After the operation ran: a mutation's caller reads its own write
    /// from then on (its reads wait for a replica to replay it, or go to
    /// the primary).
    pub async fn ran(&self, state: &AppState, principal: Option<&Principal>) {
        if let (Some(OperationType::Mutation), Some(principal)) = (self.operation_type(), principal)
        {
            state.db.wrote(&writer_key(principal)).await;
        }
    }

    /// Mends an answer of this operation: codes for the errors that came
    /// before running, failed fields as `null` at their paths, keys in
    /// selection order.
    pub fn finish(&self, state: &AppState, response: &mut async_graphql::Response) -> Finished {
        let unavailable = code_errors(&mut response.errors);
        // A request error: nothing ran, so no error has a path.
        let refused = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        if let Some(document) = &self.document {
            let name = self.operation_name.as_deref();
            field_errors::in_place(
                &state.field_types,
                document,
                name,
                &mut response.data,
                &response.errors,
            );
            order::in_selection_order(document, name, &mut response.data);
        }
        Finished {
            unavailable,
            refused,
        }
    }
}

/// What an answer turned out to be.
#[derive(Debug, Clone, Copy)]
pub struct Finished {
    /// An error is `UNAVAILABLE`: the client should retry.
    pub unavailable: bool,
    /// The request failed before running (parse, validation, coercion).
    pub refused: bool,
}

/// The code of the first error, if any.
pub fn first_code(errors: &[ServerError]) -> Option<&str> {
    let error = errors.first()?;
    match error.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(async_graphql::Value::String(code)) => Some(code.as_str()),
        _ => Some("INTERNAL"),
    }
}

/// An error for a request refused before it ran, with its code (and field).
pub fn refusal(code: &str, message: &str, field: Option<&str>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    if let Some(field) = field {
        extensions.set("field", field);
    }
    error.extensions = Some(extensions);
    error
}

/// A limit's refusal as an error: `BAD_USER_INPUT`, naming the argument
/// when it is about one.
pub fn limit_error(violation: &limits::Violation) -> ServerError {
    let message = match &violation.field {
        Some(field) => format!("{field}: {}", violation.message),
        None => violation.message.clone(),
    };
    refusal("BAD_USER_INPUT", &message, violation.field.as_deref())
}

/// Gives every error its code: a service's `ApiError` its own (and the
/// input `field` it names), the errors from parsing, validating or coercing
/// the request `BAD_USER_INPUT`; answers whether one is `UNAVAILABLE`.
fn code_errors(errors: &mut [ServerError]) -> bool {
    let mut unavailable = false;
    for error in errors {
        let api = error.source::<ApiError>().map(|err| match err {
            ApiError::BadInput { field, .. } => (err.code(), Some(field.clone())),
            _ => (err.code(), None),
        });
        let (retry_after, reason) = match error.source::<ApiError>() {
            Some(ApiError::TooManyRequests { retry_after, .. }) => (Some(*retry_after), None),
            Some(ApiError::Declined { reason, .. }) => (None, Some(*reason)),
            _ => (None, None),
        };
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if let Some(seconds) = retry_after {
            extensions.set("retryAfter", seconds);
        }
        if let Some(reason) = reason {
            extensions.set("reason", reason);
        }
        if let Some((code, field)) = api
            && extensions.get("code").is_none()
        {
            extensions.set("code", code);
            if let Some(field) = field {
                extensions.set("field", field);
            }
        }
        match extensions.get("code") {
            None => {
                extensions.set("code", "BAD_USER_INPUT");
                if let Some(field) = coerced_field(&error.message) {
                    if let Some(said) = coerced_reason(&error.message) {
                        error.message = format!("{field}: {said}");
                    }
                    extensions.set("field", field);
                }
            }
            Some(async_graphql::Value::String(code)) if code == "UNAVAILABLE" => unavailable = true,
            Some(_) => {}
        }
    }
    unavailable
}

/// The input path a coercion error names, in the form resolver errors use:
/// `Invalid value for argument "input.entries.0.calculation"` names
/// `input.entries[0].calculation`, and a missing or unknown field of an
/// input object (`"input", field "name" … is required`) is named itself,
/// `input.name`.
fn coerced_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (path, detail) = rest.split_once('"')?;
    let mut field = String::with_capacity(path.len());
    for (i, part) in path.split('.').enumerate() {
        match part.parse::<usize>() {
            Ok(index) if i > 0 => field.push_str(&format!("[{index}]")),
            _ if i > 0 => {
                field.push('.');
                field.push_str(part);
            }
            _ => field.push_str(part),
        }
    }
    let inner = detail
        .strip_prefix(", field \"")
        .or_else(|| detail.strip_prefix(", unknown field \""));
    if let Some((name, _)) = inner.and_then(|rest| rest.split_once('"')) {
        field.push('.');
        field.push_str(name);
    }
    Some(field)
}

/// What a coercion error says of its value, in the words a resolver's
/// error uses (`input.rules[0].recurring.percentage: must be a number, such
/// as "12.5"`), not the executor's (`Invalid value for argument …,
/// expected type "Decimal"`): what a form shows beside its field.
fn coerced_reason(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (_, detail) = rest.split_once("\", ")?;
    let quoted = |text: &str| -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let said = if let Some(ty) = detail.strip_prefix("expected type \"") {
        let ty = ty.trim_end_matches('"');
        match ty.starts_with('[') {
            true => format!("must be a list of {}", kind(ty)),
            false => format!("must be {}", kind(ty)),
        }
    } else if detail.starts_with("enumeration type") {
        let names = quoted(detail);
        let (ty, value) = (names.first()?, names.get(1)?);
        format!("\"{value}\" is not a value of {ty}")
    } else if detail.ends_with("is required but not provided") {
        "is required".to_owned()
    } else if detail.starts_with("unknown field") {
        let names = quoted(detail);
        format!("is not a field of {}", names.get(1)?)
    } else if detail.starts_with("Oneof") {
        "give exactly one of its fields".to_owned()
    } else {
        return None;
    };
    Some(said)
}

/// A type's name as a person reads it.
fn kind(ty: &str) -> String {
    let ty = ty.trim_start_matches('[').trim_end_matches(['!', ']']);
    match ty {
        "Int" => "a whole number".to_owned(),
        "Float" | "Decimal" => "a number, such as \"12.5\"".to_owned(),
        "String" => "text".to_owned(),
        "Boolean" => "true or false".to_owned(),
        "ID" => "an id".to_owned(),
        "DateTime" => "a time, such as \"2026-03-10T09:00:00Z\"".to_owned(),
        "Date" => "a date, such as \"2026-03-10\"".to_owned(),
        "JSON" => "JSON".to_owned(),
        other => format!("a {other}"),
    }
}

/// Whose writes a read must see: the principal's tenant and subject.
pub fn writer_key(principal: &Principal) -> String {
    format!("{}\u{1f}{}", principal.tenant_id(), principal.subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coercion_error_names_its_input_path() {
        assert_eq!(
            coerced_field("Invalid value for argument \"input.entries.0.calculation\", Oneof input objects requires have exactly one field").as_deref(),
            Some("input.entries[0].calculation")
        );
        assert_eq!(
            coerced_field("Invalid value for argument \"ids\", expected type \"ID\"").as_deref(),
            Some("ids")
        );
        assert_eq!(
            coerced_field("Invalid value for argument \"input\", field \"name\" of type \"String!\" is required but not provided").as_deref(),
            Some("input.name")
        );
        assert_eq!(
            coerced_field("Invalid value for argument \"input.3\", unknown field \"amont\" of type \"RecordEventInput\"").as_deref(),
            Some("input[3].amont")
        );
        assert_eq!(coerced_field("Unknown field \"x\""), None);
    }

    #[test]
    fn a_coercion_error_says_what_the_value_must_be() {
        let reason = |detail: &str| {
            coerced_reason(&format!(
                "Invalid value for argument \"input.rules.0.recurring.percentage\", {detail}"
            ))
        };
        assert_eq!(
            reason("expected type \"Decimal\"").as_deref(),
            Some("must be a number, such as \"12.5\"")
        );
        assert_eq!(
            reason("expected type \"Int!\"").as_deref(),
            Some("must be a whole number")
        );
        assert_eq!(
            reason("enumeration type \"EventKind\" does not contain the value \"SOLD\"").as_deref(),
            Some("\"SOLD\" is not a value of EventKind")
        );
        assert_eq!(
            reason("field \"name\" of type \"String!\" is required but not provided").as_deref(),
            Some("is required")
        );
        assert_eq!(
            reason("unknown field \"amont\" of type \"RecordEventInput\"").as_deref(),
            Some("is not a field of RecordEventInput")
        );
        assert_eq!(
            reason("Oneof input objects requires have exactly one field").as_deref(),
            Some("give exactly one of its fields")
        );
        assert_eq!(reason("something new").as_deref(), None);
    }
}
