//! One Intel 82574L brought up and run (the register and descriptor
//! layouts are `cairn-e1000e-regs`): reset, the MAC address, one receive
//! and one transmit ring of legacy descriptors in DMA memory, and the
//! interrupts — MSI-X entry 0 for the other causes (the link), 1 for the
//! receive queue, 2 for the transmit queue, routed by `IVAR` — or, when
//! the function offers no MSI-X, one MSI vector for all of them.
//!
//! Under MSI-X each message clears its cause in `ICR` and masks it
//! (`EIAC`); the thread that waits for it does its work and unmasks it
//! again (`IMS`), and a cause that came meanwhile raises the message
//! again at once, so nothing is lost. Under MSI a single thread takes
//! the causes from `ICR` (and clears them) and does whatever they name,
//! until none is left.
//!
//! Receive: [`SLOTS`] descriptors, each with its 2048-byte buffer, all
//! but one offered to the device; [`E1000e::receive_ready`] hands each
//! frame written back on and offers its buffer again. Transmit: [`SLOTS`]
//! descriptors with a buffer each; [`E1000e::send_frame`] copies a frame
//! into the next and moves the tail; [`E1000e::transmit_done`] frees the
//! ones written back.

use cairn_driver::{Cpu, Device, DmaBuffer, Failure, Interrupt, Registers};
use cairn_e1000e_regs::{
    self as regs, BUFFER, CTRL_EXT_PBA_CLR, DESCRIPTOR, ReceiveError, TARC_ENABLE, TIPG_COPPER, ctrl, eeprom_read, int,
    rctl, reg, status, tctl,
};
use cairn_netdev::{Nic, SendError};
use cairn_rt::String;
use cairn_rt::sync::{Condvar, Mutex};
use cairn_rt::thread;
use cairn_rt::time::{Duration, Instant};
use core::sync::atomic::{Ordering, fence};

/// Descriptors per ring (a multiple of 8: the ring's bytes a multiple of 128).
pub const SLOTS: usize = 256;
/// MSI-X entries: the other causes (the link), the receive queue, the
/// transmit queue.
const OTHER_ENTRY: u8 = 0;
const RECEIVE_ENTRY: u8 = 1;
const TRANSMIT_ENTRY: u8 = 2;
/// How long a send waits for a free transmit slot.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the reset and an EEPROM read may take.
const RESET_TIMEOUT: Duration = Duration::from_millis(100);
/// How long bringing the device up waits for the link (it may stay down:
/// the driver serves it all the same and logs when it comes up).
const LINK_TIMEOUT: Duration = Duration::from_secs(3);
/// The highest register offset used: BAR 0 must reach past it.
const LAST_REGISTER: usize = reg::RAH0;

/// An e1000e failure.
#[derive(Debug)]
pub enum E1000eError {
    /// A system call on the device context failed.
    Device(Failure),
    /// BAR 0 does not hold the registers (its length).
    SmallBar,
    /// The device did not leave reset in [`RESET_TIMEOUT`].
    ResetStuck,
    /// Neither RAL0/RAH0 nor the EEPROM hold a usable MAC address.
    NoMac,
    /// Every transmit slot stayed busy for [`SEND_TIMEOUT`].
    TransmitFull,
    /// The device reads all ones: it is gone.
    Gone,
}

impl core::fmt::Display for E1000eError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            E1000eError::Device(failure) => write!(f, "{failure}"),
            E1000eError::SmallBar => write!(f, "BAR 0 does not reach register {LAST_REGISTER:#x}"),
            E1000eError::ResetStuck => write!(f, "the device did not leave reset in {RESET_TIMEOUT:?}"),
            E1000eError::NoMac => write!(f, "no usable MAC address in RAL0/RAH0 or the EEPROM"),
            E1000eError::TransmitFull => write!(f, "no transmit slot came free in {SEND_TIMEOUT:?}"),
            E1000eError::Gone => write!(f, "the device is gone (it reads all ones)"),
        }
    }
}

impl From<Failure> for E1000eError {
    fn from(failure: Failure) -> E1000eError {
        E1000eError::Device(failure)
    }
}

/// The interrupts the device raises.
pub enum Vectors {
    /// One MSI-X entry per cause.
    MsiX { other: Interrupt, receive: Interrupt, transmit: Interrupt },
    /// One MSI vector for every cause.
    Msi(Interrupt),
}

/// A ring: its descriptors and one buffer per descriptor.
struct Ring {
    descriptors: DmaBuffer,
    buffers: DmaBuffer,
}

impl Ring {
    fn new(device: &Device) -> Result<Ring, E1000eError> {
        Ok(Ring { descriptors: device.dma(SLOTS * DESCRIPTOR, 64)?, buffers: device.dma(SLOTS * BUFFER, 64)? })
    }

