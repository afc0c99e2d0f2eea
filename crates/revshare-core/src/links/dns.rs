//! The one DNS question revshare asks: the TXT records of a name, to see
//! whether a tenant has proved it owns a link domain ([`super::domains`]).
//!
//! A stub resolver in the sense of RFC 1035 §7: one query with recursion
//! desired to the configured resolver (`REVSHARE_DNS_RESOLVER`, else the
//! first `nameserver` of `/etc/resolv.conf`), over UDP, again over TCP
//! when the answer is truncated (RFC 7766). Each TXT record's strings are
//! joined, as SPF and every verification record read them. Only records
//! whose owner is the very name asked count: a record the resolver
//! returns for another name (a chain it followed, a poisoned or careless
//! answer) proves nothing of this one. Whatever a server sends back is
//! read with bounds checked: a malformed answer is an error, never a
//! panic.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one try waits for an answer.
const WAIT: Duration = Duration::from_secs(3);
/// Tries over UDP before the look-up fails.
const TRIES: usize = 2;
const TYPE_TXT: u16 = 16;
const CLASS_IN: u16 = 1;

/// Where questions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolver(pub SocketAddr);

/// Why a look-up told nothing (the name's records are unknown, not absent).
#[derive(Debug)]
pub enum LookupError {
    /// No answer in time, or the resolver could not be reached.
    NoAnswer(String),
    /// The resolver answered with an error code (SERVFAIL, REFUSED, …).
    Refused(u8),
    /// An answer that is not DNS.
    Malformed(&'static str),
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NoAnswer(why) => write!(f, "the DNS resolver did not answer ({why})"),
            LookupError::Refused(code) => write!(f, "the DNS resolver answered error {code}"),
            LookupError::Malformed(why) => write!(f, "the DNS answer is malformed ({why})"),
        }
    }
}

impl Resolver {
    /// `REVSHARE_DNS_RESOLVER` as given (`1.1.1.1`, `127.0.0.1:5353`,
    /// `[::1]:53`), or the system's.
    pub fn parse(given: Option<&str>) -> Result<Resolver, String> {
        let Some(text) = given.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Resolver::system());
        };
        if let Ok(address) = text.parse::<SocketAddr>() {
            return Ok(Resolver(address));
        }
        match text.parse::<IpAddr>() {
            Ok(ip) => Ok(Resolver(SocketAddr::new(ip, 53))),
            Err(_) => Err(format!(
                "REVSHARE_DNS_RESOLVER {text:?} is not an address (1.1.1.1, 127.0.0.1:5353)"
            )),
        }
    }

    /// The first `nameserver` of `/etc/resolv.conf`, else loopback.
    pub fn system() -> Resolver {
        let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let first = conf.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next()?.split('%').next()?.parse::<IpAddr>().ok())
                .flatten()
        });
        Resolver(SocketAddr::new(
            first.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            53,
        ))
    }

    /// The TXT records of `name` (none when the name or its records do not
    /// exist), each one's strings joined: those whose owner is `name`
    /// itself alone.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        let mut id = [0u8; 2];
        getrandom::fill(&mut id).map_err(|e| LookupError::NoAnswer(e.to_string()))?;
        let id = u16::from_be_bytes(id);
        let query = query(id, name).ok_or(LookupError::Malformed("the name is not a DNS name"))?;
        let mut last = LookupError::NoAnswer("no try made".into());
        for _ in 0..TRIES {
            match self.over_udp(&query, id).await {
                Ok(answer) => match read(&answer, id, name)? {
                    Read::Records(records) => return Ok(records),
                    Read::Truncated => {
                        let answer = self.over_tcp(&query).await?;
                        return match read(&answer, id, name)? {
                            Read::Records(records) => Ok(records),
                            Read::Truncated => Err(LookupError::Malformed("truncated over TCP")),
                        };
                    }
                },
                Err(err) => last = err,
            }
        }
        Err(last)
    }

    async fn over_udp(&self, query: &[u8], id: u16) -> Result<Vec<u8>, LookupError> {
        let no_answer = |e: std::io::Error| LookupError::NoAnswer(e.to_string());
        let local: SocketAddr = match self.0 {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = tokio::net::UdpSocket::bind(local)
            .await
            .map_err(no_answer)?;
        socket.connect(self.0).await.map_err(no_answer)?;
        socket.send(query).await.map_err(no_answer)?;
        let mut buffer = vec![0u8; 4096];
        let waited = tokio::time::timeout(WAIT, async {
            loop {
                let read = socket.recv(&mut buffer).await?;
                // An answer to another question (a late one) is skipped.
                if read >= 2 && u16::from_be_bytes([buffer[0], buffer[1]]) == id {
                    return Ok::<usize, std::io::Error>(read);
                }
            }
        })
        .await;
        match waited {
            Ok(Ok(read)) => {
                buffer.truncate(read);
                Ok(buffer)
            }
            Ok(Err(err)) => Err(no_answer(err)),
            Err(_) => Err(LookupError::NoAnswer(format!("none within {WAIT:?}"))),
        }
    }

    async fn over_tcp(&self, query: &[u8]) -> Result<Vec<u8>, LookupError> {
        let no_answer = |e: std::io::Error| LookupError::NoAnswer(e.to_string());
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(self.0).await?;
            let length = u16::try_from(query.len()).unwrap_or(u16::MAX);
            let mut framed = length.to_be_bytes().to_vec();
            framed.extend_from_slice(query);
            stream.write_all(&framed).await?;
            let mut length = [0u8; 2];
            stream.read_exact(&mut length).await?;
            let mut answer = vec![0u8; u16::from_be_bytes(length) as usize];
            stream.read_exact(&mut answer).await?;
            Ok::<Vec<u8>, std::io::Error>(answer)
        };
        match tokio::time::timeout(WAIT, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(err)) => Err(no_answer(err)),
            Err(_) => Err(LookupError::NoAnswer(format!(
                "none within {WAIT:?} over TCP"
            ))),
        }
    }
}

