//! A partner's side of self-billing (SPEC §33): its VAT details, set by
//! the tenant's staff or by the partner itself, and its answer to the
//! tenant's agreement — accepted (a UK one for 12 months), or declined.
//!
//! An acceptance holds for the version accepted: when the tenant publishes
//! a new one, the partner is paid as one without an agreement until it
//! accepts again. Every answer is kept; the latest is the partner's.

use super::settings;
use crate::db::Db;
use crate::engine::vat;
use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use chrono::{DateTime, Months, Utc};
use entity::enums::PayoutStatus;
use entity::{partner, partner_vat, payout, self_billing_acceptance};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// A partner's VAT details as given.
#[derive(Debug, Clone)]
pub struct VatDetails {
    pub registered: bool,
    pub vat_id: Option<String>,
    pub legal_name: Option<String>,
    pub address: Option<Address>,
    pub country: String,
    pub small_business: bool,
    /// Its tax number: a small business's without a VAT id, a business's
    /// outside the EU and the UK (an EIN in the US).
    pub tax_number: Option<String>,
    pub peppol_id: Option<String>,
    pub phone: Option<String>,
    /// A business rather than a private individual.
    pub business: bool,
}

impl VatDetails {
    /// Checks the details: the country a known one, a registered partner's
    /// VAT id of its country's form (an EU or UK one) — errors name
    /// `input.vatId` and the others.
    pub fn checked(mut self) -> ApiResult<VatDetails> {
        let country = self.country.trim().to_ascii_uppercase();
        if !crate::engine::countries::is_country(&country) {
            return Err(ApiError::bad_input(
                "input.country",
                "must be an ISO 3166 country code (DE, GB)",
            ));
        }
        self.vat_id = match self
            .vat_id
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None if self.registered
                && !self.small_business
                && vat::standard_rate(&country).is_some() =>
            {
                return Err(ApiError::bad_input(
                    "input.vatId",
                    "is required of a partner registered for VAT in the EU or the UK",
                ));
            }
            None => None,
            Some(id) if vat::standard_rate(&country).is_some() => {
                Some(settings::checked_vat_id("input.vatId", &country, id)?)
            }
            // Outside the EU and the UK: kept as given, for the invoice.
            Some(id) => Some(crate::input::required_line("input.vatId", id, 40)?),
        };
        self.legal_name = crate::input::optional_line(
            "input.legalName",
            self.legal_name.as_deref(),
            crate::input::MAX_NAME_CHARS,
        )?;
        use super::identifiers::{checked_peppol_id, checked_phone, checked_tax_number};
        self.tax_number =
            checked_tax_number("input.taxNumber", &country, self.tax_number.as_deref())?;
        self.peppol_id = checked_peppol_id("input.peppolId", self.peppol_id.as_deref())?;
        self.phone = checked_phone("input.phone", self.phone.as_deref())?;
        let identified = self.vat_id.is_some() || self.tax_number.is_some();
        if self.small_business && !identified {
            return Err(ApiError::bad_input(
                "input.taxNumber",
                "is required of a small business without a VAT id: its invoice names one of them",
            ));
        }
        if self.business && vat::standard_rate(&country).is_none() && !identified {
            return Err(ApiError::bad_input(
                "input.taxNumber",
                "is required of a business outside the EU and the UK: its tax id (an EIN in the US) names it on its invoice",
            ));
        }
        self.country = country;
        Ok(self)
    }
}

