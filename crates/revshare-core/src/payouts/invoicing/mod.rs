//! Self-billed invoices with VAT (SPEC §33): the brand issues its
//! partners' invoices, in their name, under an agreement they accepted.
//!
//! - [`settings`]: the tenant's invoicing identity and its agreement,
//!   versioned;
//! - [`partners`]: a partner's VAT details and its answer to the agreement;
//! - [`decide`] (here): when a payout is made, the VAT its invoice takes —
//!   the engine's table ([`crate::engine::vat`]) on the brand's and the
//!   partner's countries — with both parties as they are then, kept on the
//!   payout, which pays net + VAT;
//! - [`issue`]: the invoice, numbered when the payout is paid — if the
//!   partner still agrees then: a partner that declines makes its pending
//!   payouts that have not left plain (no VAT), and one paid after is
//!   issued no invoice — and the credit note when a paid payout is
//!   reversed;
//! - [`document`] and [`ubl`]: an issued document as a PDF and as UBL 2.1;
//! - [`upload`]: the PDF invoice a partner without an agreement uploads;
//! - [`objections`]: a partner's objection to an invoice issued for it;
//! - [`mailed`]: an invoice attached to its payout's e-mail;
//! - [`read`]: issued documents found and listed.
//!
//! Lock order: an invoice's number is taken last of all, after the
//! partner, its commissions, the statement counter and the balances.

pub mod document;
pub mod identifiers;
pub mod issue;
pub mod mailed;
pub mod objections;
pub mod partners;
pub mod read;
pub mod settings;
pub mod ubl;
pub mod upload;
pub mod words;

use crate::engine::vat::{self, PartnerVat};
use crate::error::{ApiError, ApiResult};
use crate::payouts::address::Address;
use chrono::{DateTime, Utc};
use entity::partner;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;

/// One side of an invoice: the partner (the supplier) or the brand (the
/// customer), as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub name: String,
    pub address: Option<Address>,
    pub vat_id: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The party's own identifier: the partner's id (EN 16931's BT-29);
    /// none for the brand. Absent on documents issued before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where the party receives documents (its electronic address, BT-34
    /// and BT-49, scheme `EM`): the partner's e-mail, the brand's support
    /// e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Its tax number (BT-32, scheme `FC`): a small business's, or a
    /// business's outside the EU and the UK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// Its PEPPOL participant id, `{scheme}:{id}`: its electronic address
    /// when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peppol_id: Option<String>,
    /// Who answers for it (BG-6 for the partner, BG-9 for the brand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<settings::Contact>,
    /// The brand's company details (register, managing directors), as
    /// its PDF prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_details: Option<String>,
}

/// How a document's payout was paid (EN 16931's BG-16), as issued: the
/// payment means code (UNCL 4461) and the account paid to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// `58` SEPA credit transfer, `30` credit transfer, `68` online
    /// payment service, `ZZZ` otherwise.
    pub code: String,
    /// The account (BT-84): an IBAN, an account number, a PayPal e-mail,
    /// a Stripe account id.
    pub account: Option<String>,
    /// The account's holder (BT-85).
    pub holder: Option<String>,
    /// Its bank (BT-86): a BIC, an ABA routing number.
    pub bank: Option<String>,
}

