//! What the join page says, in each language revshare writes in (SPEC
//! §38): the page, its form, and what its script says as the form is sent
//! and the address confirmed (handed to it in the form's `data-*`).
//!
//! One table a language, each a [`Words`] with every field given: a
//! language missing a text does not build, and a unit test holds each
//! text to the placeholders the English one has.

/// Every text of the join page, in one language.
#[derive(Debug)]
pub struct Words {
    pub not_found: &'static str,
    pub missing: &'static str,
    pub missing_why: &'static str,
    pub default_terms: &'static str,
    /// `{days}`: the plural forms `one` and `other`.
    pub holdback_one: &'static str,
    pub holdback_other: &'static str,
    /// `{campaign}`; `{campaign}`, `{program}`.
    pub join: &'static str,
    pub title: &'static str,
    pub what_you_earn: &'static str,
    pub apply: &'static str,
    pub your_name: &'static str,
    pub email: &'static str,
    pub website: &'static str,
    pub country: &'static str,
    pub leave_empty: &'static str,
    pub already: &'static str,
    pub sign_in: &'static str,
    pub language: &'static str,
    pub sending: &'static str,
    pub check_inbox: &'static str,
    /// `{email}`.
    pub sent: &'static str,
    /// `{message}`: an error the server gave, in English.
    pub correct: &'static str,
    pub confirming: &'static str,
    /// `{message}`.
    pub confirm_refused: &'static str,
    pub confirmed_approved: &'static str,
    pub confirmed: &'static str,
    pub unreachable: &'static str,
    pub unexpected: &'static str,
}

pub const EN: Words = Words {
    not_found: "Not found",
    missing: "This page does not exist",
    missing_why: "The program may have closed this campaign to applications.",
    default_terms: "Commissions as the program sets them for new partners.",
    holdback_one: "A commission is approved {days} day after it is earned.",
    holdback_other: "A commission is approved {days} days after it is earned.",
    join: "Join {campaign}",
    title: "Join {campaign} · {program}",
    what_you_earn: "What you earn",
    apply: "Apply",
    your_name: "Your name",
    email: "E-mail address",
    website: "Website (optional)",
    country: "Country (optional, two letters: DE, US)",
    leave_empty: "Leave this field empty",
    already: "Already a partner?",
    sign_in: "Sign in by e-mail",
    language: "Language",
    sending: "Sending…",
    check_inbox: "Check your inbox",
    sent: "We sent a link to {email}. Follow it to confirm your address, and your application \
           goes to the team.",
    correct: "Please correct: {message}",
    confirming: "Confirming your address…",
    confirm_refused: "{message} You can apply again below.",
    confirmed_approved: "Your address is confirmed and your application approved: we sent you \
                         a link to your portal.",
    confirmed: "Your address is confirmed. The team will look at your application and write to \
                you.",
    unreachable: "The server cannot be reached. Check your connection and try again.",
    unexpected: "The server answered something unexpected.",
};

pub const DE: Words = Words {
    not_found: "Nicht gefunden",
    missing: "Diese Seite gibt es nicht",
    missing_why: "Das Programm nimmt für diese Kampagne womöglich keine Bewerbungen mehr an.",
    default_terms: "Provisionen, wie das Programm sie für neue Partner festlegt.",
    holdback_one: "Eine Provision wird {days} Tag nach ihrer Entstehung freigegeben.",
    holdback_other: "Eine Provision wird {days} Tage nach ihrer Entstehung freigegeben.",
    join: "{campaign} beitreten",
    title: "{campaign} beitreten · {program}",
    what_you_earn: "Was Sie verdienen",
    apply: "Bewerben",
    your_name: "Ihr Name",
    email: "E-Mail-Adresse",
    website: "Website (optional)",
    country: "Land (optional, zwei Buchstaben: DE, AT)",
    leave_empty: "Dieses Feld leer lassen",
    already: "Schon Partner?",
    sign_in: "Per E-Mail anmelden",
    language: "Sprache",
    sending: "Wird gesendet …",
    check_inbox: "Sehen Sie in Ihr Postfach",
    sent: "Wir haben einen Link an {email} gesendet. Bestätigen Sie damit Ihre Adresse, dann \
           geht Ihre Bewerbung an das Team.",
    correct: "Bitte korrigieren: {message}",
    confirming: "Ihre Adresse wird bestätigt …",
    confirm_refused: "{message} Sie können sich unten erneut bewerben.",
    confirmed_approved: "Ihre Adresse ist bestätigt und Ihre Bewerbung angenommen: Wir haben \
                         Ihnen einen Link zu Ihrem Portal gesendet.",
    confirmed: "Ihre Adresse ist bestätigt. Das Team prüft Ihre Bewerbung und meldet sich bei \
                Ihnen.",
    unreachable: "Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie \
                  es erneut.",
    unexpected: "Der Server hat unerwartet geantwortet.",
};

