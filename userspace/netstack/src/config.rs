//! `/etc/network.conf`: how each wired interface gets its addresses, the
//! extra routes and the DNS servers. One statement a line; `#` starts a
//! comment:
//!
//! ```text
//! iface eth0 dhcp                       # the default for every interface
//! iface eth1 static 192.168.7.2/24 fd00::2/64
//! route default via 192.168.7.1         # or: route 10.9.0.0/16 via 192.168.7.254
//! nameserver 192.168.7.1
//! ```
//!
//! An interface the file does not name uses DHCP. A `route`'s gateway
//! must lie in a static subnet of some interface (netd says so when it
//! does not); `nameserver`s are used with, and before, DHCP's.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

/// An address with its prefix length (`10.0.2.15/24`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `ADDR/LEN` (LEN at most 32 for IPv4, 128 for IPv6).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = text.split_once('/')?;
        let addr: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// How an interface gets its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addressing {
    Dhcp,
    Static(Vec<Cidr>),
}

/// A route: a destination subnet (`None`: the default route) and gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub dest: Option<Cidr>,
    pub via: IpAddr,
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkConfig {
    pub ifaces: Vec<(String, Addressing)>,
    pub routes: Vec<Route>,
    pub nameservers: Vec<IpAddr>,
}

/// A line that does not parse: its number (from 1) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub why: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

impl NetworkConfig {
    pub fn parse(text: &str) -> Result<NetworkConfig, ConfigError> {
        let mut config = NetworkConfig::default();
        for (index, line) in text.lines().enumerate() {
            let fail = |why| ConfigError { line: index + 1, why };
            let line = line.split('#').next().unwrap_or("");
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                ["iface", name, "dhcp"] => config.set_iface(name, Addressing::Dhcp).map_err(fail)?,
                ["iface", name, "static", addrs @ ..] if !addrs.is_empty() => {
                    let cidrs = addrs.iter().map(|a| Cidr::parse(a)).collect::<Option<Vec<Cidr>>>();
                    let cidrs = cidrs.ok_or(fail("an address is not ADDR/LEN"))?;
                    config.set_iface(name, Addressing::Static(cidrs)).map_err(fail)?;
                }
                ["iface", ..] => return Err(fail("expected `iface NAME dhcp` or `iface NAME static ADDR/LEN...`")),
                ["route", dest, "via", via] => {
                    let dest = match *dest {
                        "default" => None,
                        other => Some(Cidr::parse(other).ok_or(fail("the destination is not ADDR/LEN or default"))?),
                    };
                    let via: IpAddr = via.parse().map_err(|_| fail("the gateway is not an address"))?;
                    if dest.is_some_and(|d| d.addr.is_ipv4() != via.is_ipv4()) {
                        return Err(fail("the gateway's family differs from the destination's"));
                    }
                    config.routes.push(Route { dest, via });
                }
                ["route", ..] => return Err(fail("expected `route DEST/LEN via ADDR` or `route default via ADDR`")),
                ["nameserver", addr] => {
                    config.nameservers.push(addr.parse().map_err(|_| fail("the name server is not an address"))?)
                }
                ["nameserver", ..] => return Err(fail("expected `nameserver ADDR`")),
                _ => return Err(fail("unknown statement (iface, route or nameserver)")),
            }
        }
        Ok(config)
    }

    fn set_iface(&mut self, name: &str, addressing: Addressing) -> Result<(), &'static str> {
        if self.ifaces.iter().any(|(n, _)| n == name) {
            return Err("the interface is named twice");
        }
        self.ifaces.push((String::from(name), addressing));
        Ok(())
    }

    /// How interface `name` gets its addresses (DHCP unless named).
    pub fn addressing(&self, name: &str) -> Addressing {
        self.ifaces.iter().find(|(n, _)| n == name).map_or(Addressing::Dhcp, |(_, a)| a.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_statement() {
        let text = "# comment\n\niface eth0 dhcp\niface eth1 static 192.168.7.2/24 fd00::2/64 # two\n\
                    route default via 192.168.7.1\nroute 10.9.0.0/16 via 192.168.7.254\nnameserver 192.168.7.1\n";
        let config = NetworkConfig::parse(text).unwrap();
        assert_eq!(config.addressing("eth0"), Addressing::Dhcp);
        assert_eq!(config.addressing("eth7"), Addressing::Dhcp);
        let Addressing::Static(cidrs) = config.addressing("eth1") else { panic!() };
        assert_eq!(cidrs.len(), 2);
        assert_eq!(cidrs[1].prefix, 64);
        assert_eq!(config.routes[0].dest, None);
        assert_eq!(config.routes[1].dest.unwrap().to_string_for_test(), "10.9.0.0/16");
        assert_eq!(config.nameservers, [IpAddr::from([192, 168, 7, 1])]);
    }

    impl Cidr {
        fn to_string_for_test(self) -> std::string::String {
            std::format!("{self}")
        }
    }

    #[test]
    fn bad_lines_name_their_number() {
        for (text, line) in [
            ("iface eth0 static\n", 1),
            ("\niface eth0 static 10.0.0.1\n", 2),
            ("iface eth0 static 10.0.0.1/33\n", 1),
            ("iface eth0 static fd00::1/129\n", 1),
            ("iface eth0 dhcp\niface eth0 dhcp\n", 2),
            ("route default 10.0.0.1\n", 1),
            ("route 10.0.0.0/8 via fd00::1\n", 1),
            ("route x via 10.0.0.1\n", 1),
            ("nameserver one\n", 1),
            ("nameserver\n", 1),
            ("gateway 10.0.0.1\n", 1),
            ("iface eth0 bootp\n", 1),
        ] {
            assert_eq!(NetworkConfig::parse(text).unwrap_err().line, line, "{text:?}");
        }
    }
}
