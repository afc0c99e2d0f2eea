//! What a click tells: the visitor's device, browser and OS (from its user
//! agent, by woothee's parser), whether it is a bot, the referrer's
//! domain, and its country (from a MaxMind-format database).

use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::sync::Arc;

/// A visit of a short link, as the redirect saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub link: Arc<super::target::Live>,
    pub click_id: String,
    pub at: DateTime<Utc>,
    pub address: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
    pub qr: bool,
    /// Where the visitor was sent.
    pub landing_url: String,
    /// Why it earns nothing (SPEC §37): counted as ignored, never written
    /// as a click.
    pub ignored: Option<crate::directory::traffic::Reason>,
}

/// Words in a user agent that only link previews and crawlers send, beside
/// what the parser knows as a crawler: a preview of a link pasted in a
/// chat is not a visit.
const BOT_WORDS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "whatsapp",
    "skypeuripreview",
    "embedly",
    "preview",
    "headlesschrome",
    "python-requests",
    "curl/",
    "wget/",
];

/// A user agent, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// `desktop`, `mobile`, `tablet` or `bot`; `unknown` for anything else.
    pub device: &'static str,
    pub browser: String,
    pub os: String,
}

impl Agent {
    pub fn is_bot(&self) -> bool {
        self.device == "bot"
    }
}

/// Reads a user agent; none or an empty one is a bot's (a browser always
/// sends one).
pub fn agent(user_agent: Option<&str>) -> Agent {
    let text = user_agent.map(str::trim).unwrap_or("");
    let lower = text.to_ascii_lowercase();
    let bot = || Agent {
        device: "bot",
        browser: "bot".into(),
        os: "unknown".into(),
    };
    if text.is_empty() || BOT_WORDS.iter().any(|w| lower.contains(w)) {
        return bot();
    }
    let Some(read) = woothee::parser::Parser::new().parse(text) else {
        return Agent {
            device: "unknown",
            browser: "unknown".into(),
            os: "unknown".into(),
        };
    };
    let tablet = read.os == "iPad"
        || (read.os == "Android" && !lower.contains("mobile"))
        || lower.contains("tablet");
    let device = match read.category {
        "crawler" => return bot(),
        "pc" => "desktop",
        "smartphone" | "mobilephone" if tablet => "tablet",
        "smartphone" | "mobilephone" => "mobile",
        _ => "unknown",
    };
    let known = |value: &str| match value {
        "UNKNOWN" | "" => "unknown".to_owned(),
        value => value.to_owned(),
    };
    Agent {
        device,
        browser: known(read.name),
        os: known(read.os),
    }
}

/// The referrer's host, without `www.`; `(direct)` for none or one that
/// is no URL.
pub fn referrer(referer: Option<&str>) -> String {
    referer
        .and_then(|r| url::Url::parse(r.trim()).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .map(|h| h.strip_prefix("www.").map(str::to_owned).unwrap_or(h))
        .filter(|h| !h.is_empty() && h.len() <= 253)
        .unwrap_or_else(|| "(direct)".to_owned())
}

/// A country database in MaxMind's format, read whole at start-up
/// (`REVSHARE_GEOIP_DB`).
pub struct Geo(maxminddb::Reader<Vec<u8>>);

#[derive(serde::Deserialize)]
struct Record<'a> {
    /// DB-IP's lite databases as ip-location-db builds them.
    country_code: Option<&'a str>,
    /// MaxMind's GeoLite2 and GeoIP2.
    country: Option<Country<'a>>,
}

#[derive(serde::Deserialize)]
struct Country<'a> {
    iso_code: Option<&'a str>,
}

impl std::fmt::Debug for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Geo(…)")
    }
}

impl Geo {
    /// Opens the database at `path`; the error names the path and why.
    pub fn open(path: &str) -> Result<Geo, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("REVSHARE_GEOIP_DB: cannot read {path}: {e}"))?;
        let reader = maxminddb::Reader::from_source(bytes).map_err(|e| {
            format!("REVSHARE_GEOIP_DB: {path} is not a MaxMind-format database: {e}")
        })?;
        Ok(Geo(reader))
    }

    /// The address's country as ISO 3166-1 alpha-2 (`DE`), or `unknown`.
    pub fn country(&self, address: IpAddr) -> String {
        let found = self.0.lookup::<Record>(address).ok().flatten();
        found
            .and_then(|r| r.country_code.or(r.country.and_then(|c| c.iso_code)))
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase)
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// The country of an address with the database configured, else
/// `unknown`.
pub fn country(geo: Option<&Geo>, address: Option<IpAddr>) -> String {
    match (geo, address) {
        (Some(geo), Some(address)) => geo.country(address),
        _ => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_tells_the_device_browser_and_os() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let ipad = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 \
                    (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
        let android_tablet = "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        let firefox_windows =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let read = |ua| {
            let a = agent(Some(ua));
            (a.device, a.browser, a.os)
        };
        assert_eq!(
            read(chrome_mac),
            ("desktop", "Chrome".into(), "Mac OSX".into())
        );
        assert_eq!(read(iphone), ("mobile", "Safari".into(), "iPhone".into()));
        assert_eq!(read(ipad), ("tablet", "Safari".into(), "iPad".into()));
        assert_eq!(read(android_tablet).0, "tablet");
        assert_eq!(
            read(firefox_windows),
            ("desktop", "Firefox".into(), "Windows 10".into())
        );
        for bot in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "facebookexternalhit/1.1",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "curl/8.5.0",
            "",
        ] {
            assert!(agent(Some(bot)).is_bot(), "{bot}");
        }
        assert!(agent(None).is_bot());
    }

    #[test]
    fn the_referrer_is_its_domain_or_direct() {
        assert_eq!(
            referrer(Some("https://www.Twitter.com/x/status/1")),
            "twitter.com"
        );
        assert_eq!(referrer(Some("android-app://com.slack")), "com.slack");
        assert_eq!(referrer(Some("not a url")), "(direct)");
        assert_eq!(referrer(None), "(direct)");
    }
}
