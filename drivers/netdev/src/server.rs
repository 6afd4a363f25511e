//! The `net.*` scheme of one network device: its frames, MAC address,
//! link state and counters for clients (the layout is in docs/ABI.md,
//! "Schemes `net.*`"), whatever the driver.
//!
//! Opening the root gives a frame handle. Every frame received goes to
//! every frame handle open: to a reader waiting on it, else into its
//! backlog (at most [`BACKLOG`] frames; one more is dropped and counted).
//! `read` takes one frame (truncated to the length asked for), blocking
//! — or `EAGAIN` if the handle was opened with `O_NONBLOCK` — and a
//! watched handle (`FEVENT`) is told when its backlog stops being empty
//! and when a read empties it (the kernel's readiness is level-triggered).
//! `write` sends one frame of 60-1514 bytes (`EINVAL` otherwise). A
//! handle opened as `batch` moves frames in batches ([`crate::Batch`]): a
//! read takes as many waiting frames as fit, a write sends each frame of
//! its batch in order, so one call carries many frames. `mac`,
//! `link` and `stats` are read-only text files whose contents are taken
//! when they are opened.
//!
//! A `ring` handle moves frames through shared memory instead
//! ([`crate::ring`]): its `MMAP` gives the ring memory object made at
//! open. Frames received are put in its receive ring (a full ring drops
//! the frame, counted). A `read` of the handle carries no data (it
//! answers 0 bytes): serving it, the driver sends every frame the client
//! put in the transmit ring (telling the device once), then looks at the
//! receive ring and posts `EVENT_WRITE` alone if the client has taken
//! everything. Readiness says whether the receive ring holds frames:
//! `EVENT_READ` is posted when a frame goes into an empty one. A ring
//! whose indices the client broke is given up (logged; reads then fail
//! with `EIO`), never trusted.
//!
//! The driver supplies a [`Nic`]; its receive path calls
//! [`NetScheme::deliver`] for each frame (or the reason a received buffer
//! was refused, counted in `rx_errors`).

use cairn_rt::abi::error::{EACCES, EAGAIN, EBADF, EINVAL, EIO, ENOENT, ENOMEM, ESPIPE};
use cairn_rt::abi::scheme::{self as op, POSITIONED, Request};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, MODE_FILE, O_ACCMODE, O_NONBLOCK, O_RDONLY, Stat};
use cairn_rt::collections::{BTreeMap, VecDeque};
use cairn_rt::scheme::Server;
use cairn_rt::sync::{Arc, Mutex};
use cairn_rt::{String, Vec, eprintln, format, println};
use core::fmt::Display;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::memory::{MappedRings, RingMemoryError};
use crate::ring::{Consumer, Direction, Producer, PushError, RingError, SLOT_SIZE, SLOTS, ring_size};
use crate::{BATCH_HEADER, Batch, MAX_FRAME, Mac, check_frame, push_batch};

/// Unread frames a handle keeps at most.
pub const BACKLOG: usize = 256;
/// A character device's mode bits (the frame handle's `fstat`).
const MODE_CHARACTER_DEVICE: u16 = 0o020000;

/// Why a frame was not sent.
#[derive(Debug)]
pub enum SendError<E> {
    /// The device took no frame in time (every transmit slot stayed busy).
    Full,
    /// The device failed.
    Failed(E),
}

/// What the scheme needs of a network device.
pub trait Nic: Send + Sync + 'static {
    /// Why a send failed (logged; the client gets `EIO`).
    type Error: Display;

    /// The device's MAC address.
    fn mac(&self) -> [u8; 6];

    /// Whether the link is up now.
    fn link_up(&self) -> bool;

    /// Queues one frame of [`crate::MIN_FRAME`]-[`crate::MAX_FRAME`] bytes
    /// (checked already) to send, waiting (bounded) for room. The device
    /// may not be told until [`Nic::kick`] (a batch costs one
    /// notification, which under emulation is the dearest part of a
    /// send), except when `send` must wait for room: it tells the device
    /// first.
    fn send(&self, frame: &[u8]) -> Result<(), SendError<Self::Error>>;

    /// Tells the device about the frames [`Nic::send`] queued.
    fn kick(&self);
}

/// A handle's id in the scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HandleId(u64);

