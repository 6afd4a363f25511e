//! Self tests of device interrupt vectors: per-CPU allocation and
//! delivery. An MSI is a write of (address, data) to a local APIC; a
//! fixed-delivery IPI to the same APIC with the same vector arrives the
//! same way, so these tests send IPIs where a device would send messages.

use alloc::vec::Vec;

use super::cpu::wait_with_interrupts;
use super::{Test, TestResult};
use crate::bootinfo::BootInfo;
use crate::irq::{self, DEVICE_VECTORS, InterruptClaim, Placement, Source};
use crate::percpu::{self, CpuIndex};
use crate::platform::lapic::ApicId;

pub const TESTS: &[Test] = &[
    Test { name: "irq::vectors_spread_and_deliver_on_their_cpu", run: vectors_spread_and_deliver },
    Test { name: "irq::pinned_cpu_fills_up_with_enospc", run: pinned_cpu_fills_up },
];

/// Vectors the spreading test binds per CPU (8 CPUs: 1,200).
const PER_CPU: usize = 150;

/// Sends `claim`'s vector to its CPU as an IPI.
fn raise(claim: &InterruptClaim) -> TestResult {
    let lapic = crate::interrupts::local_apic().ok_or_else(|| alloc::string::String::from("no local APIC"))?;
    lapic.send_ipi(ApicId(claim.apic_id()), claim.vector);
    Ok(())
}

/// Binds [`PER_CPU`] vectors per CPU with `Placement::Spread`; each CPU
/// gets its share, each vector raised once arrives once, counted on its
/// own CPU, and no arrival is stray.
fn vectors_spread_and_deliver(_: &BootInfo) -> TestResult {
    let cpus = percpu::online();
    let before: Vec<usize> = cpus.iter().map(|cpu| cpu.vectors.in_use()).collect();
    let stray_before: u64 = cpus.iter().map(|cpu| cpu.vectors.stray()).sum();
    let mut claims = Vec::new();
    for entry in 0..PER_CPU * cpus.len() {
        let claim = irq::allocate(Placement::Spread, Source::Message { entry: entry as u16 })
            .map_err(|e| alloc::format!("vector {entry}: {e:?}"))?;
        claims.push(claim);
    }
    for (cpu, before) in cpus.iter().zip(&before) {
        let added = cpu.vectors.in_use() - before;
        ensure!(added.abs_diff(PER_CPU) <= 1 + before, "CPU {} got {added} of the spread vectors", cpu.index.0);
    }
    for claim in &claims {
        raise(claim)?;
    }
    wait_with_interrupts(5_000_000, || claims.iter().all(|c| c.total() >= 1));
    for claim in &claims {
        ensure!(
            claim.total() == 1 && claim.take() == 1,
            "vector {:#x} of CPU {} arrived {} times",
            claim.vector,
            claim.cpu.0,
            claim.total()
        );
    }
    let stray: u64 = cpus.iter().map(|cpu| cpu.vectors.stray()).sum();
    ensure!(stray == stray_before, "{} stray arrivals", stray - stray_before);
    crate::console::write(
        crate::console::Sinks { screen: true },
        format_args!("irq: {} vectors on {} CPUs each delivered once\n", claims.len(), cpus.len()),
    );
    drop(claims);
    for (cpu, before) in cpus.iter().zip(&before) {
        ensure!(cpu.vectors.in_use() == *before, "CPU {} kept vectors after they were freed", cpu.index.0);
    }
    Ok(())
}

/// Pinned to the last CPU, binding succeeds until that CPU's table is
/// full, then fails with `ENOSPC`; a CPU that is not online is `EINVAL`.
fn pinned_cpu_fills_up(_: &BootInfo) -> TestResult {
    let cpus = percpu::online();
    let last = CpuIndex(cpus.len() as u32 - 1);
    let free = DEVICE_VECTORS - cpus[last.0 as usize].vectors.in_use();
    let mut claims = Vec::new();
    let error = loop {
        match irq::allocate(Placement::Pinned(last), Source::Message { entry: 0 }) {
            Ok(claim) => {
                ensure!(claim.cpu == last, "pinned to CPU {} but bound on {}", last.0, claim.cpu.0);
                claims.push(claim);
            }
            Err(e) => break e,
        }
        ensure!(claims.len() <= DEVICE_VECTORS, "more than {DEVICE_VECTORS} vectors on one CPU");
    };
    ensure!(error.errno == cairn_abi::error::ENOSPC, "a full CPU gave {error:?}");
    ensure!(claims.len() == free, "{} vectors bound where {free} were free", claims.len());
    let bogus = irq::allocate(Placement::Pinned(CpuIndex(4096)), Source::Message { entry: 0 });
    ensure!(bogus.is_err_and(|e| e.errno == cairn_abi::error::EINVAL), "an offline CPU was accepted");
    Ok(())
}
