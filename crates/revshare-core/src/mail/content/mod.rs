//! What each e-mail says: the values it is drawn from ([`Content`], stored
//! in the outbox as JSON) and its subject, text and HTML in the program's
//! name and colour ([`render`]). Every value is escaped in the HTML part;
//! every link is absolute under the public URL. A link that lets its
//! follower in ([`Link`]) is stored as what it is for, never with its
//! code: the code is made when the message is sent ([`super::secrets`]),
//! and a stored message reads with it withheld ([`WITHHELD`]).

use entity::enums::EmailKind;
use serde::{Deserialize, Serialize};

mod applications;
mod commissions;
mod fraud;
mod layout;
mod link;
mod messages;
mod payouts;
pub mod words;

pub use layout::escape;
use layout::{Block, absolute, html, text};
pub use link::{Link, WITHHELD, confirm_path, portal_path, sign_in_path};

/// The values of one e-mail, by what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Content {
    /// An application to confirm by following `link` (double opt-in).
    ApplicationConfirm {
        name: String,
        campaign: String,
        link: Link,
    },
    /// An application from an address with one open already.
    ApplicationOpen { name: String, campaign: String },
    /// An application from an address whose partner is suspended or
    /// archived: no way in, and no new application.
    PartnerNotActive { name: String },
    /// An application from an address that is a partner's: a way in.
    AlreadyPartner {
        name: String,
        link: Link,
        minutes: i64,
    },
    ApplicationApproved {
        name: String,
        campaign: String,
        link: Link,
        minutes: i64,
    },
    ApplicationRejected {
        name: String,
        campaign: String,
        reason: Option<String>,
    },
    PortalSignIn {
        name: String,
        link: Link,
        minutes: i64,
    },
    /// One commission as the ledger's batch writes it: what the e-mail
    /// says beyond the amount (the partner's name, the campaign's) is read
    /// when it is rendered ([`Content::CommissionEarned`]).
    CommissionRef {
        commission: String,
        campaign: String,
        amount_minor: i64,
        currency: String,
    },
    /// Several commissions of one partner written together (a batch, or a
    /// burst within one gathering of the log): `totals` are minor units
    /// and currencies. Read into a `CommissionsEarned` before rendering.
    CommissionsRef {
        count: u64,
        totals: Vec<(i64, String)>,
    },
    /// Several commissions.
    CommissionsEarned {
        name: String,
        count: u64,
        /// `(amount, currency)`, one a currency.
        totals: Vec<(String, String)>,
    },
    /// One commission.
    CommissionEarned {
        name: String,
        amount: String,
        currency: String,
        campaign: String,
    },
    /// A day's commissions in one message.
    CommissionDigest {
        name: String,
        day: String,
        count: u64,
        /// `(amount, currency)`, one a currency.
        totals: Vec<(String, String)>,
    },
    PayoutSent {
        name: String,
        amount: String,
        currency: String,
        /// How it was paid, masked (`SEPA ····4321`).
        method: String,
        statement: Option<String>,
        link: Option<String>,
        /// The payout: its self-billed invoice, once issued, is attached
        /// (SPEC §33b). Absent on messages written before it was kept.
        #[serde(default)]
        payout_id: Option<String>,
        /// The invoice's number, read when the message is sent.
        #[serde(default)]
        invoice: Option<String>,
    },
    StaffNewApplication {
        name: String,
        email: String,
        campaign: String,
        website: Option<String>,
        country: Option<String>,
        answers: Vec<(String, String)>,
        id: String,
    },
    /// A year-end tax form to download (SPEC §29). The subject is the
    /// one the IRS asks of an electronically furnished statement.
    TaxFormAvailable {
        name: String,
        year: i32,
        corrected: bool,
        /// The portal's page of the partner's tax forms.
        link: String,
    },
    /// A partner's W-8 expires within 30 days (SPEC §29).
    TaxProfileExpiring {
        name: String,
        /// Its last valid day, `2026-12-31`.
        valid_until: String,
        /// The portal's page to submit a new one.
        link: String,
    },
    /// A partner's bounty submission was decided (SPEC §31).
    BountyDecided {
        name: String,
        bounty: String,
        approved: bool,
        /// Approved: what it earned (`50.00 USD`).
        amount: Option<String>,
        /// Rejected: why, in words.
        reason: Option<String>,
        note: Option<String>,
        /// The portal's page of bounties.
        link: String,
    },
    /// A message from the program (SPEC §35); `link`: the portal's page
    /// of messages.
    Message {
        name: String,
        /// A broadcast's subject.
        #[serde(default)]
        subject: Option<String>,
        body: String,
        link: String,
    },
    /// A day's messages from the program, each cut to its first lines.
    MessageDigest {
        name: String,
        bodies: Vec<String>,
        link: String,
    },
    /// To the program's support address: a partner wrote.
    StaffMessage {
        partner: String,
        partner_id: String,
        body: String,
    },
    /// To the program's support address: a day's messages from partners,
    /// `(partner, how many)`.
    StaffMessageDigest { threads: Vec<(String, u64)> },
    /// To the addresses a tenant lists (SPEC §37): the open fraud flags
    /// of its day — counts by signal, and each flag's signal, partner and
    /// age in days.
    StaffFraudDigest {
        day: String,
        open: u64,
        counts: Vec<(String, u64)>,
        flags: Vec<(String, String, i64)>,
    },
    /// To the program's support address: a fraud signal raised a flag.
    StaffFraudFlag {
        signal: String,
        /// `FLAG` or `HOLD`.
        action: String,
        partner: String,
        details: String,
        id: String,
    },
}

