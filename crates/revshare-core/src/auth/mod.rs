//! Who is calling: JWT verification and minting ([`jwt`]), the [`Principal`]
//! a request acts as, and its scopes (SPEC §3).
//!
//! Architecture invariant: authorization decisions are made from a
//! `Principal` alone; nothing here touches the database except the tenant
//! lookup done by the HTTP layer before a principal exists.

pub mod access;
pub mod finding;
pub mod jwt;
pub mod table;
pub mod visible;

use crate::engine::Currency;
use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    /// Staff who read everything an admin reads and write nothing (a
    /// console session's `VIEWER`).
    Viewer,
    Service,
    Partner,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "viewer" => Some(Role::Viewer),
            "service" => Some(Role::Service),
            "partner" => Some(Role::Partner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
            Role::Service => "service",
            Role::Partner => "partner",
        }
    }
}

macro_rules! scopes {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A permission a service token can carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Scope { $($variant),* }

        impl Scope {
            pub const ALL: &'static [Scope] = &[$(Scope::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Scope::$variant => $name),* }
            }

            pub fn parse(s: &str) -> Option<Scope> {
                match s { $($name => Some(Scope::$variant),)* _ => None }
            }
        }
    };
}

scopes! {
    PartnersRead => "partners:read",
    PartnersWrite => "partners:write",
    PartnerGroupsRead => "partner_groups:read",
    PartnerGroupsWrite => "partner_groups:write",
    CampaignsRead => "campaigns:read",
    CampaignsWrite => "campaigns:write",
    CommissionsRead => "commissions:read",
    CommissionsWrite => "commissions:write",
    EventsWrite => "events:write",
    CommissionPlansRead => "commission_plans:read",
    CommissionPlansWrite => "commission_plans:write",
    DealsRead => "deals:read",
    DealsWrite => "deals:write",
    TieredCommissionsRead => "tiered_commissions:read",
    TieredCommissionsWrite => "tiered_commissions:write",
    WebhooksRead => "webhooks:read",
    WebhooksWrite => "webhooks:write",
    ActivityRead => "activity:read",
}

impl Scope {
    /// Whether the scope allows a write (`:write`; `events:write` has no
    /// `:read`).
    pub fn writes(self) -> bool {
        self.as_str().ends_with(":write")
    }

    /// The `:read` scope a `:write` scope implies, if any.
    fn implied_read(self) -> Option<Scope> {
        let name = self.as_str().strip_suffix(":write")?;
        Scope::parse(&format!("{name}:read"))
    }
}

/// The tenant a principal belongs to, as loaded when the token was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub currency: Currency,
    pub time_zone: String,
}

/// How long a tenant read for one request serves the next ones. A tenant's
/// name and time zone may change (`updateTenant`): the process that changes
/// it forgets it at once, other replicas within this time.
pub const TENANT_CACHE_TTL: Duration = Duration::from_secs(5);

/// Tenants that tokens have named, by id, each kept [`TENANT_CACHE_TTL`];
/// unknown ids are looked up every time.
#[derive(Clone, Default)]
pub struct TenantCache(Arc<RwLock<HashMap<String, Cached>>>);

/// A tenant and when it was read.
type Cached = (Arc<Tenant>, Instant);

impl TenantCache {
    pub fn get(&self, id: &str) -> Option<Arc<Tenant>> {
        let cache = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(id)
            .filter(|(_, at)| at.elapsed() < TENANT_CACHE_TTL)
            .map(|(tenant, _)| tenant.clone())
    }

    pub fn put(&self, tenant: Arc<Tenant>) {
        let mut cache = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.insert(tenant.id.clone(), (tenant, Instant::now()));
    }

    pub fn forget(&self, id: &str) {
        let mut cache = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.remove(id);
    }
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
    pub tenant: Arc<Tenant>,
    pub role: Role,
    /// Set exactly when `role` is `Partner`.
    pub partner_id: Option<String>,
    /// A service token's scopes; empty for the other roles.
    pub scopes: Vec<Scope>,
    /// The console session a staff token belongs to.
    pub session: Option<String>,
}

