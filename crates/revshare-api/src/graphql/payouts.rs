//! The payout vocabulary as input (SPEC §16): money amounts, minimum
//! payouts (on the tenant, a group or a partner), the tenant's payout
//! account, payout methods and tax profiles — each turned into the checked
//! type its service takes, errors naming their input path.

use super::enums::{PayoutMethodType, TaxClassification, TaxForm, TinType};
use super::scalars::Decimal;
use async_graphql::{ID, InputObject, MaybeUndefined};
use revshare_core::directory::minimums::{self, Minimum};
use revshare_core::error::ApiResult;
use revshare_core::payouts::methods::{GivenMethod, Method};
use revshare_core::payouts::tax::Submission;
use revshare_core::tenants::PayoutAccount;

/// An amount in a currency.
#[derive(InputObject)]
pub struct MoneyInput {
    /// In the currency's decimals at most (`"50.00"` USD, `"5000"` JPY).
    pub amount: Decimal,
    /// An ISO 4217 code (`USD`).
    pub currency: String,
}

/// A `minimumPayout` input as a change: absent, cleared (`null`), or a
/// checked list (`[]` names no currency: the holder's own setting is
/// empty, and the less specific ones apply).
pub fn minimum_change(
    field: &str,
    given: MaybeUndefined<Vec<MoneyInput>>,
) -> ApiResult<Option<Option<Vec<Minimum>>>> {
    match given {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(list) => {
            let mut checked = Vec::with_capacity(list.len());
            for (i, money) in list.into_iter().enumerate() {
                let amount = money.amount.value(&format!("{field}[{i}].amount"))?;
                checked.push((amount, money.currency));
            }
            Ok(Some(Some(minimums::check(field, &checked)?)))
        }
    }
}

/// The account SEPA files are paid from.
#[derive(InputObject)]
pub struct PayoutAccountInput {
    /// ISO 13616, spaces allowed (`DE89 3704 0044 0532 0130 00`).
    pub iban: String,
    /// Optional within the SEPA area.
    pub bic: Option<String>,
    /// The account holder, as the bank knows it (at most 70 characters).
    pub name: String,
}

/// A `payoutAccount` input as a change.
pub fn account_change(
    given: MaybeUndefined<PayoutAccountInput>,
) -> ApiResult<Option<Option<PayoutAccount>>> {
    match given {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(account) => Ok(Some(Some(PayoutAccount::check(
            "input.payoutAccount",
            &account.iban,
            account.bic.as_deref(),
            &account.name,
        )?))),
    }
}

/// Where a partner is paid. `PAYPAL` takes `paypalEmail`; `BANK_TRANSFER`
/// takes `iban`, `accountHolder` and, optionally, `bic`; `ACH` its
/// routing and account number; `WISE` a `currency`, `accountHolder`,
/// `legalType` and the currency's account fields.
#[derive(InputObject)]
pub struct SetPayoutMethodInput {
    /// The partner (omitted with a partner token: itself).
    pub partner_id: Option<ID>,
    /// PayPal or a bank transfer.
    #[graphql(name = "type")]
    pub method_type: PayoutMethodType,
    /// For `PAYPAL`: the account's e-mail.
    pub paypal_email: Option<String>,
    /// ISO 13616, spaces allowed; checked for its country's length and its
    /// check digits.
    pub iban: Option<String>,
    /// 8 or 11 characters.
    pub bic: Option<String>,
    /// The account holder, as the bank knows it (at most 70 characters).
    pub account_holder: Option<String>,
    /// For `ACH`: the bank's ABA routing number (9 digits, checked).
    pub routing_number: Option<String>,
    /// For `ACH`: the account number (4 to 17 digits).
    pub account_number: Option<String>,
    /// For `ACH` and a `WISE` USD account: checking (the default) or
    /// savings.
    pub account_type: Option<super::enums::UsAccountType>,
    /// For `WISE`: the account's currency (EUR, CHF, DKK, NOK, PLN, SEK
    /// by IBAN; GBP by sort code; USD by routing number).
    pub currency: Option<String>,
    /// For a `WISE` GBP account: its sort code (6 digits; dashes and
    /// spaces dropped). Its `accountNumber` is 8 digits.
    pub sort_code: Option<String>,
    /// For `WISE`: a person (the default; `accountHolder` a first and a
    /// last name) or a business.
    pub legal_type: Option<super::enums::LegalType>,
    /// For a `WISE` USD account: the holder's address.
    pub address: Option<super::tax::AddressInput>,
}

