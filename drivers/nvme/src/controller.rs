//! One NVMe controller, driven through `cairn-driver`: reset and
//! enable, the admin queue (polled), Identify, and I/O queue pairs each
//! with its own MSI-X vector on its own CPU, each used by one worker
//! thread of the driver. Reads, writes and flushes go through a queue
//! pair's DMA buffer with PRP entries (a PRP list past two pages), in
//! transfers no larger than the controller's MDTS.
//!
//! Register layout, command and completion formats: NVM Express Base
//! Specification 2.0, §3.1 (registers), §4.2-4.6 (queues, PRPs), §5
//! (admin commands), and the NVM Command Set Specification (I/O).

use cairn_driver::{Cpu, Device, DmaBuffer, Failure};
use cairn_rt::error::Error;
use cairn_rt::events::{EVENT_READ, Event, EventQueue};
use cairn_rt::sync::Mutex;
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format, vec};
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
const SQ_ENTRY: usize = 64;
const CQ_ENTRY: usize = 16;
/// Largest transfer per command, whatever MDTS allows: what one scheme
/// request carries at most (`MAX_PAYLOAD`).
const MAX_TRANSFER: usize = cairn_rt::abi::scheme::MAX_PAYLOAD;
/// I/O queue pairs at most (QEMU's controller offers 64).
const MAX_IO_QUEUES: usize = 64;
/// How long an admin command may take.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an I/O command may go without an interrupt.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

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
}

impl core::fmt::Display for NvmeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NvmeError::Device(failure) => write!(f, "{failure}"),
            NvmeError::Timeout { what } => write!(f, "timed out waiting for {what}"),
            NvmeError::Fatal => write!(f, "controller fatal status"),
            NvmeError::Status { what, status } => write!(f, "{what} failed with status {status:#x}"),
            NvmeError::Unusable(why) => write!(f, "{why}"),
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

/// `len` bytes at `offset` of DMA memory.
fn region(memory: &mut DmaBuffer, offset: usize, len: usize) -> &mut [u8] {
    &mut memory.bytes()[offset..offset + len]
}

/// The dword at `offset` (a multiple of 4) of DMA memory the device writes.
fn read_volatile32(memory: &mut DmaBuffer, offset: usize) -> u32 {
    let bytes = &region(memory, offset, 4)[..4];
    // SAFETY: four bytes inside the mapping, 4-byte aligned (the mapping is
    // page aligned and `offset` a multiple of 4).
    unsafe { bytes.as_ptr().cast::<u32>().read_volatile() }
}

/// A submission queue entry.
#[derive(Clone, Copy, Default)]
struct Command {
    opcode: u8,
    namespace: u32,
    prp1: u64,
    prp2: u64,
    dwords: [u32; 6],
}

/// A completion: command-specific dword 0, and the status.
struct Completion {
    result: u32,
    status: u16,
}

/// A submission/completion queue pair in one DMA region: the submission
/// ring, the completion ring, a PRP list page, then the data buffer.
struct Queue {
    id: u16,
    memory: DmaBuffer,
    tail: u16,
    head: u16,
    phase: bool,
    next_command: u16,
    /// I/O queues: the MSI-X interrupt (the admin queue is polled).
    interrupt: Option<Interrupt>,
    /// A command on this queue timed out: the device may still write its
    /// buffer, so the queue takes no more commands.
    retired: bool,
}

/// A queue's MSI-X interrupt fd, and an event queue to wait on it with a
/// time limit.
struct Interrupt {
    interrupt: cairn_driver::Interrupt,
    events: EventQueue,
}

impl Interrupt {
    fn new(interrupt: cairn_driver::Interrupt) -> Result<Interrupt, NvmeError> {
        let events = EventQueue::new().map_err(system("create an event queue"))?;
        events.watch(interrupt.as_raw_fd(), EVENT_READ, 0).map_err(system("watch the interrupt"))?;
        Ok(Interrupt { interrupt, events })
    }

