//! The virtio 1.x PCI transport (§4.1) on a claimed function: finds the
//! common, notification and device-configuration structures from the
//! vendor capabilities, maps their BARs, and drives the device through
//! initialisation (§3.1): reset, ACKNOWLEDGE and DRIVER, feature
//! negotiation (VERSION_1 required), FEATURES_OK, MSI-X vectors, queues,
//! DRIVER_OK. Every wait is bounded; a device that sets DEVICE_NEEDS_RESET
//! or FAILED is reported by [`Transport::health`].

use alloc::vec;
use alloc::vec::Vec;
use cairn_driver::{Device, DmaBuffer, Failure, Registers};
use cairn_rt::time::{Duration, Instant};

use crate::caps::{self, CapabilityError, Kind};
use crate::feature::VERSION_1;
use crate::ring::Layout;

/// Common configuration registers (offsets in its structure).
mod common {
    pub const DEVICE_FEATURE_SELECT: usize = 0x00;
    pub const DEVICE_FEATURE: usize = 0x04;
    pub const DRIVER_FEATURE_SELECT: usize = 0x08;
    pub const DRIVER_FEATURE: usize = 0x0c;
    pub const CONFIG_MSIX_VECTOR: usize = 0x10;
    pub const NUM_QUEUES: usize = 0x12;
    pub const DEVICE_STATUS: usize = 0x14;
    pub const CONFIG_GENERATION: usize = 0x15;
    pub const QUEUE_SELECT: usize = 0x16;
    pub const QUEUE_SIZE: usize = 0x18;
    pub const QUEUE_MSIX_VECTOR: usize = 0x1a;
    pub const QUEUE_ENABLE: usize = 0x1c;
    pub const QUEUE_NOTIFY_OFF: usize = 0x1e;
    pub const QUEUE_DESC: usize = 0x20;
    pub const QUEUE_DRIVER: usize = 0x28;
    pub const QUEUE_DEVICE: usize = 0x30;
    /// Bytes the structure has at least.
    pub const LENGTH: usize = 0x38;
}

/// Device status bits (§2.1).
mod status {
    pub const ACKNOWLEDGE: u8 = 1;
    pub const DRIVER: u8 = 2;
    pub const DRIVER_OK: u8 = 4;
    pub const FEATURES_OK: u8 = 8;
    pub const NEEDS_RESET: u8 = 0x40;
    pub const FAILED: u8 = 0x80;
}

/// The MSI-X vector number meaning "none" (what a device answers when it
/// could not take a vector).
const NO_VECTOR: u16 = 0xffff;
/// How long a reset may take.
const RESET_TIMEOUT: Duration = Duration::from_secs(1);
/// Reads of the device configuration retried while it changes underneath.
const CONFIG_RETRIES: usize = 16;

