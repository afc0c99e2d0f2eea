//! Tax profiles as partners submit them and staff decide them (SPEC §29).
//!
//! Every submission is kept as it was sent (`tax_profile_submissions`),
//! and the profile in force (`tax_profiles`) is one of them. A submission
//! becomes the profile in force at once only while the partner has no
//! approved one: a partner whose W-9 is approved cannot replace it — nor
//! its TIN, nor the payee its 1099s are issued to — until staff approve
//! the new submission itself. Deciding names the submission decided; an
//! approval of the profile in force can be withdrawn (rejected again).

use super::address::Address;
use super::seal::DataKey;
use super::tax::{Submission, binding, find};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::TaxProfileStatus;
use entity::{partner, tax_profile, tax_profile_submission as submission};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

/// Two names as a person writes them: case and spacing aside.
pub fn same_name(a: &str, b: &str) -> bool {
    let folded = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    folded(a) == folded(b)
}

/// Refuses to approve a W-9 whose TIN another partner's approved W-9
/// gives under another name — it would make the two one payee, issued
/// in one name — unless `confirmed` names that partner.
async fn check_shared_tin(
    conn: &impl ConnectionTrait,
    row: &submission::Model,
    confirmed: Option<&str>,
) -> ApiResult<()> {
    let (Some(tin_key), entity::enums::TaxForm::W9) = (row.tin_key.as_deref(), row.form) else {
        return Ok(());
    };
    let holders = tax_profile::Entity::find()
        .filter(tax_profile::Column::TenantId.eq(row.tenant_id.as_str()))
        .filter(tax_profile::Column::TinKey.eq(tin_key))
        .filter(tax_profile::Column::PartnerId.ne(row.partner_id.as_str()))
        .filter(tax_profile::Column::Status.eq(TaxProfileStatus::Approved))
        .order_by_asc(tax_profile::Column::PartnerId)
        .all(conn)
        .await?;
    let own = row.legal_name.as_deref().unwrap_or_default();
    for holder in holders {
        let theirs = holder.legal_name.as_deref().unwrap_or_default();
        if same_name(own, theirs) || confirmed == Some(holder.partner_id.as_str()) {
            continue;
        }
        return Err(ApiError::bad_input(
            "input.confirmSharedTin",
            format!(
                "the TIN ending {} is partner {}'s, as {theirs:?}: approving this W-9 as {own:?} \
                 makes the two one payee, whose 1099 names one of them; if they are one person, \
                 decide again with confirmSharedTin: \"{}\"",
                row.tax_id_last4, holder.partner_id, holder.partner_id
            ),
        ));
    }
    Ok(())
}

/// A submission as a profile: what `TaxProfile` shows of either.
pub fn as_profile(row: &submission::Model) -> tax_profile::Model {
    tax_profile::Model {
        partner_id: row.partner_id.clone(),
        tenant_id: row.tenant_id.clone(),
        form: row.form,
        status: row.status,
        country: row.country.clone(),
        tax_id_sealed: row.tax_id_sealed.clone(),
        tax_id_last4: row.tax_id_last4.clone(),
        tin_type: row.tin_type,
        signed_on: row.signed_on,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        decided_by: row.decided_by.clone(),
        reason: row.reason.clone(),
        legal_name: row.legal_name.clone(),
        business_name: row.business_name.clone(),
        classification: row.classification,
        address: row.address.clone(),
        tin_key: row.tin_key.clone(),
        services_outside_us: row.services_outside_us,
        electronic_delivery_at: row.electronic_delivery_at,
        expiry_noticed_for: row.expiry_noticed_for,
        submission_id: Some(row.id.clone()),
    }
}

/// Makes `row` the partner's profile in force, and files its payments
/// under the payee it makes the partner.
async fn put_in_force(
    conn: &impl ConnectionTrait,
    row: &submission::Model,
) -> ApiResult<tax_profile::Model> {
    use tax_profile::Column as C;
    let profile = as_profile(row);
    let stored = tax_profile::Entity::insert(tax_profile::ActiveModel::from(profile))
        .on_conflict(
            OnConflict::column(C::PartnerId)
                .update_columns([
                    C::Form,
                    C::Status,
                    C::Country,
                    C::TaxIdSealed,
                    C::TaxIdLast4,
                    C::TinType,
                    C::SignedOn,
                    C::SubmittedAt,
                    C::DecidedAt,
                    C::DecidedBy,
                    C::Reason,
                    C::LegalName,
                    C::BusinessName,
                    C::Classification,
                    C::Address,
                    C::TinKey,
                    C::ServicesOutsideUs,
                    C::ElectronicDeliveryAt,
                    C::ExpiryNoticedFor,
                    C::SubmissionId,
                ])
                .to_owned(),
        )
        .exec_with_returning(conn)
        .await?;
    super::tax_payments::rekey(conn, &row.tenant_id, &stored).await?;
    Ok(stored)
}

