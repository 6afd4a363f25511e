//! `edu`: a driver for QEMU's `edu` teaching device (`-device edu`, PCI
//! 1234:11e8), the worked example of `docs/DRIVERS.md`. It finds the
//! device under `/scheme/pci`, claims it (a device context), maps its
//! registers (BAR 0), and exercises all it offers: the identification and
//! liveness registers, the factorial unit with its MSI interrupt, and the
//! DMA engine copying a buffer into the device and back. It prints what it
//! did and exits 0 when every check held (`edu` alone), or 1.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

use cairn_rt::error::Error;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::sys::{MapFlags, mmap};
use cairn_rt::{String, eprintln, format, println};

cairn_rt::main!(main);

/// The device's PCI identity.
const VENDOR: u16 = 0x1234;
const DEVICE: u16 = 0x11e8;

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

fn main() -> i32 {
    match run() {
        Ok(()) => {
            println!("edu: every check passed");
            0
        }
        Err(why) => {
            eprintln!("edu: {why}");
            1
        }
    }
}

/// A failure, with what was being done.
fn failed(what: &str, error: Error) -> String {
    format!("{what}: {error}")
}

/// BAR 0, mapped: 32- and 64-bit register access.
struct Registers {
    base: usize,
}

impl Registers {
    fn read(&self, offset: usize) -> u32 {
        // SAFETY: `offset` is one of the `reg` offsets, inside the mapped BAR.
        unsafe { ((self.base + offset) as *const u32).read_volatile() }
    }

    fn write(&self, offset: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { ((self.base + offset) as *mut u32).write_volatile(value) }
    }

    fn write64(&self, offset: usize, value: u64) {
        // SAFETY: as in `read`; the DMA registers are 64 bits wide.
        unsafe { ((self.base + offset) as *mut u64).write_volatile(value) }
    }
}

/// The first function under `/scheme/pci` with the edu device's identity.
fn find() -> Result<String, String> {
    let functions = cairn_rt::fs::read_dir("/scheme/pci").map_err(|e| failed("list /scheme/pci", e))?;
    for (name, _) in &functions {
        let mut id = [0u8; 4];
        let read = File::open(&format!("/scheme/pci/{name}/config")).and_then(|mut config| config.read(&mut id));
        if read == Ok(4) && id == [VENDOR as u8, (VENDOR >> 8) as u8, DEVICE as u8, (DEVICE >> 8) as u8] {
            return Ok(name.clone());
        }
    }
    Err(String::from("no edu device (start QEMU with -device edu)"))
}

/// Opens `path` relative to the device context.
fn resource(context: &File, path: &str, write: bool) -> Result<File, String> {
    OpenOptions::new().read(true).write(write).open_at(context, path).map_err(|e| failed(path, e))
}

/// Waits for the interrupt, then acknowledges `bits` in the device and the
/// interrupt fd.
fn wait_interrupt(interrupt: &mut File, registers: &Registers, bits: u32) -> Result<(), String> {
    let mut count = [0u8; 8];
    interrupt.read_exact(&mut count).map_err(|e| failed("wait for the interrupt", e))?;
    let status = registers.read(reg::INTERRUPT_STATUS);
    if status & bits == 0 {
        return Err(format!("interrupt status {status:#x} lacks {bits:#x}"));
    }
    registers.write(reg::INTERRUPT_ACK, status);
    interrupt.write_all(&[1]).map_err(|e| failed("acknowledge the interrupt", e))
}

fn run() -> Result<(), String> {
    let name = find()?;
    let context = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&format!("/scheme/pci/{name}/device"))
        .map_err(|e| failed("claim the device", e))?;
    println!("edu: claimed {name}");

    let bar = resource(&context, "bar0", true)?;
    let size = bar.metadata().map_err(|e| failed("stat bar0", e))?.len() as usize;
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: the kernel chooses where to map (no MAP_FIXED).
    let base = unsafe { mmap(0, size, flags, bar.as_raw_fd(), 0) }.map_err(|e| failed("map bar0", e))?;
    let registers = Registers { base };

    let identification = registers.read(reg::IDENTIFICATION);
    if identification & 0xff != 0xed {
        return Err(format!("identification register {identification:#x}"));
    }
    println!("edu: version {}.{}", identification >> 24, (identification >> 16) & 0xff);
    registers.write(reg::LIVENESS, 0x1234_5678);
    let inverted = registers.read(reg::LIVENESS);
    if inverted != !0x1234_5678 {
        return Err(format!("liveness register gave {inverted:#x}"));
    }

    // A message-signalled interrupt is a write by the device, so it too
    // needs bus mastering on (as DMA does).
    let mut control = resource(&context, "control", true)?;
    control.write_all(b"bus-master on").map_err(|e| failed("enable bus mastering", e))?;
    let mut interrupt = resource(&context, "msi", true)?;
    registers.write(reg::STATUS, STATUS_INTERRUPT_ON_FACTORIAL);
    registers.write(reg::FACTORIAL, 10);
    wait_interrupt(&mut interrupt, &registers, INTERRUPT_FACTORIAL)?;
    let factorial = registers.read(reg::FACTORIAL);
    if registers.read(reg::STATUS) & STATUS_COMPUTING != 0 || factorial != 3_628_800 {
        return Err(format!("10! read as {factorial}"));
    }
    println!("edu: 10! = {factorial} (MSI interrupt)");

    let mut dma = resource(&context, &format!("dma/{}/{DMA_ADDRESS_BITS}", 2 * TRANSFER), true)?;
    let mut address = [0u8; 8];
    dma.read_exact(&mut address).map_err(|e| failed("read the DMA address", e))?;
    let device_address = u64::from_le_bytes(address);
    // SAFETY: as for bar0.
    let buffer =
        unsafe { mmap(0, 2 * TRANSFER, flags, dma.as_raw_fd(), 0) }.map_err(|e| failed("map DMA memory", e))?;
    // SAFETY: the mapping is 2 × TRANSFER bytes, readable and writable, and
    // only this program and the device use it.
    let memory = unsafe { core::slice::from_raw_parts_mut(buffer as *mut u8, 2 * TRANSFER) };
    for (index, byte) in memory[..TRANSFER].iter_mut().enumerate() {
        *byte = (index * 7 + 3) as u8;
    }
    for (source, destination, command) in [
        (device_address, DEVICE_BUFFER, DMA_START | DMA_INTERRUPT),
        (DEVICE_BUFFER, device_address + TRANSFER as u64, DMA_START | DMA_TO_RAM | DMA_INTERRUPT),
    ] {
        registers.write64(reg::DMA_SOURCE, source);
        registers.write64(reg::DMA_DESTINATION, destination);
        registers.write64(reg::DMA_COUNT, TRANSFER as u64);
        registers.write64(reg::DMA_COMMAND, command);
        wait_interrupt(&mut interrupt, &registers, INTERRUPT_DMA)?;
    }
    let (sent, returned) = memory.split_at(TRANSFER);
    if sent != returned {
        return Err(String::from("the buffer came back from the device changed"));
    }
    println!("edu: DMA {TRANSFER} bytes to the device and back at {device_address:#x}");
    control.write_all(b"bus-master off").map_err(|e| failed("disable bus mastering", e))
}
