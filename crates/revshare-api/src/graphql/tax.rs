//! The year-end vocabulary as input (SPEC §29): addresses, the tenant as
//! payer and how it reports — each turned into the checked type its
//! service takes, errors naming their input path.

use super::enums::PayoutMethodType;
use super::scalars::Decimal;
use async_graphql::{InputObject, MaybeUndefined};
use revshare_core::error::ApiResult;
use revshare_core::payouts::address::{Address, Given};
use revshare_core::payouts::seal::DataKey;
use revshare_core::tax::settings::{self, GivenPayer, Payer};

/// A postal address.
#[derive(InputObject)]
pub struct AddressInput {
    /// The street address.
    pub line1: String,
    /// The apartment, suite or unit.
    pub line2: Option<String>,
    /// The city or town.
    pub city: String,
    /// A US address's two-letter state (`CA`); elsewhere the region.
    pub state: Option<String>,
    /// A US address's ZIP code, 5 or 9 digits (`62704`, `62704-1234`);
    /// elsewhere the postal code.
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2; `US` when omitted.
    pub country: Option<String>,
}

impl AddressInput {
    pub fn address(&self, field: &str) -> ApiResult<Address> {
        Address::check(
            field,
            &Given {
                line1: &self.line1,
                line2: self.line2.as_deref(),
                city: &self.city,
                state: self.state.as_deref(),
                zip: self.zip.as_deref(),
                country: self.country.as_deref(),
            },
        )
    }
}

/// The tenant as the payer of its 1099s: printed on every form.
#[derive(InputObject)]
pub struct TaxPayerInput {
    /// The payer's legal name, as the IRS knows it.
    pub legal_name: String,
    /// Its EIN (`12-3456789`): stored encrypted, answered by its last four.
    pub tin: String,
    /// Its address, printed on every form.
    pub address: AddressInput,
    /// The telephone number recipients call with questions.
    pub phone: String,
    /// An address recipients write to.
    pub email: Option<String>,
}

/// A year's threshold.
#[derive(InputObject)]
pub struct TaxThresholdInput {
    /// 2027 or later: the law fixed the years before.
    pub year: i32,
    /// In USD.
    pub amount: Decimal,
}

/// How the tenant reports; omitted fields stay as they are.
#[derive(InputObject)]
pub struct TaxReportingInput {
    /// Methods whose payments a TPSO reports on its 1099-K, left out of
    /// the 1099-NEC (`[PAYPAL]` by default).
    pub excluded_methods: Option<Vec<PayoutMethodType>>,
    /// The tenant's thresholds for years after 2026 (replacing those set).
    pub thresholds: Option<Vec<TaxThresholdInput>>,
    /// Withhold 24 % from USD payouts to partners without an approved W-9
    /// or a valid W-8 (backup withholding).
    pub backup_withholding: Option<bool>,
}

/// The payer as a change: absent, cleared, or checked and sealed.
pub fn payer_change(
    key: Option<&DataKey>,
    tenant_id: &str,
    given: MaybeUndefined<TaxPayerInput>,
) -> ApiResult<Option<Option<String>>> {
    let given = match given {
        MaybeUndefined::Undefined => return Ok(None),
        MaybeUndefined::Null => return Ok(Some(None)),
        MaybeUndefined::Value(given) => given,
    };
    let key = key.ok_or_else(|| {
        revshare_core::error::ApiError::Conflict(
            "tax settings are off on this server: it has no key to encrypt tax ids with".into(),
        )
    })?;
    let payer = Payer::check(
        key,
        tenant_id,
        GivenPayer {
            legal_name: &given.legal_name,
            tin: &given.tin,
            address: given.address.address("input.taxPayer.address")?,
            phone: &given.phone,
            email: given.email.as_deref(),
        },
    )?;
    Ok(Some(Some(payer.encode()?)))
}

/// The reporting settings as changes: (methods, thresholds, withholding).
pub fn reporting_change(
    given: Option<TaxReportingInput>,
) -> ApiResult<(Option<String>, Option<String>, Option<bool>)> {
    let Some(given) = given else {
        return Ok((None, None, None));
    };
    let methods = given
        .excluded_methods
        .map(|methods| {
            let methods: Vec<entity::enums::PayoutMethodType> =
                methods.into_iter().map(Into::into).collect();
            settings::encode_methods(&methods)
        })
        .transpose()?;
    let thresholds = given
        .thresholds
        .map(|rows| {
            let rows = rows
                .iter()
                .map(|row| Ok((row.year, row.amount.value("input.taxReporting.thresholds")?)))
                .collect::<ApiResult<Vec<_>>>()?;
            settings::encode_thresholds(&rows)
        })
        .transpose()?;
    Ok((methods, thresholds, given.backup_withholding))
}
