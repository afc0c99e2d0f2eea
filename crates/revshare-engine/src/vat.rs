//! VAT on self-billed invoices (SPEC §33): the standard rates of the EU's
//! 27 states and the UK, VAT identification numbers checked by form for
//! each of them and by check digit where the state publishes the algorithm,
//! and the decision an invoice takes — the rate, or none, and the mentions
//! it must carry — from the brand's country and the partner's VAT details.
//! Rounded once per invoice, midpoint away from zero (SPEC §2).

use rust_decimal::prelude::*;
use std::fmt;

/// The standard rate of an EU state or the UK (ISO 3166-1 alpha-2, `GR`
/// for Greece and `GB` for the UK), as a percentage: 19 for 19 %.
pub fn standard_rate(country: &str) -> Option<Decimal> {
    let (whole, tenths) = match country {
        "AT" | "BG" | "FR" | "GB" => (20, 0),
        "BE" | "CZ" | "ES" | "LT" | "LV" | "NL" | "RO" => (21, 0),
        "CY" | "DE" => (19, 0),
        "DK" | "HR" | "SE" => (25, 0),
        "EE" | "GR" => (24, 0),
        "FI" => (25, 5),
        "HU" => (27, 0),
        "IE" | "PL" | "PT" | "SK" => (23, 0),
        "IT" | "SI" => (22, 0),
        "LU" => (17, 0),
        "MT" => (18, 0),
        _ => return None,
    };
    Some(Decimal::new(whole * 10 + tenths, 1).normalize())
}

/// The currency VAT is accounted in by an EU state or the UK (ISO 4217):
/// an invoice in another currency states its VAT in this one too (VAT
/// Directive art. 230; HMRC's sterling rule). Bulgaria keeps euros since
/// 1 January 2026.
pub fn national_currency(country: &str) -> Option<&'static str> {
    let code = match country {
        "CZ" => "CZK",
        "DK" => "DKK",
        "HU" => "HUF",
        "PL" => "PLN",
        "RO" => "RON",
        "SE" => "SEK",
        "GB" => "GBP",
        other if standard_rate(other).is_some() => "EUR",
        _ => return None,
    };
    Some(code)
}

/// Whether a country is one of the EU's 27 member states.
pub fn in_eu(country: &str) -> bool {
    standard_rate(country).is_some() && country != "GB"
}

/// The prefix a country's VAT ids carry (`EL` for Greece).
fn prefix(country: &str) -> &str {
    match country {
        "GR" => "EL",
        other => other,
    }
}

/// Why a VAT id is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VatIdError {
    /// Not a state whose VAT ids are known (the EU's 27 and the UK).
    Country,
    /// Not of the state's form: what the form is.
    Form(&'static str),
    /// Of the right form, but its check digits do not match.
    CheckDigit,
    /// It starts with another state's prefix.
    Prefix,
}

/// The prefixes of the EU's states' and the UK's VAT ids.
const PREFIXES: [&str; 28] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GB", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

impl fmt::Display for VatIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VatIdError::Country => f.write_str("is checked only for the EU's states and the UK"),
            VatIdError::Form(form) => write!(f, "must be {form}"),
            VatIdError::CheckDigit => f.write_str("has check digits that do not match"),
            VatIdError::Prefix => f.write_str("starts with another state's prefix"),
        }
    }
}

/// A VAT id checked for `country`: spaces, dots and dashes dropped,
/// upper-cased, with its prefix (`DE136695976`). Any prefix sent must be
/// the country's own.
pub fn check_vat_id(country: &str, id: &str) -> Result<String, VatIdError> {
    let Some(form) = form_of(country) else {
        return Err(VatIdError::Country);
    };
    let prefix = prefix(country);
    let cleaned: String = id
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .flat_map(char::to_uppercase)
        .collect();
    let body = match cleaned.strip_prefix(prefix) {
        Some(body) => body,
        None if PREFIXES.iter().any(|other| cleaned.starts_with(other)) => {
            return Err(VatIdError::Prefix);
        }
        None => cleaned.as_str(),
    };
    if !body.is_ascii() || !(form.shape)(body) {
        return Err(VatIdError::Form(form.words));
    }
    if let Some(digits) = form.check
        && !digits(body)
    {
        return Err(VatIdError::CheckDigit);
    }
    Ok(format!("{prefix}{body}"))
}

