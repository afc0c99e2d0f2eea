//! Objects whose plain fields are answered without a future each.
//!
//! async-graphql resolves every field of an object as a boxed future of its
//! own, polled through a `FuturesUnordered` and merged into an `IndexMap`.
//! For a field that only copies a column of a row already in memory that
//! machinery is most of the work: on the ledger and partner lists it was
//! the largest share of the server's CPU (docs/BENCHMARKS.md).
//!
//! [`Ready<T>`] is the same GraphQL type as `T` (same name, same fields,
//! registered by `T` itself), and resolves a selection on it in one pass:
//! each field [`ReadyFields::ready`] answers is written straight into the
//! object, and so is a relation [`ReadyFields::related`] finds in memory
//! with every field asked of it ready ([`in_place`]); every other field —
//! a relation to load, a field the caller may not read, a value that
//! could fail — goes through `T`'s own resolver,
//! the fields concurrently, so loader batches form as before and a refusal
//! is the resolver's own error at the field's path. Fragments, aliases and
//! repeated keys are walked as async-graphql walks them; `@skip` and
//! `@include` are already applied to the document before execution, and a
//! field carrying any other directive goes through its resolver. The
//! schema has no extensions: one that wraps each field's resolution would
//! not see the ready fields.

use async_graphql::futures_util::future::join_all;
use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, EnumType, enum_value};
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerError, ServerResult, Value,
};
use std::borrow::Cow;

/// An object type some of whose fields need neither I/O nor a check that
/// could fail for this caller.
pub trait ReadyFields: ContainerType + Sync {
    /// The value of the field named `name`, when it is ready (the caller
    /// reads it, as decided when the object was made): `None` sends the
    /// field through its resolver, which then answers it (or refuses it)
    /// as it always does. A value given here must be the one the resolver
    /// gives; a test compares the two for every field.
    fn ready(&self, name: &str) -> Option<Value>;

    /// The value of the relation `field`, when the row it leads to is in
    /// memory already (a list loaded it for its items,
    /// [`crate::graphql::loaders::prime`]) and every field asked of it is
    /// ready in turn ([`in_place`]): `None` sends the field through its
    /// resolver, which loads the same row and answers (or refuses) as it
    /// always does.
    fn related(&self, _ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> Option<Value> {
        None
    }
}

/// `object`, the row a relation `field` leads to, answered in place: the
/// object its resolver would give, when every field its selection asks is
/// ready (its own relations too). `None` when one is not: the caller
/// sends the relation through its resolver then, which does the whole of
/// it again the ordinary way.
pub fn in_place<T: ReadyFields + OutputType>(
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    object: T,
) -> Option<Value> {
    let ctx_field = ctx.with_field(field);
    let inner = ctx_field.with_selection_set(&field.node.selection_set);
    let mut answer = IndexMap::with_capacity(inner.item.node.items.len());
    let mut waiting = Vec::new();
    collect(&inner, &object, &mut answer, &mut waiting).ok()?;
    waiting.is_empty().then_some(Value::Object(answer))
}

/// `T`, resolved with its ready fields answered in place.
pub struct Ready<T>(pub T);

impl<T: ReadyFields + OutputType> OutputType for Ready<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let mut answer = IndexMap::with_capacity(ctx.item.node.items.len());
        let mut waiting = Vec::new();
        collect(ctx, &self.0, &mut answer, &mut waiting)?;
        if !waiting.is_empty() {
            let resolved = join_all(waiting.iter().map(|(ctx, field)| async move {
                let ctx_field = ctx.with_field(field);
                let key = field.node.response_key().node.clone();
                (key, self.0.resolve_field(&ctx_field).await)
            }))
            .await;
            for (key, result) in resolved {
                match result {
                    Ok(value) => merge(&mut answer, key, value.unwrap_or_default()),
                    Err(error) => ctx.add_error(error),
                }
            }
        }
        Ok(Value::Object(answer))
    }
}

/// The fields of `ctx`'s selection on `root`: ready ones into `answer`,
/// the rest into `waiting` with the context they are selected in.
fn collect<'a, T: ReadyFields + OutputType>(
    ctx: &ContextSelectionSet<'a>,
    root: &T,
    answer: &mut IndexMap<Name, Value>,
    waiting: &mut Vec<(ContextSelectionSet<'a>, &'a Positioned<Field>)>,
) -> ServerResult<()> {
    for selection in &ctx.item.node.items {
        let (condition, set) = match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                let ready = match name {
                    _ if !field.node.directives.is_empty() => None,
                    "__typename" => {
                        Some(Value::String(root.introspection_type_name().into_owned()))
                    }
                    _ => root.ready(name).or_else(|| root.related(ctx, field)),
                };
                match ready {
                    Some(value) => merge(answer, field.node.response_key().node.clone(), value),
                    None => waiting.push((ctx.clone(), field)),
                }
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let Some(fragment) = ctx.query_env.fragments.get(name) else {
                    return Err(ServerError::new(
                        format!(r#"Unknown fragment "{name}"."#),
                        Some(spread.pos),
                    ));
                };
                (
                    Some(&fragment.node.type_condition),
                    &fragment.node.selection_set,
                )
            }
            Selection::InlineFragment(inline) => (
                inline.node.type_condition.as_ref(),
                &inline.node.selection_set,
            ),
        };
        let applies = condition.is_none_or(|condition| {
            let on = condition.node.on.node.as_str();
            on == T::type_name()
                || ctx
                    .schema_env
                    .registry
                    .implements
                    .get(T::type_name().as_ref())
                    .is_some_and(|interfaces| interfaces.contains(on))
        });
        if applies {
            collect(&ctx.with_selection_set(set), root, answer, waiting)?;
        }
    }
    Ok(())
}

/// A key's value, merged with what the key already holds as async-graphql
/// merges fields selected twice under one key (objects key by key, lists
/// item by item).
fn merge(target: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    let held = match target.entry(key) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
            return;
        }
        Entry::Occupied(occupied) => occupied.into_mut(),
    };
    match (held, value) {
        (Value::Object(held), Value::Object(more)) => {
            for (key, value) in more {
                merge(held, key, value);
            }
        }
        (Value::List(held), Value::List(more)) => {
            for (item, more) in held.iter_mut().zip(more) {
                if let (Value::Object(item), Value::Object(more)) = (item, more) {
                    for (key, value) in more {
                        merge(item, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A scalar's value, as its `OutputType` gives it.
pub fn scalar<S: ScalarType>(value: S) -> Value {
    value.to_value()
}

/// An enum's value, as its `OutputType` gives it.
pub fn enumerated<E: EnumType>(value: impl Into<E>) -> Value {
    enum_value(value.into())
}

/// A nullable text.
pub fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |text| Value::String(text.to_owned()))
}
