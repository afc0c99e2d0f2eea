//! Tax profiles (SPEC §16): the form a partner filed (W-9, W-8BEN,
//! W-8BEN-E, another), its country and its tax id, submitted by the partner
//! and approved or rejected by the tenant. A tenant that requires them pays
//! no partner without an approved one.
//!
//! The tax id is sealed with the operator's data key ([`super::seal`])
//! before it reaches the database; only its last four characters are kept
//! in clear, to show which id was filed. No answer, log line or column
//! carries it whole.

use super::address::Address;
use super::seal::DataKey;
use crate::error::{ApiError, ApiResult};
use chrono::{Datelike, NaiveDate};
use entity::enums::{TaxClassification, TaxForm, TaxProfileStatus, TinType};
use entity::tax_profile;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Characters a tax id may have, its separators included.
const MAX_TAX_ID_CHARS: usize = 30;
/// The fewest letters and digits a tax id has.
const MIN_TAX_ID_ALPHANUMERICS: usize = 8;

/// A checked submission.
#[derive(Clone)]
pub struct Submission {
    pub form: TaxForm,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub(super) tax_id: String,
    /// A W-9's kind of number.
    pub tin_type: Option<TinType>,
    /// The day it was signed; a W-8's is needed.
    pub signed_on: Option<NaiveDate>,
    /// What the form says beyond its number ([`Submission::with`]).
    pub details: Details,
}

/// What a W-9 or a W-8 says beyond its number (SPEC §29): a W-9's names,
/// classification and address make its 1099; consent to electronic
/// delivery lets the form be e-mailed instead of posted.
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// The name on the tax return (a W-9's line 1; a W-8's name).
    pub legal_name: Option<String>,
    /// A W-9's business or disregarded entity name (line 2).
    pub business_name: Option<String>,
    pub classification: Option<TaxClassification>,
    pub address: Option<Address>,
    /// Consents to receive its forms electronically.
    pub electronic_delivery: bool,
    /// A W-8's: the services were performed outside the US.
    pub services_outside_us: Option<bool>,
}

/// Whether a classification files as a corporation (exempt from a 1099-NEC).
pub fn is_corporation(classification: Option<TaxClassification>) -> bool {
    matches!(
        classification,
        Some(
            TaxClassification::CCorporation
                | TaxClassification::SCorporation
                | TaxClassification::LlcC
                | TaxClassification::LlcS
        )
    )
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tax id, should a submission be logged.
        write!(f, "Submission({}, {})", self.form.as_str(), self.country)
    }
}

impl Submission {
    /// Checks a submission as given; errors name `input.country`,
    /// `input.tinType`, `input.taxId`. A W-9's tax id is a US number of
    /// the kind `tin_type` says, checked by its rules ([`super::tin`]) and
    /// kept as its nine digits; `tin_type` is a W-9's alone.
    pub fn check(
        form: TaxForm,
        country: &str,
        tax_id: &str,
        tin_type: Option<TinType>,
        signed_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> ApiResult<Submission> {
        let signed_on = signed(form, signed_on, today)?;
        let country = country.trim().to_ascii_uppercase();
        if !crate::engine::countries::is_country(&country) {
            return Err(ApiError::bad_input(
                "input.country",
                "must be an ISO 3166 country code (US, DE)",
            ));
        }
        match (form, tin_type) {
            (TaxForm::W9, None) => {
                return Err(ApiError::bad_input(
                    "input.tinType",
                    "is needed with a W-9: SSN, EIN or ITIN",
                ));
            }
            (TaxForm::W9, Some(kind)) => {
                let digits = super::tin::check(kind, tax_id)
                    .map_err(|why| ApiError::bad_input("input.taxId", why))?;
                return Ok(Submission {
                    form,
                    country,
                    tax_id: digits,
                    tin_type: Some(kind),
                    signed_on,
                    details: Details::default(),
                });
            }
            (_, Some(_)) => {
                return Err(ApiError::bad_input(
                    "input.tinType",
                    "is a W-9's alone: a W-8 or another form gives none",
                ));
            }
            (_, None) => {}
        }
        let tax_id = tax_id.trim();
        let alphanumerics = tax_id.chars().filter(char::is_ascii_alphanumeric).count();
        let allowed = tax_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ' ' | '/' | '.'));
        // At least 8 letters and digits (every national tax id is): the
        // last four shown are never more than half of it.
        if !allowed
            || alphanumerics < MIN_TAX_ID_ALPHANUMERICS
            || tax_id.chars().count() > MAX_TAX_ID_CHARS
        {
            return Err(ApiError::bad_input(
                "input.taxId",
                format!(
                    "must be {MIN_TAX_ID_ALPHANUMERICS} to {MAX_TAX_ID_CHARS} letters and digits (with -, /, . or spaces)"
                ),
            ));
        }
        Ok(Submission {
            form,
            country,
            tax_id: tax_id.to_owned(),
            tin_type: None,
            signed_on,
            details: Details::default(),
        })
    }

    /// The submission with what its form says beyond its number, checked:
    /// a W-9 needs its legal name, classification and address; a
    /// classification, a business name and an address are a W-9's alone.
    pub fn with(mut self, details: Details) -> ApiResult<Submission> {
        let name = |field: &str, text: Option<String>| {
            crate::input::optional_line(field, text.as_deref(), crate::input::MAX_NAME_CHARS)
        };
        let legal_name = name("input.legalName", details.legal_name)?;
        let business_name = name("input.businessName", details.business_name)?;
        let w9 = self.form == TaxForm::W9;
        let w8 = matches!(self.form, TaxForm::W8ben | TaxForm::W8bene);
        if w9 {
            if legal_name.is_none() {
                return Err(ApiError::bad_input(
                    "input.legalName",
                    "is needed with a W-9: the name on the tax return (line 1)",
                ));
            }
            if details.classification.is_none() {
                return Err(ApiError::bad_input(
                    "input.classification",
                    "is needed with a W-9: its federal tax classification (line 3a)",
                ));
            }
            if details.address.is_none() {
                return Err(ApiError::bad_input(
                    "input.address",
                    "is needed with a W-9: where its forms are sent (lines 5 and 6)",
                ));
            }
        } else {
            for (given, field) in [
                (details.classification.is_some(), "input.classification"),
                (business_name.is_some(), "input.businessName"),
                (details.address.is_some(), "input.address"),
            ] {
                if given {
                    return Err(ApiError::bad_input(field, "is a W-9's alone"));
                }
            }
        }
        if !w8 && details.services_outside_us.is_some() {
            return Err(ApiError::bad_input(
                "input.servicesOutsideUs",
                "is a W-8's alone",
            ));
        }
        self.details = Details {
            legal_name,
            business_name,
            ..details
        };
        Ok(self)
    }

    /// The last four letters or digits of the tax id.
    pub(super) fn last4(&self) -> String {
        let tail: Vec<char> = self
            .tax_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .rev()
            .take(4)
            .collect();
        tail.into_iter().rev().collect()
    }
}

