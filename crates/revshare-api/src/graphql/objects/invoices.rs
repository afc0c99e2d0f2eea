//! Self-billed invoices with VAT (SPEC §33): the tenant's invoicing, a
//! partner's VAT details and its answer to the agreement, and the issued
//! documents. Who reads a document reads its payout (admins, the
//! ledger's readers, viewers; the partner its own); a partner's VAT
//! details and answer are read as its tax profile is (its own token and
//! `partners:read`).

use super::{Address, Money, Payout, Seen};
use crate::graphql::context::{db, loader, policy};
use crate::graphql::enums::{InvoiceType, VatCheck};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{invoice, partner_vat, self_billing_acceptance};
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::payouts::address::Address as Stored;
use revshare_core::payouts::invoicing::{self, Party as StoredParty, issue as issued, settings};
use std::str::FromStr;

/// A self-billed invoice or credit note: issued once, never changed.
pub struct Invoice(pub Visible<invoice::Model>);

impl Seen for Invoice {
    type Row = invoice::Model;

    fn made(row: Visible<invoice::Model>) -> Self {
        Invoice(row)
    }

    fn visible(&self) -> &Visible<invoice::Model> {
        &self.0
    }
}

/// The tenant's invoicing identity and self-billing settings.
#[derive(SimpleObject)]
pub struct Invoicing {
    /// Whether it issues its partners' invoices (self-billing).
    pub self_billing: bool,
    /// Its legal name, the customer on every invoice.
    pub legal_name: Option<String>,
    /// Its address, on every invoice.
    pub address: Option<Address>,
    /// Its VAT id, checked by form and check digit.
    pub vat_id: Option<String>,
    /// Its country (ISO 3166-1 alpha-2): the VAT decision's B.
    pub country: Option<String>,
    /// What its invoice numbers start with: `{series}{year}-{000001}`.
    pub series: String,
    /// What an invoice to a partner under the small-business exemption
    /// says.
    pub exemption_text: Option<String>,
    /// The agreement partners accept, its current version.
    pub agreement: Option<Agreement>,
    /// Its PEPPOL participant id, `{scheme}:{id}`.
    pub peppol_id: Option<String>,
    /// Who its documents name for questions (BG-9).
    pub contact: Option<InvoicingContact>,
    /// What its documents' lines bill, beside each campaign's name.
    pub service_description: Option<String>,
    /// Its company details, printed on every PDF.
    pub legal_details: Option<String>,
}

/// The person a tenant's documents name for questions about them.
#[derive(SimpleObject)]
pub struct InvoicingContact {
    /// The person's or the department's name.
    pub name: String,
    /// Where questions about a document go.
    pub email: String,
    /// Its phone number.
    pub phone: String,
}

/// A version of the tenant's self-billing agreement.
#[derive(SimpleObject)]
pub struct Agreement {
    /// Numbered from 1; each new text is the next.
    pub version: i32,
    /// What the partner accepts.
    pub text: String,
}

impl From<settings::Invoicing> for Invoicing {
    fn from(i: settings::Invoicing) -> Invoicing {
        Invoicing {
            self_billing: i.self_billing,
            legal_name: i.legal_name,
            address: i.address.map(Into::into),
            vat_id: i.vat_id,
            country: i.country,
            series: i.series,
            exemption_text: i.exemption_text,
            agreement: i
                .agreement
                .map(|(version, text)| Agreement { version, text }),
            peppol_id: i.peppol_id,
            contact: i.contact.map(|c| InvoicingContact {
                name: c.name,
                email: c.email,
                phone: c.phone,
            }),
            service_description: i.service_description,
            legal_details: i.legal_details,
        }
    }
}

