//! What a self-billed document says, in each language revshare writes in
//! (SPEC §38): every label of its PDF, the words of its lines and its
//! note, and the mentions as the VAT Directive's language versions word
//! art. 226 (10a) "Self-billing" and (11a) "Reverse charge".
//!
//! One table a language, each a [`Words`] with every field given: a
//! language missing a text does not build. Placeholders in braces
//! (`{from}`) are filled by [`fill`].

/// Every text of a self-billed document, in one language.
#[derive(Debug)]
pub struct Words {
    pub invoice: &'static str,
    pub credit_note: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    pub supply_period: &'static str,
    /// `{from}`, `{to}`.
    pub period: &'static str,
    pub due_date: &'static str,
    pub payout: &'static str,
    pub statement: &'static str,
    pub corrects: &'static str,
    /// `{number}`, `{day}`.
    pub corrected: &'static str,
    pub supplier: &'static str,
    pub customer: &'static str,
    pub description: &'static str,
    pub amount: &'static str,
    pub net: &'static str,
    pub vat_rate: &'static str,
    pub no_rate: &'static str,
    pub vat: &'static str,
    /// `{code}`.
    pub vat_in: &'static str,
    pub exchange_rate: &'static str,
    /// `{from}`, `{rate}`, `{to}`, `{day}`.
    pub rate_of: &'static str,
    pub gross: &'static str,
    pub set_off: &'static str,
    pub paid: &'static str,
    pub paid_by: &'static str,
    pub sepa_transfer: &'static str,
    pub transfer: &'static str,
    pub online: &'static str,
    pub other_means: &'static str,
    /// `{account}`.
    pub to_account: &'static str,
    /// `{number}`.
    pub tax_number: &'static str,
    /// `{id}`.
    pub vat_id: &'static str,
    pub no_vat_id: &'static str,
    /// `{who}`.
    pub contact: &'static str,
    /// A line's words without the brand's own description.
    pub commissions: &'static str,
    pub clawbacks: &'static str,
    /// After the brand's description: `{what}`.
    pub taken_back: &'static str,
    /// One commission, for a set-off line without the brand's description.
    pub commission: &'static str,
    /// `{what}`, `{sale}`.
    pub set_off_line: &'static str,
    /// `{amount}`, `{code}`; then [`Words::sales`].
    pub set_off_said: &'static str,
    /// `{sales}`.
    pub sales: &'static str,
    /// The mention of art. 226 (10a).
    pub self_billing: &'static str,
    /// The mention of art. 226 (11a).
    pub reverse_charge: &'static str,
    /// Why a supply outside the scope of VAT takes none.
    pub not_subject: &'static str,
}

/// The words of `language`; English for one not built in.
pub fn of(language: &str) -> &'static Words {
    match language {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        "it" => &IT,
        "nl" => &NL,
        _ => &EN,
    }
}

/// Every language's, English first.
pub const ALL: [(&str, &Words); 6] = [
    ("en", &EN),
    ("de", &DE),
    ("fr", &FR),
    ("es", &ES),
    ("it", &IT),
    ("nl", &NL),
];

pub use crate::languages::fill;

pub const EN: Words = Words {
    invoice: "Self-billed invoice",
    credit_note: "Self-billed credit note",
    number: "Number",
    issue_date: "Issue date",
    supply_period: "Supply period",
    period: "{from} to {to}",
    due_date: "Due date",
    payout: "Payout",
    statement: "Statement",
    corrects: "Corrects",
    corrected: "invoice {number} of {day}",
    supplier: "Supplier (the partner)",
    customer: "Customer (issued by)",
    description: "Description",
    amount: "Amount",
    net: "Net",
    vat_rate: "VAT rate",
    no_rate: "none",
    vat: "VAT",
    vat_in: "VAT in {code}",
    exchange_rate: "Exchange rate",
    rate_of: "1 {from} = {rate} {to}, reference rate of {day}",
    gross: "Gross",
    set_off: "Set off",
    paid: "Paid",
    paid_by: "Paid by",
    sepa_transfer: "SEPA credit transfer",
    transfer: "Credit transfer",
    online: "Online payment service",
    other_means: "Other means",
    to_account: " to {account}",
    tax_number: "Tax number {number}",
    vat_id: "VAT id {id}",
    no_vat_id: "No VAT id",
    contact: "Contact {who}",
    commissions: "Commissions",
    clawbacks: "Clawbacks",
    taken_back: "{what}, taken back",
    commission: "Commission",
    set_off_line: "{what} paid before self-billing, taken back (sale {sale})",
    set_off_said: "Set off: {amount} {code} of commissions paid before self-billing and taken back, outside the VAT base",
    sales: " (sales {sales})",
    self_billing: "Self-billing",
    reverse_charge: "Reverse charge",
    not_subject: "Not subject to VAT",
};

