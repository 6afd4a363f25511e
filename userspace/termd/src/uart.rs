//! The 16550 UART behind COM1, driven from user space: its eight ports
//! come from `/scheme/ioport/3f8-3ff` (the kernel stops using the port when
//! a driver claims it) and its interrupt (ISA line 4) from `/scheme/irq/4`.

use cairn_rt::Vec;
use cairn_rt::fs::{File, OpenOptions};

use crate::ports::{self, IoPorts};

/// COM1's first port.
const BASE: u16 = 0x3f8;
const DATA: u16 = BASE;
const INTERRUPT_ENABLE: u16 = BASE + 1;
const FIFO_CONTROL: u16 = BASE + 2;
const LINE_CONTROL: u16 = BASE + 3;
const MODEM_CONTROL: u16 = BASE + 4;
const LINE_STATUS: u16 = BASE + 5;

const LINE_STATUS_DATA_READY: u8 = 1 << 0;
const LINE_STATUS_TRANSMIT_EMPTY: u8 = 1 << 5;
/// Interrupt when received data is available.
const INTERRUPT_RECEIVED: u8 = 1 << 0;

/// COM1, claimed: its ports and its interrupt line.
pub struct Uart {
    _ports: IoPorts,
    interrupt: File,
}

impl Uart {
    /// Claims COM1 and sets it to 115200 baud, 8N1, FIFOs on, interrupt on
    /// received data.
    pub fn claim() -> cairn_rt::Result<Uart> {
        let ports = IoPorts::claim("3f8-3ff")?;
        let interrupt = OpenOptions::new().read(true).write(true).open("/scheme/irq/4")?;
        ports::write(INTERRUPT_ENABLE, 0);
        ports::write(LINE_CONTROL, 0x80);
        ports::write(DATA, 1);
        ports::write(INTERRUPT_ENABLE, 0);
        ports::write(LINE_CONTROL, 0x03);
        ports::write(FIFO_CONTROL, 0xc7);
        ports::write(MODEM_CONTROL, 0x0b);
        ports::write(INTERRUPT_ENABLE, INTERRUPT_RECEIVED);
        Ok(Uart { _ports: ports, interrupt })
    }

    pub fn interrupt_fd(&self) -> usize {
        self.interrupt.as_raw_fd()
    }

    /// Consumes the interrupt count and acknowledges the line.
    pub fn take_interrupts(&self) {
        ports::acknowledge(&self.interrupt);
    }

    /// Every byte received so far.
    pub fn receive(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        while ports::read(LINE_STATUS) & LINE_STATUS_DATA_READY != 0 {
            bytes.push(ports::read(DATA));
        }
        bytes
    }

    /// Sends `bytes`, waiting for room before each.
    pub fn send(&self, bytes: &[u8]) {
        for &byte in bytes {
            while ports::read(LINE_STATUS) & LINE_STATUS_TRANSMIT_EMPTY == 0 {
                core::hint::spin_loop();
            }
            ports::write(DATA, byte);
        }
    }
}
