//! The devices a terminal runs on: the serial port, the screen console
//! (framebuffer display and PS/2 keyboard), or the master side of a
//! pseudo-terminal (a program reading what the terminal shows and typing
//! into it).

use cairn_rt::Vec;
use cairn_rt::collections::VecDeque;

use crate::display::Display;
use crate::keyboard::Keyboard;
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
    Screen { display: cairn_rt::Box<Display>, keyboard: Keyboard },
    Pty(PtyMaster),
}

impl Device {
    /// The interrupt fd to watch, for devices with one.
    pub fn interrupt_fd(&self) -> Option<usize> {
        match self {
            Device::Serial(uart) => Some(uart.interrupt_fd()),
            Device::Screen { keyboard, .. } => Some(keyboard.interrupt_fd()),
            Device::Pty(_) => None,
        }
    }

    /// Acknowledges the device's interrupt.
    pub fn take_interrupts(&self) {
        match self {
            Device::Serial(uart) => uart.take_interrupts(),
            Device::Screen { keyboard, .. } => keyboard.take_interrupts(),
            Device::Pty(_) => {}
        }
    }

    /// Input waiting at the device, as terminal bytes (a pseudo-terminal's
    /// input comes from writes to its master instead).
    pub fn receive(&mut self) -> Vec<u8> {
        match self {
            Device::Serial(uart) => uart.receive(),
            Device::Screen { display, keyboard } => keyboard.receive(display.screen.cursor_key_mode()),
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
