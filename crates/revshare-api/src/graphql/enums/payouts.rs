//! The enums of payouts (SPEC §16, §26): a payout's status and method,
//! the rails it is sent through and its status there, a run's, the
//! reasons a run carries a balance over, tax forms, minimums' sources and
//! payment files.

use async_graphql::Enum;

/// Where a payout is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PayoutStatus")]
pub enum PayoutStatus {
    /// Made by a run; its commissions are held for it (still `APPROVED`)
    /// until it is marked paid or failed.
    Pending,
    /// Sent: its commissions are `PAID`.
    Paid,
    /// Not sent: its commissions were released for the next run.
    Failed,
}

/// How a partner is paid.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PayoutMethodType")]
pub enum PayoutMethodType {
    /// To a PayPal account, by its e-mail address.
    Paypal,
    /// To a bank account, by IBAN (SEPA for EUR).
    BankTransfer,
    /// To the partner's Stripe Express account (Connect with Stripe), by
    /// transfer; set once Stripe enables the account's payouts.
    StripeConnect,
    /// To a US bank account by ACH: its routing (ABA) and account number.
    Ach,
    /// To a bank account in its own currency, through Wise (SPEC §36):
    /// an IBAN (EUR, CHF, DKK, NOK, PLN, SEK), a sort code and account
    /// number (GBP), or a routing and account number and an address (USD).
    Wise,
}

/// Whom Wise pays: a person or a business.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalType {
    /// A person: the holder is a first and a last name.
    Private,
    /// A business, by its name.
    Business,
}

impl LegalType {
    pub fn as_str(self) -> &'static str {
        match self {
            LegalType::Private => "PRIVATE",
            LegalType::Business => "BUSINESS",
        }
    }

    pub fn parse(text: &str) -> Option<LegalType> {
        match text {
            "PRIVATE" => Some(LegalType::Private),
            "BUSINESS" => Some(LegalType::Business),
            _ => None,
        }
    }
}

/// The kind of a US bank account.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::UsAccountType")]
pub enum UsAccountType {
    /// A checking account (ACH transaction code 22).
    Checking,
    /// A savings account (ACH transaction code 32).
    Savings,
}

/// A provider revshare sends payouts through (SPEC §26).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PayoutRail")]
pub enum PayoutRail {
    /// PayPal Payouts: one batch per run and currency, to each partner's
    /// PayPal address.
    PaypalPayouts,
    /// Stripe Connect: a transfer to each partner's Express account.
    StripeConnect,
    /// Wise: a transfer to each partner's bank account in its currency,
    /// in one batch group per run and currency (SPEC §36).
    Wise,
}

/// Whether a rail moves real money.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PayoutRailMode")]
pub enum PayoutRailMode {
    /// The provider's live API.
    Live,
    /// PayPal's and Wise's sandboxes; Stripe's test mode.
    Sandbox,
}

/// Where a payout stands on its rail.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RailStatus")]
pub enum PayoutRailStatus {
    /// Handed to the rail; the provider has not taken it yet.
    Queued,
    /// The provider took it; its end is not known yet.
    Sent,
    /// Paid: the payout is `PAID`.
    Succeeded,
    /// Refused or failed at the provider: the payout is `FAILED`, its
    /// commissions back in the next run.
    Failed,
    /// PayPal holds it for a receiver without an account: still pending.
    Unclaimed,
    /// Returned unclaimed: the payout is `FAILED`.
    Returned,
}

/// Why a run carried a partner's balance over.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SkipReason")]
pub enum SkipReason {
    /// Its net balance is above 0 and under the minimum in force for it
    /// (or is 0 where a minimum is set).
    BelowMinimum,
    /// Its net balance is below 0: clawbacks of commissions paid before
    /// outweigh what it earned since, and net against what it earns next.
    NegativeBalance,
    /// Its commissions and clawbacks net to exactly 0, and no minimum is
    /// set: nothing is owed until it earns more.
    NothingOwed,
    /// It has no payout method.
    NoPayoutMethod,
    /// The tenant requires an approved tax profile and it has none.
    TaxProfileNotApproved,
    /// It is suspended (blocked at the platform a program came from, or
    /// by a manager): what it is owed waits until it is active again.
    PartnerSuspended,
}