/// One side of a document, as it was when issued.
#[derive(SimpleObject)]
pub struct Party {
    /// Its legal name.
    pub name: String,
    /// Its address, as it was.
    pub address: Option<Address>,
    /// Its VAT id, as it was.
    pub vat_id: Option<String>,
    /// Its tax number, as it was: a small business's, or a business's
    /// outside the EU and the UK.
    pub tax_number: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl From<StoredParty> for Party {
    fn from(p: StoredParty) -> Party {
        Party {
            name: p.name,
            address: p.address.map(Into::into),
            vat_id: p.vat_id,
            tax_number: p.tax_number,
            country: p.country,
        }
    }
}

/// A line of a document: one campaign's commissions, or what was taken
/// back of them (negative).
#[derive(SimpleObject)]
pub struct InvoiceLine {
    /// The campaign it is for.
    pub campaign_id: ID,
    /// What it bills: the tenant's `serviceDescription` (else
    /// "Commissions", and "Clawbacks" for what was taken back) and the
    /// campaign's name, but for the default campaign's.
    pub description: String,
    /// Negative for what was taken back.
    pub amount: Money,
    /// A clawback of a commission never invoiced with VAT (imported as
    /// paid, or paid before self-billing): set off against the document,
    /// outside its net and its VAT.
    pub set_off: bool,
    /// The sale a set-off corrects, by its id at the source.
    pub sale: Option<String>,
}

/// A partner's objection to an invoice issued in its name: the document
/// stays as issued, corrected (if it is wrong) by a credit note and a new
/// invoice.
#[derive(SimpleObject)]
pub struct InvoiceObjection {
    /// Why the partner objects, as it wrote it.
    pub reason: String,
    /// When it objected.
    pub created_at: DateTime,
}

impl From<entity::invoice_objection::Model> for InvoiceObjection {
    fn from(row: entity::invoice_objection::Model) -> InvoiceObjection {
        InvoiceObjection {
            reason: row.reason,
            created_at: row.created_at.into(),
        }
    }
}

/// The reference rate a document's VAT was stated at in the brand's
/// national currency.
#[derive(SimpleObject)]
pub struct InvoiceExchangeRate {
    /// The document's currency.
    pub from: String,
    /// The brand's national currency.
    pub to: String,
    /// One `from` in `to`.
    pub rate: Decimal,
    /// The day of the reference rate: the last on or before the issue day.
    pub day: Date,
}

/// A self-billed invoice or credit note (SPEC §33): issued in the
/// partner's name when its payout was paid (or reversed), never changed.
#[Object]
impl Invoice {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// `{series}{year}-{000001}`: gapless per tenant, series and year,
    /// never reused.
    async fn number(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.number)
    }

