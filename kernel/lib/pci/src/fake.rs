//! A fake configuration space for the tests: functions as arrays of dwords
//! with a per-dword mask of writable bits, so BAR probing sees real
//! size masks. It notes any all-ones BAR write made while the function's
//! decoding was on, which the probing code must never do.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::header::offset;
use crate::{Address, ConfigSpace};

pub struct FakeFunction {
    pub regs: [u32; 1024],
    pub writable: [u32; 1024],
}

impl FakeFunction {
    fn set(&mut self, at: u16, value: u32, writable: u32) -> &mut Self {
        self.regs[usize::from(at / 4)] = value;
        self.writable[usize::from(at / 4)] = writable;
        self
    }

    pub fn reg(&self, at: u16) -> u32 {
        self.regs[usize::from(at / 4)]
    }

    /// A 32-bit memory BAR of `size` at `address`.
    pub fn bar32(&mut self, index: u16, address: u32, size: u32, prefetchable: bool) -> &mut Self {
        let raw = address | if prefetchable { 0x8 } else { 0 };
        self.set(offset::BAR0 + index * 4, raw, !(size - 1))
    }

    /// A 64-bit memory BAR of `size` at `address` in slots `index`, `index + 1`.
    pub fn bar64(&mut self, index: u16, address: u64, size: u64, prefetchable: bool) -> &mut Self {
        let writable = !(size - 1);
        let raw = address as u32 | 0x4 | if prefetchable { 0x8 } else { 0 };
        self.set(offset::BAR0 + index * 4, raw, writable as u32 & !0xf);
        self.set(offset::BAR0 + index * 4 + 4, (address >> 32) as u32, (writable >> 32) as u32)
    }

    /// An I/O BAR of `size` at port `port` with a 16-bit decoder.
    pub fn io_bar(&mut self, index: u16, port: u32, size: u32) -> &mut Self {
        self.set(offset::BAR0 + index * 4, port | 1, !(size - 1) & 0xfffc)
    }

    /// A BAR with raw value `raw` and writable bits `writable`, any nonsense.
    pub fn raw_bar(&mut self, index: u16, raw: u32, writable: u32) -> &mut Self {
        self.set(offset::BAR0 + index * 4, raw, writable)
    }

    pub fn rom(&mut self, at: u16, address: u32, size: u32) -> &mut Self {
        self.set(at, address, !(size - 1) | 1)
    }

    /// Adds a standard capability at `at` and links it after the list's end.
    pub fn capability(&mut self, at: u16, id: u8, next: u8, rest: &[u32]) -> &mut Self {
        let status = self.reg(offset::COMMAND_STATUS) | (1 << 20);
        self.set(offset::COMMAND_STATUS, status, 0xffff);
        self.regs[usize::from(at / 4)] =
            (self.regs[usize::from(at / 4)] & 0xffff_0000) | u32::from(next) << 8 | u32::from(id);
        for (i, dword) in rest.iter().enumerate() {
            self.regs[usize::from(at / 4) + 1 + i] = *dword;
        }
        self
    }

    /// Sets the capabilities pointer at 0x34.
    pub fn capabilities_at(&mut self, pointer: u8) -> &mut Self {
        self.set(offset::CAPABILITIES, u32::from(pointer), 0)
    }

    /// Sets the upper half of a capability's first dword (its control register).
    pub fn control(&mut self, at: u16, control: u16) -> &mut Self {
        let i = usize::from(at / 4);
        self.regs[i] = (self.regs[i] & 0xffff) | u32::from(control) << 16;
        self
    }

    /// A bridge's bus numbers.
    pub fn buses(&mut self, primary: u8, secondary: u8, subordinate: u8) -> &mut Self {
        self.set(offset::BRIDGE_BUSES, u32::from_le_bytes([primary, secondary, subordinate, 0]), 0x00ff_ffff)
    }

    pub fn interrupt(&mut self, pin: u8, line: u8) -> &mut Self {
        self.set(offset::INTERRUPT, u32::from(pin) << 8 | u32::from(line), 0xff)
    }

    pub fn subsystem(&mut self, vendor: u16, device: u16) -> &mut Self {
        self.set(offset::SUBSYSTEM, u32::from(device) << 16 | u32::from(vendor), 0)
    }

    pub fn set_dword(&mut self, at: u16, value: u32) -> &mut Self {
        self.regs[usize::from(at / 4)] = value;
        self
    }
}

pub struct Fake {
    pub functions: RefCell<BTreeMap<Address, FakeFunction>>,
    pub size: u16,
    /// Set when a BAR was written with all ones while decoding was on.
    pub probed_while_decoding: Cell<bool>,
    pub reads: Cell<u64>,
}

pub fn at(bus: u8, device: u8, function: u8) -> Address {
    Address::new(0, bus, device, function).unwrap()
}

impl Fake {
    pub fn new(size: u16) -> Fake {
        Fake {
            functions: RefCell::new(BTreeMap::new()),
            size,
            probed_while_decoding: Cell::new(false),
            reads: Cell::new(0),
        }
    }

    /// Adds a function with header layout `layout` (bit 7: multifunction),
    /// memory and I/O decoding on, and returns it for more setup.
    pub fn add(
        &self,
        address: Address,
        id: (u16, u16),
        class: (u8, u8, u8),
        layout: u8,
        edit: impl FnOnce(&mut FakeFunction),
    ) {
        let mut function = FakeFunction { regs: [0; 1024], writable: [0; 1024] };
        function.set(offset::ID, u32::from(id.1) << 16 | u32::from(id.0), 0);
        function.set(offset::COMMAND_STATUS, 0x0007, 0xffff);
        let class = u32::from(class.0) << 24 | u32::from(class.1) << 16 | u32::from(class.2) << 8 | 0x02;
        function.set(offset::CLASS_REVISION, class, 0);
        function.set(offset::HEADER, u32::from(layout) << 16, 0);
        edit(&mut function);
        self.functions.borrow_mut().insert(address, function);
    }

    pub fn reg(&self, address: Address, at: u16) -> u32 {
        self.functions.borrow()[&address].reg(at)
    }
}

impl ConfigSpace for Fake {
    fn read(&self, address: Address, offset: u16) -> u32 {
        assert!(offset.is_multiple_of(4) && offset < self.size, "bad offset {offset:#x}");
        self.reads.set(self.reads.get() + 1);
        self.functions.borrow().get(&address).map_or(u32::MAX, |f| f.reg(offset))
    }

    fn write(&self, address: Address, at: u16, value: u32) {
        assert!(at.is_multiple_of(4) && at < self.size, "bad offset {at:#x}");
        let mut functions = self.functions.borrow_mut();
        let Some(function) = functions.get_mut(&address) else { return };
        let decoding = function.reg(offset::COMMAND_STATUS) & 0x3 != 0;
        let is_bar = (offset::BAR0..offset::SUBSYSTEM).contains(&at) || at == offset::ROM || at == offset::BRIDGE_ROM;
        if is_bar && decoding && (value == u32::MAX || value == 0xffff_f800) {
            self.probed_while_decoding.set(true);
        }
        let i = usize::from(at / 4);
        let writable = function.writable[i];
        function.regs[i] = (function.regs[i] & !writable) | (value & writable);
    }

    fn size(&self) -> u16 {
        self.size
    }
}
