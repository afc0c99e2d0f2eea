//! Commission terms as a partner reads them, in its language (SPEC §38):
//! one sentence a rule — its description, then the rule with every figure
//! and condition ("Gold partners: 40 % when a tag of the partner is
//! gold", "30 % of every payment"). Amounts in the campaign's currency as
//! CLDR writes them ([`super::formats`]).
//!
//! One table a language, each a [`Words`] with every field given: a
//! language missing a text does not build, and a unit test holds each
//! text to the placeholders the English one has. The staff's English
//! summary of a rule stays the engine's ([`Rule::in_words`]).

use super::fill;
use super::formats;
use crate::engine::conditions::{Operator, Subject, Test};
use crate::engine::{Condition, Outcome, Reward, Rule, RuleSet};
use icu_plurals::PluralCategory;
use rust_decimal::Decimal;

/// Every text of the terms, in one language.
#[derive(Debug)]
pub struct Words {
    /// `{number}`: a percentage.
    pub percent: &'static str,
    /// `{description}`, `{rule}`.
    pub described: &'static str,
    /// `{count}` months: the plural forms `one` and `other`.
    pub month: &'static str,
    pub months: &'static str,
    /// `{percent}`.
    pub every_payment: &'static str,
    /// `{percent}`, `{months}`.
    pub every_payment_for: &'static str,
    /// `{percent}`, `{months}`.
    pub new_customer: &'static str,
    /// `{percent}`, `{amount}`.
    pub ltv_upgrade: &'static str,
    /// `{bonus}`, `{amount}`.
    pub threshold_bonus: &'static str,
    /// `{percent}`, `{count}`.
    pub customers_upgrade: &'static str,
    /// `{bonus}`.
    pub first_customer_bonus: &'static str,
    /// `{amount}`.
    pub every_sale: &'static str,
    /// `{amount}`.
    pub every_lead: &'static str,
    /// `{reward}`, `{condition}`.
    pub when: &'static str,
    /// `{amount}`.
    pub per_unit: &'static str,
    pub nothing: &'static str,
    /// `{reward}`.
    pub first_month: &'static str,
    /// `{reward}`, `{count}`.
    pub first_months: &'static str,
    pub and: &'static str,
    pub or: &'static str,
    /// `{condition}`.
    pub not: &'static str,
    /// The subjects a condition tests; `{key}` names a field.
    pub product: &'static str,
    pub price: &'static str,
    pub interval: &'static str,
    pub line_amount: &'static str,
    pub quantity: &'static str,
    pub coupon: &'static str,
    pub line_field: &'static str,
    pub sale_amount: &'static str,
    pub first_sale: &'static str,
    pub customer_month: &'static str,
    pub customer_country: &'static str,
    pub customer_field: &'static str,
    pub partner_country: &'static str,
    pub partner_tag: &'static str,
    pub partner_type: &'static str,
    pub partner_category: &'static str,
    pub sale_field: &'static str,
    /// The operators: `{subject}`, and `{value}` (one, or a list).
    pub eq: &'static str,
    pub ne: &'static str,
    pub one_of: &'static str,
    pub none_of: &'static str,
    pub over: &'static str,
    pub at_least: &'static str,
    pub under: &'static str,
    pub at_most: &'static str,
    pub starts_with: &'static str,
    pub ends_with: &'static str,
    pub contains: &'static str,
    pub given: &'static str,
    pub not_given: &'static str,
}

