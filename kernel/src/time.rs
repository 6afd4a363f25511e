//! Time since boot and the frequencies of the CPU clocks: the TSC and the
//! local APIC timer are calibrated once, at boot, against the HPET when ACPI
//! describes one and against the PIT otherwise.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::cpu::rdtsc;
use crate::platform::hpet::Hpet;
use crate::platform::lapic::LocalApic;
use crate::platform::pit;

/// Periodic timer interrupts per second on every CPU.
pub const TIMER_HZ: u64 = 100;

/// Length of the calibration window.
const CALIBRATION_WINDOW_US: u64 = 10_000;

/// The clock the others are measured against.
#[derive(Clone, Copy, Debug)]
pub enum ReferenceClock {
    Hpet(Hpet),
    Pit,
}

impl ReferenceClock {
    fn wait_micros(&self, micros: u64) {
        match self {
            ReferenceClock::Hpet(hpet) => hpet.wait_micros(micros),
            ReferenceClock::Pit => pit::wait_micros(micros),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ReferenceClock::Hpet(_) => "HPET",
            ReferenceClock::Pit => "PIT",
        }
    }
}

/// Measured clock frequencies.
#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    pub tsc_hz: u64,
    /// Local APIC timer ticks per second with the divider at 16.
    pub lapic_timer_hz: u64,
}

impl Calibration {
    /// Local APIC timer ticks per periodic interrupt.
    pub fn lapic_ticks_per_interrupt(&self) -> u32 {
        (self.lapic_timer_hz / TIMER_HZ).clamp(1, u64::from(u32::MAX)) as u32
    }
}

static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static CALIBRATION: spin::Once<Calibration> = spin::Once::new();

/// Remembers the TSC value at kernel entry; boot time is measured from it.
pub fn record_boot_tsc(tsc: u64) {
    BOOT_TSC.store(tsc, Ordering::Relaxed);
}

/// Measures the TSC and the local APIC timer over a 10 ms window of the
/// reference clock. Runs once, on the bootstrap CPU.
pub fn calibrate(reference: &ReferenceClock, lapic: &LocalApic) -> Calibration {
    lapic.start_free_running();
    let tsc_start = rdtsc();
    let lapic_start = lapic.timer_current();
    reference.wait_micros(CALIBRATION_WINDOW_US);
    let lapic_end = lapic.timer_current();
    let tsc_end = rdtsc();
    let per_second = |delta: u64| delta * 1_000_000 / CALIBRATION_WINDOW_US;
    let calibration = Calibration {
        tsc_hz: per_second(tsc_end.wrapping_sub(tsc_start)).max(1),
        lapic_timer_hz: per_second(u64::from(lapic_start.wrapping_sub(lapic_end))).max(1),
    };
    *CALIBRATION.call_once(|| calibration)
}

/// The boot-time calibration, once it has run.
pub fn calibration() -> Option<&'static Calibration> {
    CALIBRATION.get()
}

/// Converts a TSC interval to microseconds (0 before calibration).
pub fn tsc_to_micros(ticks: u64) -> u64 {
    calibration().map_or(0, |c| (u128::from(ticks) * 1_000_000 / u128::from(c.tsc_hz)) as u64)
}

/// Microseconds since kernel entry (0 until the TSC is calibrated).
pub fn micros_since_boot() -> u64 {
    tsc_to_micros(rdtsc().wrapping_sub(BOOT_TSC.load(Ordering::Relaxed)))
}

/// Converts a TSC interval to nanoseconds (0 before calibration).
pub fn tsc_to_nanos(ticks: u64) -> u64 {
    calibration().map_or(0, |c| (u128::from(ticks) * 1_000_000_000 / u128::from(c.tsc_hz)) as u64)
}

/// Nanoseconds since kernel entry (the monotonic clock).
pub fn nanos_since_boot() -> u64 {
    tsc_to_nanos(rdtsc().wrapping_sub(BOOT_TSC.load(Ordering::Relaxed)))
}

/// Wall-clock time at kernel entry, in nanoseconds since the Unix epoch.
static REALTIME_AT_BOOT: AtomicU64 = AtomicU64::new(0);

/// Reads the RTC to anchor the realtime clock.
pub fn init_realtime() {
    match crate::platform::rtc::unix_seconds() {
        Some(seconds) => {
            let since_boot = nanos_since_boot();
            REALTIME_AT_BOOT.store((seconds * 1_000_000_000).saturating_sub(since_boot), Ordering::Relaxed);
        }
        None => log::warn!("time: the RTC reads as nonsense; the realtime clock starts at 1970"),
    }
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_nanos() -> u64 {
    REALTIME_AT_BOOT.load(Ordering::Relaxed) + nanos_since_boot()
}

/// Spins for `micros` microseconds using the TSC.
pub fn spin_micros(micros: u64) {
    let Some(c) = calibration() else { return };
    let ticks = (u128::from(micros) * u128::from(c.tsc_hz) / 1_000_000) as u64;
    let start = rdtsc();
    while rdtsc().wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
}
