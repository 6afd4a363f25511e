//! `bochs-display`: the driver of QEMU's `bochs-display` and standard VGA
//! (`-vga std`), both PCI 1234:1111 with the Bochs VBE ("DISPI")
//! registers in their MMIO BAR 2 and the framebuffer in BAR 0. It sets
//! modes at run time and serves scheme `display.bochsN` (DESKTOP.md):
//!
//! - `modes`: the standard modes this adapter can show, one `WxH` a line;
//! - `mode`: read the mode shown (`WxH`); write `WxH` to set another
//!   (`EINVAL` with the reason logged if it cannot be shown);
//! - `framebuffer`: opening it (root only) gives the framebuffer BAR's fd,
//!   which the display server maps (`MAP_SHARED`), rows `width * 4` bytes.
//!
//! It changes nothing until asked, so a text console drawing on the boot
//! framebuffer keeps working beside it. Depends on `cairn-driver`,
//! `cairn-display-mode` and `cairn-rt`.
#![no_std]
#![no_main]

mod dispi;

use cairn_display_mode::Mode;
use cairn_driver::{Driven, Match};
use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EISDIR, ENOENT, ESPIPE};
use cairn_rt::abi::scheme::{self as op, POSITIONED, Request};
use cairn_rt::abi::{SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::fd::OwnedFd;
use cairn_rt::scheme::Server;
use cairn_rt::{String, Vec, eprintln, format, println};

use dispi::Dispi;

cairn_rt::main!(main);

const DRIVEN: Driven<'static> = Driven {
    matches: &[Match::Id { vendor: 0x1234, device: 0x1111 }],
    article: "a",
    noun: "Bochs display",
    scheme_prefix: "display.bochs",
};

/// The files of the scheme, and its root directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Root,
    Modes,
    Mode,
}

/// An open handle: its file and position.
struct Handle {
    node: Node,
    position: u64,
}

/// File-type bits of `st_mode`.
const MODE_REGULAR: u16 = 0o100000;
const MODE_DIRECTORY: u16 = 0o040000;

struct Driver {
    dispi: Dispi,
    /// BAR 0, handed to whoever opens `framebuffer`.
    framebuffer: OwnedFd,
    handles: BTreeMap<u64, Handle>,
    next_handle: u64,
    scheme: String,
}

impl Driver {
    fn text(&self, node: Node) -> String {
        match node {
            Node::Modes => self.dispi.limits().modes().map(|m| format!("{m}\n")).collect(),
            Node::Mode => format!("{}\n", self.dispi.mode()),
            Node::Root => String::new(),
        }
    }

    fn add(&mut self, node: Node) -> usize {
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(id, Handle { node, position: 0 });
        id as usize
    }

    /// Sets the mode `payload` names.
    fn set_mode(&mut self, payload: &[u8]) -> Result<usize, i32> {
        let text = core::str::from_utf8(payload).map_err(|_| EINVAL)?;
        let mode = Mode::parse(text).and_then(|mode| self.dispi.limits().check(mode).map(|()| mode));
        let mode = mode.map_err(|why| {
            eprintln!("bochs-display: {}: cannot set {:?}: {why}", self.scheme, text.trim());
            EINVAL
        })?;
        self.dispi.set(mode).map_err(|e| {
            eprintln!("bochs-display: {}: {e}", self.scheme);
            cairn_rt::abi::error::EIO
        })?;
        println!("bochs-display: {}: mode {mode}", self.scheme);
        Ok(payload.len())
    }