pub const EN: Words = Words {
    percent: "{number} %",
    described: "{description}: {rule}",
    month: "{count} month",
    months: "{count} months",
    every_payment: "{percent} of every payment",
    every_payment_for: "{percent} of every payment for {months}",
    new_customer: "{percent} of a new customer's payments in its first {months}",
    ltv_upgrade: "{percent} once your customers have paid {amount} in all",
    threshold_bonus: "a bonus of {bonus} once a customer has paid {amount}",
    customers_upgrade: "{percent} once you have brought {count} paying customers",
    first_customer_bonus: "a bonus of {bonus} for your first paying customer",
    every_sale: "{amount} for every sale",
    every_lead: "{amount} for every lead",
    when: "{reward} when {condition}",
    per_unit: "{amount} per unit",
    nothing: "nothing",
    first_month: "{reward} in the first month",
    first_months: "{reward} for the first {count} months",
    and: " and ",
    or: " or ",
    not: "not ({condition})",
    product: "the product",
    price: "the price",
    interval: "the plan's interval",
    line_amount: "the line's amount",
    quantity: "the quantity",
    coupon: "the line's coupon",
    line_field: "the line's {key}",
    sale_amount: "the sale's amount",
    first_sale: "the customer's first sale",
    customer_month: "the customer month",
    customer_country: "the customer's country",
    customer_field: "the customer's {key}",
    partner_country: "the partner's country",
    partner_tag: "a tag of the partner",
    partner_type: "the partner's type",
    partner_category: "a category of the partner",
    sale_field: "the sale's {key}",
    eq: "{subject} is {value}",
    ne: "{subject} is not {value}",
    one_of: "{subject} is one of {value}",
    none_of: "{subject} is none of {value}",
    over: "{subject} is over {value}",
    at_least: "{subject} is at least {value}",
    under: "{subject} is under {value}",
    at_most: "{subject} is at most {value}",
    starts_with: "{subject} starts with {value}",
    ends_with: "{subject} ends with {value}",
    contains: "{subject} contains {value}",
    given: "{subject} is given",
    not_given: "{subject} is not given",
};

pub const DE: Words = Words {
    percent: "{number}\u{a0}%",
    described: "{description}: {rule}",
    month: "{count} Monat",
    months: "{count} Monate",
    every_payment: "{percent} jeder Zahlung",
    every_payment_for: "{percent} jeder Zahlung für {months}",
    new_customer: "{percent} der Zahlungen eines neuen Kunden in seinen ersten {months}",
    ltv_upgrade: "{percent}, sobald Ihre Kunden insgesamt {amount} bezahlt haben",
    threshold_bonus: "ein Bonus von {bonus}, sobald ein Kunde {amount} bezahlt hat",
    customers_upgrade: "{percent}, sobald Sie {count} zahlende Kunden gewonnen haben",
    first_customer_bonus: "ein Bonus von {bonus} für Ihren ersten zahlenden Kunden",
    every_sale: "{amount} für jeden Verkauf",
    every_lead: "{amount} für jeden Lead",
    when: "{reward}, wenn {condition}",
    per_unit: "{amount} je Einheit",
    nothing: "nichts",
    first_month: "{reward} im ersten Monat",
    first_months: "{reward} in den ersten {count} Monaten",
    and: " und ",
    or: " oder ",
    not: "nicht ({condition})",
    product: "das Produkt",
    price: "der Preis",
    interval: "das Abrechnungsintervall des Tarifs",
    line_amount: "der Betrag der Position",
    quantity: "die Menge",
    coupon: "der Gutschein der Position",
    line_field: "{key} der Position",
    sale_amount: "der Betrag des Verkaufs",
    first_sale: "der erste Kauf des Kunden",
    customer_month: "der Kundenmonat",
    customer_country: "das Land des Kunden",
    customer_field: "{key} des Kunden",
    partner_country: "das Land des Partners",
    partner_tag: "ein Tag des Partners",
    partner_type: "die Art des Partners",
    partner_category: "eine Kategorie des Partners",
    sale_field: "{key} des Verkaufs",
    eq: "{subject} {value} ist",
    ne: "{subject} nicht {value} ist",
    one_of: "{subject} eines von {value} ist",
    none_of: "{subject} keines von {value} ist",
    over: "{subject} über {value} liegt",
    at_least: "{subject} mindestens {value} beträgt",
    under: "{subject} unter {value} liegt",
    at_most: "{subject} höchstens {value} beträgt",
    starts_with: "{subject} mit {value} beginnt",
    ends_with: "{subject} auf {value} endet",
    contains: "{subject} {value} enthält",
    given: "{subject} angegeben ist",
    not_given: "{subject} nicht angegeben ist",
};

