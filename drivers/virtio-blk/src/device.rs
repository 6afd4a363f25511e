//! One virtio-blk device (virtio 1.x §5.2) on the `cairn-virtio` PCI
//! transport: feature negotiation, the geometry from the device
//! configuration, and the request queues. Each queue has its own MSI-X
//! vector on its own CPU and carries many requests at once: a request is
//! a chain of three descriptors — the 16-byte header (type, sector), the
//! data, the status byte the device writes — in one DMA buffer of the
//! request's (header and status in its first page, the data after it),
//! kept for reuse. Submitters push chains and notify; the queue's
//! completion thread ([`BlockDevice::complete`]) takes used chains and
//! hands each its outcome.

use cairn_block::{Done, Operation};
use cairn_driver::{Cpu, DmaBuffer, Failure, Interrupt};
use cairn_rt::sync::{Condvar, Mutex};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, eprintln};
use cairn_virtio::pci::{Health, Notifier, Transport, VirtioError};
use cairn_virtio::ring::{Buffer, RingError, SplitRing, Used};

/// virtio-blk feature bits (§5.2.3).
mod feature {
    pub const SEG_MAX: u64 = 1 << 2;
    pub const RO: u64 = 1 << 5;
    pub const BLK_SIZE: u64 = 1 << 6;
    pub const FLUSH: u64 = 1 << 9;
    pub const MQ: u64 = 1 << 12;
}

/// Device configuration fields (offsets, §5.2.4).
mod config {
    pub const CAPACITY: usize = 0;
    pub const SEG_MAX: usize = 12;
    pub const BLK_SIZE: usize = 20;
    pub const NUM_QUEUES: usize = 34;
}

/// Request types and status values (§5.2.6).
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const S_OK: u8 = 0;
/// What the status byte holds until the device writes it.
const S_UNWRITTEN: u8 = 0xff;

/// The sector unit of request headers and the capacity.
const SECTOR: u64 = 512;
const PAGE: usize = 4096;
/// Where the header and the status byte lie in a request's buffer; the
/// data starts at [`PAGE`].
const HEADER: usize = 0;
const STATUS: usize = 16;
/// Entries per queue at most (3 descriptors per request).
const QUEUE_ENTRIES: u16 = 256;
/// Bytes per request at most: what one scheme request carries.
const TRANSFER: usize = cairn_rt::abi::scheme::MAX_PAYLOAD;
/// How long a request may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A virtio-blk failure.
#[derive(Debug)]
pub enum BlkError {
    Virtio(VirtioError),
    /// A system call on the device context failed.
    Device(Failure),
    /// The device answered a request with this status (1 IOERR, 2 UNSUPP).
    Status {
        what: &'static str,
        status: u8,
    },
    /// The ring refused a request.
    Ring(RingError),
    /// The request took longer than [`IO_TIMEOUT`].
    Timeout {
        what: &'static str,
    },
    /// The device stopped working (DEVICE_NEEDS_RESET or FAILED).
    Broken(Health),
    /// The device reports something unusable.
    Unusable(&'static str, u64),
}

impl core::fmt::Display for BlkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BlkError::Virtio(error) => write!(f, "{error}"),
            BlkError::Device(failure) => write!(f, "{failure}"),
            BlkError::Status { what, status } => write!(f, "{what} failed with status {status}"),
            BlkError::Ring(error) => write!(f, "{error}"),
            BlkError::Timeout { what } => write!(f, "timed out waiting for {what}"),
            BlkError::Broken(health) => write!(f, "the device reports {health:?}"),
            BlkError::Unusable(what, value) => write!(f, "unusable {what}: {value}"),
        }
    }
}

impl From<VirtioError> for BlkError {
    fn from(error: VirtioError) -> BlkError {
        BlkError::Virtio(error)
    }
}

impl From<Failure> for BlkError {
    fn from(failure: Failure) -> BlkError {
        BlkError::Device(failure)
    }
}

/// A request in flight: who waits, its buffer, what it is, when it left.
struct Waiting {
    done: Done<BlkError>,
    buffer: DmaBuffer,
    /// Bytes a read brings (0 for writes and flushes).
    read: usize,
    what: &'static str,
    issued: Instant,
}

/// A queue's ring and its memory, and how many submitters wait for room.
struct Ring {
    ring: SplitRing<Waiting>,
    memory: DmaBuffer,
    waiters: usize,
}

/// One request queue.
struct RequestQueue {
    notifier: Notifier,
    /// Its MSI-X vector.
    interrupt: Interrupt,
    ring: Mutex<Ring>,
    /// Signalled when chains were used (room for more).
    room: Condvar,
    /// Buffers of finished requests, for the next ones.
    spare: Mutex<Vec<DmaBuffer>>,
}

