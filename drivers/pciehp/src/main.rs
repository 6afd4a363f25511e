//! `pciehp`: PCI Express native hot-plug for one root or downstream port
//! (PCI class 06:04 with a PCI Express capability whose slot is hot-plug
//! capable), as Linux's `pciehp` does it. Started by `devd` for every
//! PCI-to-PCI bridge; a bridge without such a slot is nothing to drive
//! (exit 0).
//!
//! It enables the slot's hot-plug interrupt (MSI-X or MSI, the message
//! number the capability names) for the attention button and presence
//! changes, then waits. When the button is pressed — QEMU's `device_del`
//! presses it — it turns the slot's power and power indicator off, which
//! removes the device (QEMU then unplugs it). The device's driver finds
//! its device gone (configuration space and registers reading all ones)
//! and ends; its clients get `EIO`. A device added to a slot is logged;
//! using it needs a PCI rescan, which Cairn does not do yet.
//!
//! Run by hand (`pciehp FUNCTION`, as root) it claims FUNCTION itself.
//!
//! Depends on `cairn-driver` and `cairn-rt`.
#![no_std]
#![no_main]

use cairn_driver::{Cpu, Device, Interrupt};
use cairn_rt::{String, eprintln, format, println};

cairn_rt::main!(main);

/// Standard capability list: its head pointer and the PCI Express ID.
const CAPABILITIES_POINTER: u64 = 0x34;
const PCI_EXPRESS: u8 = 0x10;
/// Most capabilities a list can hold (48 dwords past the header): a
/// longer walk is a loop.
const MAX_CAPABILITIES: usize = 48;

/// Registers of the PCI Express capability, from its start.
mod reg {
    pub const CAPABILITIES: u64 = 0x02;
    pub const SLOT_CAPABILITIES: u64 = 0x14;
    pub const SLOT_CONTROL: u64 = 0x18;
    pub const SLOT_STATUS: u64 = 0x1a;
}

/// PCI Express capabilities register: the port has a slot.
const SLOT_IMPLEMENTED: u16 = 1 << 8;
/// Slot capabilities: attention button, power controller, hot-plug capable.
const ATTENTION_BUTTON_PRESENT: u32 = 1 << 0;
const POWER_CONTROLLER_PRESENT: u32 = 1 << 1;
const HOT_PLUG_CAPABLE: u32 = 1 << 6;

/// Slot control bits.
mod control {
    pub const ATTENTION_BUTTON_ENABLE: u16 = 1 << 0;
    pub const PRESENCE_DETECT_ENABLE: u16 = 1 << 3;
    pub const HOT_PLUG_INTERRUPT_ENABLE: u16 = 1 << 5;
    /// Power indicator, bits 9:8: off.
    pub const POWER_INDICATOR_MASK: u16 = 3 << 8;
    pub const POWER_INDICATOR_OFF: u16 = 3 << 8;
    /// Power controller: 1 = off.
    pub const POWER_OFF: u16 = 1 << 10;
}

/// Slot status bits (write 1 to clear the event bits).
mod status {
    pub const ATTENTION_BUTTON_PRESSED: u16 = 1 << 0;
    pub const PRESENCE_DETECT_CHANGED: u16 = 1 << 3;
    pub const PRESENCE_DETECT_STATE: u16 = 1 << 6;
    pub const EVENTS: u16 = ATTENTION_BUTTON_PRESSED | PRESENCE_DETECT_CHANGED;
}

/// Why the driver stops.
enum Stop {
    /// Nothing to drive: the bridge has no hot-plug slot.
    NoSlot(&'static str),
    /// A configuration access or the interrupt failed.
    Failed(String),
}

/// A port's hot-plug slot: the device and where its PCI Express capability is.
struct Slot {
    device: Device,
    capability: u64,
}

impl Slot {
    fn read16(&self, register: u64) -> Result<u16, Stop> {
        let mut bytes = [0u8; 2];
        self.device.config_read(self.capability + register, &mut bytes).map_err(|e| Stop::Failed(format!("{e}")))?;
        Ok(u16::from_le_bytes(bytes))
    }

