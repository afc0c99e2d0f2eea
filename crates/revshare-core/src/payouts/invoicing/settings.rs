//! The tenant's invoicing identity and its self-billing agreement (SPEC
//! §33): its legal name, address, VAT id and country, the series its
//! invoice numbers start with, its exemption wording, whether it
//! self-bills, and the agreement, versioned: a changed text is a new
//! version, every one kept, and an acceptance holds for the version
//! accepted only.
//!
//! Self-billing on needs a complete identity — a legal name, an address,
//! an EU or UK country and a VAT id of that country's form — and an
//! agreement: an invoice names both parties, and no partner accepts an
//! agreement that does not exist.

use crate::engine::vat;
use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use entity::{self_billing_agreement, tenant, tenant_invoicing};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};

/// The longest agreement text.
pub const MAX_AGREEMENT_CHARS: usize = 20_000;
/// The longest exemption wording.
pub const MAX_EXEMPTION_CHARS: usize = 500;
/// The longest series.
const MAX_SERIES_CHARS: usize = 12;
/// The series of a tenant that named none.
pub const DEFAULT_SERIES: &str = "SB-";

/// A tenant's invoicing, as stored or as it is before any is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoicing {
    pub self_billing: bool,
    pub legal_name: Option<String>,
    pub address: Option<Address>,
    pub vat_id: Option<String>,
    pub country: Option<String>,
    pub series: String,
    pub exemption_text: Option<String>,
    /// The current agreement: its version and text.
    pub agreement: Option<(i32, String)>,
    /// Its PEPPOL participant id, `{scheme}:{id}` (SPEC §33b).
    pub peppol_id: Option<String>,
    /// The contact its documents name (BG-9).
    pub contact: Option<Contact>,
    /// What its documents' lines say is billed.
    pub service_description: Option<String>,
    /// Its company details, printed on the PDF.
    pub legal_details: Option<String>,
}

/// The person a document names for questions about it (EN 16931's BG-6
/// for the partner, BG-9 for the brand).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
}

impl Contact {
    /// Checked: each part named on `input.invoicing.contact.*`.
    pub fn checked(self) -> ApiResult<Contact> {
        let field = |name: &str| format!("input.invoicing.contact.{name}");
        let required = |name: &str, value: Option<String>| {
            value.ok_or_else(|| ApiError::bad_input(field(name), "is required of a contact"))
        };
        Ok(Contact {
            name: crate::input::required_line(
                &field("name"),
                &self.name,
                crate::input::MAX_NAME_CHARS,
            )?,
            email: required(
                "email",
                crate::input::optional_email(&field("email"), Some(&self.email))?,
            )?,
            phone: required(
                "phone",
                super::identifiers::checked_phone(&field("phone"), Some(&self.phone))?,
            )?,
        })
    }
}

impl Invoicing {
    fn off() -> Invoicing {
        Invoicing {
            self_billing: false,
            legal_name: None,
            address: None,
            vat_id: None,
            country: None,
            series: DEFAULT_SERIES.into(),
            exemption_text: None,
            agreement: None,
            peppol_id: None,
            contact: None,
            service_description: None,
            legal_details: None,
        }
    }

    /// The current agreement's version; 0 before any.
    pub fn version(&self) -> i32 {
        self.agreement.as_ref().map_or(0, |(v, _)| *v)
    }
}

/// What `updateTenant(input: { invoicing })` changes: each field given
/// replaces the stored one (`Some(None)` clears it); the agreement's text,
/// when it differs, publishes a new version.
#[derive(Debug, Clone, Default)]
pub struct InvoicingChange {
    pub self_billing: Option<bool>,
    pub legal_name: Option<Option<String>>,
    pub address: Option<Option<Address>>,
    /// As given: checked against the country it ends with.
    pub vat_id: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub series: Option<String>,
    pub exemption_text: Option<Option<String>>,
    pub agreement: Option<String>,
    pub peppol_id: Option<Option<String>>,
    pub contact: Option<Option<Contact>>,
    pub service_description: Option<Option<String>>,
    pub legal_details: Option<Option<String>>,
}

