//! Payout methods: where a partner is paid — a PayPal account or a bank
//! account (by IBAN, or a US one by routing and account number for ACH,
//! or one Wise pays in its own currency: [`wise_account`]) —
//! one per partner, set by the partner itself or the tenant's staff. Each
//! is checked when set (an e-mail's form; an IBAN's country length and
//! check digits, a BIC's form; a routing number's prefix and check digit),
//! so that a run's file never carries an account its bank or PayPal would
//! refuse for its form.

use super::wise_account::{self, Details, WiseAccount};
use crate::db::Db;
use crate::engine::accounts::{Bic, Iban};
use crate::engine::us_accounts::{AccountNumber, RoutingNumber};
use crate::error::{ApiError, ApiResult};
use crate::input;
use entity::enums::{PayoutMethodType, UsAccountType};
use entity::{partner, payout_method};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A checked payout method.
#[derive(Debug, Clone)]
pub enum Method {
    Paypal {
        email: String,
    },
    BankTransfer {
        iban: Iban,
        bic: Option<Bic>,
        account_holder: String,
    },
    /// The partner's Stripe Express account, once Stripe enables its
    /// payouts (SPEC §26): found by [`set`], never given.
    StripeConnect {
        account_id: String,
    },
    /// A US bank account, credited by ACH.
    Ach {
        routing: RoutingNumber,
        account: AccountNumber,
        account_type: UsAccountType,
        account_holder: String,
    },
    /// A bank account in its own currency, paid through Wise (SPEC §36).
    Wise(WiseAccount),
}

/// A method as a client gives it.
#[derive(Clone)]
pub struct GivenMethod<'a> {
    pub kind: PayoutMethodType,
    pub paypal_email: Option<&'a str>,
    pub iban: Option<&'a str>,
    pub bic: Option<&'a str>,
    pub account_holder: Option<&'a str>,
    pub routing_number: Option<&'a str>,
    pub account_number: Option<&'a str>,
    /// An `ACH` account's kind (checking when not given).
    pub account_type: Option<UsAccountType>,
    /// A `WISE` account's currency, GBP sort code, holder's legal type
    /// and (USD) address.
    pub currency: Option<&'a str>,
    pub sort_code: Option<&'a str>,
    pub legal_type: Option<&'a str>,
    pub address: Option<super::address::Address>,
}

impl<'a> GivenMethod<'a> {
    /// A method of `kind` with none of its fields given yet.
    pub fn of(kind: PayoutMethodType) -> GivenMethod<'a> {
        GivenMethod {
            kind,
            paypal_email: None,
            iban: None,
            bic: None,
            account_holder: None,
            routing_number: None,
            account_number: None,
            account_type: None,
            currency: None,
            sort_code: None,
            legal_type: None,
            address: None,
        }
    }
}

impl Method {
    /// The account as compared across partners: the IBAN (as stored), or
    /// the PayPal address normalised as self-referral compares it.
    pub fn account_key(&self) -> String {
        match self {
            Method::Paypal { email } => crate::fraud::email::normalized(email),
            Method::BankTransfer { iban, .. } => iban.as_str().to_lowercase(),
            Method::StripeConnect { account_id } => format!("stripe:{account_id}"),
            Method::Ach {
                routing, account, ..
            } => format!("ach:{}:{}", routing.as_str(), account.as_str()),
            Method::Wise(account) => account.account_key(),
        }
    }

