//! A W-8's partner is told once, 30 days before it expires (SPEC §29).
//!
//! A W-8 is valid to the last day of the third calendar year after it was
//! signed, so every W-8 expires on a 31 December: from 1 December in a
//! tenant's time zone, housekeeping e-mails the partners of the approved
//! W-8s signed three years before, and notes on each profile the day it
//! told of (`expiry_noticed_for`), so a profile is read once a year and a
//! partner told once — the e-mail's key says the same, should two
//! replicas look at once. A partner without an address is noted and not
//! told: there is no one to tell.

use crate::db::Db;
use crate::error::ApiResult;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{TaxForm, TaxProfileStatus};
use entity::{partner, tax_profile};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// How long before its last day a W-8's partner is told.
pub const NOTICE_DAYS: u64 = 30;

/// Profiles looked at in one transaction.
const CHUNK: u64 = 200;

/// Tells the partners whose W-8s expire within [`NOTICE_DAYS`] of `now`,
/// each tenant judged on its own day; answers how many were noted.
pub async fn remind(db: &Db, now: DateTime<Utc>) -> ApiResult<u64> {
    let mut noted = 0;
    for tenant in entity::tenant::Entity::find().all(db.conn()).await? {
        let zone: chrono_tz::Tz = tenant.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let today = now.with_timezone(&zone).date_naive();
        let Some(last_day) = NaiveDate::from_ymd_opt(today.year(), 12, 31) else {
            continue;
        };
        if today + chrono::Days::new(NOTICE_DAYS) < last_day {
            continue;
        }
        loop {
            let told = tell(db, &tenant, last_day).await?;
            noted += told;
            if told < CHUNK {
                break;
            }
        }
    }
    Ok(noted)
}

/// One chunk of a tenant's W-8s that end on `last_day`, told and noted.
async fn tell(db: &Db, tenant: &entity::tenant::Model, last_day: NaiveDate) -> ApiResult<u64> {
    let signed_year = last_day.year() - 3;
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(signed_year, 1, 1),
        NaiveDate::from_ymd_opt(signed_year, 12, 31),
    ) else {
        return Ok(0);
    };
    db.transaction(|txn| {
        Box::pin(async move {
            let candidates = tax_profile::Entity::find()
                .filter(tax_profile::Column::TenantId.eq(tenant.id.as_str()))
                .filter(tax_profile::Column::Status.eq(TaxProfileStatus::Approved))
                .filter(tax_profile::Column::Form.is_in([TaxForm::W8ben, TaxForm::W8bene]))
                .filter(
                    Condition::any()
                        .add(tax_profile::Column::ExpiryNoticedFor.is_null())
                        .add(tax_profile::Column::ExpiryNoticedFor.lt(last_day)),
                )
                .filter(
                    Condition::any()
                        .add(tax_profile::Column::SignedOn.between(first, last))
                        .add(tax_profile::Column::SignedOn.is_null()),
                )
                .order_by_asc(tax_profile::Column::PartnerId)
                .limit(CHUNK)
                .all(&*txn)
                .await?;
            let count = candidates.len() as u64;
            for profile in candidates {
                // A W-8 submitted before its day was asked counts from
                // its submission: one that ends another year is looked at
                // again next year, and told of in the year it ends.
                let until = crate::payouts::tax::valid_until_of(&profile);
                let noticed = last_day;
                if until == Some(last_day) {
                    notify(&*txn, tenant, &profile, last_day).await?;
                }
                tax_profile::Entity::update_many()
                    .col_expr(
                        tax_profile::Column::ExpiryNoticedFor,
                        Expr::value(Some(noticed)),
                    )
                    .filter(tax_profile::Column::PartnerId.eq(profile.partner_id.as_str()))
                    .exec(&*txn)
                    .await?;
            }
            Ok(count)
        })
    })
    .await
}

async fn notify(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: &entity::tenant::Model,
    profile: &tax_profile::Model,
    last_day: NaiveDate,
) -> ApiResult<()> {
    use crate::mail::{self, Content, Mail};
    let Some(partner) = partner::Entity::find_by_id(profile.partner_id.clone())
        .filter(partner::Column::TenantId.eq(tenant.id.as_str()))
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let Some(address) = partner.email.clone().filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    let preferences = mail::preferences::one(conn, &partner.id).await?;
    mail::queue(
        conn,
        Mail {
            tenant_id: tenant.id.clone(),
            partner_id: Some(partner.id.clone()),
            to: address.clone(),
            content: Content::TaxProfileExpiring {
                name: partner.name.clone(),
                valid_until: last_day.to_string(),
                link: "/portal/#/payment".into(),
            },
            dedupe_key: Some(format!("w8-expiring:{}:{last_day}", partner.id)),
            requested_by: None,
            suppressed: preferences.suppresses(&address),
            language: None,
        },
    )
    .await
}