/// Sets a partner's VAT details (its invoices issued so far keep the
/// details they were issued with).
pub async fn set(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    details: VatDetails,
) -> ApiResult<partner_vat::Model> {
    let details = details.checked()?;
    db.transaction(|txn| {
        let details = details.clone();
        Box::pin(async move {
            partner_of(&*txn, tenant_id, partner_id).await?;
            let before = match crate::activity::recording() {
                true => {
                    partner_vat::Entity::find_by_id(partner_id.to_owned())
                        .one(&*txn)
                        .await?
                }
                false => None,
            };
            let row = partner_vat::Model {
                partner_id: partner_id.to_owned(),
                tenant_id: tenant_id.to_owned(),
                registered: details.registered,
                vat_id: details.vat_id,
                legal_name: details.legal_name,
                address: details.address.as_ref().map(Address::encode),
                country: details.country,
                small_business: details.small_business,
                updated_at: crate::db::now(),
                tax_number: details.tax_number,
                peppol_id: details.peppol_id,
                phone: details.phone,
                business: details.business,
            };
            use partner_vat::Column as C;
            partner_vat::Entity::insert(partner_vat::ActiveModel::from(row.clone()))
                .on_conflict(
                    sea_orm::sea_query::OnConflict::column(C::PartnerId)
                        .update_columns([
                            C::Registered,
                            C::VatId,
                            C::LegalName,
                            C::Address,
                            C::Country,
                            C::SmallBusiness,
                            C::UpdatedAt,
                            C::TaxNumber,
                            C::PeppolId,
                            C::Phone,
                            C::Business,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await?;
            let field = |name: &'static str, of: fn(&partner_vat::Model) -> Option<String>| {
                (name, before.as_ref().and_then(of), of(&row))
            };
            crate::activity::changed([
                field("registered", |v| Some(v.registered.to_string())),
                field("vatId", |v| v.vat_id.clone()),
                field("legalName", |v| v.legal_name.clone()),
                field("country", |v| Some(v.country.clone())),
                field("smallBusiness", |v| Some(v.small_business.to_string())),
                field("taxNumber", |v| v.tax_number.clone()),
                field("peppolId", |v| v.peppol_id.clone()),
                field("phone", |v| v.phone.clone()),
                field("business", |v| Some(v.business.to_string())),
            ]);
            Ok(row)
        })
    })
    .await
}

/// The partners' VAT details, by partner.
pub async fn details_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_ids: &[String],
) -> ApiResult<Vec<partner_vat::Model>> {
    let mut rows = Vec::new();
    for chunk in partner_ids.chunks(crate::posting::WRITE_CHUNK) {
        rows.extend(
            partner_vat::Entity::find()
                .filter(partner_vat::Column::TenantId.eq(tenant_id))
                .filter(partner_vat::Column::PartnerId.is_in(chunk.to_vec()))
                .all(conn)
                .await?,
        );
    }
    Ok(rows)
}

/// The partner's latest answer to the agreement, if any.
pub async fn answer_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Option<self_billing_acceptance::Model>> {
    Ok(self_billing_acceptance::Entity::find()
        .filter(self_billing_acceptance::Column::TenantId.eq(tenant_id))
        .filter(self_billing_acceptance::Column::PartnerId.eq(partner_id))
        .order_by_desc(self_billing_acceptance::Column::CreatedAt)
        .order_by_desc(self_billing_acceptance::Column::Id)
        .one(conn)
        .await?)
}

/// The partners' latest answers, by partner.
pub async fn answers_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_ids: &[String],
) -> ApiResult<std::collections::HashMap<String, self_billing_acceptance::Model>> {
    let mut latest = std::collections::HashMap::new();
    for chunk in partner_ids.chunks(crate::posting::WRITE_CHUNK) {
        let rows = self_billing_acceptance::Entity::find()
            .filter(self_billing_acceptance::Column::TenantId.eq(tenant_id))
            .filter(self_billing_acceptance::Column::PartnerId.is_in(chunk.to_vec()))
            .order_by_asc(self_billing_acceptance::Column::CreatedAt)
            .order_by_asc(self_billing_acceptance::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            latest.insert(row.partner_id.clone(), row);
        }
    }
    Ok(latest)
}

/// Whether an answer is an acceptance in force at `at` of `version`.
pub fn in_force(answer: &self_billing_acceptance::Model, version: i32, at: DateTime<Utc>) -> bool {
    answer.accepted_at.is_some()
        && answer.declined_at.is_none()
        && answer.version == version
        && answer.expires_at.is_none_or(|end| at < end)
}

/// Whether the partner's latest answer still lets the brand invoice in its
/// name, at `at`, a payout made under `version`: an acceptance of that
/// version (or of a later one), not expired. A partner that declined since
/// the payout was made, or whose UK agreement ran out, is issued none.
pub fn still_agreed(
    answer: &self_billing_acceptance::Model,
    version: i32,
    at: DateTime<Utc>,
) -> bool {
    answer.accepted_at.is_some()
        && answer.declined_at.is_none()
        && answer.version >= version
        && answer.expires_at.is_none_or(|end| at < end)
}