    /// An invoice, or a credit note correcting one.
    async fn r#type(&self) -> ApiResult<InvoiceType> {
        Ok(self.0.read(C::Row)?.kind.into())
    }

    /// When it was issued (its payout paid, or reversed).
    async fn issued_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.issued_at.into())
    }

    /// The day it was issued, in the tenant's time zone.
    async fn issue_date(&self) -> ApiResult<Date> {
        Ok(Date(self.0.read(C::Row)?.issue_date))
    }

    /// The first accrual day of its commissions (the tenant's zone).
    async fn supply_from(&self) -> ApiResult<Date> {
        Ok(Date(self.0.read(C::Row)?.supply_from))
    }

    /// The last accrual day of its commissions.
    async fn supply_to(&self) -> ApiResult<Date> {
        Ok(Date(self.0.read(C::Row)?.supply_to))
    }

    /// One line per campaign; clawbacks as negative lines; then, set off,
    /// each clawback of a commission never invoiced with VAT.
    async fn lines(&self) -> ApiResult<Vec<InvoiceLine>> {
        let row = self.0.read(C::Row)?;
        let mut lines = issued::lines_of(row)?;
        lines.sort_by_key(|l| l.set_off);
        lines
            .into_iter()
            .map(|l| {
                Ok(InvoiceLine {
                    campaign_id: ID(l.campaign_id),
                    description: l.description,
                    amount: Money::of(l.amount_minor, &row.currency)?,
                    set_off: l.set_off,
                    sale: l.sale,
                })
            })
            .collect()
    }

    /// What its lines sum to, but those set off (negative on a credit
    /// note): the VAT's base.
    async fn net(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.net_minor, &row.currency)
    }

    /// The VAT rate as a percentage (`19` for 19 %); null: no VAT.
    async fn vat_rate(&self) -> ApiResult<Option<Decimal>> {
        let row = self.0.read(C::Row)?;
        row.vat_rate
            .as_deref()
            .map(|r| {
                rust_decimal::Decimal::from_str(r)
                    .map(Decimal::from)
                    .map_err(|e| ApiError::internal("stored VAT rate", e))
            })
            .transpose()
    }

    /// The VAT on the net, rounded once.
    async fn vat(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.vat_minor, &row.currency)
    }

    /// The VAT in the brand's national currency, when the document is in
    /// another (a German brand paying in USD states its VAT in EUR too, at
    /// `exchangeRate`); null when it is in that currency, takes no VAT, or
    /// no rate was known on its day.
    async fn vat_in_tax_currency(&self) -> ApiResult<Option<Money>> {
        let row = self.0.read(C::Row)?;
        match (&row.tax_currency, row.tax_vat_minor) {
            (Some(code), Some(minor)) => Money::of(minor, code).map(Some),
            _ => Ok(None),
        }
    }

    /// The reference rate `vatInTaxCurrency` was stated at: one unit of
    /// the document's currency in the national one, and the rate's day.
    async fn exchange_rate(&self) -> ApiResult<Option<InvoiceExchangeRate>> {
        let row = self.0.read(C::Row)?;
        let (Some(to), Some(rate), Some(day)) =
            (&row.tax_currency, &row.tax_rate, row.tax_rate_day)
        else {
            return Ok(None);
        };
        let rate = rust_decimal::Decimal::from_str(rate)
            .map_err(|e| ApiError::internal("stored tax rate", e))?;
        Ok(Some(InvoiceExchangeRate {
            from: row.currency.clone(),
            to: to.clone(),
            rate: rate.into(),
            day: Date(day),
        }))
    }

    /// Net and VAT.
    async fn gross(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.gross_minor, &row.currency)
    }

    /// What its set-off lines take back (0 for none; negative on an
    /// invoice): paid before, outside its net and its VAT.
    async fn set_off(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(issued::set_off_of(&issued::lines_of(row)?), &row.currency)
    }

    /// The gross less what is set off: what the payout paid (what came
    /// back, on a credit note).
    async fn payable(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        let set_off = issued::set_off_of(&issued::lines_of(row)?);
        Money::of(row.gross_minor + set_off, &row.currency)
    }

    /// The partner's objections to it, oldest first.
    async fn objections(&self, ctx: &Context<'_>) -> ApiResult<Vec<InvoiceObjection>> {
        let row = self.0.read(C::Row)?;
        let key = crate::graphql::loaders::ObjectionsOfInvoice(row.id.clone());
        let found = loader(ctx)?.load_one(key).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(InvoiceObjection::from)
            .collect())
    }

    /// The language it was issued in (SPEC §38): its partner's when its
    /// payout was made, every label and mention in it (`en` for documents
    /// issued before).
    async fn language(&self) -> ApiResult<&str> {
        Ok(self
            .0
            .read(C::Row)?
            .language
            .as_deref()
            .unwrap_or(revshare_core::languages::DEFAULT))
    }

    /// What it says in words: "Self-billing", "Reverse charge" — as the
    /// VAT Directive words them in its language ("Autofacturation",
    /// "Autoliquidation") — beside the brand state's ("Gutschrift"), the
    /// exemption, HMRC's sentence.
    async fn mentions(&self) -> ApiResult<Vec<String>> {
        issued::decoded("invoice mentions", &self.0.read(C::Row)?.mentions)
    }

    /// The invoice a credit note corrects.
    async fn corrects(&self, ctx: &Context<'_>) -> ApiResult<Option<Invoice>> {
        let row = self.0.read(C::Row)?;
        let Some(id) = &row.corrects_id else {
            return Ok(None);
        };
        let found = invoicing::read::find(db(ctx)?.conn(), &row.tenant_id, id).await?;
        Ok(found.and_then(|r| Invoice::seen(policy(ctx).ok()?, r)))
    }

    /// The partner: the supplier, in whose name it is issued.
    async fn supplier(&self) -> ApiResult<Party> {
        let party: StoredParty =
            issued::decoded("invoice supplier", &self.0.read(C::Row)?.supplier)?;
        Ok(party.into())
    }

    /// The brand: the customer, who issues it (self-billing).
    async fn customer(&self) -> ApiResult<Party> {
        let party: StoredParty =
            issued::decoded("invoice customer", &self.0.read(C::Row)?.customer)?;
        Ok(party.into())
    }

    /// The payout it is for.
    async fn payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Payout>> {
        let row = self.0.read(C::Row)?;
        let found =
            revshare_core::payouts::find(db(ctx)?.conn(), &row.tenant_id, &row.payout_id).await?;
        Ok(found.and_then(|r| Payout::seen(policy(ctx).ok()?, r)))
    }

    /// Where its PDF is: `GET` it with the same token.
    async fn pdf_url(&self) -> ApiResult<String> {
        Ok(format!("/invoices/{}.pdf", self.0.read(C::Row)?.id))
    }

    /// Where it is as UBL 2.1 XML (EN 16931).
    async fn xml_url(&self) -> ApiResult<String> {
        Ok(format!("/invoices/{}.xml", self.0.read(C::Row)?.id))
    }
}

