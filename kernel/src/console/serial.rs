//! COM1, the first 16550 UART, as a log sink (via the `uart_16550` crate).

use core::fmt;

use uart_16550::backend::PioBackend;
use uart_16550::{BaudRate, Config, Uart16550Tty};

/// I/O port base of COM1.
pub const COM1: u16 = 0x3f8;

/// 115200 baud, 8 data bits, no parity, one stop bit, FIFO on.
const CONFIG: Config = Config { baud_rate: BaudRate::Baud115200, ..Config::DEFAULT };

/// The serial console.
pub struct SerialConsole(Uart16550Tty<PioBackend>);

impl SerialConsole {
    /// Initialises COM1 at 115200 8N1; `None` if no UART answers.
    pub fn com1() -> Option<Self> {
        // SAFETY: COM1's eight ports belong to this driver alone; nothing else
        // in the kernel touches them.
        unsafe { Uart16550Tty::new_port(COM1, CONFIG) }.ok().map(SerialConsole)
    }

    pub fn write_str(&mut self, s: &str) -> fmt::Result {
        fmt::Write::write_str(&mut self.0, s)
    }
}
