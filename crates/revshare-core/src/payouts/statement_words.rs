//! What a payout's statement says, in each language revshare writes in
//! (SPEC §38): its title, the labels of its facts and columns, the count
//! of its lines, its totals, the kinds of commission, a payout's status
//! and its method — the words [`super::statement`] lays out, consistent
//! with the self-billed documents' ([`super::invoicing::words`]).
//!
//! One table a language, each a [`Words`] with every field given: a
//! language missing a text does not build. Placeholders in braces
//! (`{number}`) are filled by [`fill`]; amounts and days are written by
//! [`crate::languages::formats`] before they fill them.

/// Every text of a statement, in one language.
#[derive(Debug)]
pub struct Words {
    /// The title: `{number}`.
    pub title: &'static str,
    pub partner: &'static str,
    pub payout: &'static str,
    pub issued: &'static str,
    pub status: &'static str,
    pub method: &'static str,
    pub document: &'static str,
    /// The columns' heads.
    pub date: &'static str,
    pub kind: &'static str,
    pub campaign_event: &'static str,
    /// `{currency}`.
    pub amount: &'static str,
    /// `{count}`, its plural forms.
    pub commission_lines_one: &'static str,
    pub commission_lines_other: &'static str,
    pub clawbacks_one: &'static str,
    pub clawbacks_other: &'static str,
    /// `{lines}`, `{clawbacks}`, `{amount}`.
    pub counts: &'static str,
    pub net: &'static str,
    pub vat: &'static str,
    /// `{vat}`, `{rate}`.
    pub vat_of: &'static str,
    /// What it set off is outside the VAT's base: `{vat}`, `{rate}`,
    /// `{base}`, `{set_off}`.
    pub vat_of_base: &'static str,
    /// `{amount}`.
    pub total: &'static str,
    /// `{amount}`.
    pub backup_withholding: &'static str,
    /// `{amount}`.
    pub sent: &'static str,
    /// The kinds of commission.
    pub commission: &'static str,
    pub clawback: &'static str,
    pub adjustment: &'static str,
    pub bonus: &'static str,
    pub referral: &'static str,
    pub bounty: &'static str,
    pub retainer: &'static str,
    /// A payout's status.
    pub pending: &'static str,
    /// `{day}`, `{reference}`.
    pub paid: &'static str,
    /// `{day}`, `{reason}`.
    pub failed: &'static str,
    /// Its method, masked: `{address}`.
    pub paypal: &'static str,
    /// `{account}`, `{holder}`.
    pub bank_transfer: &'static str,
    /// `{account}`.
    pub stripe: &'static str,
    /// `{account}`, `{routing}`, `{holder}`.
    pub ach: &'static str,
    /// A bank account Wise pays: `{currency}`, `{account}` (masked), `{holder}`.
    pub wise: &'static str,
    pub no_method: &'static str,
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
    title: "Commission statement {number}",
    partner: "Partner",
    payout: "Payout",
    issued: "Issued",
    status: "Status",
    method: "Payout method",
    document: "Document",
    date: "Date",
    kind: "Kind",
    campaign_event: "Campaign / event",
    amount: "Amount {currency}",
    commission_lines_one: "{count} commission line",
    commission_lines_other: "{count} commission lines",
    clawbacks_one: "{count} clawback",
    clawbacks_other: "{count} clawbacks",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Net",
    vat: "VAT",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % of {base}, set off {set_off})",
    total: "Total {amount}",
    backup_withholding: "Backup withholding (24 %, federal income tax, Form 1099-NEC Box 4) {amount}",
    sent: "Sent {amount}",
    commission: "Commission",
    clawback: "Clawback",
    adjustment: "Adjustment",
    bonus: "Bonus",
    referral: "Referral",
    bounty: "Bounty",
    retainer: "Retainer",
    pending: "Pending",
    paid: "Paid {day} (reference {reference})",
    failed: "Failed {day}: {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Bank transfer {account} ({holder})",
    stripe: "Stripe account {account}",
    ach: "ACH to account {account} at routing number {routing} ({holder})",
    wise: "Wise {currency} account {account} ({holder})",
    no_method: "none on file",
};

