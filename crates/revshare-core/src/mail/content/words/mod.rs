//! What the e-mails to a partner or an applicant say, in each language
//! revshare writes in (SPEC §38). E-mails to the program's staff stay
//! English ([`super::applications::to_staff`] and the like write theirs).
//!
//! One table a language, each a [`Words`] with every field given: a
//! language missing a text does not build, and a unit test holds each
//! text to the placeholders the English one has. Placeholders in braces
//! are filled by [`crate::languages::fill`]: `{program}` is the program's
//! name, `{campaign}` a campaign's, `{minutes}` how long a link works.

mod de;
mod es;
mod fr;
mod it;
mod nl;

/// Every text of the e-mails to partners and applicants, in one language.
#[derive(Debug)]
pub struct Words {
    /// `{name}`.
    pub hello: &'static str,
    /// `{address}`.
    pub questions: &'static str,
    /// The HTML footer's words before the address.
    pub questions_short: &'static str,
    pub stop: &'static str,

    /// An application to confirm: `{program}`; `{campaign}`, `{program}`.
    pub confirm_subject: &'static str,
    pub confirm_body: &'static str,
    pub confirm_action: &'static str,
    pub confirm_ignore: &'static str,
    /// `{program}`: an application's subject (open, not active, decided).
    pub application_subject: &'static str,
    /// `{campaign}`.
    pub application_open: &'static str,
    /// `{program}`.
    pub partner_not_active: &'static str,
    /// `{program}`; `{program}`, `{minutes}`.
    pub already_subject: &'static str,
    pub already_body: &'static str,
    pub sign_in_to_portal: &'static str,
    /// `{program}`; `{minutes}`.
    pub sign_in_subject: &'static str,
    pub sign_in_body: &'static str,
    pub sign_in_action: &'static str,
    pub sign_in_ignore: &'static str,
    /// `{program}`; `{campaign}`, `{minutes}`.
    pub welcome_subject: &'static str,
    pub approved_body: &'static str,
    pub open_portal: &'static str,
    /// `{campaign}`.
    pub rejected_body: &'static str,
    pub reason: &'static str,

    /// `{amount}`: one commission.
    pub earned_subject: &'static str,
    pub commission: &'static str,
    pub campaign: &'static str,
    pub see_it: &'static str,
    /// `{count}`, `{total}`: several (the plural forms `one` and `other`).
    pub earned_several_one: &'static str,
    pub earned_several_other: &'static str,
    pub commissions: &'static str,
    pub earned: &'static str,
    pub see_them: &'static str,
    /// `{day}`, `{total}`.
    pub digest_subject: &'static str,

    /// `{program}`, `{bounty}`, `{amount}` / `{reason}`.
    pub bounty_approved: &'static str,
    pub bounty_rejected: &'static str,
    pub bounty_decided: &'static str,
    pub open_bounties: &'static str,
    /// `{program}`.
    pub bounty_approved_subject: &'static str,
    pub bounty_rejected_subject: &'static str,

    /// `{program}`, `{amount}`.
    pub paid_subject: &'static str,
    pub amount: &'static str,
    pub paid_to: &'static str,
    pub statement: &'static str,
    pub invoice: &'static str,
    /// `{program}`, `{invoice}`.
    pub invoice_attached: &'static str,
    pub download_statement: &'static str,
    pub open_payout: &'static str,

    /// `{year}`.
    pub tax_form: &'static str,
    pub tax_form_corrected: &'static str,
    /// `{program}`, `{form}`.
    pub tax_form_body: &'static str,
    pub open_tax_forms: &'static str,
    pub tax_form_paper: &'static str,
    /// `{program}`, `{day}`.
    pub w8_subject: &'static str,
    pub w8_body: &'static str,
    pub w8_action: &'static str,

    /// `{program}`: a message without a subject; `{subject}`, `{program}`.
    pub message_subject: &'static str,
    pub message_titled: &'static str,
    /// `{program}`.
    pub wrote: &'static str,
    pub reply: &'static str,
    /// `{program}`; `{program}`, `{count}`.
    pub wrote_today_one: &'static str,
    pub wrote_today_other: &'static str,
    /// `{program}`, `{count}`: a day's messages (one, several).
    pub messages_one: &'static str,
    pub messages_other: &'static str,
    pub read_and_reply: &'static str,
}

