//! The devices a terminal runs on: the serial port, a screen console
//! (framebuffer display and a virtual console of the input server), or the master side of a
//! pseudo-terminal (a program reading what the terminal shows and typing
//! into it).

use cairn_rt::Vec;
use cairn_rt::collections::VecDeque;

use crate::console::Console;
use crate::display::Display;
use crate::uart::Uart;

/// The master side of a pseudo-terminal: what the terminal shows, waiting
/// to be read, and whether the master is still open.
#[derive(Default)]
pub struct PtyMaster {
    pub shown: VecDeque<u8>,
    pub hung_up: bool,
}

pub enum Device {
    Serial(Uart),
    Screen { display: cairn_rt::Box<Display>, console: Console },
    Pty(PtyMaster),
}

impl Device {
    /// The fd to watch for input (an interrupt, or the input server's console), for devices with one.
    pub fn interrupt_fd(&self) -> Option<usize> {
        match self {
            Device::Serial(uart) => Some(uart.interrupt_fd()),
            Device::Screen { console, .. } => Some(console.fd()),
            Device::Pty(_) => None,
        }
    }

    /// Acknowledges the device's interrupt (the serial port's).
    pub fn take_interrupts(&self) {
        match self {
            Device::Serial(uart) => uart.take_interrupts(),
            Device::Screen { .. } | Device::Pty(_) => {}
        }
    }

    /// Input waiting at the device, as terminal bytes (a pseudo-terminal's
    /// input comes from writes to its master instead). A screen console
    /// also learns here whether it has the screen.
    pub fn receive(&mut self) -> Vec<u8> {
        match self {
            Device::Serial(uart) => uart.receive(),
            Device::Screen { display, console } => {
                let arrived = console.receive(display.screen.cursor_key_mode());
                if let Some(active) = arrived.active {
                    display.set_active(active);
                }
                arrived.bytes
            }
            Device::Pty(_) => Vec::new(),
        }
    }

    /// Shows or sends terminal output; returns what the device answers as
    /// input (a screen's cursor position reports).
    pub fn send(&mut self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Device::Serial(uart) => {
                uart.send(bytes);
                Vec::new()
            }
            Device::Screen { display, .. } => display.show(bytes),
            Device::Pty(master) => {
                if !master.hung_up {
                    master.shown.extend(bytes);
                }
                Vec::new()
            }
        }
    }

    /// Rows and columns.
    pub fn size(&self) -> (u16, u16) {
        match self {
            Device::Serial(_) | Device::Pty(_) => (24, 80),
            Device::Screen { display, .. } => {
                let (rows, cols) = display.size();
                (rows as u16, cols as u16)
            }
        }
    }
}
