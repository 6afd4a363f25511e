//! Turning the machine off and restarting it. Off is ACPI sleep state S5:
//! the sleep type from the DSDT's `\_S5` package written with SLP_EN to the
//! FADT's PM1 control registers. Restart is the FADT's reset register when
//! it is an I/O port, else the keyboard controller's reset line, else a
//! triple fault.

use acpi::address::{AddressSpace, GenericAddress};
use acpi::fadt::Fadt;
use x86_64::instructions::port::Port;

/// What the firmware tables say about powering off and resetting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PowerControl {
    pub pm1a_control: Option<u16>,
    pub pm1b_control: Option<u16>,
    /// SLP_TYPa and SLP_TYPb of S5.
    pub sleep_types: Option<(u8, u8)>,
    /// Reset register port and value.
    pub reset: Option<(u16, u8)>,
}

static POWER: spin::Once<PowerControl> = spin::Once::new();

/// SLP_EN in a PM1 control register.
const SLEEP_ENABLE: u16 = 1 << 13;

fn io_port(address: &GenericAddress) -> Option<u16> {
    (address.address_space == AddressSpace::SystemIo).then(|| u16::try_from(address.address).ok()).flatten()
}

impl PowerControl {
    /// Reads the FADT, and `\_S5` from the DSDT bytes `dsdt` (if found).
    pub fn from_tables(fadt: &Fadt, dsdt: Option<&[u8]>) -> PowerControl {
        let flags = fadt.flags;
        let reset = if flags.supports_system_reset_via_fadt() {
            fadt.reset_register().ok().and_then(|r| io_port(&r)).map(|port| (port, { fadt.reset_value }))
        } else {
            None
        };
        PowerControl {
            pm1a_control: fadt.pm1a_control_block().ok().and_then(|r| io_port(&r)),
            pm1b_control: fadt.pm1b_control_block().ok().flatten().and_then(|r| io_port(&r)),
            sleep_types: dsdt.and_then(find_s5),
            reset,
        }
    }
}

/// Records what [`power_off`] and [`reboot`] use (once, at boot).
pub fn init(control: PowerControl) {
    POWER.call_once(|| control);
}

/// The two sleep type values of the `\_S5` package in AML `aml`: the name
/// `_S5_`, a PackageOp, its length and element count, then two integers
/// (ZeroOp, OneOp, OnesOp or a BytePrefix constant).
pub fn find_s5(aml: &[u8]) -> Option<(u8, u8)> {
    let at = aml.windows(4).position(|w| w == b"_S5_")?;
    let mut rest = aml.get(at + 4..)?;
    if *rest.first()? != 0x12 {
        return None;
    }
    let length_bytes = usize::from(rest.get(1)? >> 6);
    rest = rest.get(2 + length_bytes + 1..)?;
    let mut integer = || -> Option<u8> {
        let (value, used) = match *rest.first()? {
            0x00 => (0, 1),
            0x01 => (1, 1),
            0xff => (0xff, 1),
            0x0a => (*rest.get(1)?, 2),
            _ => return None,
        };
        rest = rest.get(used..)?;
        Some(value)
    };
    let a = integer()?;
    let b = integer().unwrap_or(0);
    Some((a, b))
}

/// Enters S5. Returns only if the machine did not go off (no ACPI).
pub fn power_off() {
    let Some(control) = POWER.get() else { return };
    let (Some(pm1a), Some((type_a, type_b))) = (control.pm1a_control, control.sleep_types) else { return };
    log::info!("power: entering ACPI S5");
    // SAFETY: the PM1 control ports come from the FADT; writing SLP_TYP and
    // SLP_EN there is the ACPI-defined way to power off.
    unsafe {
        Port::<u16>::new(pm1a).write(u16::from(type_a & 7) << 10 | SLEEP_ENABLE);
        if let Some(pm1b) = control.pm1b_control {
            Port::<u16>::new(pm1b).write(u16::from(type_b & 7) << 10 | SLEEP_ENABLE);
        }
    }
}

/// Restarts the machine.
pub fn reboot() -> ! {
    log::info!("power: restarting");
    if let Some((port, value)) = POWER.get().and_then(|c| c.reset) {
        // SAFETY: the reset register comes from the FADT, which says
        // writing this value there resets the machine.
        unsafe { Port::<u8>::new(port).write(value) };
    }
    // SAFETY: 0xfe on the keyboard controller's command port pulses the
    // CPU reset line on every PC.
    unsafe { Port::<u8>::new(0x64).write(0xfe) };
    // Last resort: a triple fault (an empty IDT, then an exception).
    let empty = x86_64::structures::DescriptorTablePointer { limit: 0, base: x86_64::VirtAddr::zero() };
    // SAFETY: deliberately loads an empty IDT so the next interrupt triple-faults.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3", options(noreturn));
    }
}
