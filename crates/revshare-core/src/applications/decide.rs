//! Confirming an application (the double opt-in) and deciding it: what
//! follows from each (SPEC §20).

use super::{
    APPROVED_LINK_MINUTES, MAX_REASON_CHARS, UNCONFIRMED_DAYS, answers_of, hash, partner_by_email,
};
use crate::auth::jwt::Keys;
use crate::campaigns::{self, enrollment};
use crate::db::Db;
use crate::directory::partners::NewPartner;
use crate::error::{ApiError, ApiResult};
use crate::events::{self, DomainEventType, NewDomainEvent};
use crate::input;
use crate::mail::{self, Content, Mail};
use chrono::Duration;
use entity::enums::{ApplicationStatus, CampaignStatus, PartnerStatus, PartnerType};
use entity::{campaign, partner_application, tenant};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn not_valid() -> ApiError {
    ApiError::NotFound("this confirmation link is not valid: apply again".into())
}

/// `confirmPartnerApplication`: the applicant followed the e-mailed link.
/// Confirming twice answers the application as it is.
pub async fn confirm(db: &Db, keys: &Keys, code: &str) -> ApiResult<partner_application::Model> {
    let code_hash = hash(code.trim());
    db.transaction(|txn| {
        let code_hash = code_hash.clone();
        Box::pin(async move {
            let conn = &*txn;
            let application = partner_application::Entity::find()
                .filter(
                    sea_orm::Condition::any()
                        .add(partner_application::Column::TokenHash.eq(code_hash.as_str()))
                        .add(partner_application::Column::EarlierTokenHash.eq(code_hash.as_str())),
                )
                .one(conn)
                .await?
                .ok_or_else(not_valid)?;
            if application.status != ApplicationStatus::Unconfirmed {
                return Ok(application);
            }
            let now = crate::db::now();
            if application.created_at + Duration::days(UNCONFIRMED_DAYS) < now {
                return Err(not_valid());
            }
            let tenant_id = application.tenant_id.clone();
            partner_application::Entity::update_many()
                .col_expr(
                    partner_application::Column::Status,
                    Expr::value(ApplicationStatus::Pending.as_str()),
                )
                .col_expr(partner_application::Column::ConfirmedAt, Expr::value(now))
                .filter(partner_application::Column::Id.eq(application.id.as_str()))
                .exec(conn)
                .await?;
            let application = partner_application::Entity::find_by_id(application.id.clone())
                .one(conn)
                .await?
                .ok_or_else(not_valid)?;
            let campaign = campaigns::find(conn, &tenant_id, &application.campaign_id)
                .await?
                .ok_or_else(|| ApiError::internal("application", "no campaign"))?;
            events::append(
                conn,
                &tenant_id,
                now,
                vec![NewDomainEvent {
                    kind: DomainEventType::PartnerApplied,
                    occurred_at: now,
                    partner_id: None,
                    subject_id: application.id.clone(),
                    data: serde_json::json!({ "campaignId": campaign.id }),
                }],
            )
            .await?;
            let tenant = tenant::Entity::find_by_id(tenant_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("application", "no tenant"))?;
            if let Some(support) = tenant.support_email.clone() {
                mail::queue(
                    conn,
                    Mail {
                        tenant_id: tenant_id.clone(),
                        partner_id: None,
                        to: support,
                        content: Content::StaffNewApplication {
                            name: application.name.clone(),
                            email: application.email.clone(),
                            campaign: campaign.name.clone(),
                            website: application.website.clone(),
                            country: application.country.clone(),
                            answers: answers_of(&application)?,
                            id: application.id.clone(),
                        },
                        dedupe_key: Some(format!("staff-application:{}", application.id)),
                        requested_by: None,
                        suppressed: false,
                        language: None,
                    },
                )
                .await?;
            }
            if campaign.auto_approve_applications && campaign.status == CampaignStatus::Active {
                let decision = Decision {
                    approve: true,
                    group_id: None,
                    reason: None,
                };
                return settle(
                    conn,
                    keys,
                    &application,
                    &campaign,
                    "auto-approval",
                    decision,
                )
                .await;
            }
            Ok(application)
        })
    })
    .await
}

/// A decision on an application.
#[derive(Clone, Debug)]
pub struct Decision {
    pub approve: bool,
    pub group_id: Option<String>,
    pub reason: Option<String>,
}

/// `decidePartnerApplication`, by `actor`.
pub async fn decide(
    db: &Db,
    keys: &Keys,
    tenant_id: &str,
    actor: &str,
    id: &str,
    decision: Decision,
) -> ApiResult<partner_application::Model> {
    let reason =
        input::optional_text("input.reason", decision.reason.as_deref(), MAX_REASON_CHARS)?;
    let decision = Decision { reason, ..decision };
    db.transaction(|txn| {
        let decision = decision.clone();
        Box::pin(async move {
            let conn = &*txn;
            let application = partner_application::Entity::find_by_id(id.to_owned())
                .filter(partner_application::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input("input.id", "names no application of the tenant")
                })?;
            match application.status {
                ApplicationStatus::Pending => {}
                ApplicationStatus::Unconfirmed => {
                    return Err(ApiError::Conflict(
                        "the application is not confirmed by its address yet".into(),
                    ));
                }
                _ => {
                    return Err(ApiError::Conflict(
                        "the application is decided already".into(),
                    ));
                }
            }
            let campaign = campaigns::find(conn, tenant_id, &application.campaign_id)
                .await?
                .ok_or_else(|| ApiError::internal("application", "no campaign"))?;
            if decision.approve && campaign.status != CampaignStatus::Active {
                return Err(ApiError::Conflict(
                    "the campaign is not active: it takes no partners".into(),
                ));
            }
            settle(conn, keys, &application, &campaign, actor, decision).await
        })
    })
    .await
}

