//! A visit of a referral link: `GET /r/{tenantId}/{code}` (or
//! `recordClick`, for a brand that runs its own redirect). No cookie is set:
//! the click's id travels in the landing URL, for the brand's site to keep
//! first-party and hand back at checkout.

use super::codes;
use crate::db::{Db, Timed};
use crate::directory::traffic::{Reason, TrafficSources};
use crate::error::{ApiError, ApiResult};
use crate::input;
use entity::{campaign, click, partner, partner_group, referral_code, tenant};
use hmac::{Hmac, Mac};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use sha2::Sha256;

/// The longest user agent kept, in bytes (cut at a character boundary).
pub const MAX_USER_AGENT_BYTES: usize = 512;
/// The longest landing URL (or referrer) kept.
pub const MAX_URL_CHARS: usize = 2048;

/// What is known of a visit.
#[derive(Default)]
pub struct Visit {
    pub landing_url: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// The page the visitor came from (SPEC §37).
    pub referrer: Option<String>,
    /// The query the visitor arrived with (the redirect's; a recorded
    /// click's is its landing URL's).
    pub query: Option<String>,
}

/// A recorded click, and where its visitor goes next.
pub struct Clicked {
    pub click: click::Model,
    pub code: referral_code::Model,
    /// The campaign's landing URL with `ref={code}` and `click={id}` added.
    pub target: Option<String>,
}

/// A click is its code's, for the access table.
impl crate::auth::visible::Exposed for Clicked {
    const KIND: crate::auth::access::Kind = crate::auth::access::Kind::Click;

    fn partner(&self) -> Option<&str> {
        Some(&self.code.partner_id)
    }
}

/// What recording a click did.
pub enum Recorded {
    Clicked(Box<Clicked>),
    /// Past the click-spam threshold (`CLICK_SPAM`): flagged, not
    /// recorded, counted nowhere; where the visitor goes, with no click.
    Spam {
        target: Option<String>,
    },
    /// Traffic its program ignores (SPEC §37): nothing written; where the
    /// visitor goes, named by nothing. The caller counts it.
    Ignored {
        reason: Reason,
        code: Box<referral_code::Model>,
        target: Option<String>,
    },
}

/// What the code's campaign and its partner's group ignore together.
pub async fn sources(
    conn: &impl ConnectionTrait,
    campaign: &campaign::Model,
    group_id: &str,
) -> ApiResult<TrafficSources> {
    let group = partner_group::Entity::find_by_id(group_id.to_owned())
        .one(conn)
        .await?;
    Ok(
        TrafficSources::of(campaign.traffic_sources.as_deref())?.with(&TrafficSources::of(
            group.and_then(|g| g.traffic_sources).as_deref(),
        )?),
    )
}

/// The refusal of an ignored click or attribution: `CONFLICT` with its
/// reason.
pub fn declined(reason: Reason) -> ApiError {
    ApiError::Declined {
        message: reason.told().to_owned(),
        reason: reason.name(),
    }
}

/// Why a visit of `code` is ignored, if it is.
async fn judged(
    conn: &impl ConnectionTrait,
    code: &referral_code::Model,
    campaign: &campaign::Model,
    referrer: Option<&str>,
    query: Option<&str>,
) -> ApiResult<Option<Reason>> {
    if referrer.is_none() && query.is_none() {
        return Ok(None);
    }
    let group_id = partner::Entity::find_by_id(code.partner_id.clone())
        .one(conn)
        .await?
        .map(|p| p.group_id)
        .unwrap_or_default();
    Ok(sources(conn, campaign, &group_id)
        .await?
        .judge(referrer, query))
}

