//! The kernel log: a `log` facade backend that stamps each record with the
//! time since boot and sends it to the console (serial, ring, and the screen
//! unless the record is below the screen's level).

use core::sync::atomic::{AtomicU8, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::console::{self, Sinks};

struct KernelLogger;

static LOGGER: KernelLogger = KernelLogger;

/// Most verbose level shown on the screen (as `LevelFilter as u8`).
static SCREEN_LEVEL: AtomicU8 = AtomicU8::new(LevelFilter::Info as u8);

impl Log for KernelLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let micros = crate::time::micros_since_boot();
        let screen = record.level() as u8 <= SCREEN_LEVEL.load(Ordering::Relaxed);
        console::write(
            Sinks { screen },
            format_args!(
                "[{:5}.{:06}] {:<5} {}\n",
                micros / 1_000_000,
                micros % 1_000_000,
                record.level(),
                record.args()
            ),
        );
    }

    fn flush(&self) {}
}

/// Installs the logger (serial must already be up).
pub fn init() {
    // Only fails if a logger is already installed, which `init` never does twice.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}

/// Applies the command line's `loglevel=` (serial and ring) and `quiet`
/// (the screen shows warnings and errors only).
pub fn configure(level: Option<Level>, quiet: bool) {
    if let Some(level) = level {
        log::set_max_level(level.to_level_filter());
    }
    let screen = if quiet { LevelFilter::Warn } else { log::max_level() };
    SCREEN_LEVEL.store(screen as u8, Ordering::Relaxed);
}
