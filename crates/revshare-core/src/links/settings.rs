//! A group's link settings (SPEC §30): where its partners' links lead,
//! which domains a link may lead to, how many links a partner keeps, the
//! parameter that names the partner, and the UTM values added.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};

/// Active links a partner may have, by default.
pub const DEFAULT_MAX_LINKS: u32 = 10;
/// The most a group may allow.
pub const MOST_MAX_LINKS: u32 = 100;
/// The parameter that names the partner, by default (the brand's site
/// reads it as a referral code, SPEC §15).
pub const DEFAULT_PARAM: &str = "via";
/// The longest URL a link leads to.
pub const MAX_URL_CHARS: usize = 2048;
const MAX_UTM_CHARS: usize = 200;
const MAX_DOMAINS: usize = 50;

/// The five UTM values; `{partner}` in one is the link's key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

impl Utm {
    /// Each value with its parameter's name, in the order they are added.
    pub fn pairs(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("utm_source", self.source.as_deref()),
            ("utm_medium", self.medium.as_deref()),
            ("utm_campaign", self.campaign.as_deref()),
            ("utm_term", self.term.as_deref()),
            ("utm_content", self.content.as_deref()),
        ]
    }
}

/// A group's settings as kept (JSON in `partner_groups.link_settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkSettings {
    /// Where a link without a URL of its own leads.
    pub destination: Option<String>,
    /// Hosts a link's URL may be on (each with its subdomains), beside
    /// the destination's.
    pub allowed_domains: Vec<String>,
    pub max_partner_links: u32,
    pub param: String,
    pub utm: Utm,
}

impl Default for LinkSettings {
    fn default() -> LinkSettings {
        LinkSettings {
            destination: None,
            allowed_domains: Vec::new(),
            max_partner_links: DEFAULT_MAX_LINKS,
            param: DEFAULT_PARAM.to_owned(),
            utm: Utm::default(),
        }
    }
}

impl LinkSettings {
    /// The settings a group keeps: the defaults where it keeps none; what
    /// it keeps that does not read is an error, never the defaults.
    pub fn of(stored: Option<&str>) -> ApiResult<LinkSettings> {
        match stored {
            Some(json) => ApiError::stored("link settings", json),
            None => Ok(LinkSettings::default()),
        }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks settings as given, each error naming its field under
    /// `field` (`input.links`).
    pub fn checked(self, field: &str) -> ApiResult<LinkSettings> {
        let destination = match self.destination.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(check_url(&format!("{field}.destination"), url)?),
        };
        if self.allowed_domains.len() > MAX_DOMAINS {
            return Err(ApiError::bad_input(
                format!("{field}.allowedDomains"),
                format!("at most {MAX_DOMAINS} domains"),
            ));
        }
        let mut allowed_domains = Vec::new();
        for domain in &self.allowed_domains {
            let host = crate::input::host_name(&format!("{field}.allowedDomains"), domain)?;
            if !allowed_domains.contains(&host) {
                allowed_domains.push(host);
            }
        }
        if !(1..=MOST_MAX_LINKS).contains(&self.max_partner_links) {
            return Err(ApiError::bad_input(
                format!("{field}.maxPartnerLinks"),
                format!("must be 1 to {MOST_MAX_LINKS}"),
            ));
        }
        let param = self.param.trim().to_owned();
        let param_ok = (1..=32).contains(&param.len())
            && param
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !matches!(param.to_ascii_lowercase().as_str(), "click" | "qr")
            && !param.to_ascii_lowercase().starts_with("utm_");
        if !param_ok {
            return Err(ApiError::bad_input(
                format!("{field}.param"),
                "must be 1 to 32 letters, digits, '_' or '-', and not click, qr or utm_…",
            ));
        }
        let utm_field = |name: &str| format!("{field}.utm.{name}");
        let value = |name: &str, value: Option<String>| -> ApiResult<Option<String>> {
            crate::input::optional_line(&utm_field(name), value.as_deref(), MAX_UTM_CHARS)
        };
        let utm = Utm {
            source: value("source", self.utm.source)?,
            medium: value("medium", self.utm.medium)?,
            campaign: value("campaign", self.utm.campaign)?,
            term: value("term", self.utm.term)?,
            content: value("content", self.utm.content)?,
        };
        Ok(LinkSettings {
            destination,
            allowed_domains,
            max_partner_links: self.max_partner_links,
            param,
            utm,
        })
    }

    /// Whether a link may lead to `url`: its host is an allowed domain or
    /// the destination's (or under one).
    pub fn allows(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let destination = self
            .destination
            .as_deref()
            .and_then(|d| url::Url::parse(d).ok())
            .and_then(|d| d.host_str().map(str::to_ascii_lowercase));
        self.allowed_domains
            .iter()
            .map(String::as_str)
            .chain(destination.as_deref())
            .any(|domain| {
                host == domain
                    || host
                        .strip_suffix(domain)
                        .is_some_and(|rest| rest.ends_with('.'))
            })
    }
}

/// A URL a link may lead to: `https`, with a host, at most 2,048
/// characters, no user or password in it.
pub fn check_url(field: &str, given: &str) -> ApiResult<String> {
    let given = given.trim();
    if given.len() > MAX_URL_CHARS {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {MAX_URL_CHARS} characters"),
        ));
    }
    let parsed = url::Url::parse(given)
        .ok()
        .filter(|u| u.scheme() == "https" && u.host_str().is_some())
        .filter(|u| u.username().is_empty() && u.password().is_none())
        .ok_or_else(|| ApiError::bad_input(field, "must be an https URL with a host"))?;
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LinkSettings {
        LinkSettings {
            destination: Some("https://acme.example/".into()),
            allowed_domains: vec!["Docs.Acme.Example".into(), "partner.example".into()],
            ..LinkSettings::default()
        }
        .checked("input.links")
        .unwrap()
    }

    #[test]
    fn a_link_leads_to_the_destinations_host_or_an_allowed_domain_and_their_subdomains() {
        let settings = settings();
        let allows = |url: &str| settings.allows(&url::Url::parse(url).unwrap());
        assert!(allows("https://acme.example/pricing"));
        assert!(allows("https://www.acme.example/"));
        assert!(allows("https://docs.acme.example/a"));
        assert!(allows("https://x.partner.example/"));
        assert!(!allows("https://evilacme.example/"));
        assert!(!allows("https://acme.example.evil.test/"));
        assert!(!allows("https://other.example/"));
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let bad = |s: LinkSettings| format!("{:?}", s.checked("input.links").unwrap_err());
        let base = LinkSettings::default;
        assert!(
            bad(LinkSettings {
                destination: Some("http://acme.example".into()),
                ..base()
            })
            .contains("input.links.destination")
        );
        assert!(
            bad(LinkSettings {
                max_partner_links: 0,
                ..base()
            })
            .contains("input.links.maxPartnerLinks")
        );
        assert!(
            bad(LinkSettings {
                param: "click".into(),
                ..base()
            })
            .contains("input.links.param")
        );
        assert!(
            bad(LinkSettings {
                allowed_domains: vec!["not a host".into()],
                ..base()
            })
            .contains("input.links.allowedDomains")
        );
        assert_eq!(
            LinkSettings::of(Some(&settings().encode())),
            Ok(settings()),
            "kept as it reads back"
        );
        assert_eq!(LinkSettings::of(None), Ok(LinkSettings::default()));
        assert_eq!(LinkSettings::of(Some("{")), Err(ApiError::Internal));
    }
}
