//! Referral codes: a partner's code in a campaign (and the billing
//! system's coupon that attributes like it), archived, never deleted.

use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::input;
use entity::enums::PartnerStatus;
use entity::{campaign, partner, partner_link, referral_code};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// Letters and digits of a generated code: none that reads as another
/// (no `0`/`o`, `1`/`l`/`i`).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const GENERATED_LEN: usize = 8;
/// A coupon code's longest form.
const MAX_COUPON_CHARS: usize = 64;

/// What `createReferralCode` asks for, its partner resolved from the token
/// or the input.
pub struct NewCode {
    pub partner_id: String,
    pub campaign_id: Option<String>,
    pub code: Option<String>,
    pub coupon_code: Option<String>,
}

/// A code as given: `[a-z0-9][a-z0-9-]{2,63}`, compared in lower case.
pub fn check_code(field: &str, given: &str) -> ApiResult<String> {
    let code = given.trim().to_lowercase();
    let valid = (3..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-');
    if !valid {
        return Err(ApiError::bad_input(
            field,
            "must be 3 to 64 letters, digits or '-', not starting with '-'",
        ));
    }
    // A code is its short link's key (SPEC §30).
    if crate::input::reserved_path(&code) {
        return Err(ApiError::bad_input(
            field,
            format!("{code:?} is reserved: revshare answers that path"),
        ));
    }
    Ok(code)
}

/// A code another platform gave a partner (SPEC §25), kept with its text
/// so the links already posted keep working: 1 to 64 letters, digits,
/// `-`, `_` or `.` (what those platforms allow in a link's parameter),
/// compared in lower case like every code; `None` for anything else.
pub fn imported_code(given: &str) -> Option<String> {
    let code = given.trim().to_lowercase();
    let valid = (1..=64).contains(&code.len())
        && code.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    valid.then_some(code)
}

fn generated() -> ApiResult<String> {
    let mut bytes = [0u8; GENERATED_LEN];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("randomness", e))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// Creates a code for an active partner in a campaign it is in (the
/// default, or one it is enrolled in). A taken code or coupon is refused by
/// its field; a generated code is drawn again should it be taken.
pub async fn create(db: &Db, tenant_id: &str, new: NewCode) -> ApiResult<referral_code::Model> {
    let code = new
        .code
        .as_deref()
        .map(|c| check_code("input.code", c))
        .transpose()?;
    let coupon = input::optional_text(
        "input.couponCode",
        new.coupon_code.as_deref(),
        MAX_COUPON_CHARS,
    )?;
    let (new, code, coupon) = (&new, &code, &coupon);
    for _ in 0..5 {
        let drawn = match code {
            Some(code) => code.clone(),
            None => generated()?,
        };
        let created = db
            .transaction(|txn| {
                let drawn = drawn.clone();
                Box::pin(async move {
                    let campaign = campaign_of(&*txn, tenant_id, new).await?;
                    if code.is_none() && taken(&*txn, tenant_id, &drawn).await? {
                        return Ok(None);
                    }
                    let inserted = insert(
                        &*txn,
                        tenant_id,
                        &new.partner_id,
                        &campaign.id,
                        &drawn,
                        coupon.as_deref(),
                        None,
                    )
                    .await;
                    match inserted {
                        Ok(row) => Ok(Some(row)),
                        Err(e) if violates(&e, keys::REFERRAL_CODE) => {
                            Err(ApiError::bad_input("input.code", "is taken"))
                        }
                        Err(e) if violates(&e, keys::COUPON_CODE) => Err(ApiError::bad_input(
                            "input.couponCode",
                            "is another code's coupon",
                        )),
                        Err(e) => Err(e.into()),
                    }
                })
            })
            .await?;
        if let Some(created) = created {
            return Ok(created);
        }
    }
    Err(ApiError::internal(
        "referral code",
        "five generated codes taken",
    ))
}

/// Inserts a code and its short link (SPEC §30: every code is a link with
/// its text as the key), leading to `url` (none: the group's
/// destination). A taken code or coupon is the database's unique
/// violation, for the caller to name.
pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    campaign_id: &str,
    code: &str,
    coupon: Option<&str>,
    url: Option<String>,
) -> Result<referral_code::Model, sea_orm::DbErr> {
    let now = crate::db::now();
    let model = referral_code::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        partner_id: Set(partner_id.to_owned()),
        campaign_id: Set(campaign_id.to_owned()),
        code: Set(code.to_owned()),
        coupon_code: Set(coupon.map(str::to_owned)),
        coupon_key: Set(coupon.map(str::to_lowercase)),
        clicks: Set(0),
        ignored_clicks: Set(0),
        customers: Set(0),
        created_at: Set(now),
        archived_at: Set(None),
    };
    let made = referral_code::Entity::insert(model)
        .exec_with_returning(conn)
        .await?;
    partner_link::Entity::insert(link_of(&made, url))
        .exec_without_returning(conn)
        .await?;
    Ok(made)
}