pub const FR: Words = Words {
    not_found: "Introuvable",
    missing: "Cette page n'existe pas",
    missing_why: "Le programme a peut-être fermé cette campagne aux candidatures.",
    default_terms: "Des commissions telles que le programme les fixe pour les nouveaux \
                    partenaires.",
    holdback_one: "Une commission est validée {days} jour après avoir été gagnée.",
    holdback_other: "Une commission est validée {days} jours après avoir été gagnée.",
    join: "Rejoindre {campaign}",
    title: "Rejoindre {campaign} · {program}",
    what_you_earn: "Ce que vous gagnez",
    apply: "Postuler",
    your_name: "Votre nom",
    email: "Adresse e-mail",
    website: "Site web (facultatif)",
    country: "Pays (facultatif, deux lettres : FR, BE)",
    leave_empty: "Laissez ce champ vide",
    already: "Déjà partenaire ?",
    sign_in: "Se connecter par e-mail",
    language: "Langue",
    sending: "Envoi…",
    check_inbox: "Consultez votre boîte de réception",
    sent: "Nous avons envoyé un lien à {email}. Suivez-le pour confirmer votre adresse, et votre \
           candidature part à l'équipe.",
    correct: "Veuillez corriger : {message}",
    confirming: "Confirmation de votre adresse…",
    confirm_refused: "{message} Vous pouvez postuler à nouveau ci-dessous.",
    confirmed_approved: "Votre adresse est confirmée et votre candidature acceptée : nous vous \
                         avons envoyé un lien vers votre portail.",
    confirmed: "Votre adresse est confirmée. L'équipe examinera votre candidature et vous \
                écrira.",
    unreachable: "Le serveur est injoignable. Vérifiez votre connexion et réessayez.",
    unexpected: "Le serveur a répondu de façon inattendue.",
};

pub const ES: Words = Words {
    not_found: "No encontrado",
    missing: "Esta página no existe",
    missing_why: "Puede que el programa haya cerrado esta campaña a nuevas solicitudes.",
    default_terms: "Comisiones según las fije el programa para los nuevos socios.",
    holdback_one: "Una comisión se aprueba {days} día después de generarse.",
    holdback_other: "Una comisión se aprueba {days} días después de generarse.",
    join: "Unirse a {campaign}",
    title: "Unirse a {campaign} · {program}",
    what_you_earn: "Lo que gana",
    apply: "Solicitar",
    your_name: "Su nombre",
    email: "Correo electrónico",
    website: "Sitio web (opcional)",
    country: "País (opcional, dos letras: ES, MX)",
    leave_empty: "Deje este campo vacío",
    already: "¿Ya es socio?",
    sign_in: "Iniciar sesión por correo",
    language: "Idioma",
    sending: "Enviando…",
    check_inbox: "Revise su bandeja de entrada",
    sent: "Hemos enviado un enlace a {email}. Sígalo para confirmar su dirección y su solicitud \
           llegará al equipo.",
    correct: "Corrija lo siguiente: {message}",
    confirming: "Confirmando su dirección…",
    confirm_refused: "{message} Puede volver a solicitarlo abajo.",
    confirmed_approved: "Su dirección está confirmada y su solicitud aprobada: le hemos enviado \
                         un enlace a su portal.",
    confirmed: "Su dirección está confirmada. El equipo revisará su solicitud y le escribirá.",
    unreachable: "No se puede conectar con el servidor. Compruebe su conexión e inténtelo de \
                  nuevo.",
    unexpected: "El servidor respondió algo inesperado.",
};

