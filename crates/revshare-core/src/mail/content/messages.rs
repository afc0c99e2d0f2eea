//! What the e-mails of messages say (SPEC §35): a body is plain text,
//! escaped in the HTML part like every value.

use super::{Block, Content, Program, absolute};

/// A body cut to its first 300 characters, for a digest.
pub(crate) fn excerpt(body: &str) -> String {
    match body.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &body[..at]),
        None => body.to_owned(),
    }
}

/// The subject, greeting and blocks of a message's e-mail.
pub(super) fn blocks<'c>(content: &'c Content, program: &Program) -> (String, &'c str, Vec<Block>) {
    let url = |path: &str| absolute(&program.base_url, path);
    let p = &program.name;
    match content {
        Content::Message {
            name,
            subject,
            body,
            link,
        } => (
            match subject {
                Some(subject) => format!("{subject} ({p})"),
                None => format!("A message from {p}"),
            },
            name,
            vec![
                Block::Para(format!("{p} wrote to you:")),
                Block::Para(body.clone()),
                Block::Action {
                    label: "Reply in the portal".into(),
                    url: url(link),
                },
            ],
        ),
        Content::MessageDigest { name, bodies, link } => {
            let mut blocks = vec![Block::Para(match bodies.len() {
                1 => format!("{p} wrote to you today:"),
                n => format!("{p} wrote to you {n} times today:"),
            })];
            blocks.extend(bodies.iter().map(|body| Block::Para(excerpt(body))));
            blocks.push(Block::Action {
                label: "Read and reply in the portal".into(),
                url: url(link),
            });
            (
                match bodies.len() {
                    1 => format!("A message from {p}"),
                    n => format!("{n} messages from {p}"),
                },
                name,
                blocks,
            )
        }
        Content::StaffMessage {
            partner,
            partner_id,
            body,
        } => (
            format!("A message from {partner}"),
            "",
            vec![
                Block::Para(format!("{partner} wrote (reply with sendMessage):")),
                Block::Para(body.clone()),
                Block::Facts(vec![("Partner".into(), partner_id.clone())]),
            ],
        ),
        Content::StaffMessageDigest { threads } => {
            let total: u64 = threads.iter().map(|(_, n)| n).sum();
            (
                format!("{total} messages from partners"),
                "",
                vec![
                    Block::Para("Partners wrote today (the console's inbox has them):".into()),
                    Block::Facts(
                        threads
                            .iter()
                            .map(|(partner, n)| (partner.clone(), n.to_string()))
                            .collect(),
                    ),
                ],
            )
        }
        _ => (String::new(), "", Vec::new()),
    }
}
