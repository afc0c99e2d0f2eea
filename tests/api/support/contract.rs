//! The providers' published OpenAPI documents as a contract: every
//! request revshare sends to a payout provider's local server is checked
//! against the operation the document describes — strictly: a property
//! the document does not describe is refused (neither PayPal's nor
//! Stripe's documents close their objects with `additionalProperties:
//! false`, so a misspelt optional field would pass a plain check) — and
//! every answer the local server gives is checked against the document's
//! response schema, so revshare reads only what the provider documents.
//!
//! The documents are vendored in `tests/contracts/` (their sources and
//! licences in its README).

use serde_json::{Map, Value};

/// One provider's document.
pub struct Document {
    root: Value,
}

/// How a value is checked.
#[derive(Clone, Copy)]
struct Mode {
    /// Refuse properties the schema does not describe.
    strict: bool,
    /// Values came from a form: strings stand for numbers and booleans.
    form: bool,
}

impl Document {
    /// `tests/contracts/{name}`.
    pub fn load(name: &str) -> Document {
        let path = format!("{}/tests/contracts/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Document {
            root: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")),
        }
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let operation = &self.root["paths"][template][method.to_lowercase()];
        assert!(
            operation.is_object(),
            "the document describes no {method} {template}"
        );
        operation
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = reference.trim_start_matches('#');
            schema = self
                .root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("the document has no {reference}"));
        }
        schema
    }

    /// A JSON request body, checked strictly; `loose` names properties
    /// whose contents are another document's (checked loosely).
    pub fn check_json(
        &self,
        method: &str,
        template: &str,
        body: &Value,
        loose: &[&str],
    ) -> Vec<String> {
        let schema = &self.operation(method, template)["requestBody"]["content"]["application/json"]
            ["schema"];
        let mut errors = Vec::new();
        let mode = Mode {
            strict: true,
            form: false,
        };
        self.check(schema, body, "body", mode, loose, &mut errors);
        errors
    }

    /// A form body (`a[b]=c&…`, as Stripe takes them), checked strictly.
    pub fn check_form(&self, method: &str, template: &str, form: &str) -> Vec<String> {
        let schema = &self.operation(method, template)["requestBody"]["content"]["application/x-www-form-urlencoded"]
            ["schema"];
        let mut errors = Vec::new();
        let body = form_to_json(form);
        let mode = Mode {
            strict: true,
            form: true,
        };
        self.check(schema, &body, "body", mode, &[], &mut errors);
        errors
    }

    /// The operation's header parameters that are present, checked.
    pub fn check_headers(
        &self,
        method: &str,
        template: &str,
        headers: &axum::http::HeaderMap,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        let parameters = self.operation(method, template)["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for parameter in parameters {
            let parameter = self.resolve(&parameter).clone();
            if parameter["in"] != "header" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap_or_default();
            match headers.get(name).and_then(|v| v.to_str().ok()) {
                Some(value) => self.check(
                    &parameter["schema"],
                    &Value::String(value.to_owned()),
                    &format!("header {name}"),
                    Mode {
                        strict: true,
                        form: false,
                    },
                    &[],
                    &mut errors,
                ),
                None if parameter["required"] == true => {
                    errors.push(format!("header {name}: missing"))
                }
                None => {}
            }
        }
        errors
    }

    /// An answer the local server gives, checked against the document's
    /// response (by status, else `default`).
    pub fn check_answer(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let responses = &self.operation(method, template)["responses"];
        let response = match responses.get(status.to_string()) {
            Some(response) => response,
            None => &responses["default"],
        };
        let response = self.resolve(response);
        let schema = &response["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        if schema.is_null() {
            errors.push(format!(
                "the document describes no {status} answer to {method} {template}"
            ));
            return errors;
        }
        self.check(
            schema,
            body,
            "answer",
            Mode {
                strict: false,
                form: false,
            },
            &[],
            &mut errors,
        );
        errors
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        mode: Mode,
        loose: &[&str],
        errors: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        if value.is_null() && schema["nullable"] == true {
            return;
        }
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.check(part, value, at, mode, loose, errors);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema[key].as_array() {
                let fits = options.iter().any(|option| {
                    let mut found = Vec::new();
                    self.check(option, value, at, mode, loose, &mut found);
                    found.is_empty()
                });
                if !fits {
                    errors.push(format!("{at}: fits none of the {key} of the document"));
                }
            }
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.contains(value)
        {
            errors.push(format!(
                "{at}: {value} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
        let kind = schema["type"].as_str();
        match (kind, value) {
            (Some("string"), Value::String(text)) => {
                let chars = text.chars().count() as u64;
                if schema["maxLength"].as_u64().is_some_and(|max| chars > max) {
                    errors.push(format!("{at}: longer than {}", schema["maxLength"]));
                }
                if schema["minLength"].as_u64().is_some_and(|min| chars < min) {
                    errors.push(format!("{at}: shorter than {}", schema["minLength"]));
                }
                // Patterns with look-around (the regex crate's limit) are left out.
                if let Some(pattern) = schema["pattern"].as_str()
                    && let Ok(regex) = regex::Regex::new(pattern)
                    && !regex.is_match(text)
                {
                    errors.push(format!("{at}: {text:?} does not match {pattern}"));
                }
            }
            (Some("integer"), Value::Number(n)) if n.is_i64() || n.is_u64() => {
                self.bounds(schema, n.as_f64().unwrap_or_default(), at, errors)
            }
            (Some("integer"), Value::String(text)) if mode.form && text.parse::<i64>().is_ok() => {
                self.bounds(schema, text.parse::<f64>().unwrap_or_default(), at, errors)
            }
            (Some("number"), Value::Number(n)) => {
                self.bounds(schema, n.as_f64().unwrap_or_default(), at, errors)
            }
            (Some("number"), Value::String(text)) if mode.form && text.parse::<f64>().is_ok() => {}
            (Some("boolean"), Value::Bool(_)) => {}
            (Some("boolean"), Value::String(text))
                if mode.form && (text == "true" || text == "false") => {}
            (Some("array"), Value::Array(items)) => {
                if schema["maxItems"]
                    .as_u64()
                    .is_some_and(|max| items.len() as u64 > max)
                {
                    errors.push(format!("{at}: more than {} items", schema["maxItems"]));
                }
                if schema["minItems"]
                    .as_u64()
                    .is_some_and(|min| (items.len() as u64) < min)
                {
                    errors.push(format!("{at}: fewer than {} items", schema["minItems"]));
                }
                for (i, item) in items.iter().enumerate() {
                    self.check(
                        &schema["items"],
                        item,
                        &format!("{at}[{i}]"),
                        mode,
                        loose,
                        errors,
                    );
                }
            }
            (Some("object"), Value::Object(fields)) => {
                self.object(schema, fields, at, mode, loose, errors)
            }
            (None, Value::Object(fields)) if schema.get("properties").is_some() => {
                self.object(schema, fields, at, mode, loose, errors)
            }
            (None, _) => {}
            (Some(kind), value) => errors.push(format!("{at}: {value} is not {kind}")),
        }
    }

    fn bounds(&self, schema: &Value, n: f64, at: &str, errors: &mut Vec<String>) {
        if schema["maximum"].as_f64().is_some_and(|max| n > max) {
            errors.push(format!("{at}: above {}", schema["maximum"]));
        }
        if schema["minimum"].as_f64().is_some_and(|min| n < min) {
            errors.push(format!("{at}: below {}", schema["minimum"]));
        }
    }

    fn object(
        &self,
        schema: &Value,
        fields: &Map<String, Value>,
        at: &str,
        mode: Mode,
        loose: &[&str],
        errors: &mut Vec<String>,
    ) {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                errors.push(format!("{at}.{name}: required by the document, missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, value) in fields {
            let here = format!("{at}.{name}");
            let mode = match loose.contains(&name.as_str()) {
                true => Mode {
                    strict: false,
                    ..mode
                },
                false => mode,
            };
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, value, &here, mode, loose, errors),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => errors.push(format!("{here}: not in the document")),
                    Value::Object(_) => self.check(
                        &schema["additionalProperties"],
                        value,
                        &here,
                        mode,
                        loose,
                        errors,
                    ),
                    _ if mode.strict => errors.push(format!("{here}: not in the document")),
                    _ => {}
                },
            }
        }
    }
}

