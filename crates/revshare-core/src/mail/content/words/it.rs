//! What the e-mails to partners and applicants say in Italian.

pub const IT: super::Words = super::Words {
    hello: "Gentile {name},",
    questions: "Domande? Scriva a {address}",
    questions_short: "Domande?",
    stop: "Non ricevere più queste e-mail",

    confirm_subject: "Confermi la Sua candidatura a {program}",
    confirm_body: "Grazie per la Sua candidatura a {campaign}. Confermi che questo indirizzo è \
                   Suo e la Sua candidatura sarà inoltrata al team di {program}.",
    confirm_action: "Conferma la mia candidatura",
    confirm_ignore: "Se non ha inviato alcuna candidatura, ignori questa e-mail: senza il Suo \
                     clic non succede nulla.",
    application_subject: "La Sua candidatura a {program}",
    application_open: "Abbiamo ricevuto un'altra candidatura a {campaign} da questo indirizzo. \
                       Quella che ha inviato in precedenza è ancora aperta: non deve fare altro, \
                       e Le scriveremo quando sarà stata presa una decisione.",
    partner_not_active: "Abbiamo ricevuto una candidatura da questo indirizzo, che appartiene già \
                         a un partner di {program}, e tale collaborazione al momento non è \
                         attiva. Non abbiamo aperto una nuova candidatura: per riprendere la \
                         collaborazione, risponda a questa e-mail o scriva al team di {program}.",
    already_subject: "È già partner di {program}",
    already_body: "Abbiamo ricevuto una candidatura da questo indirizzo, che appartiene già a un \
                   partner di {program}. Acceda invece al Suo portale (il link funziona una sola \
                   volta, per {minutes} minuti):",
    sign_in_to_portal: "Accedi al portale",
    sign_in_subject: "Accesso a {program}",
    sign_in_body: "Ecco il Suo link di accesso. Funziona una sola volta, entro {minutes} minuti.",
    sign_in_action: "Accedi",
    sign_in_ignore: "Se non ha richiesto di accedere, ignori questa e-mail: nessuno può accedere \
                     senza il link.",
    welcome_subject: "Le diamo il benvenuto in {program}",
    approved_body: "La Sua candidatura a {campaign} è stata approvata. Nel Suo portale trova i \
                    Suoi link di affiliazione, le Sue provvigioni e i Suoi pagamenti. Questo link \
                    Le consente di accedere una sola volta, entro {minutes} minuti; in seguito, \
                    ne richieda uno nuovo nella pagina di accesso del portale.",
    open_portal: "Apri il mio portale",
    rejected_body: "Grazie per il Suo interesse per {campaign}. Purtroppo non possiamo accettare \
                    la Sua candidatura.",
    reason: "Motivo",

    earned_subject: "Ha guadagnato {amount}",
    commission: "Provvigione",
    campaign: "Campagna",
    see_it: "Visualizza nel portale",
    earned_several_one: "Ha guadagnato {count} provvigione: {total}",
    earned_several_other: "Ha guadagnato {count} provvigioni: {total}",
    commissions: "Provvigioni",
    earned: "Totale guadagnato",
    see_them: "Visualizza nel portale",
    digest_subject: "Le Sue provvigioni del {day}: {total}",

    bounty_approved: "{program} ha approvato la Sua partecipazione al premio «{bounty}»: Le ha \
                      fruttato {amount}, che riceverà con le Sue provvigioni non appena l'importo \
                      sarà maturato.",
    bounty_rejected: "{program} non ha approvato la Sua partecipazione al premio «{bounty}»: \
                      {reason}.",
    bounty_decided: "{program} ha preso una decisione sulla Sua partecipazione al premio \
                     «{bounty}».",
    open_bounties: "Apri i miei premi",
    bounty_approved_subject: "La Sua partecipazione a un premio di {program} è stata approvata",
    bounty_rejected_subject: "La Sua partecipazione a un premio di {program} non è stata \
                              approvata",

    paid_subject: "{program} Le ha versato {amount}",
    amount: "Importo",
    paid_to: "Accreditato su",
    statement: "Estratto",
    invoice: "Autofattura",
    invoice_attached: "{program} ha emesso in Suo nome e per Suo conto l'autofattura {invoice} \
                       relativa a questo pagamento: è allegata in PDF e come fattura elettronica \
                       (UBL XML) per la Sua contabilità. Se non è corretta, può contestarla nel \
                       Suo portale.",
    download_statement: "Scarica l'estratto (PDF)",
    open_payout: "Visualizza il pagamento nel portale",

    tax_form: "il Suo modulo fiscale Form 1099-NEC per il {year}",
    tax_form_corrected: "un modulo fiscale Form 1099-NEC rettificato per il {year}",
    tax_form_body: "{program} ha emesso {form}: quanto Le ha pagato in quell'anno, come \
                    dichiarato all'IRS. Ha accettato di riceverlo in formato elettronico; è \
                    disponibile nel Suo portale, da scaricare in PDF.",
    open_tax_forms: "Apri i miei moduli fiscali",
    tax_form_paper: "Il modulo resterà lì, così potrà scaricarlo di nuovo. Per ricevere invece i \
                     Suoi moduli in formato cartaceo, revochi il Suo consenso nella sezione \
                     fiscale del portale.",
    w8_subject: "Il Suo modulo W-8 per {program} scade il {day}",
    w8_body: "Il modulo W-8 che ha fornito a {program} è valido fino al {day}. Dopo tale data non \
              è più valido, e i pagamenti che richiedono un modulo fiscale valido restano in \
              attesa finché il programma non ne approva uno nuovo. Firmi e invii un nuovo W-8 \
              prima di tale data.",
    w8_action: "Invia un nuovo W-8",

    message_subject: "Un messaggio da {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} Le ha scritto:",
    reply: "Rispondi nel portale",
    wrote_today_one: "{program} Le ha scritto oggi:",
    wrote_today_other: "{program} Le ha scritto {count} volte oggi:",
    messages_one: "Un messaggio da {program}",
    messages_other: "{count} messaggi da {program}",
    read_and_reply: "Leggi e rispondi nel portale",
};
