//! E-mail addresses as the fraud signals compare them, and the disposable
//! domains `DISPOSABLE_EMAIL` knows.

/// An e-mail address as self-referral compares it: the mailbox its owner
/// receives at, folded so that look-alikes compare equal. In order:
/// invisible format characters (zero-width spaces and joiners, soft
/// hyphens, byte-order marks) dropped; NFKC (fullwidth `ｊａｎｅ` is
/// `jane`); a quoted local part unquoted (`"alice.smith"@…` is
/// `alice.smith@…`); lower case; a `+tag` dropped; dots dropped for Gmail
/// (`gmail.com`, `googlemail.com`); and each part by its Unicode TR 39
/// confusable skeleton (Cyrillic `а` is Latin `a`).
pub fn normalized(email: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let visible: String = email
        .chars()
        .filter(|c| !is_invisible(*c))
        .nfkc()
        .collect::<String>()
        .trim()
        .to_lowercase();
    let Some((local, domain)) = visible.rsplit_once('@') else {
        return skeleton(&visible);
    };
    let local = unquoted(local);
    let local = local.split('+').next().unwrap_or(&local);
    // Gmail's domains by their skeletons too (`gmаil.com` with a Cyrillic
    // `а` is Gmail).
    let domain = skeleton(domain);
    let gmail = skeleton("gmail.com");
    let (local, domain) = match domain == gmail || domain == skeleton("googlemail.com") {
        true => (local.replace('.', ""), gmail),
        false => (local.to_owned(), domain),
    };
    format!("{}@{domain}", skeleton(&local))
}

/// Characters that show nothing: format characters an address may hide.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// A quoted local part (`"alice.smith"`) as the mailbox it names.
fn unquoted(local: &str) -> String {
    match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in inner.chars() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    _ => {
                        out.push(c);
                        escaped = false;
                    }
                }
            }
            out
        }
        None => local.to_owned(),
    }
}

/// A text's TR 39 skeleton, lower case.
fn skeleton(text: &str) -> String {
    unicode_security::skeleton(text)
        .collect::<String>()
        .to_lowercase()
}

/// The disposable-domain list, embedded (`assets/fraud/`, vendored by
/// `scripts/vendor-disposable-domains.sh`): one lower-case domain a line.
const DISPOSABLE: &str = include_str!("../../assets/fraud/disposable_email_blocklist.conf");

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
