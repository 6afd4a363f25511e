//! One AHCI host bus adapter, driven through `cairn-driver`: the HBA
//! reset, AHCI mode, and each implemented port with an ATA disk behind it
//! (stopped, given its command list and received-FIS memory, started,
//! identified). Each port carries many commands at once when its disk
//! supports native command queueing (READ/WRITE FPDMA QUEUED, one slot per
//! tag up to the disk's queue depth), else one READ/WRITE DMA EXT at a
//! time; FLUSH CACHE EXT, not queued, waits until nothing else is in
//! flight. One completion thread per HBA ([`Hba::complete`]) waits for its
//! MSI, reads IS and PxIS, and finishes the slots PxCI | PxSACT no longer
//! hold; a task-file or host-bus error fails the commands the port still
//! holds (`EIO`) and restarts the port.
//!
//! Registers and memory layout: Serial ATA AHCI 1.3.1, §3 (registers),
//! §4 (command list, received FIS, command table), §10.1.2 (bringing
//! the HBA up), §10.4 (stopping and starting a port), §6.2.2 (recovering
//! from a task-file error). The formats are `cairn-ahci-command`.

use cairn_ahci_command::{
    COMMAND_LIST, Command, H2D_FIS, HEADER, Identity, MAX_SECTORS, PRD_ENTRY, PRDT_OFFSET, RECEIVED_FIS, SIGNATURE_ATA,
    Slot, Slots, identify, prdt, signature_kind, slots_in,
};
use cairn_block::Operation;
use cairn_driver::{Cpu, Device, DmaBuffer, Failure, Interrupt};
use cairn_rt::events::{EVENT_READ, Event, EventQueue};
use cairn_rt::sync::{Condvar, Mutex};
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format};
use core::time::Duration;

/// HBA registers (offsets in ABAR, BAR 5).
mod reg {
    pub const CAP: usize = 0x00;
    pub const GHC: usize = 0x04;
    pub const IS: usize = 0x08;
    pub const PI: usize = 0x0c;
    /// Port N's registers start at 0x100 + 0x80 N.
    pub const PORTS: usize = 0x100;
    pub const PORT_SIZE: usize = 0x80;
    /// Port registers (offsets from the port's start).
    pub const CLB: usize = 0x00;
    pub const FB: usize = 0x08;
    pub const PIS: usize = 0x10;
    pub const PIE: usize = 0x14;
    pub const CMD: usize = 0x18;
    pub const TFD: usize = 0x20;
    pub const SIG: usize = 0x24;
    pub const SSTS: usize = 0x28;
    pub const SCTL: usize = 0x2c;
    pub const SERR: usize = 0x30;
    pub const SACT: usize = 0x34;
    pub const CI: usize = 0x38;
}

/// CAP: 64-bit addressing, native command queueing, staggered spin-up;
/// the number of command slots less one in bits 12:8.
const CAP_S64A: u32 = 1 << 31;
const CAP_SNCQ: u32 = 1 << 30;
/// GHC: AHCI enable, interrupt enable, HBA reset.
const GHC_AE: u32 = 1 << 31;
const GHC_IE: u32 = 1 << 1;
const GHC_HR: u32 = 1 << 0;
/// PxCMD: start, spin-up device, power-on device, FIS receive enable,
/// FIS receive running, command list running.
const CMD_ST: u32 = 1 << 0;
const CMD_SUD: u32 = 1 << 1;
const CMD_POD: u32 = 1 << 2;
const CMD_FRE: u32 = 1 << 4;
const CMD_FR: u32 = 1 << 14;
const CMD_CR: u32 = 1 << 15;
/// PxTFD: the device's status register: busy, data request.
const TFD_BSY: u32 = 1 << 7;
const TFD_DRQ: u32 = 1 << 3;
/// PxIS errors: task-file error, host-bus fatal and data errors, interface fatal.
const IS_TFES: u32 = 1 << 30;
const IS_HBFS: u32 = 1 << 29;
const IS_HBDS: u32 = 1 << 28;
const IS_IFS: u32 = 1 << 27;
const IS_ERRORS: u32 = IS_TFES | IS_HBFS | IS_HBDS | IS_IFS;
/// PxIE: the errors above, and D2H register, PIO setup, DMA setup, set
/// device bits (NCQ completions) and descriptor processed FISes.
const IE_ENABLED: u32 = IS_ERRORS | 0b10_1111;
/// PxSSTS.DET: a device is present and communication established.
const DET_PRESENT: u32 = 3;

