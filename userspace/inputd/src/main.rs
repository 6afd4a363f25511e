//! `inputd`: the input server, the one owner of the PS/2 controller
//! ([`i8042`]: keyboard and IntelliMouse with wheel). It decodes the
//! keys in the chosen layout (`cairn-input`'s key maps: `us`, `de`,
//! `fr`) and hands keys and mouse reports to the active virtual console
//! only; Ctrl-Alt-Fn switches consoles (`cairn_input::Router`). Serves
//! scheme `input` (DESKTOP.md, "The input server"):
//!
//! - `vt/N` (N 1-12): opening it attaches virtual console N (`EBUSY` if
//!   held); reads return whole 16-byte `cairn_input::InputEvent`s and
//!   never wait (`EAGAIN` when none is queued: watch the handle with
//!   `FEVENT`); the last close detaches the console.
//! - `active`: reads the active console's number; writing a number
//!   switches to it (`ENOENT` if no one holds it).
//! - `layout`: reads the layout's name; writing one changes it.
//!
//! `inputd [--layout NAME]`: the layout comes from the option, else from
//! the settings file `/etc/keymap` (one name), else `us`.
//!
//! Depends on `cairn-rt`, `cairn-input` and `cairn-ps2`.
#![no_std]
#![no_main]

mod i8042;

use cairn_input::{EVENT_SIZE, Keyboard, Layout, Router, RouterError, Vt};
use cairn_ps2::MouseDecoder;
use cairn_rt::abi::error::{EAGAIN, EBADF, EBUSY, EINVAL, EISDIR, ENOENT};
use cairn_rt::abi::scheme::{self as op, Request};
use cairn_rt::abi::{EVENT_READ, Event as QueueEvent, O_NONBLOCK, Stat};
use cairn_rt::collections::{BTreeMap, VecDeque};
use cairn_rt::events::EventQueue;
use cairn_rt::scheme::Server;
use cairn_rt::{String, Vec, eprintln, format, println};

use i8042::{Byte, Ps2};

cairn_rt::main!(main);

/// The settings file naming the layout.
const KEYMAP_FILE: &str = "/etc/keymap";
/// Events kept for a console that does not read; older ones are dropped.
const MAX_QUEUED: usize = 256;
/// Event-queue tags: the endpoint; interrupt line N of the controller is `INPUT + N`.
const REQUESTS: u64 = 0;
const INPUT: u64 = 1;

type Answer = Option<(Result<usize, i32>, Vec<u8>)>;

fn value(result: Result<usize, i32>) -> Answer {
    Some((result, Vec::new()))
}

/// A virtual console's handle: its queued events, whether it is watched.
struct Console {
    vt: Vt,
    events: VecDeque<[u8; EVENT_SIZE]>,
    watched: bool,
}

/// The small text files: which one, and how far it was read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    Active,
    Layout,
}

enum Handle {
    Root,
    Console(Console),
    Setting { setting: Setting, position: u64 },
}

struct State {
    handles: BTreeMap<u64, Handle>,
    next_handle: u64,
    router: Router,
    keyboard: Keyboard,
    mouse: MouseDecoder,
}

impl State {
    fn add(&mut self, handle: Handle) -> usize {
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(id, handle);
        id as usize
    }

    /// Queues each event for its console's handle and tells a watcher.
    fn deliver(&mut self, delivery: cairn_input::Delivery, server: &Server) {
        for (vt, event) in delivery {
            let found = self.handles.iter_mut().find_map(|(&id, handle)| match handle {
                Handle::Console(console) if console.vt == vt => Some((id, console)),
                _ => None,
            });
            let Some((id, console)) = found else { continue };
            if console.events.len() == MAX_QUEUED {
                console.events.pop_front();
            }
            console.events.push_back(event.encode());
            if console.watched {
                let _ = server.post_event(id, EVENT_READ);
            }
        }
    }

