//! A SEPA credit transfer initiation, ISO 20022 `pain.001.001.03`: the
//! message every bank in the SEPA area takes for a batch of EUR transfers.
//!
//! One payment information block pays every payout from the tenant's
//! account (`Tenant.payoutAccount`: the debtor), one transaction per payout
//! with the payout's id as its `EndToEndId` (a ULID, 26 characters: within
//! the 35 allowed) and its statement number and payout id as the
//! remittance text. The
//! group header's and the block's `NbOfTxs` and `CtrlSum` are the count and
//! the exact sum of the transactions. The message id is the run's id, so a
//! bank that refuses a message id it has seen refuses a second upload of
//! the same run's file.
//!
//! Names and texts are written in the character set the EPC guidelines
//! require (Latin letters, digits, `/ - ? : ( ) . , ' +` and space):
//! accented letters lose their accents (`é` → `e`, `ß` → `ss`), anything
//! else becomes a space (a text left with nothing is `?`).

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
use entity::payout;
use rust_decimal::Decimal;

/// Who pays: the tenant's account.
#[derive(Debug, Clone)]
pub struct Debtor {
    pub name: String,
    pub iban: String,
    pub bic: Option<String>,
}

impl Debtor {
    /// The tenant's payout account, or `CONFLICT` when it has none.
    pub fn of(tenant: &entity::tenant::Model) -> ApiResult<Debtor> {
        match (&tenant.payout_account_iban, &tenant.payout_account_name) {
            (Some(iban), Some(name)) => Ok(Debtor {
                name: name.clone(),
                iban: iban.clone(),
                bic: tenant.payout_account_bic.clone(),
            }),
            _ => Err(ApiError::Conflict(
                "the tenant has no payout account: set one with updateTenant(input: { payoutAccount: { iban bic name } }) to make SEPA files".into(),
            )),
        }
    }
}

/// What one file holds.
pub struct Document<'a> {
    /// The run's id.
    pub message_id: &'a str,
    pub created_at: DateTime<Utc>,
    /// When the bank is asked to pay.
    pub execution_date: NaiveDate,
    pub debtor: &'a Debtor,
    /// Bank transfers in EUR, at least one.
    pub payouts: &'a [payout::Model],
}

/// The document as XML, UTF-8.
pub fn xml(document: &Document<'_>) -> ApiResult<String> {
    let mut sum = Decimal::ZERO;
    let mut transactions = String::new();
    for payout in document.payouts {
        let amount = super::amount(payout)?;
        sum += amount
            .parse::<Decimal>()
            .map_err(|e| ApiError::internal("payout amount", e))?;
        transactions.push_str(&transaction(payout, &amount)?);
    }
    let count = document.payouts.len();
    let created = document.created_at.format("%Y-%m-%dT%H:%M:%S");
    let debtor = document.debtor;
    let debtor_agent = match &debtor.bic {
        Some(bic) => format!("<BIC>{}</BIC>", text(bic, 11)),
        // No BIC: the EPC's way of saying so.
        None => "<Othr><Id>NOTPROVIDED</Id></Othr>".to_owned(),
    };
    let id = text(document.message_id, 35);
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n\
<CstmrCdtTrfInitn>\n\
<GrpHdr><MsgId>{id}</MsgId><CreDtTm>{created}</CreDtTm><NbOfTxs>{count}</NbOfTxs>\
<CtrlSum>{sum}</CtrlSum><InitgPty><Nm>{name}</Nm></InitgPty></GrpHdr>\n\
<PmtInf><PmtInfId>{id}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg>\
<NbOfTxs>{count}</NbOfTxs><CtrlSum>{sum}</CtrlSum>\
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>\
<ReqdExctnDt>{date}</ReqdExctnDt>\
<Dbtr><Nm>{name}</Nm></Dbtr>\
<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>\
<DbtrAgt><FinInstnId>{debtor_agent}</FinInstnId></DbtrAgt>\
<ChrgBr>SLEV</ChrgBr>\n\
{transactions}</PmtInf>\n\
</CstmrCdtTrfInitn>\n\
</Document>\n",
        name = text(&debtor.name, 70),
        date = document.execution_date.format("%Y-%m-%d"),
        iban = text(&debtor.iban, 34),
    ))
}

