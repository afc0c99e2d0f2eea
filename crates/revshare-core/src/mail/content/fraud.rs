//! What the staff is told of a fraud flag: the signal, the partner, the
//! evidence, and whether what it covers is held.

use super::{Block, Content, Parts};

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
