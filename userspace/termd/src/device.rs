//! The devices a terminal runs on: the serial port, or the screen console
//! (framebuffer display and PS/2 keyboard).

use cairn_rt::Vec;

use crate::display::Display;
use crate::keyboard::Keyboard;
use crate::uart::Uart;

pub enum Device {
    Serial(Uart),
    Screen { display: cairn_rt::Box<Display>, keyboard: Keyboard },
}

impl Device {
    /// The interrupt fd to watch.
    pub fn interrupt_fd(&self) -> usize {
        match self {
            Device::Serial(uart) => uart.interrupt_fd(),
            Device::Screen { keyboard, .. } => keyboard.interrupt_fd(),
        }
    }

    /// Acknowledges the device's interrupt.
    pub fn take_interrupts(&self) {
        match self {
            Device::Serial(uart) => uart.take_interrupts(),
            Device::Screen { keyboard, .. } => keyboard.take_interrupts(),
        }
    }

    /// Input waiting at the device, as terminal bytes.
    pub fn receive(&mut self) -> Vec<u8> {
        match self {
            Device::Serial(uart) => uart.receive(),
            Device::Screen { display, keyboard } => keyboard.receive(display.screen.cursor_key_mode()),
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
        }
    }

    /// Rows and columns.
    pub fn size(&self) -> (u16, u16) {
        match self {
            Device::Serial(_) => (24, 80),
            Device::Screen { display, .. } => {
                let (rows, cols) = display.size();
                (rows as u16, cols as u16)
            }
        }
    }
}
