//! Broadcasts (SPEC §35): one message to an audience of partners, now or
//! at a time.
//!
//! The audience is a set of filters, every one of which a partner must
//! match (within a filter, any value): groups, categories, tags,
//! statuses (`ACTIVE` unless named), countries, and what it earned
//! between two instants (its commissions not reversed, in one currency,
//! clawbacks counted, at least an amount). It is resolved once, when the
//! broadcast sends, in the same transaction that writes each recipient's
//! message and moves the broadcast from `SCHEDULED` to `SENT`; the move
//! is a conditional update, so a broadcast sends once however many
//! replicas find it due, and one canceled first never sends.
//! `ux_broadcast_messages` keeps each recipient's message single.
//!
//! `recipients` is the audience as resolved, `delivered` the messages
//! written (the same number: every recipient gets one), `read` those its
//! recipients have read, counted when asked.

use super::{NewMessage, check_body, write};
use crate::activity::{Actor, Entry};
use crate::db::Db;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::{BroadcastStatus, CommissionStatus, MessageSender, PartnerStatus};
use entity::{broadcast, category, commission, message, partner, partner_category, partner_group};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

/// How often the broadcasts job looks for scheduled broadcasts due: one
/// is sent within this of its `sendAt`.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(15);
/// The longest subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Values one filter may list.
const MAX_VALUES: usize = 100;

/// Earnings an audience asks of its partners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Earned {
    pub amount_minor: i64,
    pub currency: String,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

/// Who a broadcast is for, as kept (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audience {
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<PartnerStatus>,
    pub countries: Vec<String>,
    pub earned: Option<Earned>,
}

/// An audience as a client gives it.
#[derive(Clone, Debug, Default)]
pub struct AudienceInput {
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<PartnerStatus>,
    pub countries: Vec<String>,
    /// `(amount, currency)`.
    pub earned_at_least: Option<(Decimal, String)>,
    pub earned_from: Option<DateTime<Utc>>,
    pub earned_to: Option<DateTime<Utc>>,
}

/// A broadcast as a client asks for it.
pub struct NewBroadcast {
    pub subject: String,
    pub body: String,
    pub audience: AudienceInput,
    pub send_at: Option<DateTime<Utc>>,
}

/// The kept audience of a broadcast row (the default if unreadable).
pub fn audience_of(row: &broadcast::Model) -> Audience {
    serde_json::from_str(&row.audience).unwrap_or_default()
}

fn too_many(field: &str, values: usize) -> ApiResult<()> {
    match values > MAX_VALUES {
        true => Err(ApiError::bad_input(
            field,
            format!("must list at most {MAX_VALUES} values"),
        )),
        false => Ok(()),
    }
}

/// Checks an audience whole against the tenant's groups and categories.
async fn check_audience(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    given: AudienceInput,
) -> ApiResult<Audience> {
    let field = "input.audience";
    too_many(&format!("{field}.groupIds"), given.group_ids.len())?;
    too_many(&format!("{field}.categoryIds"), given.category_ids.len())?;
    too_many(&format!("{field}.countries"), given.countries.len())?;
    let groups: Vec<String> = partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(given.group_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    input::check_found(
        &format!("{field}.groupIds"),
        &given.group_ids,
        |id| groups.iter().any(|g| g == id),
        "no such partner group",
    )?;
    let categories: Vec<String> = category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant_id))
        .filter(category::Column::Id.is_in(given.category_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    input::check_found(
        &format!("{field}.categoryIds"),
        &given.category_ids,
        |id| categories.iter().any(|c| c == id),
        "no such category",
    )?;
    let tags = crate::directory::groups::check_tags(&format!("{field}.tags"), &given.tags)?;
    let mut countries = Vec::new();
    for (i, code) in given.countries.iter().enumerate() {
        let code = code.trim().to_uppercase();
        if !crate::engine::countries::is_country(&code) {
            return Err(ApiError::bad_input(
                format!("{field}.countries[{i}]"),
                "must be an ISO 3166-1 alpha-2 country code (US, DE, JP)",
            ));
        }
        countries.push(code);
    }
    let earned = match given.earned_at_least {
        None => {
            if given.earned_from.is_some() || given.earned_to.is_some() {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedAtLeast"),
                    "earnedFrom and earnedTo bound earnedAtLeast: name it too",
                ));
            }
            None
        }
        Some((amount, code)) => {
            let currency = Currency::parse(code.trim()).map_err(|e| {
                ApiError::bad_input(format!("{field}.earnedAtLeast.currency"), e.to_string())
            })?;
            if amount < Decimal::ZERO {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedAtLeast.amount"),
                    "must not be negative",
                ));
            }
            let amount_minor = currency.to_minor(amount).map_err(|e| {
                ApiError::bad_input(format!("{field}.earnedAtLeast.amount"), e.to_string())
            })?;
            if let (Some(from), Some(to)) = (given.earned_from, given.earned_to)
                && to <= from
            {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedTo"),
                    "must be after earnedFrom",
                ));
            }
            Some(Earned {
                amount_minor,
                currency: currency.code().to_owned(),
                from: given.earned_from,
                to: given.earned_to,
            })
        }
    };
    let mut statuses = given.statuses;
    statuses.sort();
    statuses.dedup();
    Ok(Audience {
        group_ids: given.group_ids,
        category_ids: given.category_ids,
        tags,
        statuses,
        countries,
        earned,
    })
}

