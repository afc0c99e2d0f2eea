//! How a message reaches its reader by e-mail (SPEC §35), through the
//! outbox ([`crate::mail`]), each message once.
//!
//! - To a partner, as its preference `messages` says: `IMMEDIATE` (the
//!   default) writes the e-mail in the message's transaction, keyed
//!   `message:{id}`; `DAILY` leaves it to the day's digest; `OFF` (or no
//!   address) sends nothing.
//! - To staff, at the program's support address, as the program's
//!   `staffMessageMail` says, the same three ways; no support address:
//!   the console's inbox alone.
//!
//! `mailed_at` is when a message's e-mail was settled — written to the
//! outbox, passed over, or taken into a digest — so none goes twice. The
//! digest ([`digest`]) runs with the housekeeping job: once a tenant's day
//! has ended in its time zone, the messages of the days before that are
//! not settled yet are one e-mail per partner (`message-digest:{partner}:
//! {day}`) and one to staff (`staff-message-digest:{tenant}:{day}`); a
//! message its reader has read meanwhile is settled without one.

use crate::error::{ApiError, ApiResult};
use crate::mail::content::Content;
use crate::mail::outbox::{Mail, queue};
use crate::mail::preferences;
use chrono::{DateTime, Utc};
use entity::enums::{MailPreference, MessageSender};
use entity::{message, partner, tenant};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

/// The portal's page of messages.
pub const PORTAL_PAGE: &str = "/portal/#/messages";
/// The most messages one digest run settles.
const DIGEST_BATCH: u64 = 10_000;

/// Writes `row`'s e-mail if its reader wants it at once; answers when its
/// e-mail was settled (`None`: left to the day's digest).
pub(super) async fn on_written(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    row: &message::Model,
    subject: Option<String>,
    language: Option<String>,
) -> ApiResult<Option<DateTime<Utc>>> {
    let settled = Some(row.sent_at);
    match row.sender {
        MessageSender::Staff => {
            let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
                return Ok(settled);
            };
            let wants = preferences::one(conn, &partner.id).await?;
            match wants.messages {
                MailPreference::Off => Ok(settled),
                MailPreference::Daily => Ok(None),
                MailPreference::Immediate => {
                    let mail = Mail {
                        tenant_id: row.tenant_id.clone(),
                        partner_id: Some(partner.id.clone()),
                        content: Content::Message {
                            name: partner.name.clone(),
                            subject,
                            body: row.body.clone(),
                            link: PORTAL_PAGE.into(),
                        },
                        dedupe_key: Some(format!("message:{}", row.id)),
                        requested_by: None,
                        suppressed: wants.suppresses(&address),
                        language,
                        to: address,
                    };
                    queue(conn, mail).await?;
                    Ok(settled)
                }
            }
        }
        MessageSender::Partner => {
            let tenant = tenant::Entity::find_by_id(row.tenant_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("message", "no tenant"))?;
            let Some(address) = tenant.support_email.filter(|a| !a.is_empty()) else {
                return Ok(settled);
            };
            match tenant.staff_message_mail {
                MailPreference::Off => Ok(settled),
                MailPreference::Daily => Ok(None),
                MailPreference::Immediate => {
                    let mail = Mail {
                        tenant_id: row.tenant_id.clone(),
                        partner_id: None,
                        to: address,
                        content: Content::StaffMessage {
                            partner: partner.name.clone(),
                            partner_id: partner.id.clone(),
                            body: row.body.clone(),
                        },
                        dedupe_key: Some(format!("staff-message:{}", row.id)),
                        requested_by: None,
                        suppressed: false,
                        language: None,
                    };
                    queue(conn, mail).await?;
                    Ok(settled)
                }
            }
        }
    }
}

/// [`digest`] in a transaction of its own.
pub async fn digest_due(db: &crate::db::Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let txn = db.write().await?;
    let written = digest(&*txn, now).await?;
    txn.commit().await?;
    Ok(written)
}

/// Writes the digests of messages due by `now` (see the module); answers
/// how many e-mails were written (or found written already).
pub async fn digest(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<usize> {
    let pending = message::Entity::find()
        .filter(message::Column::MailedAt.is_null())
        .order_by_asc(message::Column::Id)
        .limit(DIGEST_BATCH)
        .all(conn)
        .await?;
    let mut by_tenant: BTreeMap<String, Vec<message::Model>> = BTreeMap::new();
    for row in pending {
        by_tenant
            .entry(row.tenant_id.clone())
            .or_default()
            .push(row);
    }
    let mut written = 0;
    for (tenant_id, rows) in by_tenant {
        let Some(tenant) = tenant::Entity::find_by_id(tenant_id.clone())
            .one(conn)
            .await?
        else {
            continue;
        };
        let zone: chrono_tz::Tz = tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let Some((day, _, today)) = crate::mail::digest::ended_days(zone, now)
            .into_iter()
            .next()
        else {
            continue;
        };
        let due: Vec<&message::Model> = rows.iter().filter(|m| m.sent_at < today).collect();
        if due.is_empty() {
            continue;
        }
        let partner_ids: Vec<&str> = due.iter().map(|m| m.partner_id.as_str()).collect();
        let partners: BTreeMap<String, partner::Model> = partner::Entity::find()
            .filter(partner::Column::Id.is_in(partner_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        // The partners' unread messages from staff, and staff's from partners.
        let mut to_partners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut to_staff: BTreeMap<&str, u64> = BTreeMap::new();
        for row in due.iter().filter(|m| m.read_at.is_none()) {
            match row.sender {
                MessageSender::Staff => to_partners
                    .entry(row.partner_id.as_str())
                    .or_default()
                    .push(row.body.clone()),
                MessageSender::Partner => {
                    *to_staff.entry(row.partner_id.as_str()).or_default() += 1
                }
            }
        }
        for (partner_id, bodies) in to_partners {
            let Some(partner) = partners.get(partner_id) else {
                continue;
            };
            let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
                continue;
            };
            let wants = preferences::one(conn, partner_id).await?;
            if wants.messages == MailPreference::Off {
                continue;
            }
            let mail = Mail {
                tenant_id: tenant_id.clone(),
                partner_id: Some(partner_id.to_owned()),
                content: Content::MessageDigest {
                    name: partner.name.clone(),
                    bodies,
                    link: PORTAL_PAGE.into(),
                },
                dedupe_key: Some(format!("message-digest:{partner_id}:{day}")),
                requested_by: None,
                suppressed: wants.suppresses(&address),
                language: None,
                to: address,
            };
            queue(conn, mail).await?;
            written += 1;
        }
        let support = tenant.support_email.clone().filter(|a| !a.is_empty());
        if let Some(address) = support
            && !to_staff.is_empty()
            && tenant.staff_message_mail != MailPreference::Off
        {
            let threads = to_staff
                .into_iter()
                .map(|(id, n)| {
                    let name = partners.get(id).map_or(id, |p| p.name.as_str());
                    (name.to_owned(), n)
                })
                .collect();
            let mail = Mail {
                tenant_id: tenant_id.clone(),
                partner_id: None,
                to: address,
                content: Content::StaffMessageDigest { threads },
                dedupe_key: Some(format!("staff-message-digest:{tenant_id}:{day}")),
                requested_by: None,
                suppressed: false,
                language: None,
            };
            queue(conn, mail).await?;
            written += 1;
        }
        for chunk in due.chunks(500) {
            message::Entity::update_many()
                .col_expr(message::Column::MailedAt, Expr::value(now))
                .filter(message::Column::Id.is_in(chunk.iter().map(|m| m.id.as_str())))
                .exec(conn)
                .await?;
        }
    }
    Ok(written)
}
