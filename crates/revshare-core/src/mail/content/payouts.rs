//! What the e-mails of payouts say: a payout sent, and the tax forms
//! payouts are reported on and wait for (SPEC §29).

use super::{Block, Content, Parts, Program, absolute};

/// A payout sent: how much, how, its statement and its self-billed
/// invoice (attached).
pub(super) fn sent<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let Content::PayoutSent {
        name,
        amount,
        currency,
        method,
        statement,
        link,
        invoice,
        ..
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let p = &program.name;
    let mut facts = vec![
        ("Amount".into(), format!("{amount} {currency}")),
        ("Paid to".into(), method.clone()),
    ];
    if let Some(statement) = statement {
        facts.push(("Statement".into(), statement.clone()));
    }
    if let Some(invoice) = invoice {
        facts.push(("Invoice".into(), invoice.clone()));
    }
    let mut blocks = vec![Block::Facts(facts)];
    if let Some(invoice) = invoice {
        blocks.push(Block::Para(format!(
            "{p} issued invoice {invoice} in your name for this payout (self-billing): it is \
             attached as a PDF and as an e-invoice (UBL XML) for your books. If it is wrong, \
             object to it in your portal."
        )));
    }
    if let Some(link) = link {
        blocks.push(Block::Action {
            label: "Download the statement (PDF)".into(),
            url: absolute(&program.base_url, link),
        });
    }
    (format!("{p} paid you {amount} {currency}"), name, blocks)
}

/// A year-end tax form to download, or a W-8 about to expire.
pub(super) fn tax<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let url = |path: &str| absolute(&program.base_url, path);
    let p = &program.name;
    match content {
        Content::TaxFormAvailable {
            name,
            year,
            corrected,
            link,
        } => {
            let form = match corrected {
                true => format!("a corrected Form 1099-NEC for {year}"),
                false => format!("your Form 1099-NEC for {year}"),
            };
            (
                "IMPORTANT TAX RETURN DOCUMENT AVAILABLE".to_owned(),
                name,
                vec![
                    Block::Para(format!(
                        "{p} has issued {form}: what it paid you that year, as reported to the \
                         IRS. You agreed to receive it electronically; it is in your portal, to \
                         download as a PDF."
                    )),
                    Block::Action {
                        label: "Open my tax forms".into(),
                        url: url(link),
                    },
                    Block::Para(
                        "It stays there for you to download again. To receive your forms on paper \
                         instead, withdraw your consent in the portal's Tax page."
                            .into(),
                    ),
                ],
            )
        }
        Content::TaxProfileExpiring {
            name,
            valid_until,
            link,
        } => (
            format!("Your W-8 for {p} expires on {valid_until}"),
            name,
            vec![
                Block::Para(format!(
                    "The W-8 you gave {p} is valid until {valid_until}. After that day it no \
                     longer counts, and payouts that need a valid tax form wait until the program \
                     approves a new one. Sign a new W-8 and submit it before then."
                )),
                Block::Action {
                    label: "Submit a new W-8".into(),
                    url: url(link),
                },
            ],
        ),
        _ => (String::new(), "", Vec::new()),
    }
}
