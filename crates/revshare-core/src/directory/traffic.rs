//! Traffic that earns nothing (SPEC §37): what a campaign or a group
//! ignores — referrers on listed domains, and with `ignoreSearchEngines`
//! search ads (their click ids in the landing query) and search engines
//! (the referrer's host) — and the judgement of one click.
//!
//! A click's code's campaign and its partner's group are both asked: what
//! either ignores is ignored ([`TrafficSources::with`]). The first reason
//! that holds is the click's, in the order listed domain, search ad,
//! search engine.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};

/// The most domains one campaign or group lists.
pub const MAX_DOMAINS: usize = 100;

/// What a campaign or a group ignores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficSources {
    #[serde(default)]
    pub ignore_search_engines: bool,
    /// Hosts in lower case, each covering itself and the hosts under it.
    #[serde(default)]
    pub ignored_domains: Vec<String>,
}

/// Why a click was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    ListedDomain,
    SearchAd,
    SearchEngine,
}

impl Reason {
    /// Its name, as the API and the rollups write it.
    pub fn name(self) -> &'static str {
        match self {
            Reason::ListedDomain => "LISTED_DOMAIN",
            Reason::SearchAd => "SEARCH_AD",
            Reason::SearchEngine => "SEARCH_ENGINE",
        }
    }

    pub fn named(name: &str) -> Option<Reason> {
        [Reason::ListedDomain, Reason::SearchAd, Reason::SearchEngine]
            .into_iter()
            .find(|r| r.name() == name)
    }

    /// What a client refused for it is told.
    pub fn told(self) -> &'static str {
        match self {
            Reason::ListedDomain => "not counted: the referrer is on a domain the program ignores",
            Reason::SearchAd => "not counted: the program ignores clicks from search ads",
            Reason::SearchEngine => "not counted: the program ignores clicks from search engines",
        }
    }
}

/// The click ids search ads add to their landing URLs.
pub const SEARCH_AD_PARAMS: [&str; 5] = ["gclid", "gbraid", "wbraid", "msclkid", "yclid"];

impl TrafficSources {
    /// Stored text read; none is nothing ignored.
    pub fn of(stored: Option<&str>) -> ApiResult<TrafficSources> {
        match stored {
            None => Ok(TrafficSources::default()),
            Some(text) => ApiError::stored("traffic sources", text),
        }
    }

    /// Whether it ignores anything.
    pub fn any(&self) -> bool {
        self.ignore_search_engines || !self.ignored_domains.is_empty()
    }

    /// What this and `other` ignore together.
    pub fn with(mut self, other: &TrafficSources) -> TrafficSources {
        self.ignore_search_engines |= other.ignore_search_engines;
        for domain in &other.ignored_domains {
            if !self.ignored_domains.contains(domain) {
                self.ignored_domains.push(domain.clone());
            }
        }
        self
    }

    /// Why a click with this referrer (a URL, or a bare host) and landing
    /// query is ignored, if it is.
    pub fn judge(&self, referrer: Option<&str>, query: Option<&str>) -> Option<Reason> {
        if !self.any() {
            return None;
        }
        let host = referrer.and_then(referrer_host);
        if let Some(host) = &host
            && self.ignored_domains.iter().any(|d| under(host, d))
        {
            return Some(Reason::ListedDomain);
        }
        if !self.ignore_search_engines {
            return None;
        }
        if query.is_some_and(has_search_ad_id) {
            return Some(Reason::SearchAd);
        }
        if host.as_deref().is_some_and(search_engine) {
            return Some(Reason::SearchEngine);
        }
        None
    }
}

/// Checks what a client gave and encodes it: each domain a host (letters,
/// digits, hyphens, dots; a URL's host is taken, `www.` kept), at most
/// [`MAX_DOMAINS`], each once.
pub fn check(field: &str, ignore_search_engines: bool, domains: &[String]) -> ApiResult<String> {
    let field = format!("{field}.ignoredDomains");
    if domains.len() > MAX_DOMAINS {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(domains.len());
    for (i, given) in domains.iter().enumerate() {
        let host = given_host(given).ok_or_else(|| {
            ApiError::bad_input(
                format!("{field}[{i}]"),
                "must be a domain such as chatgpt.com",
            )
        })?;
        if !checked.contains(&host) {
            checked.push(host);
        }
    }
    ApiError::json(
        "traffic sources",
        &TrafficSources {
            ignore_search_engines,
            ignored_domains: checked,
        },
    )
}

/// A domain as given: a bare host, or a URL's host; in lower case,
/// without a trailing dot.
fn given_host(given: &str) -> Option<String> {
    let given = given.trim();
    let host = if given.contains("://") {
        url::Url::parse(given).ok()?.host_str()?.to_owned()
    } else {
        given.to_owned()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let valid = !host.is_empty()
        && host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()));
    valid.then_some(host)
}

/// A referrer's host in lower case: a URL's, or text that is a host.
pub fn referrer_host(referrer: &str) -> Option<String> {
    let referrer = referrer.trim();
    if referrer.is_empty() {
        return None;
    }
    match url::Url::parse(referrer) {
        Ok(url) => url
            .host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase()),
        Err(_) => given_host(referrer),
    }
}

/// Whether `host` is `domain` or under it.
fn under(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// Whether a query carries a search ad's click id (with a value).
fn has_search_ad_id(query: &str) -> bool {
    let query = query.strip_prefix('?').unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, value)| {
        !value.is_empty()
            && SEARCH_AD_PARAMS
                .iter()
                .any(|p| name.eq_ignore_ascii_case(p))
    })
}