pub const EN: Words = Words {
    hello: "Hello {name},",
    questions: "Questions? Write to {address}",
    questions_short: "Questions?",
    stop: "Stop these e-mails",

    confirm_subject: "Confirm your application to {program}",
    confirm_body: "Thank you for applying to {campaign}. Confirm that this address is yours, and \
                   your application goes to the {program} team.",
    confirm_action: "Confirm my application",
    confirm_ignore: "If you did not apply, ignore this e-mail: nothing happens without the click.",
    application_subject: "Your application to {program}",
    application_open: "We received another application to {campaign} from this address. The one \
                       you sent before is still open: there is nothing more to do, and we will \
                       write when it is decided.",
    partner_not_active: "We received an application from this address, which is already a \
                         partner's in {program}, and that partnership is not active at the \
                         moment. We did not open a new application: to take the partnership up \
                         again, reply to this e-mail or write to the {program} team.",
    already_subject: "You are already a {program} partner",
    already_body: "We received an application from this address, which is already a partner's \
                   in {program}. Sign in to your portal instead (the link works once, for \
                   {minutes} minutes):",
    sign_in_to_portal: "Sign in to the portal",
    sign_in_subject: "Sign in to {program}",
    sign_in_body: "Here is your sign-in link. It works once, within {minutes} minutes.",
    sign_in_action: "Sign in",
    sign_in_ignore: "If you did not ask to sign in, ignore this e-mail: nobody can sign in \
                     without the link.",
    welcome_subject: "Welcome to {program}",
    approved_body: "Your application to {campaign} was approved. Your portal has your referral \
                    links, your commissions and your payouts. This link signs you in once, \
                    within {minutes} minutes; later, ask for a new one on the portal's sign-in \
                    page.",
    open_portal: "Open my portal",
    rejected_body: "Thank you for your interest in {campaign}. We are not able to accept your \
                    application.",
    reason: "Reason",

    earned_subject: "You earned {amount}",
    commission: "Commission",
    campaign: "Campaign",
    see_it: "See it in the portal",
    earned_several_one: "You earned {count} commission: {total}",
    earned_several_other: "You earned {count} commissions: {total}",
    commissions: "Commissions",
    earned: "Earned",
    see_them: "See them in the portal",
    digest_subject: "Your commissions of {day}: {total}",

    bounty_approved: "{program} approved your submission for the bounty \"{bounty}\": it earned \
                      you {amount}, paid with your commissions once it matures.",
    bounty_rejected: "{program} did not approve your submission for the bounty \"{bounty}\": \
                      {reason}.",
    bounty_decided: "{program} decided your submission for the bounty \"{bounty}\".",
    open_bounties: "Open my bounties",
    bounty_approved_subject: "Your bounty submission to {program} was approved",
    bounty_rejected_subject: "Your bounty submission to {program} was not approved",

    paid_subject: "{program} paid you {amount}",
    amount: "Amount",
    paid_to: "Paid to",
    statement: "Statement",
    invoice: "Invoice",
    invoice_attached: "{program} issued invoice {invoice} in your name for this payout \
                       (self-billing): it is attached as a PDF and as an e-invoice (UBL XML) \
                       for your books. If it is wrong, object to it in your portal.",
    download_statement: "Download the statement (PDF)",
    open_payout: "See the payout in the portal",

    tax_form: "your Form 1099-NEC for {year}",
    tax_form_corrected: "a corrected Form 1099-NEC for {year}",
    tax_form_body: "{program} has issued {form}: what it paid you that year, as reported to the \
                    IRS. You agreed to receive it electronically; it is in your portal, to \
                    download as a PDF.",
    open_tax_forms: "Open my tax forms",
    tax_form_paper: "It stays there for you to download again. To receive your forms on paper \
                     instead, withdraw your consent in the portal's Tax page.",
    w8_subject: "Your W-8 for {program} expires on {day}",
    w8_body: "The W-8 you gave {program} is valid until {day}. After that day it no longer \
              counts, and payouts that need a valid tax form wait until the program approves a \
              new one. Sign a new W-8 and submit it before then.",
    w8_action: "Submit a new W-8",

    message_subject: "A message from {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} wrote to you:",
    reply: "Reply in the portal",
    wrote_today_one: "{program} wrote to you today:",
    wrote_today_other: "{program} wrote to you {count} times today:",
    messages_one: "A message from {program}",
    messages_other: "{count} messages from {program}",
    read_and_reply: "Read and reply in the portal",
};

/// Every language's table, by code.
pub const ALL: &[(&str, &Words)] = &[
    ("en", &EN),
    ("de", &de::DE),
    ("fr", &fr::FR),
    ("es", &es::ES),
    ("it", &it::IT),
    ("nl", &nl::NL),
];

/// A language's table; English for one not built in.
pub fn of(language: &str) -> &'static Words {
    ALL.iter()
        .find(|(code, _)| *code == language)
        .map_or(&EN, |(_, words)| words)
}

#[cfg(test)]
mod tests {
    use super::{ALL, EN, Words};
    use crate::languages::placeholders;

    macro_rules! texts {
        ($words:expr; $($field:ident),* $(,)?) => {
            vec![$((stringify!($field), $words.$field)),*]
        };
    }

    fn texts(w: &Words) -> Vec<(&'static str, &'static str)> {
        texts!(w; hello, questions, questions_short, stop, confirm_subject, confirm_body,
            confirm_action, confirm_ignore, application_subject, application_open,
            partner_not_active, already_subject, already_body, sign_in_to_portal,
            sign_in_subject, sign_in_body, sign_in_action, sign_in_ignore, welcome_subject,
            approved_body, open_portal, rejected_body, reason, earned_subject, commission,
            campaign, see_it, earned_several_one, earned_several_other, commissions, earned,
            see_them, digest_subject, bounty_approved, bounty_rejected, bounty_decided,
            open_bounties, bounty_approved_subject, bounty_rejected_subject, paid_subject,
            amount, paid_to, statement, invoice, invoice_attached, download_statement, open_payout,
            tax_form, tax_form_corrected, tax_form_body, open_tax_forms, tax_form_paper,
            w8_subject, w8_body, w8_action, message_subject, message_titled, wrote, reply,
            wrote_today_one, wrote_today_other, messages_one, messages_other, read_and_reply)
    }

    /// Each language says something for every text, with the placeholders
    /// the English one fills, and no text is left in English by mistake.
    #[test]
    fn every_language_fills_the_placeholders_english_does() {
        let english = texts(&EN);
        for (code, words) in ALL {
            for (i, (field, text)) in texts(words).into_iter().enumerate() {
                assert!(!text.trim().is_empty(), "{code}.{field} is empty");
                assert_eq!(
                    placeholders(text),
                    placeholders(english[i].1),
                    "{code}.{field}: {text}"
                );
                if *code != "en" && english[i].1.len() > 30 {
                    assert_ne!(text, english[i].1, "{code}.{field} is English");
                }
            }
        }
    }
}