    fn descriptor(&mut self, slot: usize) -> &mut [u8] {
        &mut self.descriptors.bytes()[slot * DESCRIPTOR..(slot + 1) * DESCRIPTOR]
    }

    fn buffer(&mut self, slot: usize) -> &mut [u8] {
        &mut self.buffers.bytes()[slot * BUFFER..(slot + 1) * BUFFER]
    }

    fn buffer_address(&self, slot: usize) -> u64 {
        self.buffers.device_address + (slot * BUFFER) as u64
    }
}

/// The receive ring and the next descriptor the device writes back.
struct ReceiveRing {
    ring: Ring,
    next: usize,
}

/// The transmit ring: the next descriptor to fill, and the oldest one
/// the device may not be done with.
struct TransmitRing {
    ring: Ring,
    next: usize,
    oldest: usize,
}

impl TransmitRing {
    /// Frees the descriptors the device wrote back.
    fn reclaim(&mut self) {
        while self.oldest != self.next && regs::transmitted(self.ring.descriptor(self.oldest)) {
            self.oldest = (self.oldest + 1) % SLOTS;
        }
    }

    /// Whether another frame fits (one descriptor always stays empty, so
    /// that a full ring differs from an empty one).
    fn has_room(&self) -> bool {
        (self.next + 1) % SLOTS != self.oldest
    }
}

/// A device brought up.
pub struct E1000e {
    registers: Registers,
    pub mac: [u8; 6],
    receive: Mutex<ReceiveRing>,
    transmit: Mutex<TransmitRing>,
    /// Signalled when transmit slots came free.
    room: Condvar,
    pub vectors: Vectors,
    /// The device context: the rings and vectors live while it does.
    device: Device,
}

impl E1000e {
    /// Brings the device up: reset, the MAC address, the rings, the
    /// interrupts (MSI only if `msi`), then receiving and transmitting on.
    pub fn start(device: Device, msi: bool) -> Result<E1000e, E1000eError> {
        let registers = device.registers(0)?;
        if registers.read32(LAST_REGISTER).is_none() {
            return Err(E1000eError::SmallBar);
        }
        let vectors = bind_vectors(&device, msi)?;
        let mut e1000e = E1000e {
            registers,
            mac: [0; 6],
            receive: Mutex::new(ReceiveRing { ring: Ring::new(&device)?, next: 0 }),
            transmit: Mutex::new(TransmitRing { ring: Ring::new(&device)?, next: 0, oldest: 0 }),
            room: Condvar::new(),
            vectors,
            device,
        };
        e1000e.reset()?;
        e1000e.device.bus_master(true)?;
        e1000e.mac = e1000e.read_mac()?;
        e1000e.start_receive();
        e1000e.start_transmit();
        e1000e.enable_interrupts();
        e1000e.write(reg::CTRL, e1000e.read(reg::CTRL) | ctrl::SLU);
        let start = Instant::now();
        while !e1000e.link_up() && start.elapsed() < LINK_TIMEOUT {
            thread::sleep(Duration::from_millis(10));
        }
        Ok(e1000e)
    }

    /// Reads a register; a gone device (or an offset outside BAR 0, which
    /// `start` ruled out) reads all ones.
    fn read(&self, offset: usize) -> u32 {
        self.registers.read32(offset).unwrap_or(u32::MAX)
    }

    fn write(&self, offset: usize, value: u32) {
        self.registers.write32(offset, value);
    }

    /// Masks every interrupt, resets the device, waits for it (bounded),
    /// masks again and clears what is pending.
    fn reset(&self) -> Result<(), E1000eError> {
        self.write(reg::IMC, int::ALL);
        self.write(reg::CTRL, self.read(reg::CTRL) | ctrl::RST);
        let start = Instant::now();
        loop {
            thread::sleep(Duration::from_millis(1));
            let control = self.read(reg::CTRL);
            if control == u32::MAX {
                return Err(E1000eError::Gone);
            }
            if control & ctrl::RST == 0 {
                break;
            }
            if start.elapsed() > RESET_TIMEOUT {
                return Err(E1000eError::ResetStuck);
            }
        }
        self.write(reg::IMC, int::ALL);
        self.write(reg::ICR, int::ALL);
        Ok(())
    }

