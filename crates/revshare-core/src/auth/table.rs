//! The table of what each kind of object shows, and to whom ([`rules`]):
//! per kind, its columns — sets of fields — and for each the scopes staff
//! read it with and which partner token reads it (the row's partner, any
//! partner, none). [`super::visible::Visible`] asks it once, when an
//! object is made; [`super::access::Policy`] answers from it.

use super::Scope;

/// The kinds of object the API exposes, each a row of the table
/// ([`rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Partner,
    Category,
    PartnerGroup,
    Campaign,
    PartnershipRequest,
    Enrollment,
    PartnerCommission,
    ReferralCode,
    PartnerLink,
    Bounty,
    BountySubmission,
    Click,
    Customer,
    UnattributedEvent,
    DealStage,
    CustomField,
    CustomFieldOption,
    Contact,
    Deal,
    Commission,
    Event,
    Payout,
    PayoutRun,
    SkippedPartner,
    CommissionPlan,
    TieredCommission,
    DomainEvent,
    FraudFlag,
    PartnerApplication,
    WebhookEndpoint,
    WebhookDelivery,
    Tenant,
    Backtest,
    Import,
    Email,
    PayoutRail,
    FraudRule,
    ExchangeRate,
    Leaderboard,
    ProgramTotals,
    PayoutMethod,
    TaxProfile,
    TaxYear,
    TaxForm,
    TaxPayment,
    /// An entry of the activity log (SPEC §34).
    ActivityEntry,
    /// A message of a partner's thread (SPEC §35).
    Message,
    /// A message to an audience of partners.
    Broadcast,
    /// What happens to a partner approved or reaching a metric.
    Workflow,
    /// A fixed amount on a cadence to a partner or a group (SPEC §37).
    Retainer,
    /// A banner in the partner portal until dismissed (SPEC §37).
    Announcement,
    /// A brand asset or a text to copy in the partner portal (SPEC §37).
    Resource,
}

impl Kind {
    /// Every kind, each a row of the table.
    pub const ALL: [Kind; 52] = [
        Kind::Partner,
        Kind::Category,
        Kind::PartnerGroup,
        Kind::Campaign,
        Kind::PartnershipRequest,
        Kind::Enrollment,
        Kind::PartnerCommission,
        Kind::ReferralCode,
        Kind::PartnerLink,
        Kind::Bounty,
        Kind::BountySubmission,
        Kind::Click,
        Kind::Customer,
        Kind::UnattributedEvent,
        Kind::DealStage,
        Kind::CustomField,
        Kind::CustomFieldOption,
        Kind::Contact,
        Kind::Deal,
        Kind::Commission,
        Kind::Event,
        Kind::Payout,
        Kind::PayoutRun,
        Kind::SkippedPartner,
        Kind::CommissionPlan,
        Kind::TieredCommission,
        Kind::DomainEvent,
        Kind::FraudFlag,
        Kind::PartnerApplication,
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
        Kind::Tenant,
        Kind::Backtest,
        Kind::Import,
        Kind::Email,
        Kind::PayoutRail,
        Kind::FraudRule,
        Kind::ExchangeRate,
        Kind::Leaderboard,
        Kind::ProgramTotals,
        Kind::PayoutMethod,
        Kind::TaxProfile,
        Kind::TaxYear,
        Kind::TaxForm,
        Kind::TaxPayment,
        Kind::ActivityEntry,
        Kind::Message,
        Kind::Broadcast,
        Kind::Workflow,
        Kind::Retainer,
        Kind::Announcement,
        Kind::Resource,
    ];
}

