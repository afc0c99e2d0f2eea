//! Campaigns (SPEC §6): the offers partners promote, each with a currency,
//! optional rules in the group vocabulary, an optional holdback and a
//! visibility. Each tenant has one default campaign, which every partner takes
//! part in without enrolling; other campaigns need an enrollment.

pub mod enrollment;

use crate::auth::access::Rows;
use crate::db::Db;
use crate::engine::{Currency, RuleSet};
use crate::error::{ApiError, ApiResult};
use crate::input::{self, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS};
use crate::paging::like_pattern;
use entity::campaign;
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, Select,
};

/// Longest holdback accepted: ten years.
pub const MAX_HOLDBACK_DAYS: i32 = 3650;

pub use entity::enums::{CampaignStatus, Visibility};

#[derive(Clone)]
pub struct NewCampaign {
    pub name: String,
    pub description: Option<String>,
    /// Its description in other languages (SPEC §38), checked by
    /// [`check_description_translations`] and encoded.
    pub description_translations: Option<String>,
    pub currency: Currency,
    pub rules: Option<RuleSet>,
    pub holdback_days: Option<i32>,
    pub visibility: Visibility,
    pub status: CampaignStatus,
    pub landing_url: Option<String>,
    /// Omitted: 90.
    pub attribution_window_days: Option<i32>,
    /// What the application form asks (checked by [`check_questions`]).
    pub application_questions: Vec<String>,
    pub auto_approve_applications: bool,
    /// `false`: clicks from paid ads are flagged (`PAID_AD_CLICK`).
    pub allow_paid_ads: bool,
    /// What its clicks earn nothing from (SPEC §37), checked and encoded
    /// by [`crate::directory::traffic::check`]; none: nothing.
    pub traffic_sources: Option<String>,
}

/// A partial update; `Some(None)` clears a nullable field. The currency never
/// changes: commissions already accrued are in it.
#[derive(Clone, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    /// `Some(None)`: none, the description as written for every reader.
    pub description_translations: Option<Option<String>>,
    pub rules: Option<Option<RuleSet>>,
    pub holdback_days: Option<Option<i32>>,
    pub visibility: Option<Visibility>,
    pub status: Option<CampaignStatus>,
    pub landing_url: Option<Option<String>>,
    pub attribution_window_days: Option<i32>,
    pub application_questions: Option<Vec<String>>,
    pub auto_approve_applications: Option<bool>,
    pub allow_paid_ads: Option<bool>,
    /// Its spend cap, checked and encoded (SPEC §31; `Some(None)`: none).
    pub cap: Option<Option<String>>,
    /// What its clicks earn nothing from, checked and encoded (SPEC §37).
    pub traffic_sources: Option<String>,
}

/// The most questions an application form asks.
pub const MAX_QUESTIONS: usize = 10;
/// The longest question (and answer).
pub const MAX_QUESTION_CHARS: usize = 500;

