//! The GraphQL enums: each mirrors a stored enum of `entity::enums`, an
//! engine enum or the principal's role with `#[graphql(remote = …)]`, so the
//! core and the storage crate stay free of GraphQL and a value converts with
//! `.into()` both ways. This is the one place enums meet GraphQL; those
//! of payouts are in [`payouts`].

use async_graphql::Enum;

mod payouts;
pub use payouts::*;

/// Where a commission is: `ACCRUED → APPROVED → PAID`, or `ACCRUED → REVERSED`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CommissionStatus")]
pub enum CommissionStatus {
    /// Earned, not approved yet (pending).
    Accrued,
    /// Approved: to be paid.
    Approved,
    /// Paid by a payout.
    Paid,
    /// Taken back before it was approved; it pays nothing.
    Reversed,
}

/// What a ledger row is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CommissionKind")]
pub enum CommissionKind {
    /// Earned on an event.
    Commission,
    /// A negative row taking back part of a commission after a refund.
    Clawback,
    /// A correction appended to the ledger (never an edit).
    Adjustment,
    /// A tier's one-time bonus, the first time it is reached in a period.
    Bonus,
    /// Earned on a commission of a partner this partner recruited (SPEC
    /// §31); approved, paid and reversed with that commission.
    Referral,
    /// A bounty's reward (SPEC §31): its goal reached, or a submission
    /// approved.
    Bounty,
    /// A retainer's period (SPEC §37): a fixed amount on a cadence,
    /// whatever was sold (`retainerPeriod` says which).
    Retainer,
}

/// Why a commission was reversed or an event refunded.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReversalReason")]
pub enum ReversalReason {
    /// The customer was refunded.
    Refund,
    /// The customer's bank took the payment back.
    Chargeback,
    /// The sale or the referral was fraudulent.
    Fraud,
    /// Another reason, said in the note.
    Other,
    /// Voided on the platform the commission was imported from (set by
    /// imports, SPEC §25).
    ImportedVoid,
}

/// What kind of partner it is: commission plans are for one type.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::PartnerType")]
pub enum PartnerType {
    /// Refers customers (affiliates, influencers).
    #[default]
    Referral,
    /// Sells the tenant's products itself.
    Reseller,
    /// Sells through resellers of its own.
    Distributor,
}

/// Whether a partner takes part in the program.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::PartnerStatus")]
pub enum PartnerStatus {
    /// Earns commissions.
    #[default]
    Active,
    /// Earns nothing new for now; refused where named.
    Suspended,
    /// No longer in the program.
    Archived,
}

/// Whether a campaign takes events and partners.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::CampaignStatus")]
pub enum CampaignStatus {
    /// Events accrue commissions.
    #[default]
    Active,
    /// Events are refused; the campaign can be resumed.
    Paused,
    /// Closed for good: events and applications are refused.
    Archived,
}

/// Who may join a campaign.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::Visibility")]
pub enum Visibility {
    /// Partners see it and may apply.
    Public,
    /// Partners join only by invitation.
    #[default]
    InviteOnly,
}

/// Where a partner's application to a campaign is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RequestStatus")]
pub enum RequestStatus {
    /// Waiting for the tenant's decision.
    Pending,
    /// Approved: the partner is enrolled.
    Approved,
    /// Rejected, with a reason.
    Rejected,
}

/// Whether a deal waits on the tenant's decision.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DealRegistration")]
pub enum DealRegistration {
    /// Created by the tenant (`createDeal`): nothing to decide.
    NotRequired,
    /// Registered by its partner: earns nothing until approved.
    Pending,
    /// Approved: its terms froze then, and it moves and earns as any deal.
    Approved,
    /// Rejected, with a reason: it earns nothing.
    Rejected,
}

/// Where a deal ended up.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DealStatus")]
pub enum DealStatus {
    /// Being worked.
    Open,
    /// It has reached a stage marked `isWon` (and stays won as it moves on).
    Won,
    /// Closed as lost: it does not move, and its payments earn nothing.
    Lost,
}

/// How a snapshot row came to be.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SnapshotSource")]
pub enum SnapshotSource {
    /// Stamped when the partner's application was approved.
    Approval,
    /// Stamped when the partner was invited.
    Invite,
    /// Stamped by `amendPartnerCommission`.
    Amendment,
}

/// Where a term in force comes from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TermsSource")]
pub enum TermsSource {
    /// The partner's snapshot for the campaign.
    Snapshot,
    /// The campaign's current terms.
    Campaign,
    /// The partner group's current rules (live policy).
    Group,
    /// Nothing sets it (no holdback).
    None,
    /// A deal's frozen commission plan.
    Plan,
}

