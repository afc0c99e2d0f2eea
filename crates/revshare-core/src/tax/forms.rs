//! Issuing a year's 1099-NEC forms (SPEC §29).
//!
//! **Issuing freezes.** Each reportable payee gets one form, which copies
//! the payer, the recipient (its TIN sealed to the form), and Box 1 and
//! Box 4 as they are then. Nothing is edited afterwards: issuing again
//! compares each payee with its latest form, and a payee whose amounts,
//! TIN, name or address changed — or who dropped out of the year, say
//! because its TIN changed — gets a new form marked `CORRECTED` beside the
//! first (its amounts as they are now, zero for a payee gone). A payee
//! reportable for the first time gets its original.
//!
//! **Only a year that has ended** is issued: the last payment of 31
//! December in the tenant's time zone must be in it.
//!
//! **Delivery.** A payee who consented to electronic delivery is e-mailed
//! "IMPORTANT TAX RETURN DOCUMENT AVAILABLE" for each new form, once (the
//! form's id is the message's key); the others' forms are printed
//! ([`super::copy_b::paper`]) and posted.
//!
//! Issuing runs in one transaction, which holds the year's row: two
//! issuers of one year queue, and the second finds the first's forms.

use super::settings::Payer;
use super::year::{self, Judge, Payee, PayeeStatus};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use crate::payouts::seal::DataKey;
use chrono::Datelike;
use entity::enums::{TaxClassification, TinType};
use entity::{partner, tax_form, tax_year, tenant};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// What binds a form's sealed TIN to it.
fn binding(tenant_id: &str, form_id: &str) -> String {
    format!("tax-form/{tenant_id}/{form_id}")
}

/// A form's recipient TIN, opened: for its CSV record.
pub fn recipient_tin(key: &DataKey, form: &tax_form::Model) -> ApiResult<Option<String>> {
    form.tin_sealed
        .as_deref()
        .map(|sealed| {
            key.open(&binding(&form.tenant_id, &form.id), sealed)
                .map_err(|e| ApiError::internal("a form's TIN", format!("{e:?}")))
        })
        .transpose()
}

/// What a form says of its recipient and its boxes: two forms saying the
/// same need no correction.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    name: String,
    business_name: Option<String>,
    individual: bool,
    tin_type: Option<TinType>,
    tin: Option<String>,
    address: Option<String>,
    box1: i64,
    box4: i64,
}

/// A payee's facts now. A TIN that does not open (sealed under another
/// key: an operator's error to mend) fails the issue rather than make a
/// wrong form.
fn facts_of(key: &DataKey, payee: &Payee, partner_name: &str) -> ApiResult<Facts> {
    let profile = payee.profile.as_ref();
    // Only an approved W-9 gives the TIN a form reports; a payee withheld
    // from without one is reported without it.
    // (A W-9 approved before its TIN's kind was asked is not one: its
    // number was never checked by the IRS's rules.)
    let w9 = profile.filter(|p| {
        p.form == entity::enums::TaxForm::W9
            && p.status == entity::enums::TaxProfileStatus::Approved
            && p.tin_key.is_some()
    });
    let tin = match w9 {
        Some(p) => Some(
            crate::payouts::tax::tax_id(key, p)
                .map_err(|e| ApiError::internal("a payee's TIN", format!("{e:?}")))?,
        ),
        None => None,
    };
    let profile = w9;
    Ok(Facts {
        name: profile
            .and_then(|p| p.legal_name.clone())
            .unwrap_or_else(|| partner_name.to_owned()),
        business_name: profile.and_then(|p| p.business_name.clone()),
        individual: profile
            .is_none_or(|p| matches!(p.classification, None | Some(TaxClassification::Individual))),
        tin_type: profile.and_then(|p| p.tin_type),
        tin,
        address: profile.and_then(|p| p.address.clone()),
        box1: payee.counted,
        box4: payee.withheld,
    })
}

fn facts_of_form(key: &DataKey, form: &tax_form::Model) -> ApiResult<Facts> {
    Ok(Facts {
        name: form.name.clone(),
        business_name: form.business_name.clone(),
        individual: form.individual,
        tin_type: form.tin_type,
        tin: recipient_tin(key, form)?,
        address: form.address.clone(),
        box1: form.box1_minor,
        box4: form.box4_minor,
    })
}

/// Whether a year has ended in the tenant's zone.
pub fn ended(year: i32, today: chrono::NaiveDate) -> bool {
    year < today.year()
}

