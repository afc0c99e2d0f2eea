//! Rewards no sale earned (SPEC §31): a referrer's on its recruit's
//! approval, a bounty's on a goal reached or a submission approved. Each
//! is a ledger row on a `REWARD` event of its partner's own, whose
//! `externalId` (`revshare:…`) keys it: written once whatever is retried.

use crate::engagement::bounties::awards::{self, Due};
use crate::engagement::bounties::submissions::{self, Decision};
use crate::engagement::referrals::RESERVED_PREFIX;
use crate::error::{ApiError, ApiResult};
use crate::ledger::path::{EventRow, Payload, insert_events};
use crate::posting::breakdown::{BountyLine, BreakdownLine};
use crate::posting::{NewCommission, Posting, TermsRef};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, EventKind, TermsSource};
use entity::{bounty, bounty_submission, campaign, commission};
use sea_orm::{ConnectionTrait, EntityTrait};

/// A reward's event: whose, in which campaign and currency, when, keyed.
pub struct RewardEvent<'a> {
    pub tenant_id: &'a str,
    pub partner_id: &'a str,
    pub campaign_id: &'a str,
    pub currency: &'a str,
    /// After [`RESERVED_PREFIX`]: `referral:approved:{recruit}`, ….
    pub key: String,
    pub payload: Payload,
    pub at: DateTime<Utc>,
}

/// Writes `row` on a new `REWARD` event (its `event_id` is set here), in
/// the caller's transaction.
pub async fn book(
    conn: &crate::db::Txn,
    event: RewardEvent<'_>,
    mut row: NewCommission,
) -> ApiResult<commission::Model> {
    let external_id = format!("{RESERVED_PREFIX}{}", event.key);
    let payload = event.payload.text();
    let event_row = EventRow {
        tenant_id: event.tenant_id,
        external_id: &external_id,
        partner_id: event.partner_id,
        campaign_id: event.campaign_id,
        kind: EventKind::Reward,
        amount_minor: 0,
        currency: event.currency,
        occurred_at: event.at,
        payload: &payload,
        recorded_at: crate::db::now(),
    }
    .build();
    let mut posting = Posting::new(event.at);
    row.event_id = event_row.id.clone();
    insert_events(conn, vec![event_row], &mut posting).await?;
    let written = posting.add(row)?;
    posting.write(conn).await?;
    Ok(written)
}

/// A bounty's `BOUNTY` commission of `amount_minor` to `partner_id`:
/// accrued `at`, maturing after its campaign's holdback.
fn bounty_row(
    bounty: &bounty::Model,
    campaign: &campaign::Model,
    partner_id: &str,
    amount_minor: i64,
    submission_id: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<NewCommission> {
    let currency = crate::engine::Currency::parse(&bounty.currency)
        .map_err(|e| ApiError::internal("bounty currency", e))?;
    Ok(NewCommission {
        kind: CommissionKind::Bounty,
        status: CommissionStatus::Accrued,
        tenant_id: bounty.tenant_id.clone(),
        partner_id: partner_id.to_owned(),
        campaign_id: bounty.campaign_id.clone(),
        event_id: String::new(),
        amount_minor,
        currency: bounty.currency.clone(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::Group,
        },
        breakdown: vec![BreakdownLine::Bounty(BountyLine {
            bounty_id: bounty.id.clone(),
            name: bounty.name.clone(),
            submission_id,
            amount: currency.from_minor(amount_minor).normalize(),
        })],
        accrued_at: at,
        holdback_days: Some(campaign.holdback_days.unwrap_or(0)),
        original_id: None,
        reason: None,
        note: None,
        deal: None,
        tier_id: None,
        revenue_minor: None,
    })
}

async fn campaign_of(
    conn: &impl ConnectionTrait,
    bounty: &bounty::Model,
) -> ApiResult<campaign::Model> {
    campaign::Entity::find_by_id(bounty.campaign_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("bounty campaign", &bounty.campaign_id))
}

/// Pays a performance bounty a partner reached (see [`awards`]): its
/// `BOUNTY` commission, and the award that keeps it once per partner.
pub(crate) async fn pay_bounty(
    conn: &crate::db::Txn,
    due: &Due,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let Due {
        bounty,
        partner_id,
        at,
    } = due;
    let campaign = campaign_of(conn, bounty).await?;
    let event = RewardEvent {
        tenant_id: &bounty.tenant_id,
        partner_id,
        campaign_id: &bounty.campaign_id,
        currency: &bounty.currency,
        key: format!("bounty:{}:{}", bounty.id, crate::input::new_id()),
        payload: Payload::new().field("bountyId", bounty.id.clone()),
        at: *at,
    };
    let row = bounty_row(
        bounty,
        &campaign,
        partner_id,
        bounty.reward_minor,
        None,
        *at,
    )?;
    let written = book(conn, event, row).await?;
    awards::record(conn, due, &written.id, now).await
}

/// Decides a bounty submission (`commissions:write`), in one transaction:
/// an approval writes its `BOUNTY` commission; the partner is e-mailed.
pub async fn decide_submission(
    db: &crate::db::Db,
    tenant_id: &str,
    actor: &str,
    decision: &Decision,
) -> ApiResult<bounty_submission::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let now = crate::db::now();
            let deciding = submissions::deciding(conn, tenant_id, decision).await?;
            let commission_id = match deciding.amount_minor {
                None => None,
                Some(amount_minor) => {
                    let bounty = &deciding.bounty;
                    let campaign = campaign_of(conn, bounty).await?;
                    let submission = &deciding.submission;
                    let row = bounty_row(
                        bounty,
                        &campaign,
                        &submission.partner_id,
                        amount_minor,
                        Some(submission.id.clone()),
                        now,
                    )?;
                    let event = RewardEvent {
                        tenant_id,
                        partner_id: &submission.partner_id,
                        campaign_id: &bounty.campaign_id,
                        currency: &bounty.currency,
                        key: format!("bounty:submission:{}", submission.id),
                        payload: Payload::new()
                            .field("bountyId", bounty.id.clone())
                            .field("submissionId", submission.id.clone()),
                        at: now,
                    };
                    let written = book(conn, event, row).await?;
                    Some(written.id)
                }
            };
            submissions::decided(conn, &deciding, decision, commission_id, actor, now).await
        })
    })
    .await
}
