//! The tenant as the payer of its 1099s, and how it reports (SPEC §29).
//!
//! - **The payer**: its legal name, TIN (an EIN, sealed like a partner's
//!   tax id and shown by its last four), address, phone and e-mail. Every
//!   form copies it when issued.
//! - **Excluded methods**: payments through a third-party settlement
//!   organisation are on its 1099-K, not on the brand's 1099-NEC: PayPal by
//!   default.
//! - **Thresholds**: what the law fixed — 600.00 through 2025, 2,000.00
//!   for 2026 (the One Big Beautiful Bill Act) — and, for a later year,
//!   the tenant's own row, else the latest known. Years the law fixed are
//!   not the tenant's to change.
//! - **Backup withholding**: off by default.

use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use crate::payouts::seal::DataKey;
use entity::enums::{PayoutMethodType, TinType};
use serde::{Deserialize, Serialize};

/// The thresholds the law fixed: through 2025, and 2026.
const FIXED: &[(i32, i64)] = &[(2025, 60_000), (2026, 200_000)];

/// The first year whose threshold a tenant sets.
pub const FIRST_OWN_YEAR: i32 = 2027;

/// The payer of a tenant's 1099s, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payer {
    pub legal_name: String,
    /// The EIN, sealed for the tenant ([`binding`]).
    pub tin_sealed: String,
    pub tin_last4: String,
    pub address: Address,
    pub phone: String,
    pub email: Option<String>,
}

/// What ties a payer's sealed TIN to its tenant.
fn binding(tenant_id: &str) -> String {
    format!("tax-payer/{tenant_id}")
}

/// A payer as an admin gives it.
pub struct GivenPayer<'a> {
    pub legal_name: &'a str,
    pub tin: &'a str,
    pub address: Address,
    pub phone: &'a str,
    pub email: Option<&'a str>,
}

impl Payer {
    /// Checks a payer; errors name `input.taxPayer.tin` and the others.
    pub fn check(key: &DataKey, tenant_id: &str, given: GivenPayer<'_>) -> ApiResult<Payer> {
        let legal_name = crate::input::required_line(
            "input.taxPayer.legalName",
            given.legal_name,
            crate::input::MAX_NAME_CHARS,
        )?;
        let digits = crate::payouts::tin::check(TinType::Ein, given.tin)
            .map_err(|why| ApiError::bad_input("input.taxPayer.tin", why))?;
        let phone = crate::input::required_line("input.taxPayer.phone", given.phone, 30)?;
        let phone_digits = phone.chars().filter(char::is_ascii_digit).count();
        let phone_shaped = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().x".contains(c));
        if !phone_shaped || !(10..=15).contains(&phone_digits) {
            return Err(ApiError::bad_input(
                "input.taxPayer.phone",
                "must be a telephone number of 10 to 15 digits ((555) 123-4567)",
            ));
        }
        let email = crate::input::optional_email("input.taxPayer.email", given.email)?;
        Ok(Payer {
            legal_name,
            tin_sealed: key.seal(&binding(tenant_id), &digits),
            tin_last4: digits[digits.len() - 4..].to_owned(),
            address: given.address,
            phone,
            email,
        })
    }

    /// As stored; copied whole into every form issued.
    pub fn encode(&self) -> ApiResult<String> {
        ApiError::json("tax payer", self)
    }

    /// The stored payer, none when there is none; one that does not read
    /// is an error, never no payer.
    pub fn decode(text: Option<&str>) -> ApiResult<Option<Payer>> {
        text.map(|t| ApiError::stored("tax payer", t)).transpose()
    }

    /// The payer's whole TIN, opened: what its forms print and file.
    pub fn tin(&self, key: &DataKey, tenant_id: &str) -> ApiResult<String> {
        key.open(&binding(tenant_id), &self.tin_sealed)
            .map_err(|e| ApiError::internal("the payer's TIN", format!("{e:?}")))
    }
}

/// How a tenant reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporting {
    pub excluded_methods: Vec<PayoutMethodType>,
    /// The tenant's own thresholds, by year (from [`FIRST_OWN_YEAR`]).
    pub own_thresholds: Vec<(i32, i64)>,
    pub backup_withholding: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredThreshold {
    year: i32,
    amount_minor: i64,
}

