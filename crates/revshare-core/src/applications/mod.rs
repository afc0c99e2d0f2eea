//! Strangers who apply to a program (SPEC §20): the public form's
//! submission, its double opt-in, the staff's decision.
//!
//! **Anonymous and unabusable.** `submit` answers the same whatever
//! happened, and past a limit stores nothing and sends nothing: at most
//! [`PER_ADDRESS_PER_HOUR`] applications an hour from one client address
//! (its keyed hash, as clicks are), at most [`PER_EMAIL_PER_DAY`]
//! application e-mails a day to one address, nothing for a filled
//! `website2` (a field people never see). Every string is bounded. An
//! unknown tenant or a campaign that is not public and active is answered
//! the same, with nothing written.
//!
//! **Double opt-in.** An application is `UNCONFIRMED` until the link
//! e-mailed to its address is followed (`confirm`); unconfirmed ones are
//! deleted after [`UNCONFIRMED_DAYS`]. An address that is a partner's is
//! e-mailed a portal sign-in link instead; one with an open application is
//! told so.
//!
//! **Deciding.** Approving makes the partner (`REFERRAL`, in the named
//! group or the default, its e-mail the applicant's), enrolls it with the
//! campaign's terms frozen, and e-mails a sign-in link of
//! [`APPROVED_LINK_MINUTES`]; rejecting e-mails the applicant (the reason
//! when one is given). A campaign that auto-approves approves at
//! confirmation.

use crate::attribution::clicks;
use crate::auth::jwt::Keys;
use crate::campaigns::{self, Visibility};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::mail::content::Link;
use crate::mail::{self, Content, Mail};
use crate::portal;
use chrono::Duration;
use entity::enums::{ApplicationStatus, CampaignStatus, EmailKind, PartnerStatus};
use entity::{campaign, partner, partner_application, tenant};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Select,
};
use sha2::Digest;

mod decide;
mod referral;
pub use decide::{Decision, confirm, decide};

/// Applications an hour from one client address.
pub const PER_ADDRESS_PER_HOUR: u64 = 5;
/// Application e-mails a day to one e-mail address.
pub const PER_EMAIL_PER_DAY: u64 = 3;
/// Days an unconfirmed application is kept.
pub const UNCONFIRMED_DAYS: i64 = 7;
/// How long the sign-in link of an approval waits to be used.
pub const APPROVED_LINK_MINUTES: i64 = 60;
/// The longest name.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest website.
pub const MAX_WEBSITE_CHARS: usize = 500;
/// The longest reason for a decision.
pub const MAX_REASON_CHARS: usize = 1000;

/// The form as sent.
#[derive(Clone, Debug, Default)]
pub struct Form {
    pub tenant_id: String,
    pub campaign_id: String,
    pub name: String,
    pub email: String,
    pub website: Option<String>,
    pub country: Option<String>,
    pub answers: Vec<(String, String)>,
    /// The honeypot.
    pub website2: Option<String>,
    /// The code or link key of the partner who sent the applicant (the
    /// join page's `?via=`).
    pub via: Option<String>,
    /// The language the join page was read in (SPEC §38).
    pub language: Option<String>,
    /// The browser's `Accept-Language`: the language when the form names
    /// none the program offers.
    pub accept_language: Option<String>,
}

/// The form with every field checked.
#[derive(Clone)]
struct Checked {
    name: String,
    email: String,
    website: Option<String>,
    country: Option<String>,
    answers: Vec<(String, String)>,
}

fn check(form: &Form) -> ApiResult<Checked> {
    if let Some(code) = &form.language {
        crate::languages::check("input.language", code)?;
    }
    let name = input::required_line("input.name", &form.name, MAX_NAME_CHARS)?;
    let email = input::optional_email("input.email", Some(&form.email))?
        .ok_or_else(|| ApiError::bad_input("input.email", "is required"))?;
    let website =
        input::optional_line("input.website", form.website.as_deref(), MAX_WEBSITE_CHARS)?;
    let country = match input::optional_line("input.country", form.country.as_deref(), 2)? {
        Some(code) => {
            let code = code.to_ascii_uppercase();
            if !crate::engine::countries::is_country(&code) {
                return Err(ApiError::bad_input(
                    "input.country",
                    "is not an ISO 3166 country code (two letters)",
                ));
            }
            Some(code)
        }
        None => None,
    };
    if form.answers.len() > campaigns::MAX_QUESTIONS {
        return Err(ApiError::bad_input(
            "input.answers",
            format!("at most {} answers", campaigns::MAX_QUESTIONS),
        ));
    }
    let mut answers = Vec::with_capacity(form.answers.len());
    for (i, (question, answer)) in form.answers.iter().enumerate() {
        let question = input::required_text(
            &format!("input.answers[{i}].question"),
            question,
            campaigns::MAX_QUESTION_CHARS,
        )?;
        let answer = input::optional_text(
            &format!("input.answers[{i}].answer"),
            Some(answer),
            campaigns::MAX_QUESTION_CHARS,
        )?
        .unwrap_or_default();
        answers.push((question, answer));
    }
    Ok(Checked {
        name,
        email,
        website,
        country,
        answers,
    })
}

