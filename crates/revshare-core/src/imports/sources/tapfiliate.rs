//! Tapfiliate's REST API v1.6 (`https://api.tapfiliate.com/1.6`):
//! `X-Api-Key: {api key}`, one program read (the import's `accountId`);
//! `?page` paging from 1, 25 rows a page, the next page named by the
//! `Link` header's `rel="next"` (only its number is kept); lists answered
//! as bare arrays, absent values as `null`; amounts as decimal numbers in
//! the currency's major unit (`9.9` dollars).
//!
//! - `GET /programs/{program}/`: `id`, `title`, `currency`,
//!   `default_landing_page_url`, `recurring_commissions`;
//! - `GET /programs/{program}/commission-types/`: `id` (`default`…),
//!   `name`, `type` (`percentage` | `fixed`), `percentage`, `amount`;
//! - `GET /affiliate-groups/`: `id`, `title` (or `name`);
//! - `GET /programs/{program}/affiliates/`: the program's affiliates, each
//!   `id`, `firstname`, `lastname`, `email`, `created_at`, `applied_at`,
//!   `approved` (`true`, `false` disapproved, `null` pending review),
//!   `affiliate_group_id` (or `group.id`), `address.country.code`,
//!   `referral_link.link` (its `?ref=`), `coupon`;
//! - `GET /affiliates/{id}/payout-methods/`: its methods, the `primary`
//!   one kept — PayPal by its address, a bank by IBAN or by routing and
//!   account number (Tapfiliate does not document the methods' fields:
//!   they are read by the names its forms use, and anything else is a
//!   problem row);
//! - `GET /customers/?program_id=`: `id`, `customer_id` (the brand's id
//!   for the customer: its Stripe id with the Stripe integration),
//!   `status`, `created_at`, `affiliate.id`, `program.id`;
//! - `GET /conversions/?program_id=`: `id`, `external_id` (the brand's
//!   id of the sale), `amount`, `created_at`,
//!   `affiliate.id`, `customer.customer_id`, `customer.id`, `commissions[]`
//!   with `id`, `amount`, `conversion_sub_amount` (the sale it was paid
//!   on), `currency`, `approved` (`null` pending, `true` approved, `false`
//!   disapproved), `payout` (its payment once paid: an object with its
//!   date, or the id of a payment, read from `GET /payments/{id}/` for
//!   its `created_at`), `created_at`, `affiliate.id`; amounts in the
//!   commission's `currency`, else the program's.
//!
//! The program's terms are its default commission type: every group made
//! of it (the program's, and each affiliate group's) pays them, since the
//! API does not say which commission type a group was given.

use super::super::client::Client;
use super::super::source::json::{id, items, text, time};
use super::super::source::{
    BankAccount, Commission, Group, Page, PageError, Partner, Problem, Referral, Rows,
};
use super::unexpected;
use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono_tz::Tz;
use entity::enums::{ImportPhase, PartnerStatus};
use rust_decimal::Decimal;
use serde_json::Value;

/// The documented host; paths carry the version.
pub const HOST: &str = "https://api.tapfiliate.com";