/// The longest description of the service billed.
pub const MAX_SERVICE_CHARS: usize = 200;
/// The longest company details.
pub const MAX_LEGAL_DETAILS_CHARS: usize = 1_000;

impl InvoicingChange {
    /// Checks the texts' lengths and forms; the whole is checked once
    /// applied to what is stored.
    pub fn checked(mut self) -> ApiResult<InvoicingChange> {
        let field = |name: &str| format!("input.invoicing.{name}");
        if let Some(Some(name)) = &self.legal_name {
            self.legal_name = Some(crate::input::optional_line(
                &field("legalName"),
                Some(name),
                crate::input::MAX_NAME_CHARS,
            )?);
        }
        if let Some(Some(country)) = &self.country {
            let country = country.trim().to_ascii_uppercase();
            if vat::standard_rate(&country).is_none() {
                return Err(ApiError::bad_input(
                    field("country"),
                    "must be an EU state or GB (ISO 3166-1 alpha-2)",
                ));
            }
            self.country = Some(Some(country));
        }
        if let Some(series) = &self.series {
            let series = series.trim().to_owned();
            let allowed =
                |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || "-/".contains(c);
            if series.is_empty()
                || series.chars().count() > MAX_SERIES_CHARS
                || !series.chars().all(allowed)
            {
                return Err(ApiError::bad_input(
                    field("series"),
                    format!(
                        "must be 1 to {MAX_SERIES_CHARS} of A-Z, 0-9, - and / (an invoice number starts with it)"
                    ),
                ));
            }
            self.series = Some(series);
        }
        if let Some(Some(text)) = &self.exemption_text {
            self.exemption_text = Some(crate::input::optional_text(
                &field("exemptionText"),
                Some(text),
                MAX_EXEMPTION_CHARS,
            )?);
        }
        if let Some(text) = &self.agreement {
            self.agreement = Some(crate::input::required_text(
                &field("agreement"),
                text,
                MAX_AGREEMENT_CHARS,
            )?);
        }
        if let Some(id) = &self.peppol_id {
            self.peppol_id = Some(super::identifiers::checked_peppol_id(
                &field("peppolId"),
                id.as_deref(),
            )?);
        }
        self.contact = match self.contact.take() {
            Some(Some(contact)) => Some(Some(contact.checked()?)),
            // Unchanged, or cleared (`null`).
            unchanged_or_cleared => unchanged_or_cleared,
        };
        if let Some(text) = &self.service_description {
            self.service_description = Some(crate::input::optional_line(
                &field("serviceDescription"),
                text.as_deref(),
                MAX_SERVICE_CHARS,
            )?);
        }
        if let Some(text) = &self.legal_details {
            self.legal_details = Some(crate::input::optional_text(
                &field("legalDetails"),
                text.as_deref(),
                MAX_LEGAL_DETAILS_CHARS,
            )?);
        }
        Ok(self)
    }
}

/// The tenant's invoicing.
pub async fn read(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<Invoicing> {
    let Some(row) = tenant_invoicing::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(Invoicing::off());
    };
    let agreement = match row.agreement_version {
        0 => None,
        version => self_billing_agreement::Entity::find_by_id((tenant_id.to_owned(), version))
            .one(conn)
            .await?
            .map(|a| (a.version, a.text)),
    };
    Ok(Invoicing {
        self_billing: row.self_billing,
        legal_name: row.legal_name,
        address: Address::decode(row.address.as_deref())?,
        vat_id: row.vat_id,
        country: row.country,
        series: row.series,
        exemption_text: row.exemption_text,
        agreement,
        peppol_id: row.peppol_id,
        contact: match (row.contact_name, row.contact_email, row.contact_phone) {
            (Some(name), Some(email), Some(phone)) => Some(Contact { name, email, phone }),
            _ => None,
        },
        service_description: row.service_description,
        legal_details: row.legal_details,
    })
}