/// A set of an object's fields read under one rule. The first column of a
/// kind is the object itself: a partner token that may not read it does
/// not get the object at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The object's own fields.
    Row,
    /// Its name, a label shown wherever data naming it is.
    Label,
    /// The rest of its record.
    Details,
    /// A partner's referral codes.
    Codes,
    /// A partner's enrollments, snapshots and terms.
    Enrollments,
    /// Money: balances, commissions, payouts, rank.
    Money,
    /// A partner's progress toward its tiers.
    Tiers,
    /// A partner's bank details, unmasked.
    BankWhole,
    /// A commission's fraud holds; whether a partner's flags hold (it is
    /// trusted, SPEC §37).
    Holds,
    /// History of changes.
    History,
    /// A customer's e-mail address.
    Email,
    /// A customer's e-mail address, unmasked.
    EmailWhole,
    /// A group's partners.
    Members,
    /// A plan's or tier's terms.
    Terms,
    /// Who a plan or tier applies to, and how it is set up.
    Setup,
    /// The run a payout was made in.
    Run,
    /// The account the tenant pays from.
    Account,
    /// What was recorded (a click, a held sale): read too by the caller
    /// recording it, which does not look it up.
    Recorded,
    /// What carries whole TINs (a year's files) and the acts that make it
    /// (issuing, payments entered by hand).
    TinWhole,
    /// Where an act came from: the request's IP (staff alone).
    Origin,
    /// Who of the program's side acted or wrote — a staff member's
    /// address, a token's subject — as written (staff alone; a partner
    /// reads `staff`, or the program's name).
    Staffer,
}

/// Which partner token reads a column, besides the staff holding its scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The row's partner.
    Owner,
    /// The row's partner, or any partner when the row is no partner's (a
    /// contact every partner may name).
    OwnerOrShared,
    /// Any partner that reached the object (a campaign open to it, its own
    /// group).
    Partners,
    /// None: the tenant's staff alone.
    Staff,
}