impl SetPayoutMethodInput {
    pub fn method(&self) -> ApiResult<Method> {
        Method::check(&GivenMethod {
            kind: self.method_type.into(),
            paypal_email: self.paypal_email.as_deref(),
            iban: self.iban.as_deref(),
            bic: self.bic.as_deref(),
            account_holder: self.account_holder.as_deref(),
            routing_number: self.routing_number.as_deref(),
            account_number: self.account_number.as_deref(),
            account_type: self.account_type.map(Into::into),
            currency: self.currency.as_deref(),
            sort_code: self.sort_code.as_deref(),
            legal_type: self.legal_type.map(|t| t.as_str()),
            address: self
                .address
                .as_ref()
                .map(|a| a.address("input.address"))
                .transpose()?,
        })
    }
}

/// A partner's tax profile. The tax id is stored encrypted and never
/// returned: only its last four characters are.
#[derive(InputObject)]
pub struct SubmitTaxProfileInput {
    /// The partner (omitted with a partner token: itself).
    pub partner_id: Option<ID>,
    /// The form filed.
    pub form: TaxForm,
    /// ISO 3166-1 alpha-2 (`US`).
    pub country: String,
    /// A W-9's: its US number, 9 digits (`123-45-6789` for an SSN or
    /// ITIN, `12-3456789` for an EIN, or without dashes), checked by the
    /// rules of `tinType`. Another form's: 8 to 30 letters and digits, with
    /// `-`, `/`, `.` or spaces.
    pub tax_id: String,
    /// Which US number a W-9's tax id is; needed with a W-9, given with
    /// no other form.
    pub tin_type: Option<TinType>,
    /// The day the form was signed: needed with a W-8, valid from it to
    /// the last day of the third calendar year after.
    pub signed_on: Option<crate::graphql::scalars::Date>,
    /// The name on the tax return: a W-9's line 1 (needed), a W-8's name.
    pub legal_name: Option<String>,
    /// A W-9's business or disregarded entity name (line 2), if different.
    pub business_name: Option<String>,
    /// A W-9's federal tax classification (needed): corporations get no
    /// 1099-NEC.
    pub classification: Option<TaxClassification>,
    /// A W-9's address (needed): where its forms are sent.
    pub address: Option<crate::graphql::tax::AddressInput>,
    /// Consent to receive year-end forms electronically (e-mailed and in
    /// the portal) instead of on paper.
    #[graphql(default = false)]
    pub electronic_delivery: bool,
    /// A W-8's: the services were performed outside the United States.
    pub services_outside_us: Option<bool>,
}

impl SubmitTaxProfileInput {
    /// The submission checked on `today` (the tenant's day).
    pub fn submission(&self, today: chrono::NaiveDate) -> ApiResult<Submission> {
        Submission::check(
            self.form.into(),
            &self.country,
            &self.tax_id,
            self.tin_type.map(Into::into),
            self.signed_on.as_ref().map(|d| d.0),
            today,
        )?
        .with(revshare_core::payouts::tax::Details {
            legal_name: self.legal_name.clone(),
            business_name: self.business_name.clone(),
            classification: self.classification.map(Into::into),
            address: self
                .address
                .as_ref()
                .map(|a| a.address("input.address"))
                .transpose()?,
            electronic_delivery: self.electronic_delivery,
            services_outside_us: self.services_outside_us,
        })
    }
}

/// The tenant's decision on a partner's tax profile.
#[derive(InputObject)]
pub struct DecideTaxProfileInput {
    /// The partner whose profile is decided.
    pub partner_id: ID,
    /// The submission decided (`TaxProfile.submissionId`). Without it, the
    /// partner's latest — refused when that one waits behind an approved
    /// profile: replacing an approved profile names what replaces it.
    pub submission_id: Option<ID>,
    /// Approving a W-9 whose TIN another partner's approved W-9 gives
    /// under another name makes the two one payee, issued in one name:
    /// refused unless this names that partner.
    pub confirm_shared_tin: Option<ID>,
    /// True approves it, false rejects it.
    pub approve: bool,
    /// Why it is rejected (required to reject).
    pub reason: Option<String>,
}
