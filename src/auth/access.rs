//! Who may read what, decided here and asked everywhere. A request's
//! [`Policy`] is built once from its principal (GraphQL keeps it in the
//! request's context; the CSV exports and statement PDFs build theirs the
//! same way) and answers every "may this caller see or do this": whether
//! it finds a kind's objects by id or in a list, and which partner's rows
//! a list, series or export may hold ([`Policy::finds`], [`Policy::list`]),
//! which partner a mutation's input names ([`Policy::input_partner`]),
//! what a partner sees of staff's details, whose webhook endpoints a caller
//! manages ([`Policy::endpoints`]) and which event types it reads.
//!
//! Who finds each kind is one table ([`finding`]): the staff scopes that
//! find every row (or a deal's rows alone), and which rows a partner
//! token finds. No query names a scope of its own: it asks for its kind.
//!
//! What each kind of object shows, and to whom, is one table ([`rules`]):
//! per kind, its columns — sets of fields — and for each the scopes staff
//! read it with and which partner token reads it (the row's partner, any
//! partner, none). [`super::visible::Visible`] asks it once, when an
//! object is made; no field asks anything.
//!
//! A partner token reads its own rows; naming another partner answers as
//! if that partner had nothing (SPEC §3: an empty page, a zero series, a
//! CSV of its header alone — never `FORBIDDEN`, which would say the other
//! partner exists). Staff read what they name, or the tenant's, with the
//! list's scope.

use super::{Principal, Scope};
use crate::error::{ApiError, ApiResult};

/// The rows a list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// The tenant's, every partner's.
    Tenant,
    /// One partner's.
    Partner(String),
    /// None: another partner's were asked for.
    Nothing,
}

impl Rows {
    /// The partner filter of a query that has one: none for the tenant's
    /// rows, the partner's id, or an id no row has (whose answer is an id
    /// naming nothing's, without reading anyone's rows).
    pub fn partner_filter(&self) -> Option<String> {
        match self {
            Rows::Tenant => None,
            Rows::Partner(id) => Some(id.clone()),
            Rows::Nothing => Some(crate::input::NO_ROW_ID.to_owned()),
        }
    }

    /// The one partner whose rows these are (`None`: the tenant's).
    pub fn partner(&self) -> Option<&str> {
        match self {
            Rows::Partner(id) => Some(id),
            Rows::Tenant | Rows::Nothing => None,
        }
    }

    /// Whether the list holds a row of `partner_id` (`None`: a row of no
    /// partner, the tenant's own) — the list's rule for one row.
    pub fn holds(&self, partner_id: Option<&str>) -> bool {
        match self {
            Rows::Tenant => true,
            Rows::Partner(id) => partner_id == Some(id.as_str()),
            Rows::Nothing => false,
        }
    }

    /// Whether the list is empty whatever it holds.
    pub fn is_nothing(&self) -> bool {
        *self == Rows::Nothing
    }
}

/// Whose webhook endpoints a caller manages. An endpoint is a way to read
/// events, so managing one needs what reading its events needs.
#[derive(Debug, Clone, Copy)]
pub enum Endpoints<'a> {
    /// Every endpoint of the tenant, partners' included (an admin).
    Every,
    /// The tenant's own endpoints whose every event type this policy reads
    /// (a service token's); partners' endpoints are theirs and the admins'.
    Tenants(&'a Policy),
    /// One partner's own.
    Partner(&'a str),
}

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
}

