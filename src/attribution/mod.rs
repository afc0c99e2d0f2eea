//! Attribution (SPEC §15): a customer of the tenant tied, once, to the
//! partner who brought it — from a referral link's click, a referral code
//! or a coupon — so that its sales need not name the partner.
//!
//! - [`codes`]: a partner's referral codes in a campaign, and coupons.
//! - [`clicks`]: a visit of a referral link (`GET /r/{tenantId}/{code}`,
//!   or `recordClick` for a brand's own redirect).
//! - [`customers`]: attributing a customer (the first attribution wins),
//!   reassigning one, and what the tenant's customers are. Attributing a
//!   customer accrues, in its transaction and exactly once, the sales held
//!   for it inside the campaign's attribution window
//!   ([`crate::ledger::accrual::accrue_held`]).
//!
//! A sale that names only its customer is resolved to the customer's
//! partner by the event path itself ([`crate::ledger::accrual`]); one whose
//! customer nobody attributed is held as an unattributed event.

pub mod clicks;
pub mod codes;
pub mod customers;

/// An e-mail address as self-referral compares it: lower case, a `+tag`
/// dropped, and dots dropped for Gmail (`gmail.com`, `googlemail.com`).
pub fn normalized_email(email: &str) -> String {
    let email = email.trim().to_lowercase();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return email;
    };
    let local = local.split('+').next().unwrap_or(local);
    let local = match domain {
        "gmail.com" | "googlemail.com" => local.replace('.', ""),
        _ => local.to_owned(),
    };
    let domain = match domain {
        "googlemail.com" => "gmail.com",
        other => other,
    };
    format!("{local}@{domain}")
}

/// An e-mail as a partner token reads it: its first letter, then `***`
/// (`j***@example.com`).
pub fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mails_are_compared_as_their_owner_receives_them() {
        assert_eq!(
            normalized_email(" Jane.Doe+ads@Gmail.com "),
            "janedoe@gmail.com"
        );
        assert_eq!(normalized_email("j.a.n.e@googlemail.com"), "jane@gmail.com");
        assert_eq!(
            normalized_email("jane.doe+x@example.com"),
            "jane.doe@example.com"
        );
        assert_eq!(normalized_email("no-at-sign"), "no-at-sign");
        assert_ne!(
            normalized_email("jane@example.com"),
            normalized_email("jan.e@example.com")
        );
    }

    #[test]
    fn a_masked_e_mail_keeps_its_first_letter_and_domain() {
        assert_eq!(masked_email("jane@example.com"), "j***@example.com");
        assert_eq!(masked_email("garbage"), "***");
    }
}