/// The rules a group (or a campaign, or a snapshot) may hold.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::RuleType")]
pub enum RuleType {
    /// A percentage of every charge.
    Recurring,
    /// A percentage of a customer's charges in its first months.
    NewCustomerTimeTier,
    /// More percentage points once the partner's customers paid a total.
    PartnerLtvUpgrade,
    /// A bonus once a customer's charges reach a total.
    ChargeThresholdBonus,
    /// More percentage points once the partner has enough paying customers.
    QualifiedCustomersUpgrade,
    /// A bonus on a customer's first paid charge.
    FirstPaidCustomerBonus,
    /// A fixed amount per event of a kind.
    FlatFee,
    /// Pays the lines its condition holds of (SPEC §32).
    Conditional,
}

/// What an event records.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::EventKind")]
pub enum EventKind {
    /// A charge.
    #[default]
    Sale,
    /// A conversion without a charge.
    Lead,
    /// A deal reached a stage (created at it, or moved).
    DealStage,
    /// A payment on a deal.
    DealPayment,
    /// What earned a partner a reward no sale of its own did: a commission
    /// of a partner it recruited (SPEC §31). No money changed hands on it.
    Reward,
}

impl EventKind {
    /// The kind as the rules engine knows it: a sale or a lead. Deal events
    /// are recorded with `moveDeal` and `recordDealPayment`, and no group
    /// rule names them.
    pub fn for_rules(
        self,
        field: &str,
    ) -> revshare_core::error::ApiResult<revshare_engine::EventKind> {
        match self {
            EventKind::Sale => Ok(revshare_engine::EventKind::Sale),
            EventKind::Lead => Ok(revshare_engine::EventKind::Lead),
            EventKind::DealStage | EventKind::DealPayment | EventKind::Reward => {
                Err(revshare_core::error::ApiError::bad_input(
                    field,
                    "must be SALE or LEAD (deal events are recorded with moveDeal and recordDealPayment)",
                ))
            }
        }
    }
}

impl From<revshare_engine::EventKind> for EventKind {
    fn from(kind: revshare_engine::EventKind) -> Self {
        match kind {
            revshare_engine::EventKind::Sale => EventKind::Sale,
            revshare_engine::EventKind::Lead => EventKind::Lead,
        }
    }
}

/// What a token acts as.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::auth::Role")]
pub enum Role {
    /// The tenant's administrator: every scope.
    Admin,
    /// One of the tenant's staff who reads everything an admin reads and
    /// writes nothing (a console session's `VIEWER` role).
    Viewer,
    /// A backend with the scopes its token lists.
    Service,
    /// A partner, reading and changing its own data only.
    Partner,
}

/// Which vocabulary a breakdown line comes from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakdownVocabulary {
    /// A partner group's (or campaign's, or snapshot's) rule.
    GroupRule,
    /// An entry of a deal-stage commission plan.
    PlanEntry,
    /// A performance tier's modifier.
    TierModifier,
    /// A correction appended for an earlier commission.
    Adjustment,
    /// A tier's one-time bonus.
    TierBonus,
    /// A fraud flag holds the commission (staff only): `description` names
    /// the signal (`held: CLICK_SPAM`); its amount is 0.
    FraudHold,
    /// Brought over from another platform by an import (SPEC §25):
    /// `description` says which (`imported from Rewardful`), `value` is the
    /// commission's id there; never evaluated by revshare's rules.
    Imported,
    /// Money a payout's provider took back after it was paid (a Stripe
    /// transfer reversed in part): owed again, paid by the next run.
    /// `description` names the payout, `value` the transfer.
    TransferReversed,
    /// A referrer's reward on a commission of a partner it recruited (SPEC
    /// §31): `commissionId` is that commission, `percentage` and `base`
    /// what it was taken of.
    Referral,
    /// A spend cap cut the commission to what was left of it (SPEC §31):
    /// `description` names the cap, `value` is what was left; `amount` is
    /// the (negative) cut.
    CapCut,
    /// A bounty's reward (SPEC §31): `description` names the bounty,
    /// `value` is the bounty's id.
    Bounty,
    /// A workflow's bonus (SPEC §35): `description` names the workflow,
    /// `value` is its id.
    Workflow,
    /// A retainer's period (SPEC §37): `description` names the retainer
    /// and the period's days, `occurrence` is the period's number, `value`
    /// the retainer's id.
    Retainer,
}

/// Who a plan's commission pays.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::PaymentTarget")]
pub enum PaymentTarget {
    /// The partner organisation.
    #[default]
    Partnership,
    /// A person: a spiff to a contact.
    Individual,
}

/// Which contact a spiff pays.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AutoAssignRecipient")]
pub enum AutoAssignRecipient {
    /// The deal's lead creator.
    LeadCreator,
    /// The deal's owner.
    DealOwner,
    /// Named later, with `assignCommissionRecipient`.
    Manual,
}