impl Content {
    /// The link of a message that has one that may open something.
    pub fn link_mut(&mut self) -> Option<&mut Link> {
        match self {
            Content::ApplicationConfirm { link, .. }
            | Content::AlreadyPartner { link, .. }
            | Content::ApplicationApproved { link, .. }
            | Content::PortalSignIn { link, .. } => Some(link),
            _ => None,
        }
    }

    pub fn kind(&self) -> EmailKind {
        match self {
            Content::ApplicationConfirm { .. }
            | Content::ApplicationOpen { .. }
            | Content::PartnerNotActive { .. }
            | Content::AlreadyPartner { .. } => EmailKind::ApplicationConfirm,
            Content::ApplicationApproved { .. } => EmailKind::ApplicationApproved,
            Content::ApplicationRejected { .. } => EmailKind::ApplicationRejected,
            Content::PortalSignIn { .. } => EmailKind::PortalSignIn,
            Content::CommissionRef { .. }
            | Content::CommissionsRef { .. }
            | Content::CommissionsEarned { .. }
            | Content::CommissionEarned { .. }
            | Content::CommissionDigest { .. } => EmailKind::CommissionEarned,
            Content::PayoutSent { .. } => EmailKind::PayoutSent,
            Content::StaffNewApplication { .. } => EmailKind::StaffNewApplication,
            Content::StaffFraudFlag { .. } => EmailKind::StaffFraudFlag,
            Content::StaffFraudDigest { .. } => EmailKind::StaffFraudDigest,
            Content::TaxFormAvailable { .. } => EmailKind::TaxFormAvailable,
            Content::TaxProfileExpiring { .. } => EmailKind::TaxProfileExpiring,
            Content::BountyDecided { .. } => EmailKind::BountyDecided,
            Content::Message { .. } | Content::MessageDigest { .. } => EmailKind::Message,
            Content::StaffMessage { .. } | Content::StaffMessageDigest { .. } => {
                EmailKind::StaffMessage
            }
        }
    }
}

/// Whether a kind is a notification: sent only as the partner wants, with
/// a one-click unsubscribe link, and suppressed to an address that bounced.
pub fn is_notification(kind: EmailKind) -> bool {
    matches!(
        kind,
        EmailKind::CommissionEarned | EmailKind::PayoutSent | EmailKind::Message
    )
}

/// How the program presents itself in its mail, and to whom it writes.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub support_email: Option<String>,
    /// Where revshare is reached from outside, without a trailing `/`.
    pub base_url: String,
    /// The tenant: a portal link names it, to sign in to it.
    pub tenant_id: String,
    /// The reader's language (SPEC §38): its words, formats and links.
    pub language: String,
    /// The reader's address: a portal link fills it in the sign-in form.
    pub to: String,
}

