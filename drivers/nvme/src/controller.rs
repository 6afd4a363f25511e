//! One NVMe controller, driven through `cairn-driver`: reset and
//! enable, the admin queue (on MSI-X vector 0), Identify, and I/O queue pairs each
//! with its own MSI-X vector on its own CPU. Each pair carries many
//! commands at once: a submitter takes a command id and a data buffer of
//! the pair's, writes the entry and rings the doorbell; the pair's
//! completion thread ([`Controller::complete`]) waits for the interrupt
//! and hands each completion to the waiter of its command id (the
//! bookkeeping is `cairn-nvme-queue`). Data moves through per-command DMA
//! buffers with PRP entries (a PRP list past two pages), in transfers no
//! larger than the controller's MDTS.
//!
//! Register layout, command and completion formats: NVM Express Base
//! Specification 2.0, §3.1 (registers), §4.2-4.6 (queues, PRPs), §5
//! (admin commands), and the NVM Command Set Specification (I/O).

use cairn_block::Operation;
use cairn_driver::{Cpu, Device, DmaBuffer, Failure, Interrupt};
use cairn_nvme_queue::{CQ_ENTRY, Command, CommandId, CompletionRing, Outstanding, SQ_ENTRY, SubmissionRing, Taken};
use cairn_rt::error::Error;
use cairn_rt::events::{EVENT_READ, Event, EventQueue};
use cairn_rt::sync::{Condvar, Mutex};
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format};
use core::time::Duration;

/// Controller registers (offsets in BAR 0).
mod reg {
    pub const CAP: usize = 0x00;
    pub const CC: usize = 0x14;
    pub const CSTS: usize = 0x1c;
    pub const AQA: usize = 0x24;
    pub const ASQ: usize = 0x28;
    pub const ACQ: usize = 0x30;
    pub const DOORBELLS: usize = 0x1000;
}

/// CC: enable; 64-byte submission and 16-byte completion entries (as
/// powers of two); memory page size 4 KiB (MPS 0); NVM command set (CSS 0).
const CC_ENABLE: u32 = 1;
const CC_ENTRY_SIZES: u32 = (6 << 16) | (4 << 20);
/// CSTS: ready; controller fatal status.
const CSTS_READY: u32 = 1;
const CSTS_FATAL: u32 = 2;

/// Admin opcodes.
const ADMIN_CREATE_SQ: u8 = 0x01;
const ADMIN_CREATE_CQ: u8 = 0x05;
const ADMIN_IDENTIFY: u8 = 0x06;
const ADMIN_SET_FEATURES: u8 = 0x09;
/// Identify CNS values.
const IDENTIFY_NAMESPACE: u32 = 0x00;
const IDENTIFY_CONTROLLER: u32 = 0x01;
const IDENTIFY_ACTIVE_NAMESPACES: u32 = 0x02;
/// Set Features: Number of Queues.
const FEATURE_QUEUES: u32 = 0x07;
/// I/O opcodes.
const IO_FLUSH: u8 = 0x00;
const IO_WRITE: u8 = 0x01;
const IO_READ: u8 = 0x02;

