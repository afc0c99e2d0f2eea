//! Where a webhook may be sent (SPEC §12): an `https` URL whose host
//! resolves only to public addresses — never loopback, private, link-local,
//! carrier-grade NAT, multicast, unspecified or otherwise reserved, in IPv4
//! or IPv6 (NAT64 is judged by the IPv4 address inside; IPv4-mapped,
//! IPv4-translated, Teredo, 6to4 and local-use NAT64 are refused whole,
//! named by the address inside where it is itself forbidden). The check is made on the addresses connected to: the HTTP
//! client resolves through [`Resolver`], which refuses a host if any of its
//! addresses is forbidden and hands the client only the checked ones, so a
//! name that resolves again to something else (DNS rebinding) is not
//! followed; redirects are not followed either.
//!
//! `REVSHARE_WEBHOOK_ALLOW_PRIVATE=true` lifts both rules (tests, and
//! development on one machine).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Why an address may not be sent to, or `None` when it may.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let inside = Ipv4Addr::from((u32::from(segments[6]) << 16) | u32::from(segments[7]));
            // IPv4-mapped (::ffff:0:0/96) and IPv4-translated
            // (::ffff:0:0:0/96, RFC 2765): an IPv4 address
            // reached over IPv6 sockets, none sent to — the address
            // inside names why where it is itself forbidden.
            if v6.to_ipv4_mapped().is_some() {
                return forbidden_v4(inside).or(Some("mapped IPv4"));
            }
            if segments[..6] == [0, 0, 0, 0, 0xffff, 0] {
                return forbidden_v4(inside).or(Some("translated IPv4"));
            }
            // Teredo (2001::/32, RFC 4380) tunnels to the IPv4 client
            // address held inverted in its last 32 bits; relayed by
            // whoever announces it, none is sent to.
            if segments[..2] == [0x2001, 0] {
                return forbidden_v4(Ipv4Addr::from(!u32::from(inside))).or(Some("Teredo"));
            }
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [.., a, b] = segments;
                return forbidden_v4(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b)));
            }
            // 6to4 (2002::/16) carries an IPv4 address in bits 16–47: one
            // of 2002:7f00:1:: is loopback. Deprecated (RFC 7526) and
            // relayed by whoever announces it, none is sent to; the
            // address inside names why where it is itself forbidden.
            if segments[0] == 0x2002 {
                let inside =
                    Ipv4Addr::from((u32::from(segments[1]) << 16) | u32::from(segments[2]));
                return forbidden_v4(inside).or(Some("6to4 (deprecated)"));
            }
            // Local-use NAT64 (64:ff9b:1::/48, RFC 8215): a network's own
            // translator, never the public internet.
            if segments[..3] == [0x64, 0xff9b, 0x1] {
                return Some("local-use NAT64");
            }
            if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if segments[0] & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if segments[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if segments[0] & 0xffc0 == 0xfec0 {
                Some("site-local")
            } else if segments[..2] == [0x2001, 0x0db8] {
                Some("documentation")
            } else if segments[..6] == [0, 0, 0, 0, 0, 0] {
                // IPv4-compatible (::a.b.c.d), deprecated.
                Some("reserved")
            } else {
                None
            }
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("carrier-grade NAT")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast()
        || a >= 240
        || (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 0, 2)
        || (a, b) == (198, 18)
        || (a, b) == (198, 19)
    {
        Some("reserved")
    } else {
        None
    }
}

/// Checks an endpoint URL's form: `https` (or `http` when private
/// addresses are allowed), a host, no credentials; and, when the host is
/// an address, that it may be sent to.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "must be an absolute URL".to_owned())?;
    match (parsed.scheme(), allow_private) {
        ("https", _) | ("http", true) => {}
        _ => return Err("must be an https URL".into()),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let host = parsed.host().ok_or_else(|| "must name a host".to_owned())?;
    if !allow_private {
        let ip = match host {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            // `localhost.`, `app.localhost` (RFC 6761) as well.
            url::Host::Domain(name)
                if {
                    let name = name.trim_end_matches('.').to_ascii_lowercase();
                    name == "localhost" || name.ends_with(".localhost")
                } =>
            {
                return Err("must not be a loopback address".into());
            }
            url::Host::Domain(_) => None,
        };
        if let Some(reason) = ip.and_then(forbidden) {
            return Err(format!("must not be a {reason} address"));
        }
    }
    Ok(parsed)
}

/// The HTTP client's resolver: every address of a name is checked, and
/// only checked ones are connected to.
#[derive(Clone)]
pub struct Resolver {
    pub allow_private: bool,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() {
                return Err(format!("{host} resolves to no address").into());
            }
            if !allow_private
                && let Some((address, reason)) = addresses
                    .iter()
                    .find_map(|a| forbidden(a.ip()).map(|reason| (a.ip(), reason)))
            {
                return Err(format!("{host} resolves to {address}, a {reason} address").into());
            }
            let checked: Addrs = Box::new(addresses.into_iter());
            Ok(checked)
        })
    }
}