/// The questions of an application form: at most [`MAX_QUESTIONS`], each
/// 1 to [`MAX_QUESTION_CHARS`] characters, no two alike.
pub fn check_questions(field: &str, questions: Vec<String>) -> ApiResult<Vec<String>> {
    if questions.len() > MAX_QUESTIONS {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(questions.len());
    for (i, question) in questions.iter().enumerate() {
        let question =
            input::required_text(&format!("{field}[{i}]"), question, MAX_QUESTION_CHARS)?;
        if checked.contains(&question) {
            return Err(ApiError::bad_input(
                format!("{field}[{i}]"),
                "is asked twice",
            ));
        }
        checked.push(question);
    }
    Ok(checked)
}

/// A campaign's application questions as stored; a list that does not
/// read is an error, never no question.
pub fn questions_of(campaign: &campaign::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("application questions", &campaign.application_questions)
}

fn questions_json(questions: &[String]) -> ApiResult<String> {
    ApiError::json("application questions", questions)
}

/// The longest landing URL.
const MAX_URL_CHARS: usize = 2048;
/// The longest attribution window: two years.
const MAX_WINDOW_DAYS: i32 = 730;

/// A landing URL: absolute `https`, no fragment (the redirect adds `ref`
/// and `click` to its query).
pub fn check_landing_url(field: &str, url: Option<&str>) -> ApiResult<Option<String>> {
    let Some(url) = input::optional_text(field, url, MAX_URL_CHARS)? else {
        return Ok(None);
    };
    match url::Url::parse(&url) {
        Ok(parsed)
            if parsed.scheme() == "https"
                && parsed.host().is_some()
                && parsed.fragment().is_none() =>
        {
            Ok(Some(parsed.to_string()))
        }
        _ => Err(ApiError::bad_input(
            field,
            "must be an absolute https URL without a fragment",
        )),
    }
}

/// An attribution window in days: 1 to 730.
pub fn check_window(field: &str, days: i32) -> ApiResult<i32> {
    match (1..=MAX_WINDOW_DAYS).contains(&days) {
        true => Ok(days),
        false => Err(ApiError::bad_input(
            field,
            format!("must be 1 to {MAX_WINDOW_DAYS} days"),
        )),
    }
}

pub fn check_name(name: &str) -> ApiResult<String> {
    input::required_line("input.name", name, MAX_NAME_CHARS)
}

pub fn check_description(description: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_text("input.description", description, MAX_DESCRIPTION_CHARS)
}

/// A description's translations (`input.descriptionTranslations`), each
/// checked as the description is; encoded, none for none.
pub fn check_description_translations(given: Vec<(String, String)>) -> ApiResult<Option<String>> {
    use crate::languages::translations::{self, Translation};
    let given = given
        .into_iter()
        .map(|(language, body)| Translation {
            language,
            subject: None,
            body,
        })
        .collect();
    let checked = translations::checked(
        "input.descriptionTranslations",
        given,
        &|field, _| Err(ApiError::bad_input(field, "a description has no subject")),
        &|field, text| input::required_text(field, text, MAX_DESCRIPTION_CHARS),
    )?;
    translations::encode(&checked)
}

/// A campaign's description as a reader of `language` reads it: the
/// translation its staff gave for that language, else as written.
pub fn description_in(campaign: &campaign::Model, language: &str) -> Option<String> {
    let list = crate::languages::translations::decode(campaign.description_translations.as_deref());
    crate::languages::translations::for_reader(&list, language)
        .map(|t| t.body.clone())
        .or_else(|| campaign.description.clone())
}

pub fn check_holdback(field: &str, days: Option<i32>) -> ApiResult<Option<i32>> {
    match days {
        Some(days) if !(0..=MAX_HOLDBACK_DAYS).contains(&days) => Err(ApiError::bad_input(
            field,
            format!("must be between 0 and {MAX_HOLDBACK_DAYS}"),
        )),
        other => Ok(other),
    }
}

pub fn check_currency(field: &str, code: &str) -> ApiResult<Currency> {
    Currency::parse(code).map_err(|e| ApiError::bad_input(field, e.to_string()))
}

fn optional_rules_json(rules: Option<&RuleSet>) -> ApiResult<Option<serde_json::Value>> {
    Ok(rules.map(crate::engine::encode_rules).transpose()?)
}

/// The rules stored on a campaign, if it has its own.
pub fn rules_of(campaign: &campaign::Model) -> ApiResult<Option<RuleSet>> {
    Ok(campaign
        .rules
        .as_ref()
        .map(crate::engine::decode_rules)
        .transpose()?)
}

/// Inserts a campaign inside a caller's transaction.
pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    new: NewCampaign,
    is_default: bool,
) -> ApiResult<campaign::Model> {
    let now = crate::db::now();
    let model = campaign::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        name: Set(new.name),
        description: Set(new.description),
        description_translations: Set(new.description_translations),
        status: Set(new.status),
        currency: Set(new.currency.code().to_owned()),
        rules: Set(optional_rules_json(new.rules.as_ref())?),
        holdback_days: Set(new.holdback_days),
        visibility: Set(new.visibility),
        is_default: Set(is_default),
        landing_url: Set(new.landing_url),
        attribution_window_days: Set(new.attribution_window_days.unwrap_or(90)),
        application_questions: Set(questions_json(&new.application_questions)?),
        auto_approve_applications: Set(new.auto_approve_applications),
        allow_paid_ads: Set(new.allow_paid_ads),
        cap: Set(None),
        traffic_sources: Set(new.traffic_sources),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(campaign::Entity::insert(model)
        .exec_with_returning(conn)
        .await?)
}