/// Which staff read a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffScopes {
    /// Holders of one of these.
    Any(&'static [Scope]),
    /// Holders of the scope the row names ([`super::visible::Exposed::scope`]).
    OfRow,
    /// Every token of the tenant.
    Every,
    /// The console's staff: admins, and viewers, who read what admins do.
    Console,
    /// The console's staff, and holders of one of these (who go by scope).
    ConsoleOr(&'static [Scope]),
    /// Holders of one of these, of a row its partner submitted: a draft
    /// ([`super::visible::Exposed::draft`]) is its partner's alone, to
    /// staff an id naming nothing.
    Submitted(&'static [Scope]),
}

impl StaffScopes {
    /// Whether a holder of the scopes `has` admits is one of these, for a
    /// row naming `row_scope` (never for the console's staff, who go by
    /// role: [`super::access::Policy::reads_row`] admits them): [`StaffScopes::staff_scopes`] without collecting them, as
    /// every row of a list asks.
    pub fn admit(&self, row_scope: Option<Scope>, has: impl Fn(Scope) -> bool) -> bool {
        match self {
            StaffScopes::Any(scopes)
            | StaffScopes::Submitted(scopes)
            | StaffScopes::ConsoleOr(scopes) => scopes.iter().any(|scope| has(*scope)),
            StaffScopes::OfRow => row_scope.is_some_and(has),
            StaffScopes::Every => Scope::ALL.iter().any(|scope| has(*scope)),
            StaffScopes::Console => false,
        }
    }

    /// The scopes these are, for a row naming `row_scope` (none for the
    /// console's staff, who go by role).
    pub fn staff_scopes(&self, row_scope: Option<Scope>) -> Vec<Scope> {
        match self {
            StaffScopes::Any(scopes)
            | StaffScopes::Submitted(scopes)
            | StaffScopes::ConsoleOr(scopes) => scopes.to_vec(),
            StaffScopes::OfRow => row_scope.into_iter().collect(),
            StaffScopes::Every => Scope::ALL.to_vec(),
            StaffScopes::Console => Vec::new(),
        }
    }
}

/// One column of a kind: who reads it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub column: Column,
    pub staff: StaffScopes,
    pub partner: Reach,
}

impl Rule {
    /// The scopes that read the column, for a row naming `row_scope`.
    pub fn staff_scopes(&self, row_scope: Option<Scope>) -> Vec<Scope> {
        self.staff.staff_scopes(row_scope)
    }
}

const fn rule(column: Column, staff: &'static [Scope], partner: Reach) -> Rule {
    Rule {
        column,
        staff: StaffScopes::Any(staff),
        partner,
    }
}

use Column as C;
use Reach::{Owner as Own, OwnerOrShared, Partners, Staff};
use Scope as S;

/// A partner's name is a label, shown wherever data that refers to the
/// partner is (its commissions, its campaigns, its deals, the plans and
/// tiers naming it); the rest of its record needs `partners:read`.
const PARTNER_LABEL: &[Scope] = &[
    S::PartnersRead,
    S::CommissionsRead,
    S::CampaignsRead,
    S::DealsRead,
    S::CommissionPlansRead,
    S::TieredCommissionsRead,
];
/// Referral codes and their clicks: the partner's record, its campaigns'
/// and its money's.
const CODES: &[Scope] = &[S::PartnersRead, S::CampaignsRead, S::CommissionsRead];
/// Ledger rows are read with `commissions:read`, by the `events:write`
/// caller whose events (and refunds) produced them — a recorded event
/// answers with what it earned — and with `deals:read`, which reaches only
/// the rows of deals (a deal shows what it earned).
const LEDGER_ROW: &[Scope] = &[S::CommissionsRead, S::EventsWrite, S::DealsRead];
/// The deal pipeline (stages, custom fields) is shown to deal readers and
/// plan readers, and to every partner, who registers deals in it.
const PIPELINE: &[Scope] = &[S::DealsRead, S::CommissionPlansRead];
/// A customer is read with the ledger, the partners, and by the caller
/// recording its events.
const CUSTOMER: &[Scope] = &[S::CommissionsRead, S::PartnersRead, S::EventsWrite];
/// A customer's address and history: the ledger's and the partners'.
const CUSTOMER_EMAIL: &[Scope] = &[S::CommissionsRead, S::PartnersRead];
pub(super) const LEDGER: &[Scope] = &[S::CommissionsRead];
/// Bounties and their submissions: the campaigns' readers and the
/// ledger's, who decide submissions.
pub(super) const BOUNTIES: &[Scope] = &[S::CampaignsRead, S::CommissionsRead];
/// Who looks customers up by their external id, and lists them: the
/// ledger's and the partners' readers (a customer's row reads with
/// `events:write` too, once the caller's events reach it).
pub(super) const CUSTOMER_LOOKUP: &[Scope] = &[S::PartnersRead, S::CommissionsRead];
/// Year-end tax (SPEC §29): its acts and the files with whole TINs are
/// admins' and finance's (`commissions:write`); viewers read the rest.
pub(super) const TAX: &[Scope] = &[S::CommissionsWrite];
/// Who reads a year, its payees, the payer and the forms (TINs masked).
pub(super) const TAX_READERS: StaffScopes = StaffScopes::ConsoleOr(TAX);

/// A kind's columns, as a constant (what `rules` answers lives for the
/// program).
macro_rules! columns {
    ($($rule:expr),* $(,)?) => {{
        const COLUMNS: &[Rule] = &[$($rule),*];
        COLUMNS
    }};
}

/// The table: per kind, its columns and who reads each. What a partner sees
/// of staff (actors shown as `staff`) is [`Policy::actor_shown`].
pub fn rules(kind: Kind) -> &'static [Rule] {
    match kind {
        Kind::Partner => columns![
            rule(C::Label, PARTNER_LABEL, Own),
            rule(C::Details, &[S::PartnersRead], Own),
            rule(C::Codes, CODES, Own),
            rule(C::Enrollments, &[S::CampaignsRead], Own),
            rule(C::Money, LEDGER, Own),
            rule(C::Tiers, &[S::TieredCommissionsRead], Own),
            rule(C::BankWhole, &[], Own),
            // Whether its flags hold: the program's staff's alone.
            rule(C::Holds, &[S::PartnersRead, S::CommissionsRead], Staff),
        ],
        // Group and category names are labels too, shown on the plans
        // restricted to them.
        Kind::Category => columns![
            rule(
                C::Label,
                &[S::PartnersRead, S::CommissionPlansRead],
                Partners
            ),
            rule(C::Details, &[S::PartnersRead], Partners),
        ],
        Kind::PartnerGroup => columns![
            rule(
                C::Label,
                &[
                    S::PartnerGroupsRead,
                    S::PartnersRead,
                    S::CommissionPlansRead
                ],
                Partners,
            ),
            rule(C::Details, &[S::PartnerGroupsRead], Staff),
            rule(C::Members, &[S::PartnersRead], Staff),
        ],
        // A campaign's name is a label, shown beside the commissions it
        // earned; the rest needs `campaigns:read`. Partner tokens reach only
        // campaigns open to them (public, the default, their own).
        Kind::Campaign => columns![
            rule(
                C::Label,
                &[
                    S::CampaignsRead,
                    S::CommissionsRead,
                    S::DealsRead,
                    S::TieredCommissionsRead,
                ],
                Partners,
            ),
            rule(C::Details, &[S::CampaignsRead], Partners),
        ],
        // Enrollment data is the campaign manager's and the partner's own.
        Kind::PartnershipRequest | Kind::Enrollment => {
            columns![rule(C::Row, &[S::CampaignsRead], Own)]
        }
        Kind::PartnerCommission => {
            columns![rule(C::Row, &[S::CampaignsRead, S::CommissionsRead], Own,)]
        }
        Kind::ReferralCode | Kind::PartnerLink => columns![rule(C::Row, CODES, Own)],
        // A bounty is the program's offer to the partners of its groups
        // and tags (a partner finds those for it); whom it is aimed at is
        // staff's (SPEC §37). A submission is its partner's and the
        // program's who read bounties or the ledger.
        Kind::Bounty => columns![
            rule(C::Row, BOUNTIES, Partners),
            rule(C::Details, BOUNTIES, Staff),
        ],
        // A retainer is the ledger's; a partner reads its own, and its
        // group's (a group's is no partner's: the queries keep those of
        // another group from it).
        Kind::Retainer => columns![rule(C::Row, LEDGER, OwnerOrShared)],
        // An announcement is the program's to the partners of its groups
        // (a partner finds those for it); whom it is for and how many
        // dismissed it are staff's.
        Kind::Announcement => columns![
            rule(C::Row, &[S::CampaignsRead], Partners),
            rule(C::Details, &[S::CampaignsRead], Staff),
        ],
        // A resource is the program's to the partners of its groups, as
        // an announcement is.
        Kind::Resource => columns![
            rule(C::Row, &[S::CampaignsRead], Partners),
            rule(C::Details, &[S::CampaignsRead], Staff),
        ],
        // A draft is its partner's alone.
        Kind::BountySubmission => columns![Rule {
            column: C::Row,
            staff: StaffScopes::Submitted(BOUNTIES),
            partner: Own,
        }],
        // A click is found by id by the readers of codes, and read by the
        // caller that recorded it too.
        Kind::Click => columns![
            rule(C::Row, CODES, Own),
            rule(
                C::Recorded,
                &[
                    S::PartnersRead,
                    S::CampaignsRead,
                    S::CommissionsRead,
                    S::EventsWrite
                ],
                Own
            ),
        ],
        // A sale held for its customer or its rate: the ledger's to find,
        // and what the caller sending it (or its refund) hears.
        Kind::UnattributedEvent => columns![
            rule(C::Row, LEDGER, Staff),
            rule(C::Recorded, &[S::CommissionsRead, S::EventsWrite], Staff),
        ],
        Kind::Customer => columns![
            rule(C::Row, CUSTOMER, Own),
            rule(C::Money, LEDGER, Own),
            rule(C::History, CUSTOMER_EMAIL, Staff),
            rule(C::Email, CUSTOMER_EMAIL, Own),
            // A partner knows its customers by the address it referred,
            // not the address the brand holds: masked (`j***@example.com`).
            rule(C::EmailWhole, CUSTOMER_EMAIL, Staff),
        ],
        Kind::FraudFlag | Kind::PayoutRun | Kind::SkippedPartner => {
            columns![rule(C::Row, LEDGER, Staff)]
        }
        Kind::DealStage | Kind::CustomField | Kind::CustomFieldOption => {
            columns![rule(C::Row, PIPELINE, Partners)]
        }
        Kind::Contact => columns![
            rule(
                C::Row,
                &[S::DealsRead, S::PartnersRead, S::CommissionsRead],
                OwnerOrShared,
            ),
            rule(C::Money, LEDGER, Own),
        ],
        Kind::Deal => columns![rule(C::Row, &[S::DealsRead], Own)],
        // A commission or payout that pays one of the tenant's staff is
        // the tenant's expense, not a partner's money: its row names no
        // partner, and no partner reads it.
        Kind::Commission => columns![
            rule(C::Row, LEDGER_ROW, Own),
            rule(C::Holds, LEDGER, Staff),
            rule(C::History, LEDGER, Own),
        ],
        Kind::Event => columns![rule(C::Row, LEDGER_ROW, Own)],
        Kind::Payout => columns![
            rule(C::Row, LEDGER, Own),
            rule(C::Run, LEDGER, Staff),
            rule(C::BankWhole, &[], Own),
        ],
        Kind::CommissionPlan => columns![
            rule(
                C::Terms,
                &[S::CommissionPlansRead, S::DealsRead, S::CommissionsRead],
                Partners,
            ),
            rule(C::Setup, &[S::CommissionPlansRead], Staff),
        ],
        Kind::TieredCommission => columns![
            rule(
                C::Terms,
                &[S::TieredCommissionsRead, S::CommissionsRead],
                Partners,
            ),
            rule(C::Setup, &[S::TieredCommissionsRead], Staff),
        ],
        // Read by the holders of the scope reading its subject, and by the
        // partner it concerns.
        Kind::DomainEvent => columns![Rule {
            column: C::Row,
            staff: StaffScopes::OfRow,
            partner: Own,
        }],
        Kind::PartnerApplication => columns![rule(C::Row, &[S::PartnersRead], Staff)],
        // The caller's tenant: its name and settings to every token; the
        // account SEPA files pay from to the ledger's staff.
        Kind::Tenant => columns![
            Rule {
                column: C::Row,
                staff: StaffScopes::Every,
                partner: Partners,
            },
            rule(C::Account, LEDGER, Staff),
            // The DNS records that prove its link domains: the console's.
            Rule {
                column: C::Setup,
                staff: StaffScopes::Console,
                partner: Staff,
            },
        ],
        Kind::WebhookEndpoint | Kind::WebhookDelivery => {
            columns![rule(C::Row, &[S::WebhooksRead], Own)]
        }
        // A backtest reads too with the scope of what it changed (its
        // row's scope), checked where it is found.
        Kind::Backtest | Kind::FraudRule | Kind::Leaderboard | Kind::ProgramTotals => {
            columns![rule(C::Row, LEDGER, Staff)]
        }
        // The rates a partner's commissions were converted at.
        Kind::ExchangeRate => columns![rule(C::Row, LEDGER, Partners)],
        // Where a partner is paid: with its record, or with a payout that
        // recorded it; the IBAN whole to the partner alone.
        Kind::PayoutMethod => columns![
            rule(C::Row, &[S::PartnersRead, S::CommissionsRead], Own),
            rule(C::BankWhole, &[], Own),
        ],
        // Never the tax id: its last 4.
        Kind::TaxProfile => columns![rule(C::Row, &[S::PartnersRead], Own)],
        // A year and its payees: the tenant's, never a partner's; its
        // files (whole TINs), issuing and payments entered by hand are
        // admins' and finance's alone.
        Kind::TaxYear => columns![
            Rule {
                column: C::Row,
                staff: TAX_READERS,
                partner: Staff,
            },
            rule(C::TinWhole, TAX, Staff),
        ],
        // A form is read by its payee's partner whose name it bears
        // ([`crate::tax::PayeeForm`]), and by the year's readers.
        Kind::TaxForm => columns![Rule {
            column: C::Row,
            staff: TAX_READERS,
            partner: Own,
        }],
        Kind::TaxPayment => columns![Rule {
            column: C::Row,
            staff: TAX_READERS,
            partner: Staff,
        }],
        // The activity log (SPEC §34): its readers read it all; a partner
        // the entries about itself, without where they came from or which
        // of the staff acted (`audit::changes_shown`).
        Kind::ActivityEntry => columns![
            rule(C::Row, &[S::ActivityRead], Own),
            rule(C::Origin, &[S::ActivityRead], Staff),
            rule(C::Staffer, &[S::ActivityRead], Staff),
        ],
        // A partner's thread is the partner's and the program's who read
        // partners (SPEC §35), the partner reading the program's side by
        // the program's name; a broadcast's audience and a workflow are
        // the program's staff's alone.
        Kind::Message => columns![
            rule(C::Row, &[S::PartnersRead], Own),
            rule(C::Staffer, &[S::PartnersRead], Staff),
        ],
        Kind::Broadcast | Kind::Workflow => columns![rule(C::Row, &[S::PartnersRead], Staff)],
        // The console's: what the program imports, sends and pays with.
        Kind::Import | Kind::Email | Kind::PayoutRail => columns![Rule {
            column: C::Row,
            staff: StaffScopes::Console,
            partner: Staff,
        }],
    }
}

