//! Who finds each kind of object — by id, in a list, in an export, in a
//! lookup of the federation — the second table of [`super::access`]
//! beside its columns ([`super::access::rules`]): per kind, the staff
//! scopes that find every row, those that find a deal's rows alone, and
//! which rows a partner token finds. Every query asks it for its kind
//! ([`super::access::Policy::finds`]) and names no scope of its own.

use super::Scope;
use super::table::{
    BOUNTIES, CUSTOMER_LOOKUP, Kind, LEDGER, Reach, StaffScopes, TAX_READERS, rules,
};
use Scope as S;

/// How a caller finds a kind's objects — by id, in a list, in an export,
/// in a lookup of the federation — as against what it reads of one a
/// call answered with (the kind's columns above).
#[derive(Debug, Clone, Copy)]
pub struct Finding {
    /// The staff who find every row.
    pub staff: StaffScopes,
    /// The staff who, without `staff`, find a deal's rows alone (by id,
    /// and through their deal).
    pub deals: &'static [Scope],
    /// Which rows a partner token finds.
    pub partner: Finds,
}

/// Which rows of a kind a partner token finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finds {
    /// Its own, or those open to it (another partner's: nothing).
    Own,
    /// None: it asks as staff, by scopes it holds none of.
    Scoped,
    /// None: refused with this, which says where it reads its own (to
    /// staff without the finding's scopes too, for the console's kinds).
    Refused(&'static str),
}

const fn finds(staff: &'static [Scope], partner: Finds) -> Finding {
    Finding {
        staff: StaffScopes::Any(staff),
        deals: &[],
        partner,
    }
}

/// The table's finding rule for each kind: who finds its objects. A kind
/// found only through `node(id:)` and its relations is found as its first
/// column is read.
pub fn finding(kind: Kind) -> Finding {
    use Finds::{Own as Mine, Refused, Scoped};
    match kind {
        Kind::Partner => finds(&[S::PartnersRead], Mine),
        Kind::Category => finds(&[S::PartnersRead], Scoped),
        Kind::PartnerGroup => finds(&[S::PartnerGroupsRead], Scoped),
        // A partner finds the campaigns open to it and its own requests.
        Kind::Campaign | Kind::PartnershipRequest | Kind::Enrollment => {
            finds(&[S::CampaignsRead], Mine)
        }
        Kind::Customer => finds(CUSTOMER_LOOKUP, Mine),
        // A partner finds the bounties of its group and its submissions.
        Kind::Bounty | Kind::BountySubmission => finds(BOUNTIES, Mine),
        Kind::UnattributedEvent | Kind::PayoutRun | Kind::Backtest => finds(LEDGER, Scoped),
        Kind::Deal | Kind::Contact => finds(&[S::DealsRead], Mine),
        // The ledger's rows; `deals:read` finds a deal's alone. What an
        // `events:write` caller's own calls answered it reads (the
        // column), and finds nothing by id.
        Kind::Commission | Kind::Event => Finding {
            staff: StaffScopes::Any(LEDGER),
            deals: &[S::DealsRead],
            partner: Mine,
        },
        Kind::Payout => finds(LEDGER, Mine),
        // A partner finds the retainers paying it.
        Kind::Retainer => finds(LEDGER, Mine),
        // A partner finds the announcements for it.
        Kind::Announcement => finds(&[S::CampaignsRead], Mine),
        // A partner finds the resources for it.
        Kind::Resource => finds(&[S::CampaignsRead], Mine),
        Kind::CommissionPlan => finds(&[S::CommissionPlansRead], Scoped),
        Kind::TieredCommission => finds(&[S::TieredCommissionsRead], Scoped),
        Kind::FraudFlag => finds(
            LEDGER,
            Refused("fraud flags are the program's staff's to read"),
        ),
        Kind::FraudRule => finds(
            LEDGER,
            Refused("the fraud policy is the program's staff's to read"),
        ),
        Kind::Leaderboard => finds(
            LEDGER,
            Refused("a partner reads its own rank (Partner.rank), not the leaderboard"),
        ),
        Kind::ProgramTotals => finds(LEDGER, Refused("a partner reads its own balance")),
        Kind::PartnerApplication => finds(
            &[S::PartnersRead],
            Refused("applications are the program's staff's to read"),
        ),
        Kind::ExchangeRate => finds(LEDGER, Mine),
        Kind::ActivityEntry => finds(&[S::ActivityRead], Mine),
        Kind::Message => finds(&[S::PartnersRead], Mine),
        Kind::Broadcast => finds(
            &[S::PartnersRead],
            Refused("broadcasts are the program's staff's to read; a partner reads its messages"),
        ),
        Kind::Workflow => finds(
            &[S::PartnersRead],
            Refused("workflows are the program's staff's to read"),
        ),
        Kind::Import => console("only the program's staff read imports"),
        Kind::Email => console("only the tenant's staff read its e-mails"),
        Kind::PayoutRail => console("only the tenant's staff read its payout rails"),
        Kind::TaxYear | Kind::TaxPayment => Finding {
            staff: TAX_READERS,
            deals: &[],
            partner: Finds::Refused("a partner reads its own tax forms (viewer.partner.taxForms)"),
        },
        Kind::PartnerCommission
        | Kind::ReferralCode
        | Kind::PartnerLink
        | Kind::Click
        | Kind::DealStage
        | Kind::CustomField
        | Kind::CustomFieldOption
        | Kind::SkippedPartner
        | Kind::DomainEvent
        | Kind::WebhookEndpoint
        | Kind::WebhookDelivery
        | Kind::Tenant
        | Kind::PayoutMethod
        | Kind::TaxProfile
        | Kind::TaxForm => {
            let first = rules(kind)[0];
            Finding {
                staff: first.staff,
                deals: &[],
                partner: match first.partner {
                    Reach::Staff => Finds::Scoped,
                    _ => Finds::Own,
                },
            }
        }
    }
}

/// The console's staff find it; anyone else hears `refusal`.
const fn console(refusal: &'static str) -> Finding {
    Finding {
        staff: StaffScopes::Console,
        deals: &[],
        partner: Finds::Refused(refusal),
    }
}

/// Which of a kind's rows a caller finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Every row it reads (a partner: its own).
    Rows,
    /// A deal's rows alone.
    DealsOnly,
}