pub const DE: Words = Words {
    invoice: "Gutschrift",
    credit_note: "Korrektur der Gutschrift",
    number: "Nummer",
    issue_date: "Ausstellungsdatum",
    supply_period: "Leistungszeitraum",
    period: "{from} bis {to}",
    due_date: "Fälligkeitsdatum",
    payout: "Auszahlung",
    statement: "Abrechnung",
    corrects: "Berichtigt",
    corrected: "Gutschrift {number} vom {day}",
    supplier: "Leistender (der Partner)",
    customer: "Leistungsempfänger (Aussteller)",
    description: "Beschreibung",
    amount: "Betrag",
    net: "Netto",
    vat_rate: "USt-Satz",
    no_rate: "keiner",
    vat: "USt",
    vat_in: "USt in {code}",
    exchange_rate: "Umrechnungskurs",
    rate_of: "1 {from} = {rate} {to}, Referenzkurs vom {day}",
    gross: "Brutto",
    set_off: "Verrechnet",
    paid: "Ausgezahlt",
    paid_by: "Bezahlt per",
    sepa_transfer: "SEPA-Überweisung",
    transfer: "Überweisung",
    online: "Online-Zahlungsdienst",
    other_means: "Sonstige Zahlungsart",
    to_account: " an {account}",
    tax_number: "Steuernummer {number}",
    vat_id: "USt-IdNr. {id}",
    no_vat_id: "Keine USt-IdNr.",
    contact: "Kontakt {who}",
    commissions: "Provisionen",
    clawbacks: "Rückbelastungen",
    taken_back: "{what}, zurückgebucht",
    commission: "Provision",
    set_off_line: "{what} vor der Gutschrift gezahlt, zurückgebucht (Verkauf {sale})",
    set_off_said: "Verrechnet: {amount} {code} vor der Gutschrift gezahlter und zurückgebuchter Provisionen, außerhalb der Bemessungsgrundlage",
    sales: " (Verkäufe {sales})",
    self_billing: "Gutschrift",
    reverse_charge: "Steuerschuldnerschaft des Leistungsempfängers",
    not_subject: "Nicht steuerbar",
};

pub const FR: Words = Words {
    invoice: "Autofacture",
    credit_note: "Avoir sur autofacture",
    number: "Numéro",
    issue_date: "Date d'émission",
    supply_period: "Période de prestation",
    period: "du {from} au {to}",
    due_date: "Date d'échéance",
    payout: "Versement",
    statement: "Relevé",
    corrects: "Rectifie",
    corrected: "l'autofacture {number} du {day}",
    supplier: "Prestataire (le partenaire)",
    customer: "Client (émetteur)",
    description: "Désignation",
    amount: "Montant",
    net: "Montant HT",
    vat_rate: "Taux de TVA",
    no_rate: "aucun",
    vat: "TVA",
    vat_in: "TVA en {code}",
    exchange_rate: "Taux de change",
    rate_of: "1 {from} = {rate} {to}, taux de référence du {day}",
    gross: "Montant TTC",
    set_off: "Compensé",
    paid: "Versé",
    paid_by: "Payé par",
    sepa_transfer: "Virement SEPA",
    transfer: "Virement",
    online: "Service de paiement en ligne",
    other_means: "Autre moyen",
    to_account: " sur {account}",
    tax_number: "Numéro fiscal {number}",
    vat_id: "N° TVA {id}",
    no_vat_id: "Pas de n° TVA",
    contact: "Contact {who}",
    commissions: "Commissions",
    clawbacks: "Reprises",
    taken_back: "{what}, reprises",
    commission: "Commission",
    set_off_line: "{what} versée avant l'autofacturation, reprise (vente {sale})",
    set_off_said: "Compensé : {amount} {code} de commissions versées avant l'autofacturation puis reprises, hors base de TVA",
    sales: " (ventes {sales})",
    self_billing: "Autofacturation",
    reverse_charge: "Autoliquidation",
    not_subject: "Non soumis à la TVA",
};

