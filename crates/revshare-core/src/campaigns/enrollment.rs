//! Enrollment and commission snapshots (SPEC §6).
//!
//! A partner joins a campaign through an approved partnership request or an
//! invitation; either stamps the campaign's terms onto a snapshot row
//! (`partner_commissions`), and amendments append rows. The newest row is in
//! force. Terms in force resolve field by field:
//! `rules = snapshot.rules ?? campaign.rules ?? group.rules`,
//! `holdbackDays = snapshot.holdbackDays ?? campaign.holdbackDays`.

use super::{CampaignStatus, Visibility};
use crate::auth::access::Rows;
use crate::db::Db;
use crate::directory::groups;
use crate::directory::partners::{self, NewPartner};
use crate::engine::RuleSet;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::{self, DomainEventType, NewDomainEvent};
use crate::input;
use entity::{campaign, enrollment, partner_commission, partner_group, partnership_request};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Select,
};

pub use entity::enums::{RequestStatus, SnapshotSource, TermsSource};

/// Terms to stamp: a `None` field falls through to the campaign (and, for
/// rules, to the group) when terms are resolved.
#[derive(Clone, Default)]
pub struct SnapshotTerms {
    pub rules: Option<RuleSet>,
    pub holdback_days: Option<i32>,
}

pub struct Enrolled {
    pub enrollment: enrollment::Model,
    pub snapshot: partner_commission::Model,
}

/// The terms that apply to the next event of a partner in a campaign.
pub struct Terms {
    pub rules: RuleSet,
    pub rules_source: TermsSource,
    pub holdback_days: Option<i32>,
    pub holdback_source: TermsSource,
    pub snapshot: Option<partner_commission::Model>,
}

/// Whether a partner may see `campaign`: it is active and public, the
/// default, or one the partner is `enrolled` in. The rule [`visible_to`]
/// puts in SQL, for what is already in memory.
pub fn is_visible(campaign: &campaign::Model, enrolled: bool) -> bool {
    campaign.is_default
        || enrolled
        || (campaign.visibility == Visibility::Public && campaign.status == CampaignStatus::Active)
}

/// Campaigns a partner may see: active public ones, the default, and those it
/// is enrolled in ([`is_visible`] in SQL).
pub fn visible_to(partner_id: &str) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(campaign::Column::Visibility.eq(Visibility::Public))
                .add(campaign::Column::Status.eq(CampaignStatus::Active)),
        )
        .add(campaign::Column::IsDefault.eq(true))
        .add(
            campaign::Column::Id.in_subquery(
                Query::select()
                    .column(enrollment::Column::CampaignId)
                    .from(enrollment::Entity)
                    .and_where(Expr::col(enrollment::Column::PartnerId).eq(partner_id))
                    .to_owned(),
            ),
        )
}

/// The partnership requests `rows` holds (a partner's own, or the
/// tenant's), by status and campaign.
pub fn requests(
    tenant_id: &str,
    rows: &Rows,
    status: Option<RequestStatus>,
    campaign_id: Option<&str>,
) -> Select<partnership_request::Entity> {
    let mut select = partnership_request::Entity::find()
        .filter(partnership_request::Column::TenantId.eq(tenant_id));
    if let Some(partner_id) = rows.partner_filter() {
        select = select.filter(partnership_request::Column::PartnerId.eq(partner_id));
    }
    if let Some(status) = status {
        select = select.filter(partnership_request::Column::Status.eq(status));
    }
    if let Some(campaign_id) = campaign_id {
        select = select.filter(partnership_request::Column::CampaignId.eq(campaign_id));
    }
    select
}

pub async fn is_enrolled(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    campaign_id: &str,
) -> ApiResult<bool> {
    Ok(enrollment::Entity::find()
        .filter(enrollment::Column::PartnerId.eq(partner_id))
        .filter(enrollment::Column::CampaignId.eq(campaign_id))
        .one(conn)
        .await?
        .is_some())
}

