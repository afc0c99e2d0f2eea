//! The codes an e-mail carries — a portal sign-in link's, an application's
//! confirmation, a notification's one-click unsubscribe — are made when
//! the message is handed to the SMTP server, never before, and only their
//! SHA-256 is kept:
//!
//! - the outbox row holds what a link opens ([`Link::Portal`],
//!   [`Link::Confirm`]) and, for a notification, a placeholder hash
//!   nobody holds the code of ([`super::outbox::unsubscribe_placeholder`]);
//!   so `emails { text }`, and anyone who reads the outbox, sees each code
//!   withheld;
//! - as the sender hands a message over it makes the codes ([`mint`]),
//!   renders them into the message, and writes their hashes ([`store`])
//!   in the transaction that marks the message in flight: a message
//!   another replica took is not given codes, and one tried again is
//!   given new ones. The confirmation's and the unsubscribe link's hash
//!   before the last is kept beside it and works too: an attempt with no
//!   answer after the message was written may have been delivered, and
//!   its copy is the one a reader may keep (the same `Message-ID`).
//!
//! A portal link is made at sending, so its minutes run from then.

use super::content::{Content, Link, confirm_path, sign_in_path};
use super::outbox::random_code;
use crate::error::ApiResult;
use chrono::Duration;
use entity::{email, partner_application, portal_link};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A message's codes, made for one attempt at sending it.
pub struct Minted {
    /// The content with its link as sent.
    pub content: Content,
    /// The one-click unsubscribe code of a notification.
    pub unsubscribe: Option<String>,
    writes: Vec<Write>,
}

/// A hash to keep once the message is handed over.
enum Write {
    PortalLink {
        code_hash: String,
        partner: String,
        by: String,
        minutes: i64,
    },
    Confirm {
        application: String,
        token_hash: String,
    },
    Unsubscribe {
        code_hash: String,
    },
}

/// Makes the codes of `row`'s message, whose stored content is `content`.
pub fn mint(row: &email::Model, mut content: Content) -> ApiResult<Minted> {
    let mut writes = Vec::new();
    let language = row.language.as_deref().unwrap_or(crate::languages::DEFAULT);
    if let Some(link) = content.link_mut() {
        let sent = match link {
            Link::Portal {
                partner,
                minutes,
                by,
                to,
            } => {
                let (code, code_hash) = crate::sign_in::new_code()?;
                writes.push(Write::PortalLink {
                    code_hash,
                    partner: partner.clone(),
                    by: by.clone(),
                    minutes: *minutes,
                });
                sign_in_path(&code, &row.tenant_id, language, to.as_deref())
            }
            Link::Confirm {
                tenant,
                campaign,
                application,
            } => {
                let code = random_code(32)?;
                writes.push(Write::Confirm {
                    application: application.clone(),
                    token_hash: crate::sign_in::hash(&code),
                });
                confirm_path(tenant, campaign, &code, language)
            }
            // Written whole by an earlier version: sent as it is.
            Link::Path(path) | Link::Sent(path) => path.clone(),
        };
        *link = Link::Sent(sent);
    }
    let unsubscribe = match row.unsubscribe_code {
        Some(_) => {
            let code = random_code(16)?;
            writes.push(Write::Unsubscribe {
                code_hash: crate::sign_in::hash(&code),
            });
            Some(code)
        }
        None => None,
    };
    Ok(Minted {
        content,
        unsubscribe,
        writes,
    })
}

/// Keeps the hashes of `minted`, in the transaction that hands `row` over.
pub async fn store(
    conn: &impl ConnectionTrait,
    row: &email::Model,
    minted: &Minted,
) -> ApiResult<()> {
    let now = crate::db::now();
    for write in &minted.writes {
        match write {
            Write::PortalLink {
                code_hash,
                partner,
                by,
                minutes,
            } => {
                portal_link::Entity::insert(portal_link::ActiveModel {
                    code_hash: Set(code_hash.clone()),
                    tenant_id: Set(row.tenant_id.clone()),
                    partner_id: Set(partner.clone()),
                    created_by: Set(by.clone()),
                    created_at: Set(now),
                    expires_at: Set(now + Duration::minutes(*minutes)),
                    redeemed_at: Set(None),
                    session_id: Set(None),
                })
                .exec_without_returning(conn)
                .await?;
            }
            Write::Confirm {
                application,
                token_hash,
            } => {
                // The code before stays good: an attempt that may have
                // been sent carried it (both sides of SET read the row as
                // it was).
                partner_application::Entity::update_many()
                    .col_expr(
                        partner_application::Column::EarlierTokenHash,
                        Expr::col(partner_application::Column::TokenHash),
                    )
                    .col_expr(
                        partner_application::Column::TokenHash,
                        Expr::value(token_hash.as_str()),
                    )
                    .filter(partner_application::Column::Id.eq(application.as_str()))
                    .filter(partner_application::Column::TenantId.eq(row.tenant_id.as_str()))
                    .exec(conn)
                    .await?;
            }
            Write::Unsubscribe { code_hash } => {
                email::Entity::update_many()
                    .col_expr(
                        email::Column::EarlierUnsubscribeCode,
                        Expr::col(email::Column::UnsubscribeCode),
                    )
                    .col_expr(
                        email::Column::UnsubscribeCode,
                        Expr::value(code_hash.as_str()),
                    )
                    .filter(email::Column::Id.eq(row.id.as_str()))
                    .exec(conn)
                    .await?;
            }
        }
    }
    Ok(())
}
