//! Who is calling: the client's address, and how often an address may
//! write anonymously.
//!
//! **The address** is the connection's peer — unless that peer is a proxy
//! the operator trusts (`REVSHARE_TRUSTED_PROXIES`: addresses or CIDR
//! ranges), in which case `X-Forwarded-For` is read from the right, each
//! trusted hop skipped, and the first address a trusted hop did not add is
//! the client's. A header from anyone else is ignored: every client can
//! write one, and the left-most entry is whatever the client wrote.
//!
//! **Anonymous writes** (a click on a referral link, and the anonymous
//! forms to come) are limited per client address and tenant: at most
//! `REVSHARE_ANONYMOUS_WRITES_PER_MINUTE` a minute (fixed windows; IPv6
//! addresses by their /64, which one host commonly holds whole). Past it
//! the visitor still gets its answer and nothing is written. The count is
//! per replica and in memory, bounded: a flood of new addresses fills
//! the table, and until the next minute every address not in it is past
//! the limit — the writes stop, the answers do not.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

/// Proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// `10.0.0.0/8, 192.168.1.5, ::1`: addresses or CIDR ranges, comma
    /// separated; the error names the entry.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad =
                || format!("REVSHARE_TRUSTED_PROXIES: {entry:?} is not an address or a CIDR range");
            let (address, prefix) = match entry.split_once('/') {
                Some((address, prefix)) => (address, Some(prefix)),
                None => (entry, None),
            };
            let address: IpAddr = address.parse().map_err(|_| bad())?;
            let most = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= most)
                    .ok_or_else(bad)?,
                None => most,
            };
            networks.push((address, prefix));
        }
        Ok(TrustedProxies(networks))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0
            .iter()
            .any(|(network, prefix)| match (canonical(*network), address) {
                (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(&n.octets(), &a.octets(), *prefix),
                (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(&n.octets(), &a.octets(), *prefix),
                _ => false,
            })
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

fn same_prefix(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// The client's address: the peer, or — when the peer is a trusted proxy
/// — the right-most `X-Forwarded-For` entry that no trusted proxy added.
/// `None` when the server was not told its peers (a router served without
/// connection info).
pub fn address(
    peer: Option<SocketAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let mut client = canonical(peer?.ip());
    if !trusted.contains(client) {
        return Some(client);
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        // An entry that is no address ends the walk: the hop that wrote
        // it (trusted) is the last address known.
        let Ok(hop) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = canonical(hop);
        if !trusted.contains(client) {
            break;
        }
    }
    Some(client)
}

/// Most distinct addresses the limiter counts in one minute.
const MAX_TRACKED: usize = 100_000;

/// One minute's writes: the minute, and each tenant and address's count.
type Window = (u64, HashMap<(String, IpAddr), u32>);

/// Anonymous writes per client address and tenant, a minute at a time.
#[derive(Debug)]
pub struct AnonymousLimit {
    per_minute: u32,
    started: Instant,
    window: Mutex<Window>,
}

impl AnonymousLimit {
    /// At most `per_minute` writes a minute per address (0: no limit).
    pub fn new(per_minute: u32) -> AnonymousLimit {
        AnonymousLimit {
            per_minute,
            started: Instant::now(),
            window: Mutex::new((0, HashMap::new())),
        }
    }

    /// Whether one more anonymous write from `address` to `tenant_id` is
    /// within the limit (and counts it). An unknown address shares one
    /// count, so that leaving it out gains nothing.
    pub fn allow(&self, tenant_id: &str, address: Option<IpAddr>) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let address = address.map_or(IpAddr::from([0, 0, 0, 0]), by_host);
        let minute = self.started.elapsed().as_secs() / 60;
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if window.0 != minute {
            *window = (minute, HashMap::new());
        }
        let key = (tenant_id.to_owned(), address);
        let full = window.1.len() >= MAX_TRACKED;
        match window.1.get_mut(&key) {
            Some(count) if *count >= self.per_minute => false,
            Some(count) => {
                *count += 1;
                true
            }
            None if full => false,
            None => {
                window.1.insert(key, 1);
                true
            }
        }
    }
}

impl AnonymousLimit {
    /// Whether `address` is past the limit at `tenant_id` this minute,
    /// without counting anything (an unknown address shares one count).
    pub fn spent(&self, tenant_id: &str, address: Option<IpAddr>) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let address = address.map_or(IpAddr::from([0, 0, 0, 0]), by_host);
        let minute = self.started.elapsed().as_secs() / 60;
        let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        window.0 == minute
            && window
                .1
                .get(&(tenant_id.to_owned(), address))
                .is_some_and(|count| *count >= self.per_minute)
    }
}

/// An address as the limiter counts it: IPv6 by its /64.
fn by_host(address: IpAddr) -> IpAddr {
    match canonical(address) {
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40_000))
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        let client = address(peer("203.0.113.9"), &forwarded("198.51.100.1"), &none);
        assert_eq!(client, Some("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn a_trusted_proxy_names_the_right_most_address_it_did_not_add() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").unwrap();
        // The client wrote 1.1.1.1 itself; 198.51.100.7 reached the outer proxy.
        let headers = forwarded("1.1.1.1, 198.51.100.7, 10.1.2.3");
        let client = address(peer("192.168.1.5"), &headers, &trusted);
        assert_eq!(client, Some("198.51.100.7".parse().unwrap()));
        // Every hop trusted: the left-most one.
        let client = address(peer("10.9.9.9"), &forwarded("10.1.1.1"), &trusted);
        assert_eq!(client, Some("10.1.1.1".parse().unwrap()));
        // No header: the proxy itself.
        let client = address(peer("10.9.9.9"), &HeaderMap::new(), &trusted);
        assert_eq!(client, Some("10.9.9.9".parse().unwrap()));
        // Garbage ends the walk at the hop that wrote it.
        let client = address(peer("10.9.9.9"), &forwarded("evil, 10.2.2.2"), &trusted);
        assert_eq!(client, Some("10.2.2.2".parse().unwrap()));
    }

    #[test]
    fn ranges_cover_v4_v6_and_mapped_addresses() {
        let trusted = TrustedProxies::parse("10.0.0.0/8,2001:db8::/32,127.0.0.1").unwrap();
        assert!(trusted.contains("10.255.0.1".parse().unwrap()));
        assert!(!trusted.contains("11.0.0.1".parse().unwrap()));
        assert!(trusted.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!trusted.contains("2001:db9::5".parse().unwrap()));
        assert!(trusted.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
    }

    #[test]
    fn the_limit_counts_per_tenant_and_address_and_v6_by_its_64() {
        let limit = AnonymousLimit::new(3);
        let a = Some("203.0.113.9".parse().unwrap());
        assert!((0..3).all(|_| limit.allow("acme", a)));
        assert!(!limit.allow("acme", a));
        assert!(limit.allow("globex", a));
        let host = Some("2001:db8::1".parse().unwrap());
        let same_64 = Some("2001:db8::ffff".parse().unwrap());
        assert!((0..3).all(|_| limit.allow("acme", host)));
        assert!(!limit.allow("acme", same_64));
        assert!(AnonymousLimit::new(0).allow("acme", a));
    }
}