impl Payment {
    /// A payout's payment means, from its method as it was when paid.
    pub fn of(payout: &entity::payout::Model) -> Payment {
        use entity::enums::PayoutMethodType as M;
        let holder = payout.method_account_holder.clone();
        match payout.method_type {
            Some(M::BankTransfer) => Payment {
                code: if payout.currency == "EUR" { "58" } else { "30" }.into(),
                account: payout.method_iban.clone(),
                holder,
                bank: payout.method_bic.clone(),
            },
            Some(M::Ach) => Payment {
                code: "30".into(),
                account: payout.method_account_number.clone(),
                holder,
                bank: payout.method_routing_number.clone(),
            },
            Some(M::Wise) => Payment {
                code: match payout.method_iban.is_some() && payout.currency == "EUR" {
                    true => "58",
                    false => "30",
                }
                .into(),
                account: payout
                    .method_iban
                    .clone()
                    .or(payout.method_account_number.clone()),
                holder,
                bank: payout
                    .method_sort_code
                    .clone()
                    .or(payout.method_routing_number.clone()),
            },
            Some(M::Paypal) => Payment {
                code: "68".into(),
                account: payout.method_paypal_email.clone(),
                holder: None,
                bank: None,
            },
            Some(M::StripeConnect) => Payment {
                code: "68".into(),
                account: payout.method_stripe_account.clone(),
                holder: None,
                bank: None,
            },
            None => Payment {
                code: "ZZZ".into(),
                account: None,
                holder: None,
                bank: None,
            },
        }
    }
}

/// A payout's self-billing, decided when it was made: the VAT rate (none:
/// no VAT), the mentions as printed, whether the customer accounts for the
/// VAT (reverse charge), and both parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfBilled {
    /// A percentage as decimal text (`19`).
    pub rate: Option<String>,
    pub mentions: Vec<String>,
    pub reverse_charge: bool,
    pub supplier: Party,
    pub customer: Party,
    /// The agreement's version the partner accepted.
    pub agreement_version: i32,
    /// The VAT category (UNCL 5305); none on payouts made before it was
    /// kept, read from the mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Its clawbacks of commissions never invoiced with VAT ([`never_invoiced`]):
    /// set off against the invoice, outside its VAT base.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_off: Vec<String>,
    /// What they take back in all (negative; 0 for none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub set_off_minor: i64,
    /// The partner's language when the payout was made: its document's
    /// (SPEC §38); none on payouts made before, English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

fn is_zero(minor: &i64) -> bool {
    *minor == 0
}

impl SelfBilled {
    /// As stored on its payout, which it bills: an error rather than an
    /// empty text.
    pub fn encode(&self) -> ApiResult<String> {
        ApiError::json("payout self-billing", self)
    }

    /// A payout's, as stored.
    pub fn decode(text: &str) -> ApiResult<SelfBilled> {
        serde_json::from_str(text).map_err(|e| ApiError::internal("payout self-billing", e))
    }

    /// The rate as a decimal; none for no VAT.
    pub fn rate(&self) -> ApiResult<Option<Decimal>> {
        self.rate
            .as_deref()
            .map(|r| Decimal::from_str(r).map_err(|e| ApiError::internal("VAT rate", e)))
            .transpose()
    }

    /// What its VAT is on: the payout's net but for what it sets off.
    pub fn base(&self, net_minor: i64) -> i64 {
        net_minor - self.set_off_minor
    }

    /// The VAT on `net_minor`: rounded once (SPEC §2).
    pub fn vat_on(&self, net_minor: i64) -> ApiResult<i64> {
        match self.rate()? {
            None => Ok(0),
            Some(rate) => vat::vat_minor(net_minor, rate)
                .ok_or_else(|| ApiError::internal("VAT", "out of range")),
        }
    }
}