/// Hosts of search engines besides Google's: each covers the hosts under
/// it.
const SEARCH_HOSTS: &[&str] = &[
    "bing.com",
    "search.yahoo.com",
    "search.yahoo.co.jp",
    "duckduckgo.com",
    "baidu.com",
    "yandex.ru",
    "yandex.com",
    "yandex.com.tr",
    "yandex.by",
    "yandex.kz",
    "yandex.ua",
    "ya.ru",
    "ecosia.org",
    "search.brave.com",
];

/// Hosts under a search engine's domain that are not its search.
const NOT_SEARCH: &[&str] = &["pan.baidu.com", "disk.yandex.ru", "mail.yandex.ru"];

/// Whether a host is a search engine's: Google's in every country
/// (`google.de`, `www.google.co.uk`, `google.com.au`; not
/// `mail.google.com`), or one of [`SEARCH_HOSTS`].
pub fn search_engine(host: &str) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    if let Some(country) = host.strip_prefix("google.") {
        let parts: Vec<&str> = country.split('.').collect();
        return match parts.as_slice() {
            [tld] => tld.len() >= 2 && tld.len() <= 3 && alphabetic(tld),
            [second, tld] => matches!(*second, "co" | "com") && tld.len() == 2 && alphabetic(tld),
            _ => false,
        };
    }
    if NOT_SEARCH.iter().any(|d| under(host, d)) {
        return false;
    }
    SEARCH_HOSTS.iter().any(|d| under(host, d))
}

fn alphabetic(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(engines: bool, domains: &[&str]) -> TrafficSources {
        TrafficSources {
            ignore_search_engines: engines,
            ignored_domains: domains.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_listed_domain_covers_itself_and_what_is_under_it_only() {
        let s = sources(false, &["chatgpt.com"]);
        let judge = |r: &str| s.judge(Some(r), None);
        assert_eq!(judge("https://chatgpt.com/c/1"), Some(Reason::ListedDomain));
        assert_eq!(
            judge("https://www.ChatGPT.com/"),
            Some(Reason::ListedDomain)
        );
        assert_eq!(judge("chatgpt.com"), Some(Reason::ListedDomain));
        assert_eq!(judge("https://notchatgpt.com/"), None);
        assert_eq!(judge("https://chatgpt.com.evil.test/"), None);
        // Without ignoreSearchEngines, search traffic counts.
        assert_eq!(
            s.judge(Some("https://www.google.de/"), Some("gclid=x")),
            None
        );
    }

    #[test]
    fn search_ads_and_search_engines_are_known() {
        let s = sources(true, &[]);
        assert_eq!(
            s.judge(None, Some("utm_source=x&GCLID=abc")),
            Some(Reason::SearchAd)
        );
        assert_eq!(s.judge(None, Some("?msclkid=1")), Some(Reason::SearchAd));
        assert_eq!(s.judge(None, Some("gclid=")), None);
        assert_eq!(s.judge(None, Some("fbclid=abc")), None);
        for host in [
            "https://www.google.com/",
            "https://google.de/search?q=x",
            "https://www.google.co.uk/",
            "https://www.google.com.au/",
            "https://www.bing.com/search",
            "https://cn.bing.com/",
            "https://de.search.yahoo.com/",
            "https://duckduckgo.com/",
            "https://www.baidu.com/",
            "https://yandex.ru/search",
            "https://www.ecosia.org/",
            "https://search.brave.com/search",
        ] {
            assert_eq!(
                s.judge(Some(host), None),
                Some(Reason::SearchEngine),
                "{host}"
            );
        }
        for host in [
            "https://mail.google.com/",
            "https://docs.google.com/",
            "https://google.example.com/",
            "https://googleblog.com/",
            "https://yahoo.com/",
            "https://pan.baidu.com/",
            "https://brave.com/",
        ] {
            assert_eq!(s.judge(Some(host), None), None, "{host}");
        }
    }

    #[test]
    fn a_listed_domain_comes_first_and_both_sources_count() {
        let campaign = sources(false, &["google.com"]);
        let group = sources(true, &["reddit.com"]);
        let both = campaign.with(&group);
        assert_eq!(
            both.judge(Some("https://www.google.com/"), Some("gclid=1")),
            Some(Reason::ListedDomain)
        );
        assert_eq!(
            both.judge(Some("https://old.reddit.com/"), None),
            Some(Reason::ListedDomain)
        );
        assert_eq!(
            both.judge(Some("https://bing.com/"), None),
            Some(Reason::SearchEngine)
        );
        assert_eq!(
            TrafficSources::default().judge(Some("https://google.com"), None),
            None
        );
    }

    #[test]
    fn domains_are_checked_as_hosts() {
        let encoded = check(
            "input.trafficSources",
            true,
            &[
                "ChatGPT.com".into(),
                "https://www.perplexity.ai/x".into(),
                "chatgpt.com".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            encoded,
            r#"{"ignoreSearchEngines":true,"ignoredDomains":["chatgpt.com","www.perplexity.ai"]}"#
        );
        for bad in [
            "",
            "localhost",
            "chat gpt.com",
            "-a.com",
            "a..com",
            "1.2.3.4",
        ] {
            let err = check(
                "input.trafficSources",
                false,
                &["ok.com".into(), bad.into()],
            )
            .unwrap_err();
            assert_eq!(
                err,
                ApiError::bad_input(
                    "input.trafficSources.ignoredDomains[1]",
                    "must be a domain such as chatgpt.com"
                ),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..=MAX_DOMAINS).map(|i| format!("d{i}.com")).collect();
        assert_eq!(
            check("input.trafficSources", false, &many).unwrap_err(),
            ApiError::bad_input("input.trafficSources.ignoredDomains", "at most 100 domains")
        );
    }
}