/// The tax form a partner filed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TaxForm")]
pub enum TaxForm {
    /// IRS Form W-9 (United States persons).
    #[graphql(name = "W9")]
    W9,
    /// IRS Form W-8BEN (foreign individuals).
    #[graphql(name = "W8BEN")]
    W8ben,
    /// IRS Form W-8BEN-E (foreign entities).
    #[graphql(name = "W8BENE")]
    W8bene,
    /// Another form (a VAT registration, a local tax form).
    Other,
}

/// Which US taxpayer identification number a W-9 gives.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TinType")]
pub enum TinType {
    /// A Social Security number (`123-45-6789`).
    Ssn,
    /// An employer identification number (`12-3456789`).
    Ein,
    /// An individual taxpayer identification number (`9XX-XX-XXXX`).
    Itin,
}

/// Where a tax profile is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TaxProfileStatus")]
pub enum TaxProfileStatus {
    /// Waiting for the tenant's decision.
    Submitted,
    /// Approved: runs that require it pay the partner.
    Approved,
    /// Rejected, with a reason: the partner submits again.
    Rejected,
}

/// Where a minimum payout in force comes from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::directory::minimums::Source")]
pub enum MinimumSource {
    /// The tenant's setting.
    Tenant,
    /// The partner's group's setting.
    Group,
    /// The partner's own setting.
    Partner,
}

/// A file of a run's payouts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::payouts::files::Format")]
pub enum PayoutFileFormat {
    /// PayPal's Payouts CSV (one currency per file).
    PaypalPayoutsCsv,
    /// A SEPA credit transfer, ISO 20022 `pain.001.001.03` (EUR bank transfers).
    #[graphql(name = "SEPA_PAIN_001")]
    SepaPain001,
}

/// Whether a run has payouts still pending.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutRunStatus {
    /// Some of its payouts are pending.
    Open,
    /// Each of its payouts is paid or failed.
    Closed,
}

/// A W-9's federal tax classification (its line 3a).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TaxClassification")]
pub enum TaxClassification {
    /// An individual or sole proprietor (or a single-member LLC
    /// disregarded as one).
    Individual,
    /// A C corporation: no 1099-NEC.
    CCorporation,
    /// An S corporation: no 1099-NEC.
    SCorporation,
    /// A partnership.
    Partnership,
    /// A trust or an estate.
    TrustEstate,
    /// A limited liability company taxed as a C corporation: no 1099-NEC.
    LlcC,
    /// A limited liability company taxed as an S corporation: no 1099-NEC.
    LlcS,
    /// A limited liability company taxed as a partnership.
    LlcP,
    /// Another classification, as the W-9 names it.
    Other,
}

/// Where a payee of a year stands (SPEC §29).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::tax::year::PayeeStatus")]
pub enum TaxPayeeStatus {
    /// An approved W-9 whose counted payments reach the year's threshold,
    /// or anything was withheld: it gets a 1099-NEC.
    Reportable,
    /// An approved W-9 paid less than the threshold.
    BelowThreshold,
    /// An approved W-9 of a corporation (C, S, or an LLC taxed as one).
    ExemptCorporation,
    /// A foreign payee with a valid W-8: no 1099.
    Foreign,
    /// No approved W-9 (nor a W-8): ask for one.
    MissingTin,
    /// Its W-8 has expired: ask for a new one.
    W8Expired,
    /// Neither form, and its partner lives outside the US and its
    /// territories (its `country`): ask for a W-8, not a W-9.
    MissingW8,
}

/// Whether a year's forms were issued.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxYearStatus {
    /// Not issued yet: its payees change as payments are made.
    Open,
    /// Issued: its forms are frozen, and a change makes a corrected one.
    Issued,
}

/// What an issued self-billed document is (UNTDID 1001).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::InvoiceKind")]
pub enum InvoiceType {
    /// A self-billed invoice (type 389), issued when its payout was paid.
    Invoice,
    /// A self-billed credit note (type 261) for the whole of an invoice
    /// whose payout was reversed.
    CreditNote,
}

/// How a VAT id was checked.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatCheck {
    /// By its state's form and, where the state publishes it, its check
    /// digits; no online register (VIES, HMRC) was asked.
    Format,
}