/// The self-billing of payouts to `partner_ids` made at `at`: for each
/// whose agreement is accepted and in force, while the tenant self-bills.
/// A partner without one is paid as before.
pub(crate) async fn decide(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    at: DateTime<Utc>,
    mut partner_ids: Vec<String>,
) -> ApiResult<HashMap<String, SelfBilled>> {
    let invoicing = settings::read(conn, tenant_id).await?;
    let (true, Some(country)) = (invoicing.self_billing, invoicing.country.clone()) else {
        return Ok(HashMap::new());
    };
    partner_ids.sort();
    partner_ids.dedup();
    let answers = partners::answers_of(conn, tenant_id, &partner_ids).await?;
    let accepted: Vec<String> = partner_ids
        .into_iter()
        .filter(|id| {
            answers
                .get(id)
                .is_some_and(|a| partners::in_force(a, invoicing.version(), at))
        })
        .collect();
    if accepted.is_empty() {
        return Ok(HashMap::new());
    }
    let details = partners::details_of(conn, tenant_id, &accepted).await?;
    let mut partners: HashMap<String, partner::Model> = HashMap::new();
    for chunk in accepted.chunks(crate::posting::WRITE_CHUNK) {
        partners.extend(
            partner::Entity::find()
                .filter(partner::Column::TenantId.eq(tenant_id))
                .filter(partner::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
                .into_iter()
                .map(|p| (p.id.clone(), p)),
        );
    }
    let tenant = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?;
    let offered = tenant.as_ref().map(crate::languages::Offered::of);
    let support_email = tenant.and_then(|t| t.support_email);
    let customer = Party {
        name: invoicing.legal_name.clone().unwrap_or_default(),
        address: invoicing.address.clone(),
        vat_id: invoicing.vat_id.clone(),
        country: country.clone(),
        id: None,
        email: invoicing
            .contact
            .as_ref()
            .map(|c| c.email.clone())
            .or(support_email),
        tax_number: None,
        peppol_id: invoicing.peppol_id.clone(),
        contact: invoicing.contact.clone(),
        legal_details: invoicing.legal_details.clone(),
    };
    let exemption = invoicing.exemption_text.clone().unwrap_or_default();
    let mut decided = HashMap::new();
    for details in details {
        let decision = vat::decide(
            &country,
            &PartnerVat {
                country: &details.country,
                registered: details.registered,
                vat_id: details.vat_id.as_deref(),
                small_business: details.small_business,
                business: details.business,
            },
        );
        let partner = partners.get(&details.partner_id);
        let name = details
            .legal_name
            .clone()
            .or_else(|| partner.map(|p| p.name.clone()))
            .unwrap_or_default();
        // A tax id outside the EU and the UK is no VAT id (BT-31 must
        // start with an EU or UK prefix): it is the partner's tax number.
        let (vat_id, tax_number) = match vat::standard_rate(&details.country) {
            Some(_) => (details.vat_id.clone(), details.tax_number.clone()),
            None => (None, details.tax_number.clone().or(details.vat_id.clone())),
        };
        let email = partner.and_then(|p| p.email.clone());
        let contact = email.clone().map(|email| settings::Contact {
            name: name.clone(),
            email,
            phone: details
                .phone
                .clone()
                .or_else(|| invoicing.contact.as_ref().map(|c| c.phone.clone()))
                .unwrap_or_default(),
        });
        // In the partner's language: the Directive's words for
        // self-billing and the reverse charge, the brand state's beside
        // them (SPEC §33b, §38), each once.
        let language = offered
            .as_ref()
            .map(|o| {
                o.reads(partner.and_then(|p| p.language.as_deref()))
                    .to_owned()
            })
            .unwrap_or_else(|| crate::languages::DEFAULT.to_owned());
        let said = words::of(&language);
        let mut mentions: Vec<String> = Vec::new();
        for mention in &decision.mentions {
            let text = match mention {
                vat::Mention::SelfBilling => said.self_billing.to_owned(),
                vat::Mention::ReverseCharge => said.reverse_charge.to_owned(),
                other => other.text(&exemption),
            };
            if !text.is_empty() && !mentions.contains(&text) {
                mentions.push(text);
            }
        }
        let billed = SelfBilled {
            rate: decision.rate.map(|r| r.normalize().to_string()),
            mentions,
            reverse_charge: decision.reverse_charge(),
            supplier: Party {
                name,
                address: Address::decode(details.address.as_deref())?,
                vat_id,
                country: details.country.clone(),
                id: Some(details.partner_id.clone()),
                email,
                tax_number,
                peppol_id: details.peppol_id.clone(),
                contact,
                legal_details: None,
            },
            customer: customer.clone(),
            agreement_version: invoicing.version(),
            category: Some(decision.category.code().to_owned()),
            set_off: Vec::new(),
            set_off_minor: 0,
            language: Some(language),
        };
        decided.insert(details.partner_id, billed);
    }
    Ok(decided)
}

/// What a paid self-billed payout's VAT was on: its net, but for the
/// clawbacks it set off (none on a payout without self-billing).
pub fn vat_base(payout: &entity::payout::Model) -> ApiResult<i64> {
    match payout.self_billing.as_deref() {
        Some(text) => Ok(SelfBilled::decode(text)?.base(payout.net_minor)),
        None => Ok(payout.net_minor),
    }
}

/// Of a payout's `rows`, the ids of those that take back (clawbacks,
/// negative adjustments) a commission never invoiced with VAT: one paid
/// without a payout (imported as paid), or by a paid payout that no
/// invoice bills — neither issued by the brand nor uploaded by the
/// partner (paid before the partner self-billed). Such a correction is
/// outside the VAT base of the invoice it is paid with: it is set off
/// against it (SPEC §33b). A correction of a commission invoiced, or still
/// to be (unpaid, or held by a payout not yet paid), stays in the base.
pub(crate) async fn never_invoiced(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    rows: &[entity::commission::Model],
) -> ApiResult<Vec<String>> {
    use entity::enums::{CommissionStatus, InvoiceKind, PayoutStatus};
    use entity::{commission, invoice, partner_invoice, payout};
    use sea_orm::QuerySelect;
    use std::collections::HashSet;
    let taking: Vec<(&String, &String)> = rows
        .iter()
        .filter(|r| r.amount_minor < 0)
        .filter_map(|r| r.original_id.as_ref().map(|o| (&r.id, o)))
        .collect();
    if taking.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<String> = taking.iter().map(|(_, o)| (*o).clone()).collect();
    ids.sort();
    ids.dedup();
    let mut originals: HashMap<String, commission::Model> = HashMap::new();
    for chunk in ids.chunks(crate::posting::WRITE_CHUNK) {
        originals.extend(
            commission::Entity::find()
                .filter(commission::Column::TenantId.eq(tenant_id))
                .filter(commission::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c)),
        );
    }
    let mut payout_ids: Vec<String> = originals
        .values()
        .filter_map(|c| c.payout_id.clone())
        .collect();
    payout_ids.sort();
    payout_ids.dedup();
    let mut paid: HashSet<String> = HashSet::new();
    let mut billed: HashSet<String> = HashSet::new();
    for chunk in payout_ids.chunks(crate::posting::WRITE_CHUNK) {
        let found: Vec<String> = payout::Entity::find()
            .select_only()
            .column(payout::Column::Id)
            .filter(payout::Column::TenantId.eq(tenant_id))
            .filter(payout::Column::Id.is_in(chunk.to_vec()))
            .filter(payout::Column::Status.eq(PayoutStatus::Paid))
            .into_tuple()
            .all(conn)
            .await?;
        paid.extend(found);
        let issued: Vec<String> = invoice::Entity::find()
            .select_only()
            .column(invoice::Column::PayoutId)
            .filter(invoice::Column::TenantId.eq(tenant_id))
            .filter(invoice::Column::PayoutId.is_in(chunk.to_vec()))
            .filter(invoice::Column::Kind.eq(InvoiceKind::Invoice))
            .into_tuple()
            .all(conn)
            .await?;
        billed.extend(issued);
        let uploaded: Vec<String> = partner_invoice::Entity::find()
            .select_only()
            .column(partner_invoice::Column::PayoutId)
            .filter(partner_invoice::Column::TenantId.eq(tenant_id))
            .filter(partner_invoice::Column::PayoutId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        billed.extend(uploaded);
    }
    Ok(taking
        .into_iter()
        .filter(|(_, original)| {
            originals
                .get(*original)
                .is_some_and(|o| match &o.payout_id {
                    None => o.status == CommissionStatus::Paid,
                    Some(p) => paid.contains(p) && !billed.contains(p),
                })
        })
        .map(|(id, _)| id.clone())
        .collect())
}