/// `a[b][c]=v&a[d][0]=w` as nested JSON (strings), as Stripe reads forms.
pub fn form_to_json(form: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in url::form_urlencoded::parse(form.as_bytes()) {
        let mut parts: Vec<String> = Vec::new();
        let (head, rest) = key.split_once('[').unwrap_or((&key, ""));
        parts.push(head.to_owned());
        if !rest.is_empty() {
            parts.extend(
                format!("[{rest}")
                    .split('[')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.trim_end_matches(']').to_owned()),
            );
        }
        let mut at = &mut root;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let next_is_index = parts
                .get(i + 1)
                .is_some_and(|p| p.is_empty() || p.parse::<usize>().is_ok());
            match at {
                Value::Object(map) => {
                    let slot =
                        map.entry(part.clone())
                            .or_insert_with(|| match (last, next_is_index) {
                                (true, _) => Value::String(String::new()),
                                (false, true) => Value::Array(Vec::new()),
                                (false, false) => Value::Object(Map::new()),
                            });
                    if last {
                        *slot = Value::String(value.to_string());
                    }
                    at = slot;
                }
                Value::Array(items) => {
                    let index = part.parse::<usize>().unwrap_or(items.len());
                    while items.len() <= index {
                        items.push(match (last, next_is_index) {
                            (true, _) => Value::String(String::new()),
                            (false, true) => Value::Array(Vec::new()),
                            (false, false) => Value::Object(Map::new()),
                        });
                    }
                    if last {
                        items[index] = Value::String(value.to_string());
                    }
                    at = &mut items[index];
                }
                _ => break,
            }
        }
    }
    root
}
