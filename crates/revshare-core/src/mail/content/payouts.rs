//! What the e-mails of payouts say: a payout sent, and the tax forms
//! payouts are reported on and wait for (SPEC §29).

use super::{Block, Content, Parts, Program};
use crate::languages::fill;

/// A payout sent: how much, how, its statement and its self-billed
/// invoice (attached), and the payout's page in the portal.
pub(super) fn sent<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let Content::PayoutSent {
        name,
        amount,
        currency,
        method,
        statement,
        link,
        invoice,
        payout_id,
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let w = program.words();
    let p = program.name.as_str();
    let amount = program.money(amount, currency);
    let mut facts = vec![
        (w.amount.into(), amount.clone()),
        (w.paid_to.into(), method.clone()),
    ];
    if let Some(statement) = statement {
        facts.push((w.statement.into(), statement.clone()));
    }
    if let Some(invoice) = invoice {
        facts.push((w.invoice.into(), invoice.clone()));
    }
    let mut blocks = vec![Block::Facts(facts)];
    if let Some(invoice) = invoice {
        blocks.push(Block::Para(fill(
            w.invoice_attached,
            &[("program", p), ("invoice", invoice)],
        )));
    }
    // The payout's page in the portal, where its statement is.
    match (link, payout_id) {
        (Some(link), _) => blocks.push(Block::Action {
            label: w.download_statement.into(),
            url: program.portal_link(link),
        }),
        (None, Some(payout)) => blocks.push(Block::Action {
            label: w.open_payout.into(),
            url: program.portal(&format!("/payouts/{payout}")),
        }),
        (None, None) => {}
    }
    (
        fill(w.paid_subject, &[("program", p), ("amount", &amount)]),
        name,
        blocks,
    )
}

/// A year-end tax form to download, or a W-8 about to expire.
pub(super) fn tax<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    let p = program.name.as_str();
    match content {
        Content::TaxFormAvailable {
            name,
            year,
            corrected,
            link,
        } => {
            let year = year.to_string();
            let form = match corrected {
                true => fill(w.tax_form_corrected, &[("year", &year)]),
                false => fill(w.tax_form, &[("year", &year)]),
            };
            (
                // The subject the IRS asks of an electronically furnished
                // statement, as it words it.
                "IMPORTANT TAX RETURN DOCUMENT AVAILABLE".to_owned(),
                name,
                vec![
                    Block::Para(fill(w.tax_form_body, &[("program", p), ("form", &form)])),
                    Block::Action {
                        label: w.open_tax_forms.into(),
                        url: program.portal_link(link),
                    },
                    Block::Para(w.tax_form_paper.into()),
                ],
            )
        }
        Content::TaxProfileExpiring {
            name,
            valid_until,
            link,
        } => {
            let day = program.day(valid_until);
            (
                fill(w.w8_subject, &[("program", p), ("day", &day)]),
                name,
                vec![
                    Block::Para(fill(w.w8_body, &[("program", p), ("day", &day)])),
                    Block::Action {
                        label: w.w8_action.into(),
                        url: program.portal_link(link),
                    },
                ],
            )
        }
        _ => (String::new(), "", Vec::new()),
    }
}