/// A virtio failure.
#[derive(Debug)]
pub enum VirtioError {
    /// A call on the device context failed.
    Device(Failure),
    /// The capability list could not be read.
    Capabilities(CapabilityError),
    /// The function lacks a modern (virtio 1.x) structure: a legacy-only device.
    NotModern { missing: &'static str },
    /// A structure lies outside its BAR.
    OutsideBar { what: &'static str },
    /// The device does not offer VIRTIO_F_VERSION_1.
    NoVersion1,
    /// The device cleared FEATURES_OK: it refuses the features chosen.
    FeaturesRefused,
    /// Queue `0` has size 0 (it does not exist) or its notification
    /// address lies outside the notification structure.
    BadQueue(u16, &'static str),
    /// The device would not take an MSI-X vector for this.
    NoVector { what: &'static str },
    /// The device did not reach the state in time.
    Timeout { what: &'static str },
    /// The device reports DEVICE_NEEDS_RESET or FAILED.
    Broken(Health),
}

impl core::fmt::Display for VirtioError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            VirtioError::Device(failure) => write!(f, "{failure}"),
            VirtioError::Capabilities(error) => write!(f, "{error}"),
            VirtioError::NotModern { missing } => {
                write!(f, "no virtio 1.x {missing} capability (a legacy-only device; Cairn drives modern virtio)")
            }
            VirtioError::OutsideBar { what } => write!(f, "the {what} structure lies outside its BAR"),
            VirtioError::NoVersion1 => write!(f, "the device does not offer VIRTIO_F_VERSION_1"),
            VirtioError::FeaturesRefused => write!(f, "the device refused the features chosen (FEATURES_OK cleared)"),
            VirtioError::BadQueue(queue, why) => write!(f, "queue {queue}: {why}"),
            VirtioError::NoVector { what } => write!(f, "the device took no MSI-X vector for {what}"),
            VirtioError::Timeout { what } => write!(f, "timed out waiting for {what}"),
            VirtioError::Broken(health) => write!(f, "the device reports {health:?}"),
        }
    }
}

impl From<Failure> for VirtioError {
    fn from(failure: Failure) -> VirtioError {
        VirtioError::Device(failure)
    }
}

/// What the device status says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Working,
    /// DEVICE_NEEDS_RESET: the device hit an error it cannot recover from
    /// without a reset.
    NeedsReset,
    /// FAILED.
    Failed,
    /// The function is gone (hot-removed: it reads all ones).
    Gone,
}

/// A structure: which mapped BAR, where in it, how long.
#[derive(Clone, Copy)]
struct Window {
    bar: usize,
    offset: usize,
    length: usize,
}

/// Where to write a queue's index to notify the device of new buffers.
#[derive(Clone, Copy, Debug)]
pub struct Notifier {
    queue: u16,
    offset: usize,
}

/// A queue the device was given: its layout, its memory (zeroed when
/// made), and how to notify the device of new buffers.
pub struct Queue {
    pub layout: Layout,
    pub memory: DmaBuffer,
    pub notifier: Notifier,
}

/// A modern virtio PCI function, claimed.
pub struct Transport {
    device: Device,
    /// The mapped BARs, with their numbers.
    bars: Vec<(u8, Registers)>,
    common: Window,
    notify: Window,
    notify_multiplier: usize,
    config: Window,
}

impl Transport {
    /// Reads the capabilities of `device`, maps the structures and turns
    /// bus mastering on. A function without the modern structures (a
    /// legacy-only device) is `NotModern`.
    pub fn new(mut device: Device) -> Result<Transport, VirtioError> {
        let mut config = vec![0u8; 256];
        let read = device.config_read(0, &mut config)?;
        config.truncate(read);
        let found = caps::capabilities(&config).map_err(VirtioError::Capabilities)?;
        let pick = |kind, missing| caps::first(&found, kind).ok_or(VirtioError::NotModern { missing });
        let chosen = [
            (pick(Kind::Common, "common configuration")?, "common configuration", common::LENGTH),
            (pick(Kind::Notify, "notification")?, "notification", 2),
            (pick(Kind::Device, "device configuration")?, "device configuration", 1),
        ];
        let mut bars: Vec<(u8, Registers)> = Vec::new();
        let mut windows = [Window { bar: 0, offset: 0, length: 0 }; 3];
        for (window, (capability, what, least)) in windows.iter_mut().zip(chosen) {
            let bar = match bars.iter().position(|(number, _)| *number == capability.bar) {
                Some(index) => index,
                None => {
                    bars.push((capability.bar, device.registers(capability.bar)?));
                    bars.len() - 1
                }
            };
            let (offset, length) = (capability.offset as usize, capability.length as usize);
            let last = offset.checked_add(length.max(least)).and_then(|end| end.checked_sub(1));
            if length < least || last.is_none_or(|last| bars[bar].1.read8(last).is_none()) {
                return Err(VirtioError::OutsideBar { what });
            }
            *window = Window { bar, offset, length };
        }
        let notify_multiplier = chosen[1].0.notify_multiplier as usize;
        device.bus_master(true)?;
        let [common, notify, config] = windows;
        Ok(Transport { device, bars, common, notify, notify_multiplier, config })
    }