/// PRDT entries per command table.
const PRD_ENTRIES: usize = 8;
/// Bytes per command table (128-byte aligned).
const TABLE: usize = (PRDT_OFFSET + PRD_ENTRIES * PRD_ENTRY).next_multiple_of(128);
/// Port memory: command list, received FIS (256-byte aligned), then 32 command tables.
const FIS_OFFSET: usize = COMMAND_LIST;
const TABLES_OFFSET: usize = (FIS_OFFSET + RECEIVED_FIS).next_multiple_of(128);
const PORT_MEMORY: usize = TABLES_OFFSET + 32 * TABLE;
/// Bytes per command at most: what one scheme request carries.
const MAX_TRANSFER: usize = cairn_rt::abi::scheme::MAX_PAYLOAD;

/// How long the HBA reset, a port's stop and a device's ready may take.
/// How long a port may take to establish its link after the reset.
const LINK_TIMEOUT: Duration = Duration::from_millis(20);
const RESET_TIMEOUT: Duration = Duration::from_secs(1);
const STOP_TIMEOUT: Duration = Duration::from_millis(500);
const READY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long IDENTIFY DEVICE may take.
const IDENTIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a read, write or flush may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the completion thread looks at the ports without an interrupt.
const RECHECK: Duration = Duration::from_secs(1);
/// How often it polls when the HBA has no MSI.
const POLL: Duration = Duration::from_millis(1);

/// An AHCI failure.
#[derive(Debug)]
pub enum AhciError {
    /// A system call on the device context failed.
    Device(Failure),
    /// The HBA or a port did not reach a state in time.
    Timeout { what: String },
    /// The device ended a command with an error (PxTFD, PxIS, PxSERR).
    Failed { what: &'static str, tfd: u32, is: u32, serr: u32 },
    /// The port could not be restarted after an error; it takes no commands.
    PortDown,
    /// The HBA or a device reported something unusable.
    Unusable(String),
    /// Its registers read all ones: the HBA is gone.
    Gone,
}

impl core::fmt::Display for AhciError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AhciError::Device(failure) => write!(f, "{failure}"),
            AhciError::Timeout { what } => write!(f, "timed out waiting for {what}"),
            AhciError::Failed { what, tfd, is, serr } => {
                write!(f, "{what} failed (PxTFD {tfd:#x}, PxIS {is:#x}, PxSERR {serr:#x})")
            }
            AhciError::PortDown => write!(f, "the port could not be restarted after an error"),
            AhciError::Unusable(why) => write!(f, "{why}"),
            AhciError::Gone => write!(f, "the HBA is gone (its registers read all ones)"),
        }
    }
}

impl From<Failure> for AhciError {
    fn from(failure: Failure) -> AhciError {
        AhciError::Device(failure)
    }
}

/// ABAR. The library refuses accesses outside the BAR: such a read gives
/// all ones (as from a device that is gone) and such a write is dropped.
struct Registers(cairn_driver::Registers);

impl Registers {
    fn read(&self, offset: usize) -> u32 {
        self.0.read32(offset).unwrap_or(u32::MAX)
    }

    fn write(&self, offset: usize, value: u32) {
        let _ = self.0.write32(offset, value);
    }