/// Why a plan applies to a deal.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::PlanMatch")]
pub enum PlanMatch {
    /// The plan names the deal's partner.
    Partner,
    /// The plan names one of the partner's categories.
    Category,
    /// The plan names the partner's group.
    Group,
    /// The plan is not restricted beyond the partner's type.
    Any,
    /// Chosen by an amendment of the deal's terms.
    Amendment,
}

/// What makes a plan entry pay.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::plans::Trigger")]
pub enum PlanTrigger {
    /// The deal first reached the entry's stage (the one-off part).
    Stage,
    /// A deal payment (an occurrence of the recurring part).
    Payment,
}

/// Where the value a plan entry used came from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::plans::ValueSource")]
pub enum ValueSource {
    /// The calculation's own value.
    Base,
    /// A period rate covering the occurrence.
    PeriodRate,
    /// A scaling tier of the option the deal holds.
    ScalingTier,
}

/// Whether a tiered commission takes effect.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TierStatus")]
pub enum TierStatus {
    /// Applies to new events.
    Active,
    /// Applies to nothing new.
    Inactive,
}

/// The period a tier's progress is counted over, from 00:00 in the
/// tenant's time zone.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TierPeriod")]
pub enum TierPeriod {
    /// Goals counted per day.
    Daily,
    /// ISO weeks, from Monday.
    Weekly,
    /// Goals counted per calendar month.
    Monthly,
    /// From January, April, July and October 1.
    Quarterly,
    /// The tier's start date to its end date.
    Global,
}

/// What a tier's modifier does.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_engine::tiers::Action")]
pub enum TierAction {
    /// By `value` percent.
    Increase,
    /// By `value` percent, never below 0.
    Decrease,
    /// By `value` in the currency.
    FlatIncrease,
    /// By `value` in the currency, never below 0.
    FlatDecrease,
    /// To exactly `value` (retroactive modifiers only).
    Exact,
}

/// What a domain event says happened (SPEC §12).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DomainEventType")]
pub enum DomainEventType {
    /// A ledger row was written: a commission, clawback or adjustment.
    CommissionCreated,
    /// A commission was approved, paid or reversed.
    CommissionStatusChanged,
    /// A payout was made: by a run (pending) or marked paid by hand.
    PayoutCreated,
    /// A pending payout was sent.
    PayoutPaid,
    /// A pending payout failed; its commissions go to the next run.
    PayoutFailed,
    /// A payout's status on its rail changed: queued, sent, unclaimed,
    /// succeeded, failed or returned (SPEC §26).
    PayoutRailChanged,
    /// A partner joined a campaign (approved request or invitation).
    PartnerEnrolled,
    /// A partner applied to a campaign.
    PartnershipRequestCreated,
    /// A partnership request was approved or rejected.
    PartnershipRequestDecided,
    /// A deal reached a stage (created at it, or moved).
    DealStageChanged,
    /// A payment was recorded on a deal.
    DealPaymentRecorded,
    /// A partner registered a deal.
    DealRegistered,
    /// A deal registration was approved or rejected.
    DealRegistrationDecided,
    /// A deal's fields or status changed (updated, lost, reopened).
    DealUpdated,
    /// A partner first reached a tier in a period.
    TierReached,
    /// A customer was tied to the partner who brought it.
    CustomerAttributed,
    /// A stranger's application was confirmed by its address (staff only).
    PartnerApplied,
    /// An application was approved (a partner made) or rejected (staff
    /// only).
    PartnerApplicationDecided,
    /// A fraud signal raised a flag (staff only).
    FraudFlagged,
    /// A fraud flag was dismissed or confirmed (staff only).
    FraudFlagResolved,
    /// A backtest run in the background finished, failed or was cancelled
    /// (staff only).
    BacktestFinished,
}

