//! The text of scheme `netcfg`'s files (docs/ABI.md): interfaces, routes,
//! DNS servers, DHCP state, sockets and counters, for `ip`, `ss` and
//! friends. Taken when a file is opened.

use alloc::string::String;
use cairn_rt::format;
use core::fmt::Write;
use smoltcp::wire::IpCidr;

use cairn_netstack::path::StatusFile;

use crate::sockets::Sockets;
use crate::stack::{Dhcp, Stack};

pub fn text(file: StatusFile, stack: &mut Stack, sockets: &Sockets) -> String {
    let mut out = String::new();
    match file {
        StatusFile::Ifaces => {
            for iface in &stack.ifaces {
                let up = match iface.link.io.fd() {
                    Some(_) => "up",
                    None if iface.is_loopback() => "up",
                    None => "down",
                };
                let mac = iface.mac.map_or(String::from("-"), |m| {
                    let b = m.0;
                    format!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
                });
                let mtu = if iface.is_loopback() { 65535 } else { 1500 };
                let _ = write!(out, "{} {} {mac} {mtu} {up}", iface.name, iface.device.as_deref().unwrap_or("-"));
                for cidr in iface.iface.ip_addrs() {
                    let _ = write!(out, " {cidr}");
                }
                out.push('\n');
            }
        }
        StatusFile::Routes => {
            for iface in &mut stack.ifaces {
                for cidr in iface.iface.ip_addrs().to_vec() {
                    let subnet = match cidr {
                        IpCidr::Ipv4(v4) => format!("{}", v4.network()),
                        IpCidr::Ipv6(v6) => format!("{v6}"),
                    };
                    let _ = writeln!(out, "{subnet} dev {}", iface.name);
                }
                for (cidr, via) in iface.routes() {
                    let dest = if cidr.prefix_len() == 0 { String::from("default") } else { format!("{cidr}") };
                    let _ = writeln!(out, "{dest} via {via} dev {}", iface.name);
                }
            }
        }
        StatusFile::Dns => {
            for server in stack.nameservers() {
                let _ = writeln!(out, "nameserver {server}");
            }
        }
        StatusFile::Dhcp => {
            for iface in &stack.ifaces {
                match &iface.dhcp {
                    None => {}
                    Some(Dhcp::Static) => {
                        let _ = writeln!(out, "{} static", iface.name);
                    }
                    Some(Dhcp::Client { lease: None, .. }) => {
                        let _ = writeln!(out, "{} discovering", iface.name);
                    }
                    Some(Dhcp::Client { lease: Some(lease), .. }) => {
                        let _ = write!(out, "{} bound {}", iface.name, lease.address);
                        if let Some(router) = lease.router {
                            let _ = write!(out, " router {router}");
                        }
                        if !lease.dns.is_empty() {
                            out.push_str(" dns");
                            for server in &lease.dns {
                                let _ = write!(out, " {server}");
                            }
                        }
                        out.push('\n');
                    }
                }
            }
        }
        StatusFile::Sockets => {
            for line in sockets.lines(stack) {
                let _ = writeln!(
                    out,
                    "{} {} {} {} {} {}",
                    line.proto, line.local, line.peer, line.state, line.recv_queue, line.send_queue
                );
            }
        }
        StatusFile::Stats => {
            for iface in &stack.ifaces {
                let s = iface.link.stats;
                let fields = [
                    ("rx_frames", s.rx_frames),
                    ("rx_bytes", s.rx_bytes),
                    ("rx_bad", s.rx_bad()),
                    ("rx_short", s.rx_short),
                    ("rx_oversized", s.rx_oversized),
                    ("rx_bad_ipv4", s.rx_bad_ipv4),
                    ("rx_bad_ipv6", s.rx_bad_ipv6),
                    ("rx_syn_dropped", s.rx_syn_dropped),
                    ("tx_frames", s.tx_frames),
                    ("tx_bytes", s.tx_bytes),
                    ("tx_dropped", s.tx_dropped),
                ];
                for (name, value) in fields {
                    let _ = writeln!(out, "{}.{name} {value}", iface.name);
                }
            }
        }
    }
    out
}
