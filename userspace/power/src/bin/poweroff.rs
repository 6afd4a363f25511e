//! `poweroff`: turns the machine off (ACPI S5).
#![no_std]
#![no_main]

cairn_rt::main!(main);

fn main() -> i32 {
    power::switch("poweroff", "poweroff")
}