/// Applies `change` to the tenant's invoicing in `conn`'s transaction
/// (the tenant's other settings change in it too).
pub async fn apply(
    conn: &impl ConnectionTrait,
    tenant: &tenant::Model,
    change: InvoicingChange,
) -> ApiResult<Invoicing> {
    let field = |name: &str| format!("input.invoicing.{name}");
    let mut now = read(conn, &tenant.id).await?;
    let was = now.clone();
    if let Some(on) = change.self_billing {
        now.self_billing = on;
    }
    if let Some(name) = change.legal_name {
        now.legal_name = name;
    }
    if let Some(address) = change.address {
        now.address = address;
    }
    if let Some(country) = change.country {
        now.country = country;
    }
    if let Some(series) = change.series {
        now.series = series;
    }
    if let Some(text) = change.exemption_text {
        now.exemption_text = text;
    }
    if let Some(id) = change.peppol_id {
        now.peppol_id = id;
    }
    if let Some(contact) = change.contact {
        now.contact = contact;
    }
    if let Some(text) = change.service_description {
        now.service_description = text;
    }
    if let Some(text) = change.legal_details {
        now.legal_details = text;
    }
    if let Some(id) = change.vat_id {
        now.vat_id = match id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
            None => None,
            Some(id) => {
                let country = now.country.as_deref().ok_or_else(|| {
                    ApiError::bad_input(field("vatId"), "needs the tenant's country")
                })?;
                Some(checked_vat_id(&field("vatId"), country, id)?)
            }
        };
    } else if let (Some(id), Some(country)) = (&now.vat_id, &now.country) {
        // A changed country must still be the VAT id's.
        checked_vat_id(&field("vatId"), country, id)?;
    }
    let at = crate::db::now();
    let mut version = now.version();
    if let Some(text) = change.agreement
        && now.agreement.as_ref().is_none_or(|(_, old)| *old != text)
    {
        version += 1;
        self_billing_agreement::Entity::insert(self_billing_agreement::ActiveModel {
            tenant_id: Set(tenant.id.clone()),
            version: Set(version),
            text: Set(text.clone()),
            published_at: Set(at),
        })
        .exec_without_returning(conn)
        .await?;
        now.agreement = Some((version, text));
    }
    if now.self_billing {
        complete(&now)?;
    }
    let row = tenant_invoicing::ActiveModel {
        tenant_id: Set(tenant.id.clone()),
        self_billing: Set(now.self_billing),
        legal_name: Set(now.legal_name.clone()),
        address: Set(now.address.as_ref().map(Address::encode)),
        vat_id: Set(now.vat_id.clone()),
        country: Set(now.country.clone()),
        series: Set(now.series.clone()),
        exemption_text: Set(now.exemption_text.clone()),
        agreement_version: Set(version),
        updated_at: Set(at),
        peppol_id: Set(now.peppol_id.clone()),
        contact_name: Set(now.contact.as_ref().map(|c| c.name.clone())),
        contact_email: Set(now.contact.as_ref().map(|c| c.email.clone())),
        contact_phone: Set(now.contact.as_ref().map(|c| c.phone.clone())),
        service_description: Set(now.service_description.clone()),
        legal_details: Set(now.legal_details.clone()),
    };
    use tenant_invoicing::Column as C;
    tenant_invoicing::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(C::TenantId)
                .update_columns([
                    C::SelfBilling,
                    C::LegalName,
                    C::Address,
                    C::VatId,
                    C::Country,
                    C::Series,
                    C::ExemptionText,
                    C::AgreementVersion,
                    C::UpdatedAt,
                    C::PeppolId,
                    C::ContactName,
                    C::ContactEmail,
                    C::ContactPhone,
                    C::ServiceDescription,
                    C::LegalDetails,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    said(&was, &now);
    Ok(now)
}

/// What a change did to the tenant's invoicing, for the activity log
/// (SPEC §34): each field that changed, beside the tenant's own row — the
/// switch, the identity (its VAT id by its last 4), the series, the
/// wording and the agreement's version.
fn said(was: &Invoicing, now: &Invoicing) {
    let address = |i: &Invoicing| i.address.as_ref().map(Address::encode);
    let version = |i: &Invoicing| i.agreement.as_ref().map(|(v, _)| v.to_string());
    let contact = |i: &Invoicing| {
        i.contact
            .as_ref()
            .map(|c| format!("{} <{}> {}", c.name, c.email, c.phone))
    };
    crate::activity::also_changed([
        (
            "invoicing.selfBilling",
            Some(was.self_billing.to_string()),
            Some(now.self_billing.to_string()),
        ),
        (
            "invoicing.legalName",
            was.legal_name.clone(),
            now.legal_name.clone(),
        ),
        ("invoicing.address", address(was), address(now)),
        ("invoicing.vatId", was.vat_id.clone(), now.vat_id.clone()),
        (
            "invoicing.country",
            was.country.clone(),
            now.country.clone(),
        ),
        (
            "invoicing.series",
            Some(was.series.clone()),
            Some(now.series.clone()),
        ),
        (
            "invoicing.exemptionText",
            was.exemption_text.clone(),
            now.exemption_text.clone(),
        ),
        ("invoicing.agreementVersion", version(was), version(now)),
        (
            "invoicing.peppolId",
            was.peppol_id.clone(),
            now.peppol_id.clone(),
        ),
        ("invoicing.contact", contact(was), contact(now)),
        (
            "invoicing.serviceDescription",
            was.service_description.clone(),
            now.service_description.clone(),
        ),
        (
            "invoicing.legalDetails",
            was.legal_details.clone(),
            now.legal_details.clone(),
        ),
    ]);
}

/// What self-billing needs, each missing part named.
fn complete(now: &Invoicing) -> ApiResult<()> {
    let missing = |name: &str, what: &str| {
        Err(ApiError::bad_input(
            format!("input.invoicing.{name}"),
            format!("is required to self-bill: {what}"),
        ))
    };
    if now.legal_name.is_none() {
        return missing("legalName", "an invoice names the customer");
    }
    if now.address.is_none() {
        return missing("address", "an invoice gives the customer's address");
    }
    if now.country.is_none() {
        return missing("country", "the VAT an invoice takes depends on it");
    }
    if now.vat_id.is_none() {
        return missing("vatId", "a self-billed invoice gives the customer's VAT id");
    }
    if now.agreement.is_none() {
        return missing(
            "agreement",
            "partners accept an agreement before they are self-billed",
        );
    }
    Ok(())
}

/// A VAT id checked for `country`, or `BAD_USER_INPUT` on `field`
/// saying what is wrong with it.
pub fn checked_vat_id(field: &str, country: &str, id: &str) -> ApiResult<String> {
    vat::check_vat_id(country, id).map_err(|e| ApiError::bad_input(field, e.to_string()))
}

/// Every version of the tenant's agreement, newest first.
pub async fn versions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<self_billing_agreement::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(self_billing_agreement::Entity::find()
        .filter(self_billing_agreement::Column::TenantId.eq(tenant_id))
        .order_by_desc(self_billing_agreement::Column::Version)
        .all(conn)
        .await?)
}

/// `updateTenant` with an invoicing change: the tenant's settings and its
/// invoicing in one transaction.
pub async fn update_tenant(
    db: &crate::db::Db,
    tenant_id: &str,
    changes: crate::tenants::TenantChanges,
    invoicing: InvoicingChange,
) -> ApiResult<tenant::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        let invoicing = invoicing.clone();
        Box::pin(async move {
            let row = crate::tenants::apply(&*txn, tenant_id, changes).await?;
            apply(&*txn, &row, invoicing).await?;
            Ok(row)
        })
    })
    .await
}
