//! Who may read what, decided here and asked everywhere. A request's
//! [`Policy`] is built once from its principal (GraphQL keeps it in the
//! request's context; the CSV exports and statement PDFs build theirs the
//! same way) and answers every "may this caller see or do this": which
//! partner's rows a list, series or export may hold ([`Policy::rows`]),
//! which partner a mutation's input names ([`Policy::input_partner`]),
//! whether one object is there for the caller ([`Policy::finds`]), whether
//! a field's data is readable ([`Policy::allows`], GraphQL's field guard),
//! what a partner sees of staff's details, whose webhook endpoints a caller
//! manages ([`Policy::endpoints`]) and which event types it reads.
//!
//! A partner token reads its own rows; naming another partner answers as
//! if that partner had nothing (SPEC §3: an empty page, a zero series, a
//! CSV of its header alone — never `FORBIDDEN`, which would say the other
//! partner exists). Staff read what they name, or the tenant's, with the
//! list's scope.

use super::{Principal, Scope};
use crate::error::{ApiError, ApiResult};

/// Besides the holders of a field's scopes, who may read it.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// The partner the data belongs to: its own token may read it.
    Partner(&'a str),
    /// Any partner token: the object is reachable only where that partner
    /// may see it (a campaign open to it, its own group).
    AnyPartner,
    /// No partner token: only the scopes' holders.
    NoPartner,
}

/// Who besides the scopes' holders reads a row of a partner's money (a
/// commission, a payout): its partner, unless it pays one of the tenant's
/// staff (the tenant's expense, not the partner's money).
pub fn money_owner(partner_id: &str, staff_payee: bool) -> Owner<'_> {
    match staff_payee {
        true => Owner::NoPartner,
        false => Owner::Partner(partner_id),
    }
}

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

    /// Whether the caller may read data guarded by `scopes` and owned as
    /// `owner` says: it holds one of the scopes, or is the partner `owner`
    /// allows. Every object field that exposes data asks this (through
    /// GraphQL's `guard`), so what a token may read does not depend on the
    /// path that reached the object.
    pub fn allows(&self, scopes: &[Scope], owner: Owner<'_>) -> ApiResult<()> {
        let principal = &self.principal;
        match (principal.own_partner(), owner) {
            (Some(own), Owner::Partner(of)) if own == of => Ok(()),
            (Some(_), Owner::AnyPartner) => Ok(()),
            (Some(_), Owner::Partner(_) | Owner::NoPartner) => Err(ApiError::Forbidden(
                "partners see only their own data".into(),
            )),
            (None, _) if scopes.iter().any(|scope| principal.has(*scope)) => Ok(()),
            (None, _) => Err(requires(scopes)),
        }
    }

    /// Whether the caller may look objects of a kind up by id at all: a
    /// partner may (it finds its own), staff need one of `staff_scopes`.
    /// Asked before the object is read, so an id's existence is never the
    /// difference between `FORBIDDEN` and not found.
    pub fn looks_up(&self, staff_scopes: &[Scope]) -> ApiResult<()> {
        self.rows(None, staff_scopes).map(|_| ())
    }

    /// Whether one object `owner` owns is there for the caller: `Ok(true)`
    /// to read it, `Ok(false)` when it is another partner's (so it is not
    /// found, exactly as an id naming nothing), `FORBIDDEN` for staff
    /// without one of `staff_scopes`.
    pub fn finds(&self, owner: Owner<'_>, staff_scopes: &[Scope]) -> ApiResult<bool> {
        match (self.principal.own_partner(), owner) {
            (Some(own), Owner::Partner(of)) => Ok(own == of),
            (Some(_), Owner::AnyPartner) => Ok(true),
            (Some(_), Owner::NoPartner) => Ok(false),
            (None, _) if staff_scopes.iter().any(|s| self.principal.has(*s)) => Ok(true),
            (None, _) => Err(requires(staff_scopes)),
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

    /// What every partner reads, and staff with `scope` (the exchange
    /// rates its commissions were converted at).
    pub fn partners_or(&self, scope: Scope) -> ApiResult<()> {
        match self.principal.own_partner() {
            Some(_) => Ok(()),
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

    /// What only the tenant's staff read (its e-mails): an admin, or a
    /// viewer, who reads everything an admin reads; anyone else is refused
    /// with `refusal`.
    pub fn staff_reader(&self, refusal: &str) -> ApiResult<()> {
        match self.reads_as_admin() {
            true => Ok(()),
            false => Err(ApiError::Forbidden(refusal.to_owned())),
        }
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

    /// Whether the caller reads `partner_id`'s bank details whole: the
    /// partner itself; everyone else reads them masked.
    pub fn reads_bank_details(&self, partner_id: &str) -> bool {
        self.principal.own_partner() == Some(partner_id)
    }

    /// Whether customers' e-mail addresses are masked for the caller
    /// (`j***@example.com`): a partner knows its customers by the address
    /// it referred, not the address the brand holds.
    pub fn masks_customer_emails(&self) -> bool {
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
        self.allows(&[scope], Owner::AnyPartner).is_ok()
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
fn requires(scopes: &[Scope]) -> ApiError {
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
    fn another_partners_object_is_not_found_and_staff_need_the_scope() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        let read = &[Scope::CommissionsRead];
        assert_eq!(jane.finds(Owner::Partner("jane"), read), Ok(true));
        assert_eq!(jane.finds(Owner::Partner("bob"), read), Ok(false));
        assert_eq!(jane.finds(money_owner("jane", true), read), Ok(false));
        let service = policy(Role::Service, None, &[Scope::DealsRead]);
        assert!(service.finds(Owner::Partner("jane"), read).is_err());
    }

    #[test]
    fn a_partner_sees_staff_as_staff_and_its_own_details_whole() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert_eq!(jane.actor_shown("alice@brand.example", false), "staff");
        assert_eq!(jane.actor_shown("maturity", true), "maturity");
        assert!(jane.reads_bank_details("jane"));
        assert!(!jane.reads_bank_details("bob"));
        assert!(jane.masks_customer_emails());
        let admin = policy(Role::Admin, None, &[]);
        assert_eq!(
            admin.actor_shown("alice@brand.example", false),
            "alice@brand.example"
        );
        assert!(!admin.reads_bank_details("jane"));
        assert!(!admin.masks_customer_emails());
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