/// A read waiting for a frame: its request and the bytes it wants.
struct Reader {
    request: u64,
    len: usize,
}

/// How a frame handle's reads and writes carry frames.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// One frame a call.
    Single,
    /// A batch of frames a call ([`crate::Batch`]).
    Batched,
}

impl Framing {
    /// The reply to a read of `len` bytes with `first` the frame at the
    /// head of the backlog (taken) and `more` the rest (taken while they
    /// fit, for a batch).
    fn reply(self, first: Vec<u8>, len: usize, more: &mut VecDeque<Vec<u8>>) -> Vec<u8> {
        match self {
            Framing::Single => {
                let mut frame = first;
                frame.truncate(len);
                frame
            }
            Framing::Batched => {
                let mut batch = Vec::with_capacity(len.min(64 * 1024));
                push_batch(&mut batch, &first);
                while more.front().is_some_and(|next| batch.len() + BATCH_HEADER + next.len() <= len) {
                    push_batch(&mut batch, &more.pop_front().expect("a frame is there"));
                }
                batch
            }
        }
    }
}

/// The least a batch read may ask for: room for the longest frame.
const BATCH_READ: usize = BATCH_HEADER + MAX_FRAME;

/// A frame handle's state.
struct Frames {
    backlog: VecDeque<Vec<u8>>,
    readers: VecDeque<Reader>,
    nonblocking: bool,
    /// A client watches it (`FEVENT`).
    watched: bool,
    framing: Framing,
}

/// A ring handle's memory and the driver's end of its transmit ring
/// (used outside the handle lock, while sending may wait for room).
struct RingMemory {
    mapped: MappedRings,
    transmit: Mutex<Transmit>,
}

/// The driver's end of a transmit ring.
struct Transmit {
    ring: Consumer,
    /// A bad frame length was logged (further ones are only counted).
    bad_length_seen: bool,
    /// The client broke the ring's indices (logged once).
    broken: bool,
}

impl RingMemory {
    /// A fresh ring memory of [`SLOTS`] slots per ring, mapped here.
    fn new() -> Result<RingMemory, i32> {
        let mapped = MappedRings::new().map_err(|e| match e {
            RingMemoryError::Create(_) | RingMemoryError::Map(_) => ENOMEM,
            RingMemoryError::Layout(_) => EINVAL,
        })?;
        let transmit =
            Transmit { ring: Consumer::new(Direction::Transmit, SLOTS), bad_length_seen: false, broken: false };
        Ok(RingMemory { mapped, transmit: Mutex::new(transmit) })
    }
}

/// A `ring` handle's state: the receive side (the transmit side is in
/// its memory's [`Transmit`]).
struct RingHandle {
    memory: Arc<RingMemory>,
    receive: Producer,
    watched: bool,
    /// `EVENT_READ` was posted and not taken back.
    readable: bool,
    /// The client broke the receive ring's indices (logged once).
    broken: bool,
}

impl RingHandle {
    /// Looks at the receive ring and posts its readiness if it changed;
    /// false if the client broke it.
    fn post_readiness(&mut self, id: HandleId, server: &Server) -> bool {
        let waiting = match self.receive.drained(&self.memory.mapped.shared) {
            Ok(drained) => !drained,
            Err(_) => return false,
        };
        if self.watched && waiting != self.readable {
            let ready = if waiting { EVENT_READ | EVENT_WRITE } else { EVENT_WRITE };
            let _ = server.post_event(id.0, ready);
        }
        self.readable = waiting;
        true
    }
}

enum Handle {
    Frames(Frames),
    Ring(RingHandle),
    /// `mac`, `link` or `stats`: the text taken at open, and the position.
    File {
        text: Vec<u8>,
        position: usize,
    },
}

/// The counters of `stats`.
#[derive(Default)]
struct Stats {
    rx_packets: AtomicU64,
    rx_bytes: AtomicU64,
    /// Frames a handle lost (its backlog was full), or that no handle took.
    rx_dropped: AtomicU64,
    /// Buffers the device returned with a bad header or length.
    rx_errors: AtomicU64,
    tx_packets: AtomicU64,
    tx_bytes: AtomicU64,
    /// Frames that could not be sent (no transmit slot came free, the
    /// device failed, or a transmit ring held a bad length).
    tx_dropped: AtomicU64,
    /// Changes of the link state the driver learnt of ([`NetScheme::link_now`]).
    link_changes: AtomicU64,
}

