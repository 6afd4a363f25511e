//! The window protocol's server side (scheme `display`, DESKTOP.md).
//! Each open of `window` is one window: its first write creates it (size
//! and title; a malformed or oversized request is `EINVAL`), `mmap` of
//! the handle gets the buffer (a memory object made here and mapped here
//! too), later writes commit damage or retitle it, and reads return its
//! events — waiting while there are none. The last close (the client
//! closed it or died) takes the window away. `mode` reads the screen's
//! mode and, written `WxH`, changes it.

use cairn_compositor::{Desktop, Outgoing, WindowId};
use cairn_display_mode::Mode;
use cairn_rt::abi::error::{EBADF, EBUSY, EINVAL, EISDIR, ENOENT, ENOMEM, ESPIPE};
use cairn_rt::abi::scheme::{self as op, Request};
use cairn_rt::abi::{EVENT_READ, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::fd::OwnedFd;
use cairn_rt::scheme::Server;
use cairn_rt::sys::{MapFlags, PAGE_SIZE, memory_create, mmap, munmap};
use cairn_rt::{Vec, eprintln, format};
use cairn_winproto::{EVENT_SIZE, EventQueue, Request as WindowRequest};

use crate::screen::Screen;

/// Events kept for a client that does not read; older ones are dropped.
const MAX_QUEUED: usize = 256;
/// Bytes all window buffers together may take (a 4096x4096 window takes
/// 64 MiB: two fit beside smaller ones, three do not); a `Create` past it
/// is `ENOMEM`.
const MAX_BUFFER_BYTES: usize = 160 << 20;

/// A window's buffer: the memory object and its mapping here.
struct Buffer {
    memory: OwnedFd,
    base: usize,
    len: usize,
    pixels: usize,
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: the mapping is this buffer's alone; the compositor
        // borrows its pixels only while the server holds the buffer.
        let _ = unsafe { munmap(self.base, self.len) };
    }
}

/// A client's window handle.
struct ClientWindow {
    buffer: Option<Buffer>,
    events: EventQueue,
    /// A read waiting for events: its request id and the bytes it wants.
    waiting: Option<(u64, usize)>,
    watched: bool,
}

enum Handle {
    /// The scheme's root directory.
    Root,
    Window(ClientWindow),
    Mode {
        position: u64,
    },
}

/// The scheme's state.
pub struct Windows {
    handles: BTreeMap<u64, Handle>,
    next_handle: u64,
}

type Answer = Option<(Result<usize, i32>, Vec<u8>)>;

fn value(result: Result<usize, i32>) -> Answer {
    Some((result, Vec::new()))
}

impl Windows {
    pub fn new() -> Windows {
        Windows { handles: BTreeMap::new(), next_handle: 1 }
    }

    /// The pixels of window `id`, if it has a buffer.
    pub fn pixels(&self, id: WindowId) -> Option<&[u32]> {
        match self.handles.get(&id.0) {
            Some(Handle::Window(ClientWindow { buffer: Some(buffer), .. })) => {
                // SAFETY: `base` maps `len` bytes, at least `pixels` u32s,
                // readable, for as long as the buffer lives (it lives in
                // `self`, which this borrow keeps). The client may write
                // them meanwhile: pixels are plain integers, any value is valid.
                Some(unsafe { core::slice::from_raw_parts(buffer.base as *const u32, buffer.pixels) })
            }
            _ => None,
        }
    }

    /// Bytes the window buffers take now.
    fn buffer_bytes(&self) -> usize {
        let buffers = self.handles.values().filter_map(|handle| match handle {
            Handle::Window(ClientWindow { buffer: Some(buffer), .. }) => Some(buffer.len),
            _ => None,
        });
        buffers.sum()
    }

    /// Queues each event for its window and answers waiting reads.
    pub fn deliver(&mut self, events: Outgoing, server: &Server) {
        for (id, event) in events {
            if let Some(Handle::Window(window)) = self.handles.get_mut(&id.0) {
                window.events.push(event);
                Windows::answer_read(id.0, window, server);
            }
        }
    }

    fn answer_read(handle: u64, window: &mut ClientWindow, server: &Server) {
        if window.events.is_empty() {
            return;
        }
        if window.watched {
            let _ = server.post_event(handle, EVENT_READ);
        }
        let Some((id, wanted)) = window.waiting.take() else { return };
        // Reads smaller than an event were refused before they waited.
        let bytes = window.events.take(wanted).unwrap_or_default();
        let _ = server.respond(id, Ok(bytes.len()), &bytes);
    }

    fn add(&mut self, handle: Handle) -> usize {
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(id, handle);
        id as usize
    }

