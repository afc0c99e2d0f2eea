//! What the e-mails of applications say: to the applicant on applying and
//! when it is decided, a way in to a partner, and to the staff a new one.

use super::{Block, Content, Parts, Program, absolute};

/// An application received: its confirmation, or why there is none.
pub(super) fn applied<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let url = |path: &str| absolute(&program.base_url, path);
    let p = &program.name;
    match content {
        Content::ApplicationConfirm {
            name,
            campaign,
            link,
        } => (
            format!("Confirm your application to {p}"),
            name,
            vec![
                Block::Para(format!(
                    "Thank you for applying to {campaign}. Confirm that this address is yours, and \
                     your application goes to the {p} team."
                )),
                Block::Action {
                    label: "Confirm my application".into(),
                    url: url(&link.shown()),
                },
                Block::Para(
                    "If you did not apply, ignore this e-mail: nothing happens without the click."
                        .into(),
                ),
            ],
        ),
        Content::ApplicationOpen { name, campaign } => (
            format!("Your application to {p}"),
            name,
            vec![Block::Para(format!(
                "We received another application to {campaign} from this address. The one you \
                 sent before is still open: there is nothing more to do, and we will write when \
                 it is decided."
            ))],
        ),
        Content::PartnerNotActive { name } => (
            format!("Your application to {p}"),
            name,
            vec![Block::Para(format!(
                "We received an application from this address, which is already a partner's in \
                 {p}, and that partnership is not active at the moment. We did not open a new \
                 application: to take the partnership up again, reply to this e-mail or write \
                 to the {p} team."
            ))],
        ),
        _ => (String::new(), "", Vec::new()),
    }
}

/// A one-time link into the portal: asked for, or sent to a partner who
/// applied again.
pub(super) fn sign_in<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let url = |path: &str| absolute(&program.base_url, path);
    let p = &program.name;
    match content {
        Content::AlreadyPartner {
            name,
            link,
            minutes,
        } => (
            format!("You are already a {p} partner"),
            name,
            vec![
                Block::Para(format!(
                    "We received an application from this address, which is already a partner's \
                     in {p}. Sign in to your portal instead (the link works once, for {minutes} \
                     minutes):"
                )),
                Block::Action {
                    label: "Sign in to the portal".into(),
                    url: url(&link.shown()),
                },
            ],
        ),
        Content::PortalSignIn {
            name,
            link,
            minutes,
        } => (
            format!("Sign in to {p}"),
            name,
            vec![
                Block::Para(format!(
                    "Here is your sign-in link. It works once, within {minutes} minutes."
                )),
                Block::Action {
                    label: "Sign in".into(),
                    url: url(&link.shown()),
                },
                Block::Para(
                    "If you did not ask to sign in, ignore this e-mail: nobody can sign in \
                     without the link."
                        .into(),
                ),
            ],
        ),
        _ => (String::new(), "", Vec::new()),
    }
}

/// An application approved (with a way into the portal) or rejected.
pub(super) fn decided<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let url = |path: &str| absolute(&program.base_url, path);
    let p = &program.name;
    match content {
        Content::ApplicationApproved {
            name,
            campaign,
            link,
            minutes,
        } => (
            format!("Welcome to {p}"),
            name,
            vec![
                Block::Para(format!(
                    "Your application to {campaign} was approved. Your portal has your referral \
                     links, your commissions and your payouts. This link signs you in once, \
                     within {minutes} minutes; later, ask for a new one on the portal's \
                     sign-in page."
                )),
                Block::Action {
                    label: "Open my portal".into(),
                    url: url(&link.shown()),
                },
            ],
        ),
        Content::ApplicationRejected {
            name,
            campaign,
            reason,
        } => {
            let mut blocks = vec![Block::Para(format!(
                "Thank you for your interest in {campaign}. We are not able to accept your \
                 application."
            ))];
            if let Some(reason) = reason {
                blocks.push(Block::Facts(vec![("Reason".into(), reason.clone())]));
            }
            (format!("Your application to {p}"), name, blocks)
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
