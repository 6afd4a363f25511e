//! `false`: does nothing and exits with status 1.
#![no_std]
#![no_main]

cairn_rt::main!(main);

fn main() -> i32 {
    1
}
