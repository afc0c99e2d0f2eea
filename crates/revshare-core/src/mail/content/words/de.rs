//! What the e-mails to partners and applicants say in German.

pub const DE: super::Words = super::Words {
    hello: "Guten Tag {name},",
    questions: "Fragen? Schreiben Sie an {address}",
    questions_short: "Fragen?",
    stop: "Diese E-Mails abbestellen",

    confirm_subject: "Bestätigen Sie Ihre Bewerbung bei {program}",
    confirm_body: "Vielen Dank für Ihre Bewerbung für {campaign}. Bestätigen Sie, dass diese \
                   Adresse Ihnen gehört, dann geht Ihre Bewerbung an das Team von {program}.",
    confirm_action: "Meine Bewerbung bestätigen",
    confirm_ignore: "Falls Sie sich nicht beworben haben, ignorieren Sie diese E-Mail: Ohne Ihren \
                     Klick geschieht nichts.",
    application_subject: "Ihre Bewerbung bei {program}",
    application_open: "Wir haben von dieser Adresse eine weitere Bewerbung für {campaign} \
                       erhalten. Ihre frühere Bewerbung ist noch offen: Sie müssen nichts weiter \
                       tun, und wir melden uns, sobald darüber entschieden ist.",
    partner_not_active: "Wir haben eine Bewerbung von dieser Adresse erhalten, die bereits zu \
                         einem Partner von {program} gehört; diese Partnerschaft ist derzeit \
                         nicht aktiv. Wir haben keine neue Bewerbung angelegt: Um die \
                         Partnerschaft wieder aufzunehmen, antworten Sie auf diese E-Mail oder \
                         schreiben Sie an das Team von {program}.",
    already_subject: "Sie sind bereits Partner von {program}",
    already_body: "Wir haben eine Bewerbung von dieser Adresse erhalten, die bereits zu einem \
                   Partner von {program} gehört. Melden Sie sich stattdessen in Ihrem Portal an \
                   (der Link gilt einmalig und {minutes} Minuten lang):",
    sign_in_to_portal: "Im Portal anmelden",
    sign_in_subject: "Anmeldung bei {program}",
    sign_in_body: "Hier ist Ihr Anmeldelink. Er gilt einmalig und {minutes} Minuten lang.",
    sign_in_action: "Anmelden",
    sign_in_ignore: "Falls Sie keine Anmeldung angefordert haben, ignorieren Sie diese E-Mail: \
                     Ohne den Link kann sich niemand anmelden.",
    welcome_subject: "Willkommen bei {program}",
    approved_body: "Ihre Bewerbung für {campaign} wurde angenommen. In Ihrem Portal finden Sie \
                    Ihre Partnerlinks, Ihre Provisionen und Ihre Auszahlungen. Mit diesem Link \
                    melden Sie sich einmalig an, innerhalb von {minutes} Minuten; danach können \
                    Sie auf der Anmeldeseite des Portals einen neuen anfordern.",
    open_portal: "Mein Portal öffnen",
    rejected_body: "Vielen Dank für Ihr Interesse an {campaign}. Leider können wir Ihre Bewerbung \
                    nicht annehmen.",
    reason: "Grund",

    earned_subject: "Sie haben {amount} verdient",
    commission: "Provision",
    campaign: "Kampagne",
    see_it: "Im Portal ansehen",
    earned_several_one: "Sie haben {count} Provision verdient: {total}",
    earned_several_other: "Sie haben {count} Provisionen verdient: {total}",
    commissions: "Provisionen",
    earned: "Verdient",
    see_them: "Im Portal ansehen",
    digest_subject: "Ihre Provisionen vom {day}: {total}",

    bounty_approved: "{program} hat Ihre Einreichung für die Prämie „{bounty}“ angenommen: Sie \
                      erhalten dafür {amount}, ausgezahlt mit Ihren Provisionen, sobald der \
                      Betrag freigegeben ist.",
    bounty_rejected: "{program} hat Ihre Einreichung für die Prämie „{bounty}“ nicht angenommen: \
                      {reason}.",
    bounty_decided: "{program} hat über Ihre Einreichung für die Prämie „{bounty}“ entschieden.",
    open_bounties: "Meine Prämien öffnen",
    bounty_approved_subject: "Ihre Prämien-Einreichung bei {program} wurde angenommen",
    bounty_rejected_subject: "Ihre Prämien-Einreichung bei {program} wurde nicht angenommen",

    paid_subject: "{program} hat Ihnen {amount} ausgezahlt",
    amount: "Betrag",
    paid_to: "Ausgezahlt an",
    statement: "Abrechnung",
    invoice: "Gutschrift",
    invoice_attached: "{program} hat für diese Auszahlung in Ihrem Namen die Gutschrift {invoice} \
                       ausgestellt (Gutschriftverfahren): Für Ihre Buchhaltung liegt sie als PDF \
                       und als E-Rechnung (UBL XML) bei. Falls sie nicht stimmt, können Sie ihr \
                       in Ihrem Portal widersprechen.",
    download_statement: "Abrechnung herunterladen (PDF)",
    open_payout: "Auszahlung im Portal ansehen",

    tax_form: "Ihr Steuerformular Form 1099-NEC für {year}",
    tax_form_corrected: "ein berichtigtes Steuerformular Form 1099-NEC für {year}",
    tax_form_body: "{program} hat {form} ausgestellt: die Beträge, die Ihnen in diesem Jahr \
                    gezahlt und dem IRS gemeldet wurden. Sie haben dem elektronischen Empfang \
                    zugestimmt; das Formular liegt in Ihrem Portal als PDF zum Herunterladen \
                    bereit.",
    open_tax_forms: "Meine Steuerformulare öffnen",
    tax_form_paper: "Das Formular bleibt dort, sodass Sie es jederzeit erneut herunterladen \
                     können. Wenn Sie Ihre Formulare stattdessen auf Papier erhalten möchten, \
                     widerrufen Sie Ihre Einwilligung im Steuerbereich des Portals.",
    w8_subject: "Ihr W-8 für {program} läuft am {day} ab",
    w8_body: "Das W-8, das Sie {program} übermittelt haben, ist bis zum {day} gültig. Danach gilt \
              es nicht mehr, und Auszahlungen, die ein gültiges Steuerformular erfordern, werden \
              zurückgehalten, bis das Programm ein neues genehmigt hat. Unterzeichnen Sie bis \
              dahin ein neues W-8 und reichen Sie es ein.",
    w8_action: "Neues W-8 einreichen",

    message_subject: "Eine Nachricht von {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} hat Ihnen geschrieben:",
    reply: "Im Portal antworten",
    wrote_today_one: "{program} hat Ihnen heute geschrieben:",
    wrote_today_other: "{program} hat Ihnen heute {count}-mal geschrieben:",
    messages_one: "Eine Nachricht von {program}",
    messages_other: "{count} Nachrichten von {program}",
    read_and_reply: "Im Portal lesen und antworten",
};
