//! `reboot`: restarts the machine.
#![no_std]
#![no_main]

cairn_rt::main!(main);

fn main() -> i32 {
    power::switch("reboot", "reboot")
}
