//! A partner's work for a `SUBMISSION` bounty (SPEC §31).
//!
//! A partner of one of the bounty's groups submits, while the bounty is
//! open, at most 10 `http(s)` URLs and 1,000 characters of description;
//! it may keep one draft per bounty and submit it later. It makes at most
//! the bounty's `maxSubmissions`, counting those submitted or approved (a
//! rejected one frees its place): the partner's lock orders its
//! concurrent submissions. Staff decide a submitted one once: approving
//! writes a `BOUNTY` commission of the reward or of the amount given
//! ([`crate::ledger::rewards`]); rejecting needs a reason. The partner is
//! e-mailed the decision, once (the outbox's key is the submission).

use crate::error::{ApiError, ApiResult};
use crate::mail::{self, Content, Mail};
use chrono::{DateTime, Utc};
use entity::enums::{BountyKind, BountyRejection, BountySubmissionStatus as Status};
use entity::{bounty, bounty_submission, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

/// URLs a submission may name.
pub const MAX_URLS: usize = 10;
/// The longest URL kept.
const MAX_URL_CHARS: usize = 2_048;
/// The longest description of a submission.
pub const MAX_DESCRIPTION: usize = 1_000;
/// The longest note of a decision.
pub const MAX_NOTE: usize = 5_000;

/// A partner's submission as it sends it.
pub struct Submitted {
    pub bounty_id: String,
    pub urls: Vec<String>,
    pub description: Option<String>,
    /// Kept as the partner's draft, not submitted yet.
    pub draft: bool,
}

/// The URLs as kept: trimmed, each an absolute `http(s)` URL.
fn checked_urls(urls: &[String]) -> ApiResult<Vec<String>> {
    if urls.len() > MAX_URLS {
        return Err(ApiError::bad_input(
            "input.urls",
            format!("must have at most {MAX_URLS} URLs"),
        ));
    }
    urls.iter()
        .enumerate()
        .map(|(i, given)| {
            let field = format!("input.urls[{i}]");
            let text = given.trim();
            if text.chars().count() > MAX_URL_CHARS {
                return Err(ApiError::bad_input(
                    field,
                    format!("must be at most {MAX_URL_CHARS} characters"),
                ));
            }
            match url::Url::parse(text) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                    Ok(text.to_owned())
                }
                _ => Err(ApiError::bad_input(field, "must be an http(s) URL")),
            }
        })
        .collect()
}

