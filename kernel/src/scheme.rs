//! Schemes: services provided by user processes. A server creates a scheme
//! (an endpoint fd) and registers its name in its namespace; the kernel
//! turns every operation on a handle of that scheme into a
//! [`Request`](cairn_abi::scheme::Request) the server reads from the
//! endpoint and answers with a [`Response`](cairn_abi::scheme::Response).
//! Clients block until their answer arrives; servers may answer out of
//! order and from several threads.
//!
//! Failure rules: when the last endpoint fd closes (the server exited or
//! crashed) every pending and later call fails with `EIO` at once; a
//! client interrupted or killed mid-request makes the server receive
//! `CANCEL` (and `CLOSE` when its handle goes); a response with an unknown
//! id, a wrong length or a payload larger than asked is refused with
//! `EINVAL` and changes nothing.
//!
//! A server may answer `OPEN`, `DUP` and `MMAP` with one of its own fds
//! instead of a value (`RESPONSE_FD`): the client receives a copy. It posts
//! readiness news for handles a client watches (`FEVENT`) with
//! `RESPONSE_EVENT`; event queues read it through [`readiness`].
//!
//! Memory rules: a request's payload is at most `MAX_PAYLOAD` bytes, and
//! the bytes (requests and payloads) one client process has queued on a
//! scheme and the server has not read yet are bounded by
//! [`MAX_QUEUED_BYTES`]; past it the client waits (interruptibly) for the
//! server to read, before copying its payload ([`has_room`]). A request the
//! client gives up on before the server read it is taken off the queue and
//! freed at once (the server never hears of it); one already read gets
//! `CANCEL`. Fds passed with requests are released (not just dropped)
//! whenever a request is discarded, so their servers hear `CLOSE`.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_abi::scheme::{
    CANCEL, CLOSE, FEVENT, MAX_PAYLOAD, RESPONSE_EVENT, RESPONSE_FD, RESPONSE_TERMINAL, Request, Response,
};
use cairn_abi::{EVENT_READ, EVENT_WRITE, Error, Result, error, rights};

use crate::fd::Handle;

use crate::task::{Tasks, Tid, WaitKey};

/// Identifies a scheme (for wait queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemeId(pub u64);

static NEXT_SCHEME: AtomicU64 = AtomicU64::new(1);

/// The answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub result: i64,
    pub payload: Vec<u8>,
    /// The payload's length when the server's `write` copied it straight
    /// into the client's buffer (`payload` is then empty).
    pub delivered: Option<usize>,
    /// An fd the server handed over (`RESPONSE_FD`).
    pub passed: Option<Handle>,
    /// The server said the handle opened is a terminal (`RESPONSE_TERMINAL`).
    pub terminal: bool,
}

#[derive(Debug)]
struct InFlight {
    /// Largest payload the client accepts back.
    max_reply: usize,
    /// Where in the client (its pid) the payload may go straight.
    destination: Option<(u32, u64)>,
    /// Whether the answer may be an fd.
    accepts_fd: bool,
    /// An `FEVENT` on this handle: its answer is recorded as the handle's
    /// readiness the moment it arrives, so a post the server writes after
    /// it always wins (see [`post_event`]).
    watches: Option<u64>,
    /// The thread waiting for the answer.
    client: Tid,
    reply: Option<Reply>,
}

/// A request not yet read by the server, with an fd being passed.
#[derive(Debug)]
struct Pending {
    request: Request,
    payload: Vec<u8>,
    passed: Option<crate::fd::Handle>,
}

/// Most bytes (requests and their payloads) one client process may have
/// queued on one scheme,
/// unread by the server (sixteen full-size requests).
pub const MAX_QUEUED_BYTES: usize = 16 * MAX_PAYLOAD;

#[derive(Debug)]
pub struct SchemeState {
    pub id: SchemeId,
    pub name: String,
    pending: VecDeque<Pending>,
    /// Bytes of the requests in `pending` (see [`queued_cost`]), by client
    /// pid (entries are removed at 0). Notifications are not counted.
    queued: BTreeMap<u32, usize>,
    in_flight: BTreeMap<u64, InFlight>,
    next_request: u64,
    /// Readiness of the handles clients watch (`FEVENT`), by handle id.
    readiness: BTreeMap<u64, u32>,
    pub dead: bool,
}