    fn read32(&self, register: u64) -> Result<u32, Stop> {
        let mut bytes = [0u8; 4];
        self.device.config_read(self.capability + register, &mut bytes).map_err(|e| Stop::Failed(format!("{e}")))?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn write16(&self, register: u64, value: u16) -> Result<(), Stop> {
        let result = self.device.config_write(self.capability + register, &value.to_le_bytes());
        result.map(drop).map_err(|e| Stop::Failed(format!("{e}")))
    }

    /// Finds the PCI Express capability of a port with a hot-plug slot.
    fn find(device: Device) -> Result<(Slot, u8), Stop> {
        let failed = |e: cairn_driver::Failure| Stop::Failed(format!("{e}"));
        let mut pointer = [0u8; 1];
        device.config_read(CAPABILITIES_POINTER, &mut pointer).map_err(failed)?;
        let mut at = pointer[0] & !3;
        for _ in 0..MAX_CAPABILITIES {
            if at < 0x40 {
                return Err(Stop::NoSlot("no PCI Express capability"));
            }
            let mut header = [0u8; 2];
            device.config_read(u64::from(at), &mut header).map_err(failed)?;
            if header[0] == PCI_EXPRESS {
                let slot = Slot { device, capability: u64::from(at) };
                let capabilities = slot.read16(reg::CAPABILITIES)?;
                if capabilities & SLOT_IMPLEMENTED == 0 {
                    return Err(Stop::NoSlot("no slot"));
                }
                let wanted = ATTENTION_BUTTON_PRESENT | POWER_CONTROLLER_PRESENT | HOT_PLUG_CAPABLE;
                if slot.read32(reg::SLOT_CAPABILITIES)? & wanted != wanted {
                    return Err(Stop::NoSlot("its slot is not hot-plug capable with a button and power control"));
                }
                // Bits 13:9: the MSI/MSI-X message of the port's own interrupts.
                let message = ((capabilities >> 9) & 0x1f) as u8;
                return Ok((slot, message));
            }
            at = header[1] & !3;
        }
        Err(Stop::Failed(String::from("the capability list loops")))
    }

    /// Binds the hot-plug interrupt: MSI-X entry `message`, else MSI.
    fn interrupt(&self, message: u8) -> Result<Interrupt, Stop> {
        self.device
            .interrupt(Some(u16::from(message)), Cpu::Any)
            .or_else(|_| self.device.interrupt(None, Cpu::Any))
            .map_err(|e| Stop::Failed(format!("{e}")))
    }

    /// Clears and returns the pending slot events.
    fn take_events(&self) -> Result<u16, Stop> {
        let pending = self.read16(reg::SLOT_STATUS)?;
        if pending & status::EVENTS != 0 {
            self.write16(reg::SLOT_STATUS, pending & status::EVENTS)?;
        }
        Ok(pending)
    }

    /// Turns the slot's power and power indicator off.
    fn power_off(&self) -> Result<(), Stop> {
        let slot_control = self.read16(reg::SLOT_CONTROL)?;
        let off = (slot_control & !control::POWER_INDICATOR_MASK) | control::POWER_INDICATOR_OFF | control::POWER_OFF;
        self.write16(reg::SLOT_CONTROL, off)
    }
}

fn serve(device: Device) -> Result<(), Stop> {
    let name = String::from(device.name());
    let (mut slot, message) = Slot::find(device)?;
    // The port's own messages are memory writes: bus mastering must be on.
    slot.device.bus_master(true).map_err(|e| Stop::Failed(format!("{e}")))?;
    let mut interrupt = slot.interrupt(message)?;
    slot.take_events()?;
    let slot_control = slot.read16(reg::SLOT_CONTROL)?;
    let enable =
        control::ATTENTION_BUTTON_ENABLE | control::PRESENCE_DETECT_ENABLE | control::HOT_PLUG_INTERRUPT_ENABLE;
    slot.write16(reg::SLOT_CONTROL, slot_control | enable)?;
    let occupied = slot.read16(reg::SLOT_STATUS)? & status::PRESENCE_DETECT_STATE != 0;
    println!("pciehp {name}: watching the slot ({})", if occupied { "occupied" } else { "empty" });
    loop {
        interrupt.wait().map_err(|e| Stop::Failed(format!("waiting for the hot-plug interrupt: {e}")))?;
        let events = slot.take_events()?;
        if events == u16::MAX {
            return Err(Stop::Failed(String::from("the port reads all ones: it is gone")));
        }
        if events & status::ATTENTION_BUTTON_PRESSED != 0 {
            println!("pciehp {name}: attention button pressed: powering the slot off");
            slot.power_off()?;
        }
        if events & status::PRESENCE_DETECT_CHANGED != 0 {
            let present = events & status::PRESENCE_DETECT_STATE != 0;
            println!(
                "pciehp {name}: {}",
                if present { "a device was added (not used until a PCI rescan)" } else { "the device was removed" }
            );
        }
        let _ = interrupt.acknowledge();
    }
}

fn main() -> i32 {
    let device = match cairn_rt::env::args().nth(1) {
        Some(function) => Device::claim(&function),
        None => match Device::inherited() {
            Some(device) => device,
            None => {
                eprintln!("usage: pciehp FUNCTION (or started by devd)");
                return 2;
            }
        },
    };
    let device = match device {
        Ok(device) => device,
        Err(e) => {
            eprintln!("pciehp: {e}");
            return 1;
        }
    };
    let name = String::from(device.name());
    match serve(device) {
        Ok(()) => 0,
        Err(Stop::NoSlot(why)) => {
            println!("pciehp {name}: {why}: nothing to drive");
            0
        }
        Err(Stop::Failed(why)) => {
            eprintln!("pciehp {name}: {why}");
            1
        }
    }
}
