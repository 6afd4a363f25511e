//! `termd`: the terminal server. It drives its devices from user space
//! (ports, interrupt lines and the framebuffer are capabilities init gives
//! it): COM1 ([`uart`]) and the screen console, the framebuffer
//! ([`display`], a VT100/ANSI screen in an 8x13 font) with the PS/2
//! keyboard ([`keyboard`]). Each runs a `cairn-term` line discipline
//! (canonical and raw modes, echo, erase/kill/word-erase, ^C/^\/^Z to the
//! foreground process group, ^D). It serves scheme `tty`:
//! `/scheme/tty/serial`, `/scheme/tty/screen` and `/scheme/tty/screen2` are the terminals, and
//! opening `/scheme/tty/ptmx` makes a pseudo-terminal: the fd is its master
//! (reading gets what the terminal shows, writing types into it; closing
//! it hangs the terminal up), `scheme_dup(master, "ptsname")` reads back the
//! path of its terminal side, `/scheme/tty/pty/N`.
//! Control handles derived from a terminal fd with `scheme_dup` carry its
//! settings: `termios` (the 60-byte Linux layout), `pgrp` (the foreground
//! process group, a `u32`) and `winsize` (rows, columns, x and y pixels as
//! `u16`s); each is read or written whole.
//!
//! `termd [--scheme NAME] [serial] [screen] [screen2]` serves the devices named (a
//! missing one is skipped with a message) and pseudo-terminals, as scheme
//! NAME (default `tty`; then it also links `/dev/ttyS0`, `/dev/tty1`,
//! `/dev/tty2` and `/dev/ptmx` to them). Reads wait (the answer is deferred) until the
//! discipline has data; a read from outside the foreground process group
//! raises SIGTTIN, a write from there under TOSTOP SIGTTOU. One event loop
//! serves requests and interrupts, with a timeout for the first `VTIME`
//! timer to run out.
//!
//! Depends on `cairn-rt`, `cairn-term`, `cairn-input` and
//! `embedded-graphics`.
#![no_std]
#![no_main]

mod console;
mod device;
mod display;
mod ports;
mod terminal;
mod uart;

