//! The layout every e-mail shares: its blocks written once for both
//! parts — the text, and the HTML in the program's colour, every value
//! escaped — and links made absolute under the public URL.

use super::Program;
use crate::languages::fill;

/// One paragraph or a call to action, written once for both parts.
pub(super) enum Block {
    Para(String),
    /// A button in HTML, the bare URL in text.
    Action {
        label: String,
        url: String,
    },
    /// Label–value rows.
    Facts(Vec<(String, String)>),
}

/// `path` under the public URL; a URL already absolute stays as it is.
pub(super) fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("https://") || path.starts_with("http://") {
        return path.to_owned();
    }
    format!("{}{path}", base.trim_end_matches('/'))
}

pub(super) fn text(
    program: &Program,
    greeting: &str,
    blocks: &[Block],
    unsubscribe: Option<&str>,
) -> String {
    let mut out = String::new();
    let w = program.words();
    if !greeting.is_empty() {
        out.push_str(&fill(w.hello, &[("name", greeting)]));
        out.push_str("\n\n");
    }
    for block in blocks {
        match block {
            Block::Para(text) => out.push_str(&format!("{text}\n\n")),
            Block::Action { label, url } => out.push_str(&format!("{label}:\n{url}\n\n")),
            Block::Facts(rows) => {
                for (label, value) in rows {
                    out.push_str(&format!("{label}: {value}\n"));
                }
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("-- \n{}\n", program.name));
    if let Some(support) = &program.support_email {
        out.push_str(&fill(w.questions, &[("address", support)]));
        out.push('\n');
    }
    if let Some(link) = unsubscribe {
        out.push_str(&format!("{}: {link}\n", w.stop));
    }
    out
}

pub(super) fn html(
    program: &Program,
    subject: &str,
    greeting: &str,
    blocks: &[Block],
    unsubscribe: Option<&str>,
) -> String {
    let w = program.words();
    let color = escape(&program.color);
    let mut body = String::new();
    if !greeting.is_empty() {
        let hello = fill(w.hello, &[("name", greeting)]);
        body.push_str(&format!("<p>{}</p>\n", escape(&hello)));
    }
    for block in blocks {
        match block {
            Block::Para(text) => body.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Action { label, url } => body.push_str(&format!(
                "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 18px;\
                 background:{color};color:#ffffff;text-decoration:none;border-radius:4px;\
                 font-weight:bold\">{}</a></p>\n",
                escape(url),
                escape(label)
            )),
            Block::Facts(rows) => {
                body.push_str("<table role=\"presentation\" style=\"border-collapse:collapse\">\n");
                for (label, value) in rows {
                    body.push_str(&format!(
                        "<tr><th scope=\"row\" style=\"text-align:left;padding:4px 16px 4px 0;\
                         color:#555555;font-weight:normal\">{}</th>\
                         <td style=\"padding:4px 0\">{}</td></tr>\n",
                        escape(label),
                        escape(value)
                    ));
                }
                body.push_str("</table>\n");
            }
        }
    }
    let mut footer = escape(&program.name);
    if let Some(support) = &program.support_email {
        footer.push_str(&format!(
            " · {1} <a href=\"mailto:{0}\" style=\"color:#555555\">{0}</a>",
            escape(support),
            escape(w.questions_short)
        ));
    }
    if let Some(link) = unsubscribe {
        footer.push_str(&format!(
            " · <a href=\"{}\" style=\"color:#555555\">{}</a>",
            escape(link),
            escape(w.stop)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n</head>\n\
         <body style=\"margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;\
         color:#222222;line-height:1.5\">\n\
         <div style=\"max-width:560px;margin:0 auto;background:#ffffff\">\n\
         <div style=\"background:{color};color:#ffffff;padding:16px 24px;font-size:18px;\
         font-weight:bold\">{name}</div>\n\
         <div style=\"padding:8px 24px 16px\">\n{body}</div>\n\
         <div style=\"padding:12px 24px;font-size:12px;color:#555555;border-top:1px solid #dddddd\">\
         {footer}</div>\n</div>\n</body>\n</html>\n",
        title = escape(subject),
        name = escape(&program.name),
        lang = escape(&program.language),
    )
}

/// Text as HTML: `& < > " '` as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
