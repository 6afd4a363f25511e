//! File-descriptor system calls: read, write, open, close, fstat, lseek on
//! the console, initfs files and pipes; dup/dup2 (rights can only shrink),
//! fd_info, pipe2 and fd flags.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::signal::SIGPIPE;
use cairn_abi::{
    AT_FDCWD, Error, FdInfo, MODE_FILE, O_ACCMODE, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, Result, SEEK_CUR, SEEK_END,
    SEEK_SET, Stat, error, rights,
};

use alloc::sync::Arc;

use cairn_abi::affinity;
use cairn_abi::scheme::{self as protocol, MAX_PAYLOAD};

use super::Outcome;
use super::resolve::{self, Place, UserPath};
use super::thread::block;
use super::user;
use crate::console::{self, Sinks};
use crate::device_context::{self, DeviceContext, Resource};
use crate::devices;
use crate::fd::{Handle, Object};
use crate::namespace::{self, KernelScheme};
use crate::pipe::{PIPE_ATOMIC, PIPE_CAPACITY, PipeEnd};
use crate::scheme::{self, Call, ClientHandle, Endpoint, Reply, SchemeRef, Submission};
use crate::task::affinity::{AffinityTarget, CpuSet};
use crate::task::process::WorkingDirectory;
use crate::task::{self, WaitKey, WaitReason};
use crate::vm::AddressSpace;
use crate::vm::CopyFault;
use crate::vm::SharedPages;
use crate::{initfs, task::signal::UNBLOCKABLE};
use cairn_physmem::FRAME_SIZE;

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// Character-device type bits of `st_mode`.
const MODE_CHARACTER_DEVICE: u16 = 0o020000;
/// FIFO type bits of `st_mode`.
const MODE_FIFO: u16 = 0o010000;
/// Largest console write taken in one call.
const CONSOLE_WRITE_MAX: usize = 64 * 1024;

/// Largest read from `zero` or `rand` in one call.
const DEVICE_READ_MAX: usize = 1 << 20;

/// Asks a scheme handle's server for its `Stat` (a wrong size is `EIO`).
pub(super) fn scheme_fstat(client: &ClientHandle) -> Result<Stat> {
    let reply =
        scheme_call(&client.scheme, Call::new(protocol::FSTAT, client.id, [0; 3], Vec::new(), size_of::<Stat>()))?;
    reply_value(&reply)?;
    if reply.payload.len() != size_of::<Stat>() {
        return Err(errno(error::EIO));
    }
    let mut stat = Stat::default();
    stat.copy_from_slice(&reply.payload);
    Ok(stat)
}

/// Copies up to `len` bytes of a read-only file at `offset` straight into
/// user memory at `buffer`, then advances `offset`; a bad buffer is
/// `EFAULT` and leaves `offset` where it was.
fn read_at(space: &mut AddressSpace, buffer: usize, data: &[u8], offset: &mut u64, len: usize) -> Result<usize> {
    let start = usize::try_from(*offset).unwrap_or(usize::MAX).min(data.len());
    let end = start + len.min(data.len() - start);
    space.write(buffer as u64, &data[start..end]).map_err(user::copy_failed)?;
    *offset = end as u64;
    Ok(end - start)
}

/// The new position of a read-only file of `size` bytes after `lseek`.
fn seek(size: usize, position: &mut u64, offset: i64, whence: usize) -> Result<usize> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => *position as i64,
        SEEK_END => size as i64,
        _ => return Err(errno(error::EINVAL)),
    };
    let target = base.checked_add(offset).filter(|t| *t >= 0).ok_or(errno(error::EINVAL))?;
    *position = target as u64;
    Ok(target as usize)
}

/// Copies the bytes a read found to the caller.
fn deliver(space: &mut AddressSpace, buffer: usize, bytes: &[u8]) -> Result<ReadStep> {
    space.write(buffer as u64, bytes).map_err(user::copy_failed)?;
    Ok(ReadStep::Done(bytes.len()))
}

/// What a read found.
enum ReadStep {
    /// This many bytes were copied to the caller.
    Done(usize),
    Wait(WaitKey),
    /// An interrupt that has not fired: wait for it, in place
    /// (`task::in_place`) if the count's destination was found writable.
    Interrupt(Arc<crate::irq::InterruptClaim>, bool),
    /// A scheme handle: ask its server.
    Scheme(Arc<ClientHandle>),
    /// A scheme endpoint: hand the server its next request.
    Endpoint(Endpoint, bool),
    /// A `sched-affinity` file: read the set (it needs the task state).
    Affinity(AffinityTarget),
}

/// Sends one request to a scheme and waits for the answer. While the
/// caller's queue on the scheme is full it waits for room first.
/// Interrupted (a signal, or the process is being killed): a request the
/// server has not read is dropped, one it has gets `CANCEL`.
pub(super) fn scheme_call(scheme: &SchemeRef, call: Call) -> Result<Reply> {
    let scheme_id = scheme.lock().id;
    let mut call = call;
    let (caller, id) = loop {
        let submission = task::with(|tasks| {
            let caller = tasks.caller();
            let submission = scheme::submit(tasks, scheme, caller, call);
            if let Submission::Full(_) = submission {
                tasks.block_current(WaitReason::Queue(WaitKey::SchemeRoom(scheme_id)), None);
            }
            (caller, submission)
        });
        let (error, refused) = match submission {
            (caller, Submission::Queued(id)) => break (caller, id),
            (_, Submission::Failed(error, refused)) => (Some(error), refused),
            (_, Submission::Full(refused)) => {
                task::reschedule();
                let interrupted = task::with(|tasks| tasks.current_thread().interrupted);
                (interrupted.then(|| errno(error::EINTR)), refused)
            }
        };
        match error {
            Some(e) => {
                if let Some(passed) = refused.passed {
                    release(passed);
                }
                return Err(e);
            }
            None => call = refused,
        }
    };
    loop {
        let reply = task::with(|tasks| -> Result<Option<Reply>> {
            let reply = scheme::take_reply(scheme, id)?;
            if reply.is_none() {
                tasks.block_current(WaitReason::Queue(WaitKey::SchemeReply(scheme_id, id)), None);
            }
            Ok(reply)
        })?;
        if let Some(reply) = reply {
            return Ok(reply);
        }
        task::reschedule();
        if task::with(|tasks| tasks.current_thread().interrupted) {
            task::with(|tasks| scheme::cancel(tasks, scheme, id, caller));
            return Err(errno(error::EINTR));
        }
    }
}

/// Waits (interruptibly) until the caller may queue a request carrying
/// `payload` bytes on `scheme`. Callers copy a large payload only after
/// this, so a writer waiting for room holds no copy of its data; nothing
/// can take the room before the copy is submitted (the big kernel lock is
/// held throughout).
fn wait_for_room(scheme: &SchemeRef, payload: usize) -> Result<()> {
    let scheme_id = scheme.lock().id;
    loop {
        let full = task::with(|tasks| {
            let full = !scheme::has_room(scheme, tasks.caller().pid, payload);
            if full {
                tasks.block_current(WaitReason::Queue(WaitKey::SchemeRoom(scheme_id)), None);
            }
            full
        });
        if !full {
            return Ok(());
        }
        task::reschedule();
        if task::with(|tasks| tasks.current_thread().interrupted) {
            return Err(errno(error::EINTR));
        }
    }
}

/// A reply's result as a system call result.
pub(super) fn reply_value(reply: &Reply) -> Result<usize> {
    if reply.result < 0 { Err(errno(-reply.result as i32)) } else { Ok(reply.result as usize) }
}

/// Server side: the next request on an endpoint, blocking until one comes.
/// The request is taken off the queue only once `buffer` is known to be
/// writable for all of it (otherwise `EFAULT` and it stays queued).
fn read_endpoint(
    endpoint: &Endpoint,
    buffer: usize,
    capacity: usize,
    nonblocking: bool,
) -> Result<(protocol::Request, Vec<u8>)> {
    let scheme = &*endpoint.0;
    let key = WaitKey::SchemeRequests(scheme.lock().id);
    loop {
        let next = task::with(|tasks| -> Result<Option<(protocol::Request, Vec<u8>)>> {
            let process = tasks.current_process();
            let space = process.space.as_deref_mut().ok_or(errno(error::EFAULT))?;
            let fds = &mut process.fds;
            let room = fds.has_room();
            let next = scheme::next_request(
                scheme,
                capacity,
                room,
                |len| user::check_writable(space, buffer, len),
                |handle| fds.insert(handle).expect("room was checked under the same lock"),
            )?;
            match next {
                Some((request, payload, room)) => {
                    tasks.wake_queue(room, usize::MAX);
                    Ok(Some((request, payload)))
                }
                None => {
                    if !nonblocking {
                        tasks.block_current(WaitReason::Queue(key), None);
                    }
                    Ok(None)
                }
            }
        })?;
        if let Some(next) = next {
            return Ok(next);
        }
        if nonblocking {
            return Err(errno(error::EAGAIN));
        }
        task::reschedule();
        if task::with(|tasks| tasks.current_thread().interrupted) {
            return Err(errno(error::EINTR));
        }
    }
}

