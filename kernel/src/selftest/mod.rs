//! In-kernel self tests, selected on the command line: `test=kernel` runs
//! the suite below and reports each result on the serial console as
//! `TEST <name> ... ok` or `TEST <name> ... FAILED: <reason>`, then ends
//! QEMU through the `isa-debug-exit` device; `test=fault` and
//! `test=nxfault` deliberately crash the kernel to exercise the exception
//! report, `test=late-panic` panics once user space has taken COM1. The host harness (`tools/harness`) reads these lines.

/// Fails the test with a formatted message when `cond` is false.
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(alloc::format!($($message)+));
        }
    };
}

mod cpu;
pub mod fault;
mod irq;
mod memory;
mod platform;
mod vm;

use alloc::string::String;

use cairn_bootargs::TestSelection;
use x86_64::instructions::port::Port;

use crate::bootinfo::BootInfo;

/// A test's verdict; the error explains the failure.
pub type TestResult = Result<(), String>;

/// A named test with access to the boot information.
pub struct Test {
    pub name: &'static str,
    pub run: fn(&BootInfo) -> TestResult,
}

/// Port of QEMU's `isa-debug-exit` device (QEMU exits with `value << 1 | 1`).
const DEBUG_EXIT_PORT: u16 = 0xf4;

pub fn exit_qemu(success: bool) {
    // SAFETY: writing to the debug-exit port either ends QEMU or, without
    // the device, does nothing.
    unsafe { Port::<u32>::new(DEBUG_EXIT_PORT).write(if success { 0 } else { 1 }) };
}

/// Runs what the command line asked for; returns only if nothing was asked
/// or the machine has no debug-exit device.
pub fn run_requested(selection: &TestSelection<'_>, info: &BootInfo) {
    if selection.contains("fault") {
        fault::trigger_page_fault();
    }
    if selection.contains("nxfault") {
        fault::trigger_nx_fault();
    }
    if selection.contains("late-panic") {
        fault::arm_late_panic();
    }
    if selection.contains("kernel") {
        let suites: [&[Test]; 5] = [memory::TESTS, cpu::TESTS, irq::TESTS, platform::TESTS, vm::TESTS];
        let (mut passed, mut failed) = (0, 0);
        for test in suites.iter().flat_map(|suite| suite.iter()) {
            match (test.run)(info) {
                Ok(()) => {
                    passed += 1;
                    crate::console::write(
                        crate::console::Sinks { screen: true },
                        format_args!("TEST {} ... ok\n", test.name),
                    );
                }
                Err(reason) => {
                    failed += 1;
                    crate::console::write(
                        crate::console::Sinks { screen: true },
                        format_args!("TEST {} ... FAILED: {reason}\n", test.name),
                    );
                }
            }
        }
        crate::console::write(
            crate::console::Sinks { screen: true },
            format_args!("SELFTEST DONE ({passed} ok, {failed} failed)\n"),
        );
        exit_qemu(failed == 0);
    }
}
