//! One virtio-net device (virtio 1.x §5.1) on the `cairn-virtio` PCI
//! transport: feature negotiation (VERSION_1, MAC, STATUS), one receive
//! queue and one transmit queue, each with its own MSI-X vector (entry 1
//! and 2; entry 0 takes configuration changes, i.e. the link state).
//!
//! Receive: one DMA buffer split into [`RECEIVE_BUFFER`]-byte slots, one
//! per queue entry, all kept posted; [`NetDevice::receive`] (the receive
//! thread) hands each returned frame on and posts its slot again.
//! Transmit: a DMA buffer of slots likewise; [`NetDevice::send`] copies
//! the header and the frame into a free slot and notifies the device;
//! [`NetDevice::transmit_done`] (the transmit thread) frees the slots the
//! device is done with. Without MRG_RXBUF every slot holds a whole frame.

use cairn_driver::{Cpu, DmaBuffer, Failure, Interrupt};
use cairn_netdev::{Nic, SendError};
use cairn_rt::sync::{Condvar, Mutex};
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, eprintln};
use cairn_virtio::net::{self, FrameError, HEADER, RECEIVE_BUFFER, RECEIVE_QUEUE, TRANSMIT_QUEUE, config, feature};
use cairn_virtio::pci::{Health, Notifier, Transport, VirtioError};
use cairn_virtio::ring::{Buffer, RingError, SplitRing, Used};

/// Entries per queue at most (one frame per entry).
const QUEUE_ENTRIES: u16 = 256;
/// MSI-X entries: configuration changes, the receive and transmit queues.
const CONFIG_VECTOR: u16 = 0;
const RECEIVE_VECTOR: u16 = 1;
const TRANSMIT_VECTOR: u16 = 2;
/// How long a send waits for a free transmit slot.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// A virtio-net failure.
#[derive(Debug)]
pub enum NetError {
    Virtio(VirtioError),
    /// A system call on the device context failed.
    Device(Failure),
    /// The ring refused a chain, or the device broke it.
    Ring(RingError),
    /// Every transmit slot stayed busy for [`SEND_TIMEOUT`].
    TransmitFull,
    /// The device stopped working.
    Broken(Health),
    /// A negotiated field lies outside the device configuration.
    OutsideConfig(&'static str),
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NetError::Virtio(error) => write!(f, "{error}"),
            NetError::Device(failure) => write!(f, "{failure}"),
            NetError::Ring(error) => write!(f, "{error}"),
            NetError::TransmitFull => write!(f, "no transmit slot came free in {SEND_TIMEOUT:?}"),
            NetError::Broken(health) => write!(f, "the device reports {health:?}"),
            NetError::OutsideConfig(what) => write!(f, "{what} lies outside the device configuration"),
        }
    }
}

impl From<VirtioError> for NetError {
    fn from(error: VirtioError) -> NetError {
        NetError::Virtio(error)
    }
}

impl From<Failure> for NetError {
    fn from(failure: Failure) -> NetError {
        NetError::Device(failure)
    }
}

/// A queue of frames: its ring (each chain's waiter is its slot), the
/// ring's memory, the slots' memory, and the slots not in the ring.
struct FrameQueue {
    ring: SplitRing<usize>,
    memory: DmaBuffer,
    slots: DmaBuffer,
    free: Vec<usize>,
    notifier: Notifier,
}

impl FrameQueue {
    /// Sets queue `queue` up with a slot of [`RECEIVE_BUFFER`] bytes per entry.
    fn new(transport: &Transport, queue: u16, vector: u16) -> Result<FrameQueue, NetError> {
        let set_up = transport.setup_queue(queue, QUEUE_ENTRIES, vector)?;
        let count = usize::from(set_up.layout.size);
        let slots = transport.device().dma(count * RECEIVE_BUFFER, 64)?;
        Ok(FrameQueue {
            ring: SplitRing::new(set_up.layout),
            memory: set_up.memory,
            slots,
            free: (0..count).rev().collect(),
            notifier: set_up.notifier,
        })
    }

    /// Makes slot `slot` available with its first `len` bytes.
    fn push(&mut self, slot: usize, len: usize, device_writes: bool) -> Result<(), RingError> {
        let address = self.slots.device_address + (slot * RECEIVE_BUFFER) as u64;
        let buffer = Buffer { address, len: len as u32, device_writes };
        self.ring.push(self.memory.bytes(), &[buffer], slot).map(drop).map_err(|(error, _)| error)
    }

