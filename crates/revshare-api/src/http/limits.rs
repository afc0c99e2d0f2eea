//! Limits checked on the request before anything runs, with or without a
//! token. Before parsing, [`check_size`] counts the query's tokens and
//! directives (a linear scan that allocates nothing), so that no request
//! makes the parser build a document of 100,000 aliases or 20,000
//! directives on one field. Then, on the parsed request: async-graphql's depth and complexity limits (see
//! [`crate::graphql::MAX_DEPTH`], [`crate::graphql::MAX_COMPLEXITY`]) price ordinary fields;
//! this walk adds what they do not see:
//!
//! - **Introspection.** `__schema` and `__type` are not priced by the
//!   complexity limit, and aliases multiply them: 1,400 aliased `__schema`
//!   selections in a 100 KB body answered 53 MB. A request may select
//!   `__schema` once and `__type` at most [`MAX_TYPE_LOOKUPS`] times, and on
//!   any path a type's member lists (`fields`, `inputFields`, `enumValues`,
//!   `interfaces`, `possibleTypes`) are expanded once, so that
//!   `fields { type { fields { type { … } } } }` cannot grow with depth.
//!   Together these bound any introspection answer by one description of the
//!   whole schema plus [`MAX_TYPE_LOOKUPS`] descriptions of one type — the
//!   shape GraphiQL's own introspection query has.
//! - **Selections.** At most [`MAX_SELECTIONS`] fields once fragments are
//!   expanded (fragments may spread each other, so the walk is bounded too).
//! - **Characters PostgreSQL refuses.** A NUL (`\u0000`) in any argument —
//!   inline or through a variable, in a value or an object key — is
//!   `BAD_USER_INPUT` naming the argument's path (`input.metadata`), on both
//!   databases, before any statement could carry it.

use async_graphql::parser::types::{
    ExecutableDocument, Field, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Positioned, Variables};
use async_graphql_value::{ConstValue, Value};
use std::collections::HashSet;

/// Most lexical tokens (names, punctuation, values) a query may have: a
/// `recordEvents` batch of 1,000 events written inline fits; 100,000
/// aliased `__typename` do not.
pub const MAX_TOKENS: usize = 50_000;
/// Most directives (`@include`, `@skip`) a query may use.
pub const MAX_DIRECTIVES: usize = 100;
/// Deepest nesting of brackets — selection sets `{`, arguments `(`, list
/// `[` and object `{` values — a query may have. The parser and every
/// converter of values recurse once per level: a list value 1,750 deep
/// overflowed a worker's stack and aborted the process. Selections stop at
/// [`crate::graphql::MAX_DEPTH`] (16) long before this; GraphiQL's introspection
/// query nests 13; a value may nest the rest.
pub const MAX_NESTING: usize = 48;

/// Counts the query's tokens and directives and measures its nesting
/// without parsing it, and refuses one past [`MAX_TOKENS`],
/// [`MAX_DIRECTIVES`] or [`MAX_NESTING`]. Commas, white space and comments
/// are not tokens; a string or block string is one.
pub fn check_size(query: &str) -> Result<(), Violation> {
    let bytes = query.as_bytes();
    let (mut at, mut tokens, mut directives, mut depth) = (0, 0usize, 0usize, 0usize);
    while at < bytes.len() {
        let rest = &bytes[at..];
        at += match rest[0] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                at += 1;
                continue;
            }
            b'#' => {
                at += rest
                    .iter()
                    .position(|b| matches!(b, b'\n' | b'\r'))
                    .unwrap_or(rest.len());
                continue;
            }
            b'"' if rest.starts_with(b"\"\"\"") => block_string_length(rest),
            b'"' => string_length(rest),
            b'.' if rest.starts_with(b"...") => 3,
            b'@' => {
                directives += 1;
                1
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Violation::limit(format!(
                        "a query may nest selections, arguments, lists and objects at most {MAX_NESTING} deep"
                    )));
                }
                1
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                1
            }
            b'_' | b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => rest
                .iter()
                .position(|b| !matches!(b, b'_' | b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'))
                .unwrap_or(rest.len()),
            _ => 1,
        };
        tokens += 1;
        if tokens > MAX_TOKENS {
            return Err(Violation::limit(format!(
                "a query may have at most {MAX_TOKENS} tokens"
            )));
        }
        if directives > MAX_DIRECTIVES {
            return Err(Violation::limit(format!(
                "a query may use at most {MAX_DIRECTIVES} directives"
            )));
        }
    }
    Ok(())
}

