//! The GraphQL enums: each mirrors a stored enum of `entity::enums`, an
//! engine enum or the principal's role with `#[graphql(remote = …)]`, so the
//! core and the storage crate stay free of GraphQL and a value converts with
//! `.into()` both ways. This is the one place enums meet GraphQL.

use async_graphql::Enum;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CommissionStatus")]
pub enum CommissionStatus {
    Accrued,
    Approved,
    Paid,
    Reversed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CommissionKind")]
pub enum CommissionKind {
    /// Earned on an event.
    Commission,
    /// A negative row taking back part of a commission after a refund.
    Clawback,
    /// A correction appended to the ledger (never an edit).
    Adjustment,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReversalReason")]
pub enum ReversalReason {
    Refund,
    Chargeback,
    Fraud,
    Other,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::PartnerType")]
pub enum PartnerType {
    #[default]
    Referral,
    Reseller,
    Distributor,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::PartnerStatus")]
pub enum PartnerStatus {
    #[default]
    Active,
    Suspended,
    Archived,
}

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

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::enums::Visibility")]
pub enum Visibility {
    /// Partners see it and may apply.
    Public,
    /// Partners join only by invitation.
    #[default]
    InviteOnly,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RequestStatus")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

/// How a snapshot row came to be.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SnapshotSource")]
pub enum SnapshotSource {
    Approval,
    Invite,
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
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::engine::RuleType")]
pub enum RuleType {
    Recurring,
    NewCustomerTimeTier,
    PartnerLtvUpgrade,
    ChargeThresholdBonus,
    QualifiedCustomersUpgrade,
    FirstPaidCustomerBonus,
    FlatFee,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::engine::EventKind")]
pub enum EventKind {
    #[default]
    Sale,
    Lead,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::auth::Role")]
pub enum Role {
    Admin,
    Service,
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
}