    /// Waits (polling, up to `timeout`) until `done` holds for the
    /// register at `offset`; all ones means the HBA is gone.
    fn wait(&self, offset: usize, timeout: Duration, what: &str, done: impl Fn(u32) -> bool) -> Result<(), AhciError> {
        let start = Instant::now();
        loop {
            let value = self.read(offset);
            if value == u32::MAX {
                return Err(AhciError::Gone);
            }
            if done(value) {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(AhciError::Timeout { what: String::from(what) });
            }
            cairn_rt::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Called once with a command's outcome: the data read (empty for
/// writes and flushes), or why it failed.
type Done = cairn_block::Done<AhciError>;

/// A command in flight: who waits, its data buffer (none for a flush),
/// how many bytes it reads, when it was issued, whether it was queued.
struct Waiting {
    done: Done,
    buffer: Option<DmaBuffer>,
    read: usize,
    issued: Instant,
    queued: bool,
}

/// What a port's lock guards: its memory, slots and the commands in them.
struct PortState {
    memory: DmaBuffer,
    slots: Slots,
    waiting: Vec<Option<Waiting>>,
    /// Data buffers of finished commands, kept for the next ones.
    spare: Vec<DmaBuffer>,
    /// A non-queued command is in flight: queued ones wait.
    exclusive: bool,
    /// Non-queued commands waiting for the port to empty (queued ones
    /// wait for them, so a flush is not starved).
    exclusive_waiters: usize,
    /// The port could not be restarted: commands fail at once.
    down: bool,
}

/// A port with an ATA disk.
pub struct Port {
    pub number: u32,
    pub identity: Identity,
    state: Mutex<PortState>,
    /// Signalled when a slot is freed or a non-queued command ends.
    room: Condvar,
}

impl Port {
    fn offset(&self, register: usize) -> usize {
        port_register(self.number, register)
    }

    /// Whether the disk takes native queued commands.
    pub fn queued(&self) -> bool {
        self.identity.queue_depth.is_some()
    }
}

fn port_register(port: u32, register: usize) -> usize {
    reg::PORTS + reg::PORT_SIZE * port as usize + register
}

/// A disk: its port's index among the HBA's disks.
#[derive(Clone, Copy, Debug)]
pub struct DiskPort(pub usize);

/// An enabled HBA with its disks' ports started.
pub struct Hba {
    device: Device,
    registers: Registers,
    pub ports: Vec<Port>,
    /// Device address bits for DMA memory (64 with CAP.S64A, else 32).
    address_bits: u32,
    /// Bytes per command at most.
    pub transfer: usize,
    /// Command slots per port (CAP.NCS + 1) and whether the HBA queues natively.
    pub slots: u32,
    pub ncq: bool,
}

/// What the HBA's registers say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Working,
    /// Its registers read all ones while its configuration space answers.
    Failed,
    /// The function is gone (its configuration space reads all ones).
    Gone,
}

impl Hba {
    /// Resets the HBA of `device`, enables AHCI mode, and brings up every
    /// implemented port with an ATA disk (others are logged and left).
    pub fn start(mut device: Device) -> Result<Hba, AhciError> {
        let registers = Registers(device.registers(5)?);
        device.bus_master(true)?;
        if registers.read(reg::CAP) == u32::MAX {
            return Err(AhciError::Gone);
        }
        registers.write(reg::GHC, GHC_AE);
        registers.write(reg::GHC, GHC_AE | GHC_HR);
        registers.wait(reg::GHC, RESET_TIMEOUT, "the HBA reset (GHC.HR = 0)", |ghc| ghc & GHC_HR == 0)?;
        registers.write(reg::GHC, GHC_AE);
        let capabilities = registers.read(reg::CAP);
        let implemented = registers.read(reg::PI);
        let mut hba = Hba {
            device,
            registers,
            ports: Vec::new(),
            address_bits: if capabilities & CAP_S64A != 0 { 64 } else { 32 },
            // A command moves at most MAX_SECTORS sectors of at least 512 bytes.
            transfer: MAX_TRANSFER.min(MAX_SECTORS as usize * 512),
            slots: ((capabilities >> 8) & 0x1f) + 1,
            ncq: capabilities & CAP_SNCQ != 0,
        };
        for number in slots_in(implemented).map(|slot| u32::from(slot.0)) {
            match hba.start_port(number) {
                Ok(Some(port)) => hba.ports.push(port),
                Ok(None) => {}
                Err(AhciError::Gone) => return Err(AhciError::Gone),
                Err(e) => eprintln!("ahci: {}: port {number}: {e}; skipped", hba.device.name()),
            }
        }
        for port in &hba.ports {
            hba.registers.write(port.offset(reg::PIS), u32::MAX);
            hba.registers.write(port.offset(reg::PIE), IE_ENABLED);
        }
        hba.registers.write(reg::IS, u32::MAX);
        hba.registers.write(reg::GHC, GHC_AE | GHC_IE);
        Ok(hba)
    }

    /// Stops port `number`, gives it its memory, and starts and
    /// identifies the ATA disk behind it (`None`: no disk, or another kind
    /// of device).
    fn start_port(&self, number: u32) -> Result<Option<Port>, AhciError> {
        let at = |register| port_register(number, register);
        self.stop(number)?;
        let command = self.registers.read(at(reg::CMD));
        self.registers.write(at(reg::CMD), command & !CMD_FRE);
        self.registers.wait(at(reg::CMD), STOP_TIMEOUT, "FIS receive to stop (PxCMD.FR = 0)", |c| c & CMD_FR == 0)?;
        let mut memory = self.device.dma(PORT_MEMORY, self.address_bits)?;
        memory.bytes().fill(0);
        let list = memory.device_address;
        let fis = list + FIS_OFFSET as u64;
        self.registers.write(at(reg::CLB), list as u32);
        self.registers.write(at(reg::CLB) + 4, (list >> 32) as u32);
        self.registers.write(at(reg::FB), fis as u32);
        self.registers.write(at(reg::FB) + 4, (fis >> 32) as u32);
        self.registers.write(at(reg::SERR), u32::MAX);
        self.registers.write(at(reg::PIS), u32::MAX);
        self.registers.write(at(reg::PIE), 0);
        let command = self.registers.read(at(reg::CMD));
        self.registers.write(at(reg::CMD), command | CMD_FRE | CMD_SUD | CMD_POD);
        let linked = self.registers.wait(at(reg::SSTS), LINK_TIMEOUT, "a link", |s| s & 0xf == DET_PRESENT);
        match linked {
            Ok(()) => {}
            Err(AhciError::Timeout { .. }) => return Ok(None),
            Err(e) => return Err(e),
        }
        self.registers
            .wait(at(reg::TFD), READY_TIMEOUT, "the device to become ready", |tfd| tfd & (TFD_BSY | TFD_DRQ) == 0)?;
        let signature = self.registers.read(at(reg::SIG));
        if signature != SIGNATURE_ATA {
            eprintln!(
                "ahci: {}: port {number}: {} (signature {signature:#010x}), not driven",
                self.device.name(),
                signature_kind(signature)
            );
            return Ok(None);
        }
        let command = self.registers.read(at(reg::CMD));
        self.registers.write(at(reg::CMD), command | CMD_ST);
        let data = self.identify(number, &mut memory)?;
        let identity = identify(&data).map_err(|e| AhciError::Unusable(format!("IDENTIFY DEVICE: {e}")))?;
        let depth = match identity.queue_depth {
            Some(depth) if self.ncq => depth.min(self.slots),
            _ => 1,
        };
        let state = PortState {
            memory,
            slots: Slots::new(depth),
            waiting: (0..32).map(|_| None).collect(),
            spare: Vec::new(),
            exclusive: false,
            exclusive_waiters: 0,
            down: false,
        };
        let identity = Identity { queue_depth: identity.queue_depth.filter(|_| self.ncq).map(|_| depth), ..identity };
        Ok(Some(Port { number, identity, state: Mutex::new(state), room: Condvar::new() }))
    }

    /// Clears PxCMD.ST of port `number` and waits for PxCMD.CR to clear.
    fn stop(&self, number: u32) -> Result<(), AhciError> {
        let at = port_register(number, reg::CMD);
        let command = self.registers.read(at);
        self.registers.write(at, command & !CMD_ST);
        self.registers.wait(at, STOP_TIMEOUT, "the command list to stop (PxCMD.CR = 0)", |c| c & CMD_CR == 0)
    }

    /// IDENTIFY DEVICE in slot 0 of port `number` (started, interrupts
    /// off), polled; its 512 bytes.
    fn identify(&self, number: u32, memory: &mut DmaBuffer) -> Result<Vec<u8>, AhciError> {
        let at = |register| port_register(number, register);
        let mut buffer = self.device.dma(512, self.address_bits)?;
        write_command(memory, Slot(0), &Command::Identify, Some((buffer.device_address, 512)))?;
        self.registers.write(at(reg::CI), Slot(0).bit());
        let start = Instant::now();
        loop {
            let is = self.registers.read(at(reg::PIS));
            if is == u32::MAX {
                return Err(AhciError::Gone);
            }
            if is & IS_ERRORS != 0 {
                return Err(self.failure(number, "IDENTIFY DEVICE", is));
            }
            if self.registers.read(at(reg::CI)) & Slot(0).bit() == 0 {
                break;
            }
            if start.elapsed() > IDENTIFY_TIMEOUT {
                return Err(AhciError::Timeout { what: String::from("IDENTIFY DEVICE") });
            }
            cairn_rt::thread::sleep(Duration::from_millis(1));
        }
        Ok(buffer.bytes()[..512].to_vec())
    }

    /// The error port `number` reports.
    fn failure(&self, number: u32, what: &'static str, is: u32) -> AhciError {
        let at = |register| port_register(number, register);
        AhciError::Failed { what, tfd: self.registers.read(at(reg::TFD)), is, serr: self.registers.read(at(reg::SERR)) }
    }

    /// Whether the HBA still works, failed, or is gone.
    pub fn health(&self) -> Health {
        if !self.device.present() {
            return Health::Gone;
        }
        match self.registers.read(reg::CAP) {
            u32::MAX => Health::Failed,
            _ => Health::Working,
        }
    }

    /// Binds the HBA's MSI; `None` (logged) if it has none.
    pub fn interrupt(&self) -> Option<Interrupt> {
        match self.device.interrupt(None, Cpu::Any) {
            Ok(interrupt) => Some(interrupt),
            Err(e) => {
                eprintln!(
                    "ahci: {}: no MSI ({e}): the HBA offers only legacy INTx, which drivers cannot take; polling every {} ms",
                    self.device.name(),
                    POLL.as_millis()
                );
                None
            }
        }
    }

    /// Starts `operation` at block `lba` of the disk on port `disk`.
    /// Waits only for a free slot (or for the port to empty, for a
    /// non-queued command); `done` is called once, by the completion
    /// thread (or here, if the command cannot be issued).
    pub fn submit(&self, disk: DiskPort, operation: Operation<'_>, lba: u64, done: Done) {
        let port = &self.ports[disk.0];
        let sector = port.identity.sector_size as usize;
        let (command, len) = match operation {
            Operation::Flush => (Command::Flush, 0),
            Operation::Read(len) => (transfer(port, false, lba, (len / sector) as u32), len),
            Operation::Write(data) => (transfer(port, true, lba, (data.len() / sector) as u32), data.len()),
        };
        let mut buffer = None;
        let mut state = port.state.lock();
        if len > 0 {
            let mut taken = match state.spare.pop() {
                Some(spare) => spare,
                None => match self.device.dma(self.transfer, self.address_bits) {
                    Ok(fresh) => fresh,
                    Err(failure) => return done(Err(failure.into())),
                },
            };
            if let Operation::Write(data) = operation {
                taken.bytes()[..len].copy_from_slice(data);
            }
            buffer = Some(taken);
        }
        let queued = command.queued();
        let slot = loop {
            if state.down {
                drop(state);
                return done(Err(AhciError::PortDown));
            }
            let ready =
                if queued { !state.exclusive && state.exclusive_waiters == 0 } else { state.slots.in_flight() == 0 };
            if ready && let Some(slot) = state.slots.take() {
                break slot;
            }
            if !queued {
                state.exclusive_waiters += 1;
            }
            state = port.room.wait(state);
            if !queued {
                state.exclusive_waiters -= 1;
            }
        };
        let region = buffer.as_ref().map(|b| (b.device_address, len));
        if let Err(e) = write_command(&mut state.memory, slot, &command, region) {
            state.slots.free(slot);
            drop(state);
            port.room.notify_all();
            return done(Err(e));
        }
        state.exclusive = !queued;
        let read = if matches!(operation, Operation::Read(_)) { len } else { 0 };
        state.waiting[usize::from(slot.0)] = Some(Waiting { done, buffer, read, issued: Instant::now(), queued });
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        if queued {
            self.registers.write(port.offset(reg::SACT), slot.bit());
        }
        self.registers.write(port.offset(reg::CI), slot.bit());
    }

    /// The completion thread: waits for the HBA's interrupt (or polls
    /// without one), clears PxIS and IS, and finishes every slot the HBA
    /// no longer holds; an error fails the commands the port still holds
    /// and restarts the port. Returns only if the interrupt cannot be waited for.
    pub fn complete(&self, interrupt: Option<Interrupt>) -> AhciError {
        let events = match &interrupt {
            Some(interrupt) => {
                let events = match EventQueue::new() {
                    Ok(events) => events,
                    Err(e) => return AhciError::Unusable(format!("event queue: {e}")),
                };
                if let Err(e) = events.watch(interrupt.as_raw_fd(), EVENT_READ, 0) {
                    return AhciError::Unusable(format!("watch the interrupt: {e}"));
                }
                Some(events)
            }
            None => None,
        };
        loop {
            match (&interrupt, &events) {
                (Some(interrupt), Some(events)) => {
                    let mut ready = [Event::default()];
                    match events.wait(&mut ready, Some(RECHECK)) {
                        Ok(1) => {
                            let mut count = [0u8; 8];
                            if let Err(e) = cairn_rt::io::read_fd(interrupt.as_raw_fd(), &mut count) {
                                return AhciError::Unusable(format!("read the interrupt: {e}"));
                            }
                        }
                        Ok(_) => {}
                        Err(e) => return AhciError::Unusable(format!("wait for the interrupt: {e}")),
                    }
                }
                _ => cairn_rt::thread::sleep(POLL),
            }
            let pending = self.registers.read(reg::IS);
            if pending == u32::MAX {
                continue;
            }
            for port in &self.ports {
                let is = self.registers.read(port.offset(reg::PIS));
                if is == u32::MAX {
                    continue;
                }
                self.registers.write(port.offset(reg::PIS), is);
                self.service(port, is);
            }
            self.registers.write(reg::IS, pending);
        }
    }

    /// Finishes the slots of `port` the HBA no longer holds; on an error
    /// in `is`, fails those it still holds and restarts the port.
    fn service(&self, port: &Port, is: u32) {
        let mut finished = Vec::new();
        let mut failed = Vec::new();
        let at = |register| port.offset(register);
        let fault =
            (is & IS_ERRORS != 0).then(|| (self.registers.read(at(reg::TFD)), self.registers.read(at(reg::SERR))));
        {
            let mut state = port.state.lock();
            let holding = self.registers.read(port.offset(reg::CI)) | self.registers.read(port.offset(reg::SACT));
            let done = state.slots.finished(holding);
            for slot in slots_in(done) {
                finished.extend(take(&mut state, slot));
            }
            if let Some((tfd, serr)) = fault {
                let error = AhciError::Failed { what: "a command", tfd, is, serr };
                let holding = state.slots.in_flight().count_ones();
                eprintln!("ahci: port {}: {error}; failing {holding} commands, restarting the port", port.number);
                for slot in slots_in(state.slots.in_flight()) {
                    failed.extend(take(&mut state, slot));
                }
                self.restart(port, &mut state);
            }
        }
        if !finished.is_empty() || !failed.is_empty() {
            port.room.notify_all();
        }
        let mut spare = Vec::new();
        for waiting in finished {
            let Waiting { done, buffer, read, .. } = waiting;
            match buffer {
                Some(mut buffer) => {
                    done(Ok(&buffer.bytes()[..read]));
                    spare.push(buffer);
                }
                None => done(Ok(&[])),
            }
        }
        if let Some((tfd, serr)) = fault {
            for waiting in failed {
                let what = if waiting.read > 0 { "a read" } else { "a write or flush" };
                (waiting.done)(Err(AhciError::Failed { what, tfd, is, serr }));
            }
        }
        if !spare.is_empty() {
            port.state.lock().spare.append(&mut spare);
        }
    }

    /// Restarts `port` after an error or a timeout (its commands already
    /// taken out): stop, reset the link (COMRESET), clear the errors,
    /// start. A port that cannot be restarted goes down.
    fn restart(&self, port: &Port, state: &mut PortState) {
        let at = |register| port.offset(register);
        let result = (|| -> Result<(), AhciError> {
            self.stop(port.number)?;
            self.registers.write(at(reg::SERR), u32::MAX);
            self.registers.write(at(reg::PIS), u32::MAX);
            // COMRESET (PxSCTL.DET = 1 for at least 1 ms, then 0): a disk
            // keeps the error status of a failed command (PxTFD.STS.ERR)
            // until it sends a new status, and the HBA fails every command
            // issued meanwhile; the reset clears it (and the queued
            // commands the disk still held).
            let control = self.registers.read(at(reg::SCTL)) & !0xf;
            self.registers.write(at(reg::SCTL), control | 1);
            cairn_rt::thread::sleep(Duration::from_millis(2));
            self.registers.write(at(reg::SCTL), control);
            self.registers.wait(at(reg::SSTS), READY_TIMEOUT, "the link after COMRESET", |s| s & 0xf == DET_PRESENT)?;
            self.registers.wait(at(reg::TFD), READY_TIMEOUT, "the device to become ready", |tfd| {
                tfd & (TFD_BSY | TFD_DRQ) == 0
            })?;
            self.registers.write(at(reg::SERR), u32::MAX);
            self.registers.write(at(reg::PIS), u32::MAX);
            let command = self.registers.read(at(reg::CMD));
            self.registers.write(at(reg::CMD), command | CMD_ST);
            Ok(())
        })();
        state.exclusive = false;
        match result {
            Ok(()) => eprintln!("ahci: port {}: restarted", port.number),
            Err(e) => {
                eprintln!("ahci: port {}: cannot restart: {e}; it takes no more commands", port.number);
                state.down = true;
            }
        }
    }

    /// Gives up on the commands of each port whose oldest command is older
    /// than [`IO_TIMEOUT`] (on all of them, when `all`): they fail with a
    /// timeout, and the port is restarted. Returns how many.
    pub fn expire(&self, all: bool) -> usize {
        let mut count = 0;
        for port in &self.ports {
            let mut expired = Vec::new();
            {
                let mut state = port.state.lock();
                let late = state.waiting.iter().flatten().any(|w| all || w.issued.elapsed() > IO_TIMEOUT);
                if !late {
                    continue;
                }
                for slot in slots_in(state.slots.in_flight()) {
                    expired.extend(take(&mut state, slot));
                }
                if !all {
                    self.restart(port, &mut state);
                }
            }
            port.room.notify_all();
            for waiting in expired {
                count += 1;
                let what = format!(
                    "{} {}",
                    if waiting.queued { "a queued" } else { "a" },
                    if waiting.read > 0 { "read" } else { "write or flush" }
                );
                (waiting.done)(Err(AhciError::Timeout { what }));
            }
        }
        count
    }
}

/// The command of an `count`-sector transfer at `lba` on `port`: queued
/// when the disk takes native queued commands.
fn transfer(port: &Port, write: bool, lba: u64, count: u32) -> Command {
    if port.queued() { Command::Queued { write, lba, count } } else { Command::Dma { write, lba, count } }
}

/// Takes the command of `slot` out of `state`, freeing the slot.
fn take(state: &mut PortState, slot: Slot) -> Option<Waiting> {
    state.slots.free(slot);
    let waiting = state.waiting[usize::from(slot.0)].take();
    if waiting.as_ref().is_some_and(|w| !w.queued) {
        state.exclusive = false;
    }
    waiting
}

/// Writes `command` into `slot` of the port memory `memory`: its command
/// table (FIS and PRDT for the data at `region`) and its command header.
fn write_command(
    memory: &mut DmaBuffer,
    slot: Slot,
    command: &Command,
    region: Option<(u64, usize)>,
) -> Result<(), AhciError> {
    let entries = match region {
        Some((address, len)) => prdt(address, len, PRD_ENTRIES)
            .ok_or_else(|| AhciError::Unusable(format!("no PRDT for {len} bytes at {address:#x}")))?,
        None => Vec::new(),
    };
    let table = TABLES_OFFSET + usize::from(slot.0) * TABLE;
    let table_address = memory.device_address + table as u64;
    let bytes = memory.bytes();
    bytes[table..table + TABLE].fill(0);
    bytes[table..table + H2D_FIS].copy_from_slice(&command.fis(slot));
    for (index, entry) in entries.iter().enumerate() {
        let at = table + PRDT_OFFSET + index * PRD_ENTRY;
        bytes[at..at + PRD_ENTRY].copy_from_slice(entry);
    }
    let header = usize::from(slot.0) * HEADER;
    bytes[header..header + HEADER].copy_from_slice(&command.header(table_address, entries.len() as u16));
    Ok(())
}