    /// Serves one request; `None` when nothing is answered (`CLOSE`,
    /// `CANCEL`, or an fd already sent).
    fn serve(&mut self, request: &Request, payload: &[u8], server: &Server) -> Option<(Result<usize, i32>, Vec<u8>)> {
        let value = |result| Some((result, Vec::new()));
        if request.opcode == op::OPEN {
            return match core::str::from_utf8(payload).unwrap_or("").trim_matches('/') {
                "" => value(Ok(self.add(Node::Root))),
                "modes" => value(Ok(self.add(Node::Modes))),
                "mode" => value(Ok(self.add(Node::Mode))),
                "framebuffer" if request.caller_uid != 0 => value(Err(EACCES)),
                "framebuffer" => match server.respond_fd(request.id, &self.framebuffer) {
                    Ok(()) => None,
                    Err(e) => value(Err(e.errno().unwrap_or(EINVAL))),
                },
                _ => value(Err(ENOENT)),
            };
        }
        if matches!(request.opcode, op::CLOSE | op::CANCEL) {
            self.handles.remove(&request.handle).filter(|_| request.opcode == op::CLOSE);
            return None;
        }
        let Some(node) = self.handles.get(&request.handle).map(|h| h.node) else { return value(Err(EBADF)) };
        match request.opcode {
            op::READ if node == Node::Root => value(Err(EISDIR)),
            op::READ => {
                let text = self.text(node).into_bytes();
                let handle = self.handles.get_mut(&request.handle)?;
                let positioned = request.args[2] == POSITIONED;
                let at = if positioned { request.args[1] } else { handle.position } as usize;
                let part = text.get(at.min(text.len())..).unwrap_or(&[]);
                let part = &part[..part.len().min(request.args[0] as usize)];
                if !positioned {
                    handle.position += part.len() as u64;
                }
                Some((Ok(part.len()), part.to_vec()))
            }
            op::WRITE if node == Node::Mode => value(self.set_mode(payload)),
            op::LSEEK if request.args[1] == SEEK_SET as u64 => {
                let handle = self.handles.get_mut(&request.handle)?;
                handle.position = request.args[0];
                value(Ok(request.args[0] as usize))
            }
            op::LSEEK => value(Err(ESPIPE)),
            op::FSTAT => {
                let mode = match node {
                    Node::Root => MODE_DIRECTORY | 0o555,
                    Node::Mode => MODE_REGULAR | 0o644,
                    Node::Modes => MODE_REGULAR | 0o444,
                };
                let size = self.text(node).len() as u64;
                let stat = Stat { st_mode: mode, st_size: size, st_blksize: 4096, ..Stat::default() };
                Some((Ok(0), (*stat).to_vec()))
            }
            op::FCNTL | op::FSYNC | op::FTRUNCATE => value(Ok(0)),
            _ => value(Err(EINVAL)),
        }
    }
}

fn main() -> i32 {
    let (device, scheme, server) = match DRIVEN.device(cairn_rt::env::args().nth(1).as_deref()) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("bochs-display: {e}");
            return 1;
        }
    };
    let started = device.registers(2).map_err(|e| format!("{e}")).and_then(|registers| {
        let framebuffer = device.bar(0).map_err(|e| format!("{e}"))?;
        let memory = framebuffer.metadata().map_err(|e| format!("stat bar0: {e}"))?.len();
        // Standard VGA (class 03:00) answers GETCAPS; bochs-display (03:80) does not.
        let mut class = [0u8; 2];
        device.config_read(0x0a, &mut class).map_err(|e| format!("{e}"))?;
        let dispi = Dispi::new(registers, memory, class == [0x00, 0x03])?;
        // SAFETY: the fd was just opened and is owned by nothing else.
        Ok((dispi, unsafe { OwnedFd::from_raw(framebuffer.into_raw_fd()) }))
    });
    let (dispi, framebuffer) = match started {
        Ok(started) => started,
        Err(e) => {
            eprintln!("bochs-display: {}: {e}", device.name());
            return 1;
        }
    };
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("bochs-display: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    let limits = dispi.limits();
    println!(
        "bochs-display: {} as {scheme}: {} showing, {} MiB, up to {}x{}",
        device.name(),
        dispi.mode(),
        limits.memory >> 20,
        limits.max_width,
        limits.max_height
    );
    let mut driver = Driver { dispi, framebuffer, handles: BTreeMap::new(), next_handle: 1, scheme };
    loop {
        let incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("bochs-display: reading requests: {e}");
                return 1;
            }
        };
        if let Some((result, payload)) = driver.serve(&incoming.request, &incoming.payload, &server) {
            let _ = server.respond(incoming.request.id, result, &payload);
        }
    }
}