pub const DE: Words = Words {
    title: "Provisionsabrechnung {number}",
    partner: "Partner",
    payout: "Auszahlung",
    issued: "Ausgestellt am",
    status: "Status",
    method: "Auszahlungsweg",
    document: "Dokument",
    date: "Datum",
    kind: "Art",
    campaign_event: "Kampagne / Ereignis",
    amount: "Betrag {currency}",
    commission_lines_one: "{count} Provisionsposition",
    commission_lines_other: "{count} Provisionspositionen",
    clawbacks_one: "{count} Rückbelastung",
    clawbacks_other: "{count} Rückbelastungen",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Netto",
    vat: "USt",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % von {base}, verrechnet {set_off})",
    total: "Gesamt {amount}",
    backup_withholding: "Sicherungseinbehalt (Backup Withholding, 24 %, US-Bundeseinkommensteuer, Formular 1099-NEC Feld 4) {amount}",
    sent: "Ausgezahlt {amount}",
    commission: "Provision",
    clawback: "Rückbelastung",
    adjustment: "Korrektur",
    bonus: "Bonus",
    referral: "Empfehlung",
    bounty: "Prämie",
    retainer: "Pauschalvergütung",
    pending: "Ausstehend",
    paid: "Ausgezahlt am {day} (Referenz {reference})",
    failed: "Fehlgeschlagen am {day}: {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Überweisung {account} ({holder})",
    stripe: "Stripe-Konto {account}",
    ach: "ACH auf Konto {account}, Routingnummer {routing} ({holder})",
    wise: "Wise-Konto in {currency} {account} ({holder})",
    no_method: "keiner hinterlegt",
};

pub const FR: Words = Words {
    title: "Relevé de commissions {number}",
    partner: "Partenaire",
    payout: "Versement",
    issued: "Date d'émission",
    status: "Statut",
    method: "Mode de versement",
    document: "Document",
    date: "Date",
    kind: "Type",
    campaign_event: "Campagne / événement",
    amount: "Montant {currency}",
    commission_lines_one: "{count} ligne de commission",
    commission_lines_other: "{count} lignes de commission",
    clawbacks_one: "{count} reprise",
    clawbacks_other: "{count} reprises",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Montant HT",
    vat: "TVA",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % de {base}, compensé {set_off})",
    total: "Total {amount}",
    backup_withholding: "Retenue de sécurité (backup withholding, 24 %, impôt fédéral sur le revenu, formulaire 1099-NEC case 4) {amount}",
    sent: "Versé {amount}",
    commission: "Commission",
    clawback: "Reprise",
    adjustment: "Ajustement",
    bonus: "Bonus",
    referral: "Parrainage",
    bounty: "Prime",
    retainer: "Forfait",
    pending: "En attente",
    paid: "Versé le {day} (référence {reference})",
    failed: "Échec le {day} : {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Virement bancaire {account} ({holder})",
    stripe: "Compte Stripe {account}",
    ach: "ACH sur le compte {account}, numéro de routage {routing} ({holder})",
    wise: "Compte Wise en {currency} {account} ({holder})",
    no_method: "aucun enregistré",
};

pub const ES: Words = Words {
    title: "Extracto de comisiones {number}",
    partner: "Socio",
    payout: "Pago",
    issued: "Fecha de emisión",
    status: "Estado",
    method: "Método de pago",
    document: "Documento",
    date: "Fecha",
    kind: "Tipo",
    campaign_event: "Campaña / evento",
    amount: "Importe {currency}",
    commission_lines_one: "{count} línea de comisión",
    commission_lines_other: "{count} líneas de comisión",
    clawbacks_one: "{count} retrocesión",
    clawbacks_other: "{count} retrocesiones",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Base imponible",
    vat: "IVA",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % de {base}, compensado {set_off})",
    total: "Total {amount}",
    backup_withholding: "Retención adicional (backup withholding, 24 %, impuesto federal sobre la renta, formulario 1099-NEC casilla 4) {amount}",
    sent: "Enviado {amount}",
    commission: "Comisión",
    clawback: "Retrocesión",
    adjustment: "Ajuste",
    bonus: "Bonificación",
    referral: "Referido",
    bounty: "Recompensa",
    retainer: "Cuota fija",
    pending: "Pendiente",
    paid: "Pagado el {day} (referencia {reference})",
    failed: "Fallido el {day}: {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Transferencia bancaria {account} ({holder})",
    stripe: "Cuenta de Stripe {account}",
    ach: "ACH a la cuenta {account}, número de ruta {routing} ({holder})",
    wise: "Cuenta Wise en {currency} {account} ({holder})",
    no_method: "ninguno registrado",
};

