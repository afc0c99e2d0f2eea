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
//! - [`retention`]: raw clicks by month, and removed past their months
//!   and every campaign's attribution window.
//!
//! A sale that names only its customer is resolved to the customer's
//! partner by the event path itself ([`crate::ledger::accrual`]); one whose
//! customer nobody attributed is held as an unattributed event.

pub mod clicks;
pub mod codes;
pub mod customers;
pub mod retention;

pub use crate::mailbox::normalized as normalized_email;

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
        // A comparison key, not an address: equal keys, one mailbox.
        let same = |a: &str, b: &str| normalized_email(a) == normalized_email(b);
        assert!(same(" Jane.Doe+ads@Gmail.com ", "janedoe@gmail.com"));
        assert!(same("j.a.n.e@googlemail.com", "jane@gmail.com"));
        assert!(same("jane.doe+x@example.com", "jane.doe@example.com"));
        assert!(!same("jane.doe@example.com", "janedoe@example.com"));
        assert_eq!(normalized_email("no-at-sign"), "no-at-sign");
        // Look-alikes of alice.smith@gmail.com: quoted, Cyrillic а,
        // fullwidth, with a zero-width space.
        let alice = normalized_email("alice.smith@gmail.com");
        for twin in [
            "\"alice.smith\"@gmail.com",
            "\u{430}lice.smith@gmail.com",
            "ａｌｉｃｅ.smith@gmail.com",
            "alice\u{200B}.smith@gmail.com",
            "ALICE.SMITH+promo@GMAIL.COM",
            "alice.smith@gmаil.com",
        ] {
            assert_eq!(normalized_email(twin), alice, "{twin:?}");
        }
        assert_ne!(normalized_email("bob.smith@gmail.com"), alice);
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