    /// The next chain the device returned: its slot and the bytes written.
    /// An entry naming no chain in flight is logged and skipped.
    fn take(&mut self) -> Option<Result<(usize, usize), RingError>> {
        loop {
            return match self.ring.take_used(self.memory.bytes())? {
                Ok(Used::Done { waiter, written }) => Some(Ok((waiter, written as usize))),
                // Nothing is ever given up on (`retire` is not used here).
                Ok(Used::Late { .. }) => continue,
                Err(error @ RingError::UnknownId(_)) => {
                    eprintln!("virtio-net: {error}; ignored");
                    continue;
                }
                Err(error) => Some(Err(error)),
            };
        }
    }

    fn slot(&mut self, slot: usize) -> &mut [u8] {
        &mut self.slots.bytes()[slot * RECEIVE_BUFFER..(slot + 1) * RECEIVE_BUFFER]
    }
}

/// A device brought up.
pub struct NetDevice {
    transport: Transport,
    pub mac: [u8; 6],
    /// The features agreed.
    pub features: u64,
    receive: Mutex<FrameQueue>,
    transmit: Mutex<FrameQueue>,
    /// Signalled when transmit slots came free.
    room: Condvar,
    receive_interrupt: Interrupt,
    transmit_interrupt: Interrupt,
    /// Configuration changes (the link state, DEVICE_NEEDS_RESET).
    pub config_interrupt: Interrupt,
}

impl NetDevice {
    /// Brings the device up (§3.1.1, §5.1.5): negotiates, reads the MAC,
    /// sets up the two queues with their vectors, posts every receive
    /// slot, sets DRIVER_OK.
    pub fn start(transport: Transport) -> Result<NetDevice, NetError> {
        transport.reset()?;
        let features = transport.negotiate(feature::MAC | feature::STATUS)?;
        let device = transport.device();
        let config_interrupt = device.interrupt(Some(CONFIG_VECTOR), Cpu::Any)?;
        let receive_interrupt = device.interrupt(Some(RECEIVE_VECTOR), Cpu::Number(0))?;
        let cpus = cairn_rt::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let transmit_interrupt = device.interrupt(Some(TRANSMIT_VECTOR), Cpu::Number(1 % cpus))?;
        transport.config_vector(CONFIG_VECTOR)?;
        let mut receive = FrameQueue::new(&transport, RECEIVE_QUEUE, RECEIVE_VECTOR)?;
        let transmit = FrameQueue::new(&transport, TRANSMIT_QUEUE, TRANSMIT_VECTOR)?;
        let mac = if features & feature::MAC != 0 {
            let read = transport.device_config(|c| {
                let mut mac = [0u8; 6];
                for (at, byte) in mac.iter_mut().enumerate() {
                    *byte = c.read8(config::MAC + at)?;
                }
                Some(mac)
            })?;
            read.ok_or(NetError::OutsideConfig("the MAC address"))?
        } else {
            // No MAC offered: a locally administered one (bit 1 of the
            // first byte) hashed from the function's place on the bus, so
            // it stays the same across restarts.
            let hash = device.name().bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
            let [_, a, b, c] = hash.to_be_bytes();
            [0x02, 0xca, 0x12, a, b, c]
        };
        while let Some(slot) = receive.free.pop() {
            receive.push(slot, RECEIVE_BUFFER, true).map_err(NetError::Ring)?;
        }
        transport.driver_ok();
        transport.notify(receive.notifier);
        if let health @ (Health::NeedsReset | Health::Failed | Health::Gone) = transport.health() {
            return Err(NetError::Broken(health));
        }
        Ok(NetDevice {
            transport,
            mac,
            features,
            receive: Mutex::new(receive),
            transmit: Mutex::new(transmit),
            room: Condvar::new(),
            receive_interrupt,
            transmit_interrupt,
            config_interrupt,
        })
    }

    pub fn health(&self) -> Health {
        self.transport.health()
    }

    /// Whether the link is up: the STATUS field if negotiated, else
    /// always (§5.1.4.2).
    pub fn link_up(&self) -> bool {
        if self.features & feature::STATUS == 0 {
            return true;
        }
        let status = self.transport.device_config(|c| c.read16(config::STATUS));
        matches!(status, Ok(Some(status)) if status & config::STATUS_LINK_UP != 0)
    }