    /// The claimed function (for DMA memory and interrupts).
    pub fn device(&self) -> &Device {
        &self.device
    }

    fn registers(&self, window: Window) -> &Registers {
        &self.bars[window.bar].1
    }

    fn read8(&self, at: usize) -> u8 {
        self.registers(self.common).read8(self.common.offset + at).unwrap_or(u8::MAX)
    }

    fn read16(&self, at: usize) -> u16 {
        self.registers(self.common).read16(self.common.offset + at).unwrap_or(u16::MAX)
    }

    fn read32(&self, at: usize) -> u32 {
        self.registers(self.common).read32(self.common.offset + at).unwrap_or(u32::MAX)
    }

    fn write8(&self, at: usize, value: u8) {
        self.registers(self.common).write8(self.common.offset + at, value);
    }

    fn write16(&self, at: usize, value: u16) {
        self.registers(self.common).write16(self.common.offset + at, value);
    }

    fn write32(&self, at: usize, value: u32) {
        self.registers(self.common).write32(self.common.offset + at, value);
    }

    /// A 64-bit register as two 32-bit writes, low half first.
    fn write64(&self, at: usize, value: u64) {
        self.write32(at, value as u32);
        self.write32(at + 4, (value >> 32) as u32);
    }

    fn add_status(&self, bits: u8) {
        self.write8(common::DEVICE_STATUS, self.read8(common::DEVICE_STATUS) | bits);
    }

    /// Resets the device (status 0, waited for, bounded), then sets
    /// ACKNOWLEDGE and DRIVER.
    pub fn reset(&self) -> Result<(), VirtioError> {
        self.write8(common::DEVICE_STATUS, 0);
        let start = Instant::now();
        while self.read8(common::DEVICE_STATUS) != 0 {
            if start.elapsed() > RESET_TIMEOUT {
                return Err(VirtioError::Timeout { what: "the device to reset (status 0)" });
            }
            cairn_rt::thread::sleep(Duration::from_millis(1));
        }
        self.add_status(status::ACKNOWLEDGE);
        self.add_status(status::DRIVER);
        Ok(())
    }

    /// Offers VERSION_1 and those of `wanted` the device offers; the
    /// features agreed. Sets FEATURES_OK and checks the device kept it.
    pub fn negotiate(&self, wanted: u64) -> Result<u64, VirtioError> {
        let mut offered = 0u64;
        for half in 0..2u32 {
            self.write32(common::DEVICE_FEATURE_SELECT, half);
            offered |= u64::from(self.read32(common::DEVICE_FEATURE)) << (32 * half);
        }
        if offered & VERSION_1 == 0 {
            return Err(VirtioError::NoVersion1);
        }
        let agreed = offered & (wanted | VERSION_1);
        for half in 0..2u32 {
            self.write32(common::DRIVER_FEATURE_SELECT, half);
            self.write32(common::DRIVER_FEATURE, (agreed >> (32 * half)) as u32);
        }
        self.add_status(status::FEATURES_OK);
        if self.read8(common::DEVICE_STATUS) & status::FEATURES_OK == 0 {
            return Err(VirtioError::FeaturesRefused);
        }
        Ok(agreed)
    }

    /// Sends configuration-change interrupts to MSI-X entry `vector`.
    pub fn config_vector(&self, vector: u16) -> Result<(), VirtioError> {
        self.write16(common::CONFIG_MSIX_VECTOR, vector);
        match self.read16(common::CONFIG_MSIX_VECTOR) {
            NO_VECTOR => Err(VirtioError::NoVector { what: "configuration changes" }),
            _ => Ok(()),
        }
    }

    /// How many queues the device has.
    pub fn queues(&self) -> u16 {
        self.read16(common::NUM_QUEUES)
    }