/// How a `read` ended.
enum ReadEnd {
    /// With the big kernel lock held, as every call ends.
    Locked(usize),
    /// Without it: a wait in place for an interrupt (`task::in_place`),
    /// returning to user mode at once.
    Unlocked(usize),
}

/// `read`: data that cannot be put back (a pipe's bytes, a file position,
/// a timer's or interrupt's count, a server's next request) is taken only
/// once the destination is known to be writable, so `EFAULT` loses
/// nothing.
pub fn read(fd: usize, buffer: usize, len: usize) -> Outcome {
    match read_to(fd, buffer, len) {
        Ok(ReadEnd::Locked(count)) => Outcome::Value(Ok(count)),
        Ok(ReadEnd::Unlocked(count)) => Outcome::Unlocked(count),
        Err(e) => Outcome::Value(Err(e)),
    }
}

fn read_to(fd: usize, buffer: usize, len: usize) -> Result<ReadEnd> {
    let fault = || errno(error::EFAULT);
    loop {
        let step = task::with(|tasks| -> Result<ReadStep> {
            let process = tasks.current_process();
            let space = process.space.as_deref_mut().ok_or_else(fault)?;
            let handle = process.fds.get(fd, rights::READ)?;
            let nonblocking = handle.nonblocking;
            match &mut handle.object {
                Object::Console => Ok(ReadStep::Done(0)),
                Object::InitfsFile { data, offset } => read_at(space, buffer, data, offset, len).map(ReadStep::Done),
                Object::SysFile { data, offset } => read_at(space, buffer, data, offset, len).map(ReadStep::Done),
                Object::Device(KernelScheme::Null) => Ok(ReadStep::Done(0)),
                Object::Device(KernelScheme::Zero | KernelScheme::Full) => {
                    deliver(space, buffer, &user::try_zeroed(len.min(DEVICE_READ_MAX))?)
                }
                Object::Device(_) => {
                    let mut bytes = user::try_zeroed(len.min(DEVICE_READ_MAX))?;
                    crate::random::fill(&mut bytes);
                    deliver(space, buffer, &bytes)
                }
                Object::SchemeHandle(client) => Ok(ReadStep::Scheme(client.clone())),
                Object::SchemeEndpoint(endpoint) => Ok(ReadStep::Endpoint(endpoint.clone(), nonblocking)),
                Object::Namespace(_) | Object::EventQueue(_) | Object::Memory { .. } => Err(errno(error::EBADF)),
                Object::IoPorts(_) | Object::PowerSwitch => Err(errno(error::EBADF)),
                Object::DeviceMemory { .. } | Object::DeviceControl(_) => Err(errno(error::EBADF)),
                Object::DeviceContext(_) => Err(errno(error::ESPIPE)),
                Object::DmaMemory { mapping, .. } => {
                    if len < 8 {
                        return Err(errno(error::EINVAL));
                    }
                    deliver(space, buffer, &mapping.device_address().to_le_bytes())
                }
                Object::Framebuffer(info) => {
                    let info = info.abi();
                    let bytes = user::bytes_of(&info);
                    deliver(space, buffer, &bytes[..len.min(bytes.len())])
                }
                Object::Interrupt(line) => {
                    if !line.pending() {
                        return if nonblocking {
                            Err(errno(error::EAGAIN))
                        } else {
                            let writable = len >= 8 && user::check_writable(space, buffer, 8).is_ok();
                            Ok(ReadStep::Interrupt(line.clone(), writable))
                        };
                    }
                    if len < 8 {
                        return Err(errno(error::EINVAL));
                    }
                    user::check_writable(space, buffer, 8)?;
                    deliver(space, buffer, &line.take().to_le_bytes())
                }
                Object::Process { end, .. } | Object::Thread { end, .. } => match *end.lock() {
                    Some(_) if len < 4 => Err(errno(error::EINVAL)),
                    Some(value) => deliver(space, buffer, &(value as u32).to_le_bytes()),
                    None if nonblocking => Err(errno(error::EAGAIN)),
                    None => Ok(ReadStep::Wait(WaitKey::Ended(Arc::as_ptr(end) as usize))),
                },
                Object::Directory { .. } => Err(errno(error::EISDIR)),
                Object::SchedAffinity(target) => Ok(ReadStep::Affinity(target.clone())),
                Object::Timer(timer) => {
                    let mut state = timer.lock();
                    if state.expirations > 0 {
                        if len < 8 {
                            return Err(errno(error::EINVAL));
                        }
                        user::check_writable(space, buffer, 8)?;
                        let count = core::mem::take(&mut state.expirations);
                        drop(state);
                        deliver(space, buffer, &count.to_le_bytes())
                    } else if nonblocking {
                        Err(errno(error::EAGAIN))
                    } else {
                        Ok(ReadStep::Wait(WaitKey::Timer(state.id)))
                    }
                }
                Object::Pipe(end) => {
                    let key = WaitKey::Pipe(end.id());
                    let mut state = end.state();
                    if !state.buffer.is_empty() || len == 0 {
                        let take = len.min(state.buffer.len());
                        let mut data = Vec::new();
                        data.try_reserve_exact(take).map_err(|_| errno(error::ENOMEM))?;
                        data.extend(state.buffer.range(..take));
                        let copied = deliver(space, buffer, &data)?;
                        state.buffer.drain(..take);
                        drop(state);
                        tasks.wake_queue(key, usize::MAX);
                        Ok(copied)
                    } else if state.writers == 0 {
                        Ok(ReadStep::Done(0))
                    } else if nonblocking {
                        Err(errno(error::EAGAIN))
                    } else {
                        Ok(ReadStep::Wait(key))
                    }
                }
            }
        })?;
        match step {
            ReadStep::Done(count) => return Ok(ReadEnd::Locked(count)),
            ReadStep::Wait(key) => {
                if block(WaitReason::Queue(key), None).1 {
                    return Err(errno(error::EINTR));
                }
            }
            ReadStep::Interrupt(line, writable) => {
                if writable && let task::InPlace::Fired(count) = task::wait_in_place(&line) {
                    if crate::arch::user_access::write_u64(buffer as u64, count) {
                        return Ok(ReadEnd::Unlocked(8));
                    }
                    // Unmapped or made copy-on-write by another thread
                    // meanwhile: the count goes back and the locked path
                    // reads it.
                    line.give_back(count);
                    task::bkl::acquire();
                    continue;
                }
                // A wait in place that ended with the interrupt pending
                // (its fired mark already consumed): take it now.
                if line.pending() {
                    continue;
                }
                if block(WaitReason::Queue(WaitKey::Interrupt(line.id)), None).1 {
                    return Err(errno(error::EINTR));
                }
            }
            ReadStep::Endpoint(endpoint, nonblocking) => {
                let (request, payload) = read_endpoint(&endpoint, buffer, len, nonblocking)?;
                let header = user::bytes_of(&request);
                user::write_parts(buffer, &[header, &payload])?;
                return Ok(ReadEnd::Locked(header.len() + payload.len()));
            }
            ReadStep::Affinity(target) => {
                let online = crate::percpu::online().len();
                let mut bytes = [0u8; affinity::MAX_BYTES];
                let count = task::with(|tasks| tasks.affinity(&target))?.to_bytes(online, &mut bytes);
                if len < count {
                    return Err(errno(error::EINVAL));
                }
                user::write_bytes(buffer, &bytes[..count])?;
                return Ok(ReadEnd::Locked(count));
            }
            ReadStep::Scheme(client) => {
                user::check_destination(buffer, len.min(MAX_PAYLOAD))?;
                return scheme_read_into(&client, buffer, len, None).map(ReadEnd::Locked);
            }
        }
    }
}