impl Kind {
    /// Every kind, each a row of the table.
    pub const ALL: [Kind; 39] = [
        Kind::Partner,
        Kind::Category,
        Kind::PartnerGroup,
        Kind::Campaign,
        Kind::PartnershipRequest,
        Kind::Enrollment,
        Kind::PartnerCommission,
        Kind::ReferralCode,
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
    /// A commission's fraud holds.
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
}

impl StaffScopes {
    /// The scopes these are, for a row naming `row_scope` (none for the
    /// console's staff, who go by role).
    pub fn staff_scopes(&self, row_scope: Option<Scope>) -> Vec<Scope> {
        match self {
            StaffScopes::Any(scopes) => scopes.to_vec(),
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
const LEDGER: &[Scope] = &[S::CommissionsRead];
/// Who looks customers up by their external id, and lists them: the
/// ledger's and the partners' readers (a customer's row reads with
/// `events:write` too, once the caller's events reach it).
const CUSTOMER_LOOKUP: &[Scope] = &[S::PartnersRead, S::CommissionsRead];

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
        Kind::ReferralCode => columns![rule(C::Row, CODES, Own)],
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
        // The console's: what the program imports, sends and pays with.
        Kind::Import | Kind::Email | Kind::PayoutRail => columns![Rule {
            column: C::Row,
            staff: StaffScopes::Console,
            partner: Staff,
        }],
    }
}

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
        Kind::Import => console("only the program's staff read imports"),
        Kind::Email => console("only the tenant's staff read its e-mails"),
        Kind::PayoutRail => console("only the tenant's staff read its payout rails"),
        Kind::PartnerCommission
        | Kind::ReferralCode
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
        | Kind::TaxProfile => {
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

/// What one request's caller may see and do.
#[derive(Debug, Clone)]
pub struct Policy {
    principal: Principal,
}

impl Policy {
    pub fn new(principal: Principal) -> Policy {
        Policy { principal }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn tenant_id(&self) -> &str {
        self.principal.tenant_id()
    }

    /// `scope`, or `FORBIDDEN` naming it.
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        self.principal.require(scope)
    }

    /// Whether the caller reads a column under `rule` of a row of
    /// `partner` (none: no partner's) naming `row_scope`.
    pub fn reads(&self, rule: &Rule, partner: Option<&str>, row_scope: Option<Scope>) -> bool {
        match self.principal.own_partner() {
            Some(own) => match rule.partner {
                Reach::Owner => partner == Some(own),
                Reach::OwnerOrShared => partner.is_none_or(|of| of == own),
                Reach::Partners => true,
                Reach::Staff => false,
            },
            None if rule.staff == StaffScopes::Every => true,
            None if rule.staff == StaffScopes::Console => self.reads_as_admin(),
            None => rule
                .staff_scopes(row_scope)
                .iter()
                .any(|scope| self.principal.has(*scope)),
        }
    }

    /// Whether the caller reads objects of `kind` at all (a list of them
    /// holding no partner's rows: the pipeline's stages and fields): a
    /// partner when the kind is every partner's, staff with one of the
    /// scopes of the kind's first column.
    pub fn reads_kind(&self, kind: Kind) -> ApiResult<()> {
        let rule = &rules(kind)[0];
        match (self.principal.own_partner(), rule.partner) {
            (Some(_), Reach::Partners) => Ok(()),
            (Some(_), _) => Err(ApiError::Forbidden(
                "partners see only their own data".into(),
            )),
            (None, _) => {
                let scopes = rule.staff_scopes(None);
                match scopes.iter().any(|scope| self.principal.has(*scope)) {
                    true => Ok(()),
                    false => Err(requires(&scopes)),
                }
            }
        }
    }

    /// Whether the caller finds objects of `kind` — by id, in a list —
    /// and which, by the table's [`finding`]: `FORBIDDEN` naming the scopes
    /// (or the kind's refusal) otherwise. Asked before any row is read, so
    /// an id's existence is never the difference between `FORBIDDEN` and
    /// not found.
    pub fn finds(&self, kind: Kind) -> ApiResult<Found> {
        let finding = finding(kind);
        let refused = |scopes: &[Scope]| match finding.partner {
            Finds::Refused(refusal) => ApiError::Forbidden(refusal.to_owned()),
            Finds::Own | Finds::Scoped => requires(scopes),
        };
        if self.principal.own_partner().is_some() {
            return match finding.partner {
                Finds::Own => Ok(Found::Rows),
                Finds::Scoped | Finds::Refused(_) => {
                    Err(refused(&finding.staff.staff_scopes(None)))
                }
            };
        }
        let every = match finding.staff {
            StaffScopes::Console => self.reads_as_admin(),
            StaffScopes::Every => true,
            StaffScopes::Any(_) | StaffScopes::OfRow => finding
                .staff
                .staff_scopes(None)
                .iter()
                .any(|scope| self.principal.has(*scope)),
        };
        match every {
            true => Ok(Found::Rows),
            false if finding.deals.iter().any(|s| self.principal.has(*s)) => Ok(Found::DealsOnly),
            false => Err(refused(&finding.staff.staff_scopes(None))),
        }
    }

    /// Whether the caller looks objects of `kind` up by id ([`Policy::finds`]).
    pub fn looks_up(&self, kind: Kind) -> ApiResult<Found> {
        self.finds(kind)
    }

    /// The rows a list of `kind` filtered by `named` (a partner's id;
    /// none: no filter) holds: a partner token's own (another's:
    /// nothing); for staff who find the kind, what it names. A list holds
    /// every row it names or none: a deal's rows alone are found by id and
    /// through their deal, not listed.
    pub fn list(&self, kind: Kind, named: Option<&str>) -> ApiResult<Rows> {
        match self.finds(kind)? {
            Found::Rows => Ok(self.partner_rows(named)),
            Found::DealsOnly => Err(requires(&finding(kind).staff.staff_scopes(None))),
        }
    }

    /// The rows a list filtered by `named` (a partner's id; none: no
    /// filter) holds: a partner token's own (another's: nothing); for
    /// staff, what it names, with one of `staff_scopes` (`FORBIDDEN`
    /// without).
    pub fn rows(&self, named: Option<&str>, staff_scopes: &[Scope]) -> ApiResult<Rows> {
        if self.principal.own_partner().is_none()
            && !staff_scopes.iter().any(|scope| self.principal.has(*scope))
        {
            return Err(requires(staff_scopes));
        }
        Ok(self.partner_rows(named))
    }

    /// [`Policy::rows`] where the caller's right to the rows was decided
    /// otherwise (an event's type reads with its own scope).
    pub fn partner_rows(&self, named: Option<&str>) -> Rows {
        match (self.principal.own_partner(), named) {
            (Some(own), Some(other)) if other != own => Rows::Nothing,
            (Some(own), _) => Rows::Partner(own.to_owned()),
            (None, Some(id)) => Rows::Partner(id.to_owned()),
            (None, None) => Rows::Tenant,
        }
    }

    /// The partner a mutation's input names (`field`, `input.partnerId`):
    /// a partner token's own, whether it names itself or no one (naming
    /// another is refused as naming none, as an id naming nothing is); for
    /// staff, the one it names, with `staff_scope`.
    pub fn input_partner(
        &self,
        given: Option<&str>,
        field: &str,
        staff_scope: Scope,
    ) -> ApiResult<String> {
        match self.principal.own_partner() {
            Some(own) => match given {
                Some(other) if other != own => {
                    Err(ApiError::bad_input(field, "names no partner of the tenant"))
                }
                _ => Ok(own.to_owned()),
            },
            None => {
                self.require(staff_scope)?;
                given
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::bad_input(field, "is required"))
            }
        }
    }

    /// The partner acting, for what only a partner does for itself
    /// (applying to a campaign, registering a deal); staff are refused
    /// with `refusal`.
    pub fn partner_acting(&self, refusal: &str) -> ApiResult<&str> {
        self.principal
            .own_partner()
            .ok_or_else(|| ApiError::Forbidden(refusal.to_owned()))
    }

    /// What staff alone read (the leaderboard, the program's totals), with
    /// `scope`; a partner is refused with `refusal`, which says where it
    /// reads its own.
    pub fn staff(&self, scope: Scope, refusal: &str) -> ApiResult<()> {
        match self.principal.own_partner() {
            Some(_) => Err(ApiError::Forbidden(refusal.to_owned())),
            None => self.require(scope),
        }
    }

    /// What only the tenant's admins do (change the tenant, reassign a
    /// customer, connect billing); anyone else is refused with `refusal`.
    pub fn admin(&self, refusal: &str) -> ApiResult<()> {
        match self.is_admin() {
            true => Ok(()),
            false => Err(ApiError::Forbidden(refusal.to_owned())),
        }
    }

    /// Whether the caller is one of the tenant's admins (whose word on a
    /// customer's partner overrides a partner's claim).
    pub fn is_admin(&self) -> bool {
        self.principal.role == super::Role::Admin
    }

    /// Whether the caller reads what an admin reads: an admin or a viewer.
    pub fn reads_as_admin(&self) -> bool {
        matches!(
            self.principal.role,
            super::Role::Admin | super::Role::Viewer
        )
    }

    /// Whether what the caller reads of the ledger is partners' money
    /// alone: a partner token does not see the spiffs paid to the tenant's
    /// staff, even on its own deals.
    pub fn partners_money_only(&self) -> bool {
        self.principal.own_partner().is_some()
    }

    /// Who the caller is shown did something: a partner sees itself and
    /// the system (`system`) by name and every other actor as `staff`;
    /// staff see every actor as written.
    pub fn actor_shown<'a>(&self, actor: &'a str, system: bool) -> &'a str {
        match self.principal.own_partner() {
            Some(_) if !(system || actor == self.principal.subject) => "staff",
            _ => actor,
        }
    }

