//! Automatic persisted queries (Apollo's APQ, version 1; SPEC §11): a
//! client sends `extensions.persistedQuery { version: 1, sha256Hash }`
//! without the query; until the query has been sent once with its hash the
//! answer is `PersistedQueryNotFound` (`extensions.code:
//! "PERSISTED_QUERY_NOT_FOUND"`), and the client sends both; from then on
//! the hash alone runs it, by POST or GET.
//!
//! This lives in the HTTP layer rather than in an async-graphql extension
//! so that a query from the cache goes through everything a query sent in
//! full does — its size in tokens, the limits walk, the NUL check of its
//! variables — before it is parsed and run. The cache is per process and
//! bounded: [`PersistedQueries::new`]'s number of queries, each at most
//! [`MAX_QUERY_BYTES`] (a larger one runs but is not kept), the least
//! recently used evicted first. Only a request with a token adds to it: an
//! anonymous one runs its query and may use what is kept, but keeps
//! nothing, so no client without a token can evict what others stored.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The largest query kept: the cache holds at most its capacity times this.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// What a request's `extensions.persistedQuery` makes of its query.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// No persisted query: the query as sent.
    Plain,
    /// The query to run (sent in full now, or from the cache).
    Query(Arc<str>),
    /// A hash the cache does not know.
    NotFound,
    /// Something the client must fix, with the field it is about.
    Bad(&'static str, String),
}

struct Entry {
    query: Arc<str>,
    used: u64,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<[u8; 32], Entry>,
    clock: u64,
}

/// The per-process cache of persisted queries.
pub struct PersistedQueries {
    capacity: usize,
    cache: Mutex<Cache>,
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> PersistedQueries {
        PersistedQueries {
            capacity,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The query a request runs, given what it sent; `keep`: whether a
    /// query sent in full is kept (the request carries a token).
    pub fn resolve(
        &self,
        query: Option<&str>,
        extensions: Option<&serde_json::Map<String, serde_json::Value>>,
        keep: bool,
    ) -> Resolved {
        let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Resolved::Plain;
        };
        const FIELD: &str = "extensions.persistedQuery";
        let Some(persisted) = persisted.as_object() else {
            return Resolved::Bad(FIELD, "must be an object { version, sha256Hash }".into());
        };
        if persisted.get("version").and_then(|v| v.as_i64()) != Some(1) {
            return Resolved::Bad(
                "extensions.persistedQuery.version",
                "only version 1 is supported".into(),
            );
        }
        let hash = persisted
            .get("sha256Hash")
            .and_then(|h| h.as_str())
            .and_then(parse_hash);
        let Some(hash) = hash else {
            return Resolved::Bad(
                "extensions.persistedQuery.sha256Hash",
                "must be the query's SHA-256 in 64 hex digits".into(),
            );
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.clock += 1;
        let now = cache.clock;
        match query.filter(|q| !q.is_empty()) {
            None => match cache.entries.get_mut(&hash) {
                Some(entry) => {
                    entry.used = now;
                    Resolved::Query(entry.query.clone())
                }
                None => Resolved::NotFound,
            },
            Some(query) => {
                let digest: [u8; 32] = Sha256::digest(query.as_bytes()).into();
                if digest != hash {
                    return Resolved::Bad(
                        "extensions.persistedQuery.sha256Hash",
                        "is not the SHA-256 of the query sent with it".into(),
                    );
                }
                let query: Arc<str> = Arc::from(query);
                if keep && query.len() <= MAX_QUERY_BYTES && self.capacity > 0 {
                    if cache.entries.len() >= self.capacity && !cache.entries.contains_key(&hash) {
                        evict_oldest(&mut cache.entries);
                    }
                    let entry = Entry {
                        query: query.clone(),
                        used: now,
                    };
                    cache.entries.insert(hash, entry);
                }
                Resolved::Query(query)
            }
        }
    }
}

/// Removes the least recently used entry: a scan, run only when a new
/// query arrives at a full cache.
fn evict_oldest(entries: &mut HashMap<[u8; 32], Entry>) {
    if let Some(oldest) = entries
        .iter()
        .min_by_key(|(_, entry)| entry.used)
        .map(|(key, _)| *key)
    {
        entries.remove(&oldest);
    }
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(query: &str) -> String {
        Sha256::digest(query.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn extensions(hash: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn a_hash_runs_once_its_query_was_sent_with_it() {
        let cache = PersistedQueries::new(2);
        let query = "{ viewer { role } }";
        let ext = extensions(&hex(query));
        assert_eq!(cache.resolve(None, Some(&ext), true), Resolved::NotFound);
        assert_eq!(
            cache.resolve(Some(query), Some(&ext), true),
            Resolved::Query(query.into())
        );
        assert_eq!(
            cache.resolve(None, Some(&ext), true),
            Resolved::Query(query.into())
        );
        assert!(matches!(
            cache.resolve(Some("{ other }"), Some(&ext), true),
            Resolved::Bad("extensions.persistedQuery.sha256Hash", _)
        ));
        assert_eq!(cache.resolve(Some(query), None, true), Resolved::Plain);
    }

    #[test]
    fn the_least_recently_used_query_leaves_a_full_cache() {
        let cache = PersistedQueries::new(2);
        let queries = ["{ a }", "{ b }", "{ c }"];
        for query in &queries[..2] {
            cache.resolve(Some(query), Some(&extensions(&hex(query))), true);
        }
        // `{ a }` is used again, so `{ b }` is the one to go.
        cache.resolve(None, Some(&extensions(&hex(queries[0]))), true);
        cache.resolve(Some(queries[2]), Some(&extensions(&hex(queries[2]))), true);
        assert_eq!(
            cache.resolve(None, Some(&extensions(&hex(queries[1]))), true),
            Resolved::NotFound
        );
        for query in [queries[0], queries[2]] {
            assert_eq!(
                cache.resolve(None, Some(&extensions(&hex(query))), true),
                Resolved::Query(query.into())
            );
        }
    }

    #[test]
    fn an_anonymous_query_runs_but_is_not_kept() {
        let cache = PersistedQueries::new(1);
        let (kept, anonymous) = ("{ kept }", "{ anonymous }");
        cache.resolve(Some(kept), Some(&extensions(&hex(kept))), true);
        assert_eq!(
            cache.resolve(Some(anonymous), Some(&extensions(&hex(anonymous))), false),
            Resolved::Query(anonymous.into())
        );
        assert_eq!(
            cache.resolve(None, Some(&extensions(&hex(anonymous))), false),
            Resolved::NotFound
        );
        assert_eq!(
            cache.resolve(None, Some(&extensions(&hex(kept))), false),
            Resolved::Query(kept.into())
        );
    }

    #[test]
    fn only_version_1_with_a_whole_hash() {
        let cache = PersistedQueries::new(2);
        let bad =
            serde_json::json!({ "persistedQuery": { "version": 2, "sha256Hash": hex("{ a }") } });
        assert!(matches!(
            cache.resolve(None, bad.as_object(), true),
            Resolved::Bad("extensions.persistedQuery.version", _)
        ));
        assert!(matches!(
            cache.resolve(None, Some(&extensions("abc")), true),
            Resolved::Bad("extensions.persistedQuery.sha256Hash", _)
        ));
    }
}