pub fn write(fd: usize, buffer: usize, len: usize) -> Result<usize> {
    let (object, nonblocking) = task::with(|tasks| {
        tasks.current_process().fds.get(fd, rights::WRITE).map(|h| (h.object.clone(), h.nonblocking))
    })?;
    match object {
        Object::Console => {
            let len = len.min(CONSOLE_WRITE_MAX);
            let bytes = user::read_bytes(buffer, len)?;
            console::write(Sinks { screen: true }, format_args!("{}", String::from_utf8_lossy(&bytes)));
            Ok(len)
        }
        Object::InitfsFile { .. }
        | Object::Namespace(_)
        | Object::SysFile { .. }
        | Object::EventQueue(_)
        | Object::Timer(_)
        | Object::Memory { .. }
        | Object::Directory { .. }
        | Object::Process { .. }
        | Object::Thread { .. }
        | Object::IoPorts(_)
        | Object::DeviceMemory { .. }
        | Object::DmaMemory { .. }
        | Object::Framebuffer(_) => Err(errno(error::EBADF)),
        Object::DeviceContext(_) => Err(errno(error::ESPIPE)),
        Object::DeviceControl(context) => {
            let command = user::read_bytes(buffer, len.min(32))?;
            device_control(&context, command.trim_ascii())?;
            Ok(len)
        }
        Object::Interrupt(line) => {
            line.acknowledge();
            Ok(len)
        }
        Object::SchedAffinity(target) => {
            if len > affinity::MAX_BYTES {
                return Err(errno(error::EINVAL));
            }
            let set = CpuSet::parse(&user::read_bytes(buffer, len)?, crate::percpu::online().len())?;
            task::with(|tasks| tasks.set_affinity(&target, set))?;
            Ok(len)
        }
        Object::PowerSwitch => {
            let command = user::read_bytes(buffer, len.min(16))?;
            match command.trim_ascii() {
                b"poweroff" => {
                    crate::platform::power::power_off();
                    Err(errno(error::EIO))
                }
                b"reboot" => crate::platform::power::reboot(),
                _ => Err(errno(error::EINVAL)),
            }
        }
        Object::Device(KernelScheme::Full) => Err(errno(error::ENOSPC)),
        Object::Device(_) => Ok(len),
        Object::Pipe(end) => write_pipe(&end, buffer, len, nonblocking),
        Object::SchemeHandle(client) => scheme_write(&client, buffer, len, [0; 3]),
        Object::SchemeEndpoint(endpoint) => {
            let len = len.min(size_of::<protocol::Response>() + MAX_PAYLOAD);
            let header = size_of::<protocol::Response>();
            if len < header {
                return Err(errno(error::EINVAL));
            }
            let response: protocol::Response = user::read_value(buffer)?;
            let (source, payload_len) = (buffer + header, len - header);
            let delivered = task::with(|tasks| {
                if scheme::client_gave_up(tasks, &endpoint.0, &response) {
                    return Err(errno(error::EINVAL));
                }
                copy_to_client(tasks, &endpoint.0, &response, source, payload_len)
            })?;
            let payload = match delivered {
                Some(copied) => scheme::ResponsePayload::Delivered(copied),
                None => scheme::ResponsePayload::Bytes(user::read_bytes(source, payload_len)?),
            };
            task::with(|tasks| {
                let fds = &mut tasks.current_process().fds;
                let key = scheme::accept_response(&endpoint.0, &response, payload, |fd| scheme::lend(fds.get(fd, 0)?))?;
                tasks.wake_queue_handoff(key, usize::MAX);
                Ok(len)
            })
        }
    }
}

/// Copies the payload of `response` — `len` bytes at `source` in the
/// server's (the caller's) memory — straight into the buffer its client
/// named, when it named one ([`scheme::direct_destination`]): one copy,
/// no kernel buffer. `Ok(None)` when there is nowhere to copy it or the
/// client's buffer faults (the payload then goes through the kernel and
/// the client's own copy reports the fault); `EFAULT` for a bad source.
fn copy_to_client(
    tasks: &mut task::Tasks,
    endpoint: &SchemeRef,
    response: &protocol::Response,
    source: usize,
    len: usize,
) -> Result<Option<usize>> {
    let Some((client, destination)) = scheme::direct_destination(endpoint, response, len) else {
        return Ok(None);
    };
    let server = tasks.current_process().pid;
    let client = task::Pid(client);
    let copied = if client == server {
        let space = tasks.current_process().space.as_deref_mut().ok_or(errno(error::EFAULT))?;
        let mut bytes = user::try_zeroed(len)?;
        space.read(source as u64, &mut bytes).map_err(|_| errno(error::EFAULT))?;
        space.write(destination, &bytes).map_err(|_| CopyFault::Destination)
    } else {
        let Some(mut target) = tasks.processes.get_mut(&client).and_then(|process| process.space.take()) else {
            return Ok(None);
        };
        let copied = match tasks.current_process().space.as_deref_mut() {
            Some(space) => space.copy_to(source as u64, &mut target, destination, len),
            None => Err(CopyFault::Source),
        };
        if let Some(process) = tasks.processes.get_mut(&client) {
            process.space = Some(target);
        }
        copied
    };
    match copied {
        Ok(()) => Ok(Some(len)),
        Err(CopyFault::Destination) => Ok(None),
        Err(CopyFault::Source) => Err(errno(error::EFAULT)),
    }
}

/// Writes `len` bytes at user address `buffer` into a pipe, blocking
/// while it is full (writes up to [`PIPE_ATOMIC`] bytes go in whole).
/// The bytes are copied straight from the writer's memory into the pipe as
/// room appears, so a writer holds no kernel memory of its own however
/// large its buffer or however long it waits. No reader left: SIGPIPE and
/// `EPIPE`. A bad buffer is `EFAULT` (or the count written before it).
fn write_pipe(end: &PipeEnd, buffer: usize, len: usize, nonblocking: bool) -> Result<usize> {
    let key = WaitKey::Pipe(end.id());
    let mut written = 0;
    loop {
        let progress = task::with(|tasks| -> Result<bool> {
            let mut state = end.state();
            if state.readers == 0 {
                drop(state);
                tasks.current_thread().pending |= cairn_abi::signal::bit(SIGPIPE) & !UNBLOCKABLE;
                return Err(errno(error::EPIPE));
            }
            let space = PIPE_CAPACITY - state.buffer.len();
            let remaining = len - written;
            if space == 0 || (remaining <= PIPE_ATOMIC && space < remaining) {
                return Ok(false);
            }
            let take = remaining.min(space);
            let mut chunk = user::try_zeroed(take)?;
            let address = buffer.checked_add(written).ok_or(errno(error::EFAULT))?;
            tasks.current_process().space().read(address as u64, &mut chunk).map_err(user::copy_failed)?;
            state.buffer.try_reserve(take).map_err(|_| errno(error::ENOMEM))?;
            state.buffer.extend(chunk);
            written += take;
            drop(state);
            tasks.wake_queue(key, usize::MAX);
            Ok(true)
        });
        match progress {
            Err(e) if written == 0 => return Err(e),
            Err(_) => return Ok(written),
            Ok(_) if written == len => return Ok(written),
            Ok(true) => continue,
            Ok(false) if nonblocking => {
                return if written > 0 { Ok(written) } else { Err(errno(error::EAGAIN)) };
            }
            Ok(false) => {
                if block(WaitReason::Queue(key), None).1 {
                    return if written > 0 { Ok(written) } else { Err(errno(error::EINTR)) };
                }
            }
        }
    }
}

pub fn open(path: usize, len: usize, flags: usize) -> Result<usize> {
    open_at(AT_FDCWD, &user::read_path(path, len)?, flags, DEFAULT_MODE)
}

pub fn openat(dirfd: usize, path: usize, len: usize, flags: usize, mode: usize) -> Result<usize> {
    open_at(dirfd, &user::read_path(path, len)?, flags, mode)
}

/// Permission bits of a file created by `open` (which has no mode argument).
const DEFAULT_MODE: usize = 0o644;

/// Stores a new fd, setting its flags from `open`'s.
fn insert_opened(mut handle: Handle, flags: usize) -> Result<usize> {
    handle.cloexec = flags & O_CLOEXEC != 0;
    handle.nonblocking = flags & O_NONBLOCK != 0;
    insert_scheme_handle(handle)
}

/// A kernel-listed directory.
fn directory(path: &str, entries: Vec<(String, u8)>) -> Handle {
    Handle::new(
        Object::Directory { path: Arc::from(path), entries: Arc::from(entries), cursor: 0 },
        rights::READ | rights::LOOKUP | rights::DUP | rights::SEND,
    )
}

/// The data rights an open mode asks for (no access bits: both, as the
/// servers read it).
fn access_rights(flags: usize) -> u32 {
    match flags & O_ACCMODE {
        O_RDONLY => rights::READ,
        cairn_abi::O_WRONLY => rights::WRITE,
        _ => rights::READ | rights::WRITE,
    }
}

