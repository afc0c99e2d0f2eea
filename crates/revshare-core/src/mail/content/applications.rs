//! What the e-mails of applications say: to the applicant on applying and
//! when it is decided, a way in to a partner, and to the staff a new one.

use super::{Block, Content, Parts, Program};
use crate::languages::fill;

/// An application received: its confirmation, or why there is none.
pub(super) fn applied<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    let p = program.name.as_str();
    match content {
        Content::ApplicationConfirm {
            name,
            campaign,
            link,
        } => (
            fill(w.confirm_subject, &[("program", p)]),
            name,
            vec![
                Block::Para(fill(
                    w.confirm_body,
                    &[("campaign", campaign), ("program", p)],
                )),
                Block::Action {
                    label: w.confirm_action.into(),
                    url: program.url(&link.shown()),
                },
                Block::Para(w.confirm_ignore.into()),
            ],
        ),
        Content::ApplicationOpen { name, campaign } => (
            fill(w.application_subject, &[("program", p)]),
            name,
            vec![Block::Para(fill(
                w.application_open,
                &[("campaign", campaign)],
            ))],
        ),
        Content::PartnerNotActive { name } => (
            fill(w.application_subject, &[("program", p)]),
            name,
            vec![Block::Para(fill(w.partner_not_active, &[("program", p)]))],
        ),
        _ => (String::new(), "", Vec::new()),
    }
}

/// A one-time link into the portal: asked for, or sent to a partner who
/// applied again.
pub(super) fn sign_in<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    let p = program.name.as_str();
    match content {
        Content::AlreadyPartner {
            name,
            link,
            minutes,
        } => (
            fill(w.already_subject, &[("program", p)]),
            name,
            vec![
                Block::Para(fill(
                    w.already_body,
                    &[("program", p), ("minutes", &minutes.to_string())],
                )),
                Block::Action {
                    label: w.sign_in_to_portal.into(),
                    url: program.url(&link.shown()),
                },
            ],
        ),
        Content::PortalSignIn {
            name,
            link,
            minutes,
        } => (
            fill(w.sign_in_subject, &[("program", p)]),
            name,
            vec![
                Block::Para(fill(w.sign_in_body, &[("minutes", &minutes.to_string())])),
                Block::Action {
                    label: w.sign_in_action.into(),
                    url: program.url(&link.shown()),
                },
                Block::Para(w.sign_in_ignore.into()),
            ],
        ),
        _ => (String::new(), "", Vec::new()),
    }
}

/// An application approved (with a way into the portal) or rejected.
pub(super) fn decided<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    let p = program.name.as_str();
    match content {
        Content::ApplicationApproved {
            name,
            campaign,
            link,
            minutes,
        } => (
            fill(w.welcome_subject, &[("program", p)]),
            name,
            vec![
                Block::Para(fill(
                    w.approved_body,
                    &[("campaign", campaign), ("minutes", &minutes.to_string())],
                )),
                Block::Action {
                    label: w.open_portal.into(),
                    url: program.url(&link.shown()),
                },
            ],
        ),
        Content::ApplicationRejected {
            name,
            campaign,
            reason,
        } => {
            let mut blocks = vec![Block::Para(fill(
                w.rejected_body,
                &[("campaign", campaign)],
            ))];
            if let Some(reason) = reason {
                blocks.push(Block::Facts(vec![(w.reason.into(), reason.clone())]));
            }
            (fill(w.application_subject, &[("program", p)]), name, blocks)
        }
        _ => (String::new(), "", Vec::new()),
    }
}

/// To the program's support address: an application confirmed, to decide.
pub(super) fn to_staff(content: &Content) -> Parts<'_> {
    let Content::StaffNewApplication {
        name,
        email,
        campaign,
        website,
        country,
        answers,
        id,
    } = content
    else {
        return (String::new(), "", Vec::new());
    };
    let mut facts = vec![
        ("Name".into(), name.clone()),
        ("E-mail".into(), email.clone()),
        ("Campaign".into(), campaign.clone()),
    ];
    if let Some(website) = website {
        facts.push(("Website".into(), website.clone()));
    }
    if let Some(country) = country {
        facts.push(("Country".into(), country.clone()));
    }
    facts.extend(answers.iter().cloned());
    facts.push(("Application".into(), id.clone()));
    (
        format!("New application to {campaign}: {name}"),
        "",
        vec![
            Block::Para(
                "A new application was confirmed by its address and waits for a decision \
                 (decidePartnerApplication)."
                    .into(),
            ),
            Block::Facts(facts),
        ],
    )
}