/// The memory page size the controller is set to (CC.MPS = 0).
pub const PAGE: usize = 4096;
/// Entries per queue (submission and completion alike).
const QUEUE_ENTRIES: usize = 64;
/// Commands in flight per I/O pair at most (fewer than its entries).
const IN_FLIGHT: u16 = QUEUE_ENTRIES as u16 - 1;
/// Largest transfer per command, whatever MDTS allows: what one scheme
/// request carries at most (`MAX_PAYLOAD`).
const MAX_TRANSFER: usize = cairn_rt::abi::scheme::MAX_PAYLOAD;
/// I/O queue pairs at most (QEMU's controller offers 64).
const MAX_IO_QUEUES: usize = 64;
/// How often an admin command waiting for its interrupt still checks its
/// completion and the controller's health.
const ADMIN_RECHECK: Duration = Duration::from_millis(10);
/// How long an admin command may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an I/O command may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// An NVMe failure, with what was being done.
#[derive(Debug)]
pub enum NvmeError {
    /// A system call on the device context (or an event queue) failed.
    Device(Failure),
    /// The controller did not reach the state, or finish the command, in time.
    Timeout { what: &'static str },
    /// The controller reported a fatal status (CSTS.CFS).
    Fatal,
    /// A command completed with this status (SCT << 8 | SC).
    Status { what: &'static str, status: u16 },
    /// The controller reported something unusable.
    Unusable(String),
    /// Its registers read all ones: the device is gone.
    Gone,
}

impl core::fmt::Display for NvmeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NvmeError::Device(failure) => write!(f, "{failure}"),
            NvmeError::Timeout { what } => write!(f, "timed out waiting for {what}"),
            NvmeError::Fatal => write!(f, "controller fatal status"),
            NvmeError::Status { what, status } => write!(f, "{what} failed with status {status:#x}"),
            NvmeError::Unusable(why) => write!(f, "{why}"),
            NvmeError::Gone => write!(f, "the controller is gone (its registers read all ones)"),
        }
    }
}

impl From<Failure> for NvmeError {
    fn from(failure: Failure) -> NvmeError {
        NvmeError::Device(failure)
    }
}

fn system(what: &str) -> impl FnOnce(Error) -> NvmeError + '_ {
    move |error| NvmeError::Device(Failure { doing: String::from(what), error })
}

/// BAR 0. The library refuses accesses outside the BAR: such a read gives
/// all ones (as from a device that is gone) and such a write is dropped;
/// the doorbells used are checked with [`Registers::has`] first.
struct Registers(cairn_driver::Registers);

impl Registers {
    fn read32(&self, offset: usize) -> u32 {
        self.0.read32(offset).unwrap_or(u32::MAX)
    }

    fn write32(&self, offset: usize, value: u32) {
        let _ = self.0.write32(offset, value);
    }

    fn read64(&self, offset: usize) -> u64 {
        self.0.read64(offset).unwrap_or(u64::MAX)
    }

    fn write64(&self, offset: usize, value: u64) {
        let _ = self.0.write64(offset, value);
    }

    /// Whether the BAR reaches the 32-bit register at `offset`.
    fn has(&self, offset: usize) -> bool {
        self.0.read32(offset).is_some()
    }
}

/// The admin queue pair: both rings in one DMA region (submission ring,
/// completion ring, then a data page). Its completions raise MSI-X vector
/// 0; without MSI-X it is polled.
struct AdminQueue {
    memory: DmaBuffer,
    sq: SubmissionRing,
    cq: CompletionRing,
    next_command: u16,
    interrupt: Option<AdminInterrupt>,
}

/// MSI-X vector 0, which the admin completion queue raises, and an event
/// queue to wait for it with a time limit. Bound before the controller is
/// enabled: a controller sets its admin completion queue's vector up when
/// enabled, with MSI-X on or not (QEMU's ignores the vector for good if
/// MSI-X was off then).
struct AdminInterrupt {
    interrupt: Interrupt,
    events: EventQueue,
}

impl AdminInterrupt {
    fn bind(device: &Device) -> Result<AdminInterrupt, NvmeError> {
        let interrupt = device.interrupt(Some(0), Cpu::Any)?;
        let events = EventQueue::new().map_err(|e| NvmeError::Unusable(format!("event queue: {e}")))?;
        events
            .watch(interrupt.as_raw_fd(), EVENT_READ, 0)
            .map_err(|e| NvmeError::Unusable(format!("watch the admin interrupt: {e}")))?;
        Ok(AdminInterrupt { interrupt, events })
    }

    /// Waits until the vector fired or `timeout` passed.
    fn wait(&mut self, timeout: Duration) {
        let mut ready = [Event::default()];
        if matches!(self.events.wait(&mut ready, Some(timeout)), Ok(1)) {
            let _ = self.interrupt.wait();
        }
    }
}

const SQ_OFFSET: usize = 0;
const CQ_OFFSET: usize = PAGE;
const DATA_OFFSET: usize = 2 * PAGE;

