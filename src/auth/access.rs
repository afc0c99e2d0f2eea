//! Who may read what, decided here and asked everywhere: which partner's
//! rows a list, series or export may hold ([`rows`]), which partner a
//! mutation's input names ([`input_partner`]), whether one object is there
//! for the caller ([`finds`]), and whether a field's data is readable
//! ([`allows`], GraphQL's field guard).
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

/// Whether `principal` may read data guarded by `scopes` and owned as
/// `owner` says: it holds one of the scopes, or is the partner `owner`
/// allows. Every object field that exposes data asks this (through
/// GraphQL's `guard`), so what a token may read does not depend on the
/// path that reached the object.
pub fn allows(principal: &Principal, scopes: &[Scope], owner: Owner<'_>) -> ApiResult<()> {
    match (principal.own_partner(), owner) {
        (Some(own), Owner::Partner(of)) if own == of => Ok(()),
        (Some(_), Owner::AnyPartner) => Ok(()),
        (Some(_), Owner::Partner(_) | Owner::NoPartner) => Err(ApiError::Forbidden(
            "partners see only their own data".into(),
        )),
        (None, _) if scopes.iter().any(|scope| principal.has(*scope)) => Ok(()),
        (None, _) => Err(ApiError::Forbidden(match scopes {
            [one] => format!("requires the {} scope", one.as_str()),
            many => format!(
                "requires one of the scopes {}",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })),
    }
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

/// Whether one object `owner` owns is there for `principal`: `Ok(true)`
/// to read it, `Ok(false)` when it is another partner's (so it is not
/// found, exactly as an id naming nothing), `FORBIDDEN` for staff without
/// `staff_scope`.
pub fn finds(principal: &Principal, owner: Owner<'_>, staff_scope: Scope) -> ApiResult<bool> {
    match (principal.own_partner(), owner) {
        (Some(own), Owner::Partner(of)) => Ok(own == of),
        (Some(_), Owner::AnyPartner) => Ok(true),
        (Some(_), Owner::NoPartner) => Ok(false),
        (None, _) => principal.require(staff_scope).map(|_| true),
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

    /// Whether the list is empty whatever it holds.
    pub fn is_nothing(&self) -> bool {
        *self == Rows::Nothing
    }
}

/// The rows a list filtered by `named` (a partner's id; none: no filter)
/// holds for `principal`: a partner token's own (another's: nothing); for
/// staff, what it names, with `staff_scope` (`FORBIDDEN` without it).
pub fn rows(principal: &Principal, named: Option<&str>, staff_scope: Scope) -> ApiResult<Rows> {
    match principal.own_partner() {
        Some(own) => Ok(match named {
            Some(other) if other != own => Rows::Nothing,
            _ => Rows::Partner(own.to_owned()),
        }),
        None => {
            principal.require(staff_scope)?;
            Ok(match named {
                Some(id) => Rows::Partner(id.to_owned()),
                None => Rows::Tenant,
            })
        }
    }
}

/// The partner a mutation's input names (`field`, `input.partnerId`): a
/// partner token's own, whether it names itself or no one (naming another
/// is refused as naming none, as an id naming nothing is); for staff, the
/// one it names, with `staff_scope`.
pub fn input_partner(
    principal: &Principal,
    given: Option<&str>,
    field: &str,
    staff_scope: Scope,
) -> ApiResult<String> {
    match principal.own_partner() {
        Some(own) => match given {
            Some(other) if other != own => {
                Err(ApiError::bad_input(field, "names no partner of the tenant"))
            }
            _ => Ok(own.to_owned()),
        },
        None => {
            principal.require(staff_scope)?;
            given
                .map(str::to_owned)
                .ok_or_else(|| ApiError::bad_input(field, "is required"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn principal(role: Role, partner: Option<&str>, scopes: &[Scope]) -> Principal {
        Principal::for_tests(role, partner, scopes)
    }

    #[test]
    fn a_partner_reads_its_own_and_another_partners_rows_are_nothing() {
        let jane = principal(Role::Partner, Some("jane"), &[]);
        let read = Scope::CommissionsRead;
        assert_eq!(rows(&jane, None, read), Ok(Rows::Partner("jane".into())));
        assert_eq!(
            rows(&jane, Some("jane"), read),
            Ok(Rows::Partner("jane".into()))
        );
        assert_eq!(rows(&jane, Some("bob"), read), Ok(Rows::Nothing));
        assert_eq!(Rows::Nothing.partner_filter().as_deref(), Some(""));
    }

    #[test]
    fn staff_read_what_they_name_with_the_lists_scope() {
        let admin = principal(Role::Admin, None, &[]);
        assert_eq!(rows(&admin, None, Scope::DealsRead), Ok(Rows::Tenant));
        assert_eq!(
            rows(&admin, Some("bob"), Scope::DealsRead),
            Ok(Rows::Partner("bob".into()))
        );
        let service = principal(Role::Service, None, &[Scope::EventsWrite]);
        assert!(rows(&service, None, Scope::CommissionsRead).is_err());
    }

    #[test]
    fn an_input_names_the_callers_own_partner_or_staffs_choice() {
        let field = "input.partnerId";
        let jane = principal(Role::Partner, Some("jane"), &[]);
        let write = Scope::PartnersWrite;
        assert_eq!(input_partner(&jane, None, field, write), Ok("jane".into()));
        assert!(input_partner(&jane, Some("bob"), field, write).is_err());
        let admin = principal(Role::Admin, None, &[]);
        assert_eq!(
            input_partner(&admin, Some("bob"), field, write),
            Ok("bob".into())
        );
        assert!(input_partner(&admin, None, field, write).is_err());
    }
}
