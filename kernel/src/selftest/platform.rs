//! Self tests of ACPI parsing, the kernel log and symbol lookup.

use alloc::vec;
use alloc::vec::Vec;

use super::{Test, TestResult};
use crate::bootinfo::BootInfo;
use crate::platform::acpi::{MadtError, parse_madt};

pub const TESTS: &[Test] = &[
    Test { name: "acpi::madt_parser_reads_entries", run: madt_parser_reads_entries },
    Test { name: "acpi::madt_parser_rejects_garbage", run: madt_parser_rejects_garbage },
    Test { name: "acpi::s5_sleep_types_found_in_aml", run: s5_sleep_types_found_in_aml },
    Test { name: "log::ring_keeps_boot_log", run: ring_keeps_boot_log },
    Test { name: "symbols::kernel_function_resolves", run: kernel_function_resolves },
    Test { name: "random::chacha20_rfc8439_vector", run: chacha20_vector },
];

/// The block-function test vector of RFC 8439, section 2.3.2.
fn chacha20_vector(_: &BootInfo) -> TestResult {
    let mut key = [0u32; 8];
    for (i, word) in key.iter_mut().enumerate() {
        let base = (i * 4) as u8;
        *word = u32::from_le_bytes([base, base + 1, base + 2, base + 3]);
    }
    let nonce = [0x0900_0000, 0x4a00_0000, 0];
    let block = crate::random::chacha20_block(&key, 1, &nonce);
    let expected_start =
        [0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4];
    let expected_end = [0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e];
    ensure!(block[..16] == expected_start, "first bytes {:02x?}", &block[..16]);
    ensure!(block[48..] == expected_end, "last bytes {:02x?}", &block[48..]);
    Ok(())
}

/// A MADT header (44 bytes, local APIC at 0xfee00000) followed by `entries`.
fn madt(entries: &[&[u8]]) -> Vec<u8> {
    let mut table = vec![0u8; 44];
    table[..4].copy_from_slice(b"APIC");
    table[36..40].copy_from_slice(&0xfee0_0000u32.to_le_bytes());
    for entry in entries {
        table.extend_from_slice(entry);
    }
    let length = table.len() as u32;
    table[4..8].copy_from_slice(&length.to_le_bytes());
    table
}

fn madt_parser_reads_entries(_: &BootInfo) -> TestResult {
    let enabled_cpu: &[u8] = &[0, 8, 0, 3, 1, 0, 0, 0];
    let disabled_cpu: &[u8] = &[0, 8, 1, 4, 0, 0, 0, 0];
    let io_apic: &[u8] = &[1, 12, 9, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0];
    let unknown: &[u8] = &[0x7f, 3, 0];
    let x2apic_cpu: &[u8] = &[9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    // ISA IRQ 0 arrives as GSI 2; IRQ 9 is level-triggered, active low.
    let timer_override: &[u8] = &[2, 10, 0, 0, 2, 0, 0, 0, 0, 0];
    let sci_override: &[u8] = &[2, 10, 0, 9, 9, 0, 0, 0, 0x0f, 0];
    let entries = [enabled_cpu, disabled_cpu, io_apic, unknown, x2apic_cpu, timer_override, sci_override];
    let parsed = parse_madt(&madt(&entries)).map_err(|e| alloc::format!("valid MADT rejected: {e}"))?;
    let cpus: Vec<u32> = parsed.cpus.iter().map(|id| id.0).collect();
    ensure!(cpus == [3, 256], "CPUs parsed as {cpus:?}");
    ensure!(parsed.io_apics.len() == 1, "{} I/O APICs parsed", parsed.io_apics.len());
    ensure!(parsed.io_apics[0].address == 0xfec0_0000, "I/O APIC address {:#x}", parsed.io_apics[0].address);
    ensure!(parsed.local_apic_address == 0xfee0_0000, "local APIC address wrong");
    let overrides: Vec<(u8, u32, bool, bool)> =
        parsed.overrides.iter().map(|o| (o.irq, o.gsi, o.trigger.level, o.trigger.active_low)).collect();
    ensure!(overrides == [(0, 2, false, false), (9, 9, true, true)], "overrides parsed as {overrides:?}");
    Ok(())
}

fn s5_sleep_types_found_in_aml(_: &BootInfo) -> TestResult {
    use crate::platform::power::find_s5;
    // Name(_S5, Package(4) { 5, 0, 0, 0 }) as iasl emits it, after noise.
    let bytes: &[u8] = b"\x10\x42\x08_S5_\x12\x0a\x04\x0a\x05\x00\x00\x00";
    ensure!(find_s5(bytes) == Some((5, 0)), "BytePrefix package: {:?}", find_s5(bytes));
    ensure!(find_s5(b"\x08_S5_\x12\x06\x04\x00\x01") == Some((0, 1)), "Zero/One package");
    ensure!(find_s5(b"\x08_S5_\x12").is_none(), "a truncated package was accepted");
    ensure!(find_s5(b"\x08_S5_\x99\x00").is_none(), "not a package but accepted");
    ensure!(find_s5(b"no such name").is_none(), "found _S5 in nothing");
    Ok(())
}

fn madt_parser_rejects_garbage(_: &BootInfo) -> TestResult {
    let zero_length: &[u8] = &[0, 0, 0, 0];
    let overlong: &[u8] = &[0, 200, 0, 1, 1, 0, 0, 0];
    let dangling: &[u8] = &[0];
    for (name, table, expected) in [
        ("zero-length entry", madt(&[zero_length]), MadtError::BadEntry { offset: 44, length: 0 }),
        ("overlong entry", madt(&[overlong]), MadtError::BadEntry { offset: 44, length: 200 }),
        ("dangling byte", madt(&[dangling]), MadtError::BadEntry { offset: 44, length: 0 }),
    ] {
        let result = parse_madt(&table).err();
        ensure!(result == Some(expected), "{name}: got {result:?}");
    }
    ensure!(parse_madt(&[0u8; 20]).err() == Some(MadtError::TooShort), "short table accepted");
    Ok(())
}

fn ring_keeps_boot_log(_: &BootInfo) -> TestResult {
    let mut buffer = vec![0u8; crate::console::LOG_RING_BYTES];
    let len = crate::console::read_log(&mut buffer);
    let text = core::str::from_utf8(&buffer[..len]).map_err(|_| "log ring holds invalid UTF-8")?;
    ensure!(text.contains("Cairn "), "boot banner missing from the log ring");
    ensure!(text.contains("cairn: "), "boot summary missing from the log ring");
    ensure!(text.ends_with('\n'), "log ring does not end at a line boundary");
    Ok(())
}

fn kernel_function_resolves(_: &BootInfo) -> TestResult {
    let address = kernel_function_resolves as *const () as usize as u64 + 4;
    let (name, offset) = crate::symbols::lookup(address).ok_or("no symbol for a kernel function")?;
    let demangled = alloc::format!("{:#}", rustc_demangle::demangle(name));
    ensure!(demangled.ends_with("kernel_function_resolves"), "resolved to {demangled}");
    ensure!(offset == 4, "offset {offset}, expected 4");
    Ok(())
}