/// The table's row for each type of domain event: the scope that reads
/// it — its subject's, one per type and named here rather than derived
/// (a rail's change reads with the ledger, not the console; an
/// attribution with the ledger alone). A partner reads its own events of
/// every type.
pub fn event_scope(kind: entity::enums::DomainEventType) -> Scope {
    use DomainEventType as T;
    use entity::enums::DomainEventType;
    match kind {
        T::CommissionCreated
        | T::CommissionStatusChanged
        | T::PayoutCreated
        | T::PayoutPaid
        | T::PayoutFailed
        | T::PayoutRailChanged => Scope::CommissionsRead,
        T::PartnerEnrolled | T::PartnershipRequestCreated | T::PartnershipRequestDecided => {
            Scope::CampaignsRead
        }
        T::DealStageChanged
        | T::DealPaymentRecorded
        | T::DealRegistered
        | T::DealRegistrationDecided
        | T::DealUpdated => Scope::DealsRead,
        T::TierReached => Scope::TieredCommissionsRead,
        T::CustomerAttributed => Scope::CommissionsRead,
        T::PartnerApplied | T::PartnerApplicationDecided => Scope::PartnersRead,
        // Staff who read the ledger; never a partner (no partner is named
        // as the event's reader).
        T::FraudFlagged | T::FraudFlagResolved | T::BacktestFinished => Scope::CommissionsRead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::DomainEventType;

    #[test]
    fn every_type_of_event_reads_with_a_read_scope_of_the_table() {
        for kind in crate::events::ALL_TYPES {
            let scope = event_scope(kind);
            assert!(scope.as_str().ends_with(":read"), "{kind:?}: {scope:?}");
        }
        assert_eq!(event_scope(DomainEventType::DealUpdated), Scope::DealsRead);
        assert_eq!(
            event_scope(DomainEventType::PayoutRailChanged),
            Scope::CommissionsRead
        );
    }
}