fn transaction(payout: &payout::Model, amount: &str) -> ApiResult<String> {
    let (Some(iban), Some(holder)) = (&payout.method_iban, &payout.method_account_holder) else {
        return Err(ApiError::internal(
            "bank payout without an account",
            &payout.id,
        ));
    };
    let agent = payout
        .method_bic
        .as_ref()
        .map(|bic| {
            format!(
                "<CdtrAgt><FinInstnId><BIC>{}</BIC></FinInstnId></CdtrAgt>",
                text(bic, 11)
            )
        })
        .unwrap_or_default();
    Ok(format!(
        "<CdtTrfTxInf><PmtId><EndToEndId>{id}</EndToEndId></PmtId>\
<Amt><InstdAmt Ccy=\"EUR\">{amount}</InstdAmt></Amt>{agent}\
<Cdtr><Nm>{holder}</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>\
<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></CdtTrfTxInf>\n",
        id = text(&payout.id, 35),
        holder = text(holder, 70),
        iban = text(iban, 34),
        remittance = text(&super::remittance(payout)?, 140),
    ))
}

/// `value` in the EPC's character set, at most `max` characters, trimmed.
/// None of its characters needs escaping in XML.
fn text(value: &str, max: usize) -> String {
    let value = greek_pairs(value);
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | '/'
            | '-'
            | '?'
            | ':'
            | '('
            | ')'
            | '.'
            | ','
            | '\''
            | '+'
            | ' ' => out.push(c),
            _ => out.push_str(latin(c)),
        }
    }
    let trimmed: String = out.trim().chars().take(max).collect();
    match trimmed.trim_end() {
        // Every text of the message holds at least one character.
        "" => "?".to_owned(),
        kept => kept.to_owned(),
    }
}

/// ELOT 743's pairs of Greek letters, spelled before the letters one by
/// one: `ου` is `ou`; `αυ` `ευ` `ηυ` are `av` `ev` `iv`, and `af` `ef`
/// `if` before θ κ ξ π σ τ φ χ ψ or at a word's end; `μπ` is `b` at a
/// word's start (`mp` elsewhere, letter by letter); `γγ` `γξ` `γχ` are `ng` `nx`
/// `nch`. A diaeresis parts a pair (`αϋ` is `ay`). A pair is in its
/// letters' case (`Ου` is `Ou`, `ΟΥ` is `OU`).
fn greek_pairs(value: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    let greek =
        |c: &char| ('\u{370}'..='\u{3ff}').contains(c) || ('\u{1f00}'..='\u{1fff}').contains(c);
    if !value.chars().any(|c| greek(&c)) {
        return std::borrow::Cow::Borrowed(value);
    }
    let base = |c: char| {
        std::iter::once(c)
            .nfd()
            .next()
            .and_then(|b| b.to_lowercase().next())
            .unwrap_or(c)
    };
    let parted = |c: char| std::iter::once(c).nfd().any(|m| m == '\u{308}');
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        let a = chars[i];
        let b = chars.get(i + 1).copied().filter(|b| !parted(*b));
        let after = chars.get(i + 2).map(|c| base(*c));
        let word_ends = after.is_none_or(|c| !c.is_alphabetic());
        let voiceless = word_ends
            || after.is_some_and(|c| {
                matches!(c, 'θ' | 'κ' | 'ξ' | 'π' | 'σ' | 'ς' | 'τ' | 'φ' | 'χ' | 'ψ')
            });
        let starts = i == 0 || !chars[i - 1].is_alphabetic();
        let pair = match (base(a), b.map(base)) {
            ('ο', Some('υ')) => Some("ou"),
            ('α', Some('υ')) => Some(if voiceless { "af" } else { "av" }),
            ('ε', Some('υ')) => Some(if voiceless { "ef" } else { "ev" }),
            ('η', Some('υ')) => Some(if voiceless { "if" } else { "iv" }),
            ('μ', Some('π')) => Some(if starts { "b" } else { "mp" }),
            ('γ', Some('γ')) => Some("ng"),
            ('γ', Some('ξ')) => Some("nx"),
            ('γ', Some('χ')) => Some("nch"),
            _ => None,
        };
        let Some(latin) = pair else {
            out.push(a);
            i += 1;
            continue;
        };
        let upper_b = b.is_some_and(char::is_uppercase);
        match (a.is_uppercase(), upper_b) {
            (true, true) => out.push_str(&latin.to_uppercase()),
            (true, false) => {
                let mut letters = latin.chars();
                out.extend(letters.next().map(|c| c.to_ascii_uppercase()));
                out.extend(letters);
            }
            _ => out.push_str(latin),
        }
        i += 2;
    }
    std::borrow::Cow::Owned(out)
}