/// The partner accepts version `version` of the tenant's agreement: it
/// must be the current one, and the partner must have said who it is (its
/// VAT details with a legal name and an address, which its invoices
/// carry). A UK agreement expires 12 months after.
pub async fn accept(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    version: i32,
) -> ApiResult<self_billing_acceptance::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            partner_of(&*txn, tenant_id, partner_id).await?;
            let invoicing = settings::read(&*txn, tenant_id).await?;
            if !invoicing.self_billing {
                return Err(ApiError::Conflict(
                    "the program does not self-bill: there is no agreement to accept".into(),
                ));
            }
            if version != invoicing.version() {
                return Err(ApiError::bad_input(
                    "input.version",
                    format!(
                        "must be the agreement's current version, {}",
                        invoicing.version()
                    ),
                ));
            }
            let details = details_of(&*txn, tenant_id, &[partner_id.to_owned()]).await?;
            let Some(details) = details.first() else {
                // Met by the partner in the portal: said in its words.
                return Err(ApiError::Conflict(
                    "give your VAT details before you accept: your invoices carry them".into(),
                ));
            };
            if details.legal_name.is_none() || details.address.is_none() {
                return Err(ApiError::Conflict(
                    "your VAT details need your legal name and address before you accept: your \
                     invoices carry them"
                        .into(),
                ));
            }
            let before = answer_of(&*txn, tenant_id, partner_id).await?;
            let now = crate::db::now();
            let uk = invoicing.country.as_deref() == Some("GB");
            let row = self_billing_acceptance::Model {
                id: crate::input::new_id(),
                tenant_id: tenant_id.to_owned(),
                partner_id: partner_id.to_owned(),
                version,
                accepted_at: Some(now),
                expires_at: uk.then(|| now + Months::new(12)),
                declined_at: None,
                created_at: now,
            };
            self_billing_acceptance::Entity::insert(self_billing_acceptance::ActiveModel::from(
                row.clone(),
            ))
            .exec_without_returning(&*txn)
            .await?;
            answered(before.as_ref(), &row);
            Ok(row)
        })
    })
    .await
}

/// The partner declines the tenant's agreement: it is paid as before, with
/// its statement, and may upload its own invoices. Its pending payouts
/// that have not left yet (neither handed to a rail nor filed for finance)
/// are self-billed no more: they pay their net, with no VAT; one paid
/// after the decline is issued no invoice ([`super::issue::invoices`]).
pub async fn decline(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<self_billing_acceptance::Model> {
    db.transaction(|txn| {
        Box::pin(async move {
            // The lock of every change to a partner's money: its payouts
            // are paid or failed under it.
            crate::posting::locks::partners_by_id(&*txn, tenant_id, [partner_id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::not_found("partner"))?;
            unbill_pending(&*txn, tenant_id, partner_id).await?;
            let invoicing = settings::read(&*txn, tenant_id).await?;
            let before = answer_of(&*txn, tenant_id, partner_id).await?;
            let now = crate::db::now();
            let row = self_billing_acceptance::Model {
                id: crate::input::new_id(),
                tenant_id: tenant_id.to_owned(),
                partner_id: partner_id.to_owned(),
                version: invoicing.version(),
                accepted_at: None,
                expires_at: None,
                declined_at: Some(now),
                created_at: now,
            };
            self_billing_acceptance::Entity::insert(self_billing_acceptance::ActiveModel::from(
                row.clone(),
            ))
            .exec_without_returning(&*txn)
            .await?;
            answered(before.as_ref(), &row);
            Ok(row)
        })
    })
    .await
}

/// The partner's answer to the agreement, from `before` (its latest, if
/// any) to `after`, as the activity log keeps it (SPEC §34): the version
/// answered and when.
fn answered(
    before: Option<&self_billing_acceptance::Model>,
    after: &self_billing_acceptance::Model,
) {
    type Of = fn(&self_billing_acceptance::Model) -> Option<String>;
    let field = |name: &'static str, of: Of| (name, before.and_then(of), of(after));
    crate::activity::changed([
        field("agreementVersion", |a| Some(a.version.to_string())),
        field("acceptedAt", |a| a.accepted_at.map(stamp)),
        field("expiresAt", |a| a.expires_at.map(stamp)),
        field("declinedAt", |a| a.declined_at.map(stamp)),
    ]);
}

/// A moment as the activity log writes one: RFC 3339, UTC.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The partner's pending self-billed payouts that have not left, made
/// plain: no VAT, the amount their net, no self-billing kept.
async fn unbill_pending(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<u64> {
    use payout::Column as P;
    let result = payout::Entity::update_many()
        .col_expr(P::AmountMinor, Expr::col(P::NetMinor))
        .col_expr(P::VatMinor, Expr::value(0i64))
        .col_expr(P::VatRate, Expr::value(Option::<String>::None))
        .col_expr(P::SelfBilling, Expr::value(Option::<String>::None))
        .filter(P::TenantId.eq(tenant_id))
        .filter(P::PartnerId.eq(partner_id))
        .filter(P::Status.eq(PayoutStatus::Pending))
        .filter(P::SelfBilling.is_not_null())
        .filter(P::Rail.is_null())
        .filter(P::FiledAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

async fn partner_of(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<partner::Model> {
    partner::Entity::find_by_id(partner_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))
}