    /// Checks a method as given; errors name `input.<field>`. Fields of
    /// the other type are refused rather than ignored, so that a client
    /// never believes it stored what it did not.
    pub fn check<'a>(given: &GivenMethod<'a>) -> ApiResult<Method> {
        let present = |value: Option<&str>| value.is_some_and(|v| !v.trim().is_empty());
        let refuse = |field: &str, of: &str| {
            ApiError::bad_input(format!("input.{field}"), format!("is only for {of}"))
        };
        if given.kind == PayoutMethodType::Wise {
            for (field, value, of) in [
                ("paypalEmail", given.paypal_email, "PAYPAL"),
                ("bic", given.bic, "BANK_TRANSFER"),
            ] {
                if present(value) {
                    return Err(refuse(field, of));
                }
            }
            return wise_account::check(&wise_account::Given {
                currency: given.currency,
                account_holder: given.account_holder,
                legal_type: given.legal_type,
                iban: given.iban,
                sort_code: given.sort_code,
                routing_number: given.routing_number,
                account_number: given.account_number,
                account_type: given.account_type,
                address: given.address.clone(),
            })
            .map(Method::Wise);
        }
        for (field, value) in [
            ("currency", given.currency),
            ("sortCode", given.sort_code),
            ("legalType", given.legal_type),
        ] {
            if present(value) {
                return Err(refuse(field, "WISE"));
            }
        }
        if given.address.is_some() {
            return Err(refuse("address", "WISE"));
        }
        if given.kind != PayoutMethodType::Ach {
            for (field, value) in [
                ("routingNumber", given.routing_number),
                ("accountNumber", given.account_number),
            ] {
                if present(value) {
                    return Err(refuse(field, "ACH"));
                }
            }
            if given.account_type.is_some() {
                return Err(refuse("accountType", "ACH"));
            }
        }
        match given.kind {
            PayoutMethodType::Paypal => {
                for (field, value) in [
                    ("iban", given.iban),
                    ("bic", given.bic),
                    ("accountHolder", given.account_holder),
                ] {
                    if present(value) {
                        return Err(refuse(field, "BANK_TRANSFER"));
                    }
                }
                let email = input::optional_email("input.paypalEmail", given.paypal_email)?
                    .ok_or_else(|| {
                        ApiError::bad_input("input.paypalEmail", "is required for PAYPAL")
                    })?;
                // It is a cell of the PayPal file finance opens: never a formula.
                if email.starts_with(['=', '+', '-', '@']) {
                    return Err(ApiError::bad_input(
                        "input.paypalEmail",
                        "may not begin with =, +, - or @",
                    ));
                }
                Ok(Method::Paypal { email })
            }
            PayoutMethodType::StripeConnect => {
                for (field, value) in [
                    ("paypalEmail", given.paypal_email),
                    ("iban", given.iban),
                    ("bic", given.bic),
                    ("accountHolder", given.account_holder),
                ] {
                    if present(value) {
                        return Err(ApiError::bad_input(
                            format!("input.{field}"),
                            "is not for STRIPE_CONNECT: the account is the one made by Connect with Stripe",
                        ));
                    }
                }
                Ok(Method::StripeConnect {
                    account_id: String::new(),
                })
            }
            PayoutMethodType::BankTransfer => {
                if present(given.paypal_email) {
                    return Err(refuse("paypalEmail", "PAYPAL"));
                }
                let iban = given.iban.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                    ApiError::bad_input("input.iban", "is required for BANK_TRANSFER")
                })?;
                let iban = Iban::parse(iban)
                    .map_err(|e| ApiError::bad_input("input.iban", e.to_string()))?;
                let bic = given
                    .bic
                    .filter(|v| !v.trim().is_empty())
                    .map(|b| {
                        Bic::parse(b).map_err(|e| ApiError::bad_input("input.bic", e.to_string()))
                    })
                    .transpose()?;
                let account_holder = input::optional_line(
                    "input.accountHolder",
                    given.account_holder,
                    input::MAX_ACCOUNT_HOLDER_CHARS,
                )?
                .ok_or_else(|| {
                    ApiError::bad_input("input.accountHolder", "is required for BANK_TRANSFER")
                })?;
                Ok(Method::BankTransfer {
                    iban,
                    bic,
                    account_holder,
                })
            }
            PayoutMethodType::Wise => unreachable_wise(),
            PayoutMethodType::Ach => {
                for (field, value, of) in [
                    ("paypalEmail", given.paypal_email, "PAYPAL"),
                    ("iban", given.iban, "BANK_TRANSFER"),
                    ("bic", given.bic, "BANK_TRANSFER"),
                ] {
                    if present(value) {
                        return Err(refuse(field, of));
                    }
                }
                let needed = |field: &str, value: Option<&'a str>| {
                    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                        ApiError::bad_input(format!("input.{field}"), "is required for ACH")
                    })
                };
                let routing = RoutingNumber::parse(needed("routingNumber", given.routing_number)?)
                    .map_err(|e| ApiError::bad_input("input.routingNumber", e.to_string()))?;
                let account = AccountNumber::parse(needed("accountNumber", given.account_number)?)
                    .map_err(|e| ApiError::bad_input("input.accountNumber", e.to_string()))?;
                let account_holder = input::optional_line(
                    "input.accountHolder",
                    given.account_holder,
                    input::MAX_ACCOUNT_HOLDER_CHARS,
                )?
                .ok_or_else(|| ApiError::bad_input("input.accountHolder", "is required for ACH"))?;
                Ok(Method::Ach {
                    routing,
                    account,
                    account_type: given.account_type.unwrap_or(UsAccountType::Checking),
                    account_holder,
                })
            }
        }
    }
}