pub async fn create(db: &Db, tenant_id: &str, new: NewCampaign) -> ApiResult<campaign::Model> {
    db.transaction(|txn| {
        let new = new.clone();
        Box::pin(async move {
            let created = insert(&*txn, tenant_id, new, false).await?;
            crate::activity::created("Campaign", &created.id, &created);
            Ok(created)
        })
    })
    .await
}

pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: CampaignChanges,
) -> ApiResult<campaign::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        Box::pin(async move {
            let current = find(&*txn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("campaign"))?;
            if current.is_default && changes.status.is_some_and(|s| s != CampaignStatus::Active) {
                return Err(ApiError::bad_input(
                    "input.status",
                    "the default campaign is always active",
                ));
            }
            let before = current.clone();
            let mut active = current.into_active_model();
            if let Some(name) = changes.name {
                active.name = Set(name);
            }
            if let Some(description) = changes.description {
                active.description = Set(description);
            }
            if let Some(translations) = changes.description_translations {
                active.description_translations = Set(translations);
            }
            if let Some(rules) = changes.rules {
                active.rules = Set(optional_rules_json(rules.as_ref())?);
            }
            if let Some(holdback_days) = changes.holdback_days {
                active.holdback_days = Set(holdback_days);
            }
            if let Some(visibility) = changes.visibility {
                active.visibility = Set(visibility);
            }
            if let Some(status) = changes.status {
                active.status = Set(status);
            }
            if let Some(url) = changes.landing_url {
                active.landing_url = Set(url);
            }
            if let Some(days) = changes.attribution_window_days {
                active.attribution_window_days = Set(days);
            }
            if let Some(questions) = changes.application_questions {
                active.application_questions = Set(questions_json(&questions)?);
            }
            if let Some(auto) = changes.auto_approve_applications {
                active.auto_approve_applications = Set(auto);
            }
            if let Some(allow) = changes.allow_paid_ads {
                active.allow_paid_ads = Set(allow);
            }
            if let Some(cap) = changes.cap {
                active.cap = Set(cap);
            }
            if let Some(sources) = changes.traffic_sources {
                active.traffic_sources = Set(Some(sources));
            }
            active.updated_at = Set(crate::db::now());
            let updated = active.update(&*txn).await?;
            crate::activity::compared(Some(&before), Some(&updated));
            Ok(updated)
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<campaign::Model>> {
    Ok(campaign::Entity::find_by_id(id.to_owned())
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// A campaign `rows` may see: a partner's ([`Rows::Partner`]) are the
/// public ones, the default and its own; the tenant's are every one.
pub async fn visible(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    rows: &Rows,
) -> ApiResult<Option<campaign::Model>> {
    let mut select = campaign::Entity::find_by_id(id.to_owned())
        .filter(campaign::Column::TenantId.eq(tenant_id));
    match rows {
        Rows::Tenant => {}
        Rows::Partner(partner_id) => select = select.filter(enrollment::visible_to(partner_id)),
        Rows::Nothing => return Ok(None),
    }
    Ok(select.one(conn).await?)
}

pub async fn default_campaign(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<campaign::Model> {
    campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::IsDefault.eq(true))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("default campaign", tenant_id))
}

#[derive(Clone)]
pub struct CampaignFilter {
    pub status: Option<CampaignStatus>,
    pub visibility: Option<Visibility>,
    pub search: Option<String>,
    /// Whose campaigns: a partner's ([`Rows::Partner`]) are the public
    /// ones, the default and those it is enrolled in.
    pub rows: Rows,
}

pub fn list(tenant_id: &str, filter: &CampaignFilter) -> Select<campaign::Entity> {
    let mut select = campaign::Entity::find().filter(campaign::Column::TenantId.eq(tenant_id));
    if let Some(status) = filter.status {
        select = select.filter(campaign::Column::Status.eq(status));
    }
    if let Some(visibility) = filter.visibility {
        select = select.filter(campaign::Column::Visibility.eq(visibility));
    }
    if let Some(search) = &filter.search {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(campaign::Column::Name)))
                .like(LikeExpr::new(like_pattern(search)).escape('\\')),
        );
    }
    match &filter.rows {
        Rows::Tenant => {}
        Rows::Partner(partner_id) => select = select.filter(enrollment::visible_to(partner_id)),
        Rows::Nothing => select = select.filter(campaign::Column::Id.eq(crate::input::NO_ROW_ID)),
    }
    select
}