pub async fn page(
    client: &Client,
    program: &str,
    phase: ImportPhase,
    cursor: Option<&str>,
    currency: Currency,
    zone: Tz,
) -> Result<Page, PageError> {
    let number = cursor.unwrap_or("1").to_owned();
    let affiliates = format!("/1.6/programs/{program}/affiliates/");
    let (path, scoped) = match phase {
        ImportPhase::Groups => ("/1.6/affiliate-groups/", false),
        ImportPhase::Partners => ("", false),
        ImportPhase::Customers => ("/1.6/customers/", true),
        ImportPhase::Commissions => ("/1.6/conversions/", true),
    };
    let mut query = vec![("page", number)];
    if scoped {
        query.push(("program_id", program.to_owned()));
    }
    let path = match phase {
        ImportPhase::Partners => affiliates.as_str(),
        _ => path,
    };
    let (answer, next) = client.get_linked(path, &query).await?;
    let data = items(&answer, "").ok_or_else(|| PageError::Unexpected {
        entity: "page",
        id: path.to_owned(),
    })?;
    // An empty page ends a list, whatever its links say.
    let next = next.filter(|_| !data.is_empty());
    let mut problems = Vec::new();
    let rows = match phase {
        ImportPhase::Groups => {
            let mut rows = Vec::new();
            let terms = match cursor {
                None => {
                    let (program_group, terms) = program_of(client, program, &mut problems).await?;
                    rows.push(program_group);
                    terms
                }
                Some(_) => program_terms(client, program, &mut Vec::new()).await?.1,
            };
            for v in data {
                let key = id(v, "id").ok_or_else(|| unexpected("affiliate group", v))?;
                rows.push(Group {
                    name: text(v, "title")
                        .or_else(|| text(v, "name"))
                        .unwrap_or(&key)
                        .to_owned(),
                    url: None,
                    minimum: None,
                    key,
                    ..terms.clone()
                });
            }
            Rows::Groups(rows)
        }
        ImportPhase::Partners => {
            let mut rows = Vec::with_capacity(data.len());
            for v in data {
                let mut partner = affiliate(v, program, zone, &mut problems)?;
                let path = format!("/1.6/affiliates/{}/payout-methods/", partner.key);
                let methods = client.get(&path, &[]).await?;
                (partner.paypal_email, partner.bank) =
                    payout_method(items(&methods, "").map(Vec::as_slice).unwrap_or_default());
                rows.push(partner);
            }
            Rows::Partners(rows)
        }
        ImportPhase::Customers => Rows::Customers(super::kept(data, &mut problems, |v, p| {
            customer(v, program, zone, p)
        })?),
        ImportPhase::Commissions => {
            let mut rows = Vec::new();
            let mut by_payment = Vec::new();
            for v in data {
                conversion(
                    v,
                    program,
                    currency,
                    zone,
                    &mut rows,
                    &mut by_payment,
                    &mut problems,
                )?;
            }
            // A commission whose payout is a payment's id is paid on the
            // day of that payment.
            let mut payments = Payments::default();
            for (at, payment) in by_payment {
                if !matches!(rows[at].state, SourceState::Paid { .. }) {
                    continue;
                }
                if let Some(paid) = payments.paid_on(client, &payment, zone).await? {
                    rows[at].state = SourceState::Paid { at: paid };
                }
            }
            Rows::Commissions(rows)
        }
    };
    Ok(Page {
        rows,
        problems,
        next,
        total: None,
        fingerprint: crate::imports::guard::fingerprint(data),
    })
}

/// The program as a group (its terms, its landing page), and its terms
/// alone for the affiliate groups.
async fn program_of(
    client: &Client,
    program: &str,
    problems: &mut Vec<Problem>,
) -> Result<(Group, Group), PageError> {
    let (v, terms) = program_terms(client, program, problems).await?;
    let group = Group {
        key: program.to_owned(),
        name: text(&v, "title").unwrap_or(program).to_owned(),
        url: text(&v, "default_landing_page_url").map(str::to_owned),
        ..terms.clone()
    };
    Ok((group, terms))
}

/// The program's object and its default commission type as terms; what
/// no group's rules can say is a problem naming the program, its groups
/// left without terms (their partners keep the default group).
async fn program_terms(
    client: &Client,
    program: &str,
    problems: &mut Vec<Problem>,
) -> Result<(Value, Group), PageError> {
    let base = format!("/1.6/programs/{program}/");
    let v = client.get(&base, &[]).await?;
    let currency = text(&v, "currency").unwrap_or("USD").to_uppercase();
    let types = client.get(&format!("{base}commission-types/"), &[]).await?;
    let types = items(&types, "").cloned().unwrap_or_default();
    let chosen = types
        .iter()
        .find(|t| text(t, "id") == Some("default"))
        .or_else(|| types.first());
    let mut terms = Group {
        key: String::new(),
        name: String::new(),
        percentage: None,
        max_months: None,
        flat: None,
        minimum: None,
        url: None,
        unpublished_terms: false,
    };
    let problem = |reason: String| Problem::new("campaign", program, reason);
    if types.len() > 1 {
        let name = chosen.and_then(|t| text(t, "name").or_else(|| text(t, "id")));
        problems.push(problem(format!(
            "has {} commission types: its groups pay its default one ({}), and commissions \
             already earned come over at their own amounts",
            types.len(),
            name.unwrap_or("the first")
        )));
    }
    let Some(chosen) = chosen else {
        return Ok((v, terms));
    };
    if v.get("recurring_commissions").and_then(Value::as_bool) == Some(false) {
        problems.push(problem(
            "pays on a customer's first sale only, which no group's rules can say: its partners \
             keep the default group"
                .into(),
        ));
        return Ok((v, terms));
    }
    match text(chosen, "type") {
        Some("percentage") => {
            terms.percentage = decimal(chosen, "percentage").map(|p| p.normalize())
        }
        Some("fixed") => {
            terms.flat = decimal(chosen, "amount").and_then(|a| {
                let currency = super::currency_of(&currency)?;
                (currency.round(a) == a).then_some(a)
            })
        }
        _ => {}
    }
    if terms.percentage.is_none() && terms.flat.is_none() {
        problems.push(problem(format!(
            "its commission type {} names neither a percentage nor an amount revshare can keep: \
             its partners keep the default group",
            text(chosen, "id").unwrap_or("(without an id)")
        )));
    }
    Ok((v, terms))
}

