//! Signing partners in to the portal (SPEC §18), with nothing but a link:
//!
//! - **A one-time link** (`createPartnerPortalLink`): the brand's backend
//!   or an admin makes one for a partner; it carries a 256-bit random code
//!   (only its SHA-256 is stored) valid for `ttlMinutes`. The portal
//!   exchanges it once (`redeemPortalLink`, the one mutation a request
//!   without a token may run) for a **session** and its first token. A
//!   spent, expired or unknown code is refused with a message that says so.
//! - **Session tokens** are partner tokens of [`SESSION_TOKEN_MINUTES`],
//!   renewed by the page while it is open (`renewPortalSession`) until the
//!   session's longest life, [`SESSION_HOURS`]; signing out ends the
//!   session (its last token lives out its minutes). Their `sub` names the
//!   session: `portal:{sessionId}`.
//! - **Embed tokens** (`createPartnerEmbedToken`): a partner token the
//!   brand hands its own app to show the portal's pages (at most
//!   [`MAX_EMBED_MINUTES`], as Dub's three-hour embed tokens), not renewed.
//!
//! Tokens are minted with the server's own key, so they are checked like
//! any other; a server that verifies with a public key alone cannot mint
//! and says so.

use crate::activity::{self, Actor, ActorKind};
use crate::auth::Principal;
use crate::auth::jwt::{Claims, Keys};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Job, Wake, Worker};
use crate::mail;
use crate::sign_in::{self, can_mint, check_minutes, not_valid};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{EmailKind, PartnerStatus};
use entity::{partner, portal_link, portal_session, sign_in_request};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub use crate::sign_in::{MAX_LINK_MINUTES, SESSION_HOURS, SESSION_TOKEN_MINUTES};
/// The longest an embed token lives.
pub const MAX_EMBED_MINUTES: i32 = 180;

/// A link made for a partner: its code (shown once) and until when.
pub struct IssuedLink {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// A token for a partner and until when it is good.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub partner: partner::Model,
}