pub type SchemeRef = Arc<spin::Mutex<SchemeState>>;

/// The server's side of a scheme. The number of fds holding it is the
/// `Arc`'s count: when the last goes, the scheme dies.
#[derive(Clone, Debug)]
pub struct Endpoint(pub Arc<SchemeRef>);

/// A handle a client holds on a scheme; when the last reference to it
/// goes (its last fd closed and no call still using it) the server gets
/// `CLOSE`, from whoever closed the last fd.
#[derive(Debug)]
pub struct ClientHandle {
    pub scheme: SchemeRef,
    pub id: u64,
    /// The absolute path it was opened by (what `getcwd` reports for a
    /// working directory).
    pub path: String,
    /// Who the `CLOSE` comes from: the opener, then the last closer.
    closer: spin::Mutex<Caller>,
}

impl ClientHandle {
    /// Handle `id` of `scheme`, opened by `opener` as `path`.
    pub fn new(scheme: SchemeRef, id: u64, path: String, opener: Caller) -> ClientHandle {
        ClientHandle { scheme, id, path, closer: spin::Mutex::new(opener) }
    }

    /// An fd holding this handle was released by `caller`.
    pub fn closed_by(&self, caller: Caller) {
        *self.closer.lock() = caller;
    }
}

impl Drop for ClientHandle {
    fn drop(&mut self) {
        let caller = *self.closer.get_mut();
        if let Some(key) = queue_notification(&self.scheme, caller, CLOSE, self.id, [0; 3]) {
            crate::task::wake_later(key);
        }
    }
}

/// A new, live scheme called `name`.
pub fn create(name: String) -> SchemeRef {
    Arc::new(spin::Mutex::new(SchemeState {
        id: SchemeId(NEXT_SCHEME.fetch_add(1, Ordering::Relaxed)),
        name,
        pending: VecDeque::new(),
        queued: BTreeMap::new(),
        in_flight: BTreeMap::new(),
        next_request: 1,
        readiness: BTreeMap::new(),
        dead: false,
    }))
}

fn eio() -> Error {
    Error::new(error::EIO)
}

fn einval() -> Error {
    Error::new(error::EINVAL)
}

/// Identity of the caller, copied into every request.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
}

/// What the client sends.
pub struct Call {
    pub opcode: u32,
    pub handle: u64,
    pub args: [u64; 3],
    pub payload: Vec<u8>,
    pub max_reply: usize,
    /// An fd passed along (`SENDFD`).
    pub passed: Option<Handle>,
    /// Whether the server may answer with an fd (`OPEN`, `DUP`, `MMAP`).
    pub accepts_fd: bool,
    /// The client's buffer (an address in its memory) the answer's payload
    /// may be copied into straight from the server's (`READ`).
    pub destination: Option<u64>,
}

impl Call {
    /// A call without an fd either way.
    pub fn new(opcode: u32, handle: u64, args: [u64; 3], payload: Vec<u8>, max_reply: usize) -> Call {
        Call { opcode, handle, args, payload, max_reply, passed: None, accepts_fd: false, destination: None }
    }
}

/// What [`submit`] did with a call. A call not queued comes back so that
/// an fd it passes can be released (or the call tried again).
pub enum Submission {
    /// Queued as this request id.
    Queued(u64),
    /// The client's queue is full ([`MAX_QUEUED_BYTES`]): wait on
    /// [`WaitKey::SchemeRoom`] and try again.
    Full(Call),
    /// Refused with this error.
    Failed(Error, Call),
}

/// What a queued request with `payload` bytes counts against its client's
/// [`MAX_QUEUED_BYTES`].
fn queued_cost(payload: usize) -> usize {
    size_of::<Request>() + payload
}

impl SchemeState {
    /// Forgets the queued request of `pid` that carries `payload` bytes.
    fn unqueue(&mut self, pid: u32, payload: usize) {
        let bytes = queued_cost(payload);
        if let Some(queued) = self.queued.get_mut(&pid) {
            *queued -= bytes.min(*queued);
            if *queued == 0 {
                self.queued.remove(&pid);
            }
        }
    }
}

/// Whether client `pid` may queue a request with `payload` bytes on
/// `scheme` now (a dead scheme has room: submitting then fails).
pub fn has_room(scheme: &SchemeRef, pid: u32, payload: usize) -> bool {
    let state = scheme.lock();
    state.dead || state.queued.get(&pid).copied().unwrap_or(0) + queued_cost(payload) <= MAX_QUEUED_BYTES
}