/// Where a backtest stands (SPEC §23).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BacktestStatus")]
pub enum BacktestStatus {
    /// Replaying in the background (`progress` says how far).
    Running,
    /// Replayed: its figures are final.
    Done,
    /// The replay stopped on an error.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

/// What an e-mail is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::EmailKind")]
pub enum EmailKind {
    /// To an applicant: confirm the address (or: an application is open
    /// already, or: the address is a partner's, with a sign-in link).
    ApplicationConfirm,
    /// To an applicant: approved, with a portal sign-in link.
    ApplicationApproved,
    /// To an applicant: rejected, with the reason when one was given.
    ApplicationRejected,
    /// To a partner: a one-time portal sign-in link it asked for.
    PortalSignIn,
    /// To a partner: a commission earned, or a day's digest of them.
    CommissionEarned,
    /// To a partner: a payout marked paid.
    PayoutSent,
    /// To the program's support address: an application was confirmed.
    StaffNewApplication,
    /// To the program's support address: a fraud flag was raised.
    StaffFraudFlag,
    /// To the addresses the tenant lists: the day's open fraud flags
    /// (SPEC §37), once a day, none on a day without any.
    StaffFraudDigest,
    /// To a partner who consented to electronic delivery: a year-end tax
    /// form was issued.
    TaxFormAvailable,
    /// To a partner: its W-8 expires within 30 days.
    TaxProfileExpiring,
    /// To a partner: its bounty submission was approved or rejected.
    BountyDecided,
    /// To a partner: a message from the program, or a day's digest of them.
    Message,
    /// To the program's support address: a partner's message, or a day's
    /// digest of them.
    StaffMessage,
}

/// Where an e-mail is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::EmailStatus")]
pub enum EmailStatus {
    /// Waiting to be sent (or for an SMTP server to be configured).
    Queued,
    /// The SMTP server accepted it.
    Sent,
    /// Refused for good (5xx), retried for a day, or interrupted after it
    /// was handed over (never sent twice).
    Failed,
    /// Not sent: the partner's address bounced before.
    Suppressed,
}

/// How often an e-mail of its kind is sent: each at once, in a daily
/// digest, or never. Every mail preference is one: a partner's
/// `commissionEarned` and `messages`, the tenant's `staffMessageMail`.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MailPreference")]
pub enum MailPreference {
    /// One e-mail each (each commission, each message).
    Immediate,
    /// One digest a day, in the program's time zone.
    Daily,
    /// Never.
    Off,
}

/// Where an application is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ApplicationStatus")]
pub enum ApplicationStatus {
    /// Sent; its address has not followed the confirmation link yet.
    Unconfirmed,
    /// Confirmed; waiting for the staff's decision.
    Pending,
    /// Approved: the partner was made and enrolled.
    Approved,
    /// Rejected.
    Rejected,
}

/// Whether an endpoint is sent events.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::WebhookStatus")]
pub enum WebhookStatus {
    /// Sent events.
    Enabled,
    /// Sent nothing: by an update, a 410 answer, or too many failures in a row.
    Disabled,
}

/// Where a webhook delivery is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Delivered: answered with a 2xx.
    Succeeded,
    /// Every attempt failed, or the endpoint was disabled.
    Failed,
}

/// How a customer came to be tied to its partner.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AttributionSource")]
pub enum AttributionSource {
    /// A referral link's click.
    Click,
    /// A referral code.
    Code,
    /// A referral code's coupon, used at checkout.
    Coupon,
    /// Named by the tenant.
    Manual,
    /// A billing connector's checkout or customer.
    Connector,
    /// Brought over from another platform by an import (SPEC §25).
    Import,
}

/// Where a sale or lead came from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::EventSource")]
pub enum EventSource {
    /// `recordEvent` or `recordEvents`.
    Api,
    /// The Stripe connector.
    Stripe,
    /// The Paddle Billing connector.
    Paddle,
}

/// A billing system revshare takes webhooks from.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BillingProvider")]
pub enum BillingProvider {
    /// Stripe: `POST /connectors/stripe/{tenantId}`.
    Stripe,
    /// Paddle Billing: `POST /connectors/paddle/{tenantId}`.
    Paddle,
}

/// Whether an event earned its partner anything.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// It wrote at least one commission.
    Earned,
    /// It earned nothing: `nothingReason` says why.
    Nothing,
}

/// What became of a billing provider's delivery.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ConnectorEventStatus")]
pub enum ConnectorEventStatus {
    /// Its effect committed.
    Done,
    /// A type revshare does not take, or nothing to do: its reason says
    /// which.
    Ignored,
    /// A refund or dispute of a charge not linked to a sale yet (Stripe
    /// does not order its events): kept, and applied once when the
    /// invoice's payment arrives.
    Waiting,
    /// A sale the ledger refused (a suspended partner, an amount its
    /// currency cannot hold…): its reason says why; kept with its event,
    /// and recorded again by `retryConnectorEvent` once that is mended.
    Refused,
}

/// What a connector's sale amount is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::CommissionBase")]
pub enum CommissionBase {
    /// What the customer paid, tax included.
    AmountPaid,
    /// What the customer paid, less tax.
    #[default]
    AmountExcludingTax,
}

/// Who did an act recorded in the activity log.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ActorKind")]
pub enum ActorKind {
    /// Staff: a console session or an admin's token.
    Staff,
    /// A service token.
    ApiKey,
    /// A partner's own token.
    Partner,
    /// One of revshare's own jobs.
    System,
    /// A workflow, acting on a partner it was set off on.
    Workflow,
}
