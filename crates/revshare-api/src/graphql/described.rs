//! A staff description in another language (SPEC §38), as an input and
//! as a rule answers it: beside a campaign's and each rule's description.

use async_graphql::{InputObject, SimpleObject};

/// A rule's description in one language (SPEC §38).
#[derive(SimpleObject, Clone)]
pub struct RuleDescriptionTranslation {
    /// The language (`de`).
    pub language: String,
    /// The description in it.
    pub text: String,
}

/// A description in one language (SPEC §38).
#[derive(InputObject)]
pub struct DescriptionTranslationInput {
    /// A language revshare writes in (`de`).
    pub language: String,
    /// The description in it, checked as the description is.
    pub text: String,
}
