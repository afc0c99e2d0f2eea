//! Response keys in selection order (GraphQL spec, "Serialized Map
//! Ordering"). async-graphql resolves a selection set's fields concurrently
//! and keeps each object's entries in the order they complete, so
//! `{ partners { … } viewer { … } }` could answer `viewer` first, and a
//! connection's `nodes` before or after its `totalCount` from one request
//! to the next. Clients that compare or cache responses depend on the
//! order, so after execution each object is put back in the order
//! `CollectFields` gives: a key where its first selection stands, fragments
//! expanded in place (whatever their type condition: a key that is not
//! there is simply skipped).
//!
//! The walk visits each level of the response once: the objects of a list
//! share one plan of their keys, computed once per selection set.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Value};

/// Orders `data`, the answer to `operation` of `document`, in place.
pub fn in_selection_order(
    document: &ExecutableDocument,
    operation: Option<&str>,
    data: &mut Value,
) {
    let Some(operation) = find(document, operation) else {
        return;
    };
    let mut objects = Vec::new();
    flatten(data, &mut objects);
    order(document, &[&operation.selection_set.node], objects);
}

/// The operation a request runs: the one it names, or the document's only
/// one.
pub fn find<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|o| &o.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|o| &o.node)
        }
        _ => None,
    }
}

/// The objects of a value: itself, or the objects of its lists, at any depth.
fn flatten<'v>(value: &'v mut Value, out: &mut Vec<&'v mut IndexMap<Name, Value>>) {
    match value {
        Value::Object(map) => out.push(map),
        Value::List(items) => {
            for item in items {
                flatten(item, out);
            }
        }
        _ => {}
    }
}

/// Each response key of `sets`, in order, with the selection sets below it.
type Plan<'d> = Vec<(&'d str, Vec<&'d SelectionSet>)>;

fn plan<'d>(document: &'d ExecutableDocument, sets: &[&'d SelectionSet]) -> Plan<'d> {
    let mut plan = Plan::new();
    for set in sets {
        each_field(document, set, "", &mut |_, field| {
            let key = field.response_key().node.as_str();
            let below = &field.selection_set.node;
            let at = match plan.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    plan.push((key, Vec::new()));
                    plan.len() - 1
                }
            };
            if !below.items.is_empty() {
                plan[at].1.push(below);
            }
        });
    }
    plan
}

/// Visits every field `set` selects, in document order, fragments expanded
/// in place (whatever their type condition), with the type each is
/// selected on: the fragment's condition, else `on`.
pub fn each_field<'a, 'd: 'a>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    on: &'a str,
    visit: &mut impl FnMut(&'a str, &'d Field),
) {
    fn walk<'a, 'd: 'a>(
        document: &'d ExecutableDocument,
        set: &'d SelectionSet,
        on: &'a str,
        visit: &mut impl FnMut(&'a str, &'d Field),
        spreading: &mut Vec<&'d str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => visit(on, &field.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // Validation refuses cycles; the guard keeps this walk finite.
                    if spreading.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = document.fragments.get(name) {
                        spreading.push(name);
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        walk(
                            document,
                            &fragment.node.selection_set.node,
                            on,
                            visit,
                            spreading,
                        );
                        spreading.pop();
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(on, |condition| condition.node.on.node.as_str());
                    walk(
                        document,
                        &inline.node.selection_set.node,
                        on,
                        visit,
                        spreading,
                    );
                }
            }
        }
    }
    walk(document, set, on, visit, &mut Vec::new());
}

fn order<'d>(
    document: &'d ExecutableDocument,
    sets: &[&'d SelectionSet],
    mut objects: Vec<&mut IndexMap<Name, Value>>,
) {
    if objects.is_empty() {
        return;
    }
    let plan = plan(document, sets);
    for object in objects.iter_mut() {
        object.sort_by_cached_key(|key, _| {
            plan.iter()
                .position(|(k, _)| *k == key.as_str())
                .unwrap_or(usize::MAX)
        });
    }
    for (key, below) in &plan {
        if below.is_empty() {
            continue;
        }
        let mut children = Vec::new();
        for object in objects.iter_mut() {
            if let Some(child) = object.get_mut(*key) {
                flatten(child, &mut children);
            }
        }
        order(document, below, children);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn keys_follow_the_selection_with_fragments_in_place() {
        let document = async_graphql::parser::parse_query(
            "query Q { b: viewer { role } a: partners { ...Page totalCount } } \
             fragment Page on PartnerConnection { nodes { name id ... on Partner { email } } pageInfo { hasNextPage } }",
        )
        .unwrap();
        let json = serde_json::json!({
            "a": { "totalCount": 2, "pageInfo": { "hasNextPage": false },
                   "nodes": [{ "id": "1", "email": "x", "name": "A" }, { "email": "y", "name": "B", "id": "2" }] },
            "b": { "role": "ADMIN" }
        });
        let mut data = Value::from_json(json).unwrap();
        in_selection_order(&document, Some("Q"), &mut data);
        assert_eq!(keys(&data), ["b", "a"]);
        let Value::Object(root) = &data else { panic!() };
        assert_eq!(keys(&root["a"]), ["nodes", "pageInfo", "totalCount"]);
        let Value::Object(page) = &root["a"] else {
            panic!()
        };
        let Value::List(nodes) = &page["nodes"] else {
            panic!()
        };
        for node in nodes {
            assert_eq!(keys(node), ["name", "id", "email"]);
        }
    }
}