pub const IT: Words = Words {
    title: "Estratto provvigioni {number}",
    partner: "Partner",
    payout: "Pagamento",
    issued: "Data di emissione",
    status: "Stato",
    method: "Metodo di pagamento",
    document: "Documento",
    date: "Data",
    kind: "Tipo",
    campaign_event: "Campagna / evento",
    amount: "Importo {currency}",
    commission_lines_one: "{count} riga di provvigione",
    commission_lines_other: "{count} righe di provvigione",
    clawbacks_one: "{count} storno",
    clawbacks_other: "{count} storni",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Imponibile",
    vat: "IVA",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % di {base}, compensato {set_off})",
    total: "Totale {amount}",
    backup_withholding: "Ritenuta di garanzia (backup withholding, 24 %, imposta federale sul reddito, modulo 1099-NEC casella 4) {amount}",
    sent: "Versato {amount}",
    commission: "Provvigione",
    clawback: "Storno",
    adjustment: "Rettifica",
    bonus: "Bonus",
    referral: "Segnalazione",
    bounty: "Premio",
    retainer: "Compenso fisso",
    pending: "In attesa",
    paid: "Pagato il {day} (riferimento {reference})",
    failed: "Non riuscito il {day}: {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Bonifico bancario {account} ({holder})",
    stripe: "Account Stripe {account}",
    ach: "ACH sul conto {account}, numero di routing {routing} ({holder})",
    wise: "Conto Wise in {currency} {account} ({holder})",
    no_method: "nessuno registrato",
};

pub const NL: Words = Words {
    title: "Commissieafrekening {number}",
    partner: "Partner",
    payout: "Uitbetaling",
    issued: "Uitgiftedatum",
    status: "Status",
    method: "Uitbetalingswijze",
    document: "Document",
    date: "Datum",
    kind: "Soort",
    campaign_event: "Campagne / gebeurtenis",
    amount: "Bedrag {currency}",
    commission_lines_one: "{count} commissieregel",
    commission_lines_other: "{count} commissieregels",
    clawbacks_one: "{count} terugboeking",
    clawbacks_other: "{count} terugboekingen",
    counts: "{lines}, {clawbacks} ({amount})",
    net: "Netto",
    vat: "Btw",
    vat_of: "{vat} ({rate} %)",
    vat_of_base: "{vat} ({rate} % van {base}, verrekend {set_off})",
    total: "Totaal {amount}",
    backup_withholding: "Bronheffing (backup withholding, 24 %, federale inkomstenbelasting, formulier 1099-NEC vak 4) {amount}",
    sent: "Uitbetaald {amount}",
    commission: "Commissie",
    clawback: "Terugboeking",
    adjustment: "Correctie",
    bonus: "Bonus",
    referral: "Doorverwijzing",
    bounty: "Beloning",
    retainer: "Vaste vergoeding",
    pending: "In behandeling",
    paid: "Uitbetaald op {day} (referentie {reference})",
    failed: "Mislukt op {day}: {reason}",
    paypal: "PayPal {address}",
    bank_transfer: "Bankoverschrijving {account} ({holder})",
    stripe: "Stripe-account {account}",
    ach: "ACH naar rekening {account}, routingnummer {routing} ({holder})",
    wise: "Wise-rekening in {currency} {account} ({holder})",
    no_method: "geen opgegeven",
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
        texts!(w; title, partner, payout, issued, status, method, document, date, kind,
            campaign_event, amount, commission_lines_one, commission_lines_other,
            clawbacks_one, clawbacks_other, counts, net, vat, vat_of, vat_of_base, total,
            backup_withholding, sent, commission, clawback, adjustment, bonus, referral,
            bounty, pending, paid, failed, paypal, bank_transfer, stripe, ach, no_method)
    }

    use crate::languages::placeholders;

    /// Each language fills every placeholder the English text has, says
    /// something for each, names its statement its own way and tells the
    /// kinds of commission apart.
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
            let mut kinds = vec![
                words.commission,
                words.clawback,
                words.adjustment,
                words.bonus,
                words.referral,
                words.bounty,
            ];
            kinds.sort();
            kinds.dedup();
            assert_eq!(kinds.len(), 6, "{code}: the kinds of commission");
        }
        let mut titles: Vec<&str> = ALL.iter().map(|(_, w)| w.title).collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), 6);
        assert_eq!(
            fill(EN.title, &[("number", "2026-000001")]),
            "Commission statement 2026-000001"
        );
    }
}