/// Opens `path` (relative to `dirfd`) in the caller's namespace.
fn open_at(dirfd: usize, path: &str, flags: usize, mode: usize) -> Result<usize> {
    insert_opened(opened(dirfd, path, flags, mode)?.0, flags)
}

/// The handle `path` (relative to `dirfd`) opens to, and with `O_STAT` the
/// file's `Stat` when its server sent it along.
fn opened(dirfd: usize, path: &str, flags: usize, mode: usize) -> Result<(Handle, Option<Stat>)> {
    let handle = match resolve::place(dirfd, path)? {
        Place::SchemeList if flags & O_ACCMODE != O_RDONLY => return Err(errno(error::EISDIR)),
        Place::SchemeList => {
            let namespace = task::with(|tasks| tasks.current_process().namespace.clone());
            let names = namespace.lock().names().into_keys().map(|name| (name, protocol::DIRENT_DIR)).collect();
            directory(namespace::SCHEME_DIRECTORY, names)
        }
        Place::Initfs(path) => open_initfs(&path, flags)?,
        Place::Kernel(KernelScheme::Sys, inside) => open_sys(&inside, flags)?,
        Place::Kernel(KernelScheme::Irq, inside) => {
            let irq = inside.trim_start_matches('/').parse::<u8>().map_err(|_| errno(error::ENOENT))?;
            let line = crate::irq::open_legacy(irq)?;
            line.set_owner(&alloc::format!("ISA line {irq}: {}", caller_label()));
            Handle::new(Object::Interrupt(Arc::new(line)), access_rights(flags) | rights::DUP | rights::SEND)
        }
        Place::Kernel(KernelScheme::IoPort, inside) => open_io_ports(&inside)?,
        Place::Kernel(KernelScheme::Pci, inside) => open_pci(&inside, flags)?,
        Place::DeviceResource(context, path) => open_device_resource(&context, &path, flags)?,
        Place::TaskFile(target, control, path) => open_task_file(target, control, &path, flags)?,
        Place::Kernel(KernelScheme::Framebuffer, _) => {
            let info = console::screen::boot_framebuffer().ok_or(errno(error::ENODEV))?;
            console::hand_over_screen();
            let granted = access_rights(flags) | rights::MAP | rights::DUP | rights::SEND;
            Handle::new(Object::Framebuffer(info), granted)
        }
        Place::Kernel(device, _) => {
            Handle::new(Object::Device(device), access_rights(flags) | rights::DUP | rights::SEND)
        }
        Place::User(user) => return open_user(user, flags, mode),
        Place::Devices | Place::Descriptors if flags & O_ACCMODE != O_RDONLY => return Err(errno(error::EISDIR)),
        Place::Devices => {
            let entries = devices::list()
                .into_iter()
                .map(|(name, link)| {
                    let kind = match name.as_str() {
                        _ if link => protocol::DIRENT_SYMLINK,
                        "fd" => protocol::DIRENT_DIR,
                        _ => protocol::DIRENT_FILE,
                    };
                    (name, kind)
                })
                .collect();
            directory(DEVICES_DIRECTORY, entries)
        }
        Place::Descriptors => {
            let fds = task::with(|tasks| tasks.current_process().fds.numbers());
            let entries = fds.into_iter().map(|fd| (alloc::format!("{fd}"), protocol::DIRENT_FILE)).collect();
            directory(DESCRIPTORS_DIRECTORY, entries)
        }
        Place::Descriptor(fd) => open_descriptor(fd, flags)?,
    };
    Ok((handle, None))
}

/// `/dev`, as its directory handle records it.
const DEVICES_DIRECTORY: &str = "/dev";

/// `/dev/fd`, as its directory handle records it.
const DESCRIPTORS_DIRECTORY: &str = "/dev/fd";

/// `/dev/fd/N`: a copy of the caller's fd N (as `dup`), if it has the
/// rights the access mode asks for; the copy has no more than those data
/// rights. `O_STAT` asks for none.
fn open_descriptor(fd: usize, flags: usize) -> Result<Handle> {
    let wanted = if flags & cairn_abi::O_STAT != 0 { 0 } else { access_rights(flags) };
    let data = rights::READ | rights::WRITE;
    task::with(|tasks| {
        let handle = tasks.current_process().fds.get(fd, 0)?;
        if handle.rights & wanted != wanted {
            return Err(errno(error::EACCES));
        }
        Ok(Handle { rights: handle.rights & !(data & !wanted), cloexec: false, ..handle.clone() })
    })
}

/// Sends `OPEN` for `user`; the server answers with a handle id, or with an
/// fd of its own that the caller receives instead. An `O_STAT` open may
/// come with the file's `Stat` ([`protocol::OPEN`]).
fn open_user(user: UserPath, flags: usize, mode: usize) -> Result<(Handle, Option<Stat>)> {
    let mode =
        if flags & cairn_abi::O_CREAT != 0 { super::process::creation_mode(mode) } else { (mode & 0o7777) as u64 };
    let args = [flags as u64, mode, user.flags()];
    let stat_room = if flags & cairn_abi::O_STAT != 0 { size_of::<Stat>() } else { 0 };
    let mut call = Call::new(protocol::OPEN, user.base, args, user.path.into_bytes(), stat_room);
    call.accepts_fd = true;
    let reply = scheme_call(&user.scheme, call)?;
    let id = reply_value(&reply)? as u64;
    if let Some(passed) = reply.passed {
        return Ok((passed, None));
    }
    let stat = (stat_room > 0 && reply.payload.len() == stat_room).then(|| {
        let mut stat = Stat::default();
        stat.copy_from_slice(&reply.payload);
        stat
    });
    if reply.terminal {
        adopt_terminal(&user.absolute);
    }
    // `O_STAT` opens a file only to look at it (stat, chmod...): no data
    // rights. Any handle may serve as a directory to look up from and to
    // change attributes through (the server checks permissions).
    let granted = rights::DUP
        | rights::SEND
        | rights::LOOKUP
        | rights::ATTR
        | match flags & O_ACCMODE {
            _ if flags & cairn_abi::O_STAT != 0 => 0,
            O_RDONLY => rights::READ | rights::EXEC | rights::MAP,
            cairn_abi::O_WRONLY => rights::WRITE | rights::MAP,
            _ => rights::READ | rights::WRITE | rights::EXEC | rights::MAP,
        };
    let client = ClientHandle::new(user.scheme, id, user.absolute, task::with(|tasks| tasks.caller()));
    Ok((Handle::new(Object::SchemeHandle(Arc::new(client)), granted), stat))
}

/// A session leader without a controlling terminal that opened terminal
/// `path` makes it the controlling terminal of the session (its children
/// to come inherit it).
fn adopt_terminal(path: &str) {
    task::with(|tasks| {
        let process = tasks.current_process();
        if process.sid == process.pid && process.terminal.is_none() {
            process.terminal = Some(Arc::from(path));
        }
    });
}

/// Opens `user` for the kernel's own use (no fd): a scheme handle, which
/// [`release_client`] closes.
pub(super) fn open_client(user: UserPath, flags: usize, mode: usize) -> Result<Arc<ClientHandle>> {
    let (handle, _) = open_user(user, flags, mode)?;
    match handle.object {
        Object::SchemeHandle(client) => Ok(client),
        _ => {
            release(handle);
            Err(errno(error::EACCES))
        }
    }
}

/// Lets go of a handle the kernel opened for itself.
pub(super) fn release_client(client: Arc<ClientHandle>) {
    release(Handle::new(Object::SchemeHandle(client), 0));
}

fn release(handle: Handle) {
    task::with(|tasks| {
        let caller = tasks.caller();
        tasks.release_handles(alloc::vec![handle], caller);
    });
}

fn open_initfs(path: &str, flags: usize) -> Result<Handle> {
    if flags & O_ACCMODE != O_RDONLY {
        return Err(errno(error::EROFS));
    }
    if let Some(children) = initfs::directory(path) {
        let entries = children
            .into_iter()
            .map(|(name, is_dir)| (name, if is_dir { protocol::DIRENT_DIR } else { protocol::DIRENT_FILE }))
            .collect();
        return Ok(directory(path, entries));
    }
    if flags & cairn_abi::O_DIRECTORY != 0 {
        return Err(errno(if initfs::file(path).is_some() { error::ENOTDIR } else { error::ENOENT }));
    }
    let entry = initfs::file(path).ok_or(errno(error::ENOENT))?;
    let mut granted = rights::READ | rights::MAP | rights::DUP | rights::SEND;
    if entry.mode.is_executable() {
        granted |= rights::EXEC;
    }
    Ok(Handle::new(Object::InitfsFile { data: entry.data, offset: 0 }, granted))
}