    /// The MAC address: RAL0/RAH0 (the device loads them from its EEPROM
    /// at reset), else EEPROM words 0-2, written into RAL0/RAH0 so that
    /// the receive filter takes the frames sent to it.
    fn read_mac(&self) -> Result<[u8; 6], E1000eError> {
        if let Some(mac) = regs::mac_from_receive_address(self.read(reg::RAL0), self.read(reg::RAH0)) {
            return Ok(mac);
        }
        let mut words = [0u16; 3];
        for (word, value) in words.iter_mut().enumerate() {
            self.write(reg::EERD, eeprom_read::start(word as u8));
            let start = Instant::now();
            *value = loop {
                if let Some(value) = eeprom_read::done(self.read(reg::EERD)) {
                    break value;
                }
                if start.elapsed() > RESET_TIMEOUT {
                    return Err(E1000eError::NoMac);
                }
                thread::sleep(Duration::from_millis(1));
            };
        }
        let mac = eeprom_read::mac(words);
        if !regs::usable_mac(&mac) {
            return Err(E1000eError::NoMac);
        }
        let [a, b, c, d, e, f] = mac;
        self.write(reg::RAL0, u32::from_le_bytes([a, b, c, d]));
        self.write(reg::RAH0, u32::from_le_bytes([e, f, 0, 0]) | 1 << 31);
        Ok(mac)
    }

    /// Offers every receive buffer but one and turns the receiver on:
    /// legacy descriptors, 2048-byte buffers, the CRC stripped, frames
    /// to the MAC address, broadcast and multicast accepted, no checksum
    /// offload.
    fn start_receive(&self) {
        let mut receive = self.receive.lock();
        for slot in 0..SLOTS {
            let address = receive.ring.buffer_address(slot);
            regs::write_receive(receive.ring.descriptor(slot), address);
        }
        let base = receive.ring.descriptors.device_address;
        for at in 0..reg::MTA_COUNT {
            self.write(reg::MTA + 4 * at, 0);
        }
        self.write(reg::RXCSUM, 0);
        self.write(reg::RFCTL, 0);
        self.write(reg::RDBAL, base as u32);
        self.write(reg::RDBAH, (base >> 32) as u32);
        self.write(reg::RDLEN, (SLOTS * DESCRIPTOR) as u32);
        self.write(reg::RDH, 0);
        fence(Ordering::SeqCst);
        self.write(reg::RDT, (SLOTS - 1) as u32);
        self.write(reg::RCTL, rctl::EN | rctl::BAM | rctl::MPE | rctl::SECRC | rctl::BSIZE_2048);
        receive.next = 0;
    }

    /// Sets the empty transmit ring and turns the transmitter on.
    fn start_transmit(&self) {
        let mut transmit = self.transmit.lock();
        let base = transmit.ring.descriptors.device_address;
        self.write(reg::TDBAL, base as u32);
        self.write(reg::TDBAH, (base >> 32) as u32);
        self.write(reg::TDLEN, (SLOTS * DESCRIPTOR) as u32);
        self.write(reg::TDH, 0);
        self.write(reg::TDT, 0);
        self.write(reg::TARC0, self.read(reg::TARC0) | TARC_ENABLE);
        self.write(reg::TIPG, TIPG_COPPER);
        self.write(reg::TCTL, tctl::EN | tctl::PSP | tctl::CT_15 | tctl::COLD_FULL_DUPLEX);
        transmit.next = 0;
        transmit.oldest = 0;
    }

    /// Routes and unmasks the causes the driver handles.
    fn enable_interrupts(&self) {
        match self.vectors {
            Vectors::MsiX { .. } => {
                self.write(reg::IVAR, regs::ivar(RECEIVE_ENTRY, TRANSMIT_ENTRY, OTHER_ENTRY));
                self.write(reg::CTRL_EXT, self.read(reg::CTRL_EXT) | CTRL_EXT_PBA_CLR);
                self.write(reg::EIAC, int::RXQ0 | int::TXQ0 | int::OTHER);
                self.write(reg::IMS, int::RXQ0 | int::TXQ0 | int::OTHER | int::LSC);
            }
            Vectors::Msi(_) => self.write(reg::IMS, int::MSI_RECEIVE | int::TXDW | int::LSC),
        }
    }

    /// Whether the link is up (`STATUS.LU`; a gone device's all ones do
    /// not count).
    pub fn link_up(&self) -> bool {
        let status = self.read(reg::STATUS);
        status != u32::MAX && status & status::LU != 0
    }

    /// Whether the device still answers (a hot-removed one reads all ones).
    pub fn present(&self) -> bool {
        self.read(reg::STATUS) != u32::MAX
    }

    /// Hands every frame the device wrote back to `deliver` (or why its
    /// descriptor is refused) and offers its buffer again.
    pub fn receive_ready(&self, deliver: &mut impl FnMut(Result<&[u8], ReceiveError>)) {
        let mut receive = self.receive.lock();
        loop {
            let slot = receive.next;
            let Some(outcome) = regs::received(receive.ring.descriptor(slot)) else { break };
            // The frame's bytes are read only after its descriptor says done.
            fence(Ordering::SeqCst);
            deliver(outcome.map(|len| &receive.ring.buffer(slot)[..len]));
            let address = receive.ring.buffer_address(slot);
            regs::write_receive(receive.ring.descriptor(slot), address);
            fence(Ordering::SeqCst);
            // The tail names the last buffer offered: the device stops
            // before it, so it never writes the slot read next.
            self.write(reg::RDT, slot as u32);
            receive.next = (slot + 1) % SLOTS;
        }
    }

