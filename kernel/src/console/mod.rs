//! The kernel's output devices: COM1 and, when GRUB set up a linear
//! framebuffer, a text console drawn on it. [`crate::klog`] writes every log
//! line through [`Console`]; the fatal-error path uses [`emergency_write`],
//! which does not wait for a lock a crashed CPU may hold.

pub mod screen;
pub mod serial;

use core::fmt::{self, Write};

use cairn_logring::LogRing;

use screen::ScreenConsole;
use serial::SerialConsole;

/// Bytes of kernel log kept in memory for later reading (`dmesg`).
pub const LOG_RING_BYTES: usize = 64 * 1024;

/// All output sinks, behind one lock so lines from different CPUs never
/// interleave.
pub struct Console {
    serial: Option<SerialConsole>,
    screen: Option<ScreenConsole>,
    ring: LogRing<LOG_RING_BYTES>,
    /// Sinks handed over to user-space drivers, which the fatal-error path
    /// takes back so that a crash report always reaches serial and screen.
    handed_over: HandedOver,
}

/// What user-space drivers took from the kernel console.
struct HandedOver {
    serial: bool,
    screen: Option<ScreenConsole>,
}

static CONSOLE: spin::Mutex<Console> = spin::Mutex::new(Console {
    serial: None,
    screen: None,
    ring: LogRing::new(),
    handed_over: HandedOver { serial: false, screen: None },
});

/// Which sinks a piece of text goes to.
#[derive(Clone, Copy, Debug)]
pub struct Sinks {
    pub screen: bool,
}

struct Tee<'a> {
    console: &'a mut Console,
    sinks: Sinks,
}

impl Write for Tee<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(serial) = self.console.serial.as_mut() {
            serial.write_str(s)?;
        }
        if self.sinks.screen
            && let Some(screen) = self.console.screen.as_mut()
        {
            screen.write_str(s);
        }
        self.console.ring.push(s.as_bytes());
        Ok(())
    }
}

/// Brings up COM1 (115200 8N1). Missing hardware leaves the serial sink off.
pub fn init_serial() {
    CONSOLE.lock().serial = SerialConsole::com1();
}

/// Adds the framebuffer text console and shows on it what was logged
/// before it existed.
pub fn attach_screen(mut screen: ScreenConsole) {
    let mut console = CONSOLE.lock();
    let mut earlier = alloc::vec![0u8; console.ring.len()];
    let len = console.ring.read(&mut earlier);
    screen.write_str(&alloc::string::String::from_utf8_lossy(&earlier[..len]));
    console.screen = Some(screen);
}

/// A user-space display driver took the framebuffer: the kernel stops
/// drawing its log on it.
pub fn hand_over_screen() {
    let mut console = CONSOLE.lock();
    if let Some(screen) = console.screen.take() {
        console.handed_over.screen = Some(screen);
        drop(console);
        log::info!("console: the framebuffer handed over to a user-space driver");
    }
}

/// A user-space driver took COM1: the kernel stops writing to it (its log
/// goes on into the ring, `/scheme/sys/log`, and onto the screen).
pub fn hand_over_serial() {
    let mut console = CONSOLE.lock();
    if console.serial.take().is_some() {
        console.handed_over.serial = true;
        drop(console);
        log::info!("console: COM1 handed over to a user-space driver");
    }
}

/// Whether a user-space driver holds COM1.
pub fn serial_handed_over() -> bool {
    CONSOLE.try_lock().is_some_and(|console| console.handed_over.serial)
}

/// Writes formatted text to the serial port, the ring and (if `sinks.screen`)
/// the screen, as one unit.
pub fn write(sinks: Sinks, args: fmt::Arguments<'_>) {
    let mut console = CONSOLE.lock();
    // Writing to the sinks cannot fail (the serial sink spins until sent).
    let _ = Tee { console: &mut console, sinks }.write_fmt(args);
}

/// Writes on the fatal-error path: takes the console lock if it can, and
/// otherwise breaks it, since the holder may be this very CPU, interrupted
/// mid-line by the fault being reported.
pub fn emergency_write(args: fmt::Arguments<'_>) {
    let mut attempts = 0u32;
    let mut guard = loop {
        if let Some(guard) = CONSOLE.try_lock() {
            break guard;
        }
        attempts += 1;
        if attempts == 1_000_000 {
            // SAFETY: reached only when the system is going down; the lock
            // holder is stuck or is this CPU, and a garbled line is better
            // than no report at all.
            unsafe { CONSOLE.force_unlock() };
        }
        core::hint::spin_loop();
    };
    take_back_handed_over(&mut guard);
    let _ = Tee { console: &mut guard, sinks: Sinks { screen: true } }.write_fmt(args);
}

/// On the fatal-error path, takes COM1 (programmed afresh, since its driver
/// may have changed the line settings) and the framebuffer back from the
/// user-space drivers that held them: the system is going down, and the
/// report matters more than what they were showing.
fn take_back_handed_over(console: &mut Console) {
    if core::mem::take(&mut console.handed_over.serial) {
        console.serial = SerialConsole::com1();
    }
    if let Some(screen) = console.handed_over.screen.take() {
        console.screen = Some(screen);
    }
}

/// Copies the retained log (oldest first) into `out`; returns the length.
pub fn read_log(out: &mut [u8]) -> usize {
    CONSOLE.lock().ring.read(out)
}