/// Queues a request and returns its id; the caller then waits with
/// [`take_reply`].
pub fn submit(tasks: &mut Tasks, scheme: &SchemeRef, caller: Caller, call: Call) -> Submission {
    let mut state = scheme.lock();
    if state.dead {
        return Submission::Failed(eio(), call);
    }
    let bytes = call.payload.len();
    if bytes > MAX_PAYLOAD {
        return Submission::Failed(einval(), call);
    }
    let queued = state.queued.get(&caller.pid).copied().unwrap_or(0);
    if queued + queued_cost(bytes) > MAX_QUEUED_BYTES {
        return Submission::Full(call);
    }
    if state.pending.try_reserve(1).is_err() {
        return Submission::Failed(Error::new(error::ENOMEM), call);
    }
    let id = state.next_request;
    state.next_request += 1;
    let request = Request {
        id,
        opcode: call.opcode,
        caller_pid: caller.pid,
        caller_uid: caller.uid,
        caller_gid: caller.gid,
        handle: call.handle,
        args: call.args,
        payload_len: bytes as u64,
    };
    state.queued.insert(caller.pid, queued + queued_cost(bytes));
    state.pending.push_back(Pending { request, payload: call.payload, passed: call.passed });
    let destination = call.destination.map(|address| (caller.pid, address));
    let watches = (call.opcode == FEVENT).then_some(call.handle);
    let client = tasks.current_tid();
    let entry =
        InFlight { max_reply: call.max_reply, destination, accepts_fd: call.accepts_fd, watches, client, reply: None };
    state.in_flight.insert(id, entry);
    let key = WaitKey::SchemeRequests(state.id);
    drop(state);
    tasks.wake_queue_handoff(key, 1);
    Submission::Queued(id)
}

/// The reply to request `id` if it arrived: `Ok(Some)`, still waiting:
/// `Ok(None)`, the server died: `Err(EIO)`.
pub fn take_reply(scheme: &SchemeRef, id: u64) -> Result<Option<Reply>> {
    let mut state = scheme.lock();
    if let Some(entry) = state.in_flight.get_mut(&id)
        && let Some(reply) = entry.reply.take()
    {
        state.in_flight.remove(&id);
        return Ok(Some(reply));
    }
    if state.dead {
        state.in_flight.remove(&id);
        return Err(eio());
    }
    Ok(None)
}

/// The client of request `id` gave up. Not yet read by the server: the
/// request is taken off the queue and freed (an fd it passed is released)
/// and the server never hears of it. Already read: it is forgotten and the
/// server gets `CANCEL` (an fd the server already handed over is
/// released).
pub fn cancel(tasks: &mut Tasks, scheme: &SchemeRef, id: u64, caller: Caller) {
    let mut state = scheme.lock();
    let removed = state.in_flight.remove(&id);
    let unread = state.pending.iter().position(|p| p.request.id == id).and_then(|at| state.pending.remove(at));
    let scheme_id = state.id;
    if let Some(unread) = &unread {
        state.unqueue(unread.request.caller_pid, unread.payload.len());
    }
    drop(state);
    if let Some(unread) = unread {
        if let Some(passed) = unread.passed {
            tasks.release_handles(alloc::vec![passed], caller);
        }
        tasks.wake_queue(WaitKey::SchemeRoom(scheme_id), usize::MAX);
        return;
    }
    if let Some(entry) = removed {
        if let Some(passed) = entry.reply.and_then(|r| r.passed) {
            tasks.release_handles(alloc::vec![passed], caller);
        }
        notify(tasks, scheme, caller, CANCEL, 0, [id, 0, 0]);
    }
}

/// Sends a request that needs no answer (`CLOSE`, `CANCEL`).
pub fn notify(tasks: &mut Tasks, scheme: &SchemeRef, caller: Caller, opcode: u32, handle: u64, args: [u64; 3]) {
    if let Some(key) = queue_notification(scheme, caller, opcode, handle, args) {
        tasks.wake_queue(key, usize::MAX);
    }
}