/// A letter of Latin-1 and Latin Extended-A without its accent; a space
/// for anything else.
fn latin(c: char) -> &'static str {
    match c {
        'À'..='Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ª' => "a",
        'Æ' => "AE",
        'æ' => "ae",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ð' | 'Ď' | 'Đ' => "D",
        'ð' | 'ď' | 'đ' => "d",
        'È'..='Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'Ĥ' | 'Ħ' => "H",
        'ĥ' | 'ħ' => "h",
        'Ì'..='Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ĵ' => "J",
        'ĵ' => "j",
        'Ķ' => "K",
        'ķ' => "k",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'Ò'..='Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'º' => "o",
        'Œ' => "OE",
        'œ' => "oe",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' => "S",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'Ţ' | 'Ť' | 'Ŧ' => "T",
        'ţ' | 'ť' | 'ŧ' => "t",
        'Þ' => "TH",
        'þ' => "th",
        'Ù'..='Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ŵ' => "W",
        'ŵ' => "w",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'ź' | 'ż' | 'ž' => "z",
        '&' => "+",
        _ => other_script(c).unwrap_or(" "),
    }
}

/// A Cyrillic or Greek letter in Latin letters (Cyrillic as ICAO 9303
/// writes it in passports, Greek as ELOT 743), in the letter's case
/// (`Ж` is `Zh`, `ж` is `zh`), accents dropped (`Й` as `И`, `ά` as `α`):
/// `Иван Петров` is `Ivan Petrov`, `Ελληνικά` is `Ellinika`. Scripts with
/// no letter-by-letter spelling (Chinese, Japanese) have none.
fn other_script(c: char) -> Option<&'static str> {
    use unicode_normalization::UnicodeNormalization;
    let base = std::iter::once(c).nfd().next()?;
    let lower = base.to_lowercase().next()?;
    let latin = match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "ie",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "iu",
        'я' => "ia",
        'є' => "ie",
        'ё' => "e",
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => return None,
    };
    Some(match base.is_uppercase() {
        false => latin,
        true => capitalized(latin),
    })
}

/// `zh` as `Zh`: each of the table's spellings, capitalized.
fn capitalized(latin: &'static str) -> &'static str {
    match latin {
        "" => "",
        "a" => "A",
        "b" => "B",
        "v" => "V",
        "g" => "G",
        "d" => "D",
        "e" => "E",
        "z" => "Z",
        "i" => "I",
        "k" => "K",
        "l" => "L",
        "m" => "M",
        "n" => "N",
        "o" => "O",
        "p" => "P",
        "r" => "R",
        "s" => "S",
        "t" => "T",
        "u" => "U",
        "f" => "F",
        "y" => "Y",
        "x" => "X",
        "zh" => "Zh",
        "kh" => "Kh",
        "ts" => "Ts",
        "ch" => "Ch",
        "sh" => "Sh",
        "shch" => "Shch",
        "ie" => "Ie",
        "iu" => "Iu",
        "ia" => "Ia",
        "th" => "Th",
        "ps" => "Ps",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn texts_are_in_the_epc_character_set() {
        assert_eq!(text("Müller & Söhne GmbH", 70), "Muller + Sohne GmbH");
        assert_eq!(text("Straße <x>", 70), "Strasse  x");
        assert_eq!(text("Łódź Œuvre", 70), "Lodz OEuvre");
        assert_eq!(text("abcdef", 3), "abc");
        assert_eq!(text("王芳", 70), "?");
        assert_eq!(text("Иван Петров", 70), "Ivan Petrov");
        assert_eq!(text("Щукин Жанна Ёлкина", 70), "Shchukin Zhanna Elkina");
        assert_eq!(text("Ελληνικά Ψάρι", 70), "Ellinika Psari");
        // ELOT 743's pairs.
        assert_eq!(text("Γεώργιος Παπαδόπουλος", 70), "Georgios Papadopoulos");
        assert_eq!(text("ΟΥΡΑΝΙΑ Ουρανία", 70), "OURANIA Ourania");
        assert_eq!(text("Ευάγγελος Αύγουστος", 70), "Evangelos Avgoustos");
        assert_eq!(text("Ευθυμίου Ναύτης", 70), "Efthymiou Naftis");
        assert_eq!(text("Μπάμπης Λάμπρος", 70), "Bampis Lampros");
        assert_eq!(
            text("Σπυρίδων Μαΐου Ευρυδίκη", 70),
            "Spyridon Maiou Evrydiki"
        );
        assert_eq!(text("Łukasz", 70), "Lukasz");
    }
}