/// A JSON number (or numeric text) as an exact decimal, by its shortest
/// decimal form (`9.9`, not the binary float's expansion).
fn decimal(v: &Value, key: &str) -> Option<Decimal> {
    match v.get(key)? {
        Value::Number(n) => crate::engine::parse_decimal(&n.to_string()),
        Value::String(s) => crate::engine::parse_decimal(s.trim()),
        _ => None,
    }
}

/// An amount in the currency's major unit as minor units, rounded once to
/// the currency's unit (a float's last digit is noise, never a fraction of
/// a cent owed).
fn minor(v: &Value, key: &str, currency: Currency) -> Option<i64> {
    currency.to_minor(currency.round(decimal(v, key)?)).ok()
}

fn affiliate(
    v: &Value,
    program: &str,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Partner, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("affiliate", v))?;
    let name = [text(v, "firstname"), text(v, "lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    // The `?ref=` of its referral link (an object since 1.5), else its id
    // (Tapfiliate's default).
    let code = v
        .get("referral_link")
        .and_then(|l| text(l, "link").or_else(|| l.as_str()))
        .and_then(|link| url::Url::parse(link).ok())
        .and_then(|link| {
            link.query_pairs()
                .find(|(k, _)| k == "ref")
                .map(|(_, value)| value.into_owned())
        })
        .filter(|code| !code.is_empty())
        .unwrap_or_else(|| key.clone());
    let given = v
        .get("address")
        .and_then(|a| a.get("country"))
        .and_then(|c| text(c, "code").or_else(|| c.as_str()));
    let country = given.and_then(super::country_of);
    if let (Some(given), None) = (given, &country) {
        problems.push(Problem::new(
            "affiliate",
            &key,
            format!("its country {given:?} is not an ISO 3166-1 code: none kept"),
        ));
    }
    Ok(Partner {
        name,
        email: text(v, "email").map(str::to_owned),
        // Approved into the program; pending review or disapproved, it
        // earns nothing until a manager activates it.
        status: match v.get("approved") {
            Some(Value::Bool(false) | Value::Null) => PartnerStatus::Suspended,
            _ => PartnerStatus::Active,
        },
        group_key: id(v, "affiliate_group_id")
            .or_else(|| v.get("group").and_then(|g| id(g, "id")))
            .or_else(|| Some(program.to_owned())),
        codes: vec![code],
        coupons: text(v, "coupon").map(str::to_owned).into_iter().collect(),
        paypal_email: None,
        bank: None,
        since: time(v, "applied_at", zone).or_else(|| time(v, "created_at", zone)),
        key,
        country,
        tags: Vec::new(),
        elsewhere: Vec::new(),
    })
}

/// The affiliate's primary payout method (else its only one): a PayPal
/// address, a bank account by IBAN or a US one by routing and account
/// number, or another kind named for the problem row.
fn payout_method(methods: &[Value]) -> (Option<String>, Option<BankAccount>) {
    let primary = |m: &&Value| m.get("primary").and_then(Value::as_bool) == Some(true);
    let Some(method) = methods
        .iter()
        .find(primary)
        .or_else(|| (methods.len() == 1).then(|| &methods[0]))
    else {
        return (None, None);
    };
    let details = method.get("details").unwrap_or(method);
    let detail = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| text(details, k))
            .map(str::to_owned)
    };
    let kind = [text(method, "id"), text(method, "title")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let holder = detail(&["account_holder", "account_holder_name", "name"]).unwrap_or_default();
    if kind.contains("paypal") {
        return (detail(&["paypal_email", "email"]), None);
    }
    if let Some(iban) = detail(&["iban"]) {
        let bic = detail(&["bic", "swift", "swift_bic"]);
        return (None, Some(BankAccount::Iban { holder, iban, bic }));
    }
    if let (Some(routing), Some(account)) = (
        detail(&["routing_number", "aba", "routing"]),
        detail(&["account_number"]),
    ) {
        let savings = detail(&["account_type"]).is_some_and(|t| t.eq_ignore_ascii_case("savings"));
        return (
            None,
            Some(BankAccount::Ach {
                holder,
                routing,
                account,
                savings,
            }),
        );
    }
    let name = text(method, "title")
        .or_else(|| text(method, "id"))
        .unwrap_or("another method");
    (None, Some(BankAccount::Other(format!("{name} payouts"))))
}

/// The payments a page's commissions name by id, each read once.
#[derive(Default)]
struct Payments {
    seen: std::collections::HashMap<String, Option<chrono::DateTime<chrono::Utc>>>,
}

