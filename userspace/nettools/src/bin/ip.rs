//! `ip addr` (`ip a`) and `ip route` (`ip r`): the interfaces with their
//! addresses, and the routing table, from netd's `netcfg` files, laid out
//! as iproute2 does.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, eprintln, format, println};
use nettools::{USAGE, fail, status};

cairn_rt::main!(main);

fn addr() -> i32 {
    let text = match status("ifaces") {
        Ok(text) => text,
        Err(e) => return fail("ip", format_args!("cannot read the interfaces (is netd running?): {e}")),
    };
    for (index, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [name, device, mac, mtu, state, addrs @ ..] = words.as_slice() else { continue };
        let flags = if *name == "lo" { "LOOPBACK,UP" } else { "BROADCAST,MULTICAST,UP" };
        println!("{}: {name}: <{flags}> mtu {mtu} state {} ({device})", index + 1, state.to_uppercase());
        if *name == "lo" {
            println!("    link/loopback 00:00:00:00:00:00");
        } else {
            println!("    link/ether {mac} brd ff:ff:ff:ff:ff:ff");
        }
        for cidr in addrs {
            let family = if cidr.contains(':') { "inet6" } else { "inet" };
            let scope = if cidr.starts_with("127.") || *cidr == "::1/128" {
                "host"
            } else if cidr.starts_with("fe80:") {
                "link"
            } else {
                "global"
            };
            println!("    {family} {cidr} scope {scope} {name}");
        }
    }
    0
}

fn route() -> i32 {
    match status("routes") {
        Ok(text) => {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            lines.sort_by_key(|line| !line.starts_with("default"));
            for line in lines {
                println!("{line}");
            }
            0
        }
        Err(e) => fail("ip", format_args!("cannot read the routes (is netd running?): {e}")),
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("a" | "addr" | "address") | None => addr(),
        Some("r" | "route") => route(),
        Some(other) => {
            eprintln!("ip: unknown object {}", format!("{other:?}"));
            eprintln!("usage: ip addr | ip route");
            USAGE
        }
    }
}