impl Stats {
    fn add(counter: &AtomicU64, value: usize) {
        counter.fetch_add(value as u64, Ordering::Relaxed);
    }

    fn text(&self) -> String {
        let fields = [
            ("rx_packets", &self.rx_packets),
            ("rx_bytes", &self.rx_bytes),
            ("rx_dropped", &self.rx_dropped),
            ("rx_errors", &self.rx_errors),
            ("tx_packets", &self.tx_packets),
            ("tx_bytes", &self.tx_bytes),
            ("tx_dropped", &self.tx_dropped),
            ("link_changes", &self.link_changes),
        ];
        fields.iter().map(|(name, value)| format!("{name} {}\n", value.load(Ordering::Relaxed))).collect()
    }
}

/// The handles open.
struct Handles {
    open: BTreeMap<HandleId, Handle>,
    next: u64,
}

/// A network device served: the device, its scheme and its clients.
pub struct NetScheme<D: Nic> {
    /// The program, for its log lines (`virtio-net`).
    program: &'static str,
    /// The scheme's name (`net.virtio0`).
    pub name: String,
    server: Server,
    pub device: D,
    handles: Mutex<Handles>,
    stats: Stats,
    /// The link state last seen ([`NetScheme::link_now`]).
    link_up: AtomicBool,
}

/// A request's answer now: the result and the payload; `None` when it
/// comes later (a blocking read) or never (`CLOSE`, `CANCEL`).
type Answer = Option<(Result<usize, i32>, Vec<u8>)>;

fn value(result: Result<usize, i32>) -> Answer {
    Some((result, Vec::new()))
}

impl<D: Nic> NetScheme<D> {
    /// Serves `device` as scheme `name` (registered, `server`) for
    /// program `program`.
    pub fn new(program: &'static str, name: String, server: Server, device: D) -> NetScheme<D> {
        NetScheme {
            program,
            name,
            server,
            link_up: AtomicBool::new(device.link_up()),
            device,
            handles: Mutex::new(Handles { open: BTreeMap::new(), next: 1 }),
            stats: Stats::default(),
        }
    }

    /// Serves requests until reading one fails.
    pub fn serve(self: &Arc<Self>) -> cairn_rt::Error {
        loop {
            let incoming = match self.server.next() {
                Ok(incoming) => incoming,
                Err(error) => return error,
            };
            let request = &incoming.request;
            if let Some((result, payload)) = self.answer(request, &incoming.payload)
                && let Err(error) = self.server.respond(request.id, result, &payload)
            {
                eprintln!("{}: {}: cannot answer a request: {error}", self.program, self.name);
            }
        }
    }