/// A partner of the tenant that may sign in (`input.partnerId` names none
/// otherwise; an archived partner is refused).
async fn signing_in(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<partner::Model> {
    let partner = partner::Entity::find_by_id(partner_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("partnerId", "names no partner of the tenant"))?;
    if partner.status == PartnerStatus::Archived {
        return Err(ApiError::Conflict(
            "the partner is archived: it cannot sign in".into(),
        ));
    }
    Ok(partner)
}

/// Makes a one-time link for a partner, by `actor`: the link, and the
/// language the partner reads (its path names it).
pub async fn create_link(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    ttl_minutes: i32,
) -> ApiResult<(IssuedLink, String)> {
    let minutes = check_minutes("ttlMinutes", ttl_minutes, MAX_LINK_MINUTES)?;
    db.transaction(|txn| {
        Box::pin(async move {
            let partner = signing_in(&*txn, tenant_id, partner_id).await?;
            let language = crate::languages::of_partner(&*txn, &partner).await?;
            let link = issue_link(&*txn, keys, tenant_id, actor, partner_id, minutes).await?;
            Ok((link, language))
        })
    })
    .await
}

/// The address a sign-in code was sent to, when the code is one of a
/// link made (spent, expired or not): a refused link shows the sign-in
/// form with it filled in (SPEC §38). Whoever holds the code read it in
/// that mailbox.
pub async fn address_of_code(conn: &impl ConnectionTrait, code: &str) -> ApiResult<Option<String>> {
    let Some(link) = portal_link::Entity::find_by_id(sign_in::hash(code))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(partner::Entity::find_by_id(link.partner_id)
        .filter(partner::Column::TenantId.eq(link.tenant_id))
        .one(conn)
        .await?
        .and_then(|p| p.email))
}

/// Writes a one-time link for a partner known to be able to sign in, in
/// the caller's transaction (an e-mail carries it).
pub async fn issue_link(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    minutes: i64,
) -> ApiResult<IssuedLink> {
    can_mint(keys)?;
    let (code, code_hash) = sign_in::new_code()?;
    let now = crate::db::now();
    let expires_at = now + Duration::minutes(minutes);
    portal_link::Entity::insert(portal_link::ActiveModel {
        code_hash: Set(code_hash),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        redeemed_at: Set(None),
        session_id: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(IssuedLink { code, expires_at })
}

/// The portal's path that spends a link's code, naming the tenant and
/// the partner's language (SPEC §38): spent or expired, it shows that
/// tenant's sign-in form in that language.
pub fn link_path(code: &str, tenant_id: &str, language: &str) -> String {
    mail::content::sign_in_path(code, tenant_id, language, None)
}

/// Longest portal page a sign-in request names.
const MAX_PAGE_CHARS: usize = 200;

/// A portal page a sign-in link is to open (`/payouts/01J…`), checked:
/// a path of the portal's, never another site's — else `BAD_USER_INPUT`
/// on `field`.
pub fn checked_page(field: &str, page: &str) -> ApiResult<String> {
    let fine = page.starts_with('/')
        && page.chars().count() <= MAX_PAGE_CHARS
        && !page.starts_with("//")
        && page
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_'));
    match fine {
        true => Ok(page.to_owned()),
        false => Err(ApiError::bad_input(
            field,
            "must be a page of the portal, such as /payouts/{id}",
        )),
    }
}

/// How long an e-mailed sign-in link waits to be used.
pub const EMAILED_LINK_MINUTES: i64 = 15;
/// One network (an IPv4 address, an IPv6 /64) asks for at most this many
/// sign-in links an hour, whatever the addresses.
pub const SIGN_INS_PER_HOUR: u64 = 5;
/// An e-mail address is sent at most this many sign-in links a day asked
/// for from one network: each network spends its own, never another's.
pub const SIGN_INS_PER_DAY: u64 = 3;
/// An e-mail address is sent at most this many sign-in links an hour in
/// all, asked for from networks it has not signed in from lately:
/// however many networks ask (100 /64s of one /48), a partner's mailbox
/// is not flooded. A network it signed in from within
/// [`crate::fraud::signals::SIGN_IN_DAYS`] keeps its own
/// [`SIGN_INS_PER_DAY`], so a flood never keeps a partner from its
/// link.
pub const SIGN_INS_PER_ADDRESS_PER_HOUR: u64 = 5;
/// How long a request is kept (its network's hourly limit reads it).
const REQUESTS_KEPT_HOURS: i64 = 24;
/// How often waiting requests are looked for without being woken (one a
/// replica took and stopped before handling).
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Requests handled a look.
const BATCH: u64 = 50;
/// How long the mailer waits once woken, gathering the requests of the
/// moment.
const GATHER: std::time::Duration = std::time::Duration::from_millis(250);

/// Wakes this replica's sign-in mailer: a request is waiting.
#[derive(Clone, Debug, Default)]
pub struct SignIns(std::sync::Arc<tokio::sync::Notify>);

impl SignIns {
    pub fn poke(&self) {
        self.0.notify_one();
    }
}

/// `requestPortalSignIn`: keeps the request, whoever the address is, and
/// wakes the mailer ([`mail_requests`]), which e-mails a one-time link
/// to the tenant's active partner with this address, if there is one. The
/// request runs the same statements for any address — its network's count
/// and the request written — so neither its answer nor its time tells who
/// is a partner. Past its network's limit ([`SIGN_INS_PER_HOUR`]) nothing
/// is kept. `requested_by`: the keyed hash of the caller's network.
pub async fn request_sign_in(
    db: &Db,
    sign_ins: &SignIns,
    tenant_id: &str,
    email: &str,
    page: Option<String>,
    requested_by: Option<String>,
) -> ApiResult<()> {
    let address = email.trim().to_lowercase();
    let kept = db
        .transaction(|txn| {
            let (address, requested_by, page) =
                (address.clone(), requested_by.clone(), page.clone());
            Box::pin(async move {
                let conn = &*txn;
                let now = crate::db::now();
                let by = match &requested_by {
                    Some(by) => sign_in_request::Column::RequestedBy.eq(by.as_str()),
                    None => sign_in_request::Column::RequestedBy.is_null(),
                };
                let asked = sign_in_request::Entity::find()
                    .filter(sign_in_request::Column::TenantId.eq(tenant_id))
                    .filter(by)
                    .filter(sign_in_request::Column::CreatedAt.gte(now - Duration::hours(1)))
                    .count(conn)
                    .await?;
                if asked >= SIGN_INS_PER_HOUR {
                    return Ok(false);
                }
                sign_in_request::Entity::insert(sign_in_request::ActiveModel {
                    id: Set(crate::input::new_id()),
                    tenant_id: Set(tenant_id.to_owned()),
                    email: Set(Some(address)),
                    requested_by: Set(requested_by),
                    created_at: Set(now),
                    handled_at: Set(None),
                    page: Set(page),
                })
                .exec_without_returning(conn)
                .await?;
                Ok(true)
            })
        })
        .await?;
    if kept {
        sign_ins.poke();
    }
    Ok(())
}

/// This replica's sign-in mailer: handles waiting requests a moment
/// ([`GATHER`]) after it is woken, and every [`LOOK_EVERY`]. The moment
/// keeps its work — heavier for a partner's address — out of the time of
/// the request that woke it.
pub fn mailer(sign_ins: &SignIns) -> Worker {
    Worker::every(Job::SignInMail, LOOK_EVERY)
        .woken_by(Wake::Poke(sign_ins.0.clone()))
        .gathering(GATHER)
}

/// Handles the waiting sign-in requests, each once over every replica:
/// the address is forgotten, and the tenant's active partner with it is
/// e-mailed a one-time link — unless the requesting network has asked
/// for [`SIGN_INS_PER_DAY`] to it in a day. The link is made as the
/// e-mail is sent (`mail::secrets`). A server that cannot mint tokens
/// sends none. Answers how many were handled.
pub async fn mail_requests(db: &Db, keys: &Keys) -> ApiResult<usize> {
    let mut handled = 0;
    loop {
        let waiting: Vec<String> = sign_in_request::Entity::find()
            .select_only()
            .column(sign_in_request::Column::Id)
            .filter(sign_in_request::Column::HandledAt.is_null())
            .order_by_asc(sign_in_request::Column::CreatedAt)
            .limit(BATCH)
            .into_tuple()
            .all(db.conn())
            .await?;
        if waiting.is_empty() {
            return Ok(handled);
        }
        for id in &waiting {
            db.transaction(|txn| Box::pin(async move { handle(&*txn, keys, id).await }))
                .await?;
            handled += 1;
        }
    }
}

/// Handles one request, in the caller's transaction (nothing when
/// another replica handled it first).
async fn handle(conn: &impl ConnectionTrait, keys: &Keys, id: &str) -> ApiResult<()> {
    let Some(request) = sign_in_request::Entity::find_by_id(id.to_owned())
        .filter(sign_in_request::Column::HandledAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let taken = sign_in_request::Entity::update_many()
        .col_expr(
            sign_in_request::Column::HandledAt,
            Expr::value(crate::db::now()),
        )
        .col_expr(
            sign_in_request::Column::Email,
            Expr::value(Option::<String>::None),
        )
        .filter(sign_in_request::Column::Id.eq(id))
        .filter(sign_in_request::Column::HandledAt.is_null())
        .exec(conn)
        .await?;
    let address = request.email.unwrap_or_default();
    if taken.rows_affected != 1 || !keys.can_mint() || address.is_empty() {
        return Ok(());
    }
    let tenant_id = request.tenant_id.as_str();
    let Some(partner) = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::Status.eq(PartnerStatus::Active))
        .filter(sea_orm::ExprTrait::eq(
            Expr::expr(Func::lower(Expr::col(partner::Column::Email))),
            address.as_str(),
        ))
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let to = partner.email.clone().unwrap_or_default();
    let day_ago = crate::db::now() - Duration::days(1);
    let sent = mail::outbox::sent_to_from_since(
        conn,
        tenant_id,
        &to,
        EmailKind::PortalSignIn,
        request.requested_by.as_deref(),
        day_ago,
    )
    .await?;
    if sent >= SIGN_INS_PER_DAY {
        return Ok(());
    }
    if !signed_in_from(conn, &partner.id, request.requested_by.as_deref()).await? {
        let hour_ago = crate::db::now() - Duration::hours(1);
        let all =
            mail::outbox::sent_to_since(conn, tenant_id, &to, EmailKind::PortalSignIn, hour_ago)
                .await?;
        if all >= SIGN_INS_PER_ADDRESS_PER_HOUR {
            return Ok(());
        }
    }
    mail::queue(
        conn,
        mail::Mail {
            tenant_id: tenant_id.to_owned(),
            partner_id: Some(partner.id.clone()),
            to,
            content: mail::Content::PortalSignIn {
                name: partner.name.clone(),
                link: mail::content::Link::Portal {
                    partner: partner.id.clone(),
                    minutes: EMAILED_LINK_MINUTES,
                    by: "portal:sign-in".into(),
                    to: request.page,
                },
                minutes: EMAILED_LINK_MINUTES,
            },
            dedupe_key: None,
            requested_by: request.requested_by,
            suppressed: false,
            language: None,
        },
    )
    .await
}

/// Whether the partner signed in to the portal from the network
/// `requested_by` (hashed as clicks are) within the days its sessions'
/// addresses are kept.
async fn signed_in_from(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    requested_by: Option<&str>,
) -> ApiResult<bool> {
    let Some(network) = requested_by else {
        return Ok(false);
    };
    Ok(portal_session::Entity::find()
        .filter(portal_session::Column::PartnerId.eq(partner_id))
        .filter(portal_session::Column::IpHash.eq(network))
        .one(conn)
        .await?
        .is_some())
}

/// Forgets sign-in requests past [`REQUESTS_KEPT_HOURS`], over every
/// tenant; answers how many.
pub async fn prune_requests(db: &Db) -> ApiResult<u64> {
    let before = crate::db::now() - Duration::hours(REQUESTS_KEPT_HOURS);
    let deleted = sign_in_request::Entity::delete_many()
        .filter(sign_in_request::Column::CreatedAt.lt(before))
        .exec(db.conn())
        .await?;
    Ok(deleted.rows_affected)
}

/// Spends a link's code: a new session and its first token.
pub async fn redeem(
    db: &Db,
    keys: &Keys,
    code: &str,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<Issued> {
    can_mint(keys)?;
    let code_hash = sign_in::hash(code);
    let now = crate::db::now();
    let (session, partner) = db
        .transaction(|txn| {
            let code_hash = code_hash.clone();
            Box::pin(async move {
                let link =
                    sign_in::spendable::<portal_link::Entity>(&*txn, &code_hash, now).await?;
                // A partner gone since the link was made: the link is no
                // longer valid. An archived one is told so; a database error
                // stays one (the link is not spent).
                let partner = signing_in(&*txn, &link.tenant_id, &link.partner_id)
                    .await
                    .map_err(|err| match err {
                        ApiError::BadInput { .. } => not_valid(),
                        other => other,
                    })?;
                // The address signed in from, as the tenant's clicks keep
                // addresses (a keyed hash): a click from it on the
                // partner's own link is a self-referral (SPEC §21).
                let ip_hash = match ip {
                    Some(ip) => Some(
                        crate::attribution::clicks::hashed_client(
                            &*txn,
                            &link.tenant_id,
                            &ip.to_string(),
                        )
                        .await?,
                    ),
                    None => None,
                };
                let session = portal_session::Model {
                    id: crate::input::new_id(),
                    tenant_id: link.tenant_id.clone(),
                    partner_id: link.partner_id.clone(),
                    started_at: now,
                    expires_at: now + Duration::hours(SESSION_HOURS),
                    ended_at: None,
                    ip_hash,
                };
                portal_session::Entity::insert(portal_session::ActiveModel::from(session.clone()))
                    .exec_without_returning(&*txn)
                    .await?;
                sign_in::spend::<portal_link::Entity>(&*txn, &code_hash, &session.id, now).await?;
                // Signed in: the activity log learns who (SPEC §34).
                let actor = Actor::new(ActorKind::Partner, &partner.id, &partner.name);
                activity::acted_by(&partner.tenant_id, actor);
                activity::on("Partner", &partner.id);
                Ok((session, partner))
            })
        })
        .await?;
    session_token(keys, &session, partner, now)
}

/// The session a portal token names, if it is one.
fn session_of(principal: &Principal) -> Option<&str> {
    principal.subject.strip_prefix("portal:")
}

/// A new token for the session of the caller's portal token, while the
/// session is open and not past its longest life.
pub async fn renew(db: &Db, keys: &Keys, principal: &Principal) -> ApiResult<Issued> {
    can_mint(keys)?;
    let not_renewable = || {
        ApiError::Forbidden("only an open portal session's token is renewed: sign in again".into())
    };
    let session_id = session_of(principal).ok_or_else(not_renewable)?;
    let now = crate::db::now();
    let conn = db.conn();
    let session = sign_in::open::<portal_session::Entity>(conn, principal.tenant_id(), session_id)
        .await?
        .ok_or_else(not_renewable)?;
    let partner = signing_in(conn, &session.tenant_id, &session.partner_id)
        .await
        .map_err(|_| not_renewable())?;
    session_token(keys, &session, partner, now)
}

/// Signs out: the caller's portal session ends (answers whether it was open).
pub async fn end(db: &Db, principal: &Principal) -> ApiResult<bool> {
    let Some(session_id) = session_of(principal) else {
        return Ok(false);
    };
    sign_in::end::<portal_session::Entity>(db, principal.tenant_id(), session_id).await
}

fn session_token(
    keys: &Keys,
    session: &portal_session::Model,
    partner: partner::Model,
    now: DateTime<Utc>,
) -> ApiResult<Issued> {
    let expires_at = sign_in::token_expiry(now, session.expires_at);
    let token = mint(
        keys,
        &format!("portal:{}", session.id),
        &partner,
        expires_at,
    )?;
    Ok(Issued {
        token,
        expires_at,
        partner,
    })
}

fn mint(
    keys: &Keys,
    subject: &str,
    partner: &partner::Model,
    expires_at: DateTime<Utc>,
) -> ApiResult<String> {
    let now = crate::auth::jwt::now_seconds();
    let claims = Claims {
        sub: subject.to_owned(),
        tenant_id: partner.tenant_id.clone(),
        role: "partner".into(),
        partner_id: Some(partner.id.clone()),
        scope: None,
        exp: expires_at.timestamp().max(0) as u64,
        iat: Some(now),
        nbf: None,
        iss: None,
        aud: None,
        sid: None,
    };
    keys.mint(&claims)
        .map_err(|e| ApiError::internal("minting a portal token", e.to_string()))
}

/// A partner token for a brand's own app to embed the portal's pages.
pub async fn embed_token(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    partner_id: &str,
    ttl_minutes: i32,
) -> ApiResult<Issued> {
    can_mint(keys)?;
    let minutes = check_minutes("ttlMinutes", ttl_minutes, MAX_EMBED_MINUTES)?;
    let partner = signing_in(db.conn(), tenant_id, partner_id).await?;
    let expires_at = crate::db::now() + Duration::minutes(minutes);
    let token = mint(
        keys,
        &format!("embed:{}", crate::input::new_id()),
        &partner,
        expires_at,
    )?;
    Ok(Issued {
        token,
        expires_at,
        partner,
    })
}
