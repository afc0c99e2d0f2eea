//! E-mail addresses as the fraud signals compare them ([`crate::mailbox`]),
//! and the disposable domains `DISPOSABLE_EMAIL` knows.

pub use crate::mailbox::normalized;

/// The disposable-domain list, embedded (`assets/fraud/`, vendored by
/// `scripts/vendor-disposable-domains.sh`): one lower-case domain a line.
const DISPOSABLE: &str = include_str!("../../../../assets/fraud/disposable_email_blocklist.conf");

fn disposable_domains() -> &'static std::collections::HashSet<&'static str> {
    static DOMAINS: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    DOMAINS.get_or_init(|| DISPOSABLE.lines().filter(|l| !l.is_empty()).collect())
}

/// The disposable domain `email` is at, if it is at one: its domain or a
/// parent of it is on the list (`x.mailinator.com` is `mailinator.com`'s).
pub fn disposable_domain(email: &str) -> Option<&'static str> {
    let domain = email
        .rsplit_once('@')?
        .1
        .trim()
        .trim_end_matches('.')
        .to_lowercase();
    let domains = disposable_domains();
    let mut rest = domain.as_str();
    loop {
        if let Some(found) = domains.get(rest) {
            return Some(found);
        }
        rest = rest.split_once('.')?.1;
        if !rest.contains('.') {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_on_the_list_and_its_subdomains_are_disposable() {
        assert_eq!(
            disposable_domain("a@mailinator.com"),
            Some("mailinator.com")
        );
        assert_eq!(
            disposable_domain("a@Eu.MAILINATOR.com."),
            Some("mailinator.com")
        );
        assert_eq!(
            disposable_domain("a@notmailinator.com"),
            Some("notmailinator.com")
        );
        assert_eq!(disposable_domain("a@example.com"), None);
        assert_eq!(disposable_domain("a@gmail.com"), None);
        assert_eq!(disposable_domain("no-at-sign"), None);
        // A public suffix alone is never a match.
        assert_eq!(disposable_domain("a@com"), None);
    }

    #[test]
    fn the_list_is_one_lower_case_domain_a_line() {
        assert!(disposable_domains().len() > 1_000);
        assert!(DISPOSABLE.lines().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        }));
    }
}
