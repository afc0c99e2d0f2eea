//! What the staff is told of a fraud flag: the signal, the partner, the
//! evidence, and whether what it covers is held.

use super::{Block, Content, Parts};

/// To the addresses the tenant lists: the day's open flags.
pub(super) fn digest(content: &Content) -> Parts<'_> {
    let Content::StaffFraudDigest {
        day,
        open,
        counts,
        flags,
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let (noun, verb) = match open {
        1 => ("flag", "waits"),
        _ => ("flags", "wait"),
    };
    let mut blocks = vec![
        Block::Para(format!(
            "{open} fraud {noun} {verb} for review. Review them in the console's Fraud page (/admin/#/fraud)."
        )),
        Block::Facts(
            counts
                .iter()
                .map(|(signal, n)| (signal.clone(), n.to_string()))
                .collect(),
        ),
    ];
    let listed: Vec<(String, String)> = flags
        .iter()
        .map(|(signal, partner, days)| {
            let age = match days {
                0 => "raised today".to_owned(),
                1 => "1 day old".to_owned(),
                n => format!("{n} days old"),
            };
            (partner.clone(), format!("{signal}, {age}"))
        })
        .collect();
    blocks.push(Block::Facts(listed));
    (
        format!("Fraud digest for {day}: {open} open {noun}"),
        "",
        blocks,
    )
}

/// To the program's support address: a fraud signal raised a flag.
pub(super) fn flagged(content: &Content) -> Parts<'_> {
    let Content::StaffFraudFlag {
        signal,
        action,
        partner,
        details,
        id,
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let held = match action.as_str() {
        "HOLD" => " What it covers is held until the flag is resolved.",
        "TRUSTED" => " The partner is trusted: the flag holds nothing.",
        _ => "",
    };
    (
        format!("Fraud flag on {partner}: {signal}"),
        "",
        vec![
            Block::Para(format!(
                "A fraud signal raised a flag for review (resolveFraudFlag).{held}"
            )),
            Block::Facts(vec![
                ("Signal".into(), signal.clone()),
                ("Partner".into(), partner.clone()),
                ("Evidence".into(), details.clone()),
                ("Flag".into(), id.clone()),
            ]),
        ],
    )
}