pub const ES: Words = Words {
    invoice: "Factura emitida por el destinatario",
    credit_note: "Factura rectificativa emitida por el destinatario",
    number: "Número",
    issue_date: "Fecha de expedición",
    supply_period: "Periodo de prestación",
    period: "del {from} al {to}",
    due_date: "Fecha de vencimiento",
    payout: "Pago",
    statement: "Extracto",
    corrects: "Rectifica",
    corrected: "la factura {number} del {day}",
    supplier: "Proveedor (el socio)",
    customer: "Cliente (emisor)",
    description: "Descripción",
    amount: "Importe",
    net: "Base imponible",
    vat_rate: "Tipo de IVA",
    no_rate: "ninguno",
    vat: "IVA",
    vat_in: "IVA en {code}",
    exchange_rate: "Tipo de cambio",
    rate_of: "1 {from} = {rate} {to}, tipo de referencia del {day}",
    gross: "Total",
    set_off: "Compensado",
    paid: "Pagado",
    paid_by: "Pagado mediante",
    sepa_transfer: "Transferencia SEPA",
    transfer: "Transferencia",
    online: "Servicio de pago en línea",
    other_means: "Otro medio",
    to_account: " a {account}",
    tax_number: "Número fiscal {number}",
    vat_id: "NIF-IVA {id}",
    no_vat_id: "Sin NIF-IVA",
    contact: "Contacto {who}",
    commissions: "Comisiones",
    clawbacks: "Retrocesiones",
    taken_back: "{what}, retrocedidas",
    commission: "Comisión",
    set_off_line: "{what} pagada antes de la facturación por el destinatario, retrocedida (venta {sale})",
    set_off_said: "Compensado: {amount} {code} de comisiones pagadas antes de la facturación por el destinatario y retrocedidas, fuera de la base imponible",
    sales: " (ventas {sales})",
    self_billing: "Facturación por el destinatario",
    reverse_charge: "Inversión del sujeto pasivo",
    not_subject: "No sujeto a IVA",
};

pub const IT: Words = Words {
    invoice: "Autofattura",
    credit_note: "Nota di credito su autofattura",
    number: "Numero",
    issue_date: "Data di emissione",
    supply_period: "Periodo della prestazione",
    period: "dal {from} al {to}",
    due_date: "Data di scadenza",
    payout: "Pagamento",
    statement: "Estratto",
    corrects: "Rettifica",
    corrected: "l'autofattura {number} del {day}",
    supplier: "Prestatore (il partner)",
    customer: "Committente (emittente)",
    description: "Descrizione",
    amount: "Importo",
    net: "Imponibile",
    vat_rate: "Aliquota IVA",
    no_rate: "nessuna",
    vat: "IVA",
    vat_in: "IVA in {code}",
    exchange_rate: "Tasso di cambio",
    rate_of: "1 {from} = {rate} {to}, tasso di riferimento del {day}",
    gross: "Totale",
    set_off: "Compensato",
    paid: "Pagato",
    paid_by: "Pagato tramite",
    sepa_transfer: "Bonifico SEPA",
    transfer: "Bonifico",
    online: "Servizio di pagamento online",
    other_means: "Altro mezzo",
    to_account: " su {account}",
    tax_number: "Codice fiscale {number}",
    vat_id: "Partita IVA {id}",
    no_vat_id: "Nessuna partita IVA",
    contact: "Contatto {who}",
    commissions: "Provvigioni",
    clawbacks: "Storni",
    taken_back: "{what}, stornate",
    commission: "Provvigione",
    set_off_line: "{what} pagata prima dell'autofatturazione, stornata (vendita {sale})",
    set_off_said: "Compensato: {amount} {code} di provvigioni pagate prima dell'autofatturazione e stornate, fuori dalla base imponibile",
    sales: " (vendite {sales})",
    self_billing: "Autofatturazione",
    reverse_charge: "Inversione contabile",
    not_subject: "Non soggetto a IVA",
};