pub const FR: Words = Words {
    percent: "{number}\u{202f}%",
    described: "{description} : {rule}",
    month: "{count} mois",
    months: "{count} mois",
    every_payment: "{percent} de chaque paiement",
    every_payment_for: "{percent} de chaque paiement pendant {months}",
    new_customer: "{percent} des paiements d'un nouveau client pendant ses {months} premiers",
    ltv_upgrade: "{percent} dès que vos clients ont payé {amount} au total",
    threshold_bonus: "une prime de {bonus} dès qu'un client a payé {amount}",
    customers_upgrade: "{percent} dès que vous avez apporté {count} clients payants",
    first_customer_bonus: "une prime de {bonus} pour votre premier client payant",
    every_sale: "{amount} par vente",
    every_lead: "{amount} par prospect",
    when: "{reward} si {condition}",
    per_unit: "{amount} par unité",
    nothing: "rien",
    first_month: "{reward} le premier mois",
    first_months: "{reward} pendant les {count} premiers mois",
    and: " et ",
    or: " ou ",
    not: "non ({condition})",
    product: "le produit",
    price: "le prix",
    interval: "la périodicité de l'abonnement",
    line_amount: "le montant de la ligne",
    quantity: "la quantité",
    coupon: "le coupon de la ligne",
    line_field: "le champ {key} de la ligne",
    sale_amount: "le montant de la vente",
    first_sale: "le premier achat du client",
    customer_month: "le mois du client",
    customer_country: "le pays du client",
    customer_field: "le champ {key} du client",
    partner_country: "le pays du partenaire",
    partner_tag: "une étiquette du partenaire",
    partner_type: "le type du partenaire",
    partner_category: "une catégorie du partenaire",
    sale_field: "le champ {key} de la vente",
    eq: "{subject} est {value}",
    ne: "{subject} n'est pas {value}",
    one_of: "{subject} est l'un de {value}",
    none_of: "{subject} n'est aucun de {value}",
    over: "{subject} dépasse {value}",
    at_least: "{subject} est d'au moins {value}",
    under: "{subject} est inférieur à {value}",
    at_most: "{subject} est d'au plus {value}",
    starts_with: "{subject} commence par {value}",
    ends_with: "{subject} se termine par {value}",
    contains: "{subject} contient {value}",
    given: "{subject} est renseigné",
    not_given: "{subject} n'est pas renseigné",
};

pub const ES: Words = Words {
    percent: "{number}\u{a0}%",
    described: "{description}: {rule}",
    month: "{count} mes",
    months: "{count} meses",
    every_payment: "{percent} de cada pago",
    every_payment_for: "{percent} de cada pago durante {months}",
    new_customer: "{percent} de los pagos de un cliente nuevo en sus primeros {months}",
    ltv_upgrade: "{percent} cuando sus clientes hayan pagado {amount} en total",
    threshold_bonus: "una bonificación de {bonus} cuando un cliente haya pagado {amount}",
    customers_upgrade: "{percent} cuando haya aportado {count} clientes de pago",
    first_customer_bonus: "una bonificación de {bonus} por su primer cliente de pago",
    every_sale: "{amount} por cada venta",
    every_lead: "{amount} por cada contacto",
    when: "{reward} cuando {condition}",
    per_unit: "{amount} por unidad",
    nothing: "nada",
    first_month: "{reward} el primer mes",
    first_months: "{reward} durante los primeros {count} meses",
    and: " y ",
    or: " o ",
    not: "no ({condition})",
    product: "el producto",
    price: "el precio",
    interval: "la periodicidad del plan",
    line_amount: "el importe de la línea",
    quantity: "la cantidad",
    coupon: "el cupón de la línea",
    line_field: "el campo {key} de la línea",
    sale_amount: "el importe de la venta",
    first_sale: "la primera compra del cliente",
    customer_month: "el mes del cliente",
    customer_country: "el país del cliente",
    customer_field: "el campo {key} del cliente",
    partner_country: "el país del socio",
    partner_tag: "una etiqueta del socio",
    partner_type: "el tipo de socio",
    partner_category: "una categoría del socio",
    sale_field: "el campo {key} de la venta",
    eq: "{subject} es {value}",
    ne: "{subject} no es {value}",
    one_of: "{subject} es uno de {value}",
    none_of: "{subject} no es ninguno de {value}",
    over: "{subject} supera {value}",
    at_least: "{subject} es al menos {value}",
    under: "{subject} es inferior a {value}",
    at_most: "{subject} es como máximo {value}",
    starts_with: "{subject} empieza por {value}",
    ends_with: "{subject} termina en {value}",
    contains: "{subject} contiene {value}",
    given: "{subject} está indicado",
    not_given: "{subject} no está indicado",
};