    fn answer(&self, request: &Request, payload: &[u8]) -> Answer {
        let id = HandleId(request.handle);
        if request.opcode == op::OPEN {
            return value(self.open(payload, request.args[0] as usize, request.caller_uid));
        }
        // Sending happens outside the handle lock (it may wait for room).
        if request.opcode == op::WRITE {
            let framing = match self.handles.lock().open.get(&id) {
                Some(Handle::Frames(frames)) => frames.framing,
                _ => return value(Err(EBADF)),
            };
            return value(match framing {
                Framing::Single => self.send(payload),
                Framing::Batched => self.send_batch(payload),
            });
        }
        if request.opcode == op::READ {
            let memory = match self.handles.lock().open.get(&id) {
                Some(Handle::Ring(ring)) => Some(Arc::clone(&ring.memory)),
                _ => None,
            };
            if let Some(memory) = memory {
                return value(self.serve_ring(id, &memory));
            }
        }
        let mut handles = self.handles.lock();
        if request.opcode == op::CANCEL {
            for handle in handles.open.values_mut() {
                if let Handle::Frames(frames) = handle {
                    frames.readers.retain(|reader| reader.request != request.args[0]);
                }
            }
            return None;
        }
        if request.opcode == op::CLOSE {
            handles.open.remove(&id);
            return None;
        }
        let Some(handle) = handles.open.get_mut(&id) else { return value(Err(EBADF)) };
        match (request.opcode, handle) {
            (op::READ, Handle::Frames(frames)) => {
                let len = request.args[0] as usize;
                if frames.framing == Framing::Batched && len < BATCH_READ {
                    return value(Err(EINVAL));
                }
                match frames.backlog.pop_front() {
                    Some(frame) => {
                        let reply = frames.framing.reply(frame, len, &mut frames.backlog);
                        // Readiness is level-triggered: a watcher is told
                        // when the backlog empties as when it fills.
                        if frames.watched && frames.backlog.is_empty() {
                            let _ = self.server.post_event(id.0, EVENT_WRITE);
                        }
                        Some((Ok(reply.len()), reply))
                    }
                    None if frames.nonblocking => value(Err(EAGAIN)),
                    None => {
                        frames.readers.push_back(Reader { request: request.id, len });
                        None
                    }
                }
            }
            (op::MMAP, Handle::Ring(ring)) => {
                let (offset, len) = (request.args[0] as usize, request.args[1] as usize);
                if offset != 0 || len > ring_size(SLOTS) {
                    return value(Err(EINVAL));
                }
                match self.server.respond_fd(request.id, &ring.memory.mapped.object) {
                    Ok(()) => None,
                    Err(error) => value(Err(error.errno().unwrap_or(EIO))),
                }
            }
            (op::FEVENT, Handle::Ring(ring)) => {
                ring.watched = request.args[0] != 0;
                ring.readable = !ring.receive.drained(&ring.memory.mapped.shared).unwrap_or(true);
                value(Ok((EVENT_WRITE | if ring.readable { EVENT_READ } else { 0 }) as usize))
            }
            (op::READ, Handle::File { text, position }) => {
                let at = if request.args[2] == POSITIONED { request.args[1] as usize } else { *position };
                let chunk = text.get(at..).unwrap_or(&[]);
                let chunk = chunk[..chunk.len().min(request.args[0] as usize)].to_vec();
                if request.args[2] != POSITIONED {
                    *position = at + chunk.len();
                }
                Some((Ok(chunk.len()), chunk))
            }
            (op::FEVENT, Handle::Frames(frames)) => {
                frames.watched = request.args[0] != 0;
                value(Ok((EVENT_WRITE | if frames.backlog.is_empty() { 0 } else { EVENT_READ }) as usize))
            }
            (op::FEVENT, Handle::File { .. }) => value(Ok((EVENT_READ | EVENT_WRITE) as usize)),
            (op::FSTAT, handle) => {
                let stat = match handle {
                    Handle::Frames(_) => Stat { st_mode: MODE_CHARACTER_DEVICE | 0o600, ..Stat::default() },
                    Handle::Ring(_) => Stat {
                        st_mode: MODE_CHARACTER_DEVICE | 0o600,
                        st_size: ring_size(SLOTS) as u64,
                        ..Stat::default()
                    },
                    Handle::File { text, .. } => {
                        Stat { st_mode: MODE_FILE | 0o444, st_size: text.len() as u64, ..Stat::default() }
                    }
                };
                let bytes = &*stat;
                Some((Ok(0), bytes.to_vec()))
            }
            // No flags of the server's own; nothing buffered to write out.
            (op::FCNTL | op::FSYNC, _) => value(Ok(0)),
            (op::LSEEK, _) => value(Err(ESPIPE)),
            _ => value(Err(EINVAL)),
        }
    }

    /// Opens the root (a frame handle: root only, raw frames bypass every
    /// rule of the stack), a ring handle (root only) or one of the files
    /// (anyone, read-only).
    fn open(&self, path: &[u8], flags: usize, uid: u32) -> Result<usize, i32> {
        let path = core::str::from_utf8(path).map_err(|_| ENOENT)?.trim_matches('/');
        if path == "ring" {
            return if uid == 0 { self.open_ring() } else { Err(EACCES) };
        }
        let text = match path {
            "" | "batch" => None,
            "mac" => Some(format!("{}\n", Mac(self.device.mac()))),
            "link" => Some(String::from(if self.device.link_up() { "up\n" } else { "down\n" })),
            "stats" => Some(self.stats.text()),
            _ => return Err(ENOENT),
        };
        let handle = match text {
            None if uid != 0 => return Err(EACCES),
            None => Handle::Frames(Frames {
                backlog: VecDeque::new(),
                readers: VecDeque::new(),
                nonblocking: flags & O_NONBLOCK != 0,
                watched: false,
                framing: if path == "batch" { Framing::Batched } else { Framing::Single },
            }),
            Some(_) if flags & O_ACCMODE != O_RDONLY => return Err(EACCES),
            Some(text) => Handle::File { text: text.into_bytes(), position: 0 },
        };
        Ok(self.add(handle).0 as usize)
    }