/// The active partner whose live code (or link key: every code is one) an
/// applicant came through; none for anything else — a stale or mistyped
/// `?via=` never stops an application.
async fn referrer_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    via: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(via) = via
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 64)
    else {
        return Ok(None);
    };
    let Some(code) = crate::attribution::codes::live(conn, tenant_id, via).await? else {
        return Ok(None);
    };
    let active = entity::partner::Entity::find_by_id(code.partner_id.clone())
        .filter(entity::partner::Column::Status.eq(PartnerStatus::Active))
        .one(conn)
        .await?;
    Ok(active.map(|p| p.id))
}

/// An address as compared: trimmed, lower-cased.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn hash(code: &str) -> String {
    sha2::Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A public, active campaign of the tenant: the ones strangers apply to.
pub async fn open_campaign(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    campaign_id: &str,
) -> ApiResult<Option<campaign::Model>> {
    Ok(campaigns::find(conn, tenant_id, campaign_id)
        .await?
        .filter(|c| c.visibility == Visibility::Public && c.status == CampaignStatus::Active))
}

/// What happened to a submission (the caller hears none of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Stored, and its confirmation e-mailed.
    Stored,
    /// The address is a partner's or has an open application: e-mailed.
    Told,
    /// Dropped: a bot, a limit, or nothing to apply to.
    Dropped,
}

/// `submitPartnerApplication`. `ip`: the client's address as the server
/// believes it (never an untrusted `X-Forwarded-For`).
pub async fn submit(
    db: &Db,
    keys: &Keys,
    form: Form,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<Submitted> {
    let checked = check(&form)?;
    if form
        .website2
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty())
    {
        return Ok(Submitted::Dropped);
    }
    db.transaction(|txn| {
        let (form, checked) = (form.clone(), checked.clone());
        Box::pin(async move {
            let conn = &*txn;
            let tenant_id = form.tenant_id.as_str();
            let Some(program) = tenant::Entity::find_by_id(tenant_id.to_owned())
                .one(conn)
                .await?
            else {
                return Ok(Submitted::Dropped);
            };
            // The applicant's language: the form's while the program
            // offers it, else its browser's best offered one, else none
            // (the program's default).
            let offered = crate::languages::Offered::of(&program);
            let language = form
                .language
                .clone()
                .filter(|code| offered.languages.contains(code))
                .or_else(|| {
                    form.accept_language
                        .as_deref()
                        .and_then(|header| crate::languages::best_of(header, &offered.languages))
                });
            let Some(campaign) = open_campaign(conn, tenant_id, &form.campaign_id).await? else {
                return Ok(Submitted::Dropped);
            };
            let asked = campaigns::questions_of(&campaign)?;
            for (i, (question, _)) in checked.answers.iter().enumerate() {
                if !asked.contains(question) {
                    return Err(ApiError::bad_input(
                        format!("input.answers[{i}].question"),
                        "is not one the campaign asks",
                    ));
                }
            }
            let now = crate::db::now();
            let requested_by = match ip {
                Some(ip) => Some(clicks::hashed_client(conn, tenant_id, &ip.to_string()).await?),
                None => None,
            };
            if let Some(by) = &requested_by {
                let recent = partner_application::Entity::find()
                    .filter(partner_application::Column::TenantId.eq(tenant_id))
                    .filter(partner_application::Column::RequestedBy.eq(by.as_str()))
                    .filter(partner_application::Column::CreatedAt.gte(now - Duration::hours(1)))
                    .count(conn)
                    .await?;
                if recent >= PER_ADDRESS_PER_HOUR {
                    return Ok(Submitted::Dropped);
                }
            }
            let key = email_key(&checked.email);
            let referred_by = referrer_of(conn, tenant_id, form.via.as_deref()).await?;
            let mailed = mail::outbox::sent_to_since(
                conn,
                tenant_id,
                &checked.email,
                EmailKind::ApplicationConfirm,
                now - Duration::days(1),
            )
            .await?;
            if mailed >= PER_EMAIL_PER_DAY {
                return Ok(Submitted::Dropped);
            }
            let mail_language = language.clone();
            let told = |content: Content, partner_id: Option<String>| Mail {
                tenant_id: tenant_id.to_owned(),
                partner_id,
                to: checked.email.clone(),
                content,
                dedupe_key: None,
                requested_by: requested_by.clone(),
                suppressed: false,
                language: mail_language.clone(),
            };
            if let Some(partner) = partner_by_email(conn, tenant_id, &key).await? {
                let content = match partner.status == PartnerStatus::Active && keys.can_mint() {
                    // The link is made as the e-mail is sent: no stored
                    // message holds its code.
                    true => {
                        let minutes = portal::EMAILED_LINK_MINUTES;
                        Content::AlreadyPartner {
                            name: partner.name.clone(),
                            link: Link::Portal {
                                partner: partner.id.clone(),
                                minutes,
                                by: "application".into(),
                                to: None,
                            },
                            minutes,
                        }
                    }
                    // Suspended or archived: the partnership is not
                    // reopened by applying again, nor is it an open
                    // application.
                    false if partner.status != PartnerStatus::Active => Content::PartnerNotActive {
                        name: partner.name.clone(),
                    },
                    false => Content::ApplicationOpen {
                        name: checked.name.clone(),
                        campaign: campaign.name.clone(),
                    },
                };
                mail::queue(conn, told(content, Some(partner.id.clone()))).await?;
                return Ok(Submitted::Told);
            }
            let open = partner_application::Entity::find()
                .filter(partner_application::Column::TenantId.eq(tenant_id))
                .filter(partner_application::Column::EmailKey.eq(key.as_str()))
                .filter(
                    partner_application::Column::Status
                        .is_in([ApplicationStatus::Unconfirmed, ApplicationStatus::Pending]),
                )
                .count(conn)
                .await?;
            if open > 0 {
                let content = Content::ApplicationOpen {
                    name: checked.name.clone(),
                    campaign: campaign.name.clone(),
                };
                mail::queue(conn, told(content, None)).await?;
                return Ok(Submitted::Told);
            }
            // The confirmation code is made as the e-mail is sent; until
            // then the application holds the hash of one nobody has.
            let code = mail::outbox::random_code(32)?;
            let id = input::new_id();
            let answers: Vec<serde_json::Value> = checked
                .answers
                .iter()
                .map(|(q, a)| serde_json::json!({ "question": q, "answer": a }))
                .collect();
            partner_application::Entity::insert(partner_application::ActiveModel {
                id: Set(id.clone()),
                tenant_id: Set(tenant_id.to_owned()),
                campaign_id: Set(campaign.id.clone()),
                name: Set(checked.name.clone()),
                email: Set(checked.email.clone()),
                email_key: Set(key),
                website: Set(checked.website.clone()),
                country: Set(checked.country.clone()),
                answers: Set(serde_json::Value::Array(answers).to_string()),
                status: Set(ApplicationStatus::Unconfirmed),
                token_hash: Set(hash(&code)),
                earlier_token_hash: Set(None),
                requested_by: Set(requested_by.clone()),
                partner_id: Set(None),
                reason: Set(None),
                decided_by: Set(None),
                created_at: Set(now),
                confirmed_at: Set(None),
                decided_at: Set(None),
                referred_by: Set(referred_by),
                language: Set(language),
            })
            .exec_without_returning(conn)
            .await?;
            let content = Content::ApplicationConfirm {
                name: checked.name.clone(),
                campaign: campaign.name.clone(),
                link: Link::Confirm {
                    tenant: tenant_id.to_owned(),
                    campaign: campaign.id.clone(),
                    application: id,
                },
            };
            mail::queue(conn, told(content, None)).await?;
            Ok(Submitted::Stored)
        })
    })
    .await
}