/// Queues a request that needs no answer; returns the queue to wake.
fn queue_notification(scheme: &SchemeRef, caller: Caller, opcode: u32, handle: u64, args: [u64; 3]) -> Option<WaitKey> {
    let mut state = scheme.lock();
    if state.dead {
        return None;
    }
    if opcode == CLOSE {
        state.readiness.remove(&handle);
    }
    let id = state.next_request;
    state.next_request += 1;
    let request = Request {
        id,
        opcode,
        caller_pid: caller.pid,
        caller_uid: caller.uid,
        caller_gid: caller.gid,
        handle,
        args,
        payload_len: 0,
    };
    state.pending.push_back(Pending { request, payload: Vec::new(), passed: None });
    Some(WaitKey::SchemeRequests(state.id))
}

/// Server side of `read`: the next request and its payload, `Ok(None)` if
/// none is pending. `EINVAL` if it does not fit in `capacity`, `EMFILE` if it
/// passes an fd and the server's table is full (`room` false), or the
/// error of `writable` (asked whether the server's buffer takes the
/// request's length); in each case it stays queued. A passed fd goes to
/// `receive` (into the server's fd table), and the fd number it got into
/// the request's `args[0]`. Returns the queue of clients waiting for room.
pub fn next_request(
    scheme: &SchemeRef,
    capacity: usize,
    room: bool,
    writable: impl FnOnce(usize) -> Result<()>,
    receive: impl FnOnce(Handle) -> usize,
) -> Result<Option<(Request, Vec<u8>, WaitKey)>> {
    let mut state = scheme.lock();
    let Some(pending) = state.pending.front() else { return Ok(None) };
    let len = size_of::<Request>() + pending.payload.len();
    if capacity < len {
        return Err(einval());
    }
    if pending.passed.is_some() && !room {
        return Err(Error::new(error::EMFILE));
    }
    writable(len)?;
    let mut pending = state.pending.pop_front().expect("checked above");
    state.unqueue(pending.request.caller_pid, pending.payload.len());
    if let Some(handle) = pending.passed.take() {
        pending.request.args[0] = receive(handle) as u64;
    }
    Ok(Some((pending.request, pending.payload, WaitKey::SchemeRoom(state.id))))
}

/// A response's payload: its bytes, or how many the server's `write`
/// already copied into the client's buffer ([`direct_destination`]).
pub enum ResponsePayload {
    Bytes(Vec<u8>),
    Delivered(usize),
}

impl ResponsePayload {
    fn len(&self) -> usize {
        match self {
            ResponsePayload::Bytes(bytes) => bytes.len(),
            ResponsePayload::Delivered(len) => *len,
        }
    }
}

/// Whether the client of the request `response` answers has given up on
/// it: a signal or a kill ended its wait, and it has not yet withdrawn the
/// request ([`cancel`]). Its answer is then refused like a late one, so a
/// server that took data out of a queue for it (a terminal's line) learns
/// the data was not delivered and can keep it.
pub fn client_gave_up(tasks: &Tasks, scheme: &SchemeRef, response: &Response) -> bool {
    if response.flags == RESPONSE_EVENT {
        return false;
    }
    let client = scheme.lock().in_flight.get(&response.id).map(|entry| entry.client);
    client.is_some_and(|tid| tasks.threads.get(&tid).is_none_or(|thread| thread.interrupted))
}

/// Where the payload of a response to request `id` with `len` bytes may
/// be copied straight: the client's pid and buffer, when the client named
/// one and the answer is plain data that fits it.
pub fn direct_destination(scheme: &SchemeRef, response: &Response, len: usize) -> Option<(u32, u64)> {
    if response.flags != 0 || response.result < 0 || len == 0 || response.payload_len != len as u64 {
        return None;
    }
    let state = scheme.lock();
    let entry = state.in_flight.get(&response.id).filter(|entry| entry.reply.is_none() && len <= entry.max_reply)?;
    entry.destination
}