impl AdminQueue {
    fn new(device: &Device) -> Result<AdminQueue, NvmeError> {
        let mut memory = device.dma(DATA_OFFSET + PAGE, 64)?;
        memory.bytes().fill(0);
        let entries = QUEUE_ENTRIES as u16;
        Ok(AdminQueue {
            memory,
            sq: SubmissionRing::new(entries),
            cq: CompletionRing::new(entries),
            next_command: 0,
            interrupt: None,
        })
    }
}

/// The dword at `offset` (a multiple of 4) of DMA memory the device writes.
fn read_volatile32(memory: &[u8], offset: usize) -> u32 {
    let bytes = &memory[offset..offset + 4];
    // SAFETY: four bytes inside the mapping, 4-byte aligned (the mapping is
    // page aligned and `offset` a multiple of 4).
    unsafe { bytes.as_ptr().cast::<u32>().read_volatile() }
}

/// Called once with a command's outcome: the data read (empty for writes
/// and flushes), or why it failed.
type Done = cairn_block::Done<NvmeError>;

/// A command in flight: who waits, the DMA buffer it uses (none for a
/// flush), how many bytes it reads, and when it was submitted.
struct Waiting {
    done: Done,
    buffer: Option<DmaBuffer>,
    read: usize,
    issued: Instant,
}

/// The command ids in flight on one I/O pair, and the data buffers of
/// finished commands, kept for the next ones.
struct Slots {
    outstanding: Outstanding<Waiting>,
    spare: Vec<DmaBuffer>,
    /// Submitters waiting for a free command id.
    waiters: usize,
}

/// The submission side of an I/O pair: its ring memory and tail.
struct Submissions {
    memory: DmaBuffer,
    ring: SubmissionRing,
}

/// The completion side of an I/O pair: its ring memory, head and phase.
struct Completions {
    memory: DmaBuffer,
    ring: CompletionRing,
}

/// An I/O queue pair. Many commands are in flight at once (up to
/// [`IN_FLIGHT`]): submitters take a command id and a data buffer, write
/// the entry and ring the doorbell; the pair's completion thread waits for
/// its interrupt, takes every new completion, and hands each to the
/// waiter of its command id.
struct IoPair {
    id: u16,
    /// Its MSI-X vector.
    interrupt: cairn_driver::Interrupt,
    submissions: Mutex<Submissions>,
    completions: Mutex<Completions>,
    slots: Mutex<Slots>,
    /// Signalled when a command id is freed.
    room: Condvar,
}
/// One namespace: its id, block size and size in blocks.
#[derive(Clone, Copy, Debug)]
pub struct Namespace {
    pub id: u32,
    pub block_size: u32,
    pub blocks: u64,
}

/// An enabled controller with its I/O queues.
pub struct Controller {
    device: Device,
    registers: Registers,
    stride: usize,
    admin: Mutex<AdminQueue>,
    io: Vec<IoPair>,
    /// Bytes per command at most (MDTS, capped by [`MAX_TRANSFER`]).
    pub transfer: usize,
    pub model: String,
    pub serial: String,
}

/// What the controller's registers say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Working,
    /// CSTS.CFS: the controller failed.
    Fatal,
    /// CSTS or the vendor ID reads all ones: the device is gone (hot-removed).
    Gone,
}