pub const IT: Words = Words {
    percent: "{number}%",
    described: "{description}: {rule}",
    month: "{count} mese",
    months: "{count} mesi",
    every_payment: "{percent} di ogni pagamento",
    every_payment_for: "{percent} di ogni pagamento per {months}",
    new_customer: "{percent} dei pagamenti di un nuovo cliente nei suoi primi {months}",
    ltv_upgrade: "{percent} quando i Suoi clienti hanno pagato {amount} in totale",
    threshold_bonus: "un bonus di {bonus} quando un cliente ha pagato {amount}",
    customers_upgrade: "{percent} quando ha portato {count} clienti paganti",
    first_customer_bonus: "un bonus di {bonus} per il Suo primo cliente pagante",
    every_sale: "{amount} per ogni vendita",
    every_lead: "{amount} per ogni contatto",
    when: "{reward} quando {condition}",
    per_unit: "{amount} per unità",
    nothing: "niente",
    first_month: "{reward} nel primo mese",
    first_months: "{reward} per i primi {count} mesi",
    and: " e ",
    or: " o ",
    not: "non ({condition})",
    product: "il prodotto",
    price: "il prezzo",
    interval: "la periodicità del piano",
    line_amount: "l'importo della riga",
    quantity: "la quantità",
    coupon: "il coupon della riga",
    line_field: "il campo {key} della riga",
    sale_amount: "l'importo della vendita",
    first_sale: "il primo acquisto del cliente",
    customer_month: "il mese del cliente",
    customer_country: "il paese del cliente",
    customer_field: "il campo {key} del cliente",
    partner_country: "il paese del partner",
    partner_tag: "un tag del partner",
    partner_type: "il tipo di partner",
    partner_category: "una categoria del partner",
    sale_field: "il campo {key} della vendita",
    eq: "{subject} è {value}",
    ne: "{subject} non è {value}",
    one_of: "{subject} è uno tra {value}",
    none_of: "{subject} non è nessuno tra {value}",
    over: "{subject} supera {value}",
    at_least: "{subject} è almeno {value}",
    under: "{subject} è inferiore a {value}",
    at_most: "{subject} è al massimo {value}",
    starts_with: "{subject} inizia con {value}",
    ends_with: "{subject} termina con {value}",
    contains: "{subject} contiene {value}",
    given: "{subject} è indicato",
    not_given: "{subject} non è indicato",
};

pub const NL: Words = Words {
    percent: "{number}%",
    described: "{description}: {rule}",
    month: "{count} maand",
    months: "{count} maanden",
    every_payment: "{percent} van elke betaling",
    every_payment_for: "{percent} van elke betaling gedurende {months}",
    new_customer: "{percent} van de betalingen van een nieuwe klant in de eerste {months}",
    ltv_upgrade: "{percent} zodra uw klanten in totaal {amount} hebben betaald",
    threshold_bonus: "een bonus van {bonus} zodra een klant {amount} heeft betaald",
    customers_upgrade: "{percent} zodra u {count} betalende klanten hebt aangebracht",
    first_customer_bonus: "een bonus van {bonus} voor uw eerste betalende klant",
    every_sale: "{amount} voor elke verkoop",
    every_lead: "{amount} voor elke lead",
    when: "{reward} als {condition}",
    per_unit: "{amount} per stuk",
    nothing: "niets",
    first_month: "{reward} in de eerste maand",
    first_months: "{reward} in de eerste {count} maanden",
    and: " en ",
    or: " of ",
    not: "niet ({condition})",
    product: "het product",
    price: "de prijs",
    interval: "de looptijd van het abonnement",
    line_amount: "het bedrag van de regel",
    quantity: "de hoeveelheid",
    coupon: "de kortingscode van de regel",
    line_field: "het veld {key} van de regel",
    sale_amount: "het bedrag van de verkoop",
    first_sale: "de eerste aankoop van de klant",
    customer_month: "de klantmaand",
    customer_country: "het land van de klant",
    customer_field: "het veld {key} van de klant",
    partner_country: "het land van de partner",
    partner_tag: "een tag van de partner",
    partner_type: "het type partner",
    partner_category: "een categorie van de partner",
    sale_field: "het veld {key} van de verkoop",
    eq: "{subject} {value} is",
    ne: "{subject} niet {value} is",
    one_of: "{subject} een van {value} is",
    none_of: "{subject} geen van {value} is",
    over: "{subject} boven {value} ligt",
    at_least: "{subject} minstens {value} is",
    under: "{subject} onder {value} ligt",
    at_most: "{subject} hoogstens {value} is",
    starts_with: "{subject} met {value} begint",
    ends_with: "{subject} op {value} eindigt",
    contains: "{subject} {value} bevat",
    given: "{subject} is opgegeven",
    not_given: "{subject} niet is opgegeven",
};