/// Server side of `write`: checks and stores a response (its header and
/// payload), returning the queue to wake (the client's, or event waiters'
/// for `RESPONSE_EVENT`). `lend` copies an fd of the server's (for
/// `RESPONSE_FD`; it checks the SEND right).
pub fn accept_response(
    scheme: &SchemeRef,
    response: &Response,
    payload: ResponsePayload,
    lend: impl FnOnce(usize) -> Result<Handle>,
) -> Result<WaitKey> {
    if response.payload_len != payload.len() as u64 || !(-4095..=i64::MAX).contains(&response.result) {
        return Err(einval());
    }
    if response.flags == RESPONSE_EVENT {
        return post_event(scheme, response.id, response.result);
    }
    if response.flags & !(RESPONSE_FD | RESPONSE_TERMINAL) != 0 {
        return Err(einval());
    }
    let mut state = scheme.lock();
    let scheme_id = state.id;
    let entry = state.in_flight.get_mut(&response.id).ok_or_else(einval)?;
    if entry.reply.is_some() || payload.len() > entry.max_reply {
        return Err(einval());
    }
    let terminal = response.flags & RESPONSE_TERMINAL != 0;
    if terminal && (response.flags & RESPONSE_FD != 0 || response.result < 0) {
        return Err(einval());
    }
    let passed = if response.flags == RESPONSE_FD {
        if !entry.accepts_fd || response.result < 0 {
            return Err(einval());
        }
        Some(lend(response.result as usize)?)
    } else {
        None
    };
    let (payload, delivered) = match payload {
        ResponsePayload::Bytes(bytes) => (bytes, None),
        ResponsePayload::Delivered(len) => (Vec::new(), Some(len)),
    };
    let watched = entry.watches.filter(|_| response.result >= 0 && passed.is_none());
    entry.reply = Some(Reply { result: response.result, payload, delivered, passed, terminal });
    if let Some(handle) = watched {
        state.readiness.insert(handle, response.result as u32 & (EVENT_READ | EVENT_WRITE));
    }
    Ok(WaitKey::SchemeReply(scheme_id, response.id))
}

/// `RESPONSE_EVENT`: handle `handle` is now ready for `bits`. Only handles
/// a client watches can be posted (so a server cannot grow the table):
/// those whose `FEVENT` was answered (the answer made the entry).
fn post_event(scheme: &SchemeRef, handle: u64, bits: i64) -> Result<WaitKey> {
    let bits = u32::try_from(bits).ok().filter(|b| b & !(EVENT_READ | EVENT_WRITE) == 0).ok_or_else(einval)?;
    let mut state = scheme.lock();
    let entry = state.readiness.get_mut(&handle).ok_or_else(einval)?;
    *entry = bits;
    Ok(WaitKey::Events)
}

/// What a scheme handle is ready for: what its server last said if it is
/// watched, otherwise always ready (like a regular file).
pub fn readiness(client: &ClientHandle) -> u32 {
    let state = client.scheme.lock();
    if state.dead {
        return EVENT_READ | EVENT_WRITE;
    }
    state.readiness.get(&client.id).copied().unwrap_or(EVENT_READ | EVENT_WRITE)
}

/// A copy of a server's fd for handing over: needs SEND, keeps the rights.
pub fn lend(handle: &Handle) -> Result<Handle> {
    if handle.rights & rights::SEND == 0 {
        return Err(Error::new(error::EACCES));
    }
    Ok(Handle { cloexec: false, ..handle.clone() })
}

/// The last endpoint fd closed: the scheme dies and every waiting client
/// is woken (its call then fails with `EIO`). Fds passed with requests the
/// server never read are released.
pub fn kill(tasks: &mut Tasks, scheme: &SchemeRef) {
    let mut state = scheme.lock();
    log::info!("scheme '{}': server gone, failing its {} waiting calls", state.name, state.in_flight.len());
    state.dead = true;
    let pending = core::mem::take(&mut state.pending);
    state.queued.clear();
    let id = state.id;
    let waiting: Vec<u64> = state.in_flight.keys().copied().collect();
    drop(state);
    for request in pending {
        if let Some(passed) = request.passed {
            let r = &request.request;
            let caller = Caller { pid: r.caller_pid, uid: r.caller_uid, gid: r.caller_gid };
            tasks.release_handles(alloc::vec![passed], caller);
        }
    }
    for request in waiting {
        tasks.wake_queue(WaitKey::SchemeReply(id, request), usize::MAX);
    }
    tasks.wake_queue(WaitKey::SchemeRoom(id), usize::MAX);
}

/// Whether a request waits to be read (for event queues).
pub fn has_pending(scheme: &SchemeRef) -> bool {
    !scheme.lock().pending.is_empty()
}

/// Whether `name` may name a scheme: 1-64 bytes of letters, digits, `.`,
/// `_` and `-`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}