/// A partner asks to join a public, active campaign.
pub async fn apply(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    campaign_id: &str,
) -> ApiResult<partnership_request::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let campaign = super::find(&*txn, tenant_id, campaign_id)
                .await?
                .filter(|c| c.visibility == Visibility::Public && !c.is_default)
                .ok_or_else(|| ApiError::not_found("campaign"))?;
            let enrolled = is_enrolled(&*txn, partner_id, campaign_id).await?;
            // A paused or archived campaign is hidden from partners not in it: to
            // them it is not found here either, as `campaign(id)` answers.
            if !is_visible(&campaign, enrolled) {
                return Err(ApiError::not_found("campaign"));
            }
            if campaign.status != CampaignStatus::Active {
                return Err(ApiError::Conflict(
                    "the campaign is not accepting partners".into(),
                ));
            }
            if enrolled {
                return Err(ApiError::Conflict(
                    "already enrolled in this campaign".into(),
                ));
            }
            let pending = partnership_request::Entity::find()
                .filter(partnership_request::Column::PartnerId.eq(partner_id))
                .filter(partnership_request::Column::CampaignId.eq(campaign_id))
                .filter(partnership_request::Column::Status.eq(RequestStatus::Pending))
                .one(&*txn)
                .await?;
            if pending.is_some() {
                return Err(pending_conflict());
            }
            let request = partnership_request::ActiveModel {
                id: Set(input::new_id()),
                tenant_id: Set(tenant_id.to_owned()),
                partner_id: Set(partner_id.to_owned()),
                campaign_id: Set(campaign_id.to_owned()),
                status: Set(RequestStatus::Pending),
                reason: Set(None),
                created_at: Set(crate::db::now()),
                decided_at: Set(None),
            };
            let request = partnership_request::Entity::insert(request)
                .exec_with_returning(&*txn)
                .await
                .map_err(|e| {
                    if violates(&e, keys::PENDING_REQUEST) {
                        pending_conflict()
                    } else {
                        e.into()
                    }
                })?;
            let event = request_event(&request, DomainEventType::PartnershipRequestCreated);
            events::append(&*txn, tenant_id, request.created_at, vec![event]).await?;
            Ok(request)
        })
    })
    .await
}

/// The event of a partnership request made or decided.
fn request_event(request: &partnership_request::Model, kind: DomainEventType) -> NewDomainEvent {
    NewDomainEvent {
        kind,
        occurred_at: request.decided_at.unwrap_or(request.created_at),
        partner_id: Some(request.partner_id.clone()),
        subject_id: request.id.clone(),
        data: serde_json::json!({
            "campaignId": request.campaign_id,
            "status": request.status.as_str(),
            "reason": request.reason,
        }),
    }
}

fn pending_conflict() -> ApiError {
    ApiError::Conflict("a request to join this campaign is already pending".into())
}

/// Moves a pending request to `status`; exactly one decision wins a race.
async fn decide(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    status: RequestStatus,
    reason: Option<String>,
) -> ApiResult<partnership_request::Model> {
    let decided = partnership_request::Entity::update_many()
        .col_expr(partnership_request::Column::Status, Expr::value(status))
        .col_expr(partnership_request::Column::Reason, Expr::value(reason))
        .col_expr(
            partnership_request::Column::DecidedAt,
            Expr::value(crate::db::now()),
        )
        .filter(partnership_request::Column::Id.eq(id))
        .filter(partnership_request::Column::TenantId.eq(tenant_id))
        .filter(partnership_request::Column::Status.eq(RequestStatus::Pending))
        .exec(conn)
        .await?
        .rows_affected;
    let request = partnership_request::Entity::find_by_id(id.to_owned())
        .filter(partnership_request::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("partnership request"))?;
    if decided == 0 {
        return Err(ApiError::Conflict(format!(
            "the request is already {}",
            request.status.as_str().to_lowercase()
        )));
    }
    let event = request_event(&request, DomainEventType::PartnershipRequestDecided);
    let at = request.decided_at.unwrap_or(request.created_at);
    events::append(conn, tenant_id, at, vec![event]).await?;
    Ok(request)
}