impl Controller {
    /// Brings up the controller of `device` with `queues` I/O queue pairs
    /// (default: one per CPU).
    pub fn start(mut device: Device, queues: Option<usize>) -> Result<Controller, NvmeError> {
        let registers = Registers(device.registers(0)?);
        device.bus_master(true)?;

        let capabilities = registers.read64(reg::CAP);
        if capabilities == u64::MAX {
            return Err(NvmeError::Gone);
        }
        let stride = 4usize << ((capabilities >> 32) & 0xf);
        if !registers.has(reg::DOORBELLS + 3 * stride) {
            return Err(NvmeError::Unusable(String::from("BAR 0 lacks the doorbells of two queue pairs")));
        }
        let max_entries = (capabilities & 0xffff) as usize + 1;
        let ready_timeout = Duration::from_millis(500 * ((capabilities >> 24) & 0xff).max(1));
        let minimum_page = 1usize << (12 + ((capabilities >> 48) & 0xf));
        if max_entries < QUEUE_ENTRIES || minimum_page > PAGE {
            return Err(NvmeError::Unusable(format!(
                "queues of {max_entries} entries, pages of at least {minimum_page} bytes"
            )));
        }

        registers.write32(reg::CC, 0);
        wait_status(&registers, 0, ready_timeout, "the controller to stop (CSTS.RDY = 0)")?;
        let mut admin = AdminQueue::new(&device)?;
        match AdminInterrupt::bind(&device) {
            Ok(interrupt) => admin.interrupt = Some(interrupt),
            Err(e) => eprintln!("nvme: admin queue polled: {e}"),
        }
        let last = (QUEUE_ENTRIES - 1) as u32;
        registers.write32(reg::AQA, (last << 16) | last);
        registers.write64(reg::ASQ, admin.memory.device_address + SQ_OFFSET as u64);
        registers.write64(reg::ACQ, admin.memory.device_address + CQ_OFFSET as u64);
        registers.write32(reg::CC, CC_ENTRY_SIZES | CC_ENABLE);
        wait_status(&registers, CSTS_READY, ready_timeout, "the controller to become ready (CSTS.RDY = 1)")?;

        let mut controller = Controller {
            device,
            registers,
            stride,
            admin: Mutex::new(admin),
            io: Vec::new(),
            transfer: PAGE,
            model: String::new(),
            serial: String::new(),
        };
        controller.identify()?;
        controller.create_io_queues(queues)?;
        Ok(controller)
    }

    /// Identify Controller: model, serial, MDTS.
    fn identify(&mut self) -> Result<(), NvmeError> {
        let data = self.admin_data(ADMIN_IDENTIFY, 0, [IDENTIFY_CONTROLLER, 0], "Identify Controller")?;
        let text = |range: core::ops::Range<usize>| String::from(String::from_utf8_lossy(&data[range]).trim_end());
        self.serial = text(4..24);
        self.model = text(24..64);
        let mdts = data[77];
        self.transfer = match mdts {
            0 => MAX_TRANSFER,
            n if n >= 16 => MAX_TRANSFER,
            n => (PAGE << n).min(MAX_TRANSFER),
        };
        Ok(())
    }

