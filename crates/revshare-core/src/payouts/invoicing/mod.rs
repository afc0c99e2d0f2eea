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
//! - [`read`]: issued documents found and listed.
//!
//! Lock order: an invoice's number is taken last of all, after the
//! partner, its commissions, the statement counter and the balances.

pub mod document;
pub mod issue;
pub mod partners;
pub mod read;
pub mod settings;
pub mod ubl;
pub mod upload;

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
    let support_email = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .and_then(|t| t.support_email);
    let customer = Party {
        name: invoicing.legal_name.clone().unwrap_or_default(),
        address: invoicing.address.clone(),
        vat_id: invoicing.vat_id.clone(),
        country: country.clone(),
        id: None,
        email: support_email,
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
            },
        );
        let partner = partners.get(&details.partner_id);
        let name = details
            .legal_name
            .clone()
            .or_else(|| partner.map(|p| p.name.clone()))
            .unwrap_or_default();
        let billed = SelfBilled {
            rate: decision.rate.map(|r| r.normalize().to_string()),
            mentions: decision
                .mentions
                .iter()
                .map(|m| m.text(&exemption))
                .filter(|m| !m.is_empty())
                .collect(),
            reverse_charge: decision.reverse_charge(),
            supplier: Party {
                name,
                address: Address::decode(details.address.as_deref())?,
                vat_id: details.vat_id.clone(),
                country: details.country.clone(),
                id: Some(details.partner_id.clone()),
                email: partner.and_then(|p| p.email.clone()),
            },
            customer: customer.clone(),
            agreement_version: invoicing.version(),
        };
        decided.insert(details.partner_id, billed);
    }
    Ok(decided)
}
