//! What the e-mails to partners and applicants say in Spanish.

pub const ES: super::Words = super::Words {
    hello: "Hola, {name}:",
    questions: "¿Tiene preguntas? Escríbanos a {address}",
    questions_short: "¿Tiene preguntas?",
    stop: "Dejar de recibir estos correos",

    confirm_subject: "Confirme su solicitud para {program}",
    confirm_body: "Gracias por su solicitud para {campaign}. Confirme que esta dirección es suya \
                   y su solicitud llegará al equipo de {program}.",
    confirm_action: "Confirmar mi solicitud",
    confirm_ignore: "Si no ha enviado ninguna solicitud, ignore este correo: sin su clic no \
                     ocurrirá nada.",
    application_subject: "Su solicitud para {program}",
    application_open: "Hemos recibido otra solicitud para {campaign} desde esta dirección. La que \
                       envió anteriormente sigue abierta: no tiene que hacer nada más y le \
                       escribiremos cuando se haya tomado una decisión.",
    partner_not_active: "Hemos recibido una solicitud desde esta dirección, que ya pertenece a un \
                         socio de {program}, y esa colaboración no está activa en este momento. \
                         No hemos abierto una nueva solicitud: para retomar la colaboración, \
                         responda a este correo o escriba al equipo de {program}.",
    already_subject: "Ya es socio de {program}",
    already_body: "Hemos recibido una solicitud desde esta dirección, que ya pertenece a un socio \
                   de {program}. En su lugar, inicie sesión en su portal (el enlace funciona una \
                   sola vez, durante {minutes} minutos):",
    sign_in_to_portal: "Iniciar sesión en el portal",
    sign_in_subject: "Inicie sesión en {program}",
    sign_in_body: "Aquí tiene su enlace de inicio de sesión. Funciona una sola vez, durante \
                   {minutes} minutos.",
    sign_in_action: "Iniciar sesión",
    sign_in_ignore: "Si no ha solicitado iniciar sesión, ignore este correo: nadie puede iniciar \
                     sesión sin el enlace.",
    welcome_subject: "Le damos la bienvenida a {program}",
    approved_body: "Su solicitud para {campaign} ha sido aprobada. En su portal encontrará sus \
                    enlaces de afiliado, sus comisiones y sus pagos. Este enlace le permite \
                    iniciar sesión una sola vez, durante {minutes} minutos; después, solicite uno \
                    nuevo en la página de inicio de sesión del portal.",
    open_portal: "Abrir mi portal",
    rejected_body: "Gracias por su interés en {campaign}. Lamentablemente, no podemos aceptar su \
                    solicitud.",
    reason: "Motivo",

    earned_subject: "Ha ganado {amount}",
    commission: "Comisión",
    campaign: "Campaña",
    see_it: "Ver en el portal",
    earned_several_one: "Ha ganado {count} comisión: {total}",
    earned_several_other: "Ha ganado {count} comisiones: {total}",
    commissions: "Comisiones",
    earned: "Total ganado",
    see_them: "Ver en el portal",
    digest_subject: "Sus comisiones del {day}: {total}",

    bounty_approved: "{program} ha aprobado su participación en la recompensa «{bounty}»: ha \
                      ganado {amount}, que recibirá junto con sus comisiones en cuanto el importe \
                      se libere.",
    bounty_rejected: "{program} no ha aprobado su participación en la recompensa «{bounty}»: \
                      {reason}.",
    bounty_decided: "{program} ha tomado una decisión sobre su participación en la recompensa \
                     «{bounty}».",
    open_bounties: "Abrir mis recompensas",
    bounty_approved_subject: "Su participación en una recompensa de {program} ha sido aprobada",
    bounty_rejected_subject: "Su participación en una recompensa de {program} no ha sido aprobada",

    paid_subject: "{program} le ha pagado {amount}",
    amount: "Importe",
    paid_to: "Abonado en",
    statement: "Extracto",
    invoice: "Factura",
    invoice_attached: "{program} ha emitido en su nombre y por su cuenta la factura {invoice} por \
                       este pago (facturación por el destinatario): se adjunta en PDF y como \
                       factura electrónica (UBL XML) para su contabilidad. Si no es correcta, \
                       puede impugnarla en su portal.",
    download_statement: "Descargar el extracto (PDF)",
    open_payout: "Ver el pago en el portal",

    tax_form: "su formulario fiscal Form 1099-NEC de {year}",
    tax_form_corrected: "un formulario fiscal Form 1099-NEC corregido de {year}",
    tax_form_body: "{program} ha emitido {form}: lo que le pagó ese año, tal como se declaró al \
                    IRS. Usted aceptó recibirlo en formato electrónico; está en su portal, para \
                    descargarlo en PDF.",
    open_tax_forms: "Abrir mis formularios fiscales",
    tax_form_paper: "El formulario seguirá allí para que pueda descargarlo de nuevo. Si prefiere \
                     recibir sus formularios en papel, retire su consentimiento en la sección \
                     fiscal del portal.",
    w8_subject: "Su formulario W-8 para {program} vence el {day}",
    w8_body: "El formulario W-8 que entregó a {program} es válido hasta el {day}. Pasada esa \
              fecha deja de tener validez, y los pagos que requieren un formulario fiscal válido \
              quedan en espera hasta que el programa apruebe uno nuevo. Firme un nuevo W-8 y \
              envíelo antes de esa fecha.",
    w8_action: "Enviar un nuevo W-8",

    message_subject: "Un mensaje de {program}",
    message_titled: "{subject} ({program})",
    wrote: "{program} le ha escrito:",
    reply: "Responder en el portal",
    wrote_today_one: "{program} le ha escrito hoy:",
    wrote_today_other: "{program} le ha escrito {count} veces hoy:",
    messages_one: "Un mensaje de {program}",
    messages_other: "{count} mensajes de {program}",
    read_and_reply: "Leer y responder en el portal",
};
