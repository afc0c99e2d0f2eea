//! What the e-mails to partners and applicants say in French.

pub const FR: super::Words = super::Words {
    hello: "Bonjour {name},",
    questions: "Des questions\u{202f}? Écrivez à {address}",
    questions_short: "Des questions\u{202f}?",
    stop: "Ne plus recevoir ces e-mails",

    confirm_subject: "Confirmez votre candidature auprès de {program}",
    confirm_body: "Merci pour votre candidature à {campaign}. Confirmez que cette adresse est \
                   bien la vôtre, et votre candidature sera transmise à l'équipe {program}.",
    confirm_action: "Confirmer ma candidature",
    confirm_ignore: "Si vous n'êtes pas à l'origine de cette candidature, ignorez cet \
                     e-mail\u{a0}: sans votre clic, rien ne se passe.",
    application_subject: "Votre candidature auprès de {program}",
    application_open: "Nous avons reçu une nouvelle candidature à {campaign} depuis cette \
                       adresse. Celle que vous aviez envoyée auparavant est toujours en cours \
                       d'examen\u{a0}: vous n'avez rien d'autre à faire, et nous vous écrirons \
                       dès qu'une décision sera prise.",
    partner_not_active: "Nous avons reçu une candidature depuis cette adresse, qui est déjà celle \
                         d'un partenaire de {program}, et ce partenariat n'est pas actif pour le \
                         moment. Nous n'avons pas ouvert de nouvelle candidature\u{a0}: pour \
                         reprendre le partenariat, répondez à cet e-mail ou écrivez à l'équipe \
                         {program}.",
    already_subject: "Vous êtes déjà partenaire de {program}",
    already_body: "Nous avons reçu une candidature depuis cette adresse, qui est déjà celle d'un \
                   partenaire de {program}. Connectez-vous plutôt à votre portail (le lien \
                   fonctionne une seule fois, pendant {minutes} minutes)\u{a0}:",
    sign_in_to_portal: "Se connecter au portail",
    sign_in_subject: "Connexion à {program}",
    sign_in_body: "Voici votre lien de connexion. Il fonctionne une seule fois, dans les \
                   {minutes} minutes.",
    sign_in_action: "Se connecter",
    sign_in_ignore: "Si vous n'avez pas demandé à vous connecter, ignorez cet e-mail\u{a0}: \
                     personne ne peut se connecter sans ce lien.",
    welcome_subject: "Bienvenue chez {program}",
    approved_body: "Votre candidature à {campaign} a été acceptée. Votre portail réunit vos liens \
                    d'affiliation, vos commissions et vos versements. Ce lien vous connecte une \
                    seule fois, dans les {minutes} minutes\u{202f}; ensuite, demandez-en un \
                    nouveau sur la page de connexion du portail.",
    open_portal: "Ouvrir mon portail",
    rejected_body: "Merci de l'intérêt que vous portez à {campaign}. Nous ne sommes \
                    malheureusement pas en mesure d'accepter votre candidature.",
    reason: "Motif",

    earned_subject: "Vous avez gagné {amount}",
    commission: "Commission",
    campaign: "Campagne",
    see_it: "Voir dans le portail",
    earned_several_one: "Vous avez gagné {count} commission\u{a0}: {total}",
    earned_several_other: "Vous avez gagné {count} commissions\u{a0}: {total}",
    commissions: "Commissions",
    earned: "Gains",
    see_them: "Voir dans le portail",
    digest_subject: "Vos commissions du {day}\u{a0}: {total}",

    bounty_approved: "{program} a validé votre participation à la prime \
                      «\u{a0}{bounty}\u{a0}»\u{a0}: elle vous rapporte {amount}, versé avec vos \
                      commissions dès que ce montant sera disponible.",
    bounty_rejected: "{program} n'a pas validé votre participation à la prime \
                      «\u{a0}{bounty}\u{a0}»\u{a0}: {reason}.",
    bounty_decided: "{program} a statué sur votre participation à la prime \
                     «\u{a0}{bounty}\u{a0}».",
    open_bounties: "Ouvrir mes primes",
    bounty_approved_subject: "Votre participation à une prime de {program} a été validée",
    bounty_rejected_subject: "Votre participation à une prime de {program} n'a pas été validée",

    paid_subject: "{program} vous a versé {amount}",
    amount: "Montant",
    paid_to: "Versé sur",
    statement: "Relevé",
    invoice: "Autofacture",
    invoice_attached: "{program} a émis en votre nom et pour votre compte l'autofacture {invoice} \
                       relative à ce versement\u{a0}: elle est jointe en PDF et en facture \
                       électronique (UBL XML) pour votre comptabilité. Si elle est inexacte, \
                       contestez-la dans votre portail.",
    download_statement: "Télécharger le relevé (PDF)",
    open_payout: "Voir le versement dans le portail",

    tax_form: "votre formulaire fiscal Form 1099-NEC pour {year}",
    tax_form_corrected: "un formulaire fiscal Form 1099-NEC rectifié pour {year}",
    tax_form_body: "{program} a émis {form}\u{a0}: les sommes qui vous ont été versées cette \
                    année-là, telles que déclarées à l'IRS. Vous avez accepté de le recevoir par \
                    voie électronique\u{202f}; il est disponible dans votre portail, à \
                    télécharger en PDF.",
    open_tax_forms: "Ouvrir mes formulaires fiscaux",
    tax_form_paper: "Le formulaire y reste disponible pour que vous puissiez le télécharger à \
                     nouveau. Pour recevoir plutôt vos formulaires sur papier, retirez votre \
                     consentement dans la rubrique fiscale du portail.",
    w8_subject: "Votre formulaire W-8 pour {program} expire le {day}",
    w8_body: "Le formulaire W-8 que vous avez remis à {program} est valable jusqu'au {day}. Passé \
              cette date, il n'est plus pris en compte, et les versements qui exigent un \
              formulaire fiscal valide restent en attente jusqu'à ce que le programme en approuve \
              un nouveau. Signez un nouveau W-8 et soumettez-le avant cette date.",
    w8_action: "Soumettre un nouveau W-8",

    message_subject: "Un message de {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} vous a écrit\u{a0}:",
    reply: "Répondre dans le portail",
    wrote_today_one: "{program} vous a écrit aujourd'hui\u{a0}:",
    wrote_today_other: "{program} vous a écrit {count} fois aujourd'hui\u{a0}:",
    messages_one: "Un message de {program}",
    messages_other: "{count} messages de {program}",
    read_and_reply: "Lire et répondre dans le portail",
};
