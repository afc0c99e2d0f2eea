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

pub use super::finding::{Finding, Finds, Found, finding};
pub use super::table::{Column, Kind, Reach, Rule, StaffScopes, event_scope, rules};
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
        self.reads_row(rule, partner, row_scope, false)
    }

    /// [`Policy::reads`] of a row that may be a `draft` its partner has not
    /// submitted: no staff reads a draft under a
    /// [`StaffScopes::Submitted`] rule.
    pub fn reads_row(
        &self,
        rule: &Rule,
        partner: Option<&str>,
        row_scope: Option<Scope>,
        draft: bool,
    ) -> bool {
        match self.principal.own_partner() {
            Some(own) => match rule.partner {
                Reach::Owner => partner == Some(own),
                Reach::OwnerOrShared => partner.is_none_or(|of| of == own),
                Reach::Partners => true,
                Reach::Staff => false,
            },
            None if rule.staff == StaffScopes::Every => true,
            None if rule.staff == StaffScopes::Console => self.reads_as_admin(),
            None if matches!(rule.staff, StaffScopes::ConsoleOr(_)) && self.reads_as_admin() => {
                true
            }
            None if draft && matches!(rule.staff, StaffScopes::Submitted(_)) => false,
            None => rule
                .staff
                .admit(row_scope, |scope| self.principal.has(scope)),
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
            StaffScopes::ConsoleOr(_) if self.reads_as_admin() => true,
            StaffScopes::Every => true,
            StaffScopes::Any(_)
            | StaffScopes::Submitted(_)
            | StaffScopes::OfRow
            | StaffScopes::ConsoleOr(_) => finding
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

    /// Whether the caller finds a row of `kind` by id, the row being of
    /// `deal` (a ledger row's; none: no deal's): every row it finds, or
    /// (`deals:read` on the ledger, the table's [`Finding::deals`]) a
    /// deal's alone; an `events:write` caller, which reads the rows its
    /// own calls answered, finds none by id.
    pub fn finds_row(&self, kind: Kind, deal: Option<&str>) -> bool {
        if finding(kind).deals.is_empty() {
            return true;
        }
        match self.finds(kind) {
            Ok(Found::Rows) => true,
            Ok(Found::DealsOnly) => deal.is_some(),
            Err(_) => false,
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

    /// The caller's partner, when it is one of `partners` (the partners
    /// one payee is); `None` for staff and any other partner.
    pub fn partner_among(&self, partners: &[String]) -> Option<&str> {
        self.principal
            .own_partner()
            .filter(|own| partners.iter().any(|id| id == own))
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

    /// Whether the caller reads `column` of the tenant's own row of `kind`
    /// (a tax year, no partner's): a partner is refused with the kind's
    /// refusal, which says where it reads its own; staff without the
    /// column's scopes, naming them.
    pub fn reads_column(&self, kind: Kind, column: Column) -> ApiResult<()> {
        let Some(rule) = rules(kind).iter().find(|rule| rule.column == column) else {
            return Err(ApiError::internal(
                "access",
                format!("{kind:?} has no column {column:?}"),
            ));
        };
        if self.reads(rule, None, None) {
            return Ok(());
        }
        match (self.principal.own_partner(), finding(kind).partner) {
            (Some(_), Finds::Refused(refusal)) => Err(ApiError::Forbidden(refusal.to_owned())),
            (Some(_), _) => Err(ApiError::Forbidden(
                "partners see only their own data".into(),
            )),
            (None, _) => Err(requires(&rule.staff_scopes(None))),
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

    /// Whether the caller reads events of type `kind` (the table's
    /// [`event_scope`]): a partner its own events of every type.
    pub fn reads_event(&self, kind: entity::enums::DomainEventType) -> bool {
        self.principal.own_partner().is_some() || self.principal.has(event_scope(kind))
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
    use entity::enums::DomainEventType;

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
    fn admitting_a_column_is_holding_one_of_its_listed_scopes() {
        let rows = std::iter::once(None).chain(Scope::ALL.iter().copied().map(Some));
        for row_scope in rows {
            for held in Scope::ALL {
                let has = |scope: Scope| scope == *held;
                for kind in Kind::ALL {
                    for rule in rules(kind) {
                        let listed = rule.staff_scopes(row_scope).iter().any(|s| has(*s));
                        assert_eq!(rule.staff.admit(row_scope, has), listed, "{kind:?}");
                    }
                }
            }
        }
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
        assert!(jane.reads_event(DomainEventType::DealStageChanged));
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
        assert!(reader.reads_event(DomainEventType::DealStageChanged));
        assert!(!reader.reads_event(DomainEventType::CommissionCreated));
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

    #[test]
    fn viewers_read_a_tax_year_and_only_finance_its_whole_tins() {
        let (year, files) = (
            (Kind::TaxYear, Column::Row),
            (Kind::TaxYear, Column::TinWhole),
        );
        let viewer = policy(Role::Viewer, None, &[Scope::CommissionsRead]);
        let finance = policy(Role::Service, None, &[Scope::CommissionsWrite]);
        let reader = policy(Role::Service, None, &[Scope::CommissionsRead]);
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert!(viewer.reads_column(year.0, year.1).is_ok());
        assert!(viewer.reads_column(files.0, files.1).is_err());
        assert!(finance.reads_column(files.0, files.1).is_ok());
        assert_eq!(
            reader.reads_column(year.0, year.1),
            Err(ApiError::Forbidden(
                "requires the commissions:write scope".into()
            ))
        );
        assert!(matches!(jane.reads_column(year.0, year.1),
            Err(ApiError::Forbidden(m)) if m.contains("viewer.partner.taxForms")));
        let payee = ["jane".to_owned(), "joe".to_owned()];
        assert_eq!(jane.partner_among(&payee), Some("jane"));
        assert_eq!(jane.partner_among(&payee[1..]), None);
        assert_eq!(finance.partner_among(&payee), None);
    }
}