pub fn close(fd: usize) -> Result<usize> {
    task::with(|tasks| {
        let handle = tasks.current_process().fds.remove(fd)?;
        let caller = tasks.caller();
        tasks.release_handles(alloc::vec![handle], caller);
        Ok(0)
    })
}

pub fn fstat(fd: usize, address: usize) -> Result<usize> {
    let handle = task::with(|tasks| tasks.current_process().fds.get(fd, 0).cloned())?;
    user::write_value(address, &stat_of(&handle)?)?;
    Ok(0)
}

/// `fstatat`: opens `path` with `O_STAT` for the kernel alone, takes the
/// `Stat` its server sent with the answer (or asks with `FSTAT`), and
/// closes it; the caller never holds an fd.
pub fn fstatat(dirfd: usize, path: usize, len: usize, flags: usize, address: usize) -> Result<usize> {
    if flags & !cairn_abi::AT_SYMLINK_NOFOLLOW != 0 {
        return Err(errno(error::EINVAL));
    }
    let no_follow = if flags & cairn_abi::AT_SYMLINK_NOFOLLOW != 0 { cairn_abi::O_NOFOLLOW } else { 0 };
    let path = user::read_path(path, len)?;
    let (handle, sent) = opened(dirfd, &path, O_RDONLY | cairn_abi::O_STAT | no_follow, 0)?;
    let stat = match sent {
        Some(stat) => Ok(stat),
        None => stat_of(&handle),
    };
    release(handle);
    user::write_value(address, &stat?)?;
    Ok(0)
}

/// What `fstat` says of `handle`'s object (a scheme handle's server is
/// asked).
fn stat_of(handle: &Handle) -> Result<Stat> {
    if let Object::SchemeHandle(client) = &handle.object {
        return scheme_fstat(client);
    }
    {
        Ok(match &handle.object {
            Object::Console => Stat { st_mode: MODE_CHARACTER_DEVICE | 0o620, st_blksize: 4096, ..Stat::default() },
            // An initfs file is executable exactly when it grants EXEC.
            Object::InitfsFile { data, .. } => Stat {
                st_mode: MODE_FILE | if handle.rights & rights::EXEC != 0 { 0o555 } else { 0o444 },
                st_size: data.len() as u64,
                st_blksize: 4096,
                st_blocks: (data.len() as u64).div_ceil(512),
                st_nlink: 1,
                ..Stat::default()
            },
            Object::Pipe(end) => Stat {
                st_mode: MODE_FIFO | 0o600,
                st_size: end.state().buffer.len() as u64,
                st_blksize: PIPE_ATOMIC as u32,
                ..Stat::default()
            },
            Object::SysFile { data, .. } => {
                Stat { st_mode: MODE_FILE | 0o444, st_size: data.len() as u64, st_blksize: 4096, ..Stat::default() }
            }
            Object::SchemeEndpoint(_)
            | Object::SchemeHandle(_)
            | Object::Namespace(_)
            | Object::Device(_)
            | Object::EventQueue(_)
            | Object::Timer(_) => Stat { st_mode: MODE_CHARACTER_DEVICE | 0o600, ..Stat::default() },
            Object::Memory { size, .. } => Stat { st_mode: MODE_FILE | 0o600, st_size: *size, ..Stat::default() },
            Object::Directory { entries, .. } => {
                Stat { st_mode: cairn_abi::MODE_DIR | 0o555, st_size: entries.len() as u64, ..Stat::default() }
            }
            Object::Process { .. } | Object::Thread { .. } | Object::IoPorts(_) | Object::SchedAffinity(_) => {
                Stat { st_mode: 0o600, ..Stat::default() }
            }
            Object::Interrupt(_) | Object::PowerSwitch => {
                Stat { st_mode: MODE_CHARACTER_DEVICE | 0o600, ..Stat::default() }
            }
            Object::Framebuffer(info) => {
                Stat { st_mode: MODE_CHARACTER_DEVICE | 0o600, st_size: info.byte_len(), ..Stat::default() }
            }
            Object::DeviceContext(context) => Stat {
                st_mode: MODE_CHARACTER_DEVICE | 0o600,
                st_size: u64::from(context.config_size()),
                ..Stat::default()
            },
            Object::DeviceMemory { size, .. } | Object::DmaMemory { size, .. } => {
                Stat { st_mode: MODE_CHARACTER_DEVICE | 0o600, st_size: *size, ..Stat::default() }
            }
            Object::DeviceControl(_) => Stat { st_mode: MODE_CHARACTER_DEVICE | 0o200, ..Stat::default() },
        })
    }
}

pub fn lseek(fd: usize, offset: i64, whence: usize) -> Result<usize> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, 0).map(|h| h.object.clone()))?;
    if let Object::SchemeHandle(client) = &object {
        let call = Call::new(protocol::LSEEK, client.id, [offset as u64, whence as u64, 0], Vec::new(), 0);
        return reply_value(&scheme_call(&client.scheme, call)?);
    }
    task::with(|tasks| match &mut tasks.current_process().fds.get(fd, 0)?.object {
        Object::Console
        | Object::Pipe(_)
        | Object::SchemeEndpoint(_)
        | Object::SchemeHandle(_)
        | Object::Namespace(_)
        | Object::Device(_)
        | Object::EventQueue(_)
        | Object::Timer(_)
        | Object::Memory { .. }
        | Object::Directory { .. }
        | Object::Process { .. }
        | Object::Thread { .. }
        | Object::Interrupt(_)
        | Object::IoPorts(_)
        | Object::PowerSwitch
        | Object::Framebuffer(_)
        | Object::DeviceContext(_)
        | Object::DeviceMemory { .. }
        | Object::DmaMemory { .. }
        | Object::DeviceControl(_)
        | Object::SchedAffinity(_) => Err(errno(error::ESPIPE)),
        Object::InitfsFile { data, offset: position } => seek(data.len(), position, offset, whence),
        Object::SysFile { data, offset: position } => seek(data.len(), position, offset, whence),
    })
}

/// A copy of `fd` with its rights masked by `mask`; needs the DUP right.
fn duplicate(fd: usize, mask: usize) -> Result<Handle> {
    let mask = u32::try_from(mask).map_err(|_| errno(error::EINVAL))?;
    task::with(|tasks| {
        let handle = tasks.current_process().fds.get(fd, rights::DUP)?;
        Ok(Handle { rights: handle.rights & mask, cloexec: false, ..handle.clone() })
    })
}

pub fn dup(fd: usize, mask: usize) -> Result<usize> {
    let copy = duplicate(fd, mask)?;
    task::with(|tasks| tasks.current_process().fds.insert(copy))
}

pub fn dup2(fd: usize, new_fd: usize, mask: usize) -> Result<usize> {
    let copy = duplicate(fd, mask)?;
    if new_fd == fd {
        return Ok(fd);
    }
    task::with(|tasks| {
        let old = tasks.current_process().fds.replace(new_fd, copy)?;
        let caller = tasks.caller();
        tasks.release_handles(old.into_iter().collect(), caller);
        Ok(new_fd)
    })
}

pub fn fd_info(fd: usize, address: usize) -> Result<usize> {
    let info: FdInfo = task::with(|tasks| tasks.current_process().fds.get(fd, 0).map(|h| h.info()))?;
    user::write_value(address, &info)?;
    Ok(0)
}

pub fn set_fd_flags(fd: usize, flags: usize) -> Result<usize> {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let handle = tasks.current_process().fds.get(fd, 0)?;
        handle.cloexec = flags & O_CLOEXEC != 0;
        handle.nonblocking = flags & O_NONBLOCK != 0;
        Ok(0)
    })
}

pub fn pipe2(address: usize, flags: usize) -> Result<usize> {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(errno(error::EINVAL));
    }
    let (reader, writer) = PipeEnd::pair();
    let make = |end: PipeEnd, right: u32| Handle {
        object: Object::Pipe(end),
        rights: right | rights::DUP | rights::SEND,
        cloexec: flags & O_CLOEXEC != 0,
        nonblocking: flags & O_NONBLOCK != 0,
    };
    let fds = task::with(|tasks| -> Result<[usize; 2]> {
        let table = &mut tasks.current_process().fds;
        let read_fd = table.insert(make(reader, rights::READ))?;
        match table.insert(make(writer, rights::WRITE)) {
            Ok(write_fd) => Ok([read_fd, write_fd]),
            Err(e) => {
                let reader = table.remove(read_fd)?;
                let caller = tasks.caller();
                tasks.release_handles(alloc::vec![reader], caller);
                Err(e)
            }
        }
    })?;
    if let Err(e) = user::write_value(address, &fds) {
        task::with(|tasks| {
            let table = &mut tasks.current_process().fds;
            let handles: Vec<Handle> = fds.iter().filter_map(|fd| table.remove(*fd).ok()).collect();
            let caller = tasks.caller();
            tasks.release_handles(handles, caller);
        });
        return Err(e);
    }
    Ok(0)
}

