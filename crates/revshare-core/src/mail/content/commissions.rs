//! What the e-mails of earnings say: commissions (one, several, or a
//! day's) and a bounty submission decided.

use super::{Block, Content, Parts, Program};
use crate::languages::fill;

/// Totals per currency as `program`'s reader writes them: `73,50 $, 12,00 €`.
fn listed(program: &Program, totals: &[(String, String)]) -> String {
    totals
        .iter()
        .map(|(amount, currency)| program.money(amount, currency))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an e-mail of several commissions says: how many, how much, and
/// where to see them.
fn several(program: &Program, count: u64, total: String) -> Vec<Block> {
    let w = program.words();
    vec![
        Block::Facts(vec![
            (w.commissions.into(), count.to_string()),
            (w.earned.into(), total),
        ]),
        Block::Action {
            label: w.see_them.into(),
            url: program.portal("/commissions"),
        },
    ]
}

/// Commissions as the ledger writes them, not yet read: read into a
/// `CommissionEarned` or `CommissionsEarned` before rendering; as they
/// stand, they say what they hold.
pub(super) fn unread(content: &Content) -> Parts<'_> {
    match content {
        Content::CommissionRef {
            amount_minor,
            currency,
            ..
        } => (
            format!("You earned {amount_minor} (minor units) {currency}"),
            "",
            Vec::new(),
        ),
        Content::CommissionsRef { count, .. } => {
            (format!("You earned {count} commissions"), "", Vec::new())
        }
        _ => (String::new(), "", Vec::new()),
    }
}

/// Commissions earned: one, several, or a day's.
pub(super) fn earned<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    match content {
        Content::CommissionsEarned {
            name,
            count,
            totals,
        } => {
            let total = listed(program, totals);
            let form = match program.plural(*count) {
                icu_plurals::PluralCategory::One => w.earned_several_one,
                _ => w.earned_several_other,
            };
            let subject = fill(form, &[("count", &count.to_string()), ("total", &total)]);
            (subject, name, several(program, *count, total))
        }
        Content::CommissionEarned {
            name,
            amount,
            currency,
            campaign,
        } => {
            let amount = program.money(amount, currency);
            (
                fill(w.earned_subject, &[("amount", &amount)]),
                name,
                vec![
                    Block::Facts(vec![
                        (w.commission.into(), amount),
                        (w.campaign.into(), campaign.clone()),
                    ]),
                    Block::Action {
                        label: w.see_it.into(),
                        url: program.portal("/commissions"),
                    },
                ],
            )
        }
        Content::CommissionDigest {
            name,
            day,
            count,
            totals,
        } => {
            let total = listed(program, totals);
            let subject = fill(
                w.digest_subject,
                &[("day", &program.day(day)), ("total", &total)],
            );
            (subject, name, several(program, *count, total))
        }
        _ => (String::new(), "", Vec::new()),
    }
}

/// A bounty submission approved (and what it earned) or not.
pub(super) fn bounty<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let Content::BountyDecided {
        name,
        bounty,
        approved,
        amount,
        reason,
        note,
        link,
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let w = program.words();
    let p = program.name.as_str();
    let said =
        |text: &str, more: (&str, &str)| fill(text, &[("program", p), ("bounty", bounty), more]);
    let mut blocks = vec![Block::Para(match (*approved, amount, reason) {
        (true, Some(amount), _) => {
            // Stored as `50.00 USD`: read in the reader's format.
            let amount = match amount.split_once(' ') {
                Some((figure, currency)) => program.money(figure, currency),
                None => amount.clone(),
            };
            said(w.bounty_approved, ("amount", &amount))
        }
        (_, _, Some(reason)) => said(w.bounty_rejected, ("reason", reason)),
        _ => said(w.bounty_decided, ("", "")),
    })];
    if let Some(note) = note {
        blocks.push(Block::Para(note.clone()));
    }
    blocks.push(Block::Action {
        label: w.open_bounties.into(),
        url: program.portal_link(link),
    });
    let subject = match *approved {
        true => fill(w.bounty_approved_subject, &[("program", p)]),
        false => fill(w.bounty_rejected_subject, &[("program", p)]),
    };
    (subject, name, blocks)
}