    /// Waits up to `timeout` for the interrupt, then acknowledges it;
    /// `false` if it did not come.
    fn wait(&mut self, timeout: Duration) -> Result<bool, NvmeError> {
        let mut ready = [Event::default()];
        if self.events.wait(&mut ready, Some(timeout)).map_err(system("wait for the interrupt"))? == 0 {
            return Ok(false);
        }
        self.interrupt.wait().map_err(system("read the interrupt"))?;
        self.interrupt.acknowledge().map_err(system("acknowledge the interrupt"))?;
        Ok(true)
    }
}

const SQ_OFFSET: usize = 0;
const CQ_OFFSET: usize = PAGE;
const PRP_LIST_OFFSET: usize = 2 * PAGE;
const DATA_OFFSET: usize = 3 * PAGE;

impl Queue {
    fn new(device: &Device, id: u16, transfer: usize, interrupt: Option<Interrupt>) -> Result<Queue, NvmeError> {
        let mut memory = device.dma(DATA_OFFSET + transfer, 64)?;
        memory.bytes().fill(0);
        Ok(Queue { id, memory, tail: 0, head: 0, phase: true, next_command: 0, interrupt, retired: false })
    }

    fn sq_address(&self) -> u64 {
        self.memory.device_address + SQ_OFFSET as u64
    }

    fn cq_address(&self) -> u64 {
        self.memory.device_address + CQ_OFFSET as u64
    }

    /// Writes `command` at the tail and rings the doorbell; returns its id.
    fn submit(&mut self, registers: &Registers, stride: usize, command: &Command) -> u16 {
        let id = self.next_command;
        self.next_command = self.next_command.wrapping_add(1);
        let mut entry = [0u32; 16];
        entry[0] = u32::from(command.opcode) | (u32::from(id) << 16);
        entry[1] = command.namespace;
        entry[6] = command.prp1 as u32;
        entry[7] = (command.prp1 >> 32) as u32;
        entry[8] = command.prp2 as u32;
        entry[9] = (command.prp2 >> 32) as u32;
        entry[10..16].copy_from_slice(&command.dwords);
        let slot = region(&mut self.memory, SQ_OFFSET + usize::from(self.tail) * SQ_ENTRY, SQ_ENTRY);
        for (bytes, dword) in slot.chunks_exact_mut(4).zip(entry) {
            bytes.copy_from_slice(&dword.to_le_bytes());
        }
        self.tail = (self.tail + 1) % QUEUE_ENTRIES as u16;
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        registers.write32(reg::DOORBELLS + 2 * usize::from(self.id) * stride, u32::from(self.tail));
        id
    }

    /// Takes every new completion; returns the one for command `wanted`,
    /// if it came. Completions for other ids are logged and dropped.
    fn reap(&mut self, registers: &Registers, stride: usize, wanted: u16) -> Option<Completion> {
        let mut found = None;
        loop {
            let at = CQ_OFFSET + usize::from(self.head) * CQ_ENTRY;
            let status_word = read_volatile32(&mut self.memory, at + 12);
            if (status_word & (1 << 16) != 0) != self.phase {
                break;
            }
            core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
            let result = read_volatile32(&mut self.memory, at);
            let command = status_word as u16;
            let status = ((status_word >> 17) & 0x7ff) as u16;
            self.head += 1;
            if usize::from(self.head) == QUEUE_ENTRIES {
                self.head = 0;
                self.phase = !self.phase;
            }
            registers.write32(reg::DOORBELLS + (2 * usize::from(self.id) + 1) * stride, u32::from(self.head));
            if command == wanted && found.is_none() {
                found = Some(Completion { result, status });
            } else {
                eprintln!("nvme: queue {}: completion for unknown command id {command} ignored", self.id);
            }
        }
        found
    }
}

/// One namespace: its id, block size and size in blocks.
#[derive(Clone, Copy, Debug)]
pub struct Namespace {
    pub id: u32,
    pub block_size: u32,
    pub blocks: u64,
}

/// A data direction.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