/// Submits (or keeps as a draft) the partner's work for a bounty, in the
/// caller's transaction. A partner's draft of the bounty is updated, not
/// added to.
pub async fn submit(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    given: &Submitted,
    now: DateTime<Utc>,
) -> ApiResult<bounty_submission::Model> {
    let urls = checked_urls(&given.urls)?;
    let description = crate::input::optional_text(
        "input.description",
        given.description.as_deref(),
        MAX_DESCRIPTION,
    )?;
    if !given.draft && urls.is_empty() {
        return Err(ApiError::bad_input(
            "input.urls",
            "must name at least one URL of the work",
        ));
    }
    // The partner's lock orders its submissions, so the count holds.
    let locked = crate::posting::locks::partners_by_id(conn, tenant_id, [partner_id]).await?;
    let partner = locked
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let field = "input.bountyId";
    let bounty = match super::find(conn, tenant_id, &given.bounty_id).await? {
        Some(b) if super::is_for(&b, super::Member::of(&partner))? => b,
        _ => return Err(ApiError::bad_input(field, "no such bounty")),
    };
    if bounty.kind != BountyKind::Submission {
        return Err(ApiError::bad_input(
            field,
            "a PERFORMANCE bounty is paid when its goal is reached: it takes no submissions",
        ));
    }
    let zone = super::zone(conn, tenant_id).await?;
    if !super::window(&bounty, partner.created_at, zone).is_open(now) {
        return Err(ApiError::bad_input(field, "the bounty is not open"));
    }
    let mine = Condition::all()
        .add(bounty_submission::Column::BountyId.eq(bounty.id.as_str()))
        .add(bounty_submission::Column::PartnerId.eq(partner.id.as_str()));
    let draft = bounty_submission::Entity::find()
        .filter(mine.clone())
        .filter(bounty_submission::Column::Status.eq(Status::Draft))
        .one(conn)
        .await?;
    if !given.draft {
        let made = bounty_submission::Entity::find()
            .filter(mine)
            .filter(bounty_submission::Column::Status.is_in([Status::Submitted, Status::Approved]))
            .count(conn)
            .await?;
        if made >= bounty.max_submissions as u64 {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "the bounty takes {} submission(s) per partner, and yours are made",
                    bounty.max_submissions
                ),
            ));
        }
    }
    let status = match given.draft {
        true => Status::Draft,
        false => Status::Submitted,
    };
    let urls_text = serde_json::Value::from(urls).to_string();
    let submitted_at = (!given.draft).then_some(now);
    if let Some(draft) = draft {
        let mut row: bounty_submission::ActiveModel = draft.into();
        row.status = Set(status);
        row.urls = Set(urls_text);
        row.description = Set(description);
        row.submitted_at = Set(submitted_at);
        return Ok(bounty_submission::Entity::update(row).exec(conn).await?);
    }
    let row = bounty_submission::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        bounty_id: Set(bounty.id.clone()),
        partner_id: Set(partner.id.clone()),
        status: Set(status),
        urls: Set(urls_text),
        description: Set(description),
        amount_minor: Set(None),
        reason: Set(None),
        note: Set(None),
        commission_id: Set(None),
        created_at: Set(now),
        submitted_at: Set(submitted_at),
        decided_at: Set(None),
        decided_by: Set(None),
    };
    Ok(bounty_submission::Entity::insert(row)
        .exec_with_returning(conn)
        .await?)
}

/// A decision as staff send it.
pub struct Decision {
    pub id: String,
    pub approve: bool,
    /// Approving: the amount in the bounty's currency, instead of its
    /// reward.
    pub amount: Option<rust_decimal::Decimal>,
    pub reason: Option<BountyRejection>,
    pub note: Option<String>,
}

/// A submission being decided, its bounty and its partner, locked.
pub struct Deciding {
    pub submission: bounty_submission::Model,
    pub bounty: bounty::Model,
    pub partner: partner::Model,
    /// Approving: what it earns, in minor units of the bounty's currency.
    pub amount_minor: Option<i64>,
    pub note: Option<String>,
}

/// Checks a decision and locks what it decides: the partner, then the
/// submission (which must be `SUBMITTED`).
pub async fn deciding(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    decision: &Decision,
) -> ApiResult<Deciding> {
    let note = crate::input::optional_text("input.note", decision.note.as_deref(), MAX_NOTE)?;
    match (decision.approve, decision.reason, decision.amount) {
        (true, Some(_), _) => {
            return Err(ApiError::bad_input(
                "input.reason",
                "only a rejection has a reason",
            ));
        }
        (false, None, _) => {
            return Err(ApiError::bad_input(
                "input.reason",
                "a rejection needs a reason",
            ));
        }
        (false, _, Some(_)) => {
            return Err(ApiError::bad_input(
                "input.amount",
                "only an approval has an amount",
            ));
        }
        _ => {}
    }
    let find = || {
        bounty_submission::Entity::find_by_id(decision.id.clone())
            .filter(bounty_submission::Column::TenantId.eq(tenant_id))
    };
    let first = find()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("bounty submission"))?;
    let partner =
        crate::posting::locks::partners_by_id(conn, tenant_id, [first.partner_id.as_str()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::not_found("partner"))?;
    // Read again under the partner's lock: a decision made meanwhile shows.
    let submission = find()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("bounty submission"))?;
    if submission.status != Status::Submitted {
        return Err(ApiError::Conflict(format!(
            "the submission is {} and cannot be decided",
            submission.status.as_str()
        )));
    }
    let bounty = super::find(conn, tenant_id, &submission.bounty_id)
        .await?
        .ok_or_else(|| ApiError::internal("bounty of a submission", &submission.bounty_id))?;
    let amount_minor = match decision.approve {
        false => None,
        true => Some(match decision.amount {
            None => bounty.reward_minor,
            Some(amount) => {
                let currency = crate::engine::Currency::parse(&bounty.currency)
                    .map_err(|e| ApiError::internal("bounty currency", e))?;
                if amount <= rust_decimal::Decimal::ZERO {
                    return Err(ApiError::bad_input("input.amount", "must be more than 0"));
                }
                currency
                    .to_minor(amount)
                    .map_err(|e| ApiError::bad_input("input.amount", e.to_string()))?
            }
        }),
    };
    Ok(Deciding {
        submission,
        bounty,
        partner,
        amount_minor,
        note,
    })
}