/// A partner's VAT details.
pub struct PartnerVat(pub Visible<partner_vat::Model>);

/// A partner's VAT details: what its self-billed invoices say of it.
#[Object]
impl PartnerVat {
    /// Registered for VAT.
    async fn registered(&self) -> ApiResult<bool> {
        Ok(self.0.read(C::Row)?.registered)
    }

    /// Its VAT id, with its country's prefix (`DE136695976`).
    async fn vat_id(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.vat_id.as_deref())
    }

    /// The legal name its invoices carry (none: its name).
    async fn legal_name(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.legal_name.as_deref())
    }

    /// The address its invoices carry.
    async fn address(&self) -> ApiResult<Option<Address>> {
        Ok(Stored::decode(self.0.read(C::Row)?.address.as_deref())?.map(Into::into))
    }

    /// Where it is established for VAT (ISO 3166-1 alpha-2).
    async fn country(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.country)
    }

    /// Under its state's small-business exemption: its invoices carry no
    /// VAT and the tenant's exemption wording.
    async fn small_business(&self) -> ApiResult<bool> {
        Ok(self.0.read(C::Row)?.small_business)
    }

    /// Its tax number as written (`21/815/08150`).
    async fn tax_number(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.tax_number.as_deref())
    }

    /// Its PEPPOL participant id, `{scheme}:{id}`.
    async fn peppol_id(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.peppol_id.as_deref())
    }

    /// The phone its invoices' contact gives.
    async fn phone(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.phone.as_deref())
    }

    /// A business rather than a private individual: outside the EU and
    /// the UK, its brand then accounts for the VAT (reverse charge).
    async fn business(&self) -> ApiResult<bool> {
        Ok(self.0.read(C::Row)?.business)
    }

    /// How its VAT id was checked.
    async fn checked_by(&self) -> ApiResult<Option<VatCheck>> {
        Ok(self
            .0
            .read(C::Row)?
            .vat_id
            .as_ref()
            .map(|_| VatCheck::Format))
    }

    /// When it was last set.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.updated_at.into())
    }
}

/// A partner's answer to the tenant's self-billing agreement.
pub struct SelfBillingAgreement(pub Visible<self_billing_acceptance::Model>);

/// A partner's answer to the tenant's self-billing agreement.
#[Object]
impl SelfBillingAgreement {
    /// The agreement's version it answered.
    async fn version(&self) -> ApiResult<i32> {
        Ok(self.0.read(C::Row)?.version)
    }

    /// When it accepted (none: it declined).
    async fn accepted_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.accepted_at.map(Into::into))
    }

    /// When a UK agreement ends: 12 months after acceptance. An EU one
    /// ends when the tenant publishes a new version.
    async fn expires_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.expires_at.map(Into::into))
    }

    /// When it declined.
    async fn declined_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.declined_at.map(Into::into))
    }

    /// Whether payouts made now are self-billed: accepted, the current
    /// version, not expired, and the tenant self-bills.
    async fn in_force(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        let now = settings::read(db(ctx)?.conn(), &row.tenant_id).await?;
        Ok(now.self_billing
            && invoicing::partners::in_force(row, now.version(), revshare_core::db::now()))
    }
}

/// `Partner.vat`.
pub(super) async fn vat_of(
    ctx: &Context<'_>,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Option<PartnerVat>> {
    let rows =
        invoicing::partners::details_of(db(ctx)?.conn(), tenant_id, &[partner_id.to_owned()])
            .await?;
    let policy = policy(ctx)?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|row| Visible::new(policy, row))
        .map(PartnerVat))
}

/// `Partner.selfBilling`.
pub(super) async fn self_billing_of(
    ctx: &Context<'_>,
    tenant_id: &str,
    partner_id: &str,
) -> ApiResult<Option<SelfBillingAgreement>> {
    let row = invoicing::partners::answer_of(db(ctx)?.conn(), tenant_id, partner_id).await?;
    let policy = policy(ctx)?;
    Ok(row
        .and_then(|row| Visible::new(policy, row))
        .map(SelfBillingAgreement))
}
