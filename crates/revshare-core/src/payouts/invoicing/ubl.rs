//! An issued document as UBL 2.1 (`GET /invoices/{id}.xml`), the syntax
//! EN 16931 binds to: an `Invoice` with `InvoiceTypeCode` 389 (self-billed
//! invoice, UNTDID 1001) or a `CreditNote` with `CreditNoteTypeCode` 261
//! (self-billed credit note) naming its invoice in `BillingReference`.
//! Elements in the order the OASIS schemas require.
//!
//! Every document follows PEPPOL BIS Self-Billing 3.0 (a CIUS of
//! EN 16931; SPEC §33b): its specification and process identifiers, the
//! payout's id as the buyer reference, an invoice's due date its issue
//! date, one note holding every mention, each party's electronic address
//! (its PEPPOL id, else its e-mail, scheme `EM`) and the partner's id as
//! the seller identifier (BT-29), which identifies a supplier that names
//! no VAT id (BR-CO-26).
//!
//! - The supplier is the partner, the customer the brand (self-billing);
//!   each with its name, postal address and VAT id (`PartyTaxScheme`).
//! - The VAT category (UNCL 5305): `S` at the rate, `AE` for a reverse
//!   charge (exemption code `VATEX-EU-AE`), `E` for a small business (the
//!   tenant's exemption wording), `O` for a supply outside the scope of
//!   VAT (a partner not registered, or outside the EU and the UK), whose
//!   parties name no VAT id (EN 16931's BR-O-02); the PDF prints them.
//! - A credit note states its amounts as positive numbers, as UBL does:
//!   the document's type says they are credited. A negative line of an
//!   invoice (clawbacks) is a quantity of -1 at a positive price.
//! - `cbc:TaxAmount` is the document's VAT; `PayableAmount` its gross. A
//!   document in a currency other than the brand's national one names that
//!   one (`TaxCurrencyCode`) and states its VAT in it in a second
//!   `TaxTotal` (EN 16931's BT-6 and BT-111).

use super::Party;
use super::issue::{InvoiceLine, decoded, lines_of, set_off_of};
use super::read::Issued;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use entity::enums::InvoiceKind;
use entity::invoice;
use std::fmt::Write;

/// EN 16931's specification identifier (BT-24) as PEPPOL BIS Self-Billing
/// 3.0 names it.
pub const CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0";
/// The business process (BT-23): PEPPOL's self-billing process 01.
pub const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0";

