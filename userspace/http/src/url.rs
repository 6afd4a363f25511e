//! `http://` URLs: parsing `http://host[:port]/path?query` (host a name, a dotted IPv4
//! address or a bracketed IPv6 literal), the `Host` field and request target they give, and
//! resolving a redirect's `Location` (absolute, scheme-relative, absolute-path or relative,
//! RFC 3986 §5.2) against the URL that was fetched.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::Error;

/// The longest URL accepted.
pub const MAX_URL: usize = 8192;
/// The longest host name accepted (RFC 1035).
const MAX_HOST_NAME: usize = 253;

/// The host part of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A name to resolve, in lower case.
    Name(String),
    V4([u8; 4]),
    V6([u16; 8]),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::V4([a, b, c, d]) => write!(f, "{a}.{b}.{c}.{d}"),
            Host::V6(groups) => {
                // The longest run of two or more zero groups becomes `::` (RFC 5952).
                let mut best = (0, 0);
                let mut run_start = 0;
                for (i, &group) in groups.iter().chain(core::iter::once(&1)).enumerate() {
                    if group != 0 {
                        if i - run_start > best.1 - best.0 && i - run_start >= 2 {
                            best = (run_start, i);
                        }
                        run_start = i + 1;
                    }
                }
                f.write_str("[")?;
                let write_groups = |f: &mut fmt::Formatter<'_>, groups: &[u16]| {
                    for (i, g) in groups.iter().enumerate() {
                        if i > 0 {
                            f.write_str(":")?;
                        }
                        write!(f, "{g:x}")?;
                    }
                    Ok(())
                };
                if best.1 > best.0 {
                    write_groups(f, &groups[..best.0])?;
                    f.write_str("::")?;
                    write_groups(f, &groups[best.1..])?;
                } else {
                    write_groups(f, groups)?;
                }
                f.write_str("]")
            }
        }
    }
}

fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Parses an IPv6 address (RFC 4291 §2.2 text forms, no zone).
fn parse_ipv6(text: &str) -> Option<[u16; 8]> {
    fn groups(text: &str, out: &mut Vec<u16>) -> Option<()> {
        if text.is_empty() {
            return Some(());
        }
        let parts: Vec<&str> = text.split(':').collect();
        for (i, part) in parts.iter().enumerate() {
            if i == parts.len() - 1 && part.contains('.') {
                let [a, b, c, d] = parse_ipv4(part)?;
                out.push(u16::from_be_bytes([a, b]));
                out.push(u16::from_be_bytes([c, d]));
            } else if (1..=4).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(u16::from_str_radix(part, 16).ok()?);
            } else {
                return None;
            }
            if out.len() > 8 {
                return None;
            }
        }
        Some(())
    }
    let (mut head, mut tail) = (Vec::new(), Vec::new());
    match text.split_once("::") {
        Some((before, after)) => {
            groups(before, &mut head)?;
            groups(after, &mut tail)?;
            if head.len() + tail.len() > 7 {
                return None;
            }
        }
        None => {
            groups(text, &mut head)?;
            if head.len() != 8 {
                return None;
            }
        }
    }
    let mut address = [0u16; 8];
    address[..head.len()].copy_from_slice(&head);
    address[8 - tail.len()..].copy_from_slice(&tail);
    Some(address)
}

fn parse_host(text: &str) -> Result<Host, Error> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(Error::BadHost)?;
        return parse_ipv6(inner).map(Host::V6).ok_or(Error::BadHost);
    }
    if text.is_empty() || text.len() > MAX_HOST_NAME {
        return Err(Error::BadHost);
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_ipv4(text).map(Host::V4).ok_or(Error::BadHost);
    }
    if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        return Err(Error::BadHost);
    }
    Ok(Host::Name(text.to_ascii_lowercase()))
}

/// An `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub host: Host,
    pub port: u16,
    /// The path and query, starting with `/`, as sent in the request line (fragment dropped).
    pub target: String,
}