/// Refuses JSON variables nested deeper than [`MAX_NESTING`], as a query's
/// literals are (serde_json stops at 128 levels; the converters and the
/// coercion of inputs recurse on what it lets through). Walks without
/// recursing.
pub fn check_variables(
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Violation> {
    let mut pending: Vec<(&serde_json::Value, usize)> =
        variables.values().map(|value| (value, 1)).collect();
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth > MAX_NESTING {
            return Err(Violation::limit(format!(
                "variables may nest lists and objects at most {MAX_NESTING} deep"
            )));
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// The length of the string at the start of `text`, quotes included (to
/// the end of the line when it is not closed: the parser reports that).
fn string_length(text: &[u8]) -> usize {
    let mut at = 1;
    while at < text.len() {
        match text[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    text.len()
}

/// The length of the block string at the start of `text`, quotes included.
fn block_string_length(text: &[u8]) -> usize {
    let mut at = 3;
    while at < text.len() {
        if text[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if text[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    text.len()
}

/// Most `__type` lookups one request may make.
pub const MAX_TYPE_LOOKUPS: usize = 20;
/// Most fields one request may select, once fragments are expanded.
pub const MAX_SELECTIONS: usize = 10_000;

/// Introspection fields that list a type's members.
const MEMBER_LISTS: &[&str] = &[
    "fields",
    "inputFields",
    "enumValues",
    "interfaces",
    "possibleTypes",
];

/// Why a request was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub message: String,
    /// The offending argument's path, for input errors.
    pub field: Option<String>,
}

impl Violation {
    fn limit(message: impl Into<String>) -> Violation {
        Violation {
            message: message.into(),
            field: None,
        }
    }
}

/// Checks every operation of a parsed request against the limits above.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Result<(), Violation> {
    let mut walk = Walk {
        document,
        variables,
        selections: 0,
        spreading: Vec::new(),
    };
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        walk.defaults(&operation.variable_definitions)?;
        let mut roots = Roots::default();
        walk.selection_set(&operation.selection_set.node, Scope::Root(&mut roots))?;
    }
    Ok(())
}

/// Root-level introspection selections seen so far, by response key.
#[derive(Default)]
struct Roots {
    schema: HashSet<String>,
    types: HashSet<String>,
}

/// Where in the document a selection set is.
enum Scope<'r> {
    /// The operation's root: `__schema` and `__type` are counted here.
    Root(&'r mut Roots),
    /// Below an introspection field; `expanded` says whether a member list
    /// has been expanded on the path already.
    Introspection {
        expanded: bool,
    },
    Data,
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    selections: usize,
    /// Fragments being expanded, to refuse a cycle before validation does.
    spreading: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        mut scope: Scope<'_>,
    ) -> Result<(), Violation> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => self.field(&field.node, &mut scope)?,
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue; // validation reports it
                    };
                    if self.spreading.contains(&name) {
                        return Err(Violation::limit(format!("fragment {name} spreads itself")));
                    }
                    self.spreading.push(name);
                    self.selection_set(&fragment.node.selection_set.node, scope.reborrow())?;
                    self.spreading.pop();
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node, scope.reborrow())?;
                }
            }
        }
        Ok(())
    }

    fn field(&mut self, field: &'a Field, scope: &mut Scope<'_>) -> Result<(), Violation> {
        self.selections += 1;
        if self.selections > MAX_SELECTIONS {
            return Err(Violation::limit(format!(
                "a request may select at most {MAX_SELECTIONS} fields, fragments expanded"
            )));
        }
        for (name, value) in &field.arguments {
            self.argument(name.node.as_str(), &value.node)?;
        }
        for directive in &field.directives {
            for (name, value) in &directive.node.arguments {
                self.argument(name.node.as_str(), &value.node)?;
            }
        }
        let name = field.name.node.as_str();
        let key = field
            .alias
            .as_ref()
            .map_or(name, |alias| alias.node.as_str())
            .to_owned();
        let child = match scope {
            Scope::Root(roots) => match name {
                "__schema" => {
                    roots.schema.insert(key);
                    if roots.schema.len() > 1 {
                        return Err(Violation::limit("a request may select __schema only once"));
                    }
                    Scope::Introspection { expanded: false }
                }
                "__type" => {
                    roots.types.insert(key);
                    if roots.types.len() > MAX_TYPE_LOOKUPS {
                        return Err(Violation::limit(format!(
                            "a request may select __type at most {MAX_TYPE_LOOKUPS} times"
                        )));
                    }
                    Scope::Introspection { expanded: false }
                }
                _ => Scope::Data,
            },
            Scope::Introspection { expanded } => {
                let member_list = MEMBER_LISTS.contains(&name);
                if member_list && *expanded {
                    return Err(Violation::limit(format!(
                        "introspection may list a type's members once per path ({name} repeats it)"
                    )));
                }
                Scope::Introspection {
                    expanded: *expanded || member_list,
                }
            }
            Scope::Data => Scope::Data,
        };
        self.selection_set(&field.selection_set.node, child)
    }

    /// An argument, inline or through a variable, with its path for errors.
    fn argument(&self, name: &str, value: &Value) -> Result<(), Violation> {
        let mut path = name.to_owned();
        self.value(&mut path, value)
    }

    fn value(&self, path: &mut String, value: &Value) -> Result<(), Violation> {
        match value {
            Value::Variable(variable) => match self.variables.get(variable) {
                Some(value) => const_value(path, value),
                None => Ok(()),
            },
            Value::String(text) => clean(path, text),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.value(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    clean(path, key.as_str())?;
                    let len = path.len();
                    path.push('.');
                    path.push_str(key.as_str());
                    self.value(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Null
            | Value::Number(_)
            | Value::Boolean(_)
            | Value::Binary(_)
            | Value::Enum(_) => Ok(()),
        }
    }

    /// Default values of the operation's variables.
    fn defaults(&self, definitions: &[Positioned<VariableDefinition>]) -> Result<(), Violation> {
        for definition in definitions {
            if let Some(default) = &definition.node.default_value {
                let mut path = definition.node.name.node.to_string();
                const_value(&mut path, &default.node)?;
            }
        }
        Ok(())
    }
}

impl Scope<'_> {
    fn reborrow(&mut self) -> Scope<'_> {
        match self {
            Scope::Root(roots) => Scope::Root(roots),
            Scope::Introspection { expanded } => Scope::Introspection {
                expanded: *expanded,
            },
            Scope::Data => Scope::Data,
        }
    }
}