/// The document as UBL 2.1 XML, naming the invoice a credit note
/// corrects and the statement of its payout.
pub fn xml(issued: &Issued) -> ApiResult<String> {
    let row = &issued.row;
    let corrects = issued.corrects.as_ref();
    let currency =
        Currency::parse(&row.currency).map_err(|e| ApiError::internal("invoice currency", e))?;
    let credit = row.kind == InvoiceKind::CreditNote;
    // A credit note's amounts, stored negative, are written as credited.
    let sign = if credit { -1 } else { 1 };
    let amount = |minor: i64| currency.from_minor(minor * sign).to_string();
    let cur = xml_escape(&row.currency);
    let supplier: Party = decoded("invoice supplier", &row.supplier)?;
    let customer: Party = decoded("invoice customer", &row.customer)?;
    let mentions: Vec<String> = decoded("invoice mentions", &row.mentions)?;
    let said = super::words::of(row.language.as_deref().unwrap_or_default());
    let category = Category::of(row, &mentions, &customer, said);
    let payment: Option<super::Payment> = row
        .payment
        .as_deref()
        .map(|text| decoded("invoice payment", text))
        .transpose()?;
    let (root, type_tag, type_code, line_tag, quantity_tag) = match credit {
        false => (
            "Invoice",
            "InvoiceTypeCode",
            "389",
            "InvoiceLine",
            "InvoicedQuantity",
        ),
        true => (
            "CreditNote",
            "CreditNoteTypeCode",
            "261",
            "CreditNoteLine",
            "CreditedQuantity",
        ),
    };
    let mut x = String::with_capacity(4096);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <{root} xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:{root}-2\" \
         xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" \
         xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\n"
    );
    tag(&mut x, "cbc:CustomizationID", CUSTOMIZATION);
    tag(&mut x, "cbc:ProfileID", PROFILE);
    tag(&mut x, "cbc:ID", &row.number);
    tag(&mut x, "cbc:IssueDate", &row.issue_date.to_string());
    // Paid when issued: an invoice is due on its day (BT-9; CEN 1.3.15's
    // BR-CO-25). A credit note has no due date in UBL.
    if !credit {
        tag(&mut x, "cbc:DueDate", &row.issue_date.to_string());
    }
    tag(&mut x, &format!("cbc:{type_tag}"), type_code);
    let lines = lines_of(row)?;
    let set_off = set_off_of(&lines);
    // PEPPOL allows one note: every mention, a line each, and what is set
    // off.
    let mut note = mentions.clone();
    if let Some(set) = set_off_said(&lines, &row.currency, currency, said) {
        note.push(set);
    }
    if !note.is_empty() {
        tag(&mut x, "cbc:Note", &note.join("\n"));
    }
    tag(&mut x, "cbc:DocumentCurrencyCode", &row.currency);
    // The VAT also in the brand's national currency (BT-6, BT-111).
    let in_tax_currency = row.tax_currency.as_deref().zip(row.tax_vat_minor);
    if let Some((code, _)) = in_tax_currency {
        tag(&mut x, "cbc:TaxCurrencyCode", code);
    }
    // The payout the document bills: what the bank file's remittance names.
    tag(&mut x, "cbc:BuyerReference", &row.payout_id);
    x.push_str("<cac:InvoicePeriod>");
    tag(&mut x, "cbc:StartDate", &row.supply_from.to_string());
    tag(&mut x, "cbc:EndDate", &row.supply_to.to_string());
    x.push_str("</cac:InvoicePeriod>\n");
    if let Some(original) = corrects {
        x.push_str("<cac:BillingReference><cac:InvoiceDocumentReference>");
        tag(&mut x, "cbc:ID", &original.number);
        tag(&mut x, "cbc:IssueDate", &original.issue_date.to_string());
        x.push_str("</cac:InvoiceDocumentReference></cac:BillingReference>\n");
    }
    // The statement of the payout (BG-24), which names the payout too.
    if let Some(statement) = &issued.statement {
        x.push_str("<cac:AdditionalDocumentReference>");
        tag(&mut x, "cbc:ID", statement);
        tag(&mut x, "cbc:DocumentDescription", "Commission statement");
        x.push_str("</cac:AdditionalDocumentReference>\n");
    }
    // EN 16931's BR-O-02: a supply outside the scope of VAT names no VAT
    // ids.
    let ids = category.code != "O";
    party(&mut x, "cac:AccountingSupplierParty", &supplier, ids);
    party(&mut x, "cac:AccountingCustomerParty", &customer, ids);
    if let Some(payment) = &payment {
        payment_means(&mut x, payment, &row.payout_id);
    }
    // The VAT: one subtotal, the whole net in one category.
    let _ = write!(
        x,
        "<cac:TaxTotal><cbc:TaxAmount currencyID=\"{cur}\">{}</cbc:TaxAmount>\
         <cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"{cur}\">{}</cbc:TaxableAmount>\
         <cbc:TaxAmount currencyID=\"{cur}\">{}</cbc:TaxAmount>",
        amount(row.vat_minor),
        amount(row.net_minor),
        amount(row.vat_minor),
    );
    category.write(&mut x, "cac:TaxCategory", true);
    x.push_str("</cac:TaxSubtotal></cac:TaxTotal>\n");
    if let Some((code, minor)) = in_tax_currency {
        let national =
            Currency::parse(code).map_err(|e| ApiError::internal("invoice tax currency", e))?;
        let _ = writeln!(
            x,
            "<cac:TaxTotal><cbc:TaxAmount currencyID=\"{}\">{}</cbc:TaxAmount></cac:TaxTotal>",
            xml_escape(code),
            national.from_minor(minor * sign),
        );
    }
    // What is set off was paid before (BT-113): the payout paid the rest.
    let prepaid = match set_off {
        0 => String::new(),
        minor => format!(
            "<cbc:PrepaidAmount currencyID=\"{cur}\">{}</cbc:PrepaidAmount>",
            amount(-minor)
        ),
    };
    let _ = writeln!(
        x,
        "<cac:LegalMonetaryTotal>\
         <cbc:LineExtensionAmount currencyID=\"{cur}\">{net}</cbc:LineExtensionAmount>\
         <cbc:TaxExclusiveAmount currencyID=\"{cur}\">{net}</cbc:TaxExclusiveAmount>\
         <cbc:TaxInclusiveAmount currencyID=\"{cur}\">{gross}</cbc:TaxInclusiveAmount>\
         {prepaid}<cbc:PayableAmount currencyID=\"{cur}\">{payable}</cbc:PayableAmount>\
         </cac:LegalMonetaryTotal>",
        net = amount(row.net_minor),
        gross = amount(row.gross_minor),
        payable = amount(row.gross_minor + set_off),
    );
    for (n, line) in lines.iter().filter(|l| !l.set_off).enumerate() {
        let written = line.amount_minor * sign;
        let quantity = if written < 0 { "-1" } else { "1" };
        let _ = write!(x, "<cac:{line_tag}>");
        tag(&mut x, "cbc:ID", &(n + 1).to_string());
        let _ = write!(
            x,
            "<cbc:{quantity_tag} unitCode=\"C62\">{quantity}</cbc:{quantity_tag}>\
             <cbc:LineExtensionAmount currencyID=\"{cur}\">{}</cbc:LineExtensionAmount>\
             <cac:Item>",
            currency.from_minor(written),
        );
        tag(&mut x, "cbc:Name", &line.description);
        category.write(&mut x, "cac:ClassifiedTaxCategory", false);
        let _ = writeln!(
            x,
            "</cac:Item><cac:Price><cbc:PriceAmount currencyID=\"{cur}\">{}</cbc:PriceAmount>\
             </cac:Price></cac:{line_tag}>",
            currency.from_minor(written.abs()),
        );
    }
    let _ = writeln!(x, "</{root}>");
    Ok(x)
}

