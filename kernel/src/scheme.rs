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

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_abi::scheme::{CANCEL, CLOSE, MAX_PAYLOAD, RESPONSE_EVENT, RESPONSE_FD, Request, Response};
use cairn_abi::{EVENT_READ, EVENT_WRITE, Error, Result, error, rights};

use crate::fd::Handle;

use crate::task::{Tasks, WaitKey};

/// Identifies a scheme (for wait queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemeId(pub u64);

static NEXT_SCHEME: AtomicU64 = AtomicU64::new(1);

/// The answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub result: i64,
    pub payload: Vec<u8>,
    /// An fd the server handed over (`RESPONSE_FD`).
    pub passed: Option<Handle>,
}

#[derive(Debug)]
struct InFlight {
    /// Largest payload the client accepts back.
    max_reply: usize,
    /// Whether the answer may be an fd.
    accepts_fd: bool,
    reply: Option<Reply>,
}

/// A request not yet read by the server, with an fd being passed.
#[derive(Debug)]
struct Pending {
    request: Request,
    payload: Vec<u8>,
    passed: Option<crate::fd::Handle>,
}

#[derive(Debug)]
pub struct SchemeState {
    pub id: SchemeId,
    pub name: String,
    pending: VecDeque<Pending>,
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

/// A handle a client holds on a scheme; when the last fd for it closes the
/// server gets `CLOSE`.
#[derive(Debug)]
pub struct ClientHandle {
    pub scheme: SchemeRef,
    pub id: u64,
    /// The absolute path it was opened by (what `getcwd` reports for a
    /// working directory).
    pub path: String,
}

/// A new, live scheme called `name`.
pub fn create(name: String) -> SchemeRef {
    Arc::new(spin::Mutex::new(SchemeState {
        id: SchemeId(NEXT_SCHEME.fetch_add(1, Ordering::Relaxed)),
        name,
        pending: VecDeque::new(),
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
}

impl Call {
    /// A call without an fd either way.
    pub fn new(opcode: u32, handle: u64, args: [u64; 3], payload: Vec<u8>, max_reply: usize) -> Call {
        Call { opcode, handle, args, payload, max_reply, passed: None, accepts_fd: false }
    }
}

/// Queues a request and returns its id; the caller then waits with
/// [`take_reply`].
pub fn submit(tasks: &mut Tasks, scheme: &SchemeRef, caller: Caller, call: Call) -> Result<u64> {
    let mut state = scheme.lock();
    if state.dead {
        return Err(eio());
    }
    if call.payload.len() > MAX_PAYLOAD {
        return Err(einval());
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
        payload_len: call.payload.len() as u64,
    };
    state.pending.push_back(Pending { request, payload: call.payload, passed: call.passed });
    state.in_flight.insert(id, InFlight { max_reply: call.max_reply, accepts_fd: call.accepts_fd, reply: None });
    let key = WaitKey::SchemeRequests(state.id);
    drop(state);
    tasks.wake_queue(key, usize::MAX);
    Ok(id)
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

/// The client of request `id` gave up: forget it and tell the server (an
/// fd the server already handed over is released).
pub fn cancel(tasks: &mut Tasks, scheme: &SchemeRef, id: u64, caller: Caller) {
    let removed = scheme.lock().in_flight.remove(&id);
    if let Some(entry) = removed {
        if let Some(passed) = entry.reply.and_then(|r| r.passed) {
            tasks.release_handles(alloc::vec![passed], caller);
        }
        notify(tasks, scheme, caller, CANCEL, 0, [id, 0, 0]);
    }
}

/// Sends a request that needs no answer (`CLOSE`, `CANCEL`).
pub fn notify(tasks: &mut Tasks, scheme: &SchemeRef, caller: Caller, opcode: u32, handle: u64, args: [u64; 3]) {
    let mut state = scheme.lock();
    if state.dead {
        return;
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
    let key = WaitKey::SchemeRequests(state.id);
    drop(state);
    tasks.wake_queue(key, usize::MAX);
}

/// Server side of `read`: the next request as bytes, `Ok(None)` if none is
/// pending. `EINVAL` if it does not fit in `capacity`, `EMFILE` if it
/// passes an fd and the server's table is full (`room` false); either way
/// it stays queued. A passed fd goes to `receive` (into the server's fd
/// table), and the fd number it got into the request's `args[0]`.
pub fn next_request(
    scheme: &SchemeRef,
    capacity: usize,
    room: bool,
    receive: impl FnOnce(Handle) -> usize,
) -> Result<Option<Vec<u8>>> {
    let mut state = scheme.lock();
    let Some(pending) = state.pending.front() else { return Ok(None) };
    if capacity < size_of::<Request>() + pending.payload.len() {
        return Err(einval());
    }
    if pending.passed.is_some() && !room {
        return Err(Error::new(error::EMFILE));
    }
    let mut pending = state.pending.pop_front().expect("checked above");
    if let Some(handle) = pending.passed.take() {
        pending.request.args[0] = receive(handle) as u64;
    }
    let mut bytes = Vec::with_capacity(size_of::<Request>() + pending.payload.len());
    // SAFETY: `Request` is plain old data; its bytes are copied out.
    bytes.extend_from_slice(unsafe {
        core::slice::from_raw_parts(&pending.request as *const Request as *const u8, size_of::<Request>())
    });
    bytes.extend_from_slice(&pending.payload);
    Ok(Some(bytes))
}

/// Server side of `write`: checks and stores a response, returning the
/// queue to wake (the client's, or event waiters' for `RESPONSE_EVENT`).
/// `lend` copies an fd of the server's (for `RESPONSE_FD`; it checks the
/// SEND right).
pub fn accept_response(
    scheme: &SchemeRef,
    bytes: &[u8],
    lend: impl FnOnce(usize) -> Result<Handle>,
) -> Result<WaitKey> {
    if bytes.len() < size_of::<Response>() {
        return Err(einval());
    }
    let mut response = Response::default();
    // SAFETY: `Response` is plain old data and `bytes` holds at least its size.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), &mut response as *mut Response as *mut u8, size_of::<Response>())
    };
    let payload = &bytes[size_of::<Response>()..];
    if response.payload_len != payload.len() as u64 || !(-4095..=i64::MAX).contains(&response.result) {
        return Err(einval());
    }
    if response.flags == RESPONSE_EVENT {
        return post_event(scheme, response.id, response.result);
    }
    if response.flags & !RESPONSE_FD != 0 {
        return Err(einval());
    }
    let mut state = scheme.lock();
    let scheme_id = state.id;
    let entry = state.in_flight.get_mut(&response.id).ok_or_else(einval)?;
    if entry.reply.is_some() || payload.len() > entry.max_reply {
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
    entry.reply = Some(Reply { result: response.result, payload: payload.to_vec(), passed });
    Ok(WaitKey::SchemeReply(scheme_id, response.id))
}

/// `RESPONSE_EVENT`: handle `handle` is now ready for `bits`. Only handles
/// a client watches can be posted (so a server cannot grow the table).
fn post_event(scheme: &SchemeRef, handle: u64, bits: i64) -> Result<WaitKey> {
    let bits = u32::try_from(bits).ok().filter(|b| b & !(EVENT_READ | EVENT_WRITE) == 0).ok_or_else(einval)?;
    let mut state = scheme.lock();
    let entry = state.readiness.get_mut(&handle).ok_or_else(einval)?;
    *entry = bits;
    Ok(WaitKey::Events)
}

/// Records what a client's `FEVENT` call learned: handle `handle` is
/// watched and ready for `bits` now.
pub fn watch(scheme: &SchemeRef, handle: u64, bits: u32) {
    scheme.lock().readiness.insert(handle, bits & (EVENT_READ | EVENT_WRITE));
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
/// is woken (its call then fails with `EIO`).
pub fn kill(tasks: &mut Tasks, scheme: &SchemeRef) {
    let mut state = scheme.lock();
    log::info!("scheme '{}': server gone, failing its {} waiting calls", state.name, state.in_flight.len());
    state.dead = true;
    state.pending.clear();
    let id = state.id;
    let waiting: Vec<u64> = state.in_flight.keys().copied().collect();
    drop(state);
    for request in waiting {
        tasks.wake_queue(WaitKey::SchemeReply(id, request), usize::MAX);
    }
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