pub const NL: Words = Words {
    invoice: "Factuur uitgereikt door afnemer",
    credit_note: "Creditnota uitgereikt door afnemer",
    number: "Nummer",
    issue_date: "Factuurdatum",
    supply_period: "Leveringsperiode",
    period: "{from} t/m {to}",
    due_date: "Vervaldatum",
    payout: "Uitbetaling",
    statement: "Afrekening",
    corrects: "Corrigeert",
    corrected: "factuur {number} van {day}",
    supplier: "Leverancier (de partner)",
    customer: "Afnemer (uitgever)",
    description: "Omschrijving",
    amount: "Bedrag",
    net: "Netto",
    vat_rate: "Btw-tarief",
    no_rate: "geen",
    vat: "Btw",
    vat_in: "Btw in {code}",
    exchange_rate: "Wisselkoers",
    rate_of: "1 {from} = {rate} {to}, referentiekoers van {day}",
    gross: "Totaal",
    set_off: "Verrekend",
    paid: "Uitbetaald",
    paid_by: "Betaald via",
    sepa_transfer: "SEPA-overboeking",
    transfer: "Overboeking",
    online: "Online betaaldienst",
    other_means: "Andere wijze",
    to_account: " naar {account}",
    tax_number: "Fiscaal nummer {number}",
    vat_id: "Btw-id {id}",
    no_vat_id: "Geen btw-id",
    contact: "Contact {who}",
    commissions: "Commissies",
    clawbacks: "Terugboekingen",
    taken_back: "{what}, teruggeboekt",
    commission: "Commissie",
    set_off_line: "{what} betaald vóór facturering door de afnemer, teruggeboekt (verkoop {sale})",
    set_off_said: "Verrekend: {amount} {code} aan commissies betaald vóór facturering door de afnemer en teruggeboekt, buiten de btw-grondslag",
    sales: " (verkopen {sales})",
    self_billing: "Factuur uitgereikt door afnemer",
    reverse_charge: "Btw verlegd",
    not_subject: "Niet onderworpen aan btw",
};

#[cfg(test)]
mod tests {
    use super::{ALL, EN, Words, fill};

    macro_rules! texts {
        ($words:expr; $($field:ident),* $(,)?) => {
            vec![$((stringify!($field), $words.$field)),*]
        };
    }

    fn texts(w: &Words) -> Vec<(&'static str, &'static str)> {
        texts!(w; invoice, credit_note, number, issue_date, supply_period, period, due_date,
            payout, statement, corrects, corrected, supplier, customer, description, amount,
            net, vat_rate, no_rate, vat, vat_in, exchange_rate, rate_of, gross, set_off, paid,
            paid_by, sepa_transfer, transfer, online, other_means, to_account, tax_number,
            vat_id, no_vat_id, contact, commissions, clawbacks, taken_back, commission,
            set_off_line, set_off_said, sales, self_billing, reverse_charge, not_subject)
    }

    use crate::languages::placeholders;

    /// Each language fills every placeholder the English text has, says
    /// something for each, and names its documents its own way.
    #[test]
    fn every_language_fills_the_placeholders_english_does() {
        let english = texts(&EN);
        for (code, words) in ALL {
            for ((name, en), (_, text)) in english.iter().zip(texts(words)) {
                assert_eq!(
                    placeholders(en),
                    placeholders(text),
                    "{code}.{name}: {text}"
                );
                assert!(text.trim().len() > 1, "{code}.{name} is empty");
            }
        }
        let mut titles: Vec<&str> = ALL.iter().map(|(_, w)| w.invoice).collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), 6);
        assert_eq!(
            fill(EN.period, &[("from", "2026-01-01"), ("to", "2026-01-31")]),
            "2026-01-01 to 2026-01-31"
        );
    }
}