pub async fn approve(db: &Db, tenant_id: &str, actor: &str, id: &str) -> ApiResult<Enrolled> {
    db.transaction(|txn| {
        Box::pin(async move {
            let request = decide(&*txn, tenant_id, id, RequestStatus::Approved, None).await?;
            let campaign = super::find(&*txn, tenant_id, &request.campaign_id)
                .await?
                .ok_or_else(|| ApiError::internal("request campaign", &request.campaign_id))?;
            let terms = campaign_terms(&campaign)?;
            let enrolled = enroll(
                &*txn,
                tenant_id,
                actor,
                &request.partner_id,
                &campaign,
                terms,
                SnapshotSource::Approval,
            )
            .await?;
            Ok(enrolled)
        })
    })
    .await
}

pub async fn reject(
    db: &Db,
    tenant_id: &str,
    id: &str,
    reason: String,
) -> ApiResult<partnership_request::Model> {
    db.transaction(|txn| {
        let reason = reason.clone();
        Box::pin(async move {
            let request =
                decide(&*txn, tenant_id, id, RequestStatus::Rejected, Some(reason)).await?;
            Ok(request)
        })
    })
    .await
}

/// The campaign's terms as they stand now, for stamping.
fn campaign_terms(campaign: &campaign::Model) -> ApiResult<SnapshotTerms> {
    Ok(SnapshotTerms {
        rules: super::rules_of(campaign)?,
        holdback_days: campaign.holdback_days,
    })
}

async fn enroll(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    campaign: &campaign::Model,
    terms: SnapshotTerms,
    source: SnapshotSource,
) -> ApiResult<Enrolled> {
    let enrollment = enrollment::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        campaign_id: Set(campaign.id.clone()),
        source: Set(source),
        created_at: Set(crate::db::now()),
    };
    let enrollment = enrollment::Entity::insert(enrollment)
        .exec_with_returning(conn)
        .await
        .map_err(|e| {
            if violates(&e, keys::ENROLLMENT) {
                ApiError::Conflict("the partner is already enrolled in this campaign".into())
            } else {
                e.into()
            }
        })?;
    let snapshot = stamp(
        conn,
        tenant_id,
        actor,
        partner_id,
        &campaign.id,
        terms,
        source,
        None,
    )
    .await?;
    let event = NewDomainEvent {
        kind: DomainEventType::PartnerEnrolled,
        occurred_at: enrollment.created_at,
        partner_id: Some(partner_id.to_owned()),
        subject_id: enrollment.id.clone(),
        data: serde_json::json!({
            "campaignId": campaign.id,
            "source": source.as_str(),
            "snapshotId": snapshot.id,
        }),
    };
    events::append(conn, tenant_id, enrollment.created_at, vec![event]).await?;
    Ok(Enrolled {
        enrollment,
        snapshot,
    })
}

/// Appends a snapshot row.
#[allow(clippy::too_many_arguments)]
async fn stamp(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    campaign_id: &str,
    terms: SnapshotTerms,
    source: SnapshotSource,
    note: Option<String>,
) -> ApiResult<partner_commission::Model> {
    let row = partner_commission::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        campaign_id: Set(campaign_id.to_owned()),
        rules: Set(terms
            .rules
            .as_ref()
            .map(crate::engine::encode_rules)
            .transpose()?),
        holdback_days: Set(terms.holdback_days),
        source: Set(source),
        note: Set(note),
        created_by: Set(actor.to_owned()),
        created_at: Set(crate::db::now()),
    };
    Ok(partner_commission::Entity::insert(row)
        .exec_with_returning(conn)
        .await?)
}

#[derive(Clone)]
pub struct Invitation {
    pub partner: NewPartner,
    pub campaign_id: Option<String>,
    /// Explicit terms; without them the campaign's are stamped.
    pub snapshot: Option<SnapshotTerms>,
}

/// Creates a partner, its enrollment and its snapshot in one transaction.
pub async fn invite(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    invitation: Invitation,
) -> ApiResult<Enrolled> {
    db.transaction(|txn| {
        let invitation = invitation.clone();
        Box::pin(async move {
            let campaign = match &invitation.campaign_id {
                Some(id) => super::find(&*txn, tenant_id, id)
                    .await?
                    .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?,
                None => super::default_campaign(&*txn, tenant_id).await?,
            };
            if campaign.status == CampaignStatus::Archived {
                return Err(ApiError::bad_input(
                    "input.campaignId",
                    "the campaign is archived",
                ));
            }
            let partner = partners::insert(&*txn, tenant_id, invitation.partner).await?;
            let terms = match invitation.snapshot {
                Some(terms) => terms,
                None => campaign_terms(&campaign)?,
            };
            let enrolled = enroll(
                &*txn,
                tenant_id,
                actor,
                &partner.id,
                &campaign,
                terms,
                SnapshotSource::Invite,
            )
            .await?;
            Ok(enrolled)
        })
    })
    .await
}

