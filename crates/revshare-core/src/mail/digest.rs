//! The daily digest of commissions (`commissionEarned: DAILY`): once a
//! tenant's day has ended in its time zone, each partner who wants a
//! digest and earned that day is sent one e-mail with the day's count and
//! totals per currency.
//!
//! Every replica's sender runs it now and then ([`DIGEST_EVERY`]); the
//! digest's key (`digest:{partner}:{day}`) makes a second writer's insert
//! do nothing, so each day's digest is written once. A day is looked back
//! on for [`LOOK_BACK_DAYS`], so a sender that was down at midnight still
//! writes it when it is back.

use super::content::Content;
use super::outbox::{self, Mail};
use super::preferences::Preferences;
use crate::error::ApiResult;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::enums::{CommissionKind, CommissionStatus, MailPreference};
use entity::{commission, partner, partner_mail, tenant};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;

/// How often a sender looks for days to digest.
pub const DIGEST_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// How many ended days are looked back on.
pub const LOOK_BACK_DAYS: i64 = 2;

/// The days of `zone` that had ended by `now` and are looked back on,
/// each with the instants it ran between.
pub(crate) fn ended_days(
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let today = now.with_timezone(&zone).date_naive();
    (1..=LOOK_BACK_DAYS)
        .filter_map(|back| {
            let day = today - Duration::days(back);
            let start = zone
                .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
                .earliest()?
                .with_timezone(&Utc);
            let next = day.succ_opt()?;
            let end = zone
                .from_local_datetime(&next.and_hms_opt(0, 0, 0)?)
                .earliest()?
                .with_timezone(&Utc);
            Some((day, start, end))
        })
        .collect()
}

/// [`run`] in a transaction of its own.
pub async fn due(db: &crate::db::Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let txn = db.write().await?;
    let written = run(&*txn, now).await?;
    txn.commit().await?;
    Ok(written)
}

/// Writes the digests due by `now` over every tenant; answers how many
/// were written (or found written already).
pub async fn run(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<usize> {
    let wanting: Vec<partner_mail::Model> = partner_mail::Entity::find()
        .filter(partner_mail::Column::CommissionEarned.eq(MailPreference::Daily))
        .all(conn)
        .await?;
    if wanting.is_empty() {
        return Ok(0);
    }
    let mut by_tenant: BTreeMap<String, Vec<partner_mail::Model>> = BTreeMap::new();
    for row in wanting {
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
        let ids: Vec<&str> = rows.iter().map(|r| r.partner_id.as_str()).collect();
        let partners: BTreeMap<String, partner::Model> = partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        for (day, start, end) in ended_days(zone, now) {
            let earned = commission::Entity::find()
                .filter(commission::Column::TenantId.eq(tenant_id.as_str()))
                .filter(commission::Column::PartnerId.is_in(ids.iter().copied()))
                .filter(commission::Column::RecordedAt.gte(start))
                .filter(commission::Column::RecordedAt.lt(end))
                .filter(
                    commission::Column::Kind
                        .is_in([CommissionKind::Commission, CommissionKind::Bonus]),
                )
                .filter(commission::Column::StaffPayee.eq(false))
                .filter(commission::Column::Status.ne(CommissionStatus::Reversed))
                .filter(commission::Column::AmountMinor.gt(0))
                .all(conn)
                .await?;
            let mut per_partner: BTreeMap<&str, (u64, BTreeMap<String, i64>)> = BTreeMap::new();
            for row in &earned {
                let entry = per_partner.entry(row.partner_id.as_str()).or_default();
                entry.0 += 1;
                *entry.1.entry(row.currency.clone()).or_default() += row.amount_minor;
            }
            for (partner_id, (count, totals)) in per_partner {
                let Some(partner) = partners.get(partner_id) else {
                    continue;
                };
                let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
                    continue;
                };
                let preferences = rows
                    .iter()
                    .find(|r| r.partner_id == partner_id)
                    .cloned()
                    .map(Preferences::from)
                    .unwrap_or_default();
                let totals = totals
                    .into_iter()
                    .map(|(currency, minor)| {
                        let amount = match crate::engine::Currency::parse(&currency) {
                            Ok(unit) => unit.from_minor(minor).to_string(),
                            Err(_) => minor.to_string(),
                        };
                        (amount, currency)
                    })
                    .collect();
                outbox::queue(
                    conn,
                    Mail {
                        tenant_id: tenant_id.clone(),
                        partner_id: Some(partner_id.to_owned()),
                        to: address.clone(),
                        content: Content::CommissionDigest {
                            name: partner.name.clone(),
                            // The day as written: each reader's language
                            // writes it its own way when the e-mail is made.
                            day: day.to_string(),
                            count,
                            totals,
                        },
                        dedupe_key: Some(format!("digest:{partner_id}:{day}")),
                        requested_by: None,
                        suppressed: preferences.suppresses(&address),
                        language: None,
                    },
                )
                .await?;
                written += 1;
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_midnight_in_the_tenants_zone() {
        let now = Utc.with_ymd_and_hms(2026, 3, 30, 1, 0, 0).unwrap();
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let days = ended_days(berlin, now);
        // 03:00 in Berlin on the 30th: the 29th (23 hours: summer time
        // began) and the 28th have ended.
        assert_eq!(days[0].0, NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        assert_eq!(
            days[0].1,
            Utc.with_ymd_and_hms(2026, 3, 28, 23, 0, 0).unwrap()
        );
        assert_eq!(
            days[0].2,
            Utc.with_ymd_and_hms(2026, 3, 29, 22, 0, 0).unwrap()
        );
        assert_eq!(days[1].0, NaiveDate::from_ymd_opt(2026, 3, 28).unwrap());
        assert_eq!(days.len(), 2);
    }
}