    /// Decodes what the controller handed over and routes it.
    fn input(&mut self, bytes: &[Byte], server: &Server) {
        for &byte in bytes {
            let delivery = match byte {
                Byte::Keyboard(byte) => self.keyboard.push(byte).map(|key| self.router.key(key)),
                Byte::Mouse(byte) => self.mouse.push(byte).map(|report| self.router.mouse(report)),
            };
            if let Some(delivery) = delivery {
                self.deliver(delivery, server);
            }
        }
    }

    fn setting_text(&self, setting: Setting) -> String {
        match setting {
            Setting::Active => self.router.active().map_or(String::from("none\n"), |vt| format!("{}\n", vt.number())),
            Setting::Layout => format!("{}\n", self.keyboard.layout().name()),
        }
    }

    fn write_setting(&mut self, setting: Setting, payload: &[u8], server: &Server) -> Result<usize, i32> {
        let text = core::str::from_utf8(payload).map_err(|_| EINVAL)?;
        match setting {
            Setting::Active => {
                let vt = text.trim().parse().ok().and_then(Vt::new).ok_or(EINVAL)?;
                let delivery = self.router.switch(vt).map_err(|_| ENOENT)?;
                self.deliver(delivery, server);
            }
            Setting::Layout => {
                let layout = Layout::parse(text).map_err(|_| EINVAL)?;
                self.keyboard.set_layout(layout);
                println!("inputd: layout {}", layout.name());
            }
        }
        Ok(payload.len())
    }

    fn open(&mut self, path: &str, server: &Server) -> Answer {
        let path = path.trim_matches('/');
        if let Some(number) = path.strip_prefix("vt/") {
            let Some(vt) = number.parse().ok().and_then(Vt::new) else { return value(Err(ENOENT)) };
            return match self.router.attach(vt) {
                Ok(delivery) => {
                    let id = self.add(Handle::Console(Console { vt, events: VecDeque::new(), watched: false }));
                    self.deliver(delivery, server);
                    value(Ok(id))
                }
                Err(RouterError::Taken | RouterError::NoConsole) => value(Err(EBUSY)),
            };
        }
        let handle = match path {
            "" => Handle::Root,
            "active" => Handle::Setting { setting: Setting::Active, position: 0 },
            "layout" => Handle::Setting { setting: Setting::Layout, position: 0 },
            _ => return value(Err(ENOENT)),
        };
        value(Ok(self.add(handle)))
    }

