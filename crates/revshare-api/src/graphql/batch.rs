//! The items of a batch mutation (`recordEvents`, `recordDealEvents`):
//! each checked on its own (its errors naming `input[i]`), the valid ones
//! recorded together, and each answered in its place with what it recorded
//! or why not.

use async_graphql::SimpleObject;
use revshare_core::error::{ApiError, ApiResult};

/// Why one item of a batch was not recorded.
#[derive(SimpleObject)]
pub struct ItemError {
    /// The error's code, as `extensions.code` of a request's errors.
    pub code: String,
    /// What was wrong.
    pub message: String,
    /// The input field at fault, for `BAD_USER_INPUT`.
    pub field: Option<String>,
}

impl ItemError {
    pub fn of(err: &ApiError) -> ItemError {
        ItemError {
            code: err.code().to_owned(),
            message: err.message(),
            field: match err {
                ApiError::BadInput { field, .. } => Some(field.clone()),
                _ => None,
            },
        }
    }
}

/// A batch's items after their own checks: each one's key and, for those
/// the checks refused, its error; the others wait for what they recorded.
pub struct Items<A> {
    external_ids: Vec<String>,
    answers: Vec<Option<ApiResult<A>>>,
    /// The place of each item that passed, in order.
    passed: Vec<usize>,
}

/// Checks each of at most `max` items with `check(item, "input[i]")`:
/// answers the items and the ones that passed, in order.
pub fn check<I, T, A>(
    input: Vec<I>,
    max: usize,
    external_id: impl Fn(&I) -> String,
    check: impl Fn(I, String) -> ApiResult<T>,
) -> ApiResult<(Items<A>, Vec<T>)> {
    if input.len() > max {
        return Err(ApiError::bad_input(
            "input",
            format!("must have at most {max} events"),
        ));
    }
    let mut items = Items {
        external_ids: Vec::with_capacity(input.len()),
        answers: Vec::with_capacity(input.len()),
        passed: Vec::new(),
    };
    let mut passed = Vec::new();
    for (i, item) in input.into_iter().enumerate() {
        items.external_ids.push(external_id(&item));
        match check(item, format!("input[{i}]")) {
            Ok(checked) => {
                items.passed.push(i);
                passed.push(checked);
                items.answers.push(None);
            }
            Err(err) => items.answers.push(Some(Err(err))),
        }
    }
    Ok((items, passed))
}

impl<A> Items<A> {
    /// Each item's answer — its key, and its payload or its error — in
    /// input order: `recorded` are those of the items that passed, in their
    /// order.
    pub fn answer<P: From<A>, R>(
        mut self,
        recorded: Vec<ApiResult<A>>,
        answer: impl Fn(String, Option<P>, Option<ItemError>) -> R,
    ) -> Vec<R> {
        for (place, result) in self.passed.into_iter().zip(recorded) {
            self.answers[place] = Some(result);
        }
        self.external_ids
            .into_iter()
            .zip(self.answers)
            .map(
                |(external_id, result)| match result.unwrap_or(Err(ApiError::Internal)) {
                    Ok(recorded) => answer(external_id, Some(recorded.into()), None),
                    Err(err) => answer(external_id, None, Some(ItemError::of(&err))),
                },
            )
            .collect()
    }
}