/// A device brought up: its geometry and its request queues.
pub struct BlockDevice {
    transport: Transport,
    queues: Vec<RequestQueue>,
    /// MSI-X entry 0: configuration changes (the watchdog waits on it).
    pub config_interrupt: Interrupt,
    pub block_size: u32,
    pub blocks: u64,
    pub read_only: bool,
    /// The device has a volatile cache to flush.
    pub flush: bool,
    /// Segments per request the device takes (1 when it does not say).
    pub seg_max: u32,
}

impl BlockDevice {
    /// Brings the device up (§3.1.1) with one request queue per CPU if it
    /// offers several, else one.
    pub fn start(transport: Transport) -> Result<BlockDevice, BlkError> {
        transport.reset()?;
        let wanted = feature::SEG_MAX | feature::RO | feature::BLK_SIZE | feature::FLUSH | feature::MQ;
        let agreed = transport.negotiate(wanted)?;
        let has = |bit: u64| agreed & bit != 0;
        let (capacity, seg_max, block_size, queues) = transport.device_config(|c| {
            (
                c.read64(config::CAPACITY),
                c.read32(config::SEG_MAX),
                c.read32(config::BLK_SIZE),
                c.read16(config::NUM_QUEUES),
            )
        })?;
        let capacity = capacity.ok_or(BlkError::Unusable("device configuration without a capacity", 0))?;
        let block_size = if has(feature::BLK_SIZE) { block_size.unwrap_or(0) } else { SECTOR as u32 };
        if !block_size.is_power_of_two() || !(512..=65536).contains(&block_size) {
            return Err(BlkError::Unusable("block size", u64::from(block_size)));
        }
        let seg_max = if has(feature::SEG_MAX) { seg_max.unwrap_or(0) } else { 1 };
        if seg_max == 0 {
            return Err(BlkError::Unusable("seg_max", 0));
        }
        let offered = if has(feature::MQ) { queues.unwrap_or(1) } else { 1 };
        let cpus = cairn_rt::thread::available_parallelism().map_or(1, |n| n.get());
        let count = usize::from(offered).clamp(1, cpus);
        let device = transport.device();
        let config_interrupt = device.interrupt(Some(0), Cpu::Any)?;
        let mut interrupts = Vec::new();
        for index in 0..count {
            interrupts.push(device.interrupt(Some(index as u16 + 1), Cpu::Number(index as u32))?);
        }
        transport.config_vector(0)?;
        let mut request_queues = Vec::new();
        for (index, interrupt) in interrupts.into_iter().enumerate() {
            let queue = transport.setup_queue(index as u16, QUEUE_ENTRIES, index as u16 + 1)?;
            request_queues.push(RequestQueue {
                notifier: queue.notifier,
                interrupt,
                ring: Mutex::new(Ring { ring: SplitRing::new(queue.layout), memory: queue.memory, waiters: 0 }),
                room: Condvar::new(),
                spare: Mutex::new(Vec::new()),
            });
        }
        transport.driver_ok();
        if let health @ (Health::NeedsReset | Health::Failed | Health::Gone) = transport.health() {
            return Err(BlkError::Broken(health));
        }
        Ok(BlockDevice {
            transport,
            queues: request_queues,
            config_interrupt,
            block_size,
            blocks: capacity * SECTOR / u64::from(block_size),
            read_only: has(feature::RO),
            flush: has(feature::FLUSH),
            seg_max,
        })
    }

    /// Number of request queues.
    pub fn queue_count(&self) -> usize {
        self.queues.len()
    }

    /// Bytes one request moves at most.
    pub fn transfer(&self) -> usize {
        TRANSFER
    }

    pub fn health(&self) -> Health {
        self.transport.health()
    }