/// The client deliveries are sent with: the resolver above, no redirects,
/// no proxy, `timeout` for the whole exchange.
pub fn client(timeout: std::time::Duration, allow_private: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(Resolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .user_agent(concat!("revshare-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with a resolver and rustls")
}

/// Why an answer's body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    /// It is longer than the limit: reading stopped there.
    TooLarge,
    /// The exchange broke off, in words without the library's text.
    Broken(String),
}

/// An answer's body, read chunk by chunk and given up on as soon as it
/// passes `limit` bytes — a `Content-Length` past it is refused unread —
/// so that an endless or oversized answer never costs more memory than
/// the limit. The connection is dropped with the answer.
pub async fn body_within(
    mut answer: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if answer
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|err| BodyError::Broken(network_error(&err)))?
    {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What went wrong with an exchange, in words an operator can act on:
/// a timeout, a name that does not resolve (with the resolver's words),
/// a refused connection, a failed TLS handshake — never the library's
/// outer text, which carries the whole URL with its query.
pub fn network_error(err: &reqwest::Error) -> String {
    use std::error::Error;
    if err.is_timeout() {
        return "timed out".into();
    }
    // The chain below reqwest's own error: hyper's, the connector's, the
    // resolver's or the socket's.
    let mut chain: Vec<String> = Vec::new();
    let mut io_kind = None;
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            io_kind = io_kind.or(Some(io.kind()));
        }
        chain.push(cause.to_string());
        source = cause.source();
    }
    let innermost = chain.last().cloned().unwrap_or_default();
    let said = |what: &str| match innermost.is_empty() || innermost == what {
        true => what.to_owned(),
        false => format!("{what} ({innermost})"),
    };
    if chain.iter().any(|c| c.starts_with("dns error")) {
        return said("dns error");
    }
    match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => return "connection refused".into(),
        Some(std::io::ErrorKind::ConnectionReset) => return "connection reset".into(),
        Some(std::io::ErrorKind::TimedOut) => return "timed out".into(),
        _ => {}
    }
    if chain
        .iter()
        .any(|c| c.contains("certificate") || c.contains("tls") || c.contains("TLS"))
    {
        return said("TLS failed");
    }
    if err.is_connect() {
        said("no connection")
    } else if err.is_body() || err.is_decode() {
        said("the answer broke off")
    } else {
        said("a broken exchange")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_in_every_form() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "::127.0.0.1",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2002:5db8:d822::1",
            "64:ff9b:1::7f00:1",
            "64:ff9b:1::5db8:d822",
            "::ffff:93.184.216.34",
            "::ffff:0:93.184.216.34",
            "::ffff:0:127.0.0.1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001::1",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(forbidden(ip).is_some(), "{refused} was allowed");
        }
        for allowed in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
        ] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert_eq!(forbidden(ip), None, "{allowed}");
        }
        // 6to4 names the address inside where it is itself forbidden.
        let loopback: IpAddr = "2002:7f00:1::1".parse().unwrap();
        assert_eq!(forbidden(loopback), Some("loopback"));
        let public: IpAddr = "2002:5db8:d822::1".parse().unwrap();
        assert_eq!(forbidden(public), Some("6to4 (deprecated)"));
        // So do the mapped, translated and Teredo forms.
        for (ip, why) in [
            ("::ffff:93.184.216.34", "mapped IPv4"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:0:93.184.216.34", "translated IPv4"),
            ("::ffff:0:127.0.0.1", "loopback"),
            // Client 192.0.2.45 inverted, as RFC 4380's example holds it.
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"),
            ("2001:0:4136:e378:8000:63bf:a247:2bcb", "Teredo"),
            // 127.0.0.1 inverted: 0x80ff:fffe.
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),
        ] {
            let address: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden(address), Some(why), "{ip}");
        }
    }

    #[test]
    fn urls_are_https_with_a_public_host() {
        assert!(check_url("https://hooks.example.com/revshare", false).is_ok());
        for (url, why) in [
            ("http://hooks.example.com/", "must be an https URL"),
            ("https://127.0.0.1/", "must not be a loopback address"),
            (
                "https://[::ffff:10.0.0.1]/",
                "must not be a private address",
            ),
            (
                "https://[::ffff:93.184.216.34]/",
                "must not be a mapped IPv4 address",
            ),
            (
                "https://[2001:0:4136:e378:8000:63bf:a247:2bcb]/",
                "must not be a Teredo address",
            ),
            ("https://localhost:8443/", "must not be a loopback address"),
            (
                "https://user:pw@hooks.example.com/",
                "must not carry credentials",
            ),
            ("hooks.example.com", "must be an absolute URL"),
        ] {
            assert_eq!(check_url(url, false).unwrap_err(), why, "{url}");
        }
        assert!(check_url("http://127.0.0.1:9999/hook", true).is_ok());
        // Other spellings of loopback.
        for url in [
            "https://localhost./",
            "https://api.LOCALHOST/",
            "https://127.1/",
            "https://0x7f.0.0.1/",
        ] {
            assert_eq!(
                check_url(url, false).unwrap_err(),
                "must not be a loopback address",
                "{url}"
            );
        }
    }

    /// The client checks the address it connects to: a name that resolves
    /// to loopback is refused when sending, whatever was checked before.
    #[tokio::test]
    async fn the_client_refuses_to_connect_to_a_forbidden_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://localhost:{port}/hook");
        let refused = client(std::time::Duration::from_secs(2), false)
            .post(&url)
            .send()
            .await
            .unwrap_err();
        let mut causes = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(&refused);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        assert!(
            causes
                .iter()
                .any(|c| c.contains("resolves to 127.0.0.1, a loopback address")),
            "{causes:?}"
        );
        // Allowed, the same request reaches the listener.
        let accepted = tokio::spawn(async move { listener.accept().await.is_ok() });
        let _ = client(std::time::Duration::from_millis(300), true)
            .post(&url)
            .send()
            .await;
        assert!(accepted.await.unwrap());
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_private_address_is_refused() {
        let resolver = Resolver {
            allow_private: false,
        };
        let refused = resolver.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err());
        let allowed = Resolver {
            allow_private: true,
        }
        .resolve("localhost".parse().unwrap())
        .await;
        assert!(allowed.is_ok());
    }
}