/// The tenant's partner with this address (compared as partners' are:
/// case and Unicode normalisation aside).
pub(crate) async fn partner_by_email(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    key: &str,
) -> ApiResult<Option<partner::Model>> {
    crate::directory::partners::holder_of(conn, tenant_id, key, None).await
}

/// An application's answers as `(question, answer)`; answers that do not
/// read are an error, never none.
pub fn answers_of(application: &partner_application::Model) -> ApiResult<Vec<(String, String)>> {
    let values: Vec<serde_json::Value> =
        ApiError::stored("application answers", &application.answers)?;
    Ok(values
        .iter()
        .map(|v| {
            (
                v["question"].as_str().unwrap_or_default().to_owned(),
                v["answer"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// The tenant's applications, by status and campaign.
pub fn select(
    tenant_id: &str,
    status: Option<ApplicationStatus>,
    campaign_id: Option<&str>,
) -> Select<partner_application::Entity> {
    let mut select = partner_application::Entity::find()
        .filter(partner_application::Column::TenantId.eq(tenant_id));
    if let Some(status) = status {
        select = select.filter(partner_application::Column::Status.eq(status));
    }
    if let Some(campaign) = campaign_id {
        select = select.filter(partner_application::Column::CampaignId.eq(campaign));
    }
    select
}

/// Deletes unconfirmed applications older than [`UNCONFIRMED_DAYS`], over
/// every tenant; answers how many.
pub async fn prune(db: &Db) -> ApiResult<u64> {
    let before = crate::db::now() - Duration::days(UNCONFIRMED_DAYS);
    let txn = db.write().await?;
    let deleted = partner_application::Entity::delete_many()
        .filter(partner_application::Column::Status.eq(ApplicationStatus::Unconfirmed))
        .filter(partner_application::Column::CreatedAt.lt(before))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(deleted.rows_affected)
}