pub fn scheme_create(name: usize, len: usize) -> Result<usize> {
    let name = user::read_path(name, len)?;
    if !scheme::valid_name(&name) {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let process = tasks.current_process();
        let mut namespace = process.namespace.lock();
        if !namespace.can_register {
            return Err(errno(error::EPERM));
        }
        namespace.may_register(&name, process.uid)?;
        if !process.fds.has_room() {
            return Err(errno(error::EMFILE));
        }
        let created = scheme::create(name.clone());
        namespace.register(name, created.clone(), process.uid);
        drop(namespace);
        let endpoint = Endpoint(Arc::new(created));
        process.fds.insert(Handle::new(Object::SchemeEndpoint(endpoint), rights::READ | rights::WRITE | rights::DUP))
    })
}

pub fn namespace_create(names: usize, count: usize, flags: usize) -> Result<usize> {
    use cairn_abi::{NAMESPACE_EXCEPT, NAMESPACE_REGISTER};
    if flags & !(NAMESPACE_REGISTER | NAMESPACE_EXCEPT) != 0 {
        return Err(errno(error::EINVAL));
    }
    let names = user::read_strings(names, count, &mut crate::exec::ArgumentBudget::full())?;
    let names = names
        .into_iter()
        .map(|name| String::from_utf8(name).map_err(|_| errno(error::EINVAL)))
        .collect::<Result<Vec<String>>>()?;
    task::with(|tasks| {
        let process = tasks.current_process();
        let current = process.namespace.lock();
        let can_register = flags & NAMESPACE_REGISTER != 0 && current.can_register;
        let mut created = if flags & NAMESPACE_EXCEPT != 0 {
            if current.depth() >= namespace::MAX_VIEW_DEPTH {
                return Err(errno(error::ELOOP));
            }
            let hidden: BTreeSet<String> = names.into_iter().collect();
            let view = namespace::View { base: process.namespace.clone(), hidden };
            namespace::Namespace {
                view: Some(view),
                ..namespace::Namespace::new(BTreeMap::new(), can_register, BTreeMap::new())
            }
        } else {
            let mut entries = BTreeMap::new();
            let mut owners = BTreeMap::new();
            for name in names {
                let target = current.lookup(&name).ok_or(errno(error::ENOENT))?;
                if let Some(owner) = current.owner(&name) {
                    owners.insert(name.clone(), owner);
                }
                entries.insert(name, target);
            }
            namespace::Namespace::new(entries, can_register, owners)
        };
        // Mounts are part of the file tree: kept with the root file system.
        let keeps_root = match &created.view {
            Some(view) => !view.hidden.contains(namespace::ROOT_SCHEME),
            None => created.entries.contains_key(namespace::ROOT_SCHEME),
        };
        if keeps_root {
            created.mounts = current.mounts.clone();
        }
        drop(current);
        let created = Arc::new(spin::Mutex::new(created));
        process.fds.insert(Handle::new(Object::Namespace(created), rights::DUP | rights::SEND))
    })
}

/// Makes the namespace behind `fd` the caller's. A working directory held
/// on a scheme the new namespace does not reach is left (for `/`, which
/// resolves through the new namespace), so entering a narrower namespace
/// keeps no way out through the working directory.
pub fn namespace_enter(fd: usize) -> Result<usize> {
    let left = task::with(|tasks| {
        let process = tasks.current_process();
        let Object::Namespace(namespace) = &process.fds.get(fd, 0)?.object else {
            return Err(errno(error::EINVAL));
        };
        let namespace = namespace.clone();
        let outside = process.cwd.handle.as_ref().is_some_and(|cwd| !namespace::reaches(&namespace, &cwd.scheme));
        process.namespace = namespace;
        Ok(if outside {
            core::mem::replace(&mut process.cwd, WorkingDirectory { path: String::from("/"), handle: None }).handle
        } else {
            None
        })
    })?;
    if let Some(client) = left {
        release_client(client);
    }
    Ok(0)
}

/// `mount`: binds the directory `dirfd` names — a file-tree path, not `/`
/// — to the scheme whose endpoint the caller holds, in the caller's
/// namespace. Root only.
pub fn mount(dirfd: usize, endpoint: usize, description: usize, len: usize) -> Result<usize> {
    if len > namespace::MountDescription::MAX_LEN {
        return Err(errno(error::EINVAL));
    }
    let description =
        namespace::MountDescription::parse(&user::read_bytes(description, len)?).ok_or(errno(error::EINVAL))?;
    let (directory, scheme, server) = task::with(|tasks| {
        let process = tasks.current_process();
        if process.uid != 0 {
            return Err(errno(error::EPERM));
        }
        let Object::SchemeEndpoint(Endpoint(scheme)) = &process.fds.get(endpoint, 0)?.object else {
            return Err(errno(error::EINVAL));
        };
        let scheme = (**scheme).clone();
        process.fds.get(endpoint, rights::WRITE)?;
        let directory = process.fds.get(dirfd, rights::LOOKUP)?.object.clone();
        Ok((directory, scheme, process.pid))
    })?;
    let point = match directory {
        Object::SchemeHandle(client) => {
            if scheme_fstat(&client)?.st_mode & cairn_abi::MODE_TYPE != cairn_abi::MODE_DIR {
                return Err(errno(error::ENOTDIR));
            }
            client.path.clone()
        }
        Object::Directory { path, .. } => String::from(&*path),
        _ => return Err(errno(error::ENOTDIR)),
    };
    let in_file_tree = point != "/" && namespace::split(&point).is_ok_and(|(name, _)| name == namespace::ROOT_SCHEME);
    if !in_file_tree {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let mut namespace = tasks.current_process().namespace.lock();
        if namespace.mounts.iter().any(|mount| mount.point == point) {
            return Err(errno(error::EBUSY));
        }
        if namespace.mounts.len() >= namespace::MAX_MOUNTS {
            return Err(errno(error::ENOSPC));
        }
        namespace.mounts.try_reserve(1).map_err(|_| errno(error::ENOMEM))?;
        namespace.mounts.push(namespace::Mount { point, scheme, description, server });
        Ok(0)
    })
}

/// `unmount`: removes the mount at `path` (absolute, or from the working
/// directory) from the caller's namespace. Handles already open on it keep
/// working until closed. Root only.
pub fn unmount(path: usize, len: usize) -> Result<usize> {
    let path = user::read_path(path, len)?;
    task::with(|tasks| {
        let process = tasks.current_process();
        if process.uid != 0 {
            return Err(errno(error::EPERM));
        }
        let point = namespace::absolute(&process.cwd.path, &path);
        let mut namespace = process.namespace.lock();
        let index = namespace.mounts.iter().position(|mount| mount.point == point).ok_or(errno(error::EINVAL))?;
        namespace.mounts.remove(index);
        Ok(0)
    })
}

/// Opens an I/O port range and lets the caller's threads use it.
fn open_io_ports(name: &str) -> Result<Handle> {
    let range = crate::io_ports::PortRange::parse(name.trim_start_matches('/')).ok_or(errno(error::ENOENT))?;
    // PCI configuration space is the kernel's alone.
    if range.first <= *crate::pci::CONFIG_PORTS.end() && range.last >= *crate::pci::CONFIG_PORTS.start() {
        return Err(errno(error::EACCES));
    }
    if range.first <= console::serial::COM1 && range.last >= console::serial::COM1 {
        console::hand_over_serial();
    }
    let handle = Handle::new(Object::IoPorts(range), rights::DUP | rights::SEND);
    task::with(|tasks| {
        let process = tasks.current_process();
        let ranges = process.fds.port_ranges().chain(core::iter::once(range));
        process.io_permissions = crate::io_ports::IoPermissions::from_ranges(ranges);
        crate::percpu::current().set_io_permissions(process.io_permissions.as_deref());
    });
    Ok(handle)
}

/// The `sys` file that turns the machine off or restarts it (root only).
const POWER_FILE: &str = "power";

/// The root of the `sys` scheme, as a directory handle records it.
const SYS_DIRECTORY: &str = "/scheme/sys";

