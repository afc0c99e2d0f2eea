//! What the e-mails to partners and applicants say in Dutch.

pub const NL: super::Words = super::Words {
    hello: "Beste {name},",
    questions: "Vragen? Neem contact op via {address}",
    questions_short: "Vragen?",
    stop: "Deze e-mails niet meer ontvangen",

    confirm_subject: "Bevestig uw aanmelding bij {program}",
    confirm_body: "Bedankt voor uw aanmelding voor {campaign}. Bevestig dat dit adres van u is, \
                   dan gaat uw aanmelding naar het team van {program}.",
    confirm_action: "Mijn aanmelding bevestigen",
    confirm_ignore: "Hebt u zich niet aangemeld? Dan kunt u deze e-mail negeren: zonder uw klik \
                     gebeurt er niets.",
    application_subject: "Uw aanmelding bij {program}",
    application_open: "We hebben vanaf dit adres nog een aanmelding voor {campaign} ontvangen. Uw \
                       eerdere aanmelding is nog in behandeling: u hoeft verder niets te doen, en \
                       we laten het u weten zodra er een besluit is genomen.",
    partner_not_active: "We hebben een aanmelding ontvangen vanaf dit adres, dat al bij een \
                         partner van {program} hoort, en dat partnerschap is op dit moment niet \
                         actief. We hebben geen nieuwe aanmelding geopend: wilt u het \
                         partnerschap hervatten, beantwoord dan deze e-mail of schrijf naar het \
                         team van {program}.",
    already_subject: "U bent al partner van {program}",
    already_body: "We hebben een aanmelding ontvangen vanaf dit adres, dat al bij een partner van \
                   {program} hoort. U kunt in plaats daarvan inloggen op uw portaal (de link \
                   werkt één keer en is {minutes} minuten geldig):",
    sign_in_to_portal: "Inloggen op het portaal",
    sign_in_subject: "Inloggen bij {program}",
    sign_in_body: "Hier is uw inloglink. Deze werkt één keer, binnen {minutes} minuten.",
    sign_in_action: "Inloggen",
    sign_in_ignore: "Hebt u niet gevraagd om in te loggen? Dan kunt u deze e-mail negeren: zonder \
                     de link kan niemand inloggen.",
    welcome_subject: "Welkom bij {program}",
    approved_body: "Uw aanmelding voor {campaign} is goedgekeurd. In uw portaal vindt u uw \
                    affiliatelinks, uw commissies en uw uitbetalingen. Met deze link logt u één \
                    keer in, binnen {minutes} minuten; vraag daarna een nieuwe aan op de \
                    inlogpagina van het portaal.",
    open_portal: "Mijn portaal openen",
    rejected_body: "Bedankt voor uw interesse in {campaign}. Helaas kunnen we uw aanmelding niet \
                    accepteren.",
    reason: "Reden",

    earned_subject: "U hebt {amount} verdiend",
    commission: "Commissie",
    campaign: "Campagne",
    see_it: "Bekijken in het portaal",
    earned_several_one: "U hebt {count} commissie verdiend: {total}",
    earned_several_other: "U hebt {count} commissies verdiend: {total}",
    commissions: "Commissies",
    earned: "Verdiend",
    see_them: "Bekijken in het portaal",
    digest_subject: "Uw commissies van {day}: {total}",

    bounty_approved: "{program} heeft uw inzending voor de bounty ‘{bounty}’ goedgekeurd: u \
                      verdient er {amount} mee, uitbetaald samen met uw commissies zodra het \
                      bedrag is vrijgegeven.",
    bounty_rejected: "{program} heeft uw inzending voor de bounty ‘{bounty}’ niet goedgekeurd: \
                      {reason}.",
    bounty_decided: "{program} heeft een besluit genomen over uw inzending voor de bounty \
                     ‘{bounty}’.",
    open_bounties: "Mijn bounty's openen",
    bounty_approved_subject: "Uw bounty-inzending bij {program} is goedgekeurd",
    bounty_rejected_subject: "Uw bounty-inzending bij {program} is niet goedgekeurd",

    paid_subject: "{program} heeft u {amount} uitbetaald",
    amount: "Bedrag",
    paid_to: "Uitbetaald naar",
    statement: "Afrekening",
    invoice: "Factuur",
    invoice_attached: "{program} heeft voor deze uitbetaling namens u factuur {invoice} opgemaakt \
                       (factuur uitgereikt door afnemer): deze is als PDF en als e-factuur \
                       (UBL XML) bijgevoegd voor uw administratie. Klopt de factuur niet, maak er \
                       dan bezwaar tegen in uw portaal.",
    download_statement: "Afrekening downloaden (PDF)",
    open_payout: "Uitbetaling bekijken in het portaal",

    tax_form: "uw belastingformulier Form 1099-NEC over {year}",
    tax_form_corrected: "een gecorrigeerd belastingformulier Form 1099-NEC over {year}",
    tax_form_body: "{program} heeft {form} opgesteld: de bedragen die u dat jaar zijn betaald, \
                    zoals gemeld aan de IRS. U hebt ermee ingestemd het elektronisch te \
                    ontvangen; het staat in uw portaal klaar om als PDF te downloaden.",
    open_tax_forms: "Mijn belastingformulieren openen",
    tax_form_paper: "Het formulier blijft daar staan, zodat u het opnieuw kunt downloaden. Wilt u \
                     uw formulieren liever op papier ontvangen, trek dan uw toestemming in via \
                     het belastinggedeelte van het portaal.",
    w8_subject: "Uw W-8 voor {program} verloopt op {day}",
    w8_body: "Het W-8 dat u aan {program} hebt verstrekt, is geldig tot en met {day}. Daarna telt \
              het niet meer mee, en uitbetalingen waarvoor een geldig belastingformulier nodig \
              is, wachten tot het programma een nieuw formulier goedkeurt. Onderteken vóór die \
              datum een nieuw W-8 en dien het in.",
    w8_action: "Nieuw W-8 indienen",

    message_subject: "Een bericht van {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} heeft u geschreven:",
    reply: "Antwoorden in het portaal",
    wrote_today_one: "{program} heeft u vandaag geschreven:",
    wrote_today_other: "{program} heeft u vandaag {count} keer geschreven:",
    messages_one: "Een bericht van {program}",
    messages_other: "{count} berichten van {program}",
    read_and_reply: "Lezen en antwoorden in het portaal",
};