    /// Sends one frame (checked by the scheme already): waits (bounded)
    /// for a free slot, fills it, notifies the device.
    fn send_frame(&self, frame: &[u8]) -> Result<(), NetError> {
        let mut queue = self.transmit.lock();
        reclaim(&mut queue)?;
        let mut waited = Duration::ZERO;
        let slot = loop {
            if let Some(slot) = queue.free.pop() {
                break slot;
            }
            if waited >= SEND_TIMEOUT {
                return Err(NetError::TransmitFull);
            }
            // The frames queued without a notification must go first.
            core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
            self.transport.notify(queue.notifier);
            let step = Duration::from_millis(100);
            queue = self.room.wait_timeout(queue, step).0;
            reclaim(&mut queue)?;
            waited += step;
        };
        let bytes = queue.slot(slot);
        net::write_transmit_header(bytes);
        bytes[HEADER..HEADER + frame.len()].copy_from_slice(frame);
        if let Err(error) = queue.push(slot, HEADER + frame.len(), false) {
            queue.free.push(slot);
            return Err(NetError::Ring(error));
        }
        Ok(())
    }

    /// Notifies the device of the frames queued on the transmit queue.
    fn notify_transmit(&self) {
        let queue = self.transmit.lock();
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        self.transport.notify(queue.notifier);
    }

    /// The transmit thread: on each transmit interrupt frees the slots the
    /// device is done with. Returns only on a failure.
    pub fn transmit_done(&self) -> NetError {
        self.transmit_interrupt.pin_waiter();
        loop {
            if let Err(error) = wait(&self.transmit_interrupt, "wait for the transmit interrupt") {
                return error;
            }
            let mut queue = self.transmit.lock();
            if let Err(error) = reclaim(&mut queue) {
                return error;
            }
            self.room.notify_all();
        }
    }

    /// The receive thread: hands every frame the device returns to
    /// `deliver` (or the reason its buffer was refused), posts the slot
    /// again, and waits for the receive interrupt when there is none.
    /// Returns only on a failure.
    pub fn receive(&self, mut deliver: impl FnMut(Result<&[u8], FrameError>)) -> NetError {
        self.receive_interrupt.pin_waiter();
        loop {
            let mut reposted = false;
            {
                let mut queue = self.receive.lock();
                while let Some(used) = queue.take() {
                    let (slot, written) = match used {
                        Ok(used) => used,
                        Err(error) => return NetError::Ring(error),
                    };
                    deliver(net::received_frame(queue.slot(slot), written));
                    if let Err(error) = queue.push(slot, RECEIVE_BUFFER, true) {
                        return NetError::Ring(error);
                    }
                    reposted = true;
                }
                if reposted {
                    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
                    self.transport.notify(queue.notifier);
                }
            }
            if !reposted && let Err(error) = wait(&self.receive_interrupt, "wait for the receive interrupt") {
                return error;
            }
        }
    }
}

/// The device as the `net.*` scheme sees it.
impl Nic for NetDevice {
    type Error = NetError;

    fn mac(&self) -> [u8; 6] {
        self.mac
    }

    fn link_up(&self) -> bool {
        NetDevice::link_up(self)
    }

    fn send(&self, frame: &[u8]) -> Result<(), SendError<NetError>> {
        self.send_frame(frame).map_err(|error| match error {
            NetError::TransmitFull => SendError::Full,
            error => SendError::Failed(error),
        })
    }

    fn kick(&self) {
        self.notify_transmit();
    }
}

/// Frees the transmit slots the device returned.
fn reclaim(queue: &mut FrameQueue) -> Result<(), NetError> {
    while let Some(used) = queue.take() {
        let (slot, _) = used.map_err(NetError::Ring)?;
        queue.free.push(slot);
    }
    Ok(())
}

/// Waits for `interrupt` (message interrupts need no acknowledgement).
pub fn wait(interrupt: &Interrupt, doing: &str) -> Result<(), NetError> {
    let mut count = [0u8; 8];
    cairn_rt::io::read_fd(interrupt.as_raw_fd(), &mut count)
        .map(drop)
        .map_err(|error| NetError::Device(Failure { doing: String::from(doing), error }))
}
