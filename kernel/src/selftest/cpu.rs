//! Self tests of processor setup, clocks and SMP.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use x86_64::registers::control::{Cr4, Cr4Flags};

use super::{Test, TestResult};
use crate::arch::cpu::{self, CpuFeatures, rdtsc};
use crate::bootinfo::BootInfo;
use crate::interrupts::{self, VECTOR_TIMER, VECTOR_WAKE};
use crate::percpu::{self, Cpu};
use crate::time;

pub const TESTS: &[Test] = &[
    Test { name: "cpu::sse_usable", run: sse_usable },
    Test { name: "cpu::smep_smap_enabled", run: smep_smap_enabled },
    Test { name: "time::tsc_frequency_known", run: tsc_frequency_known },
    Test { name: "time::lapic_timer_agrees_with_tsc", run: lapic_timer_agrees_with_tsc },
    Test { name: "smp::every_cpu_runs_a_task", run: every_cpu_runs_a_task },
    Test { name: "smp::timer_ticks_on_every_cpu", run: timer_ticks_on_every_cpu },
];

fn sse_usable(_: &BootInfo) -> TestResult {
    ensure!(cpu::sse_enabled(), "CR0/CR4 do not enable SSE");
    let x = core::hint::black_box(1.5f64);
    let y = core::hint::black_box(2.25f64);
    ensure!(x * y == 3.375, "floating-point multiply gave {}", x * y);
    Ok(())
}

fn smep_smap_enabled(_: &BootInfo) -> TestResult {
    let features = CpuFeatures::detect();
    let cr4 = Cr4::read();
    if features.smep {
        ensure!(cr4.contains(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION), "CPU has SMEP but it is off");
    }
    if features.smap {
        ensure!(cr4.contains(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION), "CPU has SMAP but it is off");
    }
    Ok(())
}

fn tsc_frequency_known(_: &BootInfo) -> TestResult {
    let calibration = time::calibration().ok_or("clocks were never calibrated")?;
    let mhz = calibration.tsc_hz / 1_000_000;
    ensure!((50..=20_000).contains(&mhz), "TSC frequency {mhz} MHz is implausible");
    ensure!(calibration.lapic_timer_hz > 0, "local APIC timer frequency is zero");
    Ok(())
}

/// Arms a 20 ms one-shot on the local APIC timer, using the calibration,
/// and measures how long it took with the TSC. Generous bounds: this checks
/// that the two calibrations agree, not how precise they are.
fn lapic_timer_agrees_with_tsc(_: &BootInfo) -> TestResult {
    const MILLIS: u64 = 20;
    // A busy host can stall the virtual CPU in the middle of a run and so
    // stretch it; a wrong calibration is off in every run. Up to 5 runs.
    const RUNS: usize = 5;
    let calibration = time::calibration().ok_or("clocks were never calibrated")?;
    let lapic = interrupts::local_apic().ok_or("no local APIC")?;
    let ticks = (calibration.lapic_timer_hz * MILLIS / 1000) as u32;
    let expected = MILLIS * 1000;
    let mut took = [0u64; RUNS];
    for run in &mut took {
        let start = rdtsc();
        lapic.start_one_shot_masked(ticks);
        while lapic.timer_current() != 0 {
            core::hint::spin_loop();
        }
        *run = time::tsc_to_micros(rdtsc() - start);
        lapic.start_periodic(VECTOR_TIMER, calibration.lapic_ticks_per_interrupt());
        if (expected / 2..=expected * 2).contains(run) {
            return Ok(());
        }
    }
    Err(alloc::format!("a {MILLIS} ms APIC timer took {took:?} us by the TSC in {RUNS} runs"))
}

/// Waits with interrupts enabled (so timer and wake-up IPIs arrive) until
/// `done` or `micros` pass.
pub(super) fn wait_with_interrupts(micros: u64, mut done: impl FnMut() -> bool) -> bool {
    let calibration = time::calibration().map_or(1, |c| c.tsc_hz);
    let deadline = rdtsc() + calibration / 1_000_000 * micros;
    while rdtsc() < deadline {
        if done() {
            return true;
        }
        x86_64::instructions::interrupts::enable_and_hlt();
        x86_64::instructions::interrupts::disable();
    }
    done()
}

fn report_apic_id(_cpu: &Cpu) -> u64 {
    u64::from(interrupts::local_apic().map_or(u32::MAX, |lapic| lapic.id().0))
}

fn every_cpu_runs_a_task(_: &BootInfo) -> TestResult {
    let online = percpu::online();
    ensure!(!online.is_empty(), "no CPU is online");
    let me = percpu::current();
    ensure!(me.index.0 == 0, "self tests are not running on the BSP");
    let lapic = interrupts::local_apic().ok_or("no local APIC")?;
    for cpu in online {
        let id = if cpu.index == me.index {
            report_apic_id(cpu)
        } else {
            let before = cpu.tasks_run.load(Ordering::Relaxed);
            ensure!(cpu.post_task(report_apic_id), "CPU {} mailbox busy", cpu.index.0);
            lapic.send_ipi(cpu.apic_id, VECTOR_WAKE);
            let mut result = None;
            wait_with_interrupts(1_000_000, || {
                result = result.or_else(|| cpu.take_result());
                result.is_some()
            });
            ensure!(cpu.tasks_run.load(Ordering::Relaxed) == before + 1, "CPU {} ran no task", cpu.index.0);
            result.ok_or_else(|| alloc::format!("CPU {} never answered", cpu.index.0))?
        };
        ensure!(id == u64::from(cpu.apic_id.0), "CPU {} reports APIC ID {id}, expected {}", cpu.index.0, cpu.apic_id.0);
    }
    let mut indices: Vec<u32> = online.iter().map(|c| c.index.0).collect();
    indices.dedup();
    ensure!(indices.len() == online.len(), "CPU indices are not unique");
    Ok(())
}

fn timer_ticks_on_every_cpu(_: &BootInfo) -> TestResult {
    let online = percpu::online();
    let before: Vec<u64> = online.iter().map(|c| c.timer_ticks.load(Ordering::Relaxed)).collect();
    let advanced = || online.iter().zip(&before).all(|(c, b)| c.timer_ticks.load(Ordering::Relaxed) >= b + 3);
    wait_with_interrupts(2_000_000, advanced);
    for (cpu, before) in online.iter().zip(&before) {
        let now = cpu.timer_ticks.load(Ordering::Relaxed);
        ensure!(now >= before + 3, "CPU {} timer went from {before} to {now} ticks", cpu.index.0);
    }
    Ok(())
}