/// A query for `name`'s TXT records, recursion desired; `None` for a name
/// DNS cannot carry.
fn query(id: u16, name: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len() + 18);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    if out.len() - 12 > 255 {
        return None;
    }
    out.extend_from_slice(&TYPE_TXT.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Some(out)
}

enum Read {
    Records(Vec<String>),
    Truncated,
}

/// The labels of `name` as compared: lower case, without the final dot.
fn labels(name: &str) -> Vec<Vec<u8>> {
    name.trim_end_matches('.')
        .split('.')
        .map(|label| label.to_ascii_lowercase().into_bytes())
        .collect()
}

/// Reads an answer to query `id` for `name`: the TXT records whose owner
/// is `name` (none for NXDOMAIN).
fn read(answer: &[u8], id: u16, name: &str) -> Result<Read, LookupError> {
    let asked = labels(name);
    let mut at = Cursor {
        bytes: answer,
        at: 0,
    };
    if at.u16()? != id {
        return Err(LookupError::Malformed("an answer to another query"));
    }
    let flags = at.u16()?;
    if flags & 0x8000 == 0 {
        return Err(LookupError::Malformed("a query, not an answer"));
    }
    if flags & 0x0200 != 0 {
        return Ok(Read::Truncated);
    }
    match (flags & 0x000f) as u8 {
        0 => {}
        3 => return Ok(Read::Records(Vec::new())),
        code => return Err(LookupError::Refused(code)),
    }
    let questions = at.u16()?;
    let answers = at.u16()?;
    at.u16()?;
    at.u16()?;
    for _ in 0..questions {
        at.skip_name()?;
        at.take(4)?;
    }
    let mut records = Vec::new();
    for _ in 0..answers {
        let owner = at.name()?;
        let (kind, class) = (at.u16()?, at.u16()?);
        at.take(4)?;
        let length = at.u16()? as usize;
        let data = at.take(length)?;
        if kind != TYPE_TXT || class != CLASS_IN || owner != asked {
            continue;
        }
        let mut text = Vec::new();
        let mut strings = Cursor { bytes: data, at: 0 };
        while strings.at < data.len() {
            let size = strings.take(1)?[0] as usize;
            text.extend_from_slice(strings.take(size)?);
        }
        records.push(String::from_utf8_lossy(&text).into_owned());
    }
    Ok(Read::Records(records))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], LookupError> {
        let end = self
            .at
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(LookupError::Malformed("shorter than it says"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u16(&mut self) -> Result<u16, LookupError> {
        let two = self.take(2)?;
        Ok(u16::from_be_bytes([two[0], two[1]]))
    }

    /// Reads a name: its labels in lower case, following a pointer that
    /// ends it to the earlier labels it names (RFC 1035 §4.1.4); the
    /// cursor steps over the name as written.
    fn name(&mut self) -> Result<Vec<Vec<u8>>, LookupError> {
        let mut labels = Vec::new();
        let mut at = self.at;
        // Where the cursor goes on: after the first pointer, if any.
        let mut after: Option<usize> = None;
        for _ in 0..128 {
            let size = *self
                .bytes
                .get(at)
                .ok_or(LookupError::Malformed("shorter than it says"))?;
            match size {
                0 => {
                    self.at = after.unwrap_or(at + 1);
                    return Ok(labels);
                }
                s if s & 0xc0 == 0xc0 => {
                    let low = *self
                        .bytes
                        .get(at + 1)
                        .ok_or(LookupError::Malformed("shorter than it says"))?;
                    let target = (usize::from(s & 0x3f) << 8) | usize::from(low);
                    // A pointer names an earlier name: one that does not
                    // could loop.
                    if target >= at {
                        return Err(LookupError::Malformed("a pointer that does not point back"));
                    }
                    after = after.or(Some(at + 2));
                    at = target;
                }
                s if s & 0xc0 == 0 => {
                    let end = at + 1 + usize::from(s);
                    let label = self
                        .bytes
                        .get(at + 1..end)
                        .ok_or(LookupError::Malformed("shorter than it says"))?;
                    labels.push(label.to_ascii_lowercase());
                    at = end;
                }
                _ => return Err(LookupError::Malformed("a label of an unknown kind")),
            }
        }
        Err(LookupError::Malformed("a name of too many labels"))
    }

    /// Steps over a name, its labels or a pointer ending it (RFC 1035 §4.1.4).
    fn skip_name(&mut self) -> Result<(), LookupError> {
        for _ in 0..128 {
            let size = self.take(1)?[0];
            match size {
                0 => return Ok(()),
                s if s & 0xc0 == 0xc0 => {
                    self.take(1)?;
                    return Ok(());
                }
                s if s & 0xc0 == 0 => {
                    self.take(s as usize)?;
                }
                _ => return Err(LookupError::Malformed("a label of an unknown kind")),
            }
        }
        Err(LookupError::Malformed("a name of too many labels"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The name every answer here is to.
    const ASKED: &str = "_revshare-challenge.go.acme.test";

    /// An answer to `id` with the given TXT records, each split in strings.
    fn answer(id: u16, flags: u16, records: &[&[&str]]) -> Vec<u8> {
        let mut out = query(id, "_revshare-challenge.go.acme.test").unwrap();
        out[2..4].copy_from_slice(&flags.to_be_bytes());
        out[6..8].copy_from_slice(&(records.len() as u16).to_be_bytes());
        for strings in records {
            out.extend_from_slice(&[0xc0, 12]);
            out.extend_from_slice(&TYPE_TXT.to_be_bytes());
            out.extend_from_slice(&CLASS_IN.to_be_bytes());
            out.extend_from_slice(&300u32.to_be_bytes());
            let data: Vec<u8> = strings
                .iter()
                .flat_map(|s| std::iter::once(s.len() as u8).chain(s.bytes()))
                .collect();
            out.extend_from_slice(&(data.len() as u16).to_be_bytes());
            out.extend_from_slice(&data);
        }
        out
    }

    fn records(read: Read) -> Vec<String> {
        match read {
            Read::Records(records) => records,
            Read::Truncated => panic!("truncated"),
        }
    }

    #[test]
    fn a_query_asks_for_txt_with_recursion() {
        let q = query(0x1234, "a.example.").unwrap();
        assert_eq!(
            q,
            [
                0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 7, b'e', b'x', b'a', b'm', b'p',
                b'l', b'e', 0, 0, 16, 0, 1
            ]
        );
        assert!(query(1, "a..b").is_none());
        assert!(query(1, &"a".repeat(64)).is_none());
    }

    #[test]
    fn records_are_read_and_their_strings_joined() {
        let bytes = answer(
            7,
            0x8180,
            &[&["revshare-", "verification=abc"], &["v=spf1 -all"]],
        );
        assert_eq!(
            records(read(&bytes, 7, ASKED).unwrap()),
            ["revshare-verification=abc", "v=spf1 -all"]
        );
        // NXDOMAIN: no records. SERVFAIL: unknown.
        assert!(records(read(&answer(7, 0x8183, &[]), 7, ASKED).unwrap()).is_empty());
        assert!(matches!(
            read(&answer(7, 0x8182, &[]), 7, ASKED),
            Err(LookupError::Refused(2))
        ));
        assert!(matches!(
            read(&answer(7, 0x8380, &[]), 7, ASKED),
            Ok(Read::Truncated)
        ));
        assert!(read(&bytes, 8, ASKED).is_err());
        // The name asked in another case, or with its final dot, is itself.
        assert_eq!(
            records(read(&bytes, 7, "_REVSHARE-challenge.Go.acme.test.").unwrap()).len(),
            2
        );
    }

    #[test]
    fn only_records_owned_by_the_name_asked_count() {
        // The first record's owner is the name asked (a pointer to the
        // question); the second's is another name, written out.
        let mut bytes = answer(7, 0x8180, &[&["revshare-verification=ours"]]);
        bytes[6..8].copy_from_slice(&2u16.to_be_bytes());
        for label in ["proof", "attacker", "test"] {
            bytes.push(label.len() as u8);
            bytes.extend_from_slice(label.as_bytes());
        }
        bytes.push(0);
        bytes.extend_from_slice(&TYPE_TXT.to_be_bytes());
        bytes.extend_from_slice(&CLASS_IN.to_be_bytes());
        bytes.extend_from_slice(&300u32.to_be_bytes());
        let text = b"revshare-verification=theirs";
        bytes.extend_from_slice(&(text.len() as u16 + 1).to_be_bytes());
        bytes.push(text.len() as u8);
        bytes.extend_from_slice(text);
        assert_eq!(
            records(read(&bytes, 7, ASKED).unwrap()),
            ["revshare-verification=ours"]
        );
        assert_eq!(
            records(read(&bytes, 7, "proof.attacker.test").unwrap()),
            ["revshare-verification=theirs"]
        );
        assert!(records(read(&bytes, 7, "go.acme.test").unwrap()).is_empty());
        // A pointer forward (or to itself) is refused, never followed.
        let mut looping = answer(7, 0x8180, &[&["x"]]);
        // The record: its owner (a pointer), type, class, TTL, length, "x".
        let at = looping.len() - 14;
        let forward = (at as u16) | 0xc000;
        looping[at..at + 2].copy_from_slice(&forward.to_be_bytes());
        assert!(read(&looping, 7, ASKED).is_err());
    }

    #[test]
    fn resolvers_are_addresses() {
        assert_eq!(
            Resolver::parse(Some("127.0.0.1:5353")).unwrap().0,
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            Resolver::parse(Some("::1")).unwrap().0,
            "[::1]:53".parse().unwrap()
        );
        assert!(Resolver::parse(Some("dns.example")).is_err());
    }

    proptest! {
        /// Nothing a server sends panics the reader.
        #[test]
        fn any_answer_is_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = read(&bytes, 0, ASKED);
        }

        #[test]
        fn a_cut_answer_is_refused(cut in 0usize..60) {
            let bytes = answer(9, 0x8180, &[&["revshare-verification=abc"]]);
            if cut < bytes.len() {
                prop_assert!(read(&bytes[..cut], 9, ASKED).is_err());
            }
        }
    }
}