    /// Frees the transmit slots the device is done with and wakes senders.
    pub fn transmit_done(&self) {
        self.transmit.lock().reclaim();
        self.room.notify_all();
    }

    /// Sends one frame (checked by the scheme already): waits (bounded)
    /// for a free slot, copies the frame into its buffer, moves the tail.
    fn send_frame(&self, frame: &[u8]) -> Result<(), E1000eError> {
        let mut transmit = self.transmit.lock();
        transmit.reclaim();
        let start = Instant::now();
        while !transmit.has_room() {
            if !self.present() {
                return Err(E1000eError::Gone);
            }
            if start.elapsed() >= SEND_TIMEOUT {
                return Err(E1000eError::TransmitFull);
            }
            // The frames queued without moving the tail must go first.
            fence(Ordering::SeqCst);
            self.write(reg::TDT, transmit.next as u32);
            transmit = self.room.wait_timeout(transmit, Duration::from_millis(100)).0;
            transmit.reclaim();
        }
        let slot = transmit.next;
        transmit.ring.buffer(slot)[..frame.len()].copy_from_slice(frame);
        let address = transmit.ring.buffer_address(slot);
        regs::write_transmit(transmit.ring.descriptor(slot), address, frame.len() as u16);
        transmit.next = (slot + 1) % SLOTS;
        Ok(())
    }

    /// Moves the transmit tail past the frames queued, which sends them.
    fn transmit_tail(&self) {
        let transmit = self.transmit.lock();
        fence(Ordering::SeqCst);
        self.write(reg::TDT, transmit.next as u32);
    }

    /// Unmasks MSI-X causes `causes` again after their message (a cause
    /// that came meanwhile raises it again at once).
    pub fn unmask(&self, causes: u32) {
        self.write(reg::IMS, causes);
    }

    /// Clears the other causes (the link's) in `ICR` after their message.
    pub fn clear_other(&self) {
        self.write(reg::ICR, int::OTHER | int::LSC | int::RXO | int::RXDMT0);
    }

    /// Under MSI: the causes pending, cleared (reading `ICR` clears it
    /// under MSI; writing them back clears also those a device keeps
    /// while their mask bit is off).
    pub fn take_causes(&self) -> u32 {
        let causes = self.read(reg::ICR);
        if causes != u32::MAX {
            self.write(reg::ICR, causes);
        }
        causes
    }
}

/// Binds MSI-X entries 0 (other causes, any CPU), 1 (receive, CPU 0) and
/// 2 (transmit, CPU 1 where there is one) — or, if the function has no
/// MSI-X or `msi` asks for it, its MSI vector on CPU 0.
fn bind_vectors(device: &Device, msi: bool) -> Result<Vectors, E1000eError> {
    if msi {
        return Ok(Vectors::Msi(device.interrupt(None, Cpu::Number(0))?));
    }
    let cpus = thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    match device.interrupt(Some(u16::from(OTHER_ENTRY)), Cpu::Any) {
        Ok(other) => Ok(Vectors::MsiX {
            other,
            receive: device.interrupt(Some(u16::from(RECEIVE_ENTRY)), Cpu::Number(0))?,
            transmit: device.interrupt(Some(u16::from(TRANSMIT_ENTRY)), Cpu::Number(1 % cpus))?,
        }),
        Err(msix) => {
            let msi = device.interrupt(None, Cpu::Number(0)).map_err(|_| E1000eError::Device(msix))?;
            Ok(Vectors::Msi(msi))
        }
    }
}

/// The device as the `net.*` scheme sees it.
impl Nic for E1000e {
    type Error = E1000eError;

    fn mac(&self) -> [u8; 6] {
        self.mac
    }

    fn link_up(&self) -> bool {
        E1000e::link_up(self)
    }

    fn send(&self, frame: &[u8]) -> Result<(), SendError<E1000eError>> {
        self.send_frame(frame).map_err(|error| match error {
            E1000eError::TransmitFull => SendError::Full,
            error => SendError::Failed(error),
        })
    }

    fn kick(&self) {
        self.transmit_tail();
    }
}

/// Waits for `interrupt`, saying what was waited for if that fails.
pub fn wait(interrupt: &Interrupt, doing: &str) -> Result<(), E1000eError> {
    interrupt.wait().map(drop).map_err(|error| E1000eError::Device(Failure { doing: String::from(doing), error }))
}