fn const_value(path: &mut String, value: &ConstValue) -> Result<(), Violation> {
    match value {
        ConstValue::String(text) => clean(path, text),
        ConstValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                const_value(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        ConstValue::Object(fields) => {
            for (key, item) in fields {
                clean(path, key.as_str())?;
                let len = path.len();
                path.push('.');
                path.push_str(key.as_str());
                const_value(path, item)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// PostgreSQL's `text` and `jsonb` refuse NUL (SQLite would store it): it is
/// refused here, on both databases alike.
fn clean(path: &str, text: &str) -> Result<(), Violation> {
    if text.contains('\0') {
        return Err(Violation {
            message: "must not contain the NUL character (\\u0000)".into(),
            field: Some(path.to_owned()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_directives_are_counted_before_parsing() {
        assert_eq!(check_size("{ a: __typename }"), Ok(()));
        let aliases: String = (0..MAX_TOKENS)
            .map(|i| format!("a{i}: __typename "))
            .collect();
        assert_eq!(
            check_size(&format!("{{ {aliases} }}")).unwrap_err().message,
            "a query may have at most 50000 tokens"
        );
        let skips = " @skip(if: true)".repeat(MAX_DIRECTIVES + 1);
        assert_eq!(
            check_size(&format!("{{ __typename{skips} }}"))
                .unwrap_err()
                .message,
            "a query may use at most 100 directives"
        );
        // Inside strings, comments and block strings nothing is counted.
        let quoted = format!(
            "{{ a(s: \"{}\", b: \"\"\"{} \\\"\"\" @x\"\"\") # {}\n }}",
            "@".repeat(500),
            "@".repeat(500),
            "@ x ".repeat(500)
        );
        assert_eq!(check_size(&quoted), Ok(()));
        assert_eq!(string_length(b"\"a\\\"b\" rest"), 6);
        assert_eq!(block_string_length(b"\"\"\"a \\\"\"\" b\"\"\" rest"), 14);
    }

    #[test]
    fn nesting_is_bounded_before_parsing() {
        // The probe's bodies: a list 1,750 deep, an object 1,500 deep.
        let lists = format!(
            "{{ partner(id: {}1{}) {{ id }} }}",
            "[".repeat(1750),
            "]".repeat(1750)
        );
        let objects = format!(
            "{{ partner(id: {}1{}) {{ id }} }}",
            "{a: ".repeat(1500),
            "}".repeat(1500)
        );
        for query in [lists, objects] {
            assert_eq!(
                check_size(&query).unwrap_err().message,
                "a query may nest selections, arguments, lists and objects at most 48 deep"
            );
        }
        // As deep as allowed, counting the selection and the argument.
        let deepest = format!(
            "{{ partner(id: {}1{}) {{ id }} }}",
            "[".repeat(MAX_NESTING - 2),
            "]".repeat(MAX_NESTING - 2)
        );
        assert_eq!(check_size(&deepest), Ok(()));
        // Brackets inside strings and comments are text.
        let quoted = format!(
            "{{ a(s: \"{}\") # {}\n }}",
            "[".repeat(100),
            "{".repeat(100)
        );
        assert_eq!(check_size(&quoted), Ok(()));
    }

    #[test]
    fn variables_nest_as_deep_as_literals() {
        let mut value = serde_json::json!(1);
        for _ in 0..MAX_NESTING {
            value = serde_json::json!([value]);
        }
        let ok = serde_json::json!({ "v": value });
        assert_eq!(check_variables(ok.as_object().unwrap()), Ok(()));
        let deeper = serde_json::json!({ "v": { "a": value } });
        assert_eq!(
            check_variables(deeper.as_object().unwrap())
                .unwrap_err()
                .message,
            "variables may nest lists and objects at most 48 deep"
        );
    }

    fn run(query: &str, variables: serde_json::Value) -> Result<(), Violation> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        check(&document, &Variables::from_json(variables))
    }

    #[test]
    fn graphiql_introspection_passes() {
        let query = include_str!("../../../../tests/api/introspection.graphql");
        assert_eq!(run(query, serde_json::json!({})), Ok(()));
    }

    #[test]
    fn aliased_schemas_are_refused() {
        let query = "{ a: __schema { types { name } } b: __schema { types { name } } }";
        assert_eq!(
            run(query, serde_json::json!({})).unwrap_err().message,
            "a request may select __schema only once"
        );
        // The same response key twice is one selection.
        assert_eq!(
            run(
                "{ __schema { queryType { name } } __schema { types { name } } }",
                serde_json::json!({})
            ),
            Ok(())
        );
        let many: String = (0..=MAX_TYPE_LOOKUPS)
            .map(|i| format!("t{i}: __type(name: \"Partner\") {{ name }} "))
            .collect();
        assert!(run(&format!("{{ {many} }}"), serde_json::json!({})).is_err());
    }

    #[test]
    fn introspection_cannot_recurse_through_member_lists() {
        let query = "{ __schema { types { fields { type { fields { name } } } } } }";
        assert!(run(query, serde_json::json!({})).is_err());
        let query = "{ __type(name: \"Partner\") { interfaces { possibleTypes { name } } } }";
        assert!(run(query, serde_json::json!({})).is_err());
        // Through a fragment too.
        let query = "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { enumValues { name } }";
        assert!(run(query, serde_json::json!({})).is_err());
    }

    #[test]
    fn fragment_cycles_and_explosions_are_bounded() {
        let query = "{ viewer { ...A } } fragment A on Viewer { role ...A }";
        assert!(run(query, serde_json::json!({})).is_err());
        // Each level doubles the fields: 2^20 once expanded.
        let mut query = String::from("{ viewer { ...F0 } }");
        for i in 0..20 {
            query.push_str(&format!(
                " fragment F{i} on Viewer {{ a{i}: role ...F{n} b{i}: role ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F20 on Viewer { role }");
        assert!(
            run(&query, serde_json::json!({}))
                .unwrap_err()
                .message
                .contains("at most 10000 fields")
        );
    }

    #[test]
    fn nul_is_refused_naming_the_argument() {
        let query = "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }";
        let error = run(query, serde_json::json!({ "input": { "name": "a\u{0}b" } })).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("input.name"));
        let query = "mutation($i: [RecordEventInput!]!) { recordEvents(input: $i) { externalId } }";
        let error = run(
            query,
            serde_json::json!({ "i": [{ "externalId": "ok" }, { "metadata": { "k\u{0}": 1 } }] }),
        )
        .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("input[1].metadata"));
        let query = "mutation { createPartner(input: { name: \"a\\u0000b\" }) { id } }";
        let error = run(query, serde_json::json!({})).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("input.name"));
        assert_eq!(
            run(
                "mutation { createPartner(input: { name: \"ab\" }) { id } }",
                serde_json::json!({})
            ),
            Ok(())
        );
    }
}
