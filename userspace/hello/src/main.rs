//! `hello`: prints `hello from Cairn: argc=N` and then each argument, and
//! exits with 0. The first program the kernel runs and the target of the
//! exec tests.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

use cairn_rt::{env, println};

cairn_rt::main!(main);

fn main() {
    let args = env::args();
    println!("hello from Cairn: argc={}", args.len());
    for (i, arg) in args.enumerate() {
        println!("  argv[{i}] = {arg}");
    }
}