/// Keeps the decision (with the approval's commission) and e-mails the
/// partner, once.
pub async fn decided(
    conn: &impl ConnectionTrait,
    deciding: &Deciding,
    decision: &Decision,
    commission_id: Option<String>,
    actor: &str,
    now: DateTime<Utc>,
) -> ApiResult<bounty_submission::Model> {
    let status = match decision.approve {
        true => Status::Approved,
        false => Status::Rejected,
    };
    let updated = bounty_submission::Entity::update_many()
        .col_expr(bounty_submission::Column::Status, Expr::value(status))
        .col_expr(
            bounty_submission::Column::AmountMinor,
            Expr::value(deciding.amount_minor),
        )
        .col_expr(
            bounty_submission::Column::Reason,
            Expr::value(decision.reason),
        )
        .col_expr(
            bounty_submission::Column::Note,
            Expr::value(deciding.note.clone()),
        )
        .col_expr(
            bounty_submission::Column::CommissionId,
            Expr::value(commission_id),
        )
        .col_expr(bounty_submission::Column::DecidedAt, Expr::value(now))
        .col_expr(bounty_submission::Column::DecidedBy, Expr::value(actor))
        .filter(bounty_submission::Column::Id.eq(deciding.submission.id.as_str()))
        .filter(bounty_submission::Column::Status.eq(Status::Submitted))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(
            "the submission was decided meanwhile".into(),
        ));
    }
    mail_decision(conn, deciding, decision).await?;
    bounty_submission::Entity::find_by_id(deciding.submission.id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("decided submission", &deciding.submission.id))
}

/// What a rejection's reason says to the partner.
fn reason_text(reason: BountyRejection) -> &'static str {
    match reason {
        BountyRejection::NotEligible => "it is not eligible",
        BountyRejection::LowQuality => "its quality is too low",
        BountyRejection::Duplicate => "it repeats work already submitted",
        BountyRejection::OutOfTime => "it came outside the bounty's dates",
        BountyRejection::Other => "for another reason",
    }
}

async fn mail_decision(
    conn: &impl ConnectionTrait,
    deciding: &Deciding,
    decision: &Decision,
) -> ApiResult<()> {
    let partner = &deciding.partner;
    let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    let amount = match deciding.amount_minor {
        Some(minor) => {
            let currency = crate::engine::Currency::parse(&deciding.bounty.currency)
                .map_err(|e| ApiError::internal("bounty currency", e))?;
            Some(format!(
                "{} {}",
                currency.from_minor(minor),
                currency.code()
            ))
        }
        None => None,
    };
    let preferences = mail::preferences::one(conn, &partner.id).await?;
    mail::queue(
        conn,
        Mail {
            tenant_id: partner.tenant_id.clone(),
            partner_id: Some(partner.id.clone()),
            to: address.clone(),
            content: Content::BountyDecided {
                name: partner.name.clone(),
                bounty: deciding.bounty.name.clone(),
                approved: decision.approve,
                amount,
                reason: decision.reason.map(|r| reason_text(r).to_owned()),
                note: deciding.note.clone(),
                link: "/portal/#/bounties".into(),
            },
            dedupe_key: Some(format!("bounty-decision:{}", deciding.submission.id)),
            requested_by: None,
            suppressed: preferences.suppresses(&address),
            language: None,
        },
    )
    .await
}