/// What a document sets off, in words, naming each sale it corrects:
/// none when it sets off nothing.
pub fn set_off_said(
    lines: &[InvoiceLine],
    code: &str,
    currency: Currency,
    said: &super::words::Words,
) -> Option<String> {
    let set_off = set_off_of(lines);
    if set_off == 0 {
        return None;
    }
    let sales: Vec<&str> = lines
        .iter()
        .filter(|l| l.set_off)
        .filter_map(|l| l.sale.as_deref())
        .collect();
    let amount = currency.from_minor(set_off.abs()).to_string();
    let mut text = super::words::fill(said.set_off_said, &[("amount", &amount), ("code", code)]);
    if !sales.is_empty() {
        text.push_str(&super::words::fill(
            said.sales,
            &[("sales", &sales.join(", "))],
        ));
    }
    Some(text)
}

/// The document's VAT category (UNCL 5305).
struct Category {
    code: &'static str,
    percent: String,
    /// An exemption's code (VATEX) and wording.
    exemption: Option<(Option<&'static str>, String)>,
    /// Whether its breakdown states a rate of 0 though it is `O`: XRechnung
    /// asks every breakdown for one (BR-DE-14).
    zero_rate_stated: bool,
}

/// The mentions every document of a kind carries, which are no
/// exemption's wording (besides each language's words for self-billing
/// and the reverse charge).
const FIXED_MENTIONS: &[&str] = &[
    "Gutschrift",
    "Steuerschuldnerschaft des Leistungsempfängers",
    "The VAT shown is your output tax due to HMRC",
];

/// Whether `mention` is one every document of a kind carries, in any
/// language.
fn fixed(mention: &str) -> bool {
    FIXED_MENTIONS.contains(&mention)
        || super::words::ALL
            .iter()
            .any(|(_, w)| w.self_billing == mention || w.reverse_charge == mention)
}

impl Category {
    fn of(
        row: &invoice::Model,
        mentions: &[String],
        customer: &Party,
        said: &super::words::Words,
    ) -> Category {
        use crate::engine::vat::Category as C;
        let has = |text: &str| mentions.iter().any(|m| m == text);
        // The tenant's exemption wording: a small business's mention.
        let wording = mentions.iter().find(|m| !fixed(m)).cloned();
        // Documents issued before the category was kept: read from what
        // they say.
        let category = row.vat_category.as_deref().and_then(C::parse).unwrap_or(
            match (&row.vat_rate, has("Reverse charge"), &wording) {
                (Some(_), _, _) => C::Standard,
                (None, true, _) => C::ReverseCharge,
                (None, false, Some(_)) => C::Exempt,
                (None, false, None) => C::OutOfScope,
            },
        );
        let zero = |exemption| Category {
            code: category.code(),
            percent: "0".into(),
            exemption: Some(exemption),
            zero_rate_stated: false,
        };
        match category {
            C::Standard => Category {
                code: "S",
                percent: row.vat_rate.clone().unwrap_or_default(),
                exemption: None,
                zero_rate_stated: false,
            },
            C::ReverseCharge => zero((Some("VATEX-EU-AE"), said.reverse_charge.into())),
            C::Exempt => zero((None, wording.unwrap_or_default())),
            C::OutOfScope => Category {
                zero_rate_stated: customer.country == "DE",
                ..zero((Some("VATEX-EU-O"), said.not_subject.into()))
            },
        }
    }