impl Url {
    /// Parses `http://host[:port][/path][?query][#fragment]`.
    pub fn parse(text: &str) -> Result<Url, Error> {
        if text.len() > MAX_URL {
            return Err(Error::TooLong);
        }
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            _ => return Err(Error::UnsupportedScheme),
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(Error::UserInfo);
        }
        let (host, port) = match authority.rfind(':') {
            Some(colon) if !authority[colon..].contains(']') => {
                let port = &authority[colon + 1..];
                let port = match port {
                    "" => 80,
                    _ if port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) => {
                        port.parse::<u16>().ok().filter(|&p| p != 0).ok_or(Error::BadPort)?
                    }
                    _ => return Err(Error::BadPort),
                };
                (&authority[..colon], port)
            }
            _ => (authority, 80),
        };
        Ok(Url { host: parse_host(host)?, port, target: clean_target(target)? })
    }

    /// The value of the `Host` field: the host, and the port unless it is 80.
    pub fn host_field(&self) -> String {
        if self.port == 80 { self.host.to_string() } else { format!("{}:{}", self.host, self.port) }
    }

    /// The last path segment (still percent-encoded), or `None` for a directory URL.
    pub fn file_name(&self) -> Option<&str> {
        let path = self.target.split('?').next().unwrap_or("");
        path.rsplit('/').next().filter(|name| !name.is_empty())
    }

    /// Resolves a redirect's `Location` against this URL.
    pub fn join(&self, location: &str) -> Result<Url, Error> {
        let location = location.trim();
        if location.len() > MAX_URL {
            return Err(Error::TooLong);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("http://{rest}"));
        }
        if has_scheme(location) {
            return Url::parse(location);
        }
        let location = location.split('#').next().unwrap_or("");
        let base_path = self.target.split('?').next().unwrap_or("/");
        let target = if location.is_empty() {
            self.target.clone()
        } else if location.starts_with('?') {
            format!("{base_path}{location}")
        } else if location.starts_with('/') {
            String::from(location)
        } else {
            let directory = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
            format!("{directory}{location}")
        };
        Ok(Url { host: self.host.clone(), port: self.port, target: clean_target(&target)? })
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.host_field(), self.target)
    }
}

/// Whether a reference starts with `scheme:` (RFC 3986 §3.1).
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else {
        return false;
    };
    let scheme = &reference.as_bytes()[..colon];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme.iter().all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// A request target from a URL's path, query and fragment: the fragment is dropped, an empty
/// path becomes `/`, dot segments are applied, and only visible ASCII is allowed.
fn clean_target(text: &str) -> Result<String, Error> {
    let text = text.split('#').next().unwrap_or("");
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::BadTarget);
    }
    let (path, query) = match text.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (text, None),
    };
    let mut target = remove_dot_segments(&if path.starts_with('/') { String::from(path) } else { format!("/{path}") });
    if let Some(query) = query {
        target.push('?');
        target.push_str(query);
    }
    Ok(target)
}

