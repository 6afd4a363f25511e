//! `cairn-netstack`: the pure parts of `netd`, the network stack server, kept apart from its
//! system calls so that they run as host tests: [`config`] (the
//! `/etc/network.conf` format), [`hosts`] (`/etc/hosts`), [`path`] (the
//! socket paths of schemes `tcp`, `udp`, `icmp`, `dns`) and [`link`] (the
//! frame path between a NIC and smoltcp, with its counters).
//!
//! Depends on `smoltcp` and `core`/`alloc`.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod config;
pub mod hosts;
pub mod link;
pub mod path;