impl Program {
    /// The texts in the reader's language.
    pub fn words(&self) -> &'static words::Words {
        words::of(&self.language)
    }

    /// `path` under the public URL.
    pub fn url(&self, path: &str) -> String {
        absolute(&self.base_url, path)
    }

    /// A portal page (`/payouts/01J…`) as a link that names its page, the
    /// tenant, the language and the reader's address (SPEC §38): opened
    /// signed out, it shows this tenant's sign-in form in this language,
    /// the address filled in, and the link that sends opens the page. It
    /// carries no code: a forwarded e-mail signs nobody in. Everything
    /// after `#` stays in the browser, never in a server's log.
    pub fn portal(&self, page: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tenant", &self.tenant_id)
            .append_pair("lang", &self.language)
            .append_pair("email", &self.to)
            .finish();
        self.url(&format!("/portal/#{page}?{query}"))
    }

    /// A stored portal link (`/portal/#/messages`, `/portal/`) as
    /// [`Program::portal`] makes it; any other link under the public URL.
    pub fn portal_link(&self, stored: &str) -> String {
        match stored.strip_prefix("/portal/#") {
            Some(page) if page.starts_with('/') => {
                self.portal(page.split('?').next().unwrap_or("/"))
            }
            _ if stored == "/portal/" || stored == "/portal" => self.portal("/"),
            _ => self.url(stored),
        }
    }

    /// An amount (a decimal string) of `currency` as the reader's language
    /// writes it: `1.234,56 €`; one that does not read, as it is.
    pub fn money(&self, amount: &str, currency: &str) -> String {
        match amount.parse() {
            Ok(exact) => crate::languages::formats::money(&self.language, exact, currency),
            Err(_) => format!("{amount} {currency}"),
        }
    }

    /// A day (`2026-03-06`) in the reader's long form: `6. März 2026`.
    pub fn day(&self, day: &str) -> String {
        match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(date) => crate::languages::formats::day(&self.language, date),
            Err(_) => day.to_owned(),
        }
    }

    /// The plural form `count` takes in the reader's language.
    pub fn plural(&self, count: u64) -> icu_plurals::PluralCategory {
        crate::languages::formats::plural(&self.language, count)
    }
}

/// Whether a kind is written to the program's staff: in English, as the
/// console is (SPEC §38).
pub fn is_to_staff(kind: EmailKind) -> bool {
    matches!(
        kind,
        EmailKind::StaffNewApplication
            | EmailKind::StaffMessage
            | EmailKind::StaffFraudFlag
            | EmailKind::StaffFraudDigest
    )
}

/// The colour when the tenant chose none.
pub const DEFAULT_COLOR: &str = "#1f4e8c";

/// A message as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// An e-mail's subject, greeting (empty: none) and blocks, drawn from its
/// [`Content`] by the function of its family; [`render`] lays them out.
/// A family's function given a kind not its own gives nothing.
type Parts<'c> = (String, &'c str, Vec<Block>);

