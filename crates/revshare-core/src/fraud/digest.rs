//! The daily fraud digest (SPEC §37): to each address a tenant lists, one
//! `STAFF_FRAUD_DIGEST` a tenant day — written by the first housekeeping
//! pass from the tenant's `hour` (in its zone) that finds open flags,
//! none on a day there is none. `fraud_digests` (tenant, day) keeps it to
//! one whatever the replicas and restarts: the row and the e-mails commit
//! together, and a second writer's row is refused.

use crate::error::{ApiError, ApiResult};
use crate::mail::{Content, Mail};
use chrono::{DateTime, Timelike, Utc};
use entity::enums::FraudFlagStatus;
use entity::{fraud_digest, fraud_flag, partner, tenant};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// The most flags a digest lists one by one (the counts cover them all).
const LISTED: usize = 50;

/// A tenant's digest settings as kept: its addresses and hour.
pub fn recipients_of(row: &tenant::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("fraud digest recipients", &row.fraud_digest_recipients)
}

/// Writes the digests due by `now` over every tenant that lists an
/// address; answers how many tenants' were written.
pub async fn due(db: &crate::db::Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let tenants = tenant::Entity::find()
        .filter(tenant::Column::FraudDigestRecipients.ne("[]"))
        .all(db.conn())
        .await?;
    let mut written = 0;
    for row in tenants {
        match one(db, &row, now).await {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(tenant = %row.id, error = ?err, "writing a fraud digest failed; the next pass tries again");
            }
        }
    }
    Ok(written)
}

/// The tenant's digest, if it is due and has flags to tell of.
async fn one(db: &crate::db::Db, row: &tenant::Model, now: DateTime<Utc>) -> ApiResult<bool> {
    let recipients = recipients_of(row)?;
    if recipients.is_empty() {
        return Ok(false);
    }
    let zone = crate::tenants::zone_of(row)?;
    let local = now.with_timezone(&zone);
    if i64::from(local.hour()) < i64::from(row.fraud_digest_hour) {
        return Ok(false);
    }
    let day = local.date_naive();
    let sent = fraud_digest::Entity::find_by_id((row.id.clone(), day))
        .one(db.conn())
        .await?;
    if sent.is_some() {
        return Ok(false);
    }
    let flags = fraud_flag::Entity::find()
        .filter(fraud_flag::Column::TenantId.eq(row.id.as_str()))
        .filter(fraud_flag::Column::Status.eq(FraudFlagStatus::Open))
        .order_by_asc(fraud_flag::Column::CreatedAt)
        .all(db.conn())
        .await?;
    if flags.is_empty() {
        return Ok(false);
    }
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for flag in &flags {
        *counts.entry(flag.signal.as_str().to_owned()).or_default() += 1;
    }
    let ids: Vec<&str> = flags
        .iter()
        .take(LISTED)
        .map(|f| f.partner_id.as_str())
        .collect();
    let names: HashMap<String, String> = partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let listed: Vec<(String, String, i64)> = flags
        .iter()
        .take(LISTED)
        .map(|f| {
            let name = names
                .get(&f.partner_id)
                .cloned()
                .unwrap_or_else(|| f.partner_id.clone());
            (
                f.signal.as_str().to_owned(),
                name,
                (now - f.created_at).num_days(),
            )
        })
        .collect();
    let total = flags.len();
    let content = Content::StaffFraudDigest {
        day: day.to_string(),
        open: total as u64,
        counts: counts.into_iter().collect(),
        flags: listed,
    };
    let tenant_id = row.id.clone();
    db.transaction(|txn| {
        let (recipients, content, tenant_id) = (recipients.clone(), content.clone(), tenant_id.clone());
        Box::pin(async move {
            let backend = txn.get_database_backend();
            let sql = "INSERT INTO fraud_digests (tenant_id, day, flags, sent_at) VALUES (?, ?, ?, ?) \
                       ON CONFLICT (tenant_id, day) DO NOTHING";
            let values: Vec<sea_orm::Value> = vec![
                tenant_id.clone().into(),
                day.into(),
                i32::try_from(total).unwrap_or(i32::MAX).into(),
                now.into(),
            ];
            let kept = txn
                .execute_raw(crate::db::statement(backend, sql, values))
                .await?
                .rows_affected();
            if kept == 0 {
                // Another replica wrote this day's.
                return Ok(false);
            }
            crate::activity::quiet();
            for to in recipients {
                crate::mail::queue(
                    &*txn,
                    Mail {
                        tenant_id: tenant_id.clone(),
                        partner_id: None,
                        dedupe_key: Some(format!("fraud-digest:{tenant_id}:{day}:{to}")),
                        to,
                        content: content.clone(),
                        requested_by: None,
                        suppressed: false,
                        language: None,
                    },
                )
                .await?;
            }
            Ok(true)
        })
    })
    .await
}
