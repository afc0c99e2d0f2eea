//! What each partner wants to be e-mailed, what a one-click unsubscribe
//! turns off, and which addresses bounced.
//!
//! A partner without a row has the defaults: every commission at once,
//! every payout. A permanent bounce records the address; notifications to
//! it are written `SUPPRESSED` for as long as it is the partner's address
//! (a new address is heard again).

use super::content::is_notification;
use crate::error::{ApiError, ApiResult};
use entity::enums::{EmailKind, MailPreference};
use entity::{email, partner, partner_mail};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A partner's e-mail preferences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preferences {
    pub commission_earned: MailPreference,
    pub payout_sent: bool,
    /// Messages from the program (SPEC §35).
    pub messages: MailPreference,
    pub bounced_address: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            commission_earned: MailPreference::Immediate,
            payout_sent: true,
            messages: MailPreference::Immediate,
            bounced_address: None,
        }
    }
}

impl Preferences {
    /// Whether notifications to `address` are suppressed: it bounced.
    pub fn suppresses(&self, address: &str) -> bool {
        self.bounced_address
            .as_deref()
            .is_some_and(|bounced| bounced.eq_ignore_ascii_case(address))
    }
}

impl From<partner_mail::Model> for Preferences {
    fn from(row: partner_mail::Model) -> Self {
        Preferences {
            commission_earned: row.commission_earned,
            payout_sent: row.payout_sent,
            messages: row.messages,
            bounced_address: row.bounced_address,
        }
    }
}

/// The preferences of `partner_ids` (the defaults for those without a row).
pub async fn of(
    conn: &impl ConnectionTrait,
    partner_ids: &[String],
) -> ApiResult<HashMap<String, Preferences>> {
    let mut found: HashMap<String, Preferences> = partner_mail::Entity::find()
        .filter(partner_mail::Column::PartnerId.is_in(partner_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.partner_id.clone(), Preferences::from(row)))
        .collect();
    for id in partner_ids {
        found.entry(id.clone()).or_default();
    }
    Ok(found)
}

/// One partner's.
pub async fn one(conn: &impl ConnectionTrait, partner_id: &str) -> ApiResult<Preferences> {
    Ok(partner_mail::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
        .map(Preferences::from)
        .unwrap_or_default())
}

/// Writes a partner's preferences whole.
async fn store(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    preferences: &Preferences,
) -> ApiResult<()> {
    partner_mail::Entity::insert(partner_mail::ActiveModel {
        partner_id: Set(partner_id.to_owned()),
        tenant_id: Set(tenant_id.to_owned()),
        commission_earned: Set(preferences.commission_earned),
        payout_sent: Set(preferences.payout_sent),
        messages: Set(preferences.messages),
        bounced_address: Set(preferences.bounced_address.clone()),
        updated_at: Set(crate::db::now()),
    })
    .on_conflict(
        OnConflict::column(partner_mail::Column::PartnerId)
            .update_columns([
                partner_mail::Column::CommissionEarned,
                partner_mail::Column::PayoutSent,
                partner_mail::Column::Messages,
                partner_mail::Column::BouncedAddress,
                partner_mail::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A change of preferences (`None`: as it is).
#[derive(Clone, Copy, Default)]
pub struct Change {
    pub commission_earned: Option<MailPreference>,
    pub payout_sent: Option<bool>,
    pub messages: Option<MailPreference>,
}

/// Changes a partner of the tenant's preferences (in the caller's
/// transaction); answers them as they are now.
pub async fn update(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    change: Change,
) -> ApiResult<Preferences> {
    partner::Entity::find_by_id(partner_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.partnerId", "names no partner of the tenant"))?;
    let mut preferences = one(conn, partner_id).await?;
    if let Some(earned) = change.commission_earned {
        preferences.commission_earned = earned;
    }
    if let Some(payout) = change.payout_sent {
        preferences.payout_sent = payout;
    }
    if let Some(messages) = change.messages {
        preferences.messages = messages;
    }
    store(conn, tenant_id, partner_id, &preferences).await?;
    Ok(preferences)
}

/// Records a permanent bounce of `address` for the partner.
pub async fn bounced(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    address: &str,
) -> ApiResult<()> {
    let mut preferences = one(conn, partner_id).await?;
    preferences.bounced_address = Some(address.to_owned());
    store(conn, tenant_id, partner_id, &preferences).await
}

/// What a one-click unsubscribe did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribed {
    pub kind: EmailKind,
    pub program_tenant: String,
}

/// Follows a one-click unsubscribe link: the kind of its e-mail is turned
/// off for its partner. `None`: no such link.
pub async fn unsubscribe(
    conn: &impl ConnectionTrait,
    code: &str,
) -> ApiResult<Option<Unsubscribed>> {
    // Kept as its hash; a message sent by an earlier version kept its
    // code whole (never 64 characters: 22).
    let mut kept = vec![crate::sign_in::hash(code)];
    if code.len() != 64 {
        kept.push(code.to_owned());
    }
    let Some(mail) = email::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(email::Column::UnsubscribeCode.is_in(kept.clone()))
                .add(email::Column::EarlierUnsubscribeCode.is_in(kept)),
        )
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if mail.kind == EmailKind::StaffFraudDigest {
        // The address leaves the tenant's list of the digest's recipients.
        let Some(tenant) = entity::tenant::Entity::find_by_id(mail.tenant_id.clone())
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        let mut listed: Vec<String> = crate::error::ApiError::stored(
            "fraud digest recipients",
            &tenant.fraud_digest_recipients,
        )?;
        listed.retain(|a| !a.eq_ignore_ascii_case(&mail.to_address));
        entity::tenant::Entity::update_many()
            .col_expr(
                entity::tenant::Column::FraudDigestRecipients,
                sea_orm::sea_query::Expr::value(crate::error::ApiError::json(
                    "fraud digest recipients",
                    &listed,
                )?),
            )
            .filter(entity::tenant::Column::Id.eq(mail.tenant_id.as_str()))
            .exec(conn)
            .await?;
        return Ok(Some(Unsubscribed {
            kind: mail.kind,
            program_tenant: mail.tenant_id,
        }));
    }
    let Some(partner_id) = mail.partner_id.as_deref() else {
        return Ok(None);
    };
    if !is_notification(mail.kind) {
        return Ok(None);
    }
    let change = match mail.kind {
        EmailKind::CommissionEarned => Change {
            commission_earned: Some(MailPreference::Off),
            ..Change::default()
        },
        EmailKind::Message => Change {
            messages: Some(MailPreference::Off),
            ..Change::default()
        },
        _ => Change {
            payout_sent: Some(false),
            ..Change::default()
        },
    };
    update(conn, &mail.tenant_id, partner_id, change).await?;
    Ok(Some(Unsubscribed {
        kind: mail.kind,
        program_tenant: mail.tenant_id,
    }))
}
