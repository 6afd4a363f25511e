//! `host NAME`: the addresses of NAME, from `/etc/hosts` first and then
//! the DNS servers netd knows (`/scheme/dns/NAME`), one line each as
//! BIND's `host` prints them (`NAME has address A`, `NAME has IPv6
//! address A`); a literal address is printed back. Exit status 0, 1 when
//! the name is unknown or cannot be looked up (the error says which), 2
//! on a usage error.
#![no_std]
#![no_main]

use cairn_rt::net::{IpAddr, lookup_host};
use cairn_rt::{String, Vec, eprintln, println};
use nettools::{USAGE, fail};

cairn_rt::main!(main);

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let [name] = args.as_slice() else {
        eprintln!("usage: host NAME");
        return USAGE;
    };
    match lookup_host(name) {
        Ok(addresses) => {
            for address in addresses {
                match address {
                    IpAddr::V4(v4) => println!("{name} has address {v4}"),
                    IpAddr::V6(v6) => println!("{name} has IPv6 address {v6}"),
                }
            }
            0
        }
        Err(e) => fail("host", format_args!("{name}: {e}")),
    }
}