/// Opens a `sys` file: its text is generated now and read from then on;
/// or the power switch, for writing.
fn open_sys(name: &str, flags: usize) -> Result<Handle> {
    let name = name.trim_start_matches('/');
    if name.is_empty() {
        // The scheme's root is a directory listing its files, so `ls` and
        // `find` walk it like any other.
        if flags & O_ACCMODE != O_RDONLY {
            return Err(errno(error::EISDIR));
        }
        let entries = crate::sysinfo::FILES
            .iter()
            .chain(core::iter::once(&POWER_FILE))
            .map(|name| (String::from(*name), protocol::DIRENT_FILE))
            .collect();
        return Ok(directory(SYS_DIRECTORY, entries));
    }
    if flags & cairn_abi::O_DIRECTORY != 0 {
        return Err(errno(error::ENOTDIR));
    }
    if name == POWER_FILE {
        if task::with(|tasks| tasks.current_process().uid) != 0 {
            return Err(errno(error::EACCES));
        }
        return Ok(Handle::new(Object::PowerSwitch, access_rights(flags) & rights::WRITE));
    }
    if flags & O_ACCMODE != O_RDONLY {
        return Err(errno(error::EROFS));
    }
    let text = crate::sysinfo::render(name).ok_or(errno(error::ENOENT))?;
    Ok(Handle::new(
        Object::SysFile { data: Arc::from(text.into_bytes()), offset: 0 },
        rights::READ | rights::DUP | rights::SEND,
    ))
}

/// Opens a node of `/scheme/pci`: the directory of functions, a function's
/// directory, its `info` text or (root only) its raw `config` space. All
/// read-only: writing is `EROFS` (`EISDIR` for directories).
fn open_pci(path: &str, flags: usize) -> Result<Handle> {
    use crate::pci::Node;
    if let Some(name) = path.trim_matches('/').strip_suffix("/device") {
        return open_device_context(cairn_pci::Address::parse_file_name(name).ok_or(errno(error::ENOENT))?, flags);
    }
    let node = crate::pci::lookup(path).ok_or(errno(error::ENOENT))?;
    let writing = flags & O_ACCMODE != O_RDONLY;
    let data = match node {
        Node::Root(_) | Node::Function(_) if writing => return Err(errno(error::EISDIR)),
        Node::Root(names) => {
            let entries = names.into_iter().map(|name| (name, protocol::DIRENT_DIR)).collect();
            return Ok(directory("/scheme/pci", entries));
        }
        Node::Function(path) => {
            let entries = crate::pci::FUNCTION_FILES.iter().map(|f| (String::from(*f), protocol::DIRENT_FILE));
            return Ok(directory(&path, entries.collect()));
        }
        _ if writing => return Err(errno(error::EROFS)),
        _ if flags & cairn_abi::O_DIRECTORY != 0 => return Err(errno(error::ENOTDIR)),
        Node::Info(text) => text.into_bytes(),
        Node::Config(bytes) => {
            if task::with(|tasks| tasks.current_process().uid) != 0 {
                return Err(errno(error::EACCES));
            }
            bytes
        }
    };
    Ok(Handle::new(Object::SysFile { data: Arc::from(data), offset: 0 }, rights::READ | rights::DUP | rights::SEND))
}

/// The calling process as logs name it: `NAME (pid N)`.
fn caller_label() -> String {
    task::with(|tasks| {
        let process = tasks.current_process();
        alloc::format!("{} (pid {})", process.name, process.pid)
    })
}

/// Claims a PCI function (`/scheme/pci/NAME/device`): root only, opened
/// read-write.
fn open_device_context(address: cairn_pci::Address, flags: usize) -> Result<Handle> {
    if flags & O_ACCMODE != O_RDWR {
        return Err(errno(error::EINVAL));
    }
    let root = task::with(|tasks| tasks.current_process().uid == 0);
    if !root {
        return Err(errno(error::EACCES));
    }
    let context = DeviceContext::claim(address, caller_label())?;
    let granted = rights::READ | rights::WRITE | rights::LOOKUP | rights::DUP | rights::SEND;
    Ok(Handle::new(Object::DeviceContext(context), granted))
}

/// Opens a resource of a device context (`device_context::open`).
fn open_device_resource(context: &Arc<DeviceContext>, path: &str, flags: usize) -> Result<Handle> {
    let shared = rights::DUP | rights::SEND;
    Ok(match device_context::open(context, path, &caller_label())? {
        Resource::Memory { base, size } => {
            let granted = rights::READ | rights::WRITE | rights::MAP | shared;
            Handle::new(Object::DeviceMemory { _context: context.clone(), base, size }, granted)
        }
        Resource::Ports { first, count } => {
            let last = first.checked_add(count - 1).ok_or(errno(error::EIO))?;
            open_io_ports(&alloc::format!("{first:x}-{last:x}"))?
        }
        Resource::Interrupt(claim) => Handle::new(Object::Interrupt(Arc::new(claim)), access_rights(flags) | shared),
        Resource::Dma { bytes, below } => {
            let physical_below = if device_context::translated(context) { u64::MAX } else { below };
            let (pages, physical) =
                SharedPages::contiguous(bytes / FRAME_SIZE, physical_below).map_err(|_| errno(error::ENOMEM))?;
            let mapping = DeviceContext::map_dma(context, physical, bytes / FRAME_SIZE, below)?;
            let object =
                Object::DmaMemory { mapping: Arc::new(mapping), pages: Arc::new(spin::Mutex::new(pages)), size: bytes };
            Handle::new(object, rights::READ | rights::WRITE | rights::MAP | shared)
        }
        Resource::Control => Handle::new(Object::DeviceControl(context.clone()), rights::WRITE | shared),
    })
}

/// A file of a process or thread handle: only `sched-affinity`, which
/// anyone holding the handle may read (as on Linux) and only a holder of
/// its SIGNAL right — root, or the task's own user — may open for writing.
fn open_task_file(target: AffinityTarget, control: bool, path: &str, flags: usize) -> Result<Handle> {
    if path != affinity::FILE {
        return Err(errno(error::ENOENT));
    }
    let granted = access_rights(flags);
    if granted & rights::WRITE != 0 && !control {
        return Err(errno(error::EPERM));
    }
    task::with(|tasks| tasks.affinity(&target))?;
    Ok(Handle::new(Object::SchedAffinity(target), granted | rights::DUP | rights::SEND))
}

/// A command written to a device context's `control` file.
fn device_control(context: &DeviceContext, command: &[u8]) -> Result<()> {
    match command {
        b"bus-master on" => context.set_bus_master(true)?,
        b"bus-master off" => context.set_bus_master(false)?,
        b"reset" => {
            let deadline = super::thread::deadline_after(u128::from(context.reset()?) * 1000);
            while crate::arch::cpu::rdtsc() < deadline {
                let (_, interrupted) = block(WaitReason::Sleep, Some(deadline));
                if interrupted {
                    return Err(errno(error::EINTR));
                }
            }
            crate::pci::restore_after_reset(&context.function);
        }
        _ => return Err(errno(error::EINVAL)),
    }
    Ok(())
}

pub fn send_fd(handle: usize, fd: usize, mask: usize) -> Result<usize> {
    let mask = u32::try_from(mask).map_err(|_| errno(error::EINVAL))?;
    let (client, passed) = task::with(|tasks| -> Result<(Arc<ClientHandle>, Handle)> {
        let table = &mut tasks.current_process().fds;
        let Object::SchemeHandle(client) = &table.get(handle, rights::WRITE)?.object else {
            return Err(errno(error::EINVAL));
        };
        let client = client.clone();
        let passed = table.get(fd, rights::SEND)?;
        let copy = Handle { rights: passed.rights & mask, cloexec: false, ..passed.clone() };
        Ok((client, copy))
    })?;
    let call = Call { passed: Some(passed), ..Call::new(protocol::SENDFD, client.id, [0; 3], Vec::new(), 0) };
    reply_value(&scheme_call(&client.scheme, call)?)
}

pub fn chdir(path: usize, len: usize) -> Result<usize> {
    let fd = open_at(AT_FDCWD, &user::read_path(path, len)?, O_RDONLY | cairn_abi::O_DIRECTORY, 0)?;
    let changed = fchdir(fd);
    close(fd)?;
    changed
}

/// Makes the directory behind `fd` (which needs LOOKUP) the working
/// directory; a user scheme's directory is held open as long as it is.
pub fn fchdir(fd: usize) -> Result<usize> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, rights::LOOKUP).map(|h| h.object.clone()))?;
    let directory = match object {
        Object::SchemeHandle(client) => {
            if scheme_fstat(&client)?.st_mode & cairn_abi::MODE_TYPE != cairn_abi::MODE_DIR {
                return Err(errno(error::ENOTDIR));
            }
            WorkingDirectory { path: client.path.clone(), handle: Some(client) }
        }
        Object::Directory { path, .. } => WorkingDirectory { path: String::from(&*path), handle: None },
        _ => return Err(errno(error::ENOTDIR)),
    };
    let old = task::with(|tasks| core::mem::replace(&mut tasks.current_process().cwd, directory));
    if let Some(client) = old.handle {
        release_client(client);
    }
    Ok(0)
}

