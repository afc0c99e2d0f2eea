//! Parsed documents kept by their query text: a client sends the same few
//! queries over and over, and parsing one (after counting its tokens) was
//! 3–4 % of a ledger page's server CPU and more of a cheaper read's.
//!
//! What is kept is only what the text alone decides: that it is within the
//! size limits ([`limits::check_size`]) and the document it parses to. The
//! rest runs on every request, kept or not: the limits walk with the
//! request's variables, the caller's refusals, validation and execution.
//! A text that does not parse is not kept (the executor answers with the
//! parser's error each time).
//!
//! Bounded as the persisted queries are ([`super::apq`]): at most
//! [`CAPACITY`] documents of texts up to [`MAX_QUERY_BYTES`] (a longer one
//! is parsed each time), the least recently used evicted first, and only a
//! request with a token adds to it, so that no client without one can
//! evict what others use.

use super::limits::{self, Violation};
use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most documents kept.
pub const CAPACITY: usize = 256;

/// The longest text whose document is kept.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

struct Entry {
    document: Arc<ExecutableDocument>,
    used: u64,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<Arc<str>, Entry>,
    clock: u64,
}

/// The per-process cache of parsed documents.
#[derive(Default)]
pub struct Documents {
    cache: Mutex<Cache>,
}

impl Documents {
    /// `query` checked for size and parsed, or its document as kept; kept
    /// when `keep` (a request with a token). `Ok(None)`: it does not parse.
    pub fn parse(
        &self,
        query: &str,
        keep: bool,
    ) -> Result<Option<Arc<ExecutableDocument>>, Violation> {
        if let Some(document) = self.kept(query) {
            return Ok(Some(document));
        }
        limits::check_size(query)?;
        let Ok(document) = async_graphql::parser::parse_query(query) else {
            return Ok(None);
        };
        let document = Arc::new(document);
        if keep && query.len() <= MAX_QUERY_BYTES {
            self.keep(query, document.clone());
        }
        Ok(Some(document))
    }

    fn kept(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.clock += 1;
        let clock = cache.clock;
        let entry = cache.entries.get_mut(query)?;
        entry.used = clock;
        Some(entry.document.clone())
    }

    fn keep(&self, query: &str, document: Arc<ExecutableDocument>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.entries.len() >= CAPACITY && !cache.entries.contains_key(query) {
            let oldest = cache
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(text, _)| text.clone());
            if let Some(oldest) = oldest {
                cache.entries.remove(&oldest);
            }
        }
        cache.clock += 1;
        let used = cache.clock;
        cache
            .entries
            .insert(Arc::from(query), Entry { document, used });
    }

    /// How many documents are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.cache.lock().unwrap().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_is_the_one_parsed_first() {
        let documents = Documents::default();
        let first = documents
            .parse("{ partners { totalCount } }", true)
            .unwrap()
            .unwrap();
        let again = documents
            .parse("{ partners { totalCount } }", true)
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // Another text is another document, even if it means the same.
        let spaced = documents
            .parse("{ partners {totalCount} }", true)
            .unwrap()
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &spaced));
        assert_eq!(documents.len(), 2);
    }

    #[test]
    fn only_a_caller_with_a_token_keeps_and_anyone_uses() {
        let documents = Documents::default();
        let anonymous = documents.parse("{ __typename }", false).unwrap().unwrap();
        assert_eq!(documents.len(), 0);
        let kept = documents.parse("{ __typename }", true).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&anonymous, &kept));
        let used = documents.parse("{ __typename }", false).unwrap().unwrap();
        assert!(Arc::ptr_eq(&kept, &used));
    }

    #[test]
    fn what_does_not_parse_or_is_too_long_is_not_kept() {
        let documents = Documents::default();
        assert!(documents.parse("{ partners ", true).unwrap().is_none());
        let long = format!("{{ __typename }} # {}", "x".repeat(MAX_QUERY_BYTES));
        assert!(documents.parse(&long, true).unwrap().is_some());
        assert_eq!(documents.len(), 0);
        // Too deep is refused before anything is parsed or kept.
        let deep = format!("{}{}", "{ a ".repeat(200), "}".repeat(200));
        assert!(documents.parse(&deep, true).is_err());
        assert_eq!(documents.len(), 0);
    }

    #[test]
    fn the_least_recently_used_document_leaves_a_full_cache() {
        let documents = Documents::default();
        let text = |n: usize| format!("{{ a{n}: __typename }}");
        for n in 0..CAPACITY {
            documents.parse(&text(n), true).unwrap();
        }
        // The first is used again: the second is now the oldest.
        let first = documents.parse(&text(0), true).unwrap().unwrap();
        let second = documents.parse(&text(1), true).unwrap().unwrap();
        documents.parse(&text(1), false).unwrap();
        documents.parse(&text(CAPACITY), true).unwrap();
        assert_eq!(documents.len(), CAPACITY);
        assert!(Arc::ptr_eq(
            &first,
            &documents.parse(&text(0), false).unwrap().unwrap()
        ));
        assert!(Arc::ptr_eq(
            &second,
            &documents.parse(&text(1), false).unwrap().unwrap()
        ));
        // The third (untouched since it was kept) left.
        let third = documents.parse(&text(2), false).unwrap().unwrap();
        assert_eq!(documents.len(), CAPACITY);
        assert!(!Arc::ptr_eq(
            &third,
            &documents.parse(&text(2), false).unwrap().unwrap()
        ));
    }
}