    /// Starts `operation` at block `block` on request queue `queue`.
    /// Waits only while the queue has no free descriptors. `done` is
    /// called once, by the queue's completion thread (or here, if the
    /// request cannot start; a flush of a device without a volatile cache
    /// is done at once).
    pub fn submit(&self, queue: usize, operation: Operation<'_>, block: u64, done: Done<BlkError>) {
        let queue = &self.queues[queue % self.queues.len()];
        let (kind, len, what) = match operation {
            Operation::Flush if !self.flush => return done(Ok(&[])),
            Operation::Flush => (T_FLUSH, 0, "a flush"),
            Operation::Read(len) => (T_IN, len, "a read"),
            Operation::Write(data) => (T_OUT, data.len(), "a write"),
        };
        let mut buffer = match queue.spare.lock().pop() {
            Some(spare) => spare,
            None => match self.transport.device().dma(PAGE + TRANSFER, 64) {
                Ok(fresh) => fresh,
                Err(failure) => return done(Err(failure.into())),
            },
        };
        let sector = if kind == T_FLUSH { 0 } else { block * (u64::from(self.block_size) / SECTOR) };
        let bytes = buffer.bytes();
        bytes[HEADER..HEADER + 4].copy_from_slice(&kind.to_le_bytes());
        bytes[HEADER + 4..HEADER + 8].fill(0);
        bytes[HEADER + 8..HEADER + 16].copy_from_slice(&sector.to_le_bytes());
        bytes[STATUS] = S_UNWRITTEN;
        if let Operation::Write(data) = operation {
            bytes[PAGE..PAGE + len].copy_from_slice(data);
        }
        let base = buffer.device_address;
        let header = Buffer { address: base + HEADER as u64, len: 16, device_writes: false };
        let data = Buffer { address: base + PAGE as u64, len: len as u32, device_writes: kind == T_IN };
        let status = Buffer { address: base + STATUS as u64, len: 1, device_writes: true };
        let chain: &[Buffer] = if len == 0 { &[header, status] } else { &[header, data, status] };
        let read = if kind == T_IN { len } else { 0 };
        let mut waiting = Waiting { done, buffer, read, what, issued: Instant::now() };
        {
            let mut ring = queue.ring.lock();
            loop {
                let Ring { ring: split, memory, .. } = &mut *ring;
                match split.push(memory.bytes(), chain, waiting) {
                    Ok(_) => break,
                    Err((RingError::Full, back)) => {
                        waiting = back;
                        ring.waiters += 1;
                        ring = queue.room.wait(ring);
                        ring.waiters -= 1;
                    }
                    Err((error, back)) => {
                        drop(ring);
                        return (back.done)(Err(BlkError::Ring(error)));
                    }
                }
            }
        }
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        self.transport.notify(queue.notifier);
    }

    /// The completion thread of request queue `queue`: waits for its
    /// interrupt, takes every used chain and finishes its request.
    /// Returns only if the interrupt cannot be read or the device broke
    /// its used ring.
    pub fn complete(&self, queue: usize) -> BlkError {
        let queue = &self.queues[queue];
        queue.interrupt.pin_waiter();
        let mut finished = Vec::new();
        loop {
            {
                let mut ring = queue.ring.lock();
                let Ring { ring: split, memory, waiters } = &mut *ring;
                while let Some(used) = split.take_used(memory.bytes()) {
                    match used {
                        Ok(Used::Done { waiter, .. }) => finished.push(waiter),
                        Ok(Used::Late { id }) => {
                            eprintln!("virtio-blk: request {id} completed after it was given up on")
                        }
                        Err(error @ RingError::UnknownId(_)) => eprintln!("virtio-blk: {error}; ignored"),
                        Err(error) => return BlkError::Ring(error),
                    }
                }
                if !finished.is_empty() && *waiters > 0 {
                    queue.room.notify_all();
                }
            }
            if finished.is_empty() {
                // Message interrupts need no acknowledgement (ABI.md).
                let mut count = [0u8; 8];
                if let Err(error) = cairn_rt::io::read_fd(queue.interrupt.as_raw_fd(), &mut count) {
                    return BlkError::Device(Failure {
                        doing: cairn_rt::String::from("wait for the queue's interrupt"),
                        error,
                    });
                }
                continue;
            }
            let mut spare = Vec::new();
            for waiting in finished.drain(..) {
                spare.push(finish(waiting));
            }
            queue.spare.lock().append(&mut spare);
        }
    }

    /// Gives up on every request in flight for longer than [`IO_TIMEOUT`]
    /// (or on all of them, with `why`): their waiters get the error;
    /// their descriptors and buffers stay out of use (the device may still
    /// write them). Returns how many.
    pub fn expire(&self, broken: Option<Health>) -> usize {
        let mut count = 0;
        for queue in &self.queues {
            let expired = queue.ring.lock().ring.retire(|w| broken.is_some() || w.issued.elapsed() > IO_TIMEOUT);
            for waiting in expired {
                count += 1;
                let error = match broken {
                    Some(health) => BlkError::Broken(health),
                    None => BlkError::Timeout { what: waiting.what },
                };
                (waiting.done)(Err(error));
            }
        }
        count
    }
}

/// Hands a finished request its outcome from the status byte; returns
/// its buffer.
fn finish(waiting: Waiting) -> DmaBuffer {
    let Waiting { done, mut buffer, read, what, .. } = waiting;
    let bytes = buffer.bytes();
    match bytes[STATUS] {
        S_OK => done(Ok(&bytes[PAGE..PAGE + read])),
        status => done(Err(BlkError::Status { what, status })),
    }
    buffer
}