pub fn getcwd(buffer: usize, len: usize) -> Result<usize> {
    let cwd = task::with(|tasks| tasks.current_process().cwd.path.clone());
    if cwd.len() > len {
        return Err(errno(error::ERANGE));
    }
    // The whole buffer the caller offers must be writable (up to the
    // longest path), not only the part the path fills.
    user::check_destination(buffer, len.min(user::MAX_PATH))?;
    user::write_bytes(buffer, cwd.as_bytes())?;
    Ok(cwd.len())
}

/// `fcntl`: fd-table commands here; `F_GETFL`/`F_SETFL` of a scheme handle
/// also ask its server (for flags it keeps, such as `O_APPEND`).
pub fn fcntl(fd: usize, command: usize, argument: usize) -> Result<usize> {
    use cairn_abi::{F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC};
    let (object, access, data_rights) = task::with(|tasks| {
        let handle = tasks.current_process().fds.get(fd, 0)?;
        let data_rights = handle.rights & (rights::READ | rights::WRITE);
        let access = match data_rights {
            rights::READ => O_RDONLY,
            rights::WRITE => cairn_abi::O_WRONLY,
            _ => cairn_abi::O_RDWR,
        };
        Ok::<_, Error>((handle.object.clone(), access, data_rights))
    })?;
    let server_flags = |command: usize, flags: usize| match &object {
        Object::SchemeHandle(client) => {
            let call = Call::new(protocol::FCNTL, client.id, [command as u64, flags as u64, 0], Vec::new(), 0);
            reply_value(&scheme_call(&client.scheme, call)?)
        }
        _ => Ok(0),
    };
    match command {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let copy = Handle { cloexec: command == F_DUPFD_CLOEXEC, ..duplicate(fd, u32::MAX as usize)? };
            task::with(|tasks| tasks.current_process().fds.insert_from(argument, copy))
        }
        F_GETFD => task::with(|tasks| Ok(if tasks.current_process().fds.get(fd, 0)?.cloexec { FD_CLOEXEC } else { 0 })),
        F_SETFD => task::with(|tasks| {
            tasks.current_process().fds.get(fd, 0)?.cloexec = argument & FD_CLOEXEC != 0;
            Ok(0)
        }),
        F_GETFL => {
            let nonblocking = task::with(|tasks| tasks.current_process().fds.get(fd, 0).map(|h| h.nonblocking))?;
            let kept = server_flags(F_GETFL, 0)? & !(O_ACCMODE | O_NONBLOCK);
            Ok(access | kept | if nonblocking { O_NONBLOCK } else { 0 })
        }
        F_SETFL => {
            // The server's flags (`O_APPEND`) are shared by every fd of the
            // handle: changing them needs a data right.
            if data_rights == 0 && matches!(object, Object::SchemeHandle(_)) {
                return Err(errno(error::EBADF));
            }
            server_flags(F_SETFL, argument & !(O_ACCMODE | O_NONBLOCK))?;
            task::with(|tasks| {
                tasks.current_process().fds.get(fd, 0)?.nonblocking = argument & O_NONBLOCK != 0;
                Ok(0)
            })
        }
        _ => Err(errno(error::EINVAL)),
    }
}

pub fn pread(fd: usize, buffer: usize, len: usize, offset: usize) -> Result<usize> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, rights::READ).map(|h| h.object.clone()))?;
    let read_file = |data: &[u8]| {
        task::with(|tasks| read_at(tasks.current_process().space(), buffer, data, &mut (offset as u64), len))
    };
    match object {
        Object::InitfsFile { data, .. } => read_file(data),
        Object::SysFile { data, .. } => read_file(&data),
        Object::DeviceContext(context) => {
            let bytes = context.read_config(offset as u64, len.min(usize::from(context.config_size())));
            user::write_bytes(buffer, &bytes)?;
            Ok(bytes.len())
        }
        Object::SchemeHandle(client) => {
            user::check_destination(buffer, len.min(MAX_PAYLOAD))?;
            scheme_read_into(&client, buffer, len, Some(offset as u64))
        }
        _ => Err(errno(error::ESPIPE)),
    }
}

pub fn pwrite(fd: usize, buffer: usize, len: usize, offset: usize) -> Result<usize> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, rights::WRITE).map(|h| h.object.clone()))?;
    match object {
        Object::SchemeHandle(client) => scheme_write(&client, buffer, len, [0, offset as u64, protocol::POSITIONED]),
        Object::DeviceContext(context) => {
            let bytes = user::read_bytes(buffer, len.min(usize::from(context.config_size())))?;
            context.write_config(offset as u64, &bytes)
        }
        _ => Err(errno(error::ESPIPE)),
    }
}

/// A `WRITE` request with the caller's bytes; a server claiming to have
/// taken more than it was given is an `EIO`.
fn scheme_write(client: &ClientHandle, buffer: usize, len: usize, args: [u64; 3]) -> Result<usize> {
    let wanted = len.min(MAX_PAYLOAD);
    wait_for_room(&client.scheme, wanted)?;
    let data = user::read_bytes(buffer, wanted)?;
    let sent = data.len();
    let call = Call::new(protocol::WRITE, client.id, args, data, 0);
    let written = reply_value(&scheme_call(&client.scheme, call)?)?;
    if written > sent {
        return Err(errno(error::EIO));
    }
    Ok(written)
}

/// A `READ` request for up to `len` bytes; returns the data.
pub(super) fn scheme_read(client: &ClientHandle, len: usize, position: Option<u64>) -> Result<Vec<u8>> {
    let reply = scheme_call(&client.scheme, read_call(client, len, position))?;
    reply_value(&reply)?;
    Ok(reply.payload)
}

/// `READ` of up to `len` bytes (at `position`, or the handle's own)
/// for the kernel's use.
fn read_call(client: &ClientHandle, len: usize, position: Option<u64>) -> Call {
    let wanted = len.min(MAX_PAYLOAD);
    let args = match position {
        Some(offset) => [wanted as u64, offset, protocol::POSITIONED],
        None => [wanted as u64, 0, 0],
    };
    Call::new(protocol::READ, client.id, args, Vec::new(), wanted)
}

/// `read`/`pread` of a scheme handle into the caller's `buffer` (checked
/// writable before): the server's answer is copied straight there when it
/// can be, else through the kernel. Returns the bytes read.
fn scheme_read_into(client: &ClientHandle, buffer: usize, len: usize, position: Option<u64>) -> Result<usize> {
    let call = Call { destination: Some(buffer as u64), ..read_call(client, len, position) };
    let reply = scheme_call(&client.scheme, call)?;
    reply_value(&reply)?;
    if let Some(delivered) = reply.delivered {
        return Ok(delivered);
    }
    user::write_bytes(buffer, &reply.payload)?;
    Ok(reply.payload.len())
}

/// Stores a new scheme handle; if the table is full the server still hears
/// that the handle is gone.
fn insert_scheme_handle(handle: Handle) -> Result<usize> {
    task::with(|tasks| {
        if !tasks.current_process().fds.has_room() {
            let caller = tasks.caller();
            tasks.release_handles(alloc::vec![handle], caller);
            return Err(errno(error::EMFILE));
        }
        tasks.current_process().fds.insert(handle)
    })
}

pub fn scheme_dup(fd: usize, payload: usize, len: usize) -> Result<usize> {
    let (client, granted) = task::with(|tasks| -> Result<(Arc<ClientHandle>, u32)> {
        let handle = tasks.current_process().fds.get(fd, rights::DUP)?;
        match &handle.object {
            Object::SchemeHandle(client) => Ok((client.clone(), handle.rights)),
            _ => Err(errno(error::EINVAL)),
        }
    })?;
    let wanted = len.min(MAX_PAYLOAD);
    wait_for_room(&client.scheme, wanted)?;
    let request = user::read_bytes(payload, wanted)?;
    let call = Call { accepts_fd: true, ..Call::new(protocol::DUP, client.id, [0; 3], request, 0) };
    let reply = scheme_call(&client.scheme, call)?;
    let id = reply_value(&reply)? as u64;
    let handle = match reply.passed {
        Some(passed) => passed,
        None => {
            let opener = task::with(|tasks| tasks.caller());
            let derived = ClientHandle::new(client.scheme.clone(), id, client.path.clone(), opener);
            Handle::new(Object::SchemeHandle(Arc::new(derived)), granted)
        }
    };
    insert_scheme_handle(handle)
}