pub const IT: Words = Words {
    not_found: "Non trovata",
    missing: "Questa pagina non esiste",
    missing_why: "Il programma potrebbe aver chiuso questa campagna alle candidature.",
    default_terms: "Commissioni come il programma le stabilisce per i nuovi partner.",
    holdback_one: "Una commissione viene approvata {days} giorno dopo essere stata maturata.",
    holdback_other: "Una commissione viene approvata {days} giorni dopo essere stata maturata.",
    join: "Partecipa a {campaign}",
    title: "Partecipa a {campaign} · {program}",
    what_you_earn: "Quanto guadagna",
    apply: "Candidati",
    your_name: "Il Suo nome",
    email: "Indirizzo e-mail",
    website: "Sito web (facoltativo)",
    country: "Paese (facoltativo, due lettere: IT, CH)",
    leave_empty: "Lasci vuoto questo campo",
    already: "È già partner?",
    sign_in: "Accedi via e-mail",
    language: "Lingua",
    sending: "Invio in corso…",
    check_inbox: "Controlli la Sua casella di posta",
    sent: "Abbiamo inviato un link a {email}. Lo segua per confermare il Suo indirizzo e la Sua \
           candidatura arriverà al team.",
    correct: "Correggere: {message}",
    confirming: "Conferma del Suo indirizzo…",
    confirm_refused: "{message} Può candidarsi di nuovo qui sotto.",
    confirmed_approved: "Il Suo indirizzo è confermato e la Sua candidatura approvata: Le \
                         abbiamo inviato un link al Suo portale.",
    confirmed: "Il Suo indirizzo è confermato. Il team esaminerà la Sua candidatura e Le \
                scriverà.",
    unreachable: "Il server non è raggiungibile. Controlli la connessione e riprovi.",
    unexpected: "Il server ha risposto in modo inatteso.",
};

pub const NL: Words = Words {
    not_found: "Niet gevonden",
    missing: "Deze pagina bestaat niet",
    missing_why: "Het programma neemt voor deze campagne misschien geen aanmeldingen meer aan.",
    default_terms: "Commissies zoals het programma die voor nieuwe partners vaststelt.",
    holdback_one: "Een commissie wordt {days} dag nadat ze is verdiend goedgekeurd.",
    holdback_other: "Een commissie wordt {days} dagen nadat ze is verdiend goedgekeurd.",
    join: "Doe mee met {campaign}",
    title: "Doe mee met {campaign} · {program}",
    what_you_earn: "Wat u verdient",
    apply: "Aanmelden",
    your_name: "Uw naam",
    email: "E-mailadres",
    website: "Website (optioneel)",
    country: "Land (optioneel, twee letters: NL, BE)",
    leave_empty: "Laat dit veld leeg",
    already: "Al partner?",
    sign_in: "Inloggen via e-mail",
    language: "Taal",
    sending: "Bezig met verzenden…",
    check_inbox: "Kijk in uw inbox",
    sent: "We hebben een link naar {email} gestuurd. Volg die om uw adres te bevestigen, dan gaat \
           uw aanmelding naar het team.",
    correct: "Corrigeer: {message}",
    confirming: "Uw adres wordt bevestigd…",
    confirm_refused: "{message} U kunt zich hieronder opnieuw aanmelden.",
    confirmed_approved: "Uw adres is bevestigd en uw aanmelding goedgekeurd: we hebben u een link \
                         naar uw portaal gestuurd.",
    confirmed: "Uw adres is bevestigd. Het team bekijkt uw aanmelding en neemt contact met u op.",
    unreachable: "De server is niet bereikbaar. Controleer uw verbinding en probeer het opnieuw.",
    unexpected: "De server gaf een onverwacht antwoord.",
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

#[cfg(test)]
mod tests {
    use super::{ALL, EN, Words};
    use revshare_core::languages::placeholders;

    macro_rules! texts {
        ($words:expr; $($field:ident),* $(,)?) => {
            vec![$((stringify!($field), $words.$field)),*]
        };
    }

    fn texts(w: &Words) -> Vec<(&'static str, &'static str)> {
        texts!(w; not_found, missing, missing_why, default_terms, holdback_one,
            holdback_other, join, title, what_you_earn, apply, your_name, email, website,
            country, leave_empty, already, sign_in, language, sending, check_inbox, sent,
            correct, confirming, confirm_refused, confirmed_approved, confirmed, unreachable,
            unexpected)
    }

    #[test]
    fn every_language_fills_the_placeholders_english_does() {
        let english = texts(&EN);
        for (code, words) in ALL {
            for (i, (field, text)) in texts(words).into_iter().enumerate() {
                assert!(!text.trim().is_empty(), "{code}.{field}");
                assert_eq!(
                    placeholders(text),
                    placeholders(english[i].1),
                    "{code}.{field}"
                );
            }
        }
    }
}