    /// Sets queue `queue` up with at most `wanted` entries (the largest
    /// power of two the device allows), in fresh zeroed DMA memory, its
    /// interrupts on MSI-X entry `vector`, and enables it.
    pub fn setup_queue(&self, queue: u16, wanted: u16, vector: u16) -> Result<Queue, VirtioError> {
        self.write16(common::QUEUE_SELECT, queue);
        let offered = self.read16(common::QUEUE_SIZE);
        let layout = Layout::fitting(offered, wanted).ok_or(VirtioError::BadQueue(queue, "its size is 0"))?;
        let memory = self.device.dma(layout.bytes, 64)?;
        let offset = usize::from(self.read16(common::QUEUE_NOTIFY_OFF)) * self.notify_multiplier;
        if offset + 2 > self.notify.length {
            return Err(VirtioError::BadQueue(queue, "its notification address lies outside the structure"));
        }
        self.write16(common::QUEUE_SIZE, layout.size);
        self.write16(common::QUEUE_MSIX_VECTOR, vector);
        if self.read16(common::QUEUE_MSIX_VECTOR) == NO_VECTOR {
            return Err(VirtioError::NoVector { what: "a queue" });
        }
        let base = memory.device_address;
        self.write64(common::QUEUE_DESC, base);
        self.write64(common::QUEUE_DRIVER, base + layout.available as u64);
        self.write64(common::QUEUE_DEVICE, base + layout.used as u64);
        self.write16(common::QUEUE_ENABLE, 1);
        Ok(Queue { layout, memory, notifier: Notifier { queue, offset: self.notify.offset + offset } })
    }

    /// Sets DRIVER_OK: the device may use its queues.
    pub fn driver_ok(&self) {
        self.add_status(status::DRIVER_OK);
    }

    /// Tells the device queue `notifier` has new buffers.
    pub fn notify(&self, notifier: Notifier) {
        self.registers(self.notify).write16(notifier.offset, notifier.queue);
    }

    /// Whether the device still works.
    pub fn health(&self) -> Health {
        if !self.device.present() {
            return Health::Gone;
        }
        let status = self.read8(common::DEVICE_STATUS);
        if status & status::FAILED != 0 {
            Health::Failed
        } else if status & status::NEEDS_RESET != 0 {
            Health::NeedsReset
        } else {
            Health::Working
        }
    }

    /// Reads the device-specific configuration with `read`, repeated
    /// while the device's configuration generation changes underneath
    /// (bounded). A field outside the structure reads as `None`.
    pub fn device_config<T>(&self, read: impl Fn(&DeviceConfig<'_>) -> T) -> Result<T, VirtioError> {
        let config = DeviceConfig { registers: self.registers(self.config), window: self.config };
        for _ in 0..CONFIG_RETRIES {
            let before = self.read8(common::CONFIG_GENERATION);
            let value = read(&config);
            if self.read8(common::CONFIG_GENERATION) == before {
                return Ok(value);
            }
        }
        Err(VirtioError::Timeout { what: "a stable device configuration" })
    }
}

/// The device-specific configuration structure, read field by field
/// (each access of the field's own width, inside the structure).
pub struct DeviceConfig<'a> {
    registers: &'a Registers,
    window: Window,
}

impl DeviceConfig<'_> {
    fn at(&self, offset: usize, width: usize) -> Option<usize> {
        (offset + width <= self.window.length).then_some(self.window.offset + offset)
    }

    pub fn read8(&self, offset: usize) -> Option<u8> {
        self.registers.read8(self.at(offset, 1)?)
    }

    pub fn read16(&self, offset: usize) -> Option<u16> {
        self.registers.read16(self.at(offset, 2)?)
    }

    pub fn read32(&self, offset: usize) -> Option<u32> {
        self.registers.read32(self.at(offset, 4)?)
    }

    /// A 64-bit field as two 32-bit reads, low half first.
    pub fn read64(&self, offset: usize) -> Option<u64> {
        let low = self.read32(offset)?;
        Some(u64::from(low) | u64::from(self.read32(offset + 4)?) << 32)
    }
}