    /// Adds an open handle.
    fn add(&self, handle: Handle) -> HandleId {
        let mut handles = self.handles.lock();
        let id = HandleId(handles.next);
        handles.next += 1;
        handles.open.insert(id, handle);
        id
    }

    /// Makes a ring handle and its memory.
    fn open_ring(&self) -> Result<usize, i32> {
        let handle = RingHandle {
            memory: Arc::new(RingMemory::new()?),
            receive: Producer::new(Direction::Receive, SLOTS),
            watched: false,
            readable: false,
            broken: false,
        };
        Ok(self.add(Handle::Ring(handle)).0 as usize)
    }

    /// A `read` of ring handle `id`: sends the frames its client put in the
    /// transmit ring, telling the device once, then posts the receive
    /// ring's readiness. `EIO` once the client broke either ring's indices.
    fn serve_ring(&self, id: HandleId, memory: &RingMemory) -> Result<usize, i32> {
        self.send_ring(memory)?;
        match self.handles.lock().open.get_mut(&id) {
            Some(Handle::Ring(ring)) => {
                if !ring.broken && ring.post_readiness(id, &self.server) {
                    Ok(0)
                } else {
                    Err(EIO)
                }
            }
            _ => Err(EBADF),
        }
    }

    /// Sends every frame waiting in a ring's transmit ring and tells the
    /// device once. A bad slot length drops that frame (counted, logged
    /// once); broken indices give the ring up (logged, `EIO`).
    fn send_ring(&self, memory: &RingMemory) -> Result<(), i32> {
        let mut transmit = memory.transmit.lock();
        if transmit.broken {
            return Err(EIO);
        }
        let mut frame = [0u8; SLOT_SIZE];
        let mut sent = 0;
        let result = loop {
            match transmit.ring.pop(&memory.mapped.shared, &mut frame) {
                Ok(Some(len)) => {
                    if self.queue(&frame[..len]) == Err(EINVAL) {
                        Stats::add(&self.stats.tx_dropped, 1);
                        let what = format!("a transmit ring held a frame of {len} bytes");
                        self.log_once(&mut transmit.bad_length_seen, &what);
                    }
                    sent += 1;
                }
                Ok(None) => break Ok(()),
                Err(error @ RingError::BadLength(_)) => {
                    Stats::add(&self.stats.tx_dropped, 1);
                    self.log_once(&mut transmit.bad_length_seen, &format!("a transmit ring: {error}"));
                }
                Err(error @ RingError::Corrupt { .. }) => {
                    eprintln!("{}: {}: a transmit ring: {error}; giving it up", self.program, self.name);
                    transmit.broken = true;
                    break Err(EIO);
                }
            }
        };
        if sent > 0 {
            self.device.kick();
        }
        result
    }

    /// Logs `what` the first time `seen` is false.
    fn log_once(&self, seen: &mut bool, what: &str) {
        if !core::mem::replace(seen, true) {
            eprintln!("{}: {}: {what} (dropped; further ones are only counted)", self.program, self.name);
        }
    }

    /// Sends one frame.
    fn send(&self, frame: &[u8]) -> Result<usize, i32> {
        let sent = self.queue(frame);
        self.device.kick();
        sent
    }

    /// Queues one frame on the device (sent at the next kick).
    fn queue(&self, frame: &[u8]) -> Result<usize, i32> {
        check_frame(frame).map_err(|_| EINVAL)?;
        match self.device.send(frame) {
            Ok(()) => {
                Stats::add(&self.stats.tx_packets, 1);
                Stats::add(&self.stats.tx_bytes, frame.len());
                Ok(frame.len())
            }
            Err(SendError::Full) => {
                Stats::add(&self.stats.tx_dropped, 1);
                Err(EAGAIN)
            }
            Err(SendError::Failed(error)) => {
                eprintln!("{}: {}: sending a frame: {error}", self.program, self.name);
                Stats::add(&self.stats.tx_dropped, 1);
                Err(EIO)
            }
        }
    }