/// Records a decision on a pending application, with what follows from
/// it, in the caller's transaction.
async fn settle(
    conn: &crate::db::Txn,
    keys: &Keys,
    application: &partner_application::Model,
    campaign: &campaign::Model,
    actor: &str,
    decision: Decision,
) -> ApiResult<partner_application::Model> {
    let tenant_id = application.tenant_id.as_str();
    let now = crate::db::now();
    let (status, partner_id, content) = match decision.approve {
        true => {
            if partner_by_email(conn, tenant_id, &application.email_key)
                .await?
                .is_some()
            {
                return Err(ApiError::Conflict(
                    "a partner of the program has this address already".into(),
                ));
            }
            // Its language, while the program still offers it.
            let offered = match &application.language {
                Some(_) => entity::tenant::Entity::find_by_id(tenant_id.to_owned())
                    .one(conn)
                    .await?
                    .map(|t| crate::languages::Offered::of(&t).languages)
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let language = application
                .language
                .clone()
                .filter(|code| offered.contains(code));
            let (partner, _) = enrollment::admit(
                conn,
                tenant_id,
                actor,
                NewPartner {
                    name: application.name.clone(),
                    email: Some(application.email.clone()),
                    external_id: None,
                    partner_type: PartnerType::Referral,
                    status: PartnerStatus::Active,
                    group_id: decision.group_id.clone(),
                    category_ids: Vec::new(),
                    country: None,
                    tags: Vec::new(),
                    language,
                },
                campaign,
            )
            .await
            .map_err(|e| match e {
                ApiError::BadInput { message, .. } => ApiError::bad_input("input.groupId", message),
                other => other,
            })?;
            super::referral::approved(conn, application, &partner, campaign).await?;
            crate::ledger::workflows::approved(conn, &partner, &campaign.id).await?;
            // The link is made as the e-mail is sent: no stored message
            // holds its code.
            let content = match keys.can_mint() {
                true => Content::ApplicationApproved {
                    name: application.name.clone(),
                    campaign: campaign.name.clone(),
                    link: crate::mail::content::Link::Portal {
                        partner: partner.id.clone(),
                        minutes: APPROVED_LINK_MINUTES,
                        by: actor.to_owned(),
                        to: None,
                    },
                    minutes: APPROVED_LINK_MINUTES,
                },
                // A server that cannot mint tokens sends the way to the
                // portal's sign-in page instead.
                false => Content::ApplicationApproved {
                    name: application.name.clone(),
                    campaign: campaign.name.clone(),
                    link: "/portal/".into(),
                    minutes: 0,
                },
            };
            (ApplicationStatus::Approved, Some(partner.id), content)
        }
        false => (
            ApplicationStatus::Rejected,
            None,
            Content::ApplicationRejected {
                name: application.name.clone(),
                campaign: campaign.name.clone(),
                reason: decision.reason.clone(),
            },
        ),
    };
    partner_application::Entity::update_many()
        .col_expr(
            partner_application::Column::Status,
            Expr::value(status.as_str()),
        )
        .col_expr(
            partner_application::Column::PartnerId,
            Expr::value(partner_id.clone()),
        )
        .col_expr(
            partner_application::Column::Reason,
            Expr::value(decision.reason.clone()),
        )
        .col_expr(partner_application::Column::DecidedBy, Expr::value(actor))
        .col_expr(partner_application::Column::DecidedAt, Expr::value(now))
        .filter(partner_application::Column::Id.eq(application.id.as_str()))
        .exec(conn)
        .await?;
    events::append(
        conn,
        tenant_id,
        now,
        vec![NewDomainEvent {
            kind: DomainEventType::PartnerApplicationDecided,
            occurred_at: now,
            partner_id: None,
            subject_id: application.id.clone(),
            data: serde_json::json!({
                "campaignId": campaign.id,
                "status": status.as_str(),
                "partnerId": partner_id,
            }),
        }],
    )
    .await?;
    mail::queue(
        conn,
        Mail {
            tenant_id: tenant_id.to_owned(),
            partner_id: partner_id.clone(),
            to: application.email.clone(),
            content,
            dedupe_key: Some(format!("application-decided:{}", application.id)),
            requested_by: None,
            suppressed: false,
            // Approved: its partner's (the application's while offered);
            // else the one it applied in.
            language: match partner_id {
                Some(_) => None,
                None => application.language.clone(),
            },
        },
    )
    .await?;
    partner_application::Entity::find_by_id(application.id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("application", "vanished"))
}