impl Principal {
    pub fn tenant_id(&self) -> &str {
        &self.tenant.id
    }

    /// A principal of tenant `t` for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(role: Role, partner: Option<&str>, scopes: &[Scope]) -> Principal {
        Principal {
            subject: "test".into(),
            tenant: Arc::new(Tenant {
                id: "t".into(),
                name: "T".into(),
                currency: Currency::USD,
                time_zone: "UTC".into(),
            }),
            role,
            partner_id: partner.map(str::to_owned),
            scopes: scopes.to_vec(),
            session: None,
        }
    }

    /// Whether the principal holds `scope`. Admins hold every scope of their
    /// tenant, viewers every `:read` scope; a service token holds its listed
    /// scopes, and a `:write` scope implies its `:read`; partner tokens hold
    /// none (their reads of their own data are granted field by field, not
    /// by scope).
    pub fn has(&self, scope: Scope) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Viewer => !scope.writes(),
            Role::Partner => false,
            Role::Service => self
                .scopes
                .iter()
                .any(|held| *held == scope || held.implied_read() == Some(scope)),
        }
    }

    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "requires the {} scope",
                scope.as_str()
            )))
        }
    }

    /// Whether the caller reads and writes nothing (a viewer): it runs no
    /// mutation but renewing and ending its own console session.
    pub fn reads_only(&self) -> bool {
        self.role == Role::Viewer
    }

    /// The partner a partner token acts for.
    pub fn own_partner(&self) -> Option<&str> {
        match self.role {
            Role::Partner => self.partner_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the caller may send a request body past the usual limit:
    /// a partner uploading its own invoice (SPEC §33), staff who write
    /// campaigns making a resource (SPEC §37); the operation is checked
    /// once it is parsed.
    pub fn uploads_files(&self) -> bool {
        self.own_partner().is_some() || self.has(Scope::CampaignsWrite)
    }

    /// The scope names this principal holds, for `viewer`.
    pub fn scope_names(&self) -> Vec<&'static str> {
        Scope::ALL
            .iter()
            .filter(|s| self.has(**s))
            .map(|s| s.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(scopes: &[Scope]) -> Principal {
        Principal {
            subject: "svc".into(),
            tenant: Arc::new(Tenant {
                id: "t".into(),
                name: "T".into(),
                currency: Currency::USD,
                time_zone: "UTC".into(),
            }),
            role: Role::Service,
            partner_id: None,
            scopes: scopes.to_vec(),
            session: None,
        }
    }

    #[test]
    fn a_service_holds_exactly_its_scopes_and_write_implies_read() {
        let p = service(&[Scope::PartnerGroupsWrite]);
        assert!(p.has(Scope::PartnerGroupsWrite));
        assert!(p.has(Scope::PartnerGroupsRead));
        assert!(!p.has(Scope::PartnersRead));
        let p = service(&[Scope::PartnerGroupsRead]);
        assert!(!p.has(Scope::PartnerGroupsWrite));
        assert!(p.require(Scope::PartnerGroupsWrite).is_err());
        assert!(!service(&[Scope::EventsWrite]).has(Scope::CommissionsRead));
    }

    #[test]
    fn a_viewer_holds_every_read_scope_and_no_write() {
        let viewer = Principal::for_tests(Role::Viewer, None, &[]);
        for scope in Scope::ALL {
            assert_eq!(viewer.has(*scope), !scope.writes(), "{}", scope.as_str());
        }
        assert!(viewer.reads_only());
        assert!(!Principal::for_tests(Role::Admin, None, &[]).reads_only());
        assert_eq!(Role::parse("viewer"), Some(Role::Viewer));
    }

    #[test]
    fn every_scope_name_round_trips() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(*scope));
        }
        assert_eq!(Scope::ALL.len(), 18);
    }
}