/// Sets a partner's payout method (replacing the one it had), by `actor`.
/// `NOT_FOUND` for a partner the tenant does not have.
pub async fn set(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    method: Method,
) -> ApiResult<payout_method::Model> {
    db.transaction(|txn| {
        let method = method.clone();
        Box::pin(async move { store(&txn, tenant_id, actor, partner_id, method).await })
    })
    .await
}

/// [`set`] in the caller's transaction (an import's page).
pub async fn store(
    txn: &crate::db::Txn,
    tenant_id: &str,
    actor: &str,
    partner_id: &str,
    method: Method,
) -> ApiResult<payout_method::Model> {
    let partner = partner::Entity::find_by_id(partner_id.to_owned())
        .filter(partner::Column::TenantId.eq(tenant_id))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let method = match method {
        Method::StripeConnect { .. } => Method::StripeConnect {
            account_id: ready_account(txn, tenant_id, partner_id).await?,
        },
        other => other,
    };
    let mut row = payout_method::ActiveModel {
        partner_id: Set(partner_id.to_owned()),
        tenant_id: Set(tenant_id.to_owned()),
        r#type: Set(PayoutMethodType::Paypal),
        paypal_email: Set(None),
        iban: Set(None),
        bic: Set(None),
        account_holder: Set(None),
        account_key: Set(Some(method.account_key())),
        stripe_account_id: Set(None),
        routing_number: Set(None),
        account_number: Set(None),
        account_type: Set(None),
        currency: Set(None),
        sort_code: Set(None),
        legal_type: Set(None),
        address: Set(None),
        wise_recipient_id: Set(None),
        updated_by: Set(actor.to_owned()),
        updated_at: Set(crate::db::now()),
    };
    match method {
        Method::Paypal { email } => row.paypal_email = Set(Some(email)),
        Method::BankTransfer {
            iban,
            bic,
            account_holder,
        } => {
            row.r#type = Set(PayoutMethodType::BankTransfer);
            row.iban = Set(Some(iban.as_str().to_owned()));
            row.bic = Set(bic.map(|b| b.as_str().to_owned()));
            row.account_holder = Set(Some(account_holder));
        }
        Method::StripeConnect { account_id } => {
            row.r#type = Set(PayoutMethodType::StripeConnect);
            row.stripe_account_id = Set(Some(account_id));
        }
        Method::Ach {
            routing,
            account,
            account_type,
            account_holder,
        } => {
            row.r#type = Set(PayoutMethodType::Ach);
            row.routing_number = Set(Some(routing.as_str().to_owned()));
            row.account_number = Set(Some(account.as_str().to_owned()));
            row.account_type = Set(Some(account_type));
            row.account_holder = Set(Some(account_holder));
        }
        Method::Wise(account) => {
            row.r#type = Set(PayoutMethodType::Wise);
            row.currency = Set(Some(account.currency.clone()));
            row.account_holder = Set(Some(account.holder.clone()));
            row.legal_type = Set(Some(account.legal_type.clone()));
            match account.details {
                Details::Iban(iban) => row.iban = Set(Some(iban.as_str().to_owned())),
                Details::SortCode { sort_code, account } => {
                    row.sort_code = Set(Some(sort_code));
                    row.account_number = Set(Some(account));
                }
                Details::Aba {
                    routing,
                    account,
                    account_type,
                    address,
                } => {
                    row.routing_number = Set(Some(routing.as_str().to_owned()));
                    row.account_number = Set(Some(account.as_str().to_owned()));
                    row.account_type = Set(Some(account_type));
                    row.address = Set(Some(address.encode()));
                }
            }
            // The same account keeps the recipient Wise made for it.
            row.wise_recipient_id = Set(same_wise_recipient(txn, partner_id, &row).await?);
        }
    }
    use payout_method::Column as C;
    let before = match crate::activity::recording() {
        true => {
            payout_method::Entity::find_by_id(partner_id.to_owned())
                .one(txn)
                .await?
        }
        false => None,
    };
    let stored = payout_method::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::PartnerId)
                .update_columns([
                    C::Type,
                    C::PaypalEmail,
                    C::Iban,
                    C::Bic,
                    C::AccountHolder,
                    C::AccountKey,
                    C::StripeAccountId,
                    C::RoutingNumber,
                    C::AccountNumber,
                    C::AccountType,
                    C::Currency,
                    C::SortCode,
                    C::LegalType,
                    C::Address,
                    C::WiseRecipientId,
                    C::UpdatedBy,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(txn)
        .await?;
    crate::activity::changed(method_changes(before.as_ref(), &stored));
    // Another partner paid to the same account, or customers at
    // the partner's own PayPal address: flagged, in this change.
    let suspicious = crate::fraud::signals::at_payout_method(txn, &partner, &stored).await?;
    crate::fraud::raise_all(txn, suspicious, crate::db::now()).await?;
    Ok(stored)
}

/// What a new method changed of the old (none: the first), field by
/// field, as the activity log keeps it (its account numbers masked there).
fn method_changes(
    before: Option<&payout_method::Model>,
    after: &payout_method::Model,
) -> Vec<(&'static str, Option<String>, Option<String>)> {
    let field = |name: &'static str, of: fn(&payout_method::Model) -> Option<String>| {
        (name, before.and_then(of), of(after))
    };
    vec![
        field("type", |m| Some(m.r#type.as_str().to_owned())),
        field("paypalEmail", |m| m.paypal_email.clone()),
        field("iban", |m| m.iban.clone()),
        field("bic", |m| m.bic.clone()),
        field("accountHolder", |m| m.account_holder.clone()),
        field("stripeAccountId", |m| m.stripe_account_id.clone()),
        field("routingNumber", |m| m.routing_number.clone()),
        field("accountNumber", |m| m.account_number.clone()),
        field("accountType", |m| {
            m.account_type.map(|t| t.as_str().to_owned())
        }),
        field("currency", |m| m.currency.clone()),
        field("sortCode", |m| m.sort_code.clone()),
        field("legalType", |m| m.legal_type.clone()),
    ]
}

/// The Wise recipient of the partner's method, if the method being set
/// is the very account it was made for (the same currency, holder and
/// numbers): a recipient is made once per account.
async fn same_wise_recipient(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    row: &payout_method::ActiveModel,
) -> ApiResult<Option<String>> {
    let Some(before) = payout_method::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let now = |value: &sea_orm::ActiveValue<Option<String>>| match value {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => v.clone(),
        sea_orm::ActiveValue::NotSet => None,
    };
    let same = before.r#type == PayoutMethodType::Wise
        && before.currency == now(&row.currency)
        && before.account_holder == now(&row.account_holder)
        && before.legal_type == now(&row.legal_type)
        && before.iban == now(&row.iban)
        && before.sort_code == now(&row.sort_code)
        && before.routing_number == now(&row.routing_number)
        && before.account_number == now(&row.account_number)
        && before.address == now(&row.address);
    Ok(before.wise_recipient_id.filter(|_| same))
}

fn unreachable_wise() -> ApiResult<Method> {
    Err(ApiError::bad_input(
        "input.type",
        "WISE is checked on its own",
    ))
}

/// The partner's Stripe account whose payouts Stripe enabled, or
/// `BAD_INPUT` on `input.type`.
async fn ready_account(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<String> {
    entity::connect_account::Entity::find_by_id(partner_id.to_owned())
        .filter(entity::connect_account::Column::TenantId.eq(tenant_id))
        .filter(entity::connect_account::Column::PayoutsEnabled.eq(true))
        .one(conn)
        .await?
        .map(|account| account.account_id)
        .ok_or_else(|| {
            ApiError::bad_input(
                "input.type",
                "needs a Stripe account whose payouts Stripe enabled: Connect with Stripe first",
            )
        })
}

/// The payout methods of these partners of the tenant.
pub async fn of_partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_ids: impl IntoIterator<Item = String>,
) -> ApiResult<Vec<payout_method::Model>> {
    Ok(payout_method::Entity::find()
        .filter(payout_method::Column::TenantId.eq(tenant_id))
        .filter(payout_method::Column::PartnerId.is_in(partner_ids))
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(kind: PayoutMethodType) -> GivenMethod<'static> {
        GivenMethod::of(kind)
    }

    fn field(result: ApiResult<Method>) -> String {
        match result {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_type_needs_its_own_fields_and_only_those() {
        assert_eq!(
            field(Method::check(&given(PayoutMethodType::Paypal))),
            "input.paypalEmail"
        );
        let paypal_with_iban = GivenMethod {
            paypal_email: Some("ann@example.com"),
            iban: Some("DE89370400440532013000"),
            ..given(PayoutMethodType::Paypal)
        };
        assert_eq!(field(Method::check(&paypal_with_iban)), "input.iban");
        let bank = GivenMethod {
            iban: Some("de89 3704 0044 0532 0130 00"),
            account_holder: Some("Ann Example"),
            ..given(PayoutMethodType::BankTransfer)
        };
        match Method::check(&bank).unwrap() {
            Method::BankTransfer {
                iban,
                bic,
                account_holder,
            } => {
                assert_eq!(iban.as_str(), "DE89370400440532013000");
                assert!(bic.is_none());
                assert_eq!(account_holder, "Ann Example");
            }
            other => panic!("{other:?}"),
        }
        let no_holder = GivenMethod {
            account_holder: None,
            ..bank
        };
        assert_eq!(field(Method::check(&no_holder)), "input.accountHolder");
        let bad_bic = GivenMethod {
            iban: Some("DE89370400440532013000"),
            bic: Some("DEUT"),
            account_holder: Some("Ann"),
            ..given(PayoutMethodType::BankTransfer)
        };
        assert_eq!(field(Method::check(&bad_bic)), "input.bic");
    }

    #[test]
    fn an_ach_account_is_checked_by_its_routing_number_and_keeps_to_its_fields() {
        let ach = GivenMethod {
            routing_number: Some("021000021"),
            account_number: Some("0001-2345-6789"),
            account_holder: Some("Ann Example"),
            ..given(PayoutMethodType::Ach)
        };
        match Method::check(&ach).unwrap() {
            Method::Ach {
                routing,
                account,
                account_type,
                account_holder,
            } => {
                assert_eq!(routing.as_str(), "021000021");
                assert_eq!(account.as_str(), "000123456789");
                assert_eq!(account_type, UsAccountType::Checking);
                assert_eq!(account_holder, "Ann Example");
            }
            other => panic!("{other:?}"),
        }
        let mistyped = GivenMethod {
            routing_number: Some("021000012"),
            ..ach.clone()
        };
        assert_eq!(field(Method::check(&mistyped)), "input.routingNumber");
        let with_iban = GivenMethod {
            iban: Some("DE89370400440532013000"),
            ..ach.clone()
        };
        assert_eq!(field(Method::check(&with_iban)), "input.iban");
        let no_account = GivenMethod {
            account_number: None,
            ..ach
        };
        assert_eq!(field(Method::check(&no_account)), "input.accountNumber");
        let bank_with_routing = GivenMethod {
            iban: Some("DE89370400440532013000"),
            account_holder: Some("Ann"),
            routing_number: Some("021000021"),
            ..given(PayoutMethodType::BankTransfer)
        };
        assert_eq!(
            field(Method::check(&bank_with_routing)),
            "input.routingNumber"
        );
    }
}