/// What a state's VAT ids look like (after the prefix), and their check.
struct Form {
    words: &'static str,
    shape: fn(&str) -> bool,
    check: Option<fn(&str) -> bool>,
}

fn digits(s: &str, counts: &[usize]) -> bool {
    counts.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn form_of(country: &str) -> Option<Form> {
    let form = |words, shape, check| {
        Some(Form {
            words,
            shape,
            check,
        })
    };
    match country {
        "AT" => form(
            "U and 8 digits",
            |s| s.len() == 9 && s.starts_with('U') && digits(&s[1..], &[8]),
            Some(austria),
        ),
        "BE" => form(
            "10 digits, starting with 0 or 1",
            |s| digits(s, &[10]) && (s.starts_with('0') || s.starts_with('1')),
            Some(belgium),
        ),
        "BG" => form("9 or 10 digits", |s| digits(s, &[9, 10]), None),
        "CY" => form(
            "8 digits and a letter",
            |s| s.len() == 9 && digits(&s[..8], &[8]) && s.as_bytes()[8].is_ascii_uppercase(),
            None,
        ),
        "CZ" => form("8 to 10 digits", |s| digits(s, &[8, 9, 10]), None),
        "DE" => form("9 digits", |s| digits(s, &[9]), Some(germany)),
        "DK" | "FI" | "HU" | "LU" | "MT" | "SI" => form("8 digits", |s| digits(s, &[8]), None),
        "EE" | "GR" | "PT" => form("9 digits", |s| digits(s, &[9]), None),
        "ES" => form(
            "9 characters: a letter or digit, 7 digits, a letter or digit",
            |s| {
                s.len() == 9
                    && s.bytes().all(|b| b.is_ascii_alphanumeric())
                    && digits(&s[1..8], &[7])
            },
            Some(spain),
        ),
        "FR" => form(
            "2 characters (digits or letters but I and O) and 9 digits",
            |s| {
                s.len() == 11
                    && s.is_ascii()
                    && s[..2].bytes().all(|b| {
                        b.is_ascii_digit() || (b.is_ascii_uppercase() && b != b'I' && b != b'O')
                    })
                    && digits(&s[2..], &[9])
            },
            Some(france),
        ),
        "GB" => form(
            "9 or 12 digits, or GD or HA and 3 digits",
            |s| {
                digits(s, &[9, 12])
                    || (s.len() == 5
                        && (s.starts_with("GD") || s.starts_with("HA"))
                        && digits(&s[2..], &[3]))
            },
            Some(united_kingdom),
        ),
        "HR" => form("11 digits", |s| digits(s, &[11]), Some(croatia)),
        "IT" => form("11 digits", |s| digits(s, &[11]), Some(luhn)),
        "IE" => form(
            "7 digits and 1 or 2 letters, or a digit, a letter, 5 digits and a letter",
            |s| {
                let b = s.as_bytes();
                let old = b.len() == 8
                    && b[0].is_ascii_digit()
                    && (b[1].is_ascii_uppercase() || b[1] == b'+' || b[1] == b'*')
                    && digits(&s[2..7], &[5])
                    && b[7].is_ascii_uppercase();
                let new = matches!(b.len(), 8 | 9)
                    && digits(&s[..7], &[7])
                    && b[7..].iter().all(u8::is_ascii_uppercase);
                old || new
            },
            None,
        ),
        "LT" => form("9 or 12 digits", |s| digits(s, &[9, 12]), None),
        "LV" => form("11 digits", |s| digits(s, &[11]), None),
        "NL" => form(
            "9 digits, B and 2 digits",
            |s| {
                s.len() == 12 && digits(&s[..9], &[9]) && &s[9..10] == "B" && digits(&s[10..], &[2])
            },
            Some(netherlands),
        ),
        "PL" | "SK" => form(
            "10 digits",
            |s| digits(s, &[10]),
            match country {
                "PL" => Some(poland),
                _ => None,
            },
        ),
        "RO" => form(
            "2 to 10 digits",
            |s| digits(s, &[2, 3, 4, 5, 6, 7, 8, 9, 10]),
            None,
        ),
        "SE" => form(
            "12 digits ending in 01",
            |s| digits(s, &[12]) && s.ends_with("01"),
            None,
        ),
        _ => None,
    }
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// ISO 7064 MOD 11,10: the last digit checks the others.
fn mod_11_10(s: &str) -> bool {
    let b = s.as_bytes();
    let Some((&last, body)) = b.split_last() else {
        return false;
    };
    let mut product = 10;
    for &d in body {
        let mut sum = (digit(d) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (2 * sum) % 11;
    }
    (11 - product) % 10 == digit(last)
}

fn germany(s: &str) -> bool {
    mod_11_10(s)
}

/// A numeric key is (12 + 3 × (SIREN mod 97)) mod 97; a key with letters
/// is checked by form only.
fn france(s: &str) -> bool {
    let (key, siren) = s.split_at(2);
    match (key.parse::<u64>(), siren.parse::<u64>()) {
        (Ok(key), Ok(siren)) => key == (12 + 3 * (siren % 97)) % 97,
        _ => true,
    }
}

/// Luhn over every digit (Italy's partita IVA).
fn luhn(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = digit(b);
            match i % 2 {
                1 if d * 2 > 9 => d * 2 - 9,
                1 => d * 2,
                _ => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 MOD 11,10, as Germany's (the OIB).
fn croatia(s: &str) -> bool {
    mod_11_10(s)
}

/// Mod 11 with weights 9 … 2 (the older numbers), or mod 97 over
/// `NL…B..` with letters as numbers (the sole traders' since 2020).
fn netherlands(s: &str) -> bool {
    let b = s.as_bytes();
    let sum: u32 = (0..8).map(|i| digit(b[i]) * (9 - i as u32)).sum();
    if sum % 11 != 10 && sum % 11 == digit(b[8]) {
        return true;
    }
    let mut rest: u64 = 0;
    for c in "NL".chars().chain(s.chars()) {
        let value = c.to_digit(36).unwrap_or(0);
        for d in value.to_string().bytes() {
            rest = (rest * 10 + u64::from(digit(d))) % 97;
        }
    }
    rest == 1
}

/// 97 − (the first 8 digits mod 97) is the last 2.
fn belgium(s: &str) -> bool {
    match (s[..8].parse::<u64>(), s[8..].parse::<u64>()) {
        (Ok(number), Ok(check)) => 97 - number % 97 == check,
        _ => false,
    }
}

/// Weights 1, 2, 1, 2, 1, 2, 1 (digits of each product summed); the
/// check is (10 − (sum + 4) mod 10) mod 10.
fn austria(s: &str) -> bool {
    let b = &s.as_bytes()[1..];
    let sum: u32 = (0..7)
        .map(|i| match i % 2 {
            1 => {
                let q = digit(b[i]) * 2;
                q / 10 + q % 10
            }
            _ => digit(b[i]),
        })
        .sum();
    (10 - (sum + 4) % 10) % 10 == digit(b[7])
}

/// Weights 6, 5, 7, 2, 3, 4, 5, 6, 7, mod 11 (10 is never valid).
fn poland(s: &str) -> bool {
    const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    let b = s.as_bytes();
    let sum: u32 = (0..9).map(|i| digit(b[i]) * WEIGHTS[i]).sum::<u32>() % 11;
    sum != 10 && sum == digit(b[9])
}

/// A NIF (8 digits and a letter), an NIE (X, Y or Z, 7 digits and a
/// letter), or a CIF (a letter, 7 digits, and a check digit or letter).
fn spain(s: &str) -> bool {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let b = s.as_bytes();
    let (first, last) = (b[0], b[8]);
    let personal = match first {
        b'0'..=b'9' => Some(u32::from(first - b'0')),
        b'X' => Some(0),
        b'Y' => Some(1),
        b'Z' => Some(2),
        _ => None,
    };
    if let Some(lead) = personal {
        let Ok(number) = s[1..8].parse::<u32>() else {
            return false;
        };
        return LETTERS[((lead * 10_000_000 + number) % 23) as usize] == last;
    }
    let sum: u32 = (0..7)
        .map(|i| {
            let d = digit(b[1 + i]);
            match i % 2 {
                0 => {
                    let q = d * 2;
                    q / 10 + q % 10
                }
                _ => d,
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    last == b'0' + check as u8 || last == b"JABCDEFGHI"[check as usize]
}

/// Weights 8 … 2 over the first 7 digits plus the last 2: a multiple of
/// 97, or of 97 after adding 55 (numbers issued since 2010). The branch
/// suffix of a 12-digit id and the GD and HA ids are checked by form.
fn united_kingdom(s: &str) -> bool {
    if s.len() == 5 {
        let number: u32 = s[2..].parse().unwrap_or(1000);
        return match &s[..2] {
            "GD" => number < 500,
            _ => number >= 500,
        };
    }
    let b = s.as_bytes();
    let weighted: u32 = (0..7).map(|i| digit(b[i]) * (8 - i as u32)).sum();
    let total = weighted + digit(b[7]) * 10 + digit(b[8]);
    total.is_multiple_of(97) || (total + 55).is_multiple_of(97)
}

/// What a partner says of its VAT (SPEC §33, §33b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerVat<'a> {
    /// ISO 3166-1 alpha-2.
    pub country: &'a str,
    pub registered: bool,
    /// Its VAT id, as [`check_vat_id`] keeps it.
    pub vat_id: Option<&'a str>,
    /// Under its state's small-business exemption (registered or not: a
    /// German Kleinunternehmer usually has a tax number only).
    pub small_business: bool,
    /// A business rather than a private individual: outside the EU and the
    /// UK, its brand self-assesses the VAT on what it supplies.
    pub business: bool,
}

/// A mention a self-billed invoice carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mention {
    /// "Self-billing" (VAT Directive art. 226(10a)).
    SelfBilling,
    /// "Gutschrift": the word § 14 (4) Nr. 10 UStG asks of a self-billed
    /// invoice of a brand in Germany.
    Gutschrift,
    /// "Reverse charge" (art. 226(11a)): the brand accounts for the VAT.
    ReverseCharge,
    /// "Steuerschuldnerschaft des Leistungsempfängers" (§ 14a (5) UStG): a
    /// brand in Germany owes the VAT on a service bought abroad (§ 13b).
    ReverseChargeDe,
    /// The tenant's own exemption wording, for a small business.
    Exemption,
    /// HMRC's sentence for a UK self-billed invoice (Notice 700/62).
    HmrcOutputTax,
}

impl Mention {
    /// The mention as printed; `exemption` is the tenant's wording.
    pub fn text(self, exemption: &str) -> String {
        match self {
            Mention::SelfBilling => "Self-billing".into(),
            Mention::Gutschrift => "Gutschrift".into(),
            Mention::ReverseCharge => "Reverse charge".into(),
            Mention::ReverseChargeDe => "Steuerschuldnerschaft des Leistungsempfängers".into(),
            Mention::Exemption => exemption.into(),
            Mention::HmrcOutputTax => "The VAT shown is your output tax due to HMRC".into(),
        }
    }
}

/// A document's VAT category (UNCL 5305, as EN 16931 uses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// `S`: VAT at the rate.
    Standard,
    /// `AE`: the customer accounts for the VAT.
    ReverseCharge,
    /// `E`: exempt (a small business).
    Exempt,
    /// `O`: outside the scope of VAT.
    OutOfScope,
}

impl Category {
    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Category::Standard => "S",
            Category::ReverseCharge => "AE",
            Category::Exempt => "E",
            Category::OutOfScope => "O",
        }
    }

    /// The category of `code`.
    pub fn parse(code: &str) -> Option<Category> {
        Some(match code {
            "S" => Category::Standard,
            "AE" => Category::ReverseCharge,
            "E" => Category::Exempt,
            "O" => Category::OutOfScope,
            _ => return None,
        })
    }
}

/// The VAT an invoice takes: the rate applied to its net (none: no VAT),
/// its category and its mentions in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub rate: Option<Decimal>,
    pub category: Category,
    pub mentions: Vec<Mention>,
}

impl Decision {
    fn none(category: Category, mentions: &[Mention]) -> Decision {
        Decision {
            rate: None,
            category,
            mentions: mentions.to_vec(),
        }
    }

    /// Whether the brand accounts for the VAT (both VAT ids are printed).
    pub fn reverse_charge(&self) -> bool {
        self.category == Category::ReverseCharge
    }
}

/// SPEC §33's table, with §33b's rows, for a brand in `brand` (B) and a
/// partner in P:
///
/// - P = B, a small business → no VAT (`E`), "Self-billing" and the
///   exemption, registered or not;
/// - P outside the EU and the UK, a business, B in the EU or the UK → no
///   VAT, reverse charge (`AE`): B self-assesses the service;
/// - not registered → no VAT (`O`), "Self-billing";
/// - P = B, registered → B's standard rate (`S`), "Self-billing" (and
///   HMRC's sentence in the UK); a brand outside the EU and the UK → `O`;
/// - P ≠ B, both in the EU, or one of them the UK and the other in the EU,
///   registered with a well-formed VAT id → no VAT, "Self-billing",
///   "Reverse charge" (`AE`, the customer accounts for it);
/// - anything else → no VAT (`O`), "Self-billing".
///
/// A brand in Germany's documents also say "Gutschrift", and its reverse
/// charge on a service from outside the EU and the UK the § 14a sentence.
pub fn decide(brand: &str, partner: &PartnerVat<'_>) -> Decision {
    let mut decision = decided(brand, partner);
    if brand == "DE" {
        decision.mentions.insert(1, Mention::Gutschrift);
        if decision.reverse_charge() && standard_rate(partner.country).is_none() {
            decision.mentions.push(Mention::ReverseChargeDe);
        }
    }
    decision
}

fn decided(brand: &str, partner: &PartnerVat<'_>) -> Decision {
    use Mention::*;
    let covered = |c: &str| standard_rate(c).is_some();
    if partner.country == brand && partner.small_business {
        return Decision::none(Category::Exempt, &[SelfBilling, Exemption]);
    }
    if partner.business && covered(brand) && !covered(partner.country) {
        return Decision::none(Category::ReverseCharge, &[SelfBilling, ReverseCharge]);
    }
    if !partner.registered {
        return Decision::none(Category::OutOfScope, &[SelfBilling]);
    }
    if partner.country == brand {
        return match standard_rate(brand) {
            Some(rate) if brand == "GB" => Decision {
                rate: Some(rate),
                category: Category::Standard,
                mentions: vec![SelfBilling, HmrcOutputTax],
            },
            Some(rate) => Decision {
                rate: Some(rate),
                category: Category::Standard,
                mentions: vec![SelfBilling],
            },
            None => Decision::none(Category::OutOfScope, &[SelfBilling]),
        };
    }
    let well_formed = partner
        .vat_id
        .is_some_and(|id| check_vat_id(partner.country, id).is_ok());
    let one_in_eu = in_eu(brand) || in_eu(partner.country);
    if covered(brand) && covered(partner.country) && one_in_eu && well_formed {
        return Decision::none(Category::ReverseCharge, &[SelfBilling, ReverseCharge]);
    }
    Decision::none(Category::OutOfScope, &[SelfBilling])
}

/// The VAT on `net_minor` at `rate` percent, in minor units: rounded once,
/// midpoint away from zero (a credit note's negative net gives the same
/// VAT negated).
pub fn vat_minor(net_minor: i64, rate: Decimal) -> Option<i64> {
    (Decimal::from(net_minor) * rate / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

#[cfg(test)]
#[path = "vat_tests.rs"]
mod tests;
