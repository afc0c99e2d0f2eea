//! E-mail (SPEC §20): every message a partner, an applicant or the staff
//! is sent, written to an outbox in the transaction that caused it and
//! delivered over SMTP by a sender on every replica.
//!
//! - [`content`]: what each kind says, rendered as text and escaped HTML
//!   in the program's name and colour;
//! - [`outbox`]: writing a message (once per cause), reading them;
//! - [`earned`]: `COMMISSION_EARNED` e-mails, derived from the event log
//!   off the ledger's hot path;
//! - [`digest`]: the daily digest of commissions;
//! - [`preferences`]: what a partner wants to hear, one-click
//!   unsubscribes, bounced addresses;
//! - [`secrets`]: the codes a message carries, made as it is sent and
//!   kept only hashed;
//! - [`send`]: claiming, sending at most once, retrying, giving up;
//! - [`smtp`]: one message over SMTP, each step under a deadline;
//! - [`settings`]: `REVSHARE_SMTP_URL`, `REVSHARE_MAIL_FROM`, the retry
//!   schedule, DKIM.

pub mod content;
pub mod digest;
pub mod earned;
pub mod outbox;
pub mod preferences;
pub mod secrets;
pub mod send;
pub mod settings;
pub mod smtp;

pub use content::Content;
pub use outbox::{Mail, queue};
pub use settings::Settings;