/// Every language's table, by code.
pub const ALL: &[(&str, &Words)] = &[
    ("en", &EN),
    ("de", &DE),
    ("fr", &FR),
    ("es", &ES),
    ("it", &IT),
    ("nl", &NL),
];

/// A language's table; English for one not built in.
pub fn of(language: &str) -> &'static Words {
    ALL.iter()
        .find(|(code, _)| *code == language)
        .map_or(&EN, |(_, words)| words)
}

/// The terms in `language`, one sentence a rule, amounts in `currency`:
/// a rule's description (in the translation its author gave for the
/// language, else as written) before the rule itself.
pub fn in_words(rules: &RuleSet, language: &str, currency: &str) -> Vec<String> {
    let said = Said {
        words: of(language),
        language,
        currency,
    };
    rules
        .entries()
        .iter()
        .map(|entry| {
            let rule = said.rule(&entry.rule);
            let description = entry
                .description_translations
                .iter()
                .find(|t| t.language == language)
                .map(|t| t.text.clone())
                .or_else(|| entry.description.clone());
            match description.as_deref().map(str::trim) {
                Some(text) if !text.is_empty() => fill(
                    said.words.described,
                    &[("description", text), ("rule", &rule)],
                ),
                _ => rule,
            }
        })
        .collect()
}

/// What the rules are said with.
struct Said<'a> {
    words: &'static Words,
    language: &'a str,
    currency: &'a str,
}

