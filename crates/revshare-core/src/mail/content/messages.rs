//! What the e-mails of messages say (SPEC §35): a body is plain text,
//! escaped in the HTML part like every value.

use super::{Block, Content, Parts, Program};
use crate::languages::fill;

/// A body cut to its first 300 characters, for a digest.
pub(crate) fn excerpt(body: &str) -> String {
    match body.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &body[..at]),
        None => body.to_owned(),
    }
}

/// A message from the program to a partner, or a day's of them: the
/// brand's words as written (or as translated for the reader), revshare's
/// around them in the reader's language.
pub(super) fn to_partner<'c>(content: &'c Content, program: &Program) -> Parts<'c> {
    let w = program.words();
    let p = program.name.as_str();
    match content {
        Content::Message {
            name,
            subject,
            body,
            link,
        } => (
            match subject {
                Some(subject) => fill(w.message_titled, &[("subject", subject), ("program", p)]),
                None => fill(w.message_subject, &[("program", p)]),
            },
            name,
            vec![
                Block::Para(fill(w.wrote, &[("program", p)])),
                Block::Para(body.clone()),
                Block::Action {
                    label: w.reply.into(),
                    url: program.portal_link(link),
                },
            ],
        ),
        Content::MessageDigest { name, bodies, link } => {
            let count = bodies.len() as u64;
            let one = matches!(program.plural(count), icu_plurals::PluralCategory::One);
            let said = |text: &str| fill(text, &[("program", p), ("count", &count.to_string())]);
            let mut blocks = vec![Block::Para(match one {
                true => said(w.wrote_today_one),
                false => said(w.wrote_today_other),
            })];
            blocks.extend(bodies.iter().map(|body| Block::Para(excerpt(body))));
            blocks.push(Block::Action {
                label: w.read_and_reply.into(),
                url: program.portal_link(link),
            });
            (
                match one {
                    true => said(w.messages_one),
                    false => said(w.messages_other),
                },
                name,
                blocks,
            )
        }
        _ => (String::new(), "", Vec::new()),
    }
}

/// To the program's support address: a partner wrote, or a day's
/// messages from partners.
pub(super) fn to_staff(content: &Content) -> Parts<'_> {
    match content {
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

#[cfg(test)]
mod tests {
    use super::super::{Content, Program, render};
    use super::excerpt;

    fn program() -> Program {
        Program {
            name: "Acme".into(),
            color: "#112233".into(),
            support_email: None,
            base_url: "https://partners.acme.test".into(),
            tenant_id: "acme".into(),
            language: "en".into(),
            to: "ada@example.com".into(),
        }
    }

    #[test]
    fn a_digest_cuts_each_body_at_300_characters() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(301);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 301);
        assert!(cut.ends_with("é…"));
        assert_eq!(excerpt(&"a".repeat(300)), "a".repeat(300));
    }

    #[test]
    fn a_message_is_text_in_its_text_part_and_escaped_in_its_html() {
        let content = Content::Message {
            name: "Ada".into(),
            subject: None,
            body: "<script>alert(1)</script> & more".into(),
            link: "/portal/#/messages".into(),
        };
        let sent = render(&content, &program(), Some("/mail/unsubscribe/x"));
        assert_eq!(sent.subject, "A message from Acme");
        assert!(sent.text.contains("<script>alert(1)</script> & more"));
        assert!(
            sent.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
        );
        assert!(!sent.html.contains("<script>"));
        assert!(
            sent.text
                .contains("https://partners.acme.test/portal/#/messages?tenant=acme&lang=en&email=ada%40example.com")
        );
        let broadcast = Content::Message {
            name: "Ada".into(),
            subject: Some("Spring rates".into()),
            body: "New rates".into(),
            link: "/portal/#/messages".into(),
        };
        assert_eq!(
            render(&broadcast, &program(), None).subject,
            "Spring rates (Acme)"
        );
    }
}
