//! Every enum the database stores, as the text it stores (`ACCRUED`,
//! `INVITE_ONLY`), in columns and in JSON alike: a column typed with one of
//! these reads and writes only its values, and a value the code does not
//! know fails the read (corruption, not data). Services compare these, never strings; GraphQL mirrors them
//! with `#[graphql(remote = …)]`.

use sea_orm::entity::prelude::*;

macro_rules! stored {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum,
            serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $($(#[$vdoc])* #[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant),*
        }

        impl $name {
            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            /// The value stored as `text`, if it is one.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

stored!(
    /// What an issued document is (UNTDID 1001): a self-billed invoice
    /// (389) or a self-billed credit note (261) correcting one.
    InvoiceKind { Invoice = "INVOICE", CreditNote = "CREDIT_NOTE" }
);

stored!(
    /// Where a commission is in its life: `ACCRUED → APPROVED → PAID`, or
    /// `ACCRUED → REVERSED`.
    CommissionStatus { Accrued = "ACCRUED", Approved = "APPROVED", Paid = "PAID", Reversed = "REVERSED" }
);

stored!(
    /// What a ledger row is.
    CommissionKind {
        /// Earned on an event.
        Commission = "COMMISSION",
        /// A negative row taking back part of a commission after a refund.
        Clawback = "CLAWBACK",
        /// A correction appended to the ledger (never an edit).
        Adjustment = "ADJUSTMENT",
        /// A tier's one-time bonus, the first time it is reached in a period.
        Bonus = "BONUS",
        /// Earned by a partner on a commission of a partner it recruited
        /// (SPEC §31); it follows that commission.
        Referral = "REFERRAL",
        /// A bounty's reward (SPEC §31): a goal reached, or a submission
        /// approved.
        Bounty = "BOUNTY",
        /// A retainer's period (SPEC §37): a fixed amount on a cadence.
        Retainer = "RETAINER",
    }
);

stored!(
    /// How far apart a retainer's periods start (SPEC §37).
    RetainerCadence { Weekly = "WEEKLY", Monthly = "MONTHLY", Quarterly = "QUARTERLY", Yearly = "YEARLY" }
);

stored!(
    /// Where a retainer is: paying, paused (what falls due is skipped),
    /// or ended.
    RetainerStatus { Active = "ACTIVE", Paused = "PAUSED", Ended = "ENDED" }
);

stored!(
    /// What a bounty pays for (SPEC §31).
    BountyKind { Performance = "PERFORMANCE", Submission = "SUBMISSION" }
);

stored!(
    /// What a performance bounty's goal counts.
    BountyMetric {
        Sales = "SALES",
        SaleAmount = "SALE_AMOUNT",
        CommissionAmount = "COMMISSION_AMOUNT",
        Customers = "CUSTOMERS",
    }
);

stored!(
    /// Where a bounty submission is.
    BountySubmissionStatus {
        Draft = "DRAFT",
        Submitted = "SUBMITTED",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);

stored!(
    /// Why a bounty submission was rejected.
    BountyRejection {
        NotEligible = "NOT_ELIGIBLE",
        LowQuality = "LOW_QUALITY",
        Duplicate = "DUPLICATE",
        OutOfTime = "OUT_OF_TIME",
        Other = "OTHER",
    }
);

stored!(
    /// Why a commission was reversed or an event refunded.
    ReversalReason {
        Refund = "REFUND",
        Chargeback = "CHARGEBACK",
        Fraud = "FRAUD",
        Other = "OTHER",
        /// Voided on the platform it was imported from (SPEC §25).
        ImportedVoid = "IMPORTED_VOID",
    }
);

stored!(
    /// What an event records.
    EventKind {
        /// A charge.
        Sale = "SALE",
        /// A conversion without a charge.
        Lead = "LEAD",
        /// A deal reached a stage (created at it, or moved).
        DealStage = "DEAL_STAGE",
        /// A payment on a deal.
        DealPayment = "DEAL_PAYMENT",
        /// What earned a partner a reward no sale of its own did: a
        /// commission of a partner it recruited (SPEC §31). No money
        /// changed hands on it.
        Reward = "REWARD",
    }
);

stored!(
    /// How a partner sells.
    PartnerType { Referral = "REFERRAL", Reseller = "RESELLER", Distributor = "DISTRIBUTOR" }
);

stored!(
    /// Whether a partner may record events.
    PartnerStatus { Active = "ACTIVE", Suspended = "SUSPENDED", Archived = "ARCHIVED" }
);

stored!(
    /// Whether a campaign accepts events and partners.
    CampaignStatus { Active = "ACTIVE", Paused = "PAUSED", Archived = "ARCHIVED" }
);

stored!(
    /// Who may apply to a campaign.
    Visibility { Public = "PUBLIC", InviteOnly = "INVITE_ONLY" }
);

stored!(
    /// Where a partnership request stands.
    RequestStatus { Pending = "PENDING", Approved = "APPROVED", Rejected = "REJECTED" }
);

stored!(
    /// How a snapshot row (or an enrollment) came to be.
    SnapshotSource { Approval = "APPROVAL", Invite = "INVITE", Amendment = "AMENDMENT" }
);

stored!(
    /// Where a term in force comes from.
    TermsSource {
        /// The partner's snapshot for the campaign.
        Snapshot = "SNAPSHOT",
        /// The campaign's current terms.
        Campaign = "CAMPAIGN",
        /// The partner group's current rules (live policy).
        Group = "GROUP",
        /// Nothing sets it (no holdback).
        None = "NONE",
        /// A deal's frozen commission plan.
        Plan = "PLAN",
    }
);

stored!(
    /// Who a plan's commission pays.
    PaymentTarget {
        /// The partner organisation.
        Partnership = "PARTNERSHIP",
        /// A person: a spiff to a contact.
        Individual = "INDIVIDUAL",
    }
);

stored!(
    /// Which contact a spiff pays.
    AutoAssignRecipient {
        /// The deal's lead creator.
        LeadCreator = "LEAD_CREATOR",
        /// The deal's owner.
        DealOwner = "DEAL_OWNER",
        /// Named later, with `assignCommissionRecipient`.
        Manual = "MANUAL",
    }
);

stored!(
    /// Why a plan applies to a deal: the most specific restriction it met.
    PlanMatch {
        /// The plan names the deal's partner.
        Partner = "PARTNER",
        /// The plan names one of the partner's categories.
        Category = "CATEGORY",
        /// The plan names the partner's group.
        Group = "GROUP",
        /// The plan is not restricted beyond the partner's type.
        Any = "ANY",
        /// Chosen by an amendment of the deal's terms.
        Amendment = "AMENDMENT",
    }
);

stored!(
    /// Whether a tiered commission takes effect.
    TierStatus { Active = "ACTIVE", Inactive = "INACTIVE" }
);

stored!(
    /// The period a tier's progress is counted over.
    TierPeriod {
        Daily = "DAILY",
        /// ISO weeks, from Monday.
        Weekly = "WEEKLY",
        Monthly = "MONTHLY",
        /// From January, April, July and October 1.
        Quarterly = "QUARTERLY",
        /// The tier's start date to its end date.
        Global = "GLOBAL",
    }
);

stored!(
    /// Whether a deal waits on the tenant's decision: `NOT_REQUIRED` for
    /// deals the tenant creates; `PENDING → APPROVED | REJECTED` for those a
    /// partner registers.
    DealRegistration {
        NotRequired = "NOT_REQUIRED",
        Pending = "PENDING",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);

stored!(
    /// Where a deal ended up: `OPEN`, `WON` once it reached a winning
    /// stage, `LOST` when closed as lost.
    DealStatus { Open = "OPEN", Won = "WON", Lost = "LOST" }
);

stored!(
    /// What happened, as a domain event says (SPEC §12).
    DomainEventType {
        /// A ledger row was written: a commission, clawback or adjustment.
        CommissionCreated = "COMMISSION_CREATED",
        /// A commission was approved, paid or reversed.
        CommissionStatusChanged = "COMMISSION_STATUS_CHANGED",
        /// A payout was made: by a run (pending) or marked paid by hand.
        PayoutCreated = "PAYOUT_CREATED",
        /// A pending payout was sent.
        PayoutPaid = "PAYOUT_PAID",
        /// A pending payout failed; its commissions go to the next run.
        PayoutFailed = "PAYOUT_FAILED",
        /// A payout's status on its rail changed (SPEC §26): queued, sent,
        /// unclaimed, succeeded, failed, returned.
        PayoutRailChanged = "PAYOUT_RAIL_CHANGED",
        /// A partner joined a campaign (approved request or invitation).
        PartnerEnrolled = "PARTNER_ENROLLED",
        PartnershipRequestCreated = "PARTNERSHIP_REQUEST_CREATED",
        /// A partnership request was approved or rejected.
        PartnershipRequestDecided = "PARTNERSHIP_REQUEST_DECIDED",
        /// A deal reached a stage (created at it, or moved).
        DealStageChanged = "DEAL_STAGE_CHANGED",
        DealPaymentRecorded = "DEAL_PAYMENT_RECORDED",
        /// A partner registered a deal.
        DealRegistered = "DEAL_REGISTERED",
        /// A deal registration was approved or rejected.
        DealRegistrationDecided = "DEAL_REGISTRATION_DECIDED",
        /// A deal's fields or status changed (updated, lost, reopened).
        DealUpdated = "DEAL_UPDATED",
        /// A partner first reached a tier in a period.
        TierReached = "TIER_REACHED",
        /// A customer was tied to the partner who brought it.
        CustomerAttributed = "CUSTOMER_ATTRIBUTED",
        /// A stranger's application was confirmed by its address.
        PartnerApplied = "PARTNER_APPLIED",
        /// An application was approved (a partner made) or rejected.
        PartnerApplicationDecided = "PARTNER_APPLICATION_DECIDED",
        /// A fraud signal raised a flag (staff only).
        FraudFlagged = "FRAUD_FLAGGED",
        /// A fraud flag was dismissed or confirmed (staff only).
        FraudFlagResolved = "FRAUD_FLAG_RESOLVED",
        /// A backtest run in the background finished, failed or was
        /// cancelled (staff only).
        BacktestFinished = "BACKTEST_FINISHED",
    }
);

stored!(
    /// Whether a webhook endpoint is sent events.
    WebhookStatus { Enabled = "ENABLED", Disabled = "DISABLED" }
);

stored!(
    /// Where a webhook delivery is.
    DeliveryStatus {
        /// Not delivered yet: waiting for its next attempt.
        Pending = "PENDING",
        Succeeded = "SUCCEEDED",
        /// Every attempt of the schedule failed, or the endpoint was disabled.
        Failed = "FAILED",
    }
);

stored!(
    /// What an e-mail is (SPEC §20).
    EmailKind {
        ApplicationConfirm = "APPLICATION_CONFIRM",
        ApplicationApproved = "APPLICATION_APPROVED",
        ApplicationRejected = "APPLICATION_REJECTED",
        PortalSignIn = "PORTAL_SIGN_IN",
        CommissionEarned = "COMMISSION_EARNED",
        PayoutSent = "PAYOUT_SENT",
        StaffNewApplication = "STAFF_NEW_APPLICATION",
        StaffFraudFlag = "STAFF_FRAUD_FLAG",
        StaffFraudDigest = "STAFF_FRAUD_DIGEST",
        /// A year-end tax form to download (SPEC §29).
        TaxFormAvailable = "TAX_FORM_AVAILABLE",
        /// A bounty submission approved or rejected (SPEC §31).
        BountyDecided = "BOUNTY_DECIDED",
        /// A W-8 that expires within 30 days (SPEC §29).
        TaxProfileExpiring = "TAX_PROFILE_EXPIRING",
        /// A message from the program, or a day's digest of them (SPEC §35).
        Message = "MESSAGE",
        /// A partner's message, to the program's support address.
        StaffMessage = "STAFF_MESSAGE",
    }
);

stored!(
    /// Where an e-mail is.
    EmailStatus {
        /// Waiting to be sent (or for SMTP to be configured).
        Queued = "QUEUED",
        /// The SMTP server accepted it.
        Sent = "SENT",
        /// Refused for good, retried past a day, or interrupted after it was
        /// handed over (never sent twice).
        Failed = "FAILED",
        /// Not sent: the address bounced before.
        Suppressed = "SUPPRESSED",
    }
);

stored!(
    /// How often an e-mail of its kind is sent: each at once, in a daily
    /// digest, or never (a partner's commissions and messages; partners'
    /// messages to the staff).
    MailPreference { Immediate = "IMMEDIATE", Daily = "DAILY", Off = "OFF" }
);

stored!(
    /// Where an application is: confirmed by its address, then decided.
    ApplicationStatus {
        Unconfirmed = "UNCONFIRMED",
        Pending = "PENDING",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);

stored!(
    /// What raised a fraud flag (SPEC §21).
    FraudSignal {
        SelfReferralIp = "SELF_REFERRAL_IP",
        SelfReferralEmail = "SELF_REFERRAL_EMAIL",
        DisposableEmail = "DISPOSABLE_EMAIL",
        ClickSpam = "CLICK_SPAM",
        PaidAdClick = "PAID_AD_CLICK",
        SharedPayoutAccount = "SHARED_PAYOUT_ACCOUNT",
        HighRefundRate = "HIGH_REFUND_RATE",
    }
);

stored!(
    /// What a tenant does about a signal.
    FraudAction {
        /// Nothing: the signal is not evaluated.
        Off = "OFF",
        /// A flag for review; the money moves as it would.
        Flag = "FLAG",
        /// A flag, and what it covers is not approved until it is resolved.
        Hold = "HOLD",
    }
);

stored!(
    /// Where a fraud flag is.
    FraudFlagStatus { Open = "OPEN", Dismissed = "DISMISSED", Confirmed = "CONFIRMED" }
);

stored!(
    /// What a held flag covers beyond the commissions it names.
    FraudScope {
        /// Every commission of the partner not approved yet.
        Partner = "PARTNER",
        /// Every commission of the partner's customer not approved yet.
        Customer = "CUSTOMER",
        /// A click: nothing beyond what it names.
        Click = "CLICK",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    #[test]
    fn as_str_is_the_stored_value() {
        for status in CommissionStatus::iter() {
            assert_eq!(status.to_value(), status.as_str());
        }
        assert_eq!(Visibility::InviteOnly.to_value(), "INVITE_ONLY");
        assert_eq!(
            TermsSource::try_from_value(&"GROUP".to_owned()).unwrap(),
            TermsSource::Group
        );
        assert!(CommissionKind::try_from_value(&"Commission".to_owned()).is_err());
    }
}

stored!(
    /// How a customer came to be tied to its partner (SPEC §15).
    AttributionSource {
        /// A referral link's click.
        Click = "CLICK",
        /// A referral code.
        Code = "CODE",
        /// A referral code's coupon, used at checkout.
        Coupon = "COUPON",
        /// Named by the tenant (or moved by `reassignCustomer`).
        Manual = "MANUAL",
        /// A billing connector's checkout or customer, by its metadata.
        Connector = "CONNECTOR",
        /// Brought over from another platform by an import (SPEC §25).
        Import = "IMPORT",
    }
);

stored!(
    /// Where a sale or lead came from.
    EventSource { Api = "API", Stripe = "STRIPE", Paddle = "PADDLE" }
);

stored!(
    /// A billing system revshare takes webhooks from.
    BillingProvider { Stripe = "STRIPE", Paddle = "PADDLE" }
);

stored!(
    /// What became of a provider's delivery.
    ConnectorEventStatus {
        /// Its effect committed.
        Done = "DONE",
        /// A type not taken, or nothing to do (its reason says which).
        Ignored = "IGNORED",
        /// A refund or dispute of a charge not linked to a sale yet: kept,
        /// and applied once when the link arrives.
        Waiting = "WAITING",
        /// A sale the ledger refused (its reason says why): kept with its
        /// event, recorded again by `retryConnectorEvent`.
        Refused = "REFUSED",
    }
);

stored!(
    /// What a connector's sale amount is.
    CommissionBase {
        /// What the customer paid, tax included.
        AmountPaid = "AMOUNT_PAID",
        /// What the customer paid, less tax.
        AmountExcludingTax = "AMOUNT_EXCLUDING_TAX",
    }
);

stored!(
    /// Where a payout is (SPEC §16).
    PayoutStatus {
        /// Made by a run; its commissions are held for it until it is paid or fails.
        Pending = "PENDING",
        /// Sent: its commissions are `PAID`.
        Paid = "PAID",
        /// Not sent: its commissions were released for the next run.
        Failed = "FAILED",
    }
);

stored!(
    /// How a partner is paid.
    PayoutMethodType {
        /// To a PayPal account, by its e-mail address.
        Paypal = "PAYPAL",
        /// To a bank account, by IBAN (and BIC).
        BankTransfer = "BANK_TRANSFER",
        /// To the partner's Stripe Express account, by transfer (SPEC §26).
        StripeConnect = "STRIPE_CONNECT",
        /// To a US bank account by ACH: routing and account number.
        Ach = "ACH",
        /// To a bank account in its own currency, through Wise (SPEC §36).
        Wise = "WISE",
    }
);

stored!(
    /// The kind of a US bank account an ACH credit is sent to.
    UsAccountType {
        Checking = "CHECKING",
        Savings = "SAVINGS",
    }
);

stored!(
    /// A provider revshare sends payouts through (SPEC §26).
    PayoutRail {
        /// PayPal Payouts (REST v1): one batch per run and currency.
        PaypalPayouts = "PAYPAL_PAYOUTS",
        /// Stripe Connect: a transfer to each partner's Express account.
        StripeConnect = "STRIPE_CONNECT",
        /// Wise: a transfer to each partner's bank account, in its
        /// currency, in one batch group per run and currency (SPEC §36).
        Wise = "WISE",
    }
);

stored!(
    /// Whether a rail moves real money.
    PayoutRailMode {
        Live = "LIVE",
        Sandbox = "SANDBOX",
    }
);

stored!(
    /// Where a payout stands on its rail.
    RailStatus {
        /// Handed to the rail in the run's transaction; not yet answered.
        Queued = "QUEUED",
        /// The provider took it; its end is not known yet.
        Sent = "SENT",
        /// Paid: the payout is `PAID`.
        Succeeded = "SUCCEEDED",
        /// Refused or failed at the provider: the payout is `FAILED`.
        Failed = "FAILED",
        /// PayPal holds it for a receiver without an account, until claimed
        /// or returned.
        Unclaimed = "UNCLAIMED",
        /// Returned unclaimed (or reversed): the payout is `FAILED`.
        Returned = "RETURNED",
    }
);

stored!(
    /// Why a run carried a partner's balance over.
    SkipReason {
        /// Its net balance is under the minimum in force for it.
        BelowMinimum = "BELOW_MINIMUM",
        /// It owes more than it is owed: clawbacks not yet earned back.
        NegativeBalance = "NEGATIVE_BALANCE",
        /// Its commissions and clawbacks net to exactly nothing.
        NothingOwed = "NOTHING_OWED",
        /// It has no payout method.
        NoPayoutMethod = "NO_PAYOUT_METHOD",
        /// The tenant requires an approved tax profile and it has none.
        TaxProfileNotApproved = "TAX_PROFILE_NOT_APPROVED",
        /// It is suspended: what it is owed waits until it is active again.
        PartnerSuspended = "PARTNER_SUSPENDED",
    }
);

stored!(
    /// The tax form a partner filed.
    TaxForm { W9 = "W9", W8ben = "W8BEN", W8bene = "W8BENE", Other = "OTHER" }
);

stored!(
    /// Where a tax profile is.
    TaxProfileStatus {
        /// Waiting for the tenant's decision.
        Submitted = "SUBMITTED",
        Approved = "APPROVED",
        Rejected = "REJECTED",
    }
);

stored!(
    /// Why an event waits before it is accrued.
    HeldReason {
        /// It named only a customer nobody has attributed yet.
        Unattributed = "UNATTRIBUTED",
        /// It is in another currency than its campaign's, and no rate was
        /// published within 7 days before it yet.
        NoExchangeRate = "NO_EXCHANGE_RATE",
    }
);

stored!(
    /// Where a backtest stands.
    BacktestStatus {
        /// Replaying in the background.
        Running = "RUNNING",
        /// Replayed: its figures are final.
        Done = "DONE",
        /// The replay stopped on an error.
        Failed = "FAILED",
        /// Cancelled before it finished.
        Cancelled = "CANCELLED",
    }
);

stored!(
    /// Where an import stands.
    ImportStatus {
        /// Reading the source and writing page by page.
        Running = "RUNNING",
        /// Every page read and written (or, a dry run, counted).
        Done = "DONE",
        /// Stopped on an error: what was written stays, consistent.
        Failed = "FAILED",
        /// Cancelled: the pages written before stay.
        Cancelled = "CANCELLED",
    }
);

stored!(
    /// Which US taxpayer identification number a W-9 gives.
    TinType {
        /// A Social Security number.
        Ssn = "SSN",
        /// An employer identification number.
        Ein = "EIN",
        /// An individual taxpayer identification number.
        Itin = "ITIN",
    }
);

stored!(
    /// The platform a program is imported from.
    ImportSource {
        Rewardful = "REWARDFUL",
        Firstpromoter = "FIRSTPROMOTER",
        Partnerstack = "PARTNERSTACK",
        Tolt = "TOLT",
        Tapfiliate = "TAPFILIATE",
        /// A CSV file for each entity, in revshare's documented layout.
        Csv = "CSV",
    }
);

stored!(
    /// The entities an import reads, in order.
    ImportPhase {
        /// The source's campaigns or groups.
        Groups = "GROUPS",
        /// Affiliates, promoters, partnerships, with their links and coupons.
        Partners = "PARTNERS",
        /// Referrals and customers.
        Customers = "CUSTOMERS",
        /// Commissions and rewards.
        Commissions = "COMMISSIONS",
    }
);

stored!(
    /// A W-9's federal tax classification (its line 3a).
    TaxClassification {
        Individual = "INDIVIDUAL",
        CCorporation = "C_CORPORATION",
        SCorporation = "S_CORPORATION",
        Partnership = "PARTNERSHIP",
        TrustEstate = "TRUST_ESTATE",
        /// A limited liability company taxed as a C corporation.
        LlcC = "LLC_C",
        /// A limited liability company taxed as an S corporation.
        LlcS = "LLC_S",
        /// A limited liability company taxed as a partnership.
        LlcP = "LLC_P",
        Other = "OTHER",
    }
);

stored!(
    /// Where a payment a 1099 counts came from.
    TaxPaymentSource {
        /// A payout paid: by hand, by file or by a rail.
        Payout = "PAYOUT",
        /// Money a rail's transfer took back after it was paid (negative).
        Reversal = "REVERSAL",
        /// A commission imported as paid at its source, on its paid day.
        Import = "IMPORT",
        /// Paid outside revshare, entered by hand (`addTaxPayment`).
        Manual = "MANUAL",
    }
);

stored!(
    /// Whether a tenant has proved it owns a link domain (SPEC §30).
    LinkDomainStatus {
        /// Named, not proved: the host answers nothing for the tenant.
        Pending = "PENDING",
        /// Its DNS TXT record holds the tenant's token: its links answer.
        Verified = "VERIFIED",
    }
);

stored!(
    /// Who wrote an activity entry (SPEC §34).
    ActorKind {
        /// A console session or an admin's token.
        Staff = "STAFF",
        /// A service token (an API key).
        ApiKey = "API_KEY",
        /// A partner's own token.
        Partner = "PARTNER",
        /// One of revshare's own jobs.
        System = "SYSTEM",
        /// A workflow (SPEC §35), acting on a partner it was set off on.
        Workflow = "WORKFLOW",
    }
);

stored!(
    /// Who wrote a message (SPEC §35).
    MessageSender { Staff = "STAFF", Partner = "PARTNER" }
);

stored!(
    /// Where a broadcast is: scheduled, sending, sent, canceled or failed.
    BroadcastStatus {
        Scheduled = "SCHEDULED",
        Sending = "SENDING",
        Sent = "SENT",
        Canceled = "CANCELED",
        /// Its stored audience could not be read: sent to no one.
        Failed = "FAILED",
    }
);

stored!(
    /// What starts a workflow.
    WorkflowTriggerKind { Approved = "APPROVED", Metric = "METRIC" }
);