/// The tenant's partners `audience` selects (see the module).
pub fn resolve(tenant_id: &str, audience: &Audience) -> Select<partner::Entity> {
    let mut select = partner::Entity::find().filter(partner::Column::TenantId.eq(tenant_id));
    let statuses = match audience.statuses.is_empty() {
        true => vec![PartnerStatus::Active],
        false => audience.statuses.clone(),
    };
    select = select.filter(partner::Column::Status.is_in(statuses));
    if !audience.group_ids.is_empty() {
        select = select.filter(partner::Column::GroupId.is_in(audience.group_ids.clone()));
    }
    if !audience.countries.is_empty() {
        select = select.filter(partner::Column::Country.is_in(audience.countries.clone()));
    }
    if !audience.tags.is_empty() {
        let mut any = Condition::any();
        for tag in &audience.tags {
            // Kept as `,a,b,`: a whole tag is `,tag,` (a tag holds no comma).
            any = any.add(partner::Column::Tags.contains(format!(",{tag},")));
        }
        select = select.filter(any);
    }
    if !audience.category_ids.is_empty() {
        select = select.filter(
            partner::Column::Id.in_subquery(
                Query::select()
                    .column(partner_category::Column::PartnerId)
                    .from(partner_category::Entity)
                    .and_where(
                        partner_category::Column::CategoryId.is_in(audience.category_ids.clone()),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(earned) = &audience.earned {
        let mut earners = Query::select();
        earners
            .column(commission::Column::PartnerId)
            .from(commission::Entity)
            .and_where(commission::Column::TenantId.eq(tenant_id))
            .and_where(commission::Column::Currency.eq(earned.currency.as_str()))
            .and_where(commission::Column::Status.ne(CommissionStatus::Reversed))
            .and_where(commission::Column::StaffPayee.eq(false));
        if let Some(from) = earned.from {
            earners.and_where(commission::Column::AccruedAt.gte(from));
        }
        if let Some(to) = earned.to {
            earners.and_where(commission::Column::AccruedAt.lt(to));
        }
        earners
            .group_by_col(commission::Column::PartnerId)
            .and_having(
                Expr::expr(Func::sum(Expr::col(commission::Column::AmountMinor)))
                    .gte(earned.amount_minor),
            );
        select = select.filter(partner::Column::Id.in_subquery(earners.to_owned()));
    }
    select.order_by_asc(partner::Column::Id)
}

/// Makes a broadcast (`partners:write`): sent in this transaction when
/// it has no `sendAt` or one already past, scheduled otherwise.
pub async fn create(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    new: NewBroadcast,
) -> ApiResult<broadcast::Model> {
    let subject = input::required_text("input.subject", &new.subject, MAX_SUBJECT_CHARS)?;
    let body = check_body("input.body", &new.body)?;
    db.transaction(|txn| {
        let (subject, body, audience) = (subject.clone(), body.clone(), new.audience.clone());
        Box::pin(async move {
            let conn = &*txn;
            let audience = check_audience(conn, tenant_id, audience).await?;
            let now = crate::db::now();
            let scheduled = new.send_at.filter(|at| *at > now);
            let row = broadcast::Model {
                id: input::new_id(),
                tenant_id: tenant_id.to_owned(),
                subject,
                body,
                audience: serde_json::to_string(&audience)
                    .map_err(|e| ApiError::internal("broadcast audience", e))?,
                status: BroadcastStatus::Scheduled,
                send_at: scheduled,
                sent_at: None,
                recipients: None,
                delivered: 0,
                created_by: actor.to_owned(),
                created_at: now,
                canceled_at: None,
            };
            broadcast::Entity::insert(broadcast::ActiveModel {
                id: Set(row.id.clone()),
                tenant_id: Set(row.tenant_id.clone()),
                subject: Set(row.subject.clone()),
                body: Set(row.body.clone()),
                audience: Set(row.audience.clone()),
                status: Set(row.status),
                send_at: Set(row.send_at),
                sent_at: Set(None),
                recipients: Set(None),
                delivered: Set(0),
                created_by: Set(row.created_by.clone()),
                created_at: Set(now),
                canceled_at: Set(None),
            })
            .exec_without_returning(conn)
            .await?;
            crate::activity::created("Broadcast", &row.id, &row);
            if scheduled.is_some() {
                return Ok(row);
            }
            send(conn, &row, now).await?;
            find(conn, tenant_id, &row.id)
                .await?
                .ok_or_else(|| ApiError::internal("broadcast", "gone after sending"))
        })
    })
    .await
}

/// Sends a `SCHEDULED` broadcast in the caller's transaction: claims it,
/// resolves its audience, writes each recipient's message. Answers how
/// many it reached; `None` when another sent or canceled it first.
async fn send(
    conn: &impl ConnectionTrait,
    row: &broadcast::Model,
    now: DateTime<Utc>,
) -> ApiResult<Option<usize>> {
    let claimed = broadcast::Entity::update_many()
        .col_expr(
            broadcast::Column::Status,
            Expr::value(BroadcastStatus::Sending.as_str()),
        )
        .filter(broadcast::Column::Id.eq(row.id.as_str()))
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    let audience = audience_of(row);
    let partners = resolve(&row.tenant_id, &audience).all(conn).await?;
    for partner in &partners {
        let new = NewMessage {
            partner,
            sender: MessageSender::Staff,
            author: row.created_by.clone(),
            body: row.body.clone(),
            subject: Some(row.subject.clone()),
            broadcast_id: Some(row.id.clone()),
            workflow_id: None,
        };
        write(conn, new, now).await?;
    }
    let reached = partners.len();
    let count = i32::try_from(reached).unwrap_or(i32::MAX);
    broadcast::Entity::update_many()
        .col_expr(
            broadcast::Column::Status,
            Expr::value(BroadcastStatus::Sent.as_str()),
        )
        .col_expr(broadcast::Column::SentAt, Expr::value(now))
        .col_expr(broadcast::Column::Recipients, Expr::value(count))
        .col_expr(broadcast::Column::Delivered, Expr::value(count))
        .filter(broadcast::Column::Id.eq(row.id.as_str()))
        .exec(conn)
        .await?;
    Ok(Some(reached))
}

/// Sends every scheduled broadcast due by `now`, over every tenant, each
/// in a transaction of its own; answers how many were sent.
pub async fn send_due(db: &Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let due = broadcast::Entity::find()
        .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
        .filter(broadcast::Column::SendAt.lte(now))
        .order_by_asc(broadcast::Column::SendAt)
        .all(db.conn())
        .await?;
    let mut sent = 0;
    for row in due {
        let done = db
            .transaction(|txn| {
                let row = row.clone();
                Box::pin(async move {
                    let reached = send(&*txn, &row, now).await?;
                    if let Some(reached) = reached {
                        let entry = Entry::on(
                            &row.tenant_id,
                            Actor::system("broadcasts"),
                            "sendBroadcast",
                            "Broadcast",
                            &row.id,
                        )
                        .changing("status", Some("SCHEDULED".into()), Some("SENT".into()))
                        .changing(
                            "recipients",
                            None,
                            Some(reached.to_string()),
                        );
                        crate::activity::record(&*txn, now, vec![entry]).await?;
                    }
                    Ok(reached)
                })
            })
            .await?;
        if done.is_some() {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Cancels a scheduled broadcast (`partners:write`).
pub async fn cancel(db: &Db, tenant_id: &str, id: &str) -> ApiResult<broadcast::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let before = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("broadcast"))?;
            let done = broadcast::Entity::update_many()
                .col_expr(
                    broadcast::Column::Status,
                    Expr::value(BroadcastStatus::Canceled.as_str()),
                )
                .col_expr(broadcast::Column::CanceledAt, Expr::value(crate::db::now()))
                .filter(broadcast::Column::Id.eq(id))
                .filter(broadcast::Column::Status.eq(BroadcastStatus::Scheduled))
                .exec(conn)
                .await?;
            if done.rows_affected != 1 {
                return Err(ApiError::Conflict(format!(
                    "the broadcast is {}: only a SCHEDULED one can be canceled",
                    before.status.as_str()
                )));
            }
            let after = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::internal("broadcast", "gone after canceling"))?;
            crate::activity::compared(Some(&before), Some(&after));
            Ok(after)
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<broadcast::Model>> {
    Ok(broadcast::Entity::find_by_id(id.to_owned())
        .filter(broadcast::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The tenant's broadcasts (newest first by id).
pub fn list(tenant_id: &str) -> Select<broadcast::Entity> {
    broadcast::Entity::find().filter(broadcast::Column::TenantId.eq(tenant_id))
}

/// How many of each broadcast's messages their recipients have read, in
/// one statement for a page of broadcasts: `(broadcast, read)`, with no
/// row for a broadcast none of whose messages was read.
pub async fn read_counts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    broadcast_ids: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<(String, u64)>> {
    let counted: Vec<(Option<String>, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::BroadcastId)
        .column_as(message::Column::Id.count(), "read")
        .filter(message::Column::TenantId.eq(tenant_id))
        .filter(message::Column::BroadcastId.is_in(broadcast_ids))
        .filter(message::Column::ReadAt.is_not_null())
        .group_by(message::Column::BroadcastId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(counted
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}
