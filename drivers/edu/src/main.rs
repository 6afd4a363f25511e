//! `edu`: a driver for QEMU's `edu` teaching device (`-device edu`, PCI
//! 1234:11e8), the worked example of `docs/DRIVERS.md`. It takes the device
//! `devd` handed it, or finds and claims it; maps its registers (BAR 0);
//! and exercises all it offers: the identification and liveness
//! registers, the factorial unit with its MSI interrupt, and the DMA engine
//! copying a buffer into the device and back. It prints what it did and
//! exits 0 when every check held, or 1. With `--stay` it then keeps the
//! device, answering its interrupts, until it is killed (as a driver
//! serving a device does). With `--bench N` it then measures N times how
//! long an interrupt the device raises (register `0x60`) takes to wake
//! this thread, and prints `BENCH edu_interrupt_wake median <ns> ns p99
//! <ns> ns` (the Linux twin is `tools/devbench/devbench.c`). With
//! `--stray-dma` it then tells the device to read 1 MiB past its DMA
//! buffer — memory its context never allocated: with an IOMMU the read
//! faults and the kernel kills this driver; if it is still alive a second
//! later it says so and exits 1 (the device only reads, so without an
//! IOMMU nothing is harmed).
//!
//! Depends on `cairn-driver` (the driver library) and `cairn-rt`.
#![no_std]
#![no_main]

use cairn_driver::{Device, Interrupt, Match, Registers};
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format, println};

cairn_rt::main!(main);

/// The device's PCI identity.
const EDU: Match = Match::Id { vendor: 0x1234, device: 0x11e8 };

/// Register offsets in BAR 0 (QEMU's `docs/specs/edu.rst`).
mod reg {
    pub const IDENTIFICATION: usize = 0x00;
    pub const LIVENESS: usize = 0x04;
    pub const FACTORIAL: usize = 0x08;
    pub const STATUS: usize = 0x20;
    pub const INTERRUPT_STATUS: usize = 0x24;
    pub const INTERRUPT_ACK: usize = 0x64;
    pub const DMA_SOURCE: usize = 0x80;
    pub const DMA_DESTINATION: usize = 0x88;
    pub const DMA_COUNT: usize = 0x90;
    pub const DMA_COMMAND: usize = 0x98;
}

/// Status register: the factorial unit is busy; raise an interrupt when done.
const STATUS_COMPUTING: u32 = 0x01;
const STATUS_INTERRUPT_ON_FACTORIAL: u32 = 0x80;
/// Interrupt status bits: the factorial finished, a DMA transfer finished.
const INTERRUPT_FACTORIAL: u32 = 0x001;
const INTERRUPT_DMA: u32 = 0x100;
/// DMA command: start; direction device → RAM; interrupt when done.
const DMA_START: u64 = 1;
const DMA_TO_RAM: u64 = 2;
const DMA_INTERRUPT: u64 = 4;
/// The device's own DMA buffer: 4 KiB at this device address.
const DEVICE_BUFFER: u64 = 0x40000;
/// The device reaches only 28 address bits.
const DMA_ADDRESS_BITS: u32 = 28;
/// Bytes each DMA transfer copies: half the device's buffer (QEMU 7.2's
/// range check refuses a transfer that ends on the buffer's last byte, and
/// stops the whole machine for it).
const TRANSFER: usize = 2048;

/// How far past the DMA buffer `--stray-dma` reads.
const STRAY_DISTANCE: u64 = 1 << 20;

/// What to do once the checks passed.
enum Then {
    Exit,
    Stay,
    Bench(usize),
    StrayDma,
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let then = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => Then::Exit,
        ["--stay"] => Then::Stay,
        ["--stray-dma"] => Then::StrayDma,
        ["--bench", count] if count.parse::<usize>().is_ok_and(|n| n > 0) => Then::Bench(count.parse().unwrap_or(1)),
        _ => {
            eprintln!("usage: edu [--stay | --bench N | --stray-dma]");
            return 2;
        }
    };
    match run(then) {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("edu: {why}");
            1
        }
    }
}

/// A register access that must succeed (the offsets are the device's own).
fn read(registers: &Registers, offset: usize) -> Result<u32, String> {
    registers.read32(offset).ok_or_else(|| format!("register {offset:#x} is outside BAR 0"))
}

fn write(registers: &Registers, offset: usize, value: u32) -> Result<(), String> {
    registers.write32(offset, value).then_some(()).ok_or_else(|| format!("register {offset:#x} is outside BAR 0"))
}

fn write64(registers: &Registers, offset: usize, value: u64) -> Result<(), String> {
    registers.write64(offset, value).then_some(()).ok_or_else(|| format!("register {offset:#x} is outside BAR 0"))
}

/// Waits for the interrupt, then acknowledges `bits` in the device and the
/// interrupt to the kernel.
fn wait_interrupt(interrupt: &mut Interrupt, registers: &Registers, bits: u32) -> Result<(), String> {
    interrupt.wait().map_err(|e| format!("wait for the interrupt: {e}"))?;
    let status = read(registers, reg::INTERRUPT_STATUS)?;
    if status & bits == 0 {
        return Err(format!("interrupt status {status:#x} lacks {bits:#x}"));
    }
    write(registers, reg::INTERRUPT_ACK, status)?;
    interrupt.acknowledge().map_err(|e| format!("acknowledge the interrupt: {e}"))
}

