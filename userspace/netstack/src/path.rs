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

/// The smallest and largest receive buffer a TCP socket may ask for
/// (`rcvbuf=`): the window offered is at most this.
pub const MIN_RCVBUF: usize = 4 * 1024;
pub const MAX_RCVBUF: usize = 1024 * 1024;

/// Options a TCP socket is made with, after `?` in its path, joined by
/// `&`: `rcvbuf=BYTES` (connections and listeners; [`MIN_RCVBUF`] to
/// [`MAX_RCVBUF`]) and `reuseaddr=0|1` (listeners). Each at most once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// The receive buffer of the connection (or of each one accepted);
    /// `None`: netd's default.
    pub rcvbuf: Option<usize>,
    /// `SO_REUSEADDR`: the port may be bound while connections still use
    /// it (TIME-WAIT included), though not while another listener does.
    pub reuseaddr: bool,
}

/// Parses the options after `?`; `listener` allows `reuseaddr`.
fn tcp_options(text: Option<&str>, listener: bool) -> Result<TcpOptions, PathError> {
    let mut options = TcpOptions::default();
    let Some(text) = text else { return Ok(options) };
    let mut reuse_seen = false;
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=').ok_or(PathError::Invalid)?;
        match name {
            "rcvbuf" if options.rcvbuf.is_none() => {
                let bytes = value.parse::<usize>().map_err(|_| PathError::Invalid)?;
                if !(MIN_RCVBUF..=MAX_RCVBUF).contains(&bytes) {
                    return Err(PathError::Invalid);
                }
                options.rcvbuf = Some(bytes);
            }
            "reuseaddr" if listener && !reuse_seen => {
                options.reuseaddr = match value {
                    "0" => false,
                    "1" => true,
                    _ => return Err(PathError::Invalid),
                };
                reuse_seen = true;
            }
            _ => return Err(PathError::Invalid),
        }
    }
    Ok(options)
}

/// What an `OPEN` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    TcpConnect(SocketAddr, TcpOptions),
    TcpListen(SocketAddr, TcpOptions),
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

/// Splits `ADDR?OPTIONS` at its first `?`.
fn split_options(text: &str) -> (&str, Option<&str>) {
    match text.split_once('?') {
        Some((addr, options)) => (addr, Some(options)),
        None => (text, None),
    }
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
        SchemeKind::Tcp if first == "listen" => {
            let (addr, options) = split_options(rest);
            Ok(Target::TcpListen(socket_addr(addr)?, tcp_options(options, true)?))
        }
        SchemeKind::Tcp => {
            let (addr, options) = split_options(path);
            let addr = socket_addr(addr)?;
            if addr.port() == 0 || addr.ip().is_unspecified() {
                return Err(PathError::Invalid);
            }
            Ok(Target::TcpConnect(addr, tcp_options(options, false)?))
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
        let none = TcpOptions::default();
        assert_eq!(parse(SchemeKind::Tcp, "10.0.2.2:80"), Ok(Target::TcpConnect(addr("10.0.2.2:80"), none)));
        assert_eq!(parse(SchemeKind::Tcp, "/[fe80::1]:22/"), Ok(Target::TcpConnect(addr("[fe80::1]:22"), none)));
        assert_eq!(parse(SchemeKind::Tcp, "listen/0.0.0.0:8080"), Ok(Target::TcpListen(addr("0.0.0.0:8080"), none)));
        assert_eq!(parse(SchemeKind::Tcp, "listen/[::]:0"), Ok(Target::TcpListen(addr("[::]:0"), none)));
        assert_eq!(
            parse(SchemeKind::Tcp, "10.0.2.2:80?rcvbuf=65536"),
            Ok(Target::TcpConnect(addr("10.0.2.2:80"), TcpOptions { rcvbuf: Some(65536), reuseaddr: false }))
        );
        assert_eq!(
            parse(SchemeKind::Tcp, "listen/0.0.0.0:80?reuseaddr=1&rcvbuf=1048576"),
            Ok(Target::TcpListen(addr("0.0.0.0:80"), TcpOptions { rcvbuf: Some(MAX_RCVBUF), reuseaddr: true }))
        );
        assert_eq!(
            parse(SchemeKind::Tcp, "listen/0.0.0.0:80?reuseaddr=0"),
            Ok(Target::TcpListen(addr("0.0.0.0:80"), none))
        );
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
            (SchemeKind::Tcp, "10.0.2.2:80?", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?rcvbuf", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?rcvbuf=4095", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?rcvbuf=1048577", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?rcvbuf=-1", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?rcvbuf=8192&rcvbuf=8192", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?reuseaddr=1", PathError::Invalid),
            (SchemeKind::Tcp, "10.0.2.2:80?sndbuf=8192", PathError::Invalid),
            (SchemeKind::Tcp, "listen/0.0.0.0:80?reuseaddr=yes", PathError::Invalid),
            (SchemeKind::Tcp, "listen/0.0.0.0:80?reuseaddr=1&reuseaddr=1", PathError::Invalid),
            (SchemeKind::Tcp, "listen/0.0.0.0:80?rcvbuf=8192&", PathError::Invalid),
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