impl Said<'_> {
    fn percent(&self, value: Decimal) -> String {
        fill(
            self.words.percent,
            &[("number", &formats::number(self.language, value))],
        )
    }

    fn money(&self, amount: Decimal) -> String {
        match self.currency {
            "" => formats::number(self.language, amount),
            code => formats::money(self.language, amount, code),
        }
    }

    fn months(&self, count: u32) -> String {
        let form = match formats::plural(self.language, u64::from(count)) {
            PluralCategory::One => self.words.month,
            _ => self.words.months,
        };
        fill(form, &[("count", &count.to_string())])
    }

    fn rule(&self, rule: &Rule) -> String {
        let w = self.words;
        match rule {
            Rule::Recurring {
                percentage,
                max_months: None,
            } => fill(w.every_payment, &[("percent", &self.percent(*percentage))]),
            Rule::Recurring {
                percentage,
                max_months: Some(n),
            } => fill(
                w.every_payment_for,
                &[
                    ("percent", &self.percent(*percentage)),
                    ("months", &self.months(*n)),
                ],
            ),
            Rule::NewCustomerTimeTier {
                max_months,
                percentage,
            } => fill(
                w.new_customer,
                &[
                    ("percent", &self.percent(*percentage)),
                    ("months", &self.months(*max_months)),
                ],
            ),
            Rule::PartnerLtvUpgrade {
                min_ltv_total,
                upgrade_percentage,
            } => fill(
                w.ltv_upgrade,
                &[
                    ("percent", &self.percent(*upgrade_percentage)),
                    ("amount", &self.money(*min_ltv_total)),
                ],
            ),
            Rule::ChargeThresholdBonus {
                min_charge_total,
                bonus,
            } => fill(
                w.threshold_bonus,
                &[
                    ("bonus", &self.money(*bonus)),
                    ("amount", &self.money(*min_charge_total)),
                ],
            ),
            Rule::QualifiedCustomersUpgrade {
                min_customers,
                upgrade_percentage,
            } => fill(
                w.customers_upgrade,
                &[
                    ("percent", &self.percent(*upgrade_percentage)),
                    ("count", &min_customers.to_string()),
                ],
            ),
            Rule::FirstPaidCustomerBonus { bonus } => {
                fill(w.first_customer_bonus, &[("bonus", &self.money(*bonus))])
            }
            Rule::FlatFee {
                amount,
                event_kind: crate::engine::EventKind::Sale,
            } => fill(w.every_sale, &[("amount", &self.money(*amount))]),
            Rule::FlatFee {
                amount,
                event_kind: crate::engine::EventKind::Lead,
            } => fill(w.every_lead, &[("amount", &self.money(*amount))]),
            Rule::Conditional { when, then } => fill(
                w.when,
                &[
                    ("reward", &self.reward(then)),
                    ("condition", &self.condition(when)),
                ],
            ),
        }
    }

    fn reward(&self, reward: &Reward) -> String {
        let w = self.words;
        let base = match &reward.outcome {
            Outcome::Percentage(p) => self.percent(*p),
            Outcome::Amount {
                amount,
                per_unit: true,
            } => fill(w.per_unit, &[("amount", &self.money(*amount))]),
            Outcome::Amount { amount, .. } => self.money(*amount),
            Outcome::Nothing => return w.nothing.to_owned(),
        };
        match reward.max_months {
            Some(1) => fill(w.first_month, &[("reward", &base)]),
            Some(n) => fill(
                w.first_months,
                &[("reward", &base), ("count", &n.to_string())],
            ),
            None => base,
        }
    }

    fn condition(&self, condition: &Condition) -> String {
        let w = self.words;
        let joined = |parts: &[Condition], with: &str| {
            parts
                .iter()
                .map(|part| match part {
                    Condition::All(more) | Condition::Any(more) if more.len() > 1 => {
                        format!("({})", self.condition(part))
                    }
                    _ => self.condition(part),
                })
                .collect::<Vec<_>>()
                .join(with)
        };
        match condition {
            Condition::All(parts) => joined(parts, w.and),
            Condition::Any(parts) => joined(parts, w.or),
            Condition::Not(inner) => fill(w.not, &[("condition", &self.condition(inner))]),
            Condition::Test(test) => self.test(test),
        }
    }

    fn subject(&self, subject: Subject, key: &str) -> String {
        let w = self.words;
        let text = match subject {
            Subject::LineProduct => w.product,
            Subject::LinePrice => w.price,
            Subject::LineInterval => w.interval,
            Subject::LineAmount => w.line_amount,
            Subject::LineQuantity => w.quantity,
            Subject::LineCoupon => w.coupon,
            Subject::LineMetadata => w.line_field,
            Subject::SaleAmount => w.sale_amount,
            Subject::SaleIsFirst => w.first_sale,
            Subject::CustomerMonth => w.customer_month,
            Subject::CustomerCountry => w.customer_country,
            Subject::CustomerAttribute => w.customer_field,
            Subject::PartnerCountry => w.partner_country,
            Subject::PartnerTag => w.partner_tag,
            Subject::PartnerType => w.partner_type,
            Subject::PartnerCategory => w.partner_category,
            Subject::EventMetadata => w.sale_field,
        };
        fill(text, &[("key", key)])
    }

    fn test(&self, test: &Test) -> String {
        let w = self.words;
        let subject = self.subject(test.subject, test.key.as_deref().unwrap_or_default());
        let value = match test.operator {
            Operator::In | Operator::NotIn => test.values.as_deref().unwrap_or_default().join(", "),
            _ => test.value.clone().unwrap_or_default(),
        };
        let template = match test.operator {
            Operator::Eq => w.eq,
            Operator::Ne => w.ne,
            Operator::In => w.one_of,
            Operator::NotIn => w.none_of,
            Operator::Gt => w.over,
            Operator::Gte => w.at_least,
            Operator::Lt => w.under,
            Operator::Lte => w.at_most,
            Operator::StartsWith => w.starts_with,
            Operator::EndsWith => w.ends_with,
            Operator::Contains => w.contains,
            Operator::Exists => w.given,
            Operator::NotExists => w.not_given,
        };
        fill(template, &[("subject", &subject), ("value", &value)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(json: &str) -> RuleSet {
        crate::engine::decode_rules(&serde_json::from_str(json).expect("json")).expect("rules")
    }

    const GOLD: &str = r#"[
        {"type": "conditional", "description": "Setup fee",
         "when": {"test": {"subject": "LINE_PRODUCT", "operator": "IN", "values": ["prod_setup"]}},
         "then": {"outcome": "nothing"}},
        {"type": "conditional", "description": "Gold partners",
         "description_translations": [{"language": "fr", "text": "Partenaires or"}],
         "when": {"test": {"subject": "PARTNER_TAG", "operator": "EQ", "value": "gold"}},
         "then": {"outcome": {"percentage": "40"}}},
        {"type": "recurring", "percentage": "30"}
    ]"#;

    #[test]
    fn terms_say_every_figure_and_condition_in_the_language() {
        let set = rules(GOLD);
        assert_eq!(
            in_words(&set, "en", "EUR"),
            [
                "Setup fee: nothing when the product is one of prod_setup",
                "Gold partners: 40 % when a tag of the partner is gold",
                "30 % of every payment",
            ]
        );
        assert_eq!(
            in_words(&set, "de", "EUR"),
            [
                "Setup fee: nichts, wenn das Produkt eines von prod_setup ist",
                "Gold partners: 40\u{a0}%, wenn ein Tag des Partners gold ist",
                "30\u{a0}% jeder Zahlung",
            ]
        );
        assert_eq!(
            in_words(&set, "fr", "EUR")[1],
            "Partenaires or : 40\u{202f}% si une étiquette du partenaire est gold"
        );
    }

    #[test]
    fn amounts_and_months_take_the_language_s_forms() {
        let set = rules(
            r#"[{"type": "recurring", "percentage": "12.5", "max_months": 1},
                {"type": "charge_threshold_bonus", "min_charge_total": "1000", "bonus": "50"}]"#,
        );
        assert_eq!(
            in_words(&set, "de", "EUR"),
            [
                "12,5\u{a0}% jeder Zahlung für 1 Monat",
                "ein Bonus von 50,00\u{a0}€, sobald ein Kunde 1.000,00\u{a0}€ bezahlt hat",
            ]
        );
        assert_eq!(
            in_words(&set, "en", "USD")[1],
            "a bonus of $50.00 once a customer has paid $1,000.00"
        );
    }

    #[test]
    fn every_language_fills_the_placeholders_english_does() {
        fn texts(w: &Words) -> Vec<&'static str> {
            vec![
                w.percent,
                w.described,
                w.month,
                w.months,
                w.every_payment,
                w.every_payment_for,
                w.new_customer,
                w.ltv_upgrade,
                w.threshold_bonus,
                w.customers_upgrade,
                w.first_customer_bonus,
                w.every_sale,
                w.every_lead,
                w.when,
                w.per_unit,
                w.nothing,
                w.first_month,
                w.first_months,
                w.and,
                w.or,
                w.not,
                w.product,
                w.price,
                w.interval,
                w.line_amount,
                w.quantity,
                w.coupon,
                w.line_field,
                w.sale_amount,
                w.first_sale,
                w.customer_month,
                w.customer_country,
                w.customer_field,
                w.partner_country,
                w.partner_tag,
                w.partner_type,
                w.partner_category,
                w.sale_field,
                w.eq,
                w.ne,
                w.one_of,
                w.none_of,
                w.over,
                w.at_least,
                w.under,
                w.at_most,
                w.starts_with,
                w.ends_with,
                w.contains,
                w.given,
                w.not_given,
            ]
        }
        let english = texts(&EN);
        for (code, words) in ALL {
            for (i, text) in texts(words).iter().enumerate() {
                assert_eq!(
                    crate::languages::placeholders(text),
                    crate::languages::placeholders(english[i]),
                    "{code}: {text}"
                );
                assert!(
                    !text.trim().is_empty() || english[i].trim().is_empty(),
                    "{code}"
                );
            }
        }
    }
}