/// Issues `year`'s forms (again: its corrections), by `actor`; answers
/// the forms made now.
pub async fn issue(
    db: &Db,
    key: &DataKey,
    tenant_id: &str,
    actor: &str,
    year: i32,
) -> ApiResult<Vec<tax_form::Model>> {
    db.transaction(|txn| {
        Box::pin(async move {
            let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
                .one(&*txn)
                .await?
                .ok_or_else(|| ApiError::internal("tenant", tenant_id))?;
            let today = crate::payouts::tax::today_in(&tenant.time_zone);
            if !ended(year, today) {
                return Err(ApiError::bad_input(
                    "year",
                    format!(
                        "{year} has not ended in the program's time zone ({}): its forms are \
                         issued from 1 January {}",
                        tenant.time_zone,
                        year + 1
                    ),
                ));
            }
            let Some(payer) = Payer::decode(tenant.tax_payer.as_deref())? else {
                return Err(ApiError::Conflict(
                    "the program has no payer: set its legal name, EIN, address and phone \
                     (updateTenant taxPayer) before issuing"
                        .into(),
                ));
            };
            let now = crate::db::now();
            hold_year(&*txn, tenant_id, year, actor, now).await?;
            let reporting = super::settings::Reporting::of(&tenant)?;
            let judge = Judge {
                reporting: &reporting,
                threshold: reporting.threshold(year),
                today,
            };
            let payees = year::all(&*txn, tenant_id, year, &judge).await?;
            // A payee without an approved W-9 is named as its partner is.
            let unnamed: Vec<String> = payees
                .iter()
                .filter(|p| p.status == PayeeStatus::Reportable)
                .filter_map(|p| p.partner_ids.first().cloned())
                .collect();
            let names: HashMap<String, String> =
                crate::directory::partners::by_ids(&*txn, tenant_id, &unnamed)
                    .await?
                    .into_iter()
                    .map(|p| (p.id, p.name))
                    .collect();
            let mut latest: HashMap<String, tax_form::Model> = HashMap::new();
            for form in forms_of(&*txn, tenant_id, year).await? {
                latest.insert(form.payee_key.clone(), form);
            }
            let mut made = Vec::new();
            for payee in &payees {
                let before = latest.remove(&payee.key);
                if payee.status != PayeeStatus::Reportable && before.is_none() {
                    continue;
                }
                let partner_name = payee
                    .partner_ids
                    .first()
                    .and_then(|id| names.get(id))
                    .map_or("", String::as_str);
                let facts = facts_of(key, payee, partner_name)?;
                if let Some(before) = &before
                    && facts_of_form(key, before)? == facts
                {
                    continue;
                }
                made.push(form(
                    key,
                    tenant_id,
                    year,
                    &payer,
                    payee,
                    facts,
                    before.as_ref(),
                    actor,
                    now,
                )?);
            }
            // A payee with a form and no payments left in the year (its TIN
            // changed, or its payments were taken back): corrected to zero.
            let mut gone: Vec<tax_form::Model> = latest.into_values().collect();
            gone.sort_by(|a, b| a.payee_key.cmp(&b.payee_key));
            for before in gone {
                let mut facts = facts_of_form(key, &before)?;
                if facts.box1 == 0 && facts.box4 == 0 {
                    continue;
                }
                facts.box1 = 0;
                facts.box4 = 0;
                let payee = Payee {
                    key: before.payee_key.clone(),
                    partner_ids: partners_of(&before)?,
                    profile: None,
                    counted: 0,
                    excluded: 0,
                    withheld: 0,
                    other: Vec::new(),
                    status: PayeeStatus::BelowThreshold,
                };
                let mut zero = form(
                    key,
                    tenant_id,
                    year,
                    &payer,
                    &payee,
                    facts,
                    Some(&before),
                    actor,
                    now,
                )?;
                zero.electronic = before.electronic;
                made.push(zero);
            }
            for chunk in made.chunks(crate::posting::WRITE_CHUNK) {
                tax_form::Entity::insert_many(
                    chunk.iter().cloned().map(tax_form::ActiveModel::from),
                )
                .exec_without_returning(&*txn)
                .await?;
            }
            mail(&*txn, &made).await?;
            Ok(made)
        })
    })
    .await
}