    /// Whether the caller reads events of a type `scope` guards: a partner
    /// reads its own events of every type.
    pub fn reads_events(&self, scope: Scope) -> bool {
        self.principal.own_partner().is_some() || self.principal.has(scope)
    }

    /// Whose webhook endpoints the caller finds (and their deliveries), as
    /// it would manage them with the scope that finds them.
    pub fn endpoints_found(&self) -> ApiResult<Endpoints<'_>> {
        self.endpoints(Scope::WebhooksRead)
    }

    /// Whose webhook endpoints the caller manages: an admin every one, a
    /// service token holding `scope` the tenant's, a partner its own.
    pub fn endpoints(&self, scope: Scope) -> ApiResult<Endpoints<'_>> {
        match (self.principal.own_partner(), self.principal.role) {
            (Some(own), _) => Ok(Endpoints::Partner(own)),
            (None, super::Role::Admin) => Ok(Endpoints::Every),
            // A viewer reads every endpoint and manages none.
            (None, super::Role::Viewer) if !scope.writes() => Ok(Endpoints::Every),
            (None, _) => {
                self.require(scope)?;
                Ok(Endpoints::Tenants(self))
            }
        }
    }
}

/// `FORBIDDEN`, naming the scopes that would have allowed it.
pub(super) fn requires(scopes: &[Scope]) -> ApiError {
    ApiError::Forbidden(match scopes {
        [one] => format!("requires the {} scope", one.as_str()),
        many => format!(
            "requires one of the scopes {}",
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn policy(role: Role, partner: Option<&str>, scopes: &[Scope]) -> Policy {
        Policy::new(Principal::for_tests(role, partner, scopes))
    }

    #[test]
    fn a_partner_reads_its_own_and_another_partners_rows_are_nothing() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        let read = &[Scope::CommissionsRead];
        assert_eq!(jane.rows(None, read), Ok(Rows::Partner("jane".into())));
        assert_eq!(
            jane.rows(Some("jane"), read),
            Ok(Rows::Partner("jane".into()))
        );
        assert_eq!(jane.rows(Some("bob"), read), Ok(Rows::Nothing));
        assert_eq!(Rows::Nothing.partner_filter().as_deref(), Some(""));
    }

    #[test]
    fn staff_read_what_they_name_with_one_of_the_lists_scopes() {
        let admin = policy(Role::Admin, None, &[]);
        assert_eq!(admin.rows(None, &[Scope::DealsRead]), Ok(Rows::Tenant));
        assert_eq!(
            admin.rows(Some("bob"), &[Scope::DealsRead]),
            Ok(Rows::Partner("bob".into()))
        );
        let service = policy(Role::Service, None, &[Scope::EventsWrite]);
        assert!(service.rows(None, &[Scope::CommissionsRead]).is_err());
        let either = &[Scope::PartnersRead, Scope::CommissionsRead];
        let reader = policy(Role::Service, None, &[Scope::CommissionsRead]);
        assert_eq!(reader.rows(None, either), Ok(Rows::Tenant));
    }

    #[test]
    fn an_input_names_the_callers_own_partner_or_staffs_choice() {
        let field = "input.partnerId";
        let jane = policy(Role::Partner, Some("jane"), &[]);
        let write = Scope::PartnersWrite;
        assert_eq!(jane.input_partner(None, field, write), Ok("jane".into()));
        assert!(jane.input_partner(Some("bob"), field, write).is_err());
        let admin = policy(Role::Admin, None, &[]);
        assert_eq!(
            admin.input_partner(Some("bob"), field, write),
            Ok("bob".into())
        );
        assert!(admin.input_partner(None, field, write).is_err());
    }

    #[test]
    fn every_kind_has_its_own_columns_once_and_the_object_first() {
        for kind in Kind::ALL {
            let columns = rules(kind);
            assert!(!columns.is_empty() && columns.len() <= 32, "{kind:?}");
            for (i, rule) in columns.iter().enumerate() {
                let again = columns[i + 1..].iter().any(|r| r.column == rule.column);
                assert!(!again, "{kind:?} lists {:?} twice", rule.column);
            }
            // A partner who gets the object reads a column of it only if
            // it may read the object: no column reaches further.
            let first = columns[0].partner;
            for rule in &columns[1..] {
                let further = matches!(
                    (first, rule.partner),
                    (
                        Reach::Staff,
                        Reach::Owner | Reach::OwnerOrShared | Reach::Partners
                    )
                );
                assert!(!further, "{kind:?} {:?}", rule.column);
            }
        }
    }

    #[test]
    fn a_partner_reads_a_column_of_its_own_row_and_staff_by_scope() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        let row = &rules(Kind::Commission)[0];
        assert!(jane.reads(row, Some("jane"), None));
        assert!(!jane.reads(row, Some("bob"), None));
        assert!(
            !jane.reads(row, None, None),
            "a staff payee's row is no partner's"
        );
        let holds = &rules(Kind::Commission)[1];
        assert!(!jane.reads(holds, Some("jane"), None));
        let sender = policy(Role::Service, None, &[Scope::EventsWrite]);
        assert!(sender.reads(row, Some("jane"), None));
        assert!(!sender.reads(holds, Some("jane"), None));
        let event = &rules(Kind::DomainEvent)[0];
        let deals = policy(Role::Service, None, &[Scope::DealsRead]);
        assert!(deals.reads(event, None, Some(Scope::DealsRead)));
        assert!(!deals.reads(event, None, Some(Scope::CommissionsRead)));
        assert_eq!(deals.reads_kind(Kind::DealStage), Ok(()));
        assert!(deals.reads_kind(Kind::FraudFlag).is_err());
        assert_eq!(jane.reads_kind(Kind::DealStage), Ok(()));
    }

    #[test]
    fn a_partner_sees_staff_as_staff_and_its_own_details_whole() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert_eq!(jane.actor_shown("alice@brand.example", false), "staff");
        assert_eq!(jane.actor_shown("maturity", true), "maturity");
        let admin = policy(Role::Admin, None, &[]);
        assert_eq!(
            admin.actor_shown("alice@brand.example", false),
            "alice@brand.example"
        );
        assert!(admin.staff(Scope::CommissionsRead, "no").is_ok());
        assert!(jane.staff(Scope::CommissionsRead, "no").is_err());
        assert!(jane.partner_acting("no").is_ok());
        assert!(admin.partner_acting("no").is_err());
    }

    #[test]
    fn a_list_row_is_held_as_the_list_holds_it() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        let own = jane.partner_rows(None);
        assert!(own.holds(Some("jane")));
        assert!(!own.holds(Some("bob")));
        assert!(
            !own.holds(None),
            "the tenant's own rows are not a partner's"
        );
        assert!(!jane.partner_rows(Some("bob")).holds(Some("bob")));
        let admin = policy(Role::Admin, None, &[]);
        assert!(admin.partner_rows(None).holds(None));
        assert_eq!(admin.partner_rows(None).partner(), None);
    }

    #[test]
    fn events_and_endpoints_go_by_the_scopes_a_partner_by_itself() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert!(jane.reads_events(Scope::DealsRead));
        assert!(matches!(
            jane.endpoints(Scope::WebhooksWrite),
            Ok(Endpoints::Partner("jane"))
        ));
        let admin = policy(Role::Admin, None, &[]);
        assert!(matches!(
            admin.endpoints(Scope::WebhooksWrite),
            Ok(Endpoints::Every)
        ));
        let reader = policy(
            Role::Service,
            None,
            &[Scope::WebhooksRead, Scope::DealsRead],
        );
        assert!(reader.reads_events(Scope::DealsRead));
        assert!(!reader.reads_events(Scope::CommissionsRead));
        assert!(matches!(
            reader.endpoints(Scope::WebhooksRead),
            Ok(Endpoints::Tenants(_))
        ));
        assert!(reader.endpoints(Scope::WebhooksWrite).is_err());
    }

    #[test]
    fn each_kind_is_found_by_its_one_rule() {
        let deals = policy(Role::Service, None, &[Scope::DealsRead]);
        assert_eq!(deals.looks_up(Kind::Commission), Ok(Found::DealsOnly));
        assert_eq!(deals.looks_up(Kind::Event), Ok(Found::DealsOnly));
        assert_eq!(
            deals.list(Kind::Commission, None),
            Err(ApiError::Forbidden(
                "requires the commissions:read scope".into()
            ))
        );
        let ledger = policy(Role::Service, None, &[Scope::CommissionsRead]);
        assert_eq!(ledger.looks_up(Kind::Commission), Ok(Found::Rows));
        let sender = policy(Role::Service, None, &[Scope::EventsWrite]);
        assert!(
            sender.looks_up(Kind::Commission).is_err(),
            "reads what its calls answered, finds nothing"
        );
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert_eq!(jane.list(Kind::Commission, Some("bob")), Ok(Rows::Nothing));
        assert_eq!(
            jane.finds(Kind::FraudFlag),
            Err(ApiError::Forbidden(
                "fraud flags are the program's staff's to read".into()
            ))
        );
        assert_eq!(
            jane.finds(Kind::PartnerGroup),
            Err(ApiError::Forbidden(
                "requires the partner_groups:read scope".into()
            ))
        );
        assert_eq!(jane.finds(Kind::ExchangeRate), Ok(Found::Rows));
        // The console's kinds go by role: a viewer finds them, no scope does.
        let viewer = policy(Role::Viewer, None, &[]);
        assert_eq!(viewer.finds(Kind::Import), Ok(Found::Rows));
        let admin_scoped = policy(Role::Service, None, Scope::ALL);
        assert_eq!(
            admin_scoped.finds(Kind::Email),
            Err(ApiError::Forbidden(
                "only the tenant's staff read its e-mails".into()
            ))
        );
        // Every kind has a finding, and those of staff alone find nothing
        // for a partner.
        for kind in Kind::ALL {
            let found = finding(kind);
            if rules(kind)[0].partner == Reach::Staff {
                assert_ne!(found.partner, Finds::Own, "{kind:?}");
            }
        }
    }

    #[test]
    fn only_admins_do_what_admins_do() {
        let admin = policy(Role::Admin, None, &[]);
        assert!(admin.admin("no").is_ok());
        let service = policy(Role::Service, None, &[Scope::PartnersWrite]);
        assert_eq!(
            service.admin("only admins"),
            Err(ApiError::Forbidden("only admins".into()))
        );
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert!(jane.admin("no").is_err());
        assert!(jane.partners_money_only());
        assert!(!admin.partners_money_only());
    }
}