    /// Serves one request; `None` when the answer is deferred or none is due.
    pub fn serve(
        &mut self,
        request: &Request,
        payload: &[u8],
        server: &Server,
        desktop: &mut Desktop,
        screen: &mut Screen,
    ) -> Answer {
        if request.opcode == op::OPEN {
            return match core::str::from_utf8(payload).unwrap_or("").trim_matches('/') {
                "" => value(Ok(self.add(Handle::Root))),
                "window" => {
                    let window = ClientWindow {
                        buffer: None,
                        events: EventQueue::new(MAX_QUEUED),
                        waiting: None,
                        watched: false,
                    };
                    value(Ok(self.add(Handle::Window(window))))
                }
                "mode" => value(Ok(self.add(Handle::Mode { position: 0 }))),
                _ => value(Err(ENOENT)),
            };
        }
        if request.opcode == op::CLOSE {
            if let Some(Handle::Window(_)) = self.handles.remove(&request.handle) {
                let events = desktop.remove(WindowId(request.handle));
                self.deliver(events, server);
            }
            return None;
        }
        let handle = request.handle;
        let room = MAX_BUFFER_BYTES.saturating_sub(self.buffer_bytes());
        match self.handles.get_mut(&handle) {
            None => (request.opcode != op::CANCEL).then(|| (Err(EBADF), Vec::new())),
            Some(Handle::Root) => match request.opcode {
                op::FSTAT => stat(0o040000 | 0o555),
                op::CANCEL => None,
                _ => value(Err(EISDIR)),
            },
            Some(Handle::Mode { position }) => match request.opcode {
                op::READ => {
                    let text = format!("{}\n", screen.mode()).into_bytes();
                    let part = text.get(*position as usize..).unwrap_or(&[]);
                    let part = &part[..part.len().min(request.args[0] as usize)];
                    *position += part.len() as u64;
                    Some((Ok(part.len()), part.to_vec()))
                }
                op::WRITE => value(set_mode(payload, desktop, screen).map(|()| payload.len())),
                op::FSTAT => stat(0o020000 | 0o666),
                op::FCNTL | op::FTRUNCATE | op::FSYNC => value(Ok(0)),
                op::CANCEL => None,
                _ => value(Err(EINVAL)),
            },
            Some(Handle::Window(window)) => match request.opcode {
                op::WRITE => {
                    let (result, events) =
                        match window_request(handle, window, payload, request.caller_pid, room, desktop) {
                            Ok((written, events)) => (Ok(written), events),
                            Err(errno) => (Err(errno), Outgoing::new()),
                        };
                    self.deliver(events, server);
                    value(result)
                }
                op::MMAP => {
                    let (offset, len) = (request.args[0] as usize, request.args[1] as usize);
                    match &window.buffer {
                        Some(buffer) if offset == 0 && len <= buffer.len => {
                            match server.respond_fd(request.id, &buffer.memory) {
                                Ok(()) => None,
                                Err(e) => value(Err(e.errno().unwrap_or(EINVAL))),
                            }
                        }
                        _ => value(Err(EINVAL)),
                    }
                }
                op::READ if (request.args[0] as usize) < EVENT_SIZE => value(Err(EINVAL)),
                op::READ => {
                    window.waiting = Some((request.id, request.args[0] as usize));
                    Windows::answer_read(handle, window, server);
                    None
                }
                op::CANCEL => {
                    if window.waiting.is_some_and(|(id, _)| id == request.args[0]) {
                        window.waiting = None;
                    }
                    None
                }
                op::FEVENT => {
                    window.watched = true;
                    value(Ok(if window.events.is_empty() { 0 } else { EVENT_READ as usize }))
                }
                op::FSTAT => stat(0o020000 | 0o666),
                op::FCNTL | op::FSYNC => value(Ok(0)),
                op::LSEEK => value(Err(ESPIPE)),
                _ => value(Err(EINVAL)),
            },
        }
    }
}

/// A `Stat` with `mode` (file type and permissions).
fn stat(mode: u16) -> Answer {
    let stat = Stat { st_mode: mode, st_blksize: 4096, ..Stat::default() };
    Some((Ok(0), (*stat).to_vec()))
}

/// Changes the screen's mode to the `WxH` in `payload`.
fn set_mode(payload: &[u8], desktop: &mut Desktop, screen: &mut Screen) -> Result<(), i32> {
    let mode = core::str::from_utf8(payload).ok().and_then(|t| Mode::parse(t).ok()).ok_or(EINVAL)?;
    screen.set_mode(mode).map_err(|e| {
        eprintln!("displayd: {e}");
        EINVAL
    })?;
    desktop.resize(mode.width, mode.height);
    cairn_rt::println!("displayd: mode {mode}");
    Ok(())
}

/// A client's write to its window handle.
fn window_request(
    handle: u64,
    window: &mut ClientWindow,
    payload: &[u8],
    pid: u32,
    room: usize,
    desktop: &mut Desktop,
) -> Result<(usize, Outgoing), i32> {
    let request = WindowRequest::decode(payload).map_err(|e| {
        eprintln!("displayd: pid {pid} sent a malformed request: {e:?}");
        EINVAL
    })?;
    let id = WindowId(handle);
    match request {
        WindowRequest::Create { .. } if window.buffer.is_some() => return Err(EBUSY),
        WindowRequest::Create { width, height, title } => {
            let pixels = width as usize * height as usize;
            let len = (pixels * 4).next_multiple_of(PAGE_SIZE);
            if len > room {
                eprintln!("displayd: pid {pid} asked for a {width}x{height} window; window buffers are at their limit");
                return Err(ENOMEM);
            }
            let memory = memory_create(len).map_err(|_| ENOMEM)?;
            let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
            // SAFETY: the kernel chooses where to map (no MAP_FIXED).
            let base = unsafe { mmap(0, len, flags, memory.as_raw(), 0) }.map_err(|_| ENOMEM)?;
            window.buffer = Some(Buffer { memory, base, len, pixels });
            return Ok((payload.len(), desktop.add(id, title, width, height)));
        }
        WindowRequest::Commit { damage } if window.buffer.is_some() => desktop.commit(id, &damage),
        WindowRequest::SetTitle { title } if window.buffer.is_some() => desktop.set_title(id, title),
        _ => return Err(EINVAL),
    }
    Ok((payload.len(), Outgoing::new()))
}
