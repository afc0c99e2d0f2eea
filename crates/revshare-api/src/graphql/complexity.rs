//! An operation past the complexity limit ([`super::MAX_COMPLEXITY`]) is
//! answered naming the limit and what it costs, as the executor prices it.
//! The executor's own refusal ([`REFUSED`]) says neither; the refused
//! operation — and only it — is validated once more by a schema without
//! the limit, whose one extension reads the price and stops there: nothing
//! resolves, and no other request passes through an extension.

use super::{Mutation, Query, Subscription};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{Request, Schema, ServerError, ValidationResult};
use std::sync::{Arc, LazyLock};

/// How the executor refuses an operation past the limit.
pub const REFUSED: &str = "Query is too complex.";

/// The refusal naming the cost of `request`, an operation the executor
/// refused for its complexity; `None` if pricing it failed otherwise.
pub async fn refusal(request: Request) -> Option<String> {
    let response = PRICING.execute(request).await;
    let message = &response.errors.first()?.message;
    let cost = message.strip_prefix(PRICED)?.parse::<usize>().ok()?;
    Some(format!(
        "Query is too complex: it costs {cost}, over the {} an operation may cost (a field \
         costs 1 and what it selects; a list 10 and its page size times what each item \
         selects): ask for fewer fields or smaller pages",
        super::MAX_COMPLEXITY
    ))
}

/// The schema that prices: the same types, no complexity limit, no data.
static PRICING: LazyLock<Schema<Query, Mutation, Subscription>> = LazyLock::new(|| {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .enable_federation()
    .limit_depth(super::MAX_DEPTH)
    .extension(Price)
    .finish()
});

/// How the pricing extension hands the price back: as its error's text.
const PRICED: &str = "priced:";

struct Price;

impl ExtensionFactory for Price {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Price)
    }
}

#[async_trait::async_trait]
impl Extension for Price {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let priced = next.run(ctx).await?;
        Err(vec![ServerError::new(
            format!("{PRICED}{}", priced.complexity),
            None,
        )])
    }
}
