//! The 16550 UART behind COM1, driven from user space: its eight ports
//! come from `/scheme/ioport/3f8-3ff` (the kernel stops using the port when
//! a driver claims it) and its interrupt (ISA line 4) from `/scheme/irq/4`.

use cairn_rt::fs::{File, OpenOptions};

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

fn write_port(port: u16, value: u8) {
    // SAFETY: the process holds the I/O permission for COM1's ports (the
    // `ioport` fd in `Uart`); a port write has no memory effects.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") value, options(nostack, preserves_flags)) };
}

fn read_port(port: u16) -> u8 {
    let value: u8;
    // SAFETY: as for `write_port`.
    unsafe { core::arch::asm!("in al, dx", in("dx") port, out("al") value, options(nostack, preserves_flags)) };
    value
}

/// COM1, claimed: its ports and its interrupt line.
pub struct Uart {
    _ports: File,
    interrupt: File,
}

impl Uart {
    /// Claims COM1 and sets it to 115200 baud, 8N1, FIFOs on, interrupt on
    /// received data.
    pub fn claim() -> cairn_rt::Result<Uart> {
        let ports = File::open("/scheme/ioport/3f8-3ff")?;
        let interrupt = OpenOptions::new().read(true).write(true).open("/scheme/irq/4")?;
        write_port(INTERRUPT_ENABLE, 0);
        write_port(LINE_CONTROL, 0x80);
        write_port(DATA, 1);
        write_port(INTERRUPT_ENABLE, 0);
        write_port(LINE_CONTROL, 0x03);
        write_port(FIFO_CONTROL, 0xc7);
        write_port(MODEM_CONTROL, 0x0b);
        write_port(INTERRUPT_ENABLE, INTERRUPT_RECEIVED);
        Ok(Uart { _ports: ports, interrupt })
    }

    /// The interrupt fd (for the event queue; read it with
    /// [`Uart::take_interrupts`]).
    pub fn interrupt_fd(&self) -> usize {
        self.interrupt.as_raw_fd()
    }

    /// Consumes the interrupt count and acknowledges the line.
    pub fn take_interrupts(&mut self) {
        let mut count = [0u8; 8];
        let _ = cairn_rt::io::read_fd(self.interrupt.as_raw_fd(), &mut count);
        let _ = cairn_rt::io::write_fd(self.interrupt.as_raw_fd(), &[1]);
    }

    /// Every byte received so far.
    pub fn receive(&self) -> cairn_rt::Vec<u8> {
        let mut bytes = cairn_rt::Vec::new();
        while read_port(LINE_STATUS) & LINE_STATUS_DATA_READY != 0 {
            bytes.push(read_port(DATA));
        }
        bytes
    }

    /// Sends `bytes`, waiting for room before each.
    pub fn send(&self, bytes: &[u8]) {
        for &byte in bytes {
            while read_port(LINE_STATUS) & LINE_STATUS_TRANSMIT_EMPTY == 0 {
                core::hint::spin_loop();
            }
            write_port(DATA, byte);
        }
    }
}