/// The short link of a code just made.
pub fn link_of(code: &referral_code::Model, url: Option<String>) -> partner_link::ActiveModel {
    partner_link::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(code.tenant_id.clone()),
        partner_id: Set(code.partner_id.clone()),
        referral_code_id: Set(code.id.clone()),
        link_key: Set(code.code.clone()),
        url: Set(url),
        clicks: Set(0),
        ignored_clicks: Set(0),
        created_at: Set(code.created_at),
        archived_at: Set(code.archived_at),
    }
}

/// The short link of a code about to be inserted (an import's).
pub fn link_of_new(code: &referral_code::ActiveModel) -> partner_link::ActiveModel {
    let text = |v: &sea_orm::ActiveValue<String>| v.clone().take().unwrap_or_default();
    partner_link::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(text(&code.tenant_id)),
        partner_id: Set(text(&code.partner_id)),
        referral_code_id: Set(text(&code.id)),
        link_key: Set(text(&code.code)),
        url: Set(None),
        clicks: Set(0),
        ignored_clicks: Set(0),
        created_at: Set(code
            .created_at
            .clone()
            .take()
            .unwrap_or_else(crate::db::now)),
        archived_at: Set(code.archived_at.clone().take().flatten()),
    }
}

async fn taken(conn: &impl ConnectionTrait, tenant_id: &str, code: &str) -> ApiResult<bool> {
    Ok(referral_code::Entity::find()
        .filter(referral_code::Column::TenantId.eq(tenant_id))
        .filter(referral_code::Column::Code.eq(code))
        .one(conn)
        .await?
        .is_some())
}

/// The campaign a new code is in, checked for its partner.
async fn campaign_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    new: &NewCode,
) -> ApiResult<campaign::Model> {
    let partner = partner::Entity::find_by_id(new.partner_id.clone())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
    if partner.status != PartnerStatus::Active {
        return Err(ApiError::bad_input(
            "input.partnerId",
            "the partner is not active",
        ));
    }
    let campaign = match &new.campaign_id {
        Some(id) => crate::campaigns::find(conn, tenant_id, id).await?,
        None => Some(crate::campaigns::default_campaign(conn, tenant_id).await?),
    };
    let campaign =
        campaign.ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?;
    let member = campaign.is_default
        || crate::campaigns::enrollment::is_enrolled(conn, &partner.id, &campaign.id).await?;
    match member {
        true => Ok(campaign),
        // One answer whether the campaign exists or not.
        false => Err(ApiError::bad_input("input.campaignId", "no such campaign")),
    }
}

/// Archives a code (again: as it is). `partner`: only that partner's.
pub async fn archive(
    db: &Db,
    tenant_id: &str,
    id: &str,
    partner: Option<&str>,
) -> ApiResult<referral_code::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            let found = referral_code::Entity::find_by_id(id.to_owned())
                .filter(referral_code::Column::TenantId.eq(tenant_id))
                .one(&*txn)
                .await?
                .filter(|c| partner.is_none_or(|p| p == c.partner_id))
                .ok_or_else(|| ApiError::not_found("referral code"))?;
            if found.archived_at.is_some() {
                return Ok(found);
            }
            let now = crate::db::now();
            // Its short link with it.
            partner_link::Entity::update_many()
                .col_expr(partner_link::Column::ArchivedAt, Expr::value(now))
                .filter(partner_link::Column::ReferralCodeId.eq(found.id.as_str()))
                .exec(&*txn)
                .await?;
            let mut active = found.into_active_model();
            active.archived_at = Set(Some(now));
            Ok(active.update(&*txn).await?)
        })
    })
    .await
}

/// A live code of the tenant by its text (any case).
pub async fn live(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    code: &str,
) -> ApiResult<Option<referral_code::Model>> {
    Ok(referral_code::Entity::find()
        .filter(referral_code::Column::TenantId.eq(tenant_id))
        .filter(referral_code::Column::Code.eq(code.trim().to_lowercase()))
        .filter(referral_code::Column::ArchivedAt.is_null())
        .one(conn)
        .await?)
}

/// A live code of the tenant by its coupon (any case).
pub async fn by_coupon(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    coupon: &str,
) -> ApiResult<Option<referral_code::Model>> {
    Ok(referral_code::Entity::find()
        .filter(referral_code::Column::TenantId.eq(tenant_id))
        .filter(referral_code::Column::CouponKey.eq(coupon.trim().to_lowercase()))
        .filter(referral_code::Column::ArchivedAt.is_null())
        .one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_lower_case_letters_digits_and_dashes() {
        assert_eq!(check_code("f", " Jane-2026 ").unwrap(), "jane-2026");
        for bad in ["ab", "-abc", "a_b_c", "café", &"a".repeat(65)] {
            assert!(check_code("f", bad).is_err(), "{bad}");
        }
        let code = generated().unwrap();
        assert_eq!(code.len(), GENERATED_LEN);
        assert!(check_code("f", &code).is_ok());
        assert!(!code.contains(['0', 'o', '1', 'l', 'i']));
    }

    #[test]
    fn an_imported_code_keeps_the_platforms_text() {
        assert_eq!(
            imported_code(" Michael_Scott ").as_deref(),
            Some("michael_scott")
        );
        assert_eq!(imported_code("jo").as_deref(), Some("jo"));
        for bad in ["", "a b", "café", "a/b", &"a".repeat(65)] {
            assert_eq!(imported_code(bad), None, "{bad}");
        }
    }
}
