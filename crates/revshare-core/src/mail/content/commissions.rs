//! What the e-mails of earnings say: commissions (one, several, or a
//! day's) and a bounty submission decided.

use super::{Block, Content, Parts, Program, absolute};

/// Totals per currency as read: `73.50 USD, 12.00 EUR`.
fn listed(totals: &[(String, String)]) -> String {
    totals
        .iter()
        .map(|(amount, currency)| format!("{amount} {currency}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an e-mail of several commissions says: how many, how much, and
/// where to see them.
fn several(count: u64, total: String, portal: String) -> Vec<Block> {
    vec![
        Block::Facts(vec![
            ("Commissions".into(), count.to_string()),
            ("Earned".into(), total),
        ]),
        Block::Action {
            label: "See them in the portal".into(),
            url: portal,
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
    let url = |path: &str| absolute(&program.base_url, path);
    match content {
        Content::CommissionsEarned {
            name,
            count,
            totals,
        } => {
            let total = listed(totals);
            let subject = format!("You earned {count} commissions: {total}");
            (subject, name, several(*count, total, url("/portal/")))
        }
        Content::CommissionEarned {
            name,
            amount,
            currency,
            campaign,
        } => (
            format!("You earned {amount} {currency}"),
            name,
            vec![
                Block::Facts(vec![
                    ("Commission".into(), format!("{amount} {currency}")),
                    ("Campaign".into(), campaign.clone()),
                ]),
                Block::Action {
                    label: "See it in the portal".into(),
                    url: url("/portal/"),
                },
            ],
        ),
        Content::CommissionDigest {
            name,
            day,
            count,
            totals,
        } => {
            let total = listed(totals);
            let subject = format!("Your commissions of {day}: {total}");
            (subject, name, several(*count, total, url("/portal/")))
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
    let p = &program.name;
    let mut blocks = vec![Block::Para(match (*approved, amount, reason) {
        (true, Some(amount), _) => format!(
            "{p} approved your submission for the bounty \"{bounty}\": it earned you \
             {amount}, paid with your commissions once it matures."
        ),
        (_, _, Some(reason)) => {
            format!("{p} did not approve your submission for the bounty \"{bounty}\": {reason}.")
        }
        _ => format!("{p} decided your submission for the bounty \"{bounty}\"."),
    })];
    if let Some(note) = note {
        blocks.push(Block::Para(note.clone()));
    }
    blocks.push(Block::Action {
        label: "Open my bounties".into(),
        url: absolute(&program.base_url, link),
    });
    let subject = match *approved {
        true => format!("Your bounty submission to {p} was approved"),
        false => format!("Your bounty submission to {p} was not approved"),
    };
    (subject, name, blocks)
}
