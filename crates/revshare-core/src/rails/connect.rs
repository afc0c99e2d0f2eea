//! Connect with Stripe: a partner's Express account, made once (its
//! `Idempotency-Key` is the partner, and the row is written once), and an
//! onboarding link each time one is asked for. When Stripe's
//! `account.updated` first says the account's payouts are enabled, the
//! account becomes the partner's payout method (`STRIPE_CONNECT`): the
//! partner asked to be paid there by connecting it.

use super::Settings;
use super::config;
use super::provider::Answer;
use super::stripe::Stripe;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::payouts::methods::{self, Method};
use entity::connect_account;
use entity::enums::PayoutRail;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// An Account Link URL for the partner's Express account, made first if
/// the partner has none.
pub async fn onboarding_link(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<String> {
    let partner = entity::partner::Entity::find_by_id(partner_id.to_owned())
        .filter(entity::partner::Column::TenantId.eq(tenant_id))
        .one(db.conn())
        .await?
        .ok_or_else(|| ApiError::bad_input("partnerId", "names no partner of the tenant"))?;
    let rail = config::open(db.conn(), settings, tenant_id, PayoutRail::StripeConnect)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict("the program does not pay through Stripe Connect".into())
        })?;
    let public = settings.public_url.as_deref().ok_or_else(|| {
        ApiError::Conflict(
            "REVSHARE_PUBLIC_URL is not set: set it to where revshare is reached from outside \
             (such as https://partners.example.com), the address Stripe sends the partner back to \
             after onboarding"
                .into(),
        )
    })?;
    let stripe = Stripe {
        http: &settings.http,
        rail: &rail,
    };
    let existing = connect_account::Entity::find_by_id(partner_id.to_owned())
        .one(db.conn())
        .await?;
    let account_id = match existing {
        Some(account) => account.account_id,
        None => {
            let email = partner.email.as_deref().filter(|e| !e.is_empty());
            let json = taken(stripe.create_account(partner_id, email).await)?;
            let account_id = json["id"]
                .as_str()
                .filter(|id| id.starts_with("acct_"))
                .ok_or_else(|| ApiError::Conflict("Stripe answered without an account id".into()))?
                .to_owned();
            let now = crate::db::now();
            connect_account::Entity::insert(connect_account::ActiveModel {
                partner_id: Set(partner_id.to_owned()),
                tenant_id: Set(tenant_id.to_owned()),
                account_id: Set(account_id),
                payouts_enabled: Set(json["payouts_enabled"].as_bool().unwrap_or(false)),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(connect_account::Column::PartnerId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db.conn())
            .await?;
            // Two calls at once made one account (Stripe's key); the row
            // written first is the one.
            connect_account::Entity::find_by_id(partner_id.to_owned())
                .one(db.conn())
                .await?
                .ok_or_else(|| ApiError::internal("connect account", partner_id))?
                .account_id
        }
    };
    let base = public.trim_end_matches('/');
    let refresh = format!("{base}/portal/?connect=refresh");
    let back = format!("{base}/portal/?connect=done");
    let key = crate::input::new_id();
    let json = taken(
        stripe
            .account_link(&account_id, &refresh, &back, &key)
            .await,
    )?;
    json["url"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::Conflict("Stripe answered an account link without a url".into()))
}

/// A Stripe answer as the caller's: its JSON, or a `CONFLICT` in words.
fn taken(answer: Answer) -> ApiResult<serde_json::Value> {
    match answer {
        Answer::Taken(json) => Ok(json),
        Answer::Refused(status, json) => Err(ApiError::Conflict(format!(
            "Stripe refused ({status}: {})",
            json["error"]["message"].as_str().unwrap_or("no message")
        ))),
        Answer::Unauthorized | Answer::Approval(_) => Err(ApiError::Conflict(
            "Stripe refused the rail's key: configure the rail again".into(),
        )),
        Answer::Later(words, _) => Err(ApiError::Conflict(format!("{words}: try again"))),
    }
}

/// Stripe's `account.updated`: whether the account's payouts are enabled
/// now. Its first `true` makes the account the partner's payout method.
/// `false` when the account is none of the tenant's partners'.
pub async fn account_updated(
    db: &Db,
    tenant_id: &str,
    account_id: &str,
    payouts_enabled: bool,
) -> ApiResult<bool> {
    let Some(account) = connect_account::Entity::find()
        .filter(connect_account::Column::TenantId.eq(tenant_id))
        .filter(connect_account::Column::AccountId.eq(account_id))
        .one(db.conn())
        .await?
    else {
        return Ok(false);
    };
    let became_ready = payouts_enabled
        && connect_account::Entity::update_many()
            .col_expr(
                connect_account::Column::PayoutsEnabled,
                sea_orm::sea_query::Expr::value(true),
            )
            .col_expr(
                connect_account::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(crate::db::now()),
            )
            .filter(connect_account::Column::PartnerId.eq(account.partner_id.as_str()))
            .filter(connect_account::Column::PayoutsEnabled.eq(false))
            .exec(db.conn())
            .await?
            .rows_affected
            == 1;
    if !payouts_enabled {
        connect_account::Entity::update_many()
            .col_expr(
                connect_account::Column::PayoutsEnabled,
                sea_orm::sea_query::Expr::value(false),
            )
            .col_expr(
                connect_account::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(crate::db::now()),
            )
            .filter(connect_account::Column::PartnerId.eq(account.partner_id.as_str()))
            .exec(db.conn())
            .await?;
    }
    if became_ready {
        methods::set(
            db,
            tenant_id,
            "stripe",
            &account.partner_id,
            Method::StripeConnect {
                account_id: account.account_id.clone(),
            },
        )
        .await?;
    }
    Ok(true)
}

/// The partner's Express account, if it has one: its id and whether its
/// payouts are enabled.
pub async fn of_partner(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Option<connect_account::Model>> {
    Ok(connect_account::Entity::find_by_id(partner_id.to_owned())
        .filter(connect_account::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}
