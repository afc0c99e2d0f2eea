//! The links an e-mail carries, stored as what they open: a code that
//! lets its follower in is made when the message is sent and never kept.

use serde::{Deserialize, Serialize};

/// What a stored message shows in place of a code it carries: the code
/// is made when the message is sent, and only its recipient reads it.
pub const WITHHELD: &str = "…";

/// A link of an e-mail. One that lets its follower in is stored as what it
/// opens — never with its code, which is made as the message is handed to
/// the SMTP server ([`crate::mail::secrets`]) and kept only as its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Link {
    /// A one-time portal sign-in link for `partner`, good for `minutes`
    /// from its sending; `by` is who it is made by (the link's `createdBy`).
    Portal {
        partner: String,
        minutes: i64,
        by: String,
        /// The portal page the link opens once it signs in (SPEC §38).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// The link that confirms `application`'s address.
    Confirm {
        tenant: String,
        campaign: String,
        application: String,
    },
    /// A link as it is: one that opens nothing (the portal's sign-in
    /// page), or one a message queued by an earlier version holds whole
    /// (sent as it is, read with its code withheld).
    Path(String),
    /// A link as sent, its code made: never stored.
    #[serde(skip)]
    Sent(String),
}

impl From<String> for Link {
    fn from(path: String) -> Link {
        Link::Path(path)
    }
}

impl From<&str> for Link {
    fn from(path: &str) -> Link {
        Link::Path(path.to_owned())
    }
}

/// Where a portal sign-in link's `code` is spent.
pub fn portal_path(code: &str) -> String {
    format!("/portal/#code={code}")
}

/// Where a sign-in `code` is spent, naming the tenant and the reader's
/// language, and the page it opens (SPEC §38):
/// `/portal/#code=…&tenant=acme&lang=fr&to=/payouts/01J…`. Spent or
/// expired, the portal shows that tenant's sign-in form in that language.
pub fn sign_in_path(code: &str, tenant_id: &str, language: &str, to: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("tenant", tenant_id)
        .append_pair("lang", language);
    if let Some(page) = to {
        query.append_pair("to", page);
    }
    format!("/portal/#code={code}&{}", query.finish())
}

/// Where an application's confirmation `code` is spent, its page in the
/// applicant's language.
pub fn confirm_path(tenant_id: &str, campaign_id: &str, code: &str, language: &str) -> String {
    format!("/join/{tenant_id}/{campaign_id}?lang={language}#confirm={code}")
}

/// The codes a link holds as written, withheld.
fn withheld(path: &str) -> String {
    for marker in ["#code=", "#confirm="] {
        if let Some((head, _)) = path.split_once(marker) {
            return format!("{head}{marker}{WITHHELD}");
        }
    }
    path.to_owned()
}

impl Link {
    /// The path as a message shows it: as sent ([`Link::Sent`]) whole;
    /// otherwise with any code withheld.
    pub fn shown(&self) -> String {
        match self {
            Link::Portal { .. } => portal_path(WITHHELD),
            Link::Confirm {
                tenant, campaign, ..
            } => format!("/join/{tenant}/{campaign}#confirm={WITHHELD}"),
            Link::Path(path) => withheld(path),
            Link::Sent(path) => path.clone(),
        }
    }
}