    /// The active namespaces and their formats.
    pub fn namespaces(&self) -> Result<Vec<Namespace>, NvmeError> {
        let list = self.admin_data(ADMIN_IDENTIFY, 0, [IDENTIFY_ACTIVE_NAMESPACES, 0], "Identify namespace list")?;
        let mut namespaces = Vec::new();
        for id in list.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).take_while(|id| *id != 0) {
            let data = self.admin_data(ADMIN_IDENTIFY, id, [IDENTIFY_NAMESPACE, 0], "Identify Namespace")?;
            let blocks = u64::from_le_bytes(data[0..8].try_into().unwrap_or_default());
            let format = usize::from(data[26] & 0xf);
            let shift = data[128 + 4 * format + 2];
            if !(9..=16).contains(&shift) || blocks == 0 {
                eprintln!("nvme: namespace {id}: unusable format (2^{shift}-byte blocks, {blocks} blocks), skipped");
                continue;
            }
            namespaces.push(Namespace { id, block_size: 1 << shift, blocks });
        }
        Ok(namespaces)
    }

    /// Asks for `queues` queue pairs (default one per CPU), creates what
    /// was granted, each pair's completions on MSI-X vector N (N = queue
    /// id) delivered to CPU (N-1) modulo the CPUs.
    fn create_io_queues(&mut self, queues: Option<usize>) -> Result<(), NvmeError> {
        let cpus = cairn_rt::thread::available_parallelism().map_or(1, |n| n.get());
        let pairs_wanted = queues.unwrap_or(cpus).clamp(1, MAX_IO_QUEUES);
        let wanted = (pairs_wanted - 1) as u32;
        let granted =
            self.admin(ADMIN_SET_FEATURES, 0, 0, [FEATURE_QUEUES, (wanted << 16) | wanted], "Number of Queues")?;
        // Pair N's doorbells are the (2N)th and (2N+1)th past 0x1000: as
        // many pairs as were granted and BAR 0 has doorbells for (at least
        // one, checked at start).
        let granted = ((granted & 0xffff).min(granted >> 16) as usize + 1).min(pairs_wanted);
        let pairs =
            (1..=granted).take_while(|n| self.registers.has(reg::DOORBELLS + (2 * n + 1) * self.stride)).count();
        let entries = QUEUE_ENTRIES as u16;
        for index in 0..pairs {
            let id = index as u16 + 1;
            let interrupt = self.device.interrupt(Some(id), Cpu::Number((index % cpus) as u32))?;
            let mut sq_memory = self.device.dma(QUEUE_ENTRIES * SQ_ENTRY, 64)?;
            let mut cq_memory = self.device.dma(QUEUE_ENTRIES * CQ_ENTRY, 64)?;
            sq_memory.bytes().fill(0);
            cq_memory.bytes().fill(0);
            let size = ((QUEUE_ENTRIES - 1) as u32) << 16 | u32::from(id);
            // Physically contiguous, interrupts enabled, on vector `id`.
            let cq = [size, (u32::from(id) << 16) | 0b11];
            self.admin(ADMIN_CREATE_CQ, 0, cq_memory.device_address, cq, "Create I/O Completion Queue")?;
            let sq = [size, (u32::from(id) << 16) | 0b1];
            self.admin(ADMIN_CREATE_SQ, 0, sq_memory.device_address, sq, "Create I/O Submission Queue")?;
            self.io.push(IoPair {
                id,
                interrupt,
                submissions: Mutex::new(Submissions { memory: sq_memory, ring: SubmissionRing::new(entries) }),
                completions: Mutex::new(Completions { memory: cq_memory, ring: CompletionRing::new(entries) }),
                slots: Mutex::new(Slots { outstanding: Outstanding::new(IN_FLIGHT), spare: Vec::new(), waiters: 0 }),
                room: Condvar::new(),
            });
        }
        Ok(())
    }

    /// Number of I/O queue pairs.
    pub fn queue_pairs(&self) -> usize {
        self.io.len()
    }

    /// An admin command with a data page (PRP1 at the admin buffer); its data.
    fn admin_data(
        &self,
        opcode: u8,
        namespace: u32,
        dwords: [u32; 2],
        what: &'static str,
    ) -> Result<Vec<u8>, NvmeError> {
        let buffer = self.admin.lock().memory.device_address + DATA_OFFSET as u64;
        self.admin(opcode, namespace, buffer, dwords, what)?;
        Ok(self.admin.lock().memory.bytes()[DATA_OFFSET..DATA_OFFSET + PAGE].to_vec())
    }

    /// An admin command (CDW10, CDW11 given), waited for by polling with a
    /// time limit; its result dword.
    fn admin(
        &self,
        opcode: u8,
        namespace: u32,
        prp1: u64,
        dwords: [u32; 2],
        what: &'static str,
    ) -> Result<u32, NvmeError> {
        let mut command = Command { opcode, namespace, prp1, ..Command::default() };
        command.dwords[..2].copy_from_slice(&dwords);
        let mut admin = self.admin.lock();
        let admin = &mut *admin;
        let id = CommandId(admin.next_command);
        admin.next_command = admin.next_command.wrapping_add(1);
        let tail = admin.sq.push(&mut admin.memory.bytes()[SQ_OFFSET..CQ_OFFSET], &command, id);
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        self.registers.write32(reg::DOORBELLS, u32::from(tail));
        let start = Instant::now();
        loop {
            let memory: &[u8] = admin.memory.bytes();
            while let Some(done) = admin.cq.next(|at| read_volatile32(memory, CQ_OFFSET + at)) {
                self.registers.write32(reg::DOORBELLS + self.stride, u32::from(admin.cq.head()));
                if done.command != id {
                    eprintln!("nvme: admin queue: completion for unknown command id {} ignored", done.command.0);
                    continue;
                }
                return match done.status {
                    0 => Ok(done.result),
                    status => Err(NvmeError::Status { what, status }),
                };
            }
            match self.health() {
                Health::Working => {}
                Health::Fatal => return Err(NvmeError::Fatal),
                Health::Gone => return Err(NvmeError::Gone),
            }
            if start.elapsed() > ADMIN_TIMEOUT {
                return Err(NvmeError::Timeout { what });
            }
            match &mut admin.interrupt {
                Some(interrupt) => interrupt.wait(ADMIN_RECHECK),
                None => cairn_rt::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    /// Whether the controller still works, is failed, or is gone (its
    /// registers or its configuration space read all ones).
    pub fn health(&self) -> Health {
        if !self.device.present() {
            return Health::Gone;
        }
        match self.registers.read32(reg::CSTS) {
            u32::MAX => Health::Gone,
            status if status & CSTS_FATAL != 0 => Health::Fatal,
            _ => Health::Working,
        }
    }

    /// Starts moving `data.len()` bytes at `lba` of `namespace` (at most
    /// [`Controller::transfer`], a whole number of blocks; a flush when
    /// `data` is `None`) on I/O pair `pair`: a read when `write` is false
    /// (`data` then only gives the length), a write of `data` otherwise.
    /// Waits only while every command id of the pair is taken. `done` is
    /// called once, by the pair's completion thread (or here, if the
    /// command cannot be started).
    pub fn submit(&self, pair: usize, namespace: &Namespace, operation: Operation<'_>, lba: u64, done: Done) {
        let pair = &self.io[pair % self.io.len()];
        let (opcode, len) = match operation {
            Operation::Flush => (IO_FLUSH, 0),
            Operation::Read(len) => (IO_READ, len),
            Operation::Write(data) => (IO_WRITE, data.len()),
        };
        let mut command = Command { opcode, namespace: namespace.id, ..Command::default() };
        let mut buffer = None;
        if len > 0 {
            let mut taken = match pair.slots.lock().spare.pop() {
                Some(spare) => spare,
                None => match self.device.dma(PAGE + self.transfer, 64) {
                    Ok(fresh) => fresh,
                    Err(failure) => return done(Err(failure.into())),
                },
            };
            if let Operation::Write(data) = operation {
                taken.bytes()[PAGE..PAGE + len].copy_from_slice(data);
            }
            let blocks = (len / namespace.block_size as usize) as u32;
            command.dwords[..3].copy_from_slice(&[lba as u32, (lba >> 32) as u32, blocks - 1]);
            // The first page of the buffer is the PRP list, the data follows.
            let list = taken.device_address;
            let data = list + PAGE as u64;
            let pages = len.div_ceil(PAGE);
            command.prp1 = data;
            command.prp2 = match pages {
                1 => 0,
                2 => data + PAGE as u64,
                _ => {
                    for (page, entry) in (1..pages).zip(taken.bytes()[..PAGE].chunks_exact_mut(8)) {
                        entry.copy_from_slice(&(data + (page * PAGE) as u64).to_le_bytes());
                    }
                    list
                }
            };
            buffer = Some(taken);
        }
        let read = if opcode == IO_READ { len } else { 0 };
        let mut waiting = Waiting { done, buffer, read, issued: Instant::now() };
        let id = {
            let mut slots = pair.slots.lock();
            loop {
                match slots.outstanding.insert(waiting) {
                    Ok(id) => break id,
                    Err(back) => {
                        waiting = back;
                        slots.waiters += 1;
                        slots = pair.room.wait(slots);
                        slots.waiters -= 1;
                    }
                }
            }
        };
        let mut submissions = pair.submissions.lock();
        let submissions = &mut *submissions;
        let tail = submissions.ring.push(submissions.memory.bytes(), &command, id);
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        self.registers.write32(reg::DOORBELLS + 2 * usize::from(pair.id) * self.stride, u32::from(tail));
    }

    /// The completion thread of I/O pair `pair`: waits for its interrupt,
    /// takes every new completion and finishes its command. Returns only
    /// if the interrupt cannot be read.
    pub fn complete(&self, pair: usize) -> NvmeError {
        let pair = &self.io[pair];
        pair.interrupt.pin_waiter();
        let mut finished = Vec::new();
        loop {
            {
                let mut completions = pair.completions.lock();
                let completions = &mut *completions;
                let memory: &[u8] = completions.memory.bytes();
                while let Some(completion) = completions.ring.next(|at| read_volatile32(memory, at)) {
                    finished.push(completion);
                }
                if !finished.is_empty() {
                    let doorbell = reg::DOORBELLS + (2 * usize::from(pair.id) + 1) * self.stride;
                    self.registers.write32(doorbell, u32::from(completions.ring.head()));
                }
            }
            if finished.is_empty() {
                // Message interrupts need no acknowledgement (ABI.md).
                if let Err(error) = wait_interrupt(pair.interrupt.as_raw_fd()) {
                    return system("wait for the interrupt")(error);
                }
                continue;
            }
            let (taken, wake) = {
                let mut slots = pair.slots.lock();
                let taken: Vec<_> = finished.drain(..).map(|c| (c, slots.outstanding.take(c.command))).collect();
                (taken, slots.waiters > 0)
            };
            if wake {
                pair.room.notify_all();
            }
            let mut spare = Vec::new();
            for (completion, taken) in taken {
                match taken {
                    Taken::Waiter(waiting) => spare.extend(finish(waiting, completion.status)),
                    Taken::Late => eprintln!(
                        "nvme: queue {}: command {} completed after it was given up on",
                        pair.id, completion.command.0
                    ),
                    Taken::Unknown => eprintln!(
                        "nvme: queue {}: completion for unknown command id {} ignored",
                        pair.id, completion.command.0
                    ),
                }
            }
            if !spare.is_empty() {
                pair.slots.lock().spare.append(&mut spare);
            }
        }
    }

    /// Gives up on every command in flight for longer than
    /// [`IO_TIMEOUT`] (or on all of them, when `all`): their waiters get
    /// a timeout, their command ids and buffers stay out of use (the
    /// device may still write them). Returns how many.
    pub fn expire(&self, all: bool) -> usize {
        let mut count = 0;
        for pair in &self.io {
            let expired = pair.slots.lock().outstanding.retire(|w| all || w.issued.elapsed() > IO_TIMEOUT);
            for waiting in expired {
                count += 1;
                let what = if waiting.read > 0 { "a read" } else { "a write or flush" };
                (waiting.done)(Err(NvmeError::Timeout { what }));
            }
        }
        count
    }
}

/// Hands a finished command's outcome to its waiter; returns its buffer,
/// for the next command.
fn finish(waiting: Waiting, status: u16) -> Option<DmaBuffer> {
    let Waiting { done, buffer, read, .. } = waiting;
    match (status, buffer) {
        (0, Some(mut buffer)) => {
            done(Ok(&buffer.bytes()[PAGE..PAGE + read]));
            Some(buffer)
        }
        (0, None) => {
            done(Ok(&[]));
            None
        }
        (status, buffer) => {
            done(Err(NvmeError::Status { what: if read > 0 { "Read" } else { "Write or Flush" }, status }));
            buffer
        }
    }
}

/// Blocks until interrupt fd `fd` fired.
fn wait_interrupt(fd: usize) -> Result<(), Error> {
    let mut count = [0u8; 8];
    cairn_rt::io::read_fd(fd, &mut count).map(drop)
}

/// Waits (polling, up to `timeout`) for CSTS.RDY to equal `ready`.
fn wait_status(registers: &Registers, ready: u32, timeout: Duration, what: &'static str) -> Result<(), NvmeError> {
    let start = Instant::now();
    loop {
        let status = registers.read32(reg::CSTS);
        if status == u32::MAX {
            return Err(NvmeError::Gone);
        }
        if status & CSTS_READY == ready {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(NvmeError::Timeout { what });
        }
        cairn_rt::thread::sleep(Duration::from_millis(1));
    }
}