/// Creates a partner from an approved application and enrolls it in
/// `campaign` with the campaign's terms frozen (an `APPROVAL` snapshot), in
/// the caller's transaction.
pub async fn admit(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    partner: NewPartner,
    campaign: &campaign::Model,
) -> ApiResult<(entity::partner::Model, Enrolled)> {
    let partner = partners::insert(conn, tenant_id, partner).await?;
    let enrolled = admitted(conn, tenant_id, actor, &partner.id, campaign).await?;
    Ok((partner, enrolled))
}

/// [`admit`]'s enrollment, of a partner just inserted.
pub async fn admitted(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    campaign: &campaign::Model,
) -> ApiResult<Enrolled> {
    let terms = campaign_terms(campaign)?;
    enroll(
        conn,
        tenant_id,
        actor,
        partner_id,
        campaign,
        terms,
        SnapshotSource::Approval,
    )
    .await
}

/// Appends an `AMENDMENT` snapshot for an enrolled partner (or any partner,
/// in the default campaign).
pub async fn amend(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    campaign_id: &str,
    terms: SnapshotTerms,
    note: String,
) -> ApiResult<partner_commission::Model> {
    db.transaction(|txn| {
        let terms = terms.clone();
        let note = note.clone();
        Box::pin(async move {
            partners::find(&*txn, tenant_id, partner_id)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
            let campaign = super::find(&*txn, tenant_id, campaign_id)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?;
            if !campaign.is_default && !is_enrolled(&*txn, partner_id, campaign_id).await? {
                return Err(ApiError::bad_input(
                    "input.campaignId",
                    "the partner is not enrolled in this campaign",
                ));
            }
            let snapshot = stamp(
                &*txn,
                tenant_id,
                actor,
                partner_id,
                campaign_id,
                terms,
                SnapshotSource::Amendment,
                Some(note),
            )
            .await?;
            Ok(snapshot)
        })
    })
    .await
}

/// Whether the rules fall through to the partner's group: neither the
/// snapshot nor the campaign sets them.
pub fn needs_group(
    snapshot: Option<&partner_commission::Model>,
    campaign: &campaign::Model,
) -> bool {
    snapshot.and_then(|s| s.rules.as_ref()).is_none() && campaign.rules.is_none()
}

/// Resolves terms field by field from what is stored. `group` is read only
/// when [`needs_group`] says so.
pub fn resolve_terms(
    snapshot: Option<partner_commission::Model>,
    campaign: &campaign::Model,
    group: Option<&partner_group::Model>,
) -> ApiResult<Terms> {
    let snapshot_rules = match snapshot.as_ref().and_then(|s| s.rules.as_ref()) {
        Some(json) => Some(crate::engine::decode_rules(json)?),
        None => None,
    };
    let (rules, rules_source) = match (snapshot_rules, super::rules_of(campaign)?) {
        (Some(rules), _) => (rules, TermsSource::Snapshot),
        (None, Some(rules)) => (rules, TermsSource::Campaign),
        (None, None) => {
            let group = group.ok_or_else(|| {
                ApiError::internal("partner group for terms of campaign", &campaign.id)
            })?;
            (groups::rules_of(group)?, TermsSource::Group)
        }
    };
    let (holdback_days, holdback_source) = match (
        snapshot.as_ref().and_then(|s| s.holdback_days),
        campaign.holdback_days,
    ) {
        (Some(days), _) => (Some(days), TermsSource::Snapshot),
        (None, Some(days)) => (Some(days), TermsSource::Campaign),
        (None, None) => (None, TermsSource::None),
    };
    Ok(Terms {
        rules,
        rules_source,
        holdback_days,
        holdback_source,
        snapshot,
    })
}
