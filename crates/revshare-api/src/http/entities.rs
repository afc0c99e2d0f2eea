//! `_entities` (Apollo Federation's, SPEC §27) bounded before it runs, as
//! `nodes(ids:)` is: async-graphql prices the field as one object whatever
//! the number of representations, and each representation resolves its
//! whole selection — 10,000 of them with five `rank` aliases each took a
//! server to 1.15 GB.
//!
//! - **A cap.** At most [`revshare_core::nodes::MAX_IDS`] representations (the cap
//!   of `nodes(ids:)`), inline or through a variable: past it the request
//!   is `BAD_USER_INPUT` naming `representations`.
//! - **A price.** `_entities` costs 10 plus the number of representations
//!   times what each selects, priced as async-graphql prices fields (one
//!   each and their children; a list as
//!   [`crate::graphql::connection::list_cost`] prices it), as `nodes(ids:)`
//!   is priced. A request whose `_entities` costs more than
//!   [`crate::graphql::MAX_COMPLEXITY`] is refused before it runs.
//!
//! Runs after [`super::limits::check`], which has refused fragment cycles
//! and bounded the selections once fragments are expanded.

use super::limits::Violation;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{OutputType, Variables};
use async_graphql_value::{ConstValue, Value};
use std::sync::LazyLock;

/// The schema's types and fields, as the executor's registry has them:
/// which fields are lists priced by their page, and each field's type.
static TYPES: LazyLock<Registry> = LazyLock::new(|| {
    let mut registry = Registry::default();
    <crate::graphql::Query as OutputType>::create_type_info(&mut registry);
    registry
});

/// Checks every `_entities` at an operation's root against the cap and
/// the price.
pub fn check(document: &ExecutableDocument, variables: &Variables) -> Result<(), Violation> {
    let walk = Walk {
        document,
        variables,
    };
    for (_, operation) in document.operations.iter() {
        let mut roots = Vec::new();
        walk.roots(&operation.node.selection_set.node, &mut roots, 0);
        let mut total = 0usize;
        for field in roots {
            let count = walk.representations(field);
            if count > revshare_core::nodes::MAX_IDS {
                return Err(Violation {
                    message: format!(
                        "must have at most {} representations",
                        revshare_core::nodes::MAX_IDS
                    ),
                    field: Some("representations".into()),
                });
            }
            let each = walk.cost(&field.selection_set.node, None, 0);
            let cost = 10usize.saturating_add(count.saturating_mul(each));
            total = total.saturating_add(cost);
            if total > crate::graphql::MAX_COMPLEXITY {
                return Err(Violation {
                    message: format!(
                        "_entities costs {cost} ({count} representations × {each} for what each \
                         selects, and 10), over the {} a query may cost: ask for fewer \
                         representations or fewer fields",
                        crate::graphql::MAX_COMPLEXITY
                    ),
                    field: None,
                });
            }
        }
    }
    Ok(())
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
}

/// Fragments deeper than this are not followed (the limits walk has
/// refused cycles; this only keeps the recursion bounded).
const MAX_SPREAD: usize = 64;

impl<'a> Walk<'a> {
    /// The `_entities` fields at the root, through fragments.
    fn roots(&self, set: &'a SelectionSet, found: &mut Vec<&'a Field>, depth: usize) {
        if depth > MAX_SPREAD {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) if field.node.name.node == "_entities" => {
                    found.push(&field.node)
                }
                Selection::Field(_) => {}
                Selection::InlineFragment(inline) => {
                    self.roots(&inline.node.selection_set.node, found, depth + 1)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.roots(&fragment.node.selection_set.node, found, depth + 1);
                    }
                }
            }
        }
    }

    /// How many representations `_entities` names (a missing variable:
    /// none, which coercion then refuses).
    fn representations(&self, field: &Field) -> usize {
        let Some(value) = field.get_argument("representations") else {
            return 0;
        };
        match &value.node {
            Value::List(items) => items.len(),
            Value::Variable(name) => match self.variables.get(name) {
                Some(ConstValue::List(items)) => items.len(),
                Some(ConstValue::Null) | None => 0,
                Some(_) => 1,
            },
            Value::Null => 0,
            _ => 1,
        }
    }

    /// An integer argument, inline or through a variable.
    fn int(&self, field: &Field, name: &str) -> Option<i32> {
        let number = match &field.get_argument(name)?.node {
            Value::Number(number) => number.as_i64(),
            Value::Variable(variable) => match self.variables.get(variable)? {
                ConstValue::Number(number) => number.as_i64(),
                _ => None,
            },
            _ => None,
        }?;
        Some(number.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
    }

    /// What a selection set costs on `parent` (a type's name; none where
    /// it is not known, such as the entity union: each fragment names its
    /// own).
    fn cost(&self, set: &SelectionSet, parent: Option<&str>, depth: usize) -> usize {
        if depth > MAX_SPREAD {
            return 0;
        }
        let mut total = 0usize;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(field) => self.field(&field.node, parent, depth),
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|condition| condition.node.on.node.as_str())
                        .or(parent);
                    self.cost(&inline.node.selection_set.node, on, depth + 1)
                }
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => self.cost(
                            &fragment.node.selection_set.node,
                            Some(fragment.node.type_condition.node.on.node.as_str()),
                            depth + 1,
                        ),
                        None => 0,
                    }
                }
            };
            total = total.saturating_add(cost);
        }
        total
    }

    /// A field's cost: one and its children's, or a list's page of them.
    fn field(&self, field: &Field, parent: Option<&str>, depth: usize) -> usize {
        let meta = parent
            .and_then(|name| TYPES.types.get(name))
            .and_then(|ty| match ty {
                MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                    fields.get(field.name.node.as_str())
                }
                _ => None,
            });
        let of = meta.map(|meta| MetaTypeName::concrete_typename(&meta.ty));
        let children = self.cost(&field.selection_set.node, of, depth + 1);
        match meta {
            Some(meta) if meta.compute_complexity.is_some() => {
                crate::graphql::connection::list_cost(
                    self.int(field, "first"),
                    self.int(field, "last"),
                    children,
                )
            }
            _ => children.saturating_add(1),
        }
    }
}