/// Records a click on a live code of the tenant. `None`, recording
/// nothing: the code is unknown or archived, or `redirect` needs a landing
/// URL its campaign has not.
pub async fn record(
    db: &Db,
    tenant_id: &str,
    code: &str,
    visit: Visit,
    redirect: bool,
) -> ApiResult<Option<Recorded>> {
    let landing_url = input::optional_text(
        "input.landingUrl",
        visit.landing_url.as_deref(),
        MAX_URL_CHARS,
    )?;
    let user_agent = visit
        .user_agent
        .map(|agent| cut(agent, MAX_USER_AGENT_BYTES));
    let referrer =
        input::optional_text("input.referrer", visit.referrer.as_deref(), MAX_URL_CHARS)?;
    let query = match &landing_url {
        Some(url) => url::Url::parse(url)
            .ok()
            .and_then(|u| u.query().map(str::to_owned)),
        None => visit.query.clone(),
    };
    let (landing_url, user_agent, ip) = (&landing_url, &user_agent, &visit.ip);
    let (referrer, query) = (&referrer, &query);
    super::retention::ensure(db, &[super::retention::Month::of(crate::db::now())]).await?;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let Some(code) = codes::live(conn, tenant_id, code).await? else {
                return Ok(None);
            };
            let campaign = campaign::Entity::find_by_id(code.campaign_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("referral code", "no campaign"))?;
            let target = campaign.landing_url.as_deref().map(|url| url.to_owned());
            if redirect && target.is_none() {
                return Ok(None);
            }
            if let Some(reason) = judged(
                conn,
                &code,
                &campaign,
                referrer.as_deref(),
                query.as_deref(),
            )
            .await?
            {
                return Ok(Some(Recorded::Ignored {
                    reason,
                    code: Box::new(code),
                    target,
                }));
            }
            let ip_hash = match ip {
                Some(ip) => Some(hashed_client(conn, tenant_id, ip).await?),
                None => None,
            };
            let now = crate::db::now();
            // A `/r/` visit lands on the campaign's URL with its own
            // parameters: a paid ad's click id among them is seen.
            let landing = match (landing_url, &target, query) {
                (Some(url), _, _) => Some(url.clone()),
                (None, Some(url), Some(query)) => Some(with_query(url, query)),
                (None, url, _) => url.clone(),
            };
            let verdict = crate::fraud::signals::at_click(
                conn,
                tenant_id,
                &code.partner_id,
                &campaign,
                ip_hash.as_deref().map(|hash| (hash, 0)),
                landing.as_deref(),
                now,
            )
            .await?;
            if verdict.spam {
                // Past the threshold: flagged, and counted nowhere; the
                // visitor still lands, with no click to attribute by.
                crate::fraud::raise_all(&txn, verdict.raise, now).await?;
                let target = target.map(|url| with_params(&url, &code.code, None));
                return Ok(Some(Recorded::Spam { target }));
            }
            let row = click::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                referral_code_id: Set(code.id.clone()),
                landing_url: Set(landing.clone()),
                user_agent: Set(user_agent.clone()),
                ip_hash: Set(ip_hash),
                created_at: Set(crate::db::now()),
            };
            let click = click::Entity::insert(row).exec_with_returning(conn).await?;
            referral_code::Entity::update_many()
                .col_expr(
                    referral_code::Column::Clicks,
                    // An i64, as the clicks job adds: PostgreSQL keeps a
                    // statement's parameter types with its text, and an
                    // i32 here made the job's i64 fail on a connection
                    // that had run this first.
                    Expr::col(referral_code::Column::Clicks).add(1i64),
                )
                .filter(referral_code::Column::Id.eq(code.id.as_str()))
                .exec(conn)
                .await?;
            let raise = crate::fraud::signals::of_click(verdict.raise, &click.id);
            crate::fraud::raise_all(&txn, raise, now).await?;
            let target = target.map(|url| with_params(&url, &code.code, Some(&click.id)));
            Ok(Some(Recorded::Clicked(Box::new(Clicked {
                click,
                code,
                target,
            }))))
        })
    })
    .await
}

/// Where a live code's link leads, with `ref` added (none for traffic its
/// program ignores) and no click recorded (a visitor past its limit of
/// anonymous writes); `None` as [`record`] answers it.
pub async fn target(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    code: &str,
    visit: &Visit,
) -> ApiResult<Option<String>> {
    let Some(code) = codes::live(conn, tenant_id, code).await? else {
        return Ok(None);
    };
    let Some(campaign) = campaign::Entity::find_by_id(code.campaign_id.clone())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let ignored = judged(
        conn,
        &code,
        &campaign,
        visit.referrer.as_deref(),
        visit.query.as_deref(),
    )
    .await?;
    Ok(campaign.landing_url.map(|url| match ignored {
        Some(_) => url,
        None => with_params(&url, &code.code, None),
    }))
}

