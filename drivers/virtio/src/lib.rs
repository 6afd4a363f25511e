//! `cairn-virtio`: virtio 1.x devices over PCI, for Cairn's drivers
//! (virtio-blk, virtio-net). [`ring`] is the split virtqueue, [`caps`]
//! reads the virtio PCI capabilities, [`net`] holds the network device's
//! header and checks — all pure logic, tested on the host — and, with
//! the `pci` feature, [`pci::Transport`] drives a modern (virtio 1.x)
//! function through its device context: reset, feature negotiation,
//! MSI-X vectors, queue setup, notifications and the device-specific
//! configuration.
//!
//! Depends on `alloc`; with `pci`, on `cairn-driver` and `cairn-rt`.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod caps;
pub mod net;
#[cfg(feature = "pci")]
pub mod pci;
pub mod ring;

/// Feature bits every device type shares (§6).
pub mod feature {
    /// The device speaks virtio 1.x (not the legacy interface).
    pub const VERSION_1: u64 = 1 << 32;
}