/// The subject and both parts of `content`. `unsubscribe`: the one-click
/// link of a notification.
pub fn render(content: &Content, program: &Program, unsubscribe: Option<&str>) -> Rendered {
    let english;
    let program = match is_to_staff(content.kind()) && program.language != "en" {
        true => {
            english = Program {
                language: "en".into(),
                ..program.clone()
            };
            &english
        }
        false => program,
    };
    let (subject, greeting, blocks) = match content {
        Content::ApplicationConfirm { .. }
        | Content::ApplicationOpen { .. }
        | Content::PartnerNotActive { .. } => applications::applied(content, program),
        Content::AlreadyPartner { .. } | Content::PortalSignIn { .. } => {
            applications::sign_in(content, program)
        }
        Content::ApplicationApproved { .. } | Content::ApplicationRejected { .. } => {
            applications::decided(content, program)
        }
        Content::StaffNewApplication { .. } => applications::to_staff(content),
        Content::CommissionRef { .. } | Content::CommissionsRef { .. } => {
            commissions::unread(content)
        }
        Content::CommissionsEarned { .. }
        | Content::CommissionEarned { .. }
        | Content::CommissionDigest { .. } => commissions::earned(content, program),
        Content::BountyDecided { .. } => commissions::bounty(content, program),
        Content::PayoutSent { .. } => payouts::sent(content, program),
        Content::TaxFormAvailable { .. } | Content::TaxProfileExpiring { .. } => {
            payouts::tax(content, program)
        }
        Content::Message { .. } | Content::MessageDigest { .. } => {
            messages::to_partner(content, program)
        }
        Content::StaffMessage { .. } | Content::StaffMessageDigest { .. } => {
            messages::to_staff(content)
        }
        Content::StaffFraudFlag { .. } => fraud::flagged(content),
        Content::StaffFraudDigest { .. } => fraud::digest(content),
    };
    let unsubscribe = unsubscribe.map(|path| program.url(path));
    Rendered {
        text: text(program, greeting, &blocks, unsubscribe.as_deref()),
        html: html(program, &subject, greeting, &blocks, unsubscribe.as_deref()),
        subject,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Program {
        Program {
            name: "Acme <Partners>".into(),
            color: "#112233".into(),
            support_email: Some("help@acme.test".into()),
            base_url: "https://partners.acme.test/".into(),
            tenant_id: "acme".into(),
            language: "en".into(),
            to: "ada@example.com".into(),
        }
    }

    #[test]
    fn every_value_is_escaped_in_html_and_plain_in_text() {
        let content = Content::PortalSignIn {
            name: "Eve <script>alert('x')</script> & co".into(),
            link: Link::Sent("/portal/#code=a\"b".into()),
            minutes: 15,
        };
        let mail = render(&content, &program(), None);
        assert_eq!(mail.subject, "Sign in to Acme <Partners>");
        assert!(
            mail.html
                .contains("Hello Eve &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co,")
        );
        assert!(
            mail.html
                .contains("href=\"https://partners.acme.test/portal/#code=a&quot;b\"")
        );
        assert!(
            mail.html
                .contains("<title>Sign in to Acme &lt;Partners&gt;</title>")
        );
        assert!(!mail.html.contains("<script>"));
        assert!(
            mail.text
                .starts_with("Hello Eve <script>alert('x')</script> & co,\n\n")
        );
        assert!(
            mail.text
                .contains("Sign in:\nhttps://partners.acme.test/portal/#code=a\"b\n")
        );
        assert!(!mail.text.contains("Stop these e-mails"));
    }

    #[test]
    fn a_notification_carries_its_unsubscribe_link_in_both_parts() {
        let content = Content::CommissionEarned {
            name: "Ada".into(),
            amount: "12.50".into(),
            currency: "EUR".into(),
            campaign: "Spring".into(),
        };
        let mail = render(&content, &program(), Some("/mail/unsubscribe/abc"));
        assert_eq!(mail.subject, "You earned €12.50");
        assert!(
            mail.text
                .contains("Stop these e-mails: https://partners.acme.test/mail/unsubscribe/abc\n")
        );
        assert!(
            mail.html
                .contains("href=\"https://partners.acme.test/mail/unsubscribe/abc\"")
        );
        assert!(mail.html.contains("background:#112233"));
        assert!(mail.text.contains("Commission: €12.50\nCampaign: Spring\n"));
    }

    #[test]
    fn a_stored_link_reads_with_its_code_withheld_and_keeps_no_code() {
        let portal = Content::PortalSignIn {
            name: "Ann".into(),
            link: Link::Portal {
                partner: "p1".into(),
                minutes: 15,
                by: "portal:sign-in".into(),
                to: None,
            },
            minutes: 15,
        };
        let mail = render(&portal, &program(), Some("/mail/unsubscribe/…"));
        assert!(
            mail.text
                .contains("Sign in:\nhttps://partners.acme.test/portal/#code=…\n"),
            "{}",
            mail.text
        );
        let stored = serde_json::to_string(&portal).unwrap();
        assert_eq!(
            stored,
            r#"{"PortalSignIn":{"name":"Ann","link":{"partner":"p1","minutes":15,"by":"portal:sign-in"},"minutes":15}}"#
        );
        assert_eq!(serde_json::from_str::<Content>(&stored).unwrap(), portal);
        // A message an earlier version queued, its code written whole:
        // read withheld.
        let old = r#"{"ApplicationConfirm":{"name":"Bo","campaign":"C","link":"/join/t/c#confirm=SECRET"}}"#;
        let old: Content = serde_json::from_str(old).unwrap();
        let mail = render(&old, &program(), None);
        assert!(!mail.text.contains("SECRET"), "{}", mail.text);
        assert!(!mail.html.contains("SECRET"));
        assert!(mail.text.contains("/join/t/c#confirm=…\n"));
    }

    #[test]
    fn contents_round_trip_through_their_stored_form() {
        let content = Content::ApplicationRejected {
            name: "Bo".into(),
            campaign: "C".into(),
            reason: Some("Not a fit".into()),
        };
        let stored = serde_json::to_string(&content).unwrap();
        assert_eq!(serde_json::from_str::<Content>(&stored).unwrap(), content);
        assert_eq!(content.kind(), EmailKind::ApplicationRejected);
    }
}
