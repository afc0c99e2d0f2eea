//! PayPal's Payouts CSV, as the Payouts web upload takes it: no header
//! row, one payout a line — recipient (the PayPal e-mail), amount (a point
//! before the cents), currency (one per file), customer id (the payout's
//! id: at most 30 characters, no spaces), note to recipient, and the
//! recipient's wallet (`PayPal`). Lines end in CRLF (RFC 4180); a field
//! with a comma, a quote or a line break is quoted.

use crate::error::ApiResult;
use entity::payout;

/// The file's lines for `payouts` (all PayPal, in one currency).
pub fn csv(payouts: &[payout::Model]) -> ApiResult<String> {
    let mut out = String::new();
    for payout in payouts {
        let note = super::remittance(payout)?;
        let fields = [
            payout.method_paypal_email.clone().unwrap_or_default(),
            super::amount(payout)?,
            payout.currency.clone(),
            payout.id.clone(),
            note,
            "PayPal".to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quoted(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// A field as RFC 4180 writes it. None of these fields is the partner's
/// free text beyond its e-mail, which was refused if it began like a
/// formula, so no cell can start one.
fn quoted(field: &str) -> String {
    match field.contains([',', '"', '\r', '\n']) {
        true => format!("\"{}\"", field.replace('"', "\"\"")),
        false => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(super::quoted("a,b"), "\"a,b\"");
        assert_eq!(super::quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::quoted("plain"), "plain");
    }
}