/// RFC 3986 §5.2.4: `.` and `..` segments are applied; `..` at the root stays at the root.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        match *segment {
            "." | ".." => {
                if *segment == ".." && out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            _ => out.push(segment),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') { joined } else { format!("/{joined}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn parses_names_addresses_and_ports() {
        let u = url("http://Example.COM/a/b?c=d#frag");
        assert_eq!(u.host, Host::Name("example.com".into()));
        assert_eq!((u.port, u.target.as_str()), (80, "/a/b?c=d"));
        assert_eq!(u.host_field(), "example.com");
        let u = url("HTTP://10.0.2.2:8080");
        assert_eq!((u.host.clone(), u.port, u.target.as_str()), (Host::V4([10, 0, 2, 2]), 8080, "/"));
        assert_eq!(u.to_string(), "http://10.0.2.2:8080/");
        assert_eq!(url("http://h/a/./b/../../c/..").target, "/");
        assert_eq!(url("http://h/a/../b?x/../y").target, "/b?x/../y");
        let u = url("http://host:?q");
        assert_eq!((u.port, u.target.as_str()), (80, "/?q"));
    }

    #[test]
    fn parses_ipv6_literals() {
        let u = url("http://[::1]:8000/x");
        assert_eq!(u.host, Host::V6([0, 0, 0, 0, 0, 0, 0, 1]));
        assert_eq!((u.port, u.host_field().as_str()), (8000, "[::1]:8000"));
        let u = url("http://[fe80::a:B]/");
        assert_eq!(u.host, Host::V6([0xfe80, 0, 0, 0, 0, 0, 0xa, 0xb]));
        assert_eq!(u.host_field(), "[fe80::a:b]");
        let u = url("http://[::ffff:10.0.2.2]");
        assert_eq!(u.host, Host::V6([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0202]));
        let u = url("http://[1:2:3:4:5:6:7:8]");
        assert_eq!(u.host, Host::V6([1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(u.host_field(), "[1:2:3:4:5:6:7:8]");
        assert_eq!(url("http://[1:0:0:2:0:0:0:3]").host_field(), "[1:0:0:2::3]");
        assert_eq!(url("http://[::]").host_field(), "[::]");
    }

    #[test]
    fn refuses_bad_urls() {
        assert_eq!(Url::parse("https://x/"), Err(Error::UnsupportedScheme));
        assert_eq!(Url::parse("x/y"), Err(Error::UnsupportedScheme));
        assert_eq!(Url::parse("http:///path"), Err(Error::BadHost));
        assert_eq!(Url::parse("http://a b/"), Err(Error::BadHost));
        assert_eq!(Url::parse("http://user:pw@host/"), Err(Error::UserInfo));
        assert_eq!(Url::parse("http://h:0/"), Err(Error::BadPort));
        assert_eq!(Url::parse("http://h:65536/"), Err(Error::BadPort));
        assert_eq!(Url::parse("http://h:8a/"), Err(Error::BadPort));
        assert_eq!(Url::parse("http://1.2.3.256/"), Err(Error::BadHost));
        assert_eq!(Url::parse("http://01.2.3.4/"), Err(Error::BadHost));
        assert_eq!(Url::parse("http://1.2.3/"), Err(Error::BadHost));
        for bad in [
            "[1::2::3]",
            "[12345::]",
            "[1:2:3:4:5:6:7:8:9]",
            "[1:2:3:4:5:6:7]",
            "[::1",
            "[fe80::1%25eth0]",
            "[::g]",
            "[1:2:3:4:5:6:7::8]",
        ] {
            assert_eq!(Url::parse(&format!("http://{bad}/")), Err(Error::BadHost), "{bad}");
        }
        assert_eq!(Url::parse("http://h/a b"), Err(Error::BadTarget));
        assert_eq!(Url::parse(&format!("http://h/{}", "a".repeat(MAX_URL))), Err(Error::TooLong));
    }

    #[test]
    fn names_the_file() {
        assert_eq!(url("http://h/a/b.tar?x").file_name(), Some("b.tar"));
        assert_eq!(url("http://h/a/").file_name(), None);
        assert_eq!(url("http://h").file_name(), None);
    }

    #[test]
    fn resolves_redirects() {
        let base = url("http://h:81/a/b/c?q");
        let join = |loc: &str| base.join(loc).unwrap().to_string();
        assert_eq!(join("http://other/x"), "http://other/x");
        assert_eq!(join("//other:9/y"), "http://other:9/y");
        assert_eq!(join("/root"), "http://h:81/root");
        assert_eq!(join("d"), "http://h:81/a/b/d");
        assert_eq!(join("./d/"), "http://h:81/a/b/d/");
        assert_eq!(join("../d?z#f"), "http://h:81/a/d?z");
        assert_eq!(join("../../../../d"), "http://h:81/d");
        assert_eq!(join("/x/./y/../z"), "http://h:81/x/z");
        assert_eq!(join(".."), "http://h:81/a/");
        assert_eq!(join("?n"), "http://h:81/a/b/c?n");
        assert_eq!(join(""), "http://h:81/a/b/c?q");
        assert_eq!(base.join("ftp://x/"), Err(Error::UnsupportedScheme));
        assert_eq!(base.join("//"), Err(Error::BadHost));
        assert_eq!(base.join("a b"), Err(Error::BadTarget));
    }
}