/// The year's row, written or taken: concurrent issuers of one year
/// queue on it.
async fn hold_year(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    tax_year::Entity::insert(tax_year::ActiveModel {
        tenant_id: Set(tenant_id.to_owned()),
        year: Set(year),
        issued_at: Set(now),
        issued_by: Set(actor.to_owned()),
    })
    .on_conflict(
        OnConflict::columns([tax_year::Column::TenantId, tax_year::Column::Year])
            .value(
                tax_year::Column::IssuedBy,
                Expr::col((tax_year::Entity, tax_year::Column::IssuedBy)),
            )
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn form(
    key: &DataKey,
    tenant_id: &str,
    year: i32,
    payer: &Payer,
    payee: &Payee,
    facts: Facts,
    before: Option<&tax_form::Model>,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<tax_form::Model> {
    let id = crate::input::new_id();
    let tin_sealed = facts
        .tin
        .as_deref()
        .map(|tin| key.seal(&binding(tenant_id, &id), tin));
    // An issued form never changes: what it copies is written whole, or
    // it is not issued.
    Ok(tax_form::Model {
        tenant_id: tenant_id.to_owned(),
        year,
        payee_key: payee.key.clone(),
        partner_ids: ApiError::json("a form's partners", &payee.partner_ids)?,
        payer: payer.encode()?,
        name: facts.name,
        business_name: facts.business_name,
        individual: facts.individual,
        tin_type: facts.tin_type,
        tin_sealed,
        tin_last4: facts.tin.as_deref().map(|t| t[t.len() - 4..].to_owned()),
        address: facts.address,
        box1_minor: facts.box1,
        box4_minor: facts.box4,
        corrected: before.is_some(),
        corrects_id: before.map(|b| b.id.clone()),
        electronic: payee
            .profile
            .as_ref()
            .is_some_and(|p| p.electronic_delivery_at.is_some()),
        issued_at: now,
        issued_by: actor.to_owned(),
        id,
    })
}

/// E-mails each electronic form's payee, once a form.
async fn mail(conn: &impl ConnectionTrait, forms: &[tax_form::Model]) -> ApiResult<()> {
    use crate::mail::{self, Content, Mail};
    for form in forms.iter().filter(|f| f.electronic) {
        let ids = partners_of(form)?;
        let partners = partner::Entity::find()
            .filter(partner::Column::TenantId.eq(form.tenant_id.as_str()))
            .filter(partner::Column::Id.is_in(ids))
            .order_by_asc(partner::Column::Id)
            .all(conn)
            .await?;
        // Only a partner the form names, as it may read it
        // ([`crate::tax::PayeeForm`]): with several, one whose own W-9
        // gives the form's name.
        let mut named = Vec::new();
        for p in &partners {
            let own_name = crate::payouts::tax::find(conn, &form.tenant_id, &p.id)
                .await?
                .and_then(|profile| profile.legal_name);
            let reads = partners.len() <= 1
                || own_name
                    .is_some_and(|n| crate::payouts::tax_submissions::same_name(&n, &form.name));
            if reads {
                named.push(p);
            }
        }
        let Some((partner, address)) = named.into_iter().find_map(|p| {
            p.email
                .clone()
                .filter(|a| !a.is_empty())
                .map(|address| (p, address))
        }) else {
            continue;
        };
        let preferences = mail::preferences::one(conn, &partner.id).await?;
        mail::queue(
            conn,
            Mail {
                tenant_id: form.tenant_id.clone(),
                partner_id: Some(partner.id.clone()),
                to: address.clone(),
                content: Content::TaxFormAvailable {
                    name: partner.name.clone(),
                    year: form.year,
                    corrected: form.corrected,
                    link: "/portal/#/payment".into(),
                },
                dedupe_key: Some(format!("tax-form:{}", form.id)),
                requested_by: None,
                suppressed: preferences.suppresses(&address),
                language: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A year's forms, in the order issued.
pub async fn forms_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
) -> ApiResult<Vec<tax_form::Model>> {
    Ok(tax_form::Entity::find()
        .filter(tax_form::Column::TenantId.eq(tenant_id))
        .filter(tax_form::Column::Year.eq(year))
        .order_by_asc(tax_form::Column::IssuedAt)
        .order_by_asc(tax_form::Column::Id)
        .all(conn)
        .await?)
}

/// The forms of some payees of a year, in the order issued.
pub async fn forms_of_payees(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
    keys: Vec<String>,
) -> ApiResult<Vec<tax_form::Model>> {
    Ok(tax_form::Entity::find()
        .filter(tax_form::Column::TenantId.eq(tenant_id))
        .filter(tax_form::Column::Year.eq(year))
        .filter(tax_form::Column::PayeeKey.is_in(keys))
        .order_by_asc(tax_form::Column::IssuedAt)
        .order_by_asc(tax_form::Column::Id)
        .all(conn)
        .await?)
}

/// A form of the tenant.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<tax_form::Model>> {
    Ok(tax_form::Entity::find_by_id(id.to_owned())
        .filter(tax_form::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The forms a partner is among the payees of, newest year first.
pub async fn of_partner(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Vec<tax_form::Model>> {
    // Its payee's forms name it among their partners (a JSON list of ids,
    // which no id's quotes can appear inside of another's).
    let quoted = format!("%\"{partner_id}\"%");
    Ok(tax_form::Entity::find()
        .filter(tax_form::Column::TenantId.eq(tenant_id))
        .filter(tax_form::Column::PartnerIds.like(quoted))
        .order_by_desc(tax_form::Column::Year)
        .order_by_asc(tax_form::Column::IssuedAt)
        .order_by_asc(tax_form::Column::Id)
        .all(conn)
        .await?)
}

/// The address a form was sent to; one that does not read is an error.
pub fn address_of(form: &tax_form::Model) -> ApiResult<Option<Address>> {
    Address::decode(form.address.as_deref())
}

/// The partners a form's payee is; a list that does not read is an
/// error, never no partner.
pub fn partners_of(form: &tax_form::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("a form's partners", &form.partner_ids)
}

/// A year's state: whether (and when) its forms were issued.
pub async fn issued(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
) -> ApiResult<Option<tax_year::Model>> {
    Ok(tax_year::Entity::find_by_id((tenant_id.to_owned(), year))
        .one(conn)
        .await?)
}