    /// Sends each frame of a batch in order, telling the device once: the
    /// bytes of the frames sent, or the first one's error when none was (a
    /// bad or cut entry is `EINVAL`).
    fn send_batch(&self, batch: &[u8]) -> Result<usize, i32> {
        let mut sent = 0;
        let mut failed = None;
        for entry in Batch::new(batch) {
            match entry.map_err(|_| EINVAL).and_then(|frame| self.queue(frame)) {
                Ok(len) => sent += BATCH_HEADER + len,
                Err(errno) => {
                    failed = Some(errno);
                    break;
                }
            }
        }
        if sent > 0 {
            self.device.kick();
        }
        match failed {
            Some(errno) if sent == 0 => Err(errno),
            _ => Ok(sent),
        }
    }

    /// Looks at the link (the driver calls it on its link interrupt): a
    /// change is logged (`PROGRAM: SCHEME: link up`), then counted in
    /// `link_changes`.
    pub fn link_now(&self) {
        let up = self.device.link_up();
        if self.link_up.swap(up, Ordering::SeqCst) != up {
            println!("{}: {}: link {}", self.program, self.name, if up { "up" } else { "down" });
            Stats::add(&self.stats.link_changes, 1);
        }
    }

    /// Hands a received frame to every frame and ring handle, or counts (and
    /// logs) why the device's buffer was refused (the receive thread).
    pub fn deliver(&self, frame: Result<&[u8], impl Display>) {
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => {
                eprintln!("{}: {}: dropped a received buffer: {error}", self.program, self.name);
                return Stats::add(&self.stats.rx_errors, 1);
            }
        };
        Stats::add(&self.stats.rx_packets, 1);
        Stats::add(&self.stats.rx_bytes, frame.len());
        let mut handles = self.handles.lock();
        let mut any = false;
        for (id, handle) in handles.open.iter_mut() {
            let frames = match handle {
                Handle::Frames(frames) => frames,
                Handle::Ring(ring) => {
                    any = true;
                    self.deliver_to_ring(*id, ring, frame);
                    continue;
                }
                Handle::File { .. } => continue,
            };
            any = true;
            if let Some(reader) = frames.readers.pop_front() {
                let part = frames.framing.reply(frame.to_vec(), reader.len, &mut VecDeque::new());
                if let Err(error) = self.server.respond(reader.request, Ok(part.len()), &part) {
                    eprintln!("{}: {}: cannot answer a read: {error}", self.program, self.name);
                }
            } else if frames.backlog.len() < BACKLOG {
                frames.backlog.push_back(frame.to_vec());
                if frames.watched && frames.backlog.len() == 1 {
                    let _ = self.server.post_event(id.0, EVENT_READ | EVENT_WRITE);
                }
            } else {
                Stats::add(&self.stats.rx_dropped, 1);
            }
        }
        if !any {
            Stats::add(&self.stats.rx_dropped, 1);
        }
    }

    /// Puts a received frame in a ring handle's receive ring (a full ring
    /// drops it, counted) and posts `EVENT_READ` if the ring was empty.
    fn deliver_to_ring(&self, id: HandleId, ring: &mut RingHandle, frame: &[u8]) {
        if ring.broken {
            return Stats::add(&self.stats.rx_dropped, 1);
        }
        match ring.receive.push(&ring.memory.mapped.shared, frame) {
            Ok(()) => {
                if ring.watched && !ring.readable {
                    ring.readable = true;
                    let _ = self.server.post_event(id.0, EVENT_READ | EVENT_WRITE);
                }
            }
            Err(PushError::Full | PushError::TooLong(_)) => Stats::add(&self.stats.rx_dropped, 1),
            Err(PushError::Corrupt { head, tail }) => {
                eprintln!(
                    "{}: {}: a receive ring's tail is {tail} with its head at {head}; giving it up",
                    self.program, self.name
                );
                ring.broken = true;
                Stats::add(&self.stats.rx_dropped, 1);
            }
        }
    }
}