use cairn_rt::abi::error::{EBADF, EEXIST, EINVAL, ENOENT, ESPIPE};
use cairn_rt::abi::scheme::{self as op, Request};
use cairn_rt::abi::{EVENT_READ, Event, O_NONBLOCK, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::events::EventQueue;
use cairn_rt::scheme::Server;
use cairn_rt::{String, Vec, env, eprintln, format};

use device::Device;
use terminal::{Answer, ControlKind, Terminal};

cairn_rt::main!(main);

/// What a handle of the scheme is, on terminal `terminal` (by index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HandleKind {
    terminal: usize,
    role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The terminal itself (a pseudo-terminal's terminal side).
    Terminal,
    /// One of its settings.
    Control(ControlKind),
    /// A pseudo-terminal's master.
    Master,
    /// Reads the path of a pseudo-terminal's terminal side.
    PtyName,
}

/// Character-device type bits of `st_mode`.
const MODE_CHARACTER_DEVICE: u16 = 0o020000;

fn value(result: Result<usize, i32>) -> Option<Answer> {
    Some((result, Vec::new()))
}

struct Terminals {
    /// The scheme name served (for pseudo-terminal paths).
    scheme: String,
    terminals: Vec<Terminal>,
    handles: BTreeMap<u64, HandleKind>,
    next_handle: u64,
}

impl Terminals {
    fn add_handle(&mut self, kind: HandleKind) -> usize {
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(id, kind);
        id as usize
    }

    /// Serves one request; `None` when the answer comes later (or never).
    fn serve(&mut self, request: &Request, payload: &[u8], server: &Server) -> Option<Answer> {
        if request.opcode == op::OPEN {
            let name = core::str::from_utf8(payload).unwrap_or("").trim_start_matches('/');
            if name == "ptmx" {
                let terminal = self.terminals.len();
                let pty = Terminal::new(format!("pty/{terminal}"), Device::Pty(Default::default()));
                self.terminals.push(pty);
                return value(Ok(self.add_handle(HandleKind { terminal, role: Role::Master })));
            }
            let Some(terminal) = self.terminals.iter().position(|t| t.name == name || name.is_empty()) else {
                return value(Err(ENOENT));
            };
            let handle = self.add_handle(HandleKind { terminal, role: Role::Terminal });
            let _ = server.respond_terminal(request.id, handle as u64);
            return None;
        }
        let Some(&kind) = self.handles.get(&request.handle) else {
            return (request.opcode != op::CLOSE && request.opcode != op::CANCEL).then(|| (Err(EBADF), Vec::new()));
        };
        if request.opcode == op::CLOSE {
            self.handles.remove(&request.handle);
            let master_left = self.handles.values().any(|h| h.terminal == kind.terminal && h.role == Role::Master);
            let terminal = &mut self.terminals[kind.terminal];
            terminal.unwatch(request.handle);
            if kind.role == Role::Master && !master_left {
                terminal.hang_up(server);
            }
            return None;
        }
        let terminal = &mut self.terminals[kind.terminal];
        match (request.opcode, kind.role) {
            (op::READ, Role::Terminal) => {
                terminal.read(request.id, request.args[0] as usize, request.caller_pid, server)
            }
            (op::READ, Role::Master) => terminal.master_read(request.id, request.args[0] as usize, server),
            (op::READ, Role::Control(control)) => {
                let data = terminal.control_read(control);
                Some((Ok(data.len()), data))
            }
            (op::READ, Role::PtyName) => {
                let path = format!("/scheme/{}/{}", self.scheme, terminal.name).into_bytes();
                Some((Ok(path.len()), path))
            }
            (op::WRITE, Role::Terminal) => value(terminal.output(payload, request.caller_pid, server)),
            (op::WRITE, Role::Master) => {
                terminal.master_write(payload, server);
                value(Ok(payload.len()))
            }
            (op::WRITE, Role::Control(control)) => {
                let result = terminal.control_write(control, payload);
                terminal.answer_reads(server);
                value(result)
            }
            (op::DUP, Role::Terminal | Role::Master) => {
                let role = match payload {
                    b"termios" => Role::Control(ControlKind::Termios),
                    b"pgrp" => Role::Control(ControlKind::ForegroundGroup),
                    b"winsize" => Role::Control(ControlKind::WindowSize),
                    b"ptsname" if kind.role == Role::Master => Role::PtyName,
                    b"" => kind.role,
                    _ => return value(Err(EINVAL)),
                };
                value(Ok(self.add_handle(HandleKind { role, ..kind })))
            }
            (op::FSTAT, _) => {
                let stat = Stat { st_mode: MODE_CHARACTER_DEVICE | 0o620, st_blksize: 1024, ..Stat::default() };
                let bytes = &*stat;
                Some((Ok(0), bytes.to_vec()))
            }
            (op::FEVENT, Role::Terminal) => value(Ok(terminal.watch(request.handle) as usize)),
            // No flags of its own; nothing buffered.
            (op::FCNTL | op::FSYNC, _) => value(Ok(0)),
            (op::LSEEK, _) => value(Err(ESPIPE)),
            (op::CANCEL, _) => {
                terminal.cancel(request.args[0]);
                None
            }
            _ => value(Err(EINVAL)),
        }
    }
}

/// Claims the device `name` names.
fn claim(name: &str) -> cairn_rt::Result<Device> {
    match name {
        "serial" => Ok(Device::Serial(uart::Uart::claim()?)),
        "screen" | "screen2" => {
            let vt = if name == "screen" { 1 } else { 2 };
            let console = console::Console::attach(vt)?;
            let display = display::Display::claim()?;
            Ok(Device::Screen { display: cairn_rt::Box::new(display), console })
        }
        _ => Err(cairn_rt::Error::from_errno(ENOENT)),
    }
}

/// The `/dev` names of the terminals (as Linux names them), and of the
/// pseudo-terminal multiplexer.
const DEVICE_NAMES: [(&str, &str); 4] =
    [("serial", "ttyS0"), ("screen", "tty1"), ("screen2", "tty2"), ("ptmx", "ptmx")];

/// Adds `/dev` links to the terminals served as scheme `tty` (a restarted
/// termd finds them there already).
fn link_devices(terminals: &[Terminal]) {
    let served = |name: &str| name == "ptmx" || terminals.iter().any(|t| t.name == name);
    for (name, device) in DEVICE_NAMES.iter().filter(|(name, _)| served(name)) {
        let link = format!("/dev/{device}");
        match cairn_rt::fs::symlink(&format!("/scheme/tty/{name}"), &link) {
            Err(e) if e.errno() != Some(EEXIST) => eprintln!("termd: cannot link {link}: {e}"),
            _ => {}
        }
    }
}

/// Event-queue tag of the endpoint; terminal `n`'s interrupt is `n + 1`.
const REQUESTS: u64 = 0;

fn main() -> i32 {
    let mut names: Vec<String> = env::args().skip(1).collect();
    let scheme = match names.iter().position(|n| n == "--scheme") {
        Some(at) if at + 1 < names.len() => {
            let scheme = names.remove(at + 1);
            names.remove(at);
            scheme
        }
        _ => String::from("tty"),
    };
    let mut terminals = Vec::new();
    for name in names {
        match claim(&name) {
            Ok(device) => terminals.push(Terminal::new(name, device)),
            Err(e) => eprintln!("termd: no {name} terminal: {e}"),
        }
    }
    let server = match Server::create(&scheme) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("termd: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    if scheme == "tty" {
        link_devices(&terminals);
    }
    let queue = EventQueue::new().and_then(|queue| {
        server.endpoint().set_flags(O_NONBLOCK)?;
        queue.watch(server.endpoint().as_raw(), EVENT_READ, REQUESTS)?;
        for (index, terminal) in terminals.iter().enumerate() {
            if let Some(fd) = terminal.device.interrupt_fd() {
                queue.watch(fd, EVENT_READ, index as u64 + 1)?;
            }
        }
        Ok(queue)
    });
    let queue = match queue {
        Ok(queue) => queue,
        Err(e) => {
            eprintln!("termd: cannot set up its event queue: {e}");
            return 1;
        }
    };
    let mut state = Terminals { scheme, terminals, handles: BTreeMap::new(), next_handle: 1 };
    let mut events = [Event::default(); 4];
    loop {
        let deadline = state.terminals.iter().filter_map(Terminal::next_deadline).min();
        let timeout = deadline.map(|d| d.duration_since(cairn_rt::time::Instant::now()));
        let count = queue.wait(&mut events, timeout).unwrap_or(0);
        for event in &events[..count] {
            if let Some(terminal) = (event.data as usize).checked_sub(1).and_then(|i| state.terminals.get(i)) {
                terminal.device.take_interrupts();
            }
        }
        // Input may also arrive between interrupts; and requests are
        // served until none is left.
        for terminal in &mut state.terminals {
            terminal.input(&server);
            terminal.answer_reads(&server);
        }
        while let Ok(incoming) = server.next() {
            if let Some((result, payload)) = state.serve(&incoming.request, &incoming.payload, &server) {
                let _ = server.respond(incoming.request.id, result, &payload);
            }
        }
    }
}