    /// Serves one request; `None` when no answer is due.
    fn serve(&mut self, request: &Request, payload: &[u8], server: &Server) -> Answer {
        if request.opcode == op::OPEN {
            return self.open(core::str::from_utf8(payload).unwrap_or(""), server);
        }
        if request.opcode == op::CLOSE {
            if let Some(Handle::Console(console)) = self.handles.remove(&request.handle) {
                let delivery = self.router.detach(console.vt);
                self.deliver(delivery, server);
            }
            return None;
        }
        let text = match self.handles.get(&request.handle) {
            Some(Handle::Setting { setting, .. }) => Some(self.setting_text(*setting)),
            _ => None,
        };
        match self.handles.get_mut(&request.handle) {
            None => (request.opcode != op::CANCEL).then(|| (Err(EBADF), Vec::new())),
            Some(Handle::Root) => match request.opcode {
                op::FSTAT => stat(0o040000 | 0o555),
                op::CANCEL => None,
                _ => value(Err(EISDIR)),
            },
            Some(Handle::Console(console)) => match request.opcode {
                op::READ if (request.args[0] as usize) < EVENT_SIZE => value(Err(EINVAL)),
                op::READ => {
                    let count = (request.args[0] as usize / EVENT_SIZE).min(console.events.len());
                    let bytes: Vec<u8> = console.events.drain(..count).flatten().collect();
                    // Readiness is level-triggered: a drained console is
                    // no longer readable, or its reader's queue would spin.
                    if console.watched && console.events.is_empty() {
                        let _ = server.post_event(request.handle, 0);
                    }
                    let result = if bytes.is_empty() { Err(EAGAIN) } else { Ok(bytes.len()) };
                    Some((result, bytes))
                }
                op::FEVENT => {
                    console.watched = true;
                    value(Ok(if console.events.is_empty() { 0 } else { EVENT_READ as usize }))
                }
                op::FSTAT => stat(0o020000 | 0o600),
                op::FCNTL | op::FSYNC => value(Ok(0)),
                op::CANCEL => None,
                _ => value(Err(EINVAL)),
            },
            Some(Handle::Setting { setting, position }) => match request.opcode {
                op::READ => {
                    let text = text.unwrap_or_default().into_bytes();
                    let part = text.get(*position as usize..).unwrap_or(&[]);
                    let part = &part[..part.len().min(request.args[0] as usize)];
                    *position += part.len() as u64;
                    Some((Ok(part.len()), part.to_vec()))
                }
                op::WRITE => {
                    let setting = *setting;
                    value(self.write_setting(setting, payload, server))
                }
                op::FSTAT => stat(0o100000 | 0o644),
                op::FCNTL | op::FTRUNCATE | op::FSYNC => value(Ok(0)),
                op::CANCEL => None,
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

/// The layout: `--layout NAME`, else the settings file, else US.
fn layout() -> Result<Layout, String> {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let (name, from) = match args.as_slice() {
        [] => match cairn_rt::fs::read(KEYMAP_FILE) {
            Ok(bytes) => (String::from_utf8_lossy(&bytes).into_owned(), KEYMAP_FILE),
            Err(_) => return Ok(Layout::Us),
        },
        [option, name] if option == "--layout" => (name.clone(), "--layout"),
        _ => return Err(String::from("usage: inputd [--layout us|de|fr]")),
    };
    Layout::parse(&name).map_err(|_| format!("{from}: unknown layout {:?} (us, de or fr)", name.trim()))
}

fn run() -> Result<(), String> {
    let layout = layout()?;
    let (ps2, mouse) = Ps2::claim()?;
    let wheel = mouse.unwrap_or_else(|e| {
        eprintln!("inputd: no mouse: {e}");
        false
    });
    let server = Server::create("input").map_err(|e| format!("cannot register scheme input: {e}"))?;
    let queue = EventQueue::new()
        .and_then(|queue| {
            server.endpoint().set_flags(O_NONBLOCK)?;
            queue.watch(server.endpoint().as_raw(), EVENT_READ, REQUESTS)?;
            for (index, fd) in ps2.interrupt_fds().into_iter().enumerate() {
                queue.watch(fd, EVENT_READ, INPUT + index as u64)?;
            }
            Ok(queue)
        })
        .map_err(|e| format!("cannot set up the event queue: {e}"))?;
    println!(
        "inputd: layout {}, mouse {}; serving scheme input",
        layout.name(),
        if wheel { "with wheel" } else { "without wheel" }
    );
    let mut state = State {
        handles: BTreeMap::new(),
        next_handle: 1,
        router: Router::new(),
        keyboard: Keyboard::new(layout),
        mouse: MouseDecoder::new(wheel),
    };
    let mut events = [QueueEvent::default(); 4];
    loop {
        let count = queue.wait(&mut events, None).map_err(|e| format!("waiting for events: {e}"))?;
        for event in &events[..count] {
            if let Some(line) = event.data.checked_sub(INPUT) {
                ps2.acknowledge(line as usize);
            }
        }
        state.input(&ps2.receive(), &server);
        while let Ok(incoming) = server.next() {
            if let Some((result, payload)) = state.serve(&incoming.request, &incoming.payload, &server) {
                let _ = server.respond(incoming.request.id, result, &payload);
            }
        }
    }
}

fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("inputd: {e}");
            1
        }
    }
}