impl Payments {
    /// The day a commission paid by a payment named by id was paid.
    async fn paid_on(
        &mut self,
        client: &Client,
        payment: &str,
        zone: Tz,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, PageError> {
        if let Some(at) = self.seen.get(payment) {
            return Ok(*at);
        }
        let v = client
            .get(&format!("/1.6/payments/{payment}/"), &[])
            .await?;
        let at = time(&v, "created_at", zone);
        self.seen.insert(payment.to_owned(), at);
        Ok(at)
    }
}

/// A row of another program of the account (the list's filter aside).
fn elsewhere(v: &Value, program: &str) -> Option<String> {
    let theirs = v
        .get("program")
        .and_then(|p| id(p, "id"))
        .or_else(|| id(v, "program_id"))?;
    (theirs != program).then_some(theirs)
}

fn customer(
    v: &Value,
    program: &str,
    zone: Tz,
    problems: &mut Vec<Problem>,
) -> Result<Option<Referral>, PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("customer", v))?;
    if let Some(theirs) = elsewhere(v, program) {
        problems.push(Problem::new(
            "customer",
            &key,
            format!("belongs to the program {theirs}, not the one imported"),
        ));
        return Ok(None);
    }
    let Some(partner_key) = v.get("affiliate").and_then(|a| id(a, "id")) else {
        problems.push(Problem::new(
            "customer",
            &key,
            "names no affiliate: there is no partner to attribute it to",
        ));
        return Ok(None);
    };
    let Some(customer) = text(v, "customer_id") else {
        problems.push(Problem::new("customer", &key, super::NO_CUSTOMER));
        return Ok(None);
    };
    Ok(Some(Referral {
        key,
        partner_key,
        customer: Some(customer.to_owned()),
        email: text(v, "email").map(str::to_owned),
        at: time(v, "created_at", zone).ok_or_else(|| unexpected("customer", v))?,
        code: None,
    }))
}

/// A conversion's commissions, each a row; those paid by a payment named
/// by its id alone in `by_payment` (the row's place, the payment).
fn conversion(
    v: &Value,
    program: &str,
    default: Currency,
    zone: Tz,
    rows: &mut Vec<Commission>,
    by_payment: &mut Vec<(usize, String)>,
    problems: &mut Vec<Problem>,
) -> Result<(), PageError> {
    let key = id(v, "id").ok_or_else(|| unexpected("conversion", v))?;
    if let Some(theirs) = elsewhere(v, program) {
        problems.push(Problem::new(
            "commission",
            &key,
            format!("is a conversion of the program {theirs}, not the one imported"),
        ));
        return Ok(());
    }
    let customer = v.get("customer").filter(|c| !c.is_null());
    for c in items(v, "commissions")
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let bad = || unexpected("commission", c);
        let key = id(c, "id").ok_or_else(bad)?;
        // Its own currency, else its program's, else the import's.
        let currency = match text(c, "currency")
            .or_else(|| v.get("program").and_then(|p| text(p, "currency")))
        {
            Some(code) => super::currency_of(code).ok_or_else(bad)?,
            None => default,
        };
        let amount_minor = minor(c, "amount", currency).ok_or_else(bad)?;
        let sale_minor = minor(c, "conversion_sub_amount", currency);
        if let Some(problem) = super::any_negative(
            "commission",
            &key,
            currency,
            &[
                ("amount", Some(amount_minor)),
                ("conversion_sub_amount", sale_minor),
            ],
        ) {
            problems.push(problem);
            continue;
        }
        let earned_at = time(c, "created_at", zone)
            .or_else(|| time(v, "created_at", zone))
            .ok_or_else(bad)?;
        let payout = c.get("payout").filter(|p| !p.is_null());
        if let Some(payment) = payout.and_then(|p| match p {
            Value::String(id) => Some(id.clone()),
            Value::Number(id) => Some(id.to_string()),
            _ => None,
        }) {
            by_payment.push((rows.len(), payment));
        }
        let state = match (c.get("approved").and_then(Value::as_bool), payout) {
            (None, _) => SourceState::Pending { due_at: None },
            (Some(true), None) => SourceState::Due,
            (Some(true), Some(payout)) => SourceState::Paid {
                at: time(payout, "paid_at", zone)
                    .or_else(|| time(payout, "created_at", zone))
                    .unwrap_or(earned_at),
            },
            (Some(false), _) => SourceState::Voided { at: earned_at },
        };
        rows.push(Commission {
            partner_key: c
                .get("affiliate")
                .and_then(|a| id(a, "id"))
                .or_else(|| v.get("affiliate").and_then(|a| id(a, "id"))),
            customer: customer
                .and_then(|x| text(x, "customer_id"))
                .map(str::to_owned),
            referral_key: customer.and_then(|x| id(x, "id")),
            currency,
            amount_minor,
            sale_minor,
            sale_tax_minor: None,
            sale_reference: text(v, "external_id").map(str::to_owned),
            earned_at,
            state,
            paid_by: None,
            key,
        });
    }
    Ok(())
}
