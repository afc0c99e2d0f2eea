//! An e-mail address as the mailbox its owner receives at: what every
//! self-referral check compares — a customer's address with its
//! partner's (`attribution`), a recruit's with its referrer's
//! (`engagement`), an applicant's with the partner whose link it came
//! through — so that `alice+recruit@…`, dots in a Gmail address and
//! look-alike letters are one person.

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
