//! A tenant's link domains (SPEC §30), and the proof that it owns each.
//!
//! - A host is refused when revshare itself answers on it: the host of
//!   `REVSHARE_PUBLIC_URL`, loopback names (`localhost`, `*.localhost`)
//!   and IP literals. Those answer the API, the portal and the probes for
//!   every tenant; none may be one tenant's short links.
//! - Any tenant may name any other host: naming claims nothing
//!   ([`crate::tenants`] writes the names). Each (tenant, host) gets a
//!   token of its own, and the host answers the
//!   tenant's links only once a DNS TXT record at
//!   `_revshare-challenge.{host}` holds `revshare-verification={token}` —
//!   proved by `verifyLinkDomain`, and again by housekeeping once a day.
//!   Until then it is `PENDING` and answers nothing; a verified host whose
//!   record is gone goes back to `PENDING`. One tenant at a time holds a
//!   host verified: another proving it too is refused until the holder's
//!   record is gone (the DNS owner decides whose token stays).
//! - A resolver that does not answer changes nothing: the check is tried
//!   again on the next pass.

use super::dns::{LookupError, Resolver};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::LinkDomainStatus;
use entity::link_domain;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// The label before the host that holds the proof.
pub const RECORD_LABEL: &str = "_revshare-challenge";
/// How often a host's record is looked up again.
pub const RECHECK_EVERY: chrono::Duration = chrono::Duration::days(1);
/// Hosts re-checked in one housekeeping pass.
const RECHECKS_A_PASS: u64 = 200;

/// Where the proof's record is.
pub fn record_name(host: &str) -> String {
    format!("{RECORD_LABEL}.{host}")
}

/// What the proof's record holds.
pub fn record_value(token: &str) -> String {
    format!("revshare-verification={token}")
}

/// The host of revshare's public URL, lower case and without its port.
pub fn platform_host(public_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(public_url?).ok()?;
    url.host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

/// A host as a tenant names it, checked: a DNS name, not one revshare is
/// served on (`platform`: the public URL's host).
pub fn check_host(field: &str, given: &str, platform: Option<&str>) -> ApiResult<String> {
    let host = crate::input::host_name(field, given)?;
    let last = host.rsplit('.').next().unwrap_or_default();
    // A top-level label is never all digits: `127.0.0.1`, `10.0.0.1`.
    let literal = last.bytes().all(|b| b.is_ascii_digit())
        || !matches!(url::Host::parse(&host), Ok(url::Host::Domain(_)));
    if literal {
        return Err(ApiError::bad_input(
            field,
            format!("{host} is an IP address: a link domain is a host name (go.example.com)"),
        ));
    }
    let loopback = last == "localhost" || host == "localhost.localdomain";
    let ours = platform.is_some_and(|p| p == host);
    if loopback || ours {
        return Err(ApiError::bad_input(
            field,
            format!("{host} is revshare's own host: a link domain is one of the program's own"),
        ));
    }
    Ok(host)
}

/// The tenant's link domains, by host.
pub async fn of_tenant(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<link_domain::Model>> {
    Ok(link_domain::Entity::find()
        .filter(link_domain::Column::TenantId.eq(tenant_id))
        .order_by_asc(link_domain::Column::Host)
        .all(conn)
        .await?)
}

/// Looks the host's record up now: `VERIFIED` when it holds the tenant's
/// token (and no other tenant's proof stands), else `PENDING`.
pub async fn verify(
    db: &Db,
    resolver: &Resolver,
    tenant_id: &str,
    given: &str,
) -> ApiResult<link_domain::Model> {
    let host = given.trim().trim_end_matches('.').to_ascii_lowercase();
    let row = link_domain::Entity::find_by_id((tenant_id.to_owned(), host.clone()))
        .one(db.conn())
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("host", format!("{host} is not one of the link domains"))
        })?;
    let records = resolver.txt(&record_name(&host)).await.map_err(|err| {
        tracing::warn!(%host, error = %err, "a link domain's record was not looked up");
        away(&host, &err)
    })?;
    settle(db, &row, &records).await
}

fn away(host: &str, err: &LookupError) -> ApiError {
    ApiError::Away(format!(
        "the DNS resolver gave no answer for {} ({}); retry shortly",
        record_name(host),
        match err {
            LookupError::NoAnswer(_) => "no answer",
            LookupError::Refused(_) => "an error",
            LookupError::Malformed(_) => "a malformed answer",
        }
    ))
}

