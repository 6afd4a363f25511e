//! The IOMMU, run by the `iommu-q35` suite (QEMU's `intel-iommu` with
//! interrupt remapping and an `edu` device): a device told to DMA outside
//! its context's memory faults, its driver is killed and the system keeps
//! answering, and DMA inside its memory still works; the interrupt-
//! remapping entries in the unit's table are exactly the bound vectors,
//! each usable only by its own device.

use cairn_rt::collections::BTreeSet;
use cairn_rt::fs::read_to_string;
use cairn_rt::{String, Vec, format, process};

use crate::util::{CHILD_TIMEOUT, TestResult, ensure, expect_signal, ok, reap};

/// `/scheme/sys/iommu`, which must show a unit remapping interrupts.
fn iommu() -> Result<String, String> {
    let text = ok("read /scheme/sys/iommu", read_to_string("/scheme/sys/iommu"))?;
    ensure!(text.contains("interrupt remapping on"), "no IOMMU remapping interrupts: {text}");
    Ok(text)
}

/// `CPU/VECTOR` of every interrupt-remapping entry present in the table.
fn remap_entries(iommu: &str) -> BTreeSet<String> {
    iommu.lines().filter_map(|line| line.strip_prefix("remap ")?.split(' ').nth(1).map(String::from)).collect()
}

/// `CPU/VECTOR` of every bound device vector in `/scheme/sys/interrupts`.
fn bound_vectors() -> Result<BTreeSet<String>, String> {
    let text = ok("read /scheme/sys/interrupts", read_to_string("/scheme/sys/interrupts"))?;
    Ok(text
        .lines()
        .filter(|line| line.contains("  MSI ") || line.contains("  IO-APIC "))
        .filter_map(|line| line.split_whitespace().next()?.strip_suffix(':').map(String::from))
        .collect())
}

/// `edu --stray-dma` reads outside its DMA memory: the fault is logged
/// with the device and address, the driver dies of SIGKILL, the system
/// answers, and the plain `edu` driver then passes its DMA checks.
pub fn stray_dma_kills_driver() -> TestResult {
    iommu()?;
    let child = ok("spawn edu --stray-dma", process::spawn("/bin/edu", &["edu", "--stray-dma"], &[] as &[&str]))?;
    let pid = child.id();
    expect_signal(pid, cairn_rt::abi::signal::SIGKILL)?;
    let log = ok("read the kernel log", read_to_string("/scheme/sys/log"))?;
    let fault = log.lines().find(|line| line.contains("iommu: DMA fault: device") && line.contains("/bin/edu"));
    let fault = fault.ok_or_else(|| format!("no DMA fault logged for edu (pid {pid})"))?;
    ensure!(fault.contains(" read at 0x"), "the fault names no read address: {fault}");
    ensure!(log.contains(&format!("killing pid {pid},")), "no kill of pid {pid} logged");
    let again = ok("spawn edu", process::spawn("/bin/edu", &["edu"], &[] as &[&str]))?;
    let status = reap(again.id(), CHILD_TIMEOUT)?;
    ensure!(status.code() == Some(0), "edu after the fault: {status}");
    let faults: Vec<&str> = log.lines().filter(|line| line.contains("iommu: DMA fault")).collect();
    ensure!(faults.len() == 1, "expected one DMA fault, the log has {}: {faults:?}", faults.len());
    Ok(())
}

/// The remapping table holds an entry for each bound vector and no other;
/// binding edu's MSI adds exactly its vector, usable only by edu, and
/// releasing it removes the entry.
pub fn remap_entries_follow_vectors() -> TestResult {
    let before = remap_entries(&iommu()?);
    ensure!(before == bound_vectors()?, "remapping entries {before:?} are not the bound vectors");
    let name = cairn_driver::find(cairn_driver::Match::Id { vendor: 0x1234, device: 0x11e8 })
        .map_err(|e| format!("{e}"))?
        .into_iter()
        .next()
        .ok_or("no edu device")?;
    let device = cairn_driver::Device::claim(&name).map_err(|e| format!("{e}"))?;
    let interrupt = device.interrupt(None, cairn_driver::Cpu::Any).map_err(|e| format!("{e}"))?;
    let text = iommu()?;
    let during = remap_entries(&text);
    let added: Vec<&String> = during.difference(&before).collect();
    ensure!(added.len() == 1 && during.len() == before.len() + 1, "binding one MSI changed {before:?} to {during:?}");
    ensure!(during == bound_vectors()?, "remapping entries {during:?} are not the bound vectors");
    // `SSSS-BB-DD.F` in /scheme/pci, `BB:DD.F` in the table listing.
    let requester = format!("{}:{}", name.get(5..7).unwrap_or(""), name.get(8..).unwrap_or(""));
    let line = text.lines().find(|line| line.split(' ').nth(2) == Some(added[0].as_str()));
    ensure!(
        line.is_some_and(|line| line.contains(&format!(" {requester} edge"))),
        "edu's entry does not name edu as its only requester: {line:?}"
    );
    drop(interrupt);
    drop(device);
    let after = remap_entries(&iommu()?);
    ensure!(after == before, "after release the entries are {after:?}, were {before:?}");
    Ok(())
}