    /// As a `TaxCategory` (with its exemption) or an item's
    /// `ClassifiedTaxCategory`. Category `O` carries no rate.
    fn write(&self, x: &mut String, element: &str, exemption: bool) {
        let _ = write!(x, "<{element}>");
        tag(x, "cbc:ID", self.code);
        if self.code != "O" || (exemption && self.zero_rate_stated) {
            tag(x, "cbc:Percent", &self.percent);
        }
        if exemption && let Some((code, reason)) = &self.exemption {
            if let Some(code) = code {
                tag(x, "cbc:TaxExemptionReasonCode", code);
            }
            tag(x, "cbc:TaxExemptionReason", reason);
        }
        let _ = write!(
            x,
            "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></{element}>"
        );
    }
}

fn party(x: &mut String, element: &str, party: &Party, with_vat_id: bool) {
    let _ = write!(x, "<{element}><cac:Party>");
    // Its electronic address: its PEPPOL id, else its e-mail.
    let endpoint = match party
        .peppol_id
        .as_deref()
        .and_then(super::identifiers::peppol_parts)
    {
        Some((scheme, id)) => Some((scheme, id)),
        None => party.email.as_deref().map(|email| ("EM", email)),
    };
    if let Some((scheme, id)) = endpoint {
        let _ = write!(
            x,
            "<cbc:EndpointID schemeID=\"{}\">{}</cbc:EndpointID>",
            xml_escape(scheme),
            xml_escape(id)
        );
    }
    if let Some(id) = &party.id {
        x.push_str("<cac:PartyIdentification>");
        tag(x, "cbc:ID", id);
        x.push_str("</cac:PartyIdentification>");
    }
    x.push_str("<cac:PartyName>");
    tag(x, "cbc:Name", &party.name);
    x.push_str("</cac:PartyName><cac:PostalAddress>");
    if let Some(address) = &party.address {
        tag(x, "cbc:StreetName", &address.line1);
        if let Some(line2) = &address.line2 {
            tag(x, "cbc:AdditionalStreetName", line2);
        }
        tag(x, "cbc:CityName", &address.city);
        if !address.zip.is_empty() {
            tag(x, "cbc:PostalZone", &address.zip);
        }
        if !address.state.is_empty() {
            tag(x, "cbc:CountrySubentity", &address.state);
        }
    }
    x.push_str("<cac:Country>");
    tag(x, "cbc:IdentificationCode", &party.country);
    x.push_str("</cac:Country></cac:PostalAddress>");
    // Its tax number (BT-32) first, then its VAT id (BT-31).
    let schemes = [
        (party.tax_number.as_ref(), "FC"),
        (party.vat_id.as_ref().filter(|_| with_vat_id), "VAT"),
    ];
    for (id, scheme) in schemes {
        if let Some(id) = id {
            x.push_str("<cac:PartyTaxScheme>");
            tag(x, "cbc:CompanyID", id);
            let _ = write!(
                x,
                "<cac:TaxScheme><cbc:ID>{scheme}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
            );
        }
    }
    x.push_str("<cac:PartyLegalEntity>");
    tag(x, "cbc:RegistrationName", &party.name);
    x.push_str("</cac:PartyLegalEntity>");
    if let Some(contact) = &party.contact {
        x.push_str("<cac:Contact>");
        for (element, value) in [
            ("cbc:Name", &contact.name),
            ("cbc:Telephone", &contact.phone),
            ("cbc:ElectronicMail", &contact.email),
        ] {
            if !value.is_empty() {
                tag(x, element, value);
            }
        }
        x.push_str("</cac:Contact>");
    }
    let _ = writeln!(x, "</cac:Party></{element}>");
}

/// How the payout was paid (BG-16): its code, the payout as the
/// remittance information (BT-83, what the bank file names), and the
/// account paid to.
fn payment_means(x: &mut String, payment: &super::Payment, payout_id: &str) {
    x.push_str("<cac:PaymentMeans>");
    tag(x, "cbc:PaymentMeansCode", &payment.code);
    tag(x, "cbc:PaymentID", payout_id);
    if let Some(account) = &payment.account {
        x.push_str("<cac:PayeeFinancialAccount>");
        tag(x, "cbc:ID", account);
        if let Some(holder) = &payment.holder {
            tag(x, "cbc:Name", holder);
        }
        if let Some(bank) = &payment.bank {
            x.push_str("<cac:FinancialInstitutionBranch>");
            tag(x, "cbc:ID", bank);
            x.push_str("</cac:FinancialInstitutionBranch>");
        }
        x.push_str("</cac:PayeeFinancialAccount>");
    }
    x.push_str("</cac:PaymentMeans>\n");
}

fn tag(x: &mut String, name: &str, text: &str) {
    let _ = write!(x, "<{name}>{}</{name}>", xml_escape(text));
}

/// Text as XML character data: the markup characters as entities, and
/// every character XML 1.0 cannot hold (the controls, U+FFFE, U+FFFF)
/// dropped — the inputs refuse them, and a name kept from before cannot
/// make an issued document malformed.
fn xml_escape(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !crate::input::outside_xml(*c))
        .collect();
    crate::mail::content::escape(&kept)
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn no_character_xml_forbids_reaches_a_document() {
        assert_eq!(
            xml_escape("Acme\u{FFFF} & Co\u{1}\u{FFFE} <GmbH>\tKöln"),
            "Acme &amp; Co &lt;GmbH&gt;\tKöln"
        );
    }
}
