//! Tags as a partner's or a group's row keeps them: `,a,b,`, each tag
//! between commas (a tag holds none, [`super::groups::check_tags`]), so
//! that a whole tag is found as `,tag,`. Every reader and writer of the
//! column goes through here.

/// `tags` as stored (empty: none).
pub fn encode(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

/// The stored `,a,b,` as a list, in its order.
pub fn decode(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a stored value holding `tag` contains: `,tag,`.
pub fn needle(tag: &str) -> String {
    format!(",{tag},")
}

/// The stored tags as a person reads them (`early, star`), for a history
/// or the activity log; none when there are none.
pub fn shown(stored: &str) -> Option<String> {
    let tags = decode(stored);
    (!tags.is_empty()).then(|| tags.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_between_commas_and_read_back_in_order() {
        let tags = vec!["early".to_owned(), "star".to_owned()];
        assert_eq!(encode(&tags), ",early,star,");
        assert_eq!(decode(",early,star,"), tags);
        assert_eq!(encode(&[]), "");
        assert!(decode("").is_empty());
        assert!(encode(&tags).contains(&needle("star")));
        assert!(!encode(&tags).contains(&needle("sta")));
        assert_eq!(shown(",early,star,").as_deref(), Some("early, star"));
        assert_eq!(shown(""), None);
    }
}
