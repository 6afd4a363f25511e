//! The paths of netd's socket schemes (docs/ABI.md, "Schemes of the
//! network stack"): what an `OPEN` asks for.

use alloc::string::String;
use core::net::{IpAddr, SocketAddr};

/// Which scheme a request came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemeKind {
    Tcp,
    Udp,
    Icmp,
    Dns,
    Netcfg,
}

impl SchemeKind {
    pub const ALL: [SchemeKind; 5] =
        [SchemeKind::Tcp, SchemeKind::Udp, SchemeKind::Icmp, SchemeKind::Dns, SchemeKind::Netcfg];

    pub fn name(self) -> &'static str {
        match self {
            SchemeKind::Tcp => "tcp",
            SchemeKind::Udp => "udp",
            SchemeKind::Icmp => "icmp",
            SchemeKind::Dns => "dns",
            SchemeKind::Netcfg => "netcfg",
        }
    }
}

/// The names of `netcfg`'s files, as its root lists them.
pub const STATUS_FILES: &str = "ifaces\nroutes\ndns\ndhcp\nsockets\nstats\n";

/// The status files of scheme `netcfg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFile {
    Ifaces,
    Routes,
    Dns,
    Dhcp,
    Sockets,
    Stats,
}

/// What an `OPEN` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    TcpConnect(SocketAddr),
    TcpListen(SocketAddr),
    UdpBind(SocketAddr),
    IcmpEcho(IpAddr),
    Resolve(String),
    Status(StatusFile),
    /// The scheme's root (an empty path): `netcfg` lists its files there;
    /// it lets `stat` see that the scheme is served.
    Root,
}

/// Why a path was refused: `EINVAL` (it names the right kind of thing
/// but badly) or `ENOENT` (no such thing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    Invalid,
    NotFound,
}

/// The longest host name asked of `dns` (RFC 1035's 253 characters).
const MAX_NAME: usize = 253;

fn socket_addr(text: &str) -> Result<SocketAddr, PathError> {
    text.parse::<SocketAddr>().map_err(|_| PathError::Invalid)
}

/// Parses the path of an `OPEN` on `scheme` (leading and trailing `/`
/// ignored).
pub fn parse(scheme: SchemeKind, path: &str) -> Result<Target, PathError> {
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Ok(Target::Root);
    }
    let (first, rest) = path.split_once('/').unwrap_or((path, ""));
    match scheme {
        SchemeKind::Tcp if first == "listen" => Ok(Target::TcpListen(socket_addr(rest)?)),
        SchemeKind::Tcp => {
            let addr = socket_addr(path)?;
            if addr.port() == 0 || addr.ip().is_unspecified() {
                return Err(PathError::Invalid);
            }
            Ok(Target::TcpConnect(addr))
        }
        SchemeKind::Udp if first == "bind" => Ok(Target::UdpBind(socket_addr(rest)?)),
        SchemeKind::Udp => Err(PathError::NotFound),
        SchemeKind::Icmp if first == "echo" => {
            let host = rest.trim_start_matches('[').trim_end_matches(']');
            let ip = host.parse::<IpAddr>().map_err(|_| PathError::Invalid)?;
            if ip.is_unspecified() {
                return Err(PathError::Invalid);
            }
            Ok(Target::IcmpEcho(ip))
        }
        SchemeKind::Icmp => Err(PathError::NotFound),
        SchemeKind::Dns => {
            let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' || c == ':';
            if path.is_empty() || path.len() > MAX_NAME || !path.chars().all(valid) {
                return Err(PathError::Invalid);
            }
            Ok(Target::Resolve(String::from(path)))
        }
        SchemeKind::Netcfg => Ok(Target::Status(match path {
            "ifaces" => StatusFile::Ifaces,
            "routes" => StatusFile::Routes,
            "dns" => StatusFile::Dns,
            "dhcp" => StatusFile::Dhcp,
            "sockets" => StatusFile::Sockets,
            "stats" => StatusFile::Stats,
            _ => return Err(PathError::NotFound),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_paths() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(parse(SchemeKind::Tcp, "10.0.2.2:80"), Ok(Target::TcpConnect(addr("10.0.2.2:80"))));
        assert_eq!(parse(SchemeKind::Tcp, "/[fe80::1]:22/"), Ok(Target::TcpConnect(addr("[fe80::1]:22"))));
        assert_eq!(parse(SchemeKind::Tcp, "listen/0.0.0.0:8080"), Ok(Target::TcpListen(addr("0.0.0.0:8080"))));
        assert_eq!(parse(SchemeKind::Tcp, "listen/[::]:0"), Ok(Target::TcpListen(addr("[::]:0"))));
        assert_eq!(parse(SchemeKind::Udp, "bind/0.0.0.0:7"), Ok(Target::UdpBind(addr("0.0.0.0:7"))));
        assert_eq!(parse(SchemeKind::Icmp, "echo/10.0.2.2"), Ok(Target::IcmpEcho(IpAddr::from([10, 0, 2, 2]))));
        assert_eq!(parse(SchemeKind::Icmp, "echo/[::1]"), Ok(Target::IcmpEcho("::1".parse().unwrap())));
        assert_eq!(parse(SchemeKind::Dns, "peer.example"), Ok(Target::Resolve("peer.example".into())));
        assert_eq!(parse(SchemeKind::Netcfg, "routes"), Ok(Target::Status(StatusFile::Routes)));
        for scheme in SchemeKind::ALL {
            assert_eq!(parse(scheme, "/"), Ok(Target::Root));
        }
    }

    #[test]
    fn bad_paths() {
        for (scheme, path, error) in [
            (SchemeKind::Tcp, "10.0.2.2", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:0", PathError::Invalid),
            (SchemeKind::Tcp, "0.0.0.0:80", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.256:80", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:65536", PathError::Invalid),
            (SchemeKind::Tcp, "fe80::1:80", PathError::Invalid),
            (SchemeKind::Tcp, "listen/any:80", PathError::Invalid),
            (SchemeKind::Tcp, "example.org:80", PathError::Invalid),
            (SchemeKind::Udp, "10.0.2.2:53", PathError::NotFound),
            (SchemeKind::Udp, "bind/10.0.2.2", PathError::Invalid),
            (SchemeKind::Icmp, "echo/", PathError::Invalid),
            (SchemeKind::Icmp, "echo/0.0.0.0", PathError::Invalid),
            (SchemeKind::Icmp, "ping/10.0.2.2", PathError::NotFound),
            (SchemeKind::Dns, "a b", PathError::Invalid),
            (SchemeKind::Dns, "x/y", PathError::Invalid),
            (SchemeKind::Netcfg, "passwords", PathError::NotFound),
        ] {
            assert_eq!(parse(scheme, path), Err(error), "{scheme:?} {path:?}");
        }
        let long = "a".repeat(254);
        assert_eq!(parse(SchemeKind::Dns, &long), Err(PathError::Invalid));
    }
}