/// Interrupt status bit the benchmark raises (any bit of `0x60` will do).
const INTERRUPT_BENCH: u32 = 0x4;
/// Register that raises an interrupt with the bits written.
const INTERRUPT_RAISE: usize = 0x60;

/// Measures `count` times from raising an interrupt to this thread's wake.
fn bench(interrupt: &mut Interrupt, registers: &Registers, count: usize) -> Result<(), String> {
    let mut samples: Vec<u64> = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        write(registers, INTERRUPT_RAISE, INTERRUPT_BENCH)?;
        interrupt.wait().map_err(|e| format!("wait for the interrupt: {e}"))?;
        samples.push(start.elapsed().as_nanos() as u64);
        write(registers, reg::INTERRUPT_ACK, INTERRUPT_BENCH)?;
        interrupt.acknowledge().map_err(|e| format!("acknowledge the interrupt: {e}"))?;
    }
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    println!("BENCH edu_interrupt_wake median {median} ns p99 {p99} ns ({count} samples)");
    Ok(())
}

fn run(then: Then) -> Result<(), String> {
    let mut device = Device::inherited_or_claim(EDU).map_err(|e| format!("{e} (start QEMU with -device edu)"))?;
    println!("edu: driving {}", device.name());
    let registers = device.registers(0).map_err(|e| format!("{e}"))?;

    let identification = read(&registers, reg::IDENTIFICATION)?;
    if identification & 0xff != 0xed {
        return Err(format!("identification register {identification:#x}"));
    }
    println!("edu: version {}.{}", identification >> 24, (identification >> 16) & 0xff);
    write(&registers, reg::LIVENESS, 0x1234_5678)?;
    let inverted = read(&registers, reg::LIVENESS)?;
    if inverted != !0x1234_5678 {
        return Err(format!("liveness register gave {inverted:#x}"));
    }

    // A message-signalled interrupt is a write by the device, so it too
    // needs bus mastering on (as DMA does).
    device.bus_master(true).map_err(|e| format!("{e}"))?;
    let mut interrupt = device.interrupt_here(None).map_err(|e| format!("{e}"))?;
    write(&registers, reg::STATUS, STATUS_INTERRUPT_ON_FACTORIAL)?;
    write(&registers, reg::FACTORIAL, 10)?;
    wait_interrupt(&mut interrupt, &registers, INTERRUPT_FACTORIAL)?;
    let factorial = read(&registers, reg::FACTORIAL)?;
    if read(&registers, reg::STATUS)? & STATUS_COMPUTING != 0 || factorial != 3_628_800 {
        return Err(format!("10! read as {factorial}"));
    }
    println!("edu: 10! = {factorial} (MSI interrupt)");

    let mut dma = device.dma(2 * TRANSFER, DMA_ADDRESS_BITS).map_err(|e| format!("{e}"))?;
    let device_address = dma.device_address;
    for (index, byte) in dma.bytes()[..TRANSFER].iter_mut().enumerate() {
        *byte = (index * 7 + 3) as u8;
    }
    for (source, destination, command) in [
        (device_address, DEVICE_BUFFER, DMA_START | DMA_INTERRUPT),
        (DEVICE_BUFFER, device_address + TRANSFER as u64, DMA_START | DMA_TO_RAM | DMA_INTERRUPT),
    ] {
        write64(&registers, reg::DMA_SOURCE, source)?;
        write64(&registers, reg::DMA_DESTINATION, destination)?;
        write64(&registers, reg::DMA_COUNT, TRANSFER as u64)?;
        write64(&registers, reg::DMA_COMMAND, command)?;
        wait_interrupt(&mut interrupt, &registers, INTERRUPT_DMA)?;
    }
    let (sent, returned) = dma.bytes().split_at(TRANSFER);
    if sent != &returned[..TRANSFER] {
        return Err(String::from("the buffer came back from the device changed"));
    }
    println!("edu: DMA {TRANSFER} bytes to the device and back at {device_address:#x}");
    println!("edu: every check passed");
    match then {
        Then::Exit => {}
        Then::Stay => loop {
            wait_interrupt(&mut interrupt, &registers, u32::MAX)?;
        },
        Then::Bench(count) => bench(&mut interrupt, &registers, count)?,
        Then::StrayDma => {
            let stray = device_address + STRAY_DISTANCE;
            println!("edu: reading {TRANSFER} bytes at {stray:#x}, outside this driver's DMA memory");
            write64(&registers, reg::DMA_SOURCE, stray)?;
            write64(&registers, reg::DMA_DESTINATION, DEVICE_BUFFER)?;
            write64(&registers, reg::DMA_COUNT, TRANSFER as u64)?;
            write64(&registers, reg::DMA_COMMAND, DMA_START | DMA_INTERRUPT)?;
            wait_interrupt(&mut interrupt, &registers, INTERRUPT_DMA)?;
            cairn_rt::thread::sleep(core::time::Duration::from_secs(1));
            return Err(format!("the stray DMA read at {stray:#x} was not stopped"));
        }
    }
    device.bus_master(false).map_err(|e| format!("{e}"))
}
