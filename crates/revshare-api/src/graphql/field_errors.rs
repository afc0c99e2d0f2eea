//! Field errors in place (GraphQL spec, "Handling Field Errors"): a field
//! whose resolver fails is `null` in `data`, with its error at its path,
//! and when the field cannot be null the `null` moves up to the nearest
//! position that can.
//!
//! async-graphql instead leaves a failed field out of its object (and an
//! object whose every selected field failed out as `null`), so a field
//! refused to the token — `Partner.email` for a `commissions:read` token, a
//! tier's `notes` for a partner — went missing, and typed clients (Apollo's
//! "Missing field") failed on the absent key. After execution each error's
//! path is walked against the document and the schema's field types, and
//! the answer is mended: the key written as `null`, or the `null` carried
//! up past non-null positions. Every path to a field — the ordinary
//! resolvers and the lists answered in place ([`super::ready`]) — comes
//! through here, over HTTP and over WebSocket.

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, ServerError, Value};
use std::collections::HashMap;

/// The type of every field of every object and interface, by type and
/// field name: what says whether a failed field may be null.
#[derive(Debug, Default)]
pub struct FieldTypes(HashMap<(String, String), Type>);

impl FieldTypes {
    /// The field types of the schema written as `sdl`.
    pub fn of(sdl: &str) -> FieldTypes {
        let mut types = HashMap::new();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return FieldTypes(types);
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let fields = match definition.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                _ => continue,
            };
            for field in fields {
                types.insert(
                    (
                        definition.name.node.to_string(),
                        field.node.name.node.to_string(),
                    ),
                    field.node.ty.node,
                );
            }
        }
        FieldTypes(types)
    }

    fn get(&self, on: &str, field: &str) -> Option<&Type> {
        self.0.get(&(on.to_owned(), field.to_owned()))
    }
}

/// Writes each failed field of `data` (the answer to `operation` of
/// `document`) as the specification does.
pub fn in_place(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation: Option<&str>,
    data: &mut Value,
    errors: &[ServerError],
) {
    let Some((root, sets)) = operation_root(document, operation) else {
        return;
    };
    // Positions this walk set to null: errors below them are answered.
    let mut nulled: Vec<&[PathSegment]> = Vec::new();
    for error in errors {
        let path = error.path.as_slice();
        if path.is_empty() || nulled.iter().any(|above| path.starts_with(above)) {
            continue;
        }
        let Some(nullable) = nullability(types, document, root, sets.clone(), path) else {
            continue;
        };
        if let Some(at) = mend(data, path, &nullable) {
            nulled.push(&path[..at]);
        }
    }
}

fn operation_root<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<(&'static str, Vec<&'d SelectionSet>)> {
    let operation = super::order::find(document, name)?;
    let root = match operation.ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    };
    Some((root, vec![&operation.selection_set.node]))
}

/// Whether each position along `path` may be null (a field's type, or a
/// list's items'); `None` when the path does not follow the document.
fn nullability<'d>(
    types: &FieldTypes,
    document: &'d ExecutableDocument,
    root: &str,
    mut sets: Vec<&'d SelectionSet>,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut nullable = Vec::with_capacity(path.len());
    let mut object = root.to_owned();
    let mut current: Option<Type> = None;
    for segment in path {
        let ty = match segment {
            PathSegment::Field(key) => {
                let found = field_at(types, document, &sets, &object, key)?;
                sets = found.below;
                found.ty
            }
            PathSegment::Index(_) => match current?.base {
                BaseType::List(item) => *item,
                BaseType::Named(_) => return None,
            },
        };
        nullable.push(ty.nullable);
        if let BaseType::Named(name) = &ty.base {
            object = name.to_string();
        } else {
            let mut inner = &ty;
            while let BaseType::List(item) = &inner.base {
                inner = item;
            }
            if let BaseType::Named(name) = &inner.base {
                object = name.to_string();
            }
        }
        current = Some(ty);
    }
    Some(nullable)
}

/// The field a response key names, its type and what is selected below it.
struct Found<'d> {
    ty: Type,
    below: Vec<&'d SelectionSet>,
}

fn field_at<'d>(
    types: &FieldTypes,
    document: &'d ExecutableDocument,
    sets: &[&'d SelectionSet],
    object: &str,
    key: &str,
) -> Option<Found<'d>> {
    let mut matches: Vec<(&str, &'d str, &'d SelectionSet)> = Vec::new();
    for set in sets {
        super::order::each_field(document, set, object, &mut |on, field| {
            if field.response_key().node.as_str() == key {
                matches.push((on, field.name.node.as_str(), &field.selection_set.node));
            }
        });
    }
    let (on, name, _) = *matches.first()?;
    let ty = types
        .get(on, name)
        .or_else(|| types.get(object, name))?
        .clone();
    let below = matches
        .into_iter()
        .map(|(_, _, below)| below)
        .filter(|below| !below.items.is_empty())
        .collect();
    Some(Found { ty, below })
}

/// Writes the failed field at `path` as null, or the nearest nullable
/// position above it when it cannot be; answers the length of the path
/// set to null by carrying it up, if it was.
fn mend(data: &mut Value, path: &[PathSegment], nullable: &[bool]) -> Option<usize> {
    let last = path.len() - 1;
    let PathSegment::Field(key) = &path[last] else {
        return None;
    };
    let parent = walk(data, &path[..last])?;
    if parent.contains_key(key.as_str()) {
        return None;
    }
    if nullable[last] {
        parent.insert(Name::new(key), Value::Null);
        return None;
    }
    // Not nullable: the nearest nullable position above takes the null.
    match (0..last).rev().find(|at| nullable[*at]) {
        Some(at) => {
            let (to, segment) = (&path[..at], &path[at]);
            let holder = walk_value(data, to)?;
            match (holder, segment) {
                (Value::Object(object), PathSegment::Field(key)) => {
                    object.insert(Name::new(key), Value::Null);
                }
                (Value::List(items), PathSegment::Index(index)) => {
                    if let Some(item) = items.get_mut(*index) {
                        *item = Value::Null;
                    }
                }
                _ => return None,
            }
            Some(at + 1)
        }
        None => {
            *data = Value::Null;
            Some(0)
        }
    }
}

/// The object at `path`, made an object where the executor left `null`
/// for one whose every field failed (the error's path shows it resolved).
fn walk<'v>(
    data: &'v mut Value,
    path: &[PathSegment],
) -> Option<&'v mut async_graphql::indexmap::IndexMap<Name, Value>> {
    let value = walk_value(data, path)?;
    if *value == Value::Null {
        *value = Value::Object(Default::default());
    }
    match value {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// The value at `path`, through objects (a `null` one made an object, as
/// in [`walk`]) and lists.
fn walk_value<'v>(data: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    let mut value = data;
    for segment in path {
        if *value == Value::Null {
            *value = Value::Object(Default::default());
        }
        value = match (value, segment) {
            (Value::Object(object), PathSegment::Field(key)) => object.get_mut(key.as_str())?,
            (Value::List(items), PathSegment::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}
