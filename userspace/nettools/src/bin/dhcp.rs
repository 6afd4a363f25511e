//! `dhcp`: the DHCP state of every wired interface
//! (`/scheme/netcfg/dhcp`): whether it is configured statically, still
//! discovering, or bound, with the lease's address, router and DNS
//! servers. Exit status 0, 1 when netd cannot be asked, 2 on a usage
//! error.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, eprintln, println};
use nettools::{USAGE, fail, status};

cairn_rt::main!(main);

fn main() -> i32 {
    if cairn_rt::env::args().len() > 1 {
        eprintln!("usage: dhcp");
        return USAGE;
    }
    let text = match status("dhcp") {
        Ok(text) => text,
        Err(e) => return fail("dhcp", format_args!("cannot read the DHCP state (is netd running?): {e}")),
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [iface, "static"] => println!("{iface}: static configuration (/etc/network.conf), no DHCP"),
            [iface, "discovering"] => println!("{iface}: discovering (no lease yet)"),
            [iface, "bound", address, rest @ ..] => {
                println!("{iface}: bound {address}");
                let mut words = rest.iter();
                while let Some(word) = words.next() {
                    match *word {
                        "router" => {
                            if let Some(router) = words.next() {
                                println!("    router {router}");
                            }
                        }
                        "dns" => {
                            let servers: Vec<String> = words.by_ref().map(|s| String::from(*s)).collect();
                            println!("    dns {}", servers.join(" "));
                        }
                        _ => {}
                    }
                }
            }
            _ => println!("{line}"),
        }
    }
    0
}