/// The day a form was signed, checked: a W-8 needs it (its validity runs
/// from it), and no form is signed in the future or, a W-8, so long ago
/// that it has expired.
fn signed(
    form: TaxForm,
    signed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ApiResult<Option<NaiveDate>> {
    let w8 = matches!(form, TaxForm::W8ben | TaxForm::W8bene);
    let Some(day) = signed_on else {
        return match w8 {
            true => Err(ApiError::bad_input(
                "input.signedOn",
                "is needed with a W-8: the day it was signed, from which it is valid",
            )),
            false => Ok(None),
        };
    };
    // A day's grace for a signer whose day is ahead of the server's.
    if day > today + chrono::Days::new(1) {
        return Err(ApiError::bad_input("input.signedOn", "is in the future"));
    }
    if valid_until(form, Some(day)).is_some_and(|until| until < today) {
        return Err(ApiError::bad_input(
            "input.signedOn",
            "is so long ago that the W-8 has expired (it is valid to the last day of the third \
             calendar year after it was signed): sign a new one",
        ));
    }
    Ok(Some(day))
}

/// The last day a profile holds: a W-8's is the last day of the third
/// calendar year after it was signed (signed 2026-03-10, valid until
/// 2029-12-31); other forms hold until they are replaced.
pub fn valid_until(form: TaxForm, signed_on: Option<NaiveDate>) -> Option<NaiveDate> {
    match form {
        TaxForm::W8ben | TaxForm::W8bene => {
            signed_on.and_then(|day| NaiveDate::from_ymd_opt(day.year() + 3, 12, 31))
        }
        TaxForm::W9 | TaxForm::Other => None,
    }
}

/// The day a stored profile holds to: a W-8 submitted before its signing
/// day was asked counts from the day it was submitted (signed no later).
pub fn valid_until_of(row: &tax_profile::Model) -> Option<NaiveDate> {
    valid_until(
        row.form,
        Some(
            row.signed_on
                .unwrap_or_else(|| row.submitted_at.date_naive()),
        ),
    )
}

/// Today in a tenant's time zone (UTC for one it does not name): the day a
/// W-8's validity is judged on, wherever it is judged.
pub fn today_in(time_zone: &str) -> NaiveDate {
    let zone: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    chrono::Utc::now().with_timezone(&zone).date_naive()
}

/// Whether a stored profile has expired by `today`: an expired W-8 is no
/// profile.
pub fn expired(row: &tax_profile::Model, today: NaiveDate) -> bool {
    valid_until_of(row).is_some_and(|until| until < today)
}

/// What ties a sealed tax id to its row.
pub(super) fn binding(tenant_id: &str, partner_id: &str) -> String {
    format!("tax-id/{tenant_id}/{partner_id}")
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Option<tax_profile::Model>> {
    Ok(tax_profile::Entity::find_by_id(partner_id.to_owned())
        .filter(tax_profile::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// The partners among these whose tax profile is approved and, a W-8,
/// still valid `today`.
pub async fn approved_among(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_ids: impl IntoIterator<Item = String>,
    today: NaiveDate,
) -> ApiResult<Vec<String>> {
    Ok(tax_profile::Entity::find()
        .filter(tax_profile::Column::TenantId.eq(tenant_id))
        .filter(tax_profile::Column::PartnerId.is_in(partner_ids))
        .filter(tax_profile::Column::Status.eq(TaxProfileStatus::Approved))
        .all(conn)
        .await?
        .into_iter()
        .filter(|row| !expired(row, today))
        .map(|row| row.partner_id)
        .collect())
}

/// The tax id a profile holds, opened with the data key: what the tests
/// read to show the sealed row holds it. No API answer returns it.
pub fn tax_id(key: &DataKey, row: &tax_profile::Model) -> Result<String, super::seal::OpenError> {
    key.open(
        &binding(&row.tenant_id, &row.partner_id),
        &row.tax_id_sealed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_w8_is_valid_to_the_end_of_the_third_year_after_its_signing() {
        assert_eq!(
            valid_until(TaxForm::W8ben, Some(day("2026-03-10"))),
            Some(day("2029-12-31"))
        );
        assert_eq!(
            valid_until(TaxForm::W8bene, Some(day("2023-12-31"))),
            Some(day("2026-12-31"))
        );
        assert_eq!(valid_until(TaxForm::W9, Some(day("2020-01-01"))), None);
        let w8 = |signed: Option<&str>| {
            Submission::check(
                TaxForm::W8ben,
                "DE",
                "DE123456789",
                None,
                signed.map(day),
                TODAY,
            )
        };
        let field = |r: ApiResult<Submission>| match r {
            Err(ApiError::BadInput { field, message }) => format!("{field}: {message}"),
            _ => panic!("accepted"),
        };
        assert!(field(w8(None)).starts_with("input.signedOn: is needed with a W-8"));
        assert_eq!(
            field(w8(Some("2026-11-28"))),
            "input.signedOn: is in the future"
        );
        assert!(w8(Some("2026-11-27")).is_ok(), "a day's grace");
        // Signed in 2022: valid to 2025-12-31, expired by today.
        assert!(field(w8(Some("2022-12-31"))).contains("has expired"));
        assert_eq!(
            w8(Some("2023-01-01")).unwrap().signed_on,
            Some(day("2023-01-01"))
        );
        // A W-9 needs no signing day, and keeps one given.
        let w9 = Submission::check(
            TaxForm::W9,
            "US",
            "12-3456789",
            Some(TinType::Ein),
            None,
            TODAY,
        );
        assert_eq!(w9.unwrap().signed_on, None);
    }

    #[test]
    fn a_tax_id_is_checked_and_shown_by_its_last_four() {
        let ok = Submission::check(
            TaxForm::W9,
            " us ",
            "123-45-6789",
            Some(TinType::Ssn),
            None,
            TODAY,
        )
        .unwrap();
        assert_eq!(ok.country, "US");
        assert_eq!(ok.last4(), "6789");
        assert!(!format!("{ok:?}").contains("6789"));
        let field = |r: ApiResult<Submission>| match r {
            Err(ApiError::BadInput { field, .. }) => field,
            _ => panic!("accepted"),
        };
        assert_eq!(
            field(Submission::check(
                TaxForm::W9,
                "USA",
                "123456789",
                Some(TinType::Ssn),
                None,
                TODAY
            )),
            "input.country"
        );
        // Two letters are not enough: `XX` names no country.
        assert_eq!(
            field(Submission::check(
                TaxForm::W9,
                "XX",
                "123456789",
                Some(TinType::Ssn),
                None,
                TODAY
            )),
            "input.country"
        );
        let other = |id: &str| Submission::check(TaxForm::Other, "DE", id, None, None, TODAY);
        assert_eq!(field(other("12-3")), "input.taxId");
        assert_eq!(field(other("12-34-567")), "input.taxId");
        assert!(other("12-34-5678").is_ok());
        assert_eq!(field(other("1234<script>")), "input.taxId");
        // A W-9's number is a US one of the kind it says, kept as digits.
        let w9 = Submission::check(
            TaxForm::W9,
            "US",
            "12-3456789",
            Some(TinType::Ein),
            None,
            TODAY,
        )
        .unwrap();
        assert_eq!(
            (w9.tax_id.as_str(), w9.tin_type),
            ("123456789", Some(TinType::Ein))
        );
        assert_eq!(
            field(Submission::check(
                TaxForm::W9,
                "US",
                "123-45-6789",
                None,
                None,
                TODAY
            )),
            "input.tinType"
        );
        assert_eq!(
            field(Submission::check(
                TaxForm::W9,
                "US",
                "666-45-6789",
                Some(TinType::Ssn),
                None,
                TODAY
            )),
            "input.taxId"
        );
        assert_eq!(
            field(Submission::check(
                TaxForm::W8ben,
                "DE",
                "12345678901",
                Some(TinType::Ssn),
                Some(day("2026-01-01")),
                TODAY
            )),
            "input.tinType"
        );
    }
}