/// Submits a partner's tax profile. It is kept whatever happens; it is
/// the profile in force at once unless the partner's is approved, which
/// stays in force until staff approve this one. `NOT_FOUND` for a
/// partner the tenant does not have. Answers the submission.
pub async fn submit(
    db: &Db,
    key: &DataKey,
    tenant_id: &str,
    partner_id: &str,
    submission: Submission,
) -> ApiResult<tax_profile::Model> {
    let sealed = key.seal(&binding(tenant_id, partner_id), &submission.tax_id);
    let last4 = submission.last4();
    // Partners whose W-9s give the same TIN are one payee (SPEC §29).
    // An SSN and an EIN of the same digits are different numbers.
    let tin_key = submission.tin_type.map(|kind| {
        key.keyed_hash(&format!(
            "tin/{tenant_id}/{}/{}",
            kind.as_str(),
            submission.tax_id
        ))
    });
    db.transaction(|txn| {
        let (sealed, last4, submission) = (sealed.clone(), last4.clone(), submission.clone());
        let tin_key = tin_key.clone();
        Box::pin(async move {
            let now = crate::db::now();
            let exists = partner::Entity::find_by_id(partner_id.to_owned())
                .filter(partner::Column::TenantId.eq(tenant_id))
                .one(&*txn)
                .await?
                .is_some();
            if !exists {
                return Err(ApiError::not_found("partner"));
            }
            let row = submission::Model {
                id: crate::input::new_id(),
                partner_id: partner_id.to_owned(),
                tenant_id: tenant_id.to_owned(),
                form: submission.form,
                status: TaxProfileStatus::Submitted,
                country: submission.country,
                tax_id_sealed: sealed,
                tax_id_last4: last4,
                tin_type: submission.tin_type,
                signed_on: submission.signed_on,
                submitted_at: now,
                decided_at: None,
                decided_by: None,
                reason: None,
                legal_name: submission.details.legal_name,
                business_name: submission.details.business_name,
                classification: submission.details.classification,
                address: submission.details.address.as_ref().map(Address::encode),
                tin_key,
                services_outside_us: submission.details.services_outside_us,
                electronic_delivery_at: submission.details.electronic_delivery.then_some(now),
                expiry_noticed_for: None,
            };
            submission::Entity::insert(submission::ActiveModel::from(row.clone()))
                .exec_without_returning(&*txn)
                .await?;
            crate::activity::changed([
                ("form", None, Some(row.form.as_str().to_owned())),
                ("country", None, Some(row.country.clone())),
                ("taxId", None, Some(submission.tax_id.clone())),
                ("legalName", None, row.legal_name.clone()),
            ]);
            let approved = find(&*txn, tenant_id, partner_id)
                .await?
                .is_some_and(|p| p.status == TaxProfileStatus::Approved);
            if !approved {
                put_in_force(&*txn, &row).await?;
            }
            Ok(as_profile(&row))
        })
    })
    .await
}

/// What staff decide of a submission.
pub struct Decision<'a> {
    /// The submission decided (none: the partner's latest).
    pub submission_id: Option<&'a str>,
    pub approve: bool,
    /// Why it is rejected (required to reject).
    pub reason: Option<String>,
    /// The partner whose TIN an approved W-9 shares under another name.
    pub confirm_shared_tin: Option<&'a str>,
}

/// Approves or rejects a submission of a partner's tax profile (a
/// rejection says why), by `actor`. `submission_id` names it; without
/// one, the partner's latest is decided — unless it waits behind an
/// approved profile, which only a decision naming it replaces. Approving
/// makes it the profile in force; rejecting the profile in force
/// withdraws it. A W-9 whose TIN another partner holds under another
/// name is approved only with `confirm_shared_tin` naming that partner.
/// `NOT_FOUND` when the partner has submitted none.
pub async fn decide(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    decision: Decision<'_>,
) -> ApiResult<tax_profile::Model> {
    let Decision {
        submission_id,
        approve,
        reason,
        confirm_shared_tin,
    } = decision;
    if !approve && reason.is_none() {
        return Err(ApiError::bad_input(
            "input.reason",
            "is required to reject a tax profile",
        ));
    }
    db.transaction(|txn| {
        let reason = reason.clone();
        Box::pin(async move {
            let of_partner = submission::Entity::find()
                .filter(submission::Column::TenantId.eq(tenant_id))
                .filter(submission::Column::PartnerId.eq(partner_id));
            let in_force = find(&*txn, tenant_id, partner_id).await?;
            let row = match submission_id {
                Some(id) => of_partner
                    .filter(submission::Column::Id.eq(id))
                    .one(&*txn)
                    .await?
                    .ok_or_else(|| {
                        ApiError::bad_input(
                            "input.submissionId",
                            "is no tax profile submission of this partner",
                        )
                    })?,
                None => {
                    let latest = of_partner
                        .order_by_desc(submission::Column::SubmittedAt)
                        .order_by_desc(submission::Column::Id)
                        .one(&*txn)
                        .await?
                        .ok_or_else(|| ApiError::not_found("tax profile"))?;
                    let waiting = in_force.as_ref().is_some_and(|p| {
                        p.status == TaxProfileStatus::Approved
                            && p.submission_id.as_deref() != Some(latest.id.as_str())
                    });
                    if waiting {
                        return Err(ApiError::bad_input(
                            "input.submissionId",
                            format!(
                                "the partner's approved profile stays in force until a decision \
                                 names the submission that would replace it ({})",
                                latest.id
                            ),
                        ));
                    }
                    latest
                }
            };
            if approve {
                check_shared_tin(&*txn, &row, confirm_shared_tin).await?;
            }
            let mut decided = row.into_active_model();
            decided.status = Set(match approve {
                true => TaxProfileStatus::Approved,
                false => TaxProfileStatus::Rejected,
            });
            decided.decided_at = Set(Some(crate::db::now()));
            decided.decided_by = Set(Some(actor.to_owned()));
            decided.reason = Set(reason);
            let decided = decided.update(&*txn).await?;
            let is_in_force = in_force
                .as_ref()
                .is_some_and(|p| p.submission_id.as_deref() == Some(decided.id.as_str()));
            if approve || is_in_force {
                let mut row = decided.clone();
                // What a W-8's expiry notice recorded stays with the profile.
                if is_in_force {
                    row.expiry_noticed_for = in_force.and_then(|p| p.expiry_noticed_for);
                }
                return put_in_force(&*txn, &row).await;
            }
            Ok(as_profile(&decided))
        })
    })
    .await
}