impl Reporting {
    /// A tenant's settings as stored (the defaults where it set none);
    /// settings that do not read are an error, never the defaults.
    pub fn of(tenant: &entity::tenant::Model) -> ApiResult<Reporting> {
        let excluded_methods = crate::payouts::withholding::excluded_methods(tenant)?;
        let own_thresholds = match tenant.tax_thresholds.as_deref() {
            Some(text) => ApiError::stored::<Vec<StoredThreshold>>("tax thresholds", text)?
                .into_iter()
                .map(|t| (t.year, t.amount_minor))
                .collect(),
            None => Vec::new(),
        };
        Ok(Reporting {
            excluded_methods,
            own_thresholds,
            backup_withholding: tenant.backup_withholding,
        })
    }

    /// The threshold of `year`, in cents: the law's through 2026; a later
    /// year's is the tenant's row, else the latest one known before it.
    pub fn threshold(&self, year: i32) -> i64 {
        if year <= FIXED[0].0 {
            return FIXED[0].1;
        }
        let known = FIXED
            .iter()
            .copied()
            .chain(self.own_thresholds.iter().copied())
            .filter(|(from, _)| *from <= year)
            .max_by_key(|(from, _)| *from);
        known.map(|(_, amount)| amount).unwrap_or(FIXED[0].1)
    }

    /// Every threshold known, by year: the law's and the tenant's.
    pub fn thresholds(&self) -> Vec<(i32, i64)> {
        let mut all: Vec<(i32, i64)> = FIXED
            .iter()
            .copied()
            .chain(self.own_thresholds.iter().copied())
            .collect();
        all.sort();
        all
    }

    /// Whether a payment by `method` (stored text, `''` for none) is on a
    /// TPSO's 1099-K rather than counted.
    pub fn excludes(&self, method: &str) -> bool {
        self.excluded_methods.iter().any(|m| m.as_str() == method)
    }
}

/// The tenant's own thresholds, checked (`input.taxReporting.thresholds`)
/// and encoded for its row.
pub fn encode_thresholds(rows: &[(i32, rust_decimal::Decimal)]) -> ApiResult<String> {
    let field = "input.taxReporting.thresholds";
    let mut stored = Vec::with_capacity(rows.len());
    for (year, amount) in rows {
        if *year < FIRST_OWN_YEAR || *year > 2100 {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "{year}: the law fixed the thresholds through 2026 (600.00 through 2025, \
                     2,000.00 for 2026); a tenant sets those of {FIRST_OWN_YEAR} on"
                ),
            ));
        }
        let minor = crate::engine::Currency::parse("USD")
            .map_err(|e| ApiError::internal("USD", e))?
            .to_minor(*amount)
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                ApiError::bad_input(field, format!("{year}: must be positive, in whole cents"))
            })?;
        if stored.iter().any(|s: &StoredThreshold| s.year == *year) {
            return Err(ApiError::bad_input(field, format!("{year} is given twice")));
        }
        stored.push(StoredThreshold {
            year: *year,
            amount_minor: minor,
        });
    }
    serde_json::to_string(&stored).map_err(|e| ApiError::internal("thresholds", e))
}

/// Excluded methods encoded for the tenant's row.
pub fn encode_methods(methods: &[PayoutMethodType]) -> ApiResult<String> {
    let mut methods = methods.to_vec();
    methods.sort();
    methods.dedup();
    ApiError::json("excluded methods", &methods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_the_laws_then_the_tenants() {
        let mut reporting = Reporting {
            excluded_methods: vec![PayoutMethodType::Paypal],
            own_thresholds: Vec::new(),
            backup_withholding: false,
        };
        assert_eq!(reporting.threshold(2019), 60_000);
        assert_eq!(reporting.threshold(2025), 60_000);
        assert_eq!(reporting.threshold(2026), 200_000);
        assert_eq!(reporting.threshold(2028), 200_000, "the latest known");
        reporting.own_thresholds = vec![(2028, 210_000)];
        assert_eq!(reporting.threshold(2027), 200_000);
        assert_eq!(reporting.threshold(2028), 210_000);
        assert_eq!(reporting.threshold(2030), 210_000);
        assert!(reporting.excludes("PAYPAL"));
        assert!(!reporting.excludes(""));
        assert!(encode_thresholds(&[(2026, rust_decimal::Decimal::new(1, 0))]).is_err());
        assert!(encode_thresholds(&[(2027, rust_decimal::Decimal::new(1, 3))]).is_err());
    }
}