/// Writes what `records` (the host's TXT records, just read) prove.
async fn settle(
    db: &Db,
    row: &link_domain::Model,
    records: &[String],
) -> ApiResult<link_domain::Model> {
    let holds = |token: &str| {
        let value = record_value(token);
        records.iter().any(|r| r.trim() == value)
    };
    let proved = holds(&row.token);
    // Other tenants holding the host verified, and whether their own
    // record still stands beside this one.
    let other_holds: Vec<(String, bool)> = link_domain::Entity::find()
        .filter(link_domain::Column::Host.eq(row.host.as_str()))
        .filter(link_domain::Column::TenantId.ne(row.tenant_id.as_str()))
        .filter(link_domain::Column::Status.eq(LinkDomainStatus::Verified))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|other| {
            let still = holds(&other.token);
            (other.tenant_id, still)
        })
        .collect();
    if proved && other_holds.iter().any(|(_, still)| *still) {
        return Err(ApiError::bad_input(
            "host",
            format!(
                "{} is proved by another program too: its record must be removed first",
                row.host
            ),
        ));
    }
    db.transaction(|txn| {
        let (row, other_holds) = (row.clone(), other_holds.clone());
        Box::pin(async move {
            let now = crate::db::now();
            if proved {
                // Proofs no longer standing give the host up.
                for (tenant, _) in &other_holds {
                    link_domain::Entity::update_many()
                        .col_expr(
                            link_domain::Column::Status,
                            sea_orm::sea_query::Expr::value(LinkDomainStatus::Pending.as_str()),
                        )
                        .filter(link_domain::Column::TenantId.eq(tenant.as_str()))
                        .filter(link_domain::Column::Host.eq(row.host.as_str()))
                        .exec(&*txn)
                        .await?;
                }
            }
            let mut changed: link_domain::ActiveModel = row.clone().into();
            changed.checked_at = Set(Some(now));
            if proved {
                changed.status = Set(LinkDomainStatus::Verified);
                changed.verified_at = Set(Some(now));
            } else {
                changed.status = Set(LinkDomainStatus::Pending);
            }
            Ok(changed.update(&*txn).await?)
        })
    })
    .await
}

/// Looks up again the records of the hosts not checked for a day, pending
/// ones too (a record added since is found without being asked).
pub async fn recheck_due(
    db: &Db,
    resolver: &Resolver,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let due = link_domain::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(link_domain::Column::CheckedAt.is_null())
                .add(link_domain::Column::CheckedAt.lt(now - RECHECK_EVERY)),
        )
        .order_by_asc(link_domain::Column::CheckedAt)
        .limit(RECHECKS_A_PASS)
        .all(db.conn())
        .await?;
    for row in due {
        match resolver.txt(&record_name(&row.host)).await {
            Ok(records) => {
                let before = row.status;
                match settle(db, &row, &records).await {
                    Ok(after) if after.status != before => {
                        tracing::info!(host = %row.host, tenant = %row.tenant_id, status = after.status.as_str(), "a link domain's proof changed");
                    }
                    Ok(_) => {}
                    Err(ApiError::BadInput { message, .. }) => {
                        tracing::info!(host = %row.host, tenant = %row.tenant_id, %message, "a link domain stays pending");
                        // Not asked again before its day is over.
                        link_domain::Entity::update_many()
                            .col_expr(
                                link_domain::Column::CheckedAt,
                                sea_orm::sea_query::Expr::value(now),
                            )
                            .filter(link_domain::Column::TenantId.eq(row.tenant_id.as_str()))
                            .filter(link_domain::Column::Host.eq(row.host.as_str()))
                            .exec(db.conn())
                            .await?;
                    }
                    Err(err) => return Err(err),
                }
            }
            Err(err) => {
                tracing::warn!(host = %row.host, error = %err, "a link domain's record was not looked up; kept as it was");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revshares_own_hosts_are_no_link_domains() {
        let platform = platform_host(Some("https://Partners.Example.com:8443/base"));
        assert_eq!(platform.as_deref(), Some("partners.example.com"));
        let p = platform.as_deref();
        assert_eq!(check_host("f", "Go.Acme.com.", p).unwrap(), "go.acme.com");
        for refused in [
            "partners.example.com",
            "PARTNERS.example.com.",
            "127.0.0.1",
            "10.1.2.3",
            "0x7f.0.0.1",
            "app.localhost",
            "localhost.localdomain",
        ] {
            let err = check_host("f", refused, p).unwrap_err();
            assert!(matches!(err, ApiError::BadInput { .. }), "{refused}");
        }
        assert!(check_host("f", "[::1]", p).is_err());
        assert_eq!(
            record_name("go.acme.com"),
            "_revshare-challenge.go.acme.com"
        );
        assert_eq!(record_value("ab12"), "revshare-verification=ab12");
    }
}
