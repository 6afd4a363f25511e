//! `termd`: the terminal server. It drives COM1 from user space (ports
//! and interrupt line as capabilities, see [`uart`]), runs a
//! `cairn-term` line discipline over it (canonical and raw modes, echo,
//! erase/kill/word-erase, ^C/^\/^Z to the foreground process group, ^D),
//! and serves it as scheme `tty`: `/scheme/tty/serial` is the terminal.
//! Control handles derived from a terminal fd with `scheme_dup` carry its
//! settings: `termios` (the 60-byte Linux layout), `pgrp` (the foreground
//! process group, a `u32`) and `winsize` (rows, columns, x and y pixels as
//! `u16`s); each is read or written whole.
//!
//! Reads wait (the answer is deferred) until the discipline has data; one
//! event loop serves requests and the UART's interrupt. Not yet: SIGTTIN
//! and SIGTTOU for background process groups, and the VTIME timer (a
//! non-canonical read waits for VMIN bytes).
//!
//! Depends on `cairn-rt` and `cairn-term`.
#![no_std]
#![no_main]

mod uart;

use cairn_rt::abi::error::{EBADF, EINVAL, ESPIPE};
use cairn_rt::abi::scheme::{self as op, Request};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, Event, O_NONBLOCK, Stat};
use cairn_rt::collections::{BTreeMap, VecDeque};
use cairn_rt::events::EventQueue;
use cairn_rt::scheme::Server;
use cairn_rt::{Vec, eprintln};
use cairn_term::line_discipline::{LineDiscipline, ReadWait};
use cairn_term::termios::{Termios, WindowSize};

use uart::Uart;

cairn_rt::main!(main);

/// What a handle of the scheme is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HandleKind {
    Terminal,
    Termios,
    ForegroundGroup,
    WindowSize,
}

/// A read waiting for input.
struct PendingRead {
    id: u64,
    len: usize,
}

/// Character-device type bits of `st_mode`.
const MODE_CHARACTER_DEVICE: u16 = 0o020000;

struct Terminal {
    uart: Uart,
    discipline: LineDiscipline,
    foreground: u32,
    window: WindowSize,
    handles: BTreeMap<u64, HandleKind>,
    next_handle: u64,
    reads: VecDeque<PendingRead>,
    /// Terminal handles a client watches in an event queue.
    watched: Vec<u64>,
}

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

fn value(result: Result<usize, i32>) -> Option<Answer> {
    Some((result, Vec::new()))
}

impl Terminal {
    fn add_handle(&mut self, kind: HandleKind) -> usize {
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(id, kind);
        id as usize
    }

    /// Typed bytes: echo them, raise signals, answer waiting reads.
    fn input(&mut self, server: &Server) {
        let bytes = self.uart.receive();
        if bytes.is_empty() {
            return;
        }
        let received = self.discipline.receive(&bytes);
        self.uart.send(&received.echo);
        for signal in received.signals {
            if self.foreground > 1 {
                let _ = cairn_rt::signal::kill_group(self.foreground as usize, signal.number() as usize);
            }
        }
        self.answer_reads(server);
        if self.discipline.readable_len() > 0 {
            for handle in &self.watched {
                let _ = server.post_event(*handle, EVENT_READ | EVENT_WRITE);
            }
        }
    }

    /// Answers waiting reads, oldest first, while the discipline says so.
    fn answer_reads(&mut self, server: &Server) {
        while let Some(read) = self.reads.front() {
            if self.discipline.read_wait(read.len) != ReadWait::Ready {
                return;
            }
            let read = self.reads.pop_front().expect("front exists");
            let data = self.read_now(read.len);
            let _ = server.respond(read.id, Ok(data.len()), &data);
        }
    }

    fn read_now(&mut self, len: usize) -> Vec<u8> {
        let mut data = cairn_rt::vec![0u8; len.min(4096)];
        let got = self.discipline.read(&mut data);
        data.truncate(got);
        data
    }

    fn control_read(&self, kind: HandleKind) -> Vec<u8> {
        match kind {
            HandleKind::Termios => self.discipline.termios().to_bytes().to_vec(),
            HandleKind::ForegroundGroup => self.foreground.to_le_bytes().to_vec(),
            HandleKind::WindowSize => self.window.to_bytes().to_vec(),
            HandleKind::Terminal => Vec::new(),
        }
    }

    fn control_write(&mut self, kind: HandleKind, bytes: &[u8]) -> Result<usize, i32> {
        match kind {
            HandleKind::Termios => self.discipline.set_termios(Termios::from_bytes(bytes).map_err(|_| EINVAL)?),
            HandleKind::ForegroundGroup => {
                let group: [u8; 4] = bytes.try_into().map_err(|_| EINVAL)?;
                self.foreground = u32::from_le_bytes(group);
            }
            HandleKind::WindowSize => self.window = WindowSize::from_bytes(bytes).map_err(|_| EINVAL)?,
            HandleKind::Terminal => return Err(EINVAL),
        }
        Ok(bytes.len())
    }