/// An enabled controller with its I/O queues.
pub struct Controller {
    device: Device,
    registers: Registers,
    stride: usize,
    admin: Queue,
    /// The I/O queue pairs; worker thread W uses pair W (modulo their number).
    io: Vec<Mutex<Queue>>,
    /// Bytes per command at most (MDTS, capped by [`MAX_TRANSFER`]).
    pub transfer: usize,
    pub model: String,
    pub serial: String,
}

impl Controller {
    /// Claims PCI function `name` and brings the controller up with
    /// `queues` I/O queue pairs (default: one per CPU).
    pub fn start(name: &str, queues: Option<usize>) -> Result<Controller, NvmeError> {
        let mut device = Device::claim(name)?;
        let registers = Registers(device.registers(0)?);
        device.bus_master(true)?;

        let capabilities = registers.read64(reg::CAP);
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
        let admin = Queue::new(&device, 0, PAGE, None)?;
        let last = (QUEUE_ENTRIES - 1) as u32;
        registers.write32(reg::AQA, (last << 16) | last);
        registers.write64(reg::ASQ, admin.sq_address());
        registers.write64(reg::ACQ, admin.cq_address());
        registers.write32(reg::CC, CC_ENTRY_SIZES | CC_ENABLE);
        wait_status(&registers, CSTS_READY, ready_timeout, "the controller to become ready (CSTS.RDY = 1)")?;

        let mut controller = Controller {
            device,
            registers,
            stride,
            admin,
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
    pub fn namespaces(&mut self) -> Result<Vec<Namespace>, NvmeError> {
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
        for index in 0..pairs {
            let id = index as u16 + 1;
            let interrupt = Interrupt::new(self.device.interrupt(Some(id), Cpu::Number((index % cpus) as u32))?)?;
            let queue = Queue::new(&self.device, id, self.transfer, Some(interrupt))?;
            let size = ((QUEUE_ENTRIES - 1) as u32) << 16 | u32::from(id);
            // Physically contiguous, interrupts enabled, on vector `id`.
            let cq = [size, (u32::from(id) << 16) | 0b11];
            self.admin(ADMIN_CREATE_CQ, 0, queue.cq_address(), cq, "Create I/O Completion Queue")?;
            let sq = [size, (u32::from(id) << 16) | 0b1];
            self.admin(ADMIN_CREATE_SQ, 0, queue.sq_address(), sq, "Create I/O Submission Queue")?;
            self.io.push(Mutex::new(queue));
        }
        Ok(())
    }

    /// Reads block 0 of `namespace` through every I/O queue pair, so that
    /// each has answered (and its vector fired) before the driver serves.
    pub fn check_queues(&self, namespace: &Namespace) -> Result<(), NvmeError> {
        let mut block = vec![0u8; namespace.block_size as usize];
        (0..self.io.len()).try_for_each(|queue| self.io(queue, namespace, Direction::Read, 0, &mut block))
    }

    /// Number of I/O queue pairs.
    pub fn queue_pairs(&self) -> usize {
        self.io.len()
    }

    /// An admin command with a data page (PRP1 at the admin buffer); its data.
    fn admin_data(
        &mut self,
        opcode: u8,
        namespace: u32,
        dwords: [u32; 2],
        what: &'static str,
    ) -> Result<Vec<u8>, NvmeError> {
        let buffer = self.admin.memory.device_address + DATA_OFFSET as u64;
        self.admin(opcode, namespace, buffer, dwords, what)?;
        Ok(region(&mut self.admin.memory, DATA_OFFSET, PAGE).to_vec())
    }

    /// An admin command (CDW10, CDW11 given), waited for by polling with a
    /// time limit; its result dword.
    fn admin(
        &mut self,
        opcode: u8,
        namespace: u32,
        prp1: u64,
        dwords: [u32; 2],
        what: &'static str,
    ) -> Result<u32, NvmeError> {
        let mut command = Command { opcode, namespace, prp1, ..Command::default() };
        command.dwords[..2].copy_from_slice(&dwords);
        let id = self.admin.submit(&self.registers, self.stride, &command);
        let start = Instant::now();
        loop {
            if let Some(done) = self.admin.reap(&self.registers, self.stride, id) {
                return match done.status {
                    0 => Ok(done.result),
                    status => Err(NvmeError::Status { what, status }),
                };
            }
            if self.registers.read32(reg::CSTS) & CSTS_FATAL != 0 {
                return Err(NvmeError::Fatal);
            }
            if start.elapsed() > ADMIN_TIMEOUT {
                return Err(NvmeError::Timeout { what });
            }
            cairn_rt::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Moves `blocks` blocks at `lba` of `namespace` between `data` and the
    /// device (`data.len()` ≤ [`Controller::transfer`], a whole number of
    /// blocks); a flush when `data` is empty. Worker `worker` uses its own
    /// queue pair (shared only when there are more workers than pairs).
    pub fn io(
        &self,
        worker: usize,
        namespace: &Namespace,
        direction: Direction,
        lba: u64,
        data: &mut [u8],
    ) -> Result<(), NvmeError> {
        let mut queue = self.io[worker % self.io.len()].lock();
        if queue.retired {
            return Err(NvmeError::Unusable(format!("queue {} was retired after a command timed out", queue.id)));
        }
        let mut command = Command { namespace: namespace.id, ..Command::default() };
        let what = if data.is_empty() {
            command.opcode = IO_FLUSH;
            "Flush"
        } else {
            let blocks = (data.len() / namespace.block_size as usize) as u32;
            command.opcode = if direction == Direction::Read { IO_READ } else { IO_WRITE };
            command.dwords[..3].copy_from_slice(&[lba as u32, (lba >> 32) as u32, blocks - 1]);
            if direction == Direction::Write {
                region(&mut queue.memory, DATA_OFFSET, data.len()).copy_from_slice(data);
            }
            let buffer = queue.memory.device_address + DATA_OFFSET as u64;
            let pages = data.len().div_ceil(PAGE);
            command.prp1 = buffer;
            command.prp2 = match pages {
                1 => 0,
                2 => buffer + PAGE as u64,
                _ => {
                    let list = region(&mut queue.memory, PRP_LIST_OFFSET, PAGE);
                    for (page, entry) in (1..pages).zip(list.chunks_exact_mut(8)) {
                        entry.copy_from_slice(&(buffer + (page * PAGE) as u64).to_le_bytes());
                    }
                    queue.memory.device_address + PRP_LIST_OFFSET as u64
                }
            };
            if direction == Direction::Read { "Read" } else { "Write" }
        };
        let id = queue.submit(&self.registers, self.stride, &command);
        let done = loop {
            if let Some(done) = queue.reap(&self.registers, self.stride, id) {
                break done;
            }
            if self.registers.read32(reg::CSTS) & CSTS_FATAL != 0 {
                return Err(NvmeError::Fatal);
            }
            let Some(interrupt) = queue.interrupt.as_mut() else {
                return Err(NvmeError::Unusable(format!("queue {} has no interrupt", queue.id)));
            };
            if !interrupt.wait(IO_TIMEOUT)? {
                queue.retired = true;
                return Err(NvmeError::Timeout { what });
            }
        };
        if done.status != 0 {
            return Err(NvmeError::Status { what, status: done.status });
        }
        if direction == Direction::Read && !data.is_empty() {
            data.copy_from_slice(region(&mut queue.memory, DATA_OFFSET, data.len()));
        }
        Ok(())
    }
}

/// Waits (polling, up to `timeout`) for CSTS.RDY to equal `ready`.
fn wait_status(registers: &Registers, ready: u32, timeout: Duration, what: &'static str) -> Result<(), NvmeError> {
    let start = Instant::now();
    loop {
        let status = registers.read32(reg::CSTS);
        if status == u32::MAX {
            return Err(NvmeError::Unusable(String::from("CSTS reads all ones: the controller is gone")));
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
