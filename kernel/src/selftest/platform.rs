//! Self tests of ACPI parsing, the kernel log and symbol lookup.

use alloc::vec;
use alloc::vec::Vec;

use super::{Test, TestResult};
use crate::bootinfo::BootInfo;
use crate::platform::acpi::{MadtError, parse_madt};

pub const TESTS: &[Test] = &[
    Test { name: "acpi::madt_parser_reads_entries", run: madt_parser_reads_entries },
    Test { name: "acpi::madt_parser_rejects_garbage", run: madt_parser_rejects_garbage },
    Test { name: "log::ring_keeps_boot_log", run: ring_keeps_boot_log },
    Test { name: "symbols::kernel_function_resolves", run: kernel_function_resolves },
];

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
    let parsed = parse_madt(&madt(&[enabled_cpu, disabled_cpu, io_apic, unknown, x2apic_cpu]))
        .map_err(|e| alloc::format!("valid MADT rejected: {e}"))?;
    let cpus: Vec<u32> = parsed.cpus.iter().map(|id| id.0).collect();
    ensure!(cpus == [3, 256], "CPUs parsed as {cpus:?}");
    ensure!(parsed.io_apics.len() == 1, "{} I/O APICs parsed", parsed.io_apics.len());
    ensure!(parsed.io_apics[0].address == 0xfec0_0000, "I/O APIC address {:#x}", parsed.io_apics[0].address);
    ensure!(parsed.local_apic_address == 0xfee0_0000, "local APIC address wrong");
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