/// `url` with `ref` and `click` added to its query.
fn with_params(url: &str, code: &str, click: Option<&str>) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let mut pairs = parsed.query_pairs_mut();
            pairs.append_pair("ref", code);
            if let Some(click) = click {
                pairs.append_pair("click", click);
            }
            drop(pairs);
            parsed.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

/// `url` with the pairs of `query` (a visitor's own) added, kept to a
/// landing URL's length.
fn with_query(url: &str, query: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed
                .query_pairs_mut()
                .extend_pairs(url::form_urlencoded::parse(query.as_bytes()));
            cut(parsed.to_string(), MAX_URL_CHARS)
        }
        Err(_) => url.to_owned(),
    }
}

fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// An address as limits and fraud signals count it: an IPv4 address as it
/// is (an IPv4-mapped IPv6 address as the IPv4 address it is), an IPv6
/// address by its /64 — which one host commonly holds whole, so that
/// rotating through it is one visitor, not 2^64.
pub fn network(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::IpAddr;
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
        },
        v4 => v4,
    }
}

/// A client address as stored and counted: its [`network`], hashed
/// ([`hashed`]). Text that is no address is hashed as it is.
pub async fn hashed_client<C>(conn: &Timed<C>, tenant_id: &str, ip: &str) -> ApiResult<String>
where
    C: ConnectionTrait + Send + Sync,
{
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(ip) => hashed(conn, tenant_id, &network(ip).to_string()).await,
        Err(_) => hashed(conn, tenant_id, ip).await,
    }
}

/// The IP as stored: HMAC-SHA256 with the tenant's key (made on its first
/// click), hex — the same visitor hashes the same within a tenant, and
/// never the same across tenants.
pub async fn hashed<C>(conn: &Timed<C>, tenant_id: &str, ip: &str) -> ApiResult<String>
where
    C: ConnectionTrait + Send + Sync,
{
    let key = click_key(conn, tenant_id).await?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|e| ApiError::internal("click key", e))?;
    mac.update(ip.trim().as_bytes());
    Ok(mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The tenant's click key: kept by the database's handle once read as
/// committed ([`crate::db::kept::Kept::click_keys`]), so that a click
/// reads one statement fewer.
async fn click_key<C>(conn: &Timed<C>, tenant_id: &str) -> ApiResult<String>
where
    C: ConnectionTrait + Send + Sync,
{
    let kept = conn.kept();
    let known = kept.and_then(|kept| {
        kept.click_keys
            .lock()
            .ok()
            .and_then(|keys| keys.get(tenant_id).cloned())
    });
    if let Some(key) = known {
        return Ok(key);
    }
    let (key, committed) = stored_click_key(conn, tenant_id).await?;
    // Only a key read as committed: one made in this transaction is kept
    // once a later click reads it back.
    if committed
        && let Some(kept) = kept
        && let Ok(mut keys) = kept.click_keys.lock()
    {
        keys.insert(tenant_id.to_owned(), key.clone());
    }
    Ok(key)
}

/// The tenant's click key, made (once, whoever is first) if it has none;
/// and whether it was there before this transaction.
async fn stored_click_key(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<(String, bool)> {
    let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
    if let Some(key) = tenant.click_key {
        return Ok((key, true));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("randomness", e))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    tenant::Entity::update_many()
        .col_expr(tenant::Column::ClickKey, Expr::value(key.clone()))
        .filter(tenant::Column::Id.eq(tenant_id))
        .filter(tenant::Column::ClickKey.is_null())
        .exec(conn)
        .await?;
    // Whichever writer set it first, its key is the one.
    let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
    let key = tenant
        .click_key
        .ok_or_else(|| ApiError::internal("click key", tenant_id))?;
    Ok((key, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_landing_url_gets_the_code_and_the_click() {
        assert_eq!(
            with_params("https://acme.example/pricing?plan=pro", "jane", Some("01J")),
            "https://acme.example/pricing?plan=pro&ref=jane&click=01J"
        );
        assert_eq!(cut("ééé".to_owned(), 3), "é");
    }
}
