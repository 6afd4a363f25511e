//! What Cairn's network tools share: reading a `netcfg` status file,
//! resolving a host argument, and reporting errors. Each tool is one
//! binary under `src/bin` (add a new tool there and in Cargo.toml and the
//! Makefile's MULTI_PROGRAMS).
//!
//! Depends on `cairn-rt` (its `net` module and netd's schemes).
#![no_std]

extern crate alloc;

use alloc::string::String;
use cairn_rt::eprintln;
use cairn_rt::net::{IpAddr, lookup_host};

/// Exit status for a usage error.
pub const USAGE: i32 = 2;

/// Prints `TOOL: MESSAGE` to stderr and gives exit status 1.
pub fn fail(tool: &str, message: core::fmt::Arguments<'_>) -> i32 {
    eprintln!("{tool}: {message}");
    1
}

/// The text of `/scheme/netcfg/NAME`.
pub fn status(name: &str) -> cairn_rt::Result<String> {
    cairn_rt::fs::read_to_string(&alloc::format!("/scheme/netcfg/{name}"))
}

/// The first address of `host` (a literal address or a name).
pub fn resolve(host: &str) -> cairn_rt::Result<IpAddr> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    lookup_host(host)?.into_iter().next().ok_or(cairn_rt::Error::from_errno(cairn_rt::abi::error::ENOENT))
}
