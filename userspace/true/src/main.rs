//! `true`: exits with status 0 at once. The memory-reclamation test and the
//! benchmarks start it by the thousand, so it does nothing else.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

cairn_rt::main!(main);

fn main() {}