    /// Serves one request; `None` when the answer comes later (or never).
    fn serve(&mut self, request: &Request, payload: &[u8], server: &Server) -> Option<Answer> {
        if request.opcode == op::OPEN {
            return match payload {
                b"" | b"/" | b"serial" | b"/serial" => value(Ok(self.add_handle(HandleKind::Terminal))),
                _ => value(Err(cairn_rt::abi::error::ENOENT)),
            };
        }
        let Some(&kind) = self.handles.get(&request.handle) else {
            return (request.opcode != op::CLOSE && request.opcode != op::CANCEL).then(|| (Err(EBADF), Vec::new()));
        };
        match (request.opcode, kind) {
            (op::READ, HandleKind::Terminal) => {
                let len = request.args[0] as usize;
                if self.reads.is_empty() && self.discipline.read_wait(len) == ReadWait::Ready {
                    let data = self.read_now(len);
                    return Some((Ok(data.len()), data));
                }
                self.reads.push_back(PendingRead { id: request.id, len });
                None
            }
            (op::READ, control) => {
                let data = self.control_read(control);
                Some((Ok(data.len()), data))
            }
            (op::WRITE, HandleKind::Terminal) => {
                let output = self.discipline.process_output(payload);
                self.uart.send(&output);
                value(Ok(payload.len()))
            }
            (op::WRITE, control) => {
                let result = self.control_write(control, payload);
                if control == HandleKind::Termios {
                    self.answer_reads(server);
                }
                value(result)
            }
            (op::DUP, HandleKind::Terminal) => {
                let kind = match payload {
                    b"termios" => HandleKind::Termios,
                    b"pgrp" => HandleKind::ForegroundGroup,
                    b"winsize" => HandleKind::WindowSize,
                    b"" => HandleKind::Terminal,
                    _ => return value(Err(EINVAL)),
                };
                value(Ok(self.add_handle(kind)))
            }
            (op::FSTAT, _) => {
                let stat = Stat { st_mode: MODE_CHARACTER_DEVICE | 0o620, st_blksize: 1024, ..Stat::default() };
                // SAFETY: `Stat` is plain old data.
                let bytes = unsafe { core::slice::from_raw_parts((&raw const stat).cast::<u8>(), size_of::<Stat>()) };
                Some((Ok(0), bytes.to_vec()))
            }
            (op::FEVENT, HandleKind::Terminal) => {
                self.watched.push(request.handle);
                let readable = if self.discipline.readable_len() > 0 { EVENT_READ } else { 0 };
                value(Ok((readable | EVENT_WRITE) as usize))
            }
            // No flags of its own; nothing buffered.
            (op::FCNTL | op::FSYNC, _) => value(Ok(0)),
            (op::LSEEK, _) => value(Err(ESPIPE)),
            (op::CANCEL, _) => {
                self.reads.retain(|read| read.id != request.args[0]);
                None
            }
            (op::CLOSE, _) => {
                self.handles.remove(&request.handle);
                self.watched.retain(|h| *h != request.handle);
                None
            }
            _ => value(Err(EINVAL)),
        }
    }
}

/// Event-queue tags.
const REQUESTS: u64 = 1;
const INTERRUPT: u64 = 2;

fn main() -> i32 {
    let uart = match Uart::claim() {
        Ok(uart) => uart,
        Err(e) => {
            eprintln!("termd: cannot claim COM1: {e}");
            return 1;
        }
    };
    let server = match Server::create("tty") {
        Ok(server) => server,
        Err(e) => {
            eprintln!("termd: cannot register scheme tty: {e}");
            return 1;
        }
    };
    let queue = EventQueue::new().and_then(|queue| {
        server.endpoint().set_flags(O_NONBLOCK)?;
        queue.watch(server.endpoint().as_raw(), EVENT_READ, REQUESTS)?;
        queue.watch(uart.interrupt_fd(), EVENT_READ, INTERRUPT)?;
        Ok(queue)
    });
    let queue = match queue {
        Ok(queue) => queue,
        Err(e) => {
            eprintln!("termd: cannot set up its event queue: {e}");
            return 1;
        }
    };
    let window = WindowSize { rows: 24, cols: 80, xpixel: 0, ypixel: 0 };
    let mut terminal = Terminal {
        uart,
        discipline: LineDiscipline::new(Termios::default()),
        foreground: 0,
        window,
        handles: BTreeMap::new(),
        next_handle: 1,
        reads: VecDeque::new(),
        watched: Vec::new(),
    };
    let mut events = [Event::default(); 2];
    loop {
        let count = queue.wait(&mut events, None).unwrap_or(0);
        for event in &events[..count] {
            if event.data == INTERRUPT {
                terminal.uart.take_interrupts();
                terminal.input(&server);
            }
        }
        // Input may also arrive between interrupts; and requests are
        // served until none is left.
        terminal.input(&server);
        while let Ok(incoming) = server.next() {
            if let Some((result, payload)) = terminal.serve(&incoming.request, &incoming.payload, &server) {
                let _ = server.respond(incoming.request.id, result, &payload);
            }
        }
    }
}
