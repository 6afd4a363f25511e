//! Second-level page tables: a domain's map from I/O virtual addresses
//! (what its device puts on the bus) to physical pages, in the format
//! the remapping unit walks (VT-d specification §9.8: 512 64-bit entries
//! per 4 KiB table, bit 0 read, bit 1 write, bits 51:12 the address; 3
//! levels for 39-bit domains, 4 for 48-bit). Only 4 KiB leaves are made.
//!
//! The tables live in memory reached through a [`TableMemory`], so the
//! same code runs on physical frames in the kernel and on a fake in tests.

use bitflags::bitflags;

use crate::AddressWidth;

const ENTRIES: usize = 512;
const PAGE: u64 = 4096;
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

bitflags! {
    /// What a device may do to a mapped page.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Permissions: u64 {
        const READ = 1 << 0;
        const WRITE = 1 << 1;
    }
}

/// Where the tables live.
pub trait TableMemory {
    /// A zeroed 4 KiB table; its physical address.
    fn allocate_table(&mut self) -> Option<u64>;
    /// Gives back a table from `allocate_table`.
    fn free_table(&mut self, table: u64);
    /// Entry `index` of the table at `table`.
    fn read(&self, table: u64, index: usize) -> u64;
    /// Sets entry `index` of the table at `table` (visible to the unit
    /// when this returns).
    fn write(&mut self, table: u64, index: usize, value: u64);
}

/// Why a mapping was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// The address is not page-aligned or lies beyond the domain's width.
    BadAddress,
    /// Something is mapped there already.
    AlreadyMapped,
    /// No memory for a table.
    OutOfMemory,
}

/// One domain's second-level page table.
#[derive(Debug)]
pub struct PageTable {
    root: u64,
    width: AddressWidth,
}

impl PageTable {
    /// An empty table (`None` without memory for its root).
    pub fn new(memory: &mut dyn TableMemory, width: AddressWidth) -> Option<PageTable> {
        Some(PageTable { root: memory.allocate_table()?, width })
    }

    /// Physical address of the top-level table (for the context entry).
    pub fn root(&self) -> u64 {
        self.root
    }

    pub fn width(&self) -> AddressWidth {
        self.width
    }

    /// Index into the table of level `level` (1 = leaves) for `iova`.
    fn index(iova: u64, level: u32) -> usize {
        ((iova >> (12 + 9 * (level - 1))) & 0x1ff) as usize
    }

    fn checked(&self, iova: u64) -> Result<(), MapError> {
        if !iova.is_multiple_of(PAGE) || iova >> self.width.bits() != 0 {
            return Err(MapError::BadAddress);
        }
        Ok(())
    }

    /// Maps the page at `iova` to the physical page `physical`.
    pub fn map(
        &mut self,
        memory: &mut dyn TableMemory,
        iova: u64,
        physical: u64,
        permissions: Permissions,
    ) -> Result<(), MapError> {
        self.checked(iova)?;
        if !physical.is_multiple_of(PAGE) || physical & !ADDRESS_MASK != 0 {
            return Err(MapError::BadAddress);
        }
        let mut table = self.root;
        for level in (2..=self.width.levels()).rev() {
            let index = Self::index(iova, level);
            let entry = memory.read(table, index);
            table = if entry & Permissions::all().bits() != 0 {
                entry & ADDRESS_MASK
            } else {
                let next = memory.allocate_table().ok_or(MapError::OutOfMemory)?;
                memory.write(table, index, next | Permissions::all().bits());
                next
            };
        }
        let index = Self::index(iova, 1);
        if memory.read(table, index) & Permissions::all().bits() != 0 {
            return Err(MapError::AlreadyMapped);
        }
        memory.write(table, index, physical | permissions.bits());
        Ok(())
    }

    /// The leaf table and index for `iova`, if its tables exist.
    fn leaf(&self, memory: &dyn TableMemory, iova: u64) -> Option<(u64, usize)> {
        self.checked(iova & !(PAGE - 1)).ok()?;
        let mut table = self.root;
        for level in (2..=self.width.levels()).rev() {
            let entry = memory.read(table, Self::index(iova, level));
            if entry & Permissions::all().bits() == 0 {
                return None;
            }
            table = entry & ADDRESS_MASK;
        }
        Some((table, Self::index(iova, 1)))
    }

    /// Removes the mapping of the page at `iova`; the page it mapped.
    pub fn unmap(&mut self, memory: &mut dyn TableMemory, iova: u64) -> Option<u64> {
        let (table, index) = self.leaf(memory, iova)?;
        let entry = memory.read(table, index);
        if entry & Permissions::all().bits() == 0 {
            return None;
        }
        memory.write(table, index, 0);
        Some(entry & ADDRESS_MASK)
    }

    /// Where `iova` leads, and with what permissions.
    pub fn translate(&self, memory: &dyn TableMemory, iova: u64) -> Option<(u64, Permissions)> {
        let (table, index) = self.leaf(memory, iova)?;
        let entry = memory.read(table, index);
        let permissions = Permissions::from_bits_truncate(entry);
        (!permissions.is_empty()).then_some(((entry & ADDRESS_MASK) | (iova & (PAGE - 1)), permissions))
    }

    /// Frees every table (not the pages they mapped).
    pub fn destroy(self, memory: &mut dyn TableMemory) {
        free_level(memory, self.root, self.width.levels());
    }
}

fn free_level(memory: &mut dyn TableMemory, table: u64, level: u32) {
    if level > 1 {
        for index in 0..ENTRIES {
            let entry = memory.read(table, index);
            if entry & Permissions::all().bits() != 0 {
                free_level(memory, entry & ADDRESS_MASK, level - 1);
            }
        }
    }
    memory.free_table(table);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::vec;
    use std::vec::Vec;

    /// Tables in a map from address to entries, at made-up addresses.
    #[derive(Default)]
    struct FakeMemory {
        tables: BTreeMap<u64, Vec<u64>>,
        next: u64,
        limit: Option<usize>,
    }

    impl TableMemory for FakeMemory {
        fn allocate_table(&mut self) -> Option<u64> {
            if self.limit.is_some_and(|limit| self.tables.len() >= limit) {
                return None;
            }
            self.next += PAGE;
            self.tables.insert(0x100_0000 + self.next, vec![0; ENTRIES]);
            Some(0x100_0000 + self.next)
        }
        fn free_table(&mut self, table: u64) {
            assert!(self.tables.remove(&table).is_some(), "double free of {table:#x}");
        }
        fn read(&self, table: u64, index: usize) -> u64 {
            self.tables[&table][index]
        }
        fn write(&mut self, table: u64, index: usize, value: u64) {
            self.tables.get_mut(&table).unwrap()[index] = value;
        }
    }

    #[test]
    fn maps_translates_and_unmaps() {
        for width in [AddressWidth::Bits39, AddressWidth::Bits48] {
            let mut memory = FakeMemory::default();
            let mut table = PageTable::new(&mut memory, width).unwrap();
            table.map(&mut memory, 0x10_0000, 0x4000_0000, Permissions::all()).unwrap();
            table.map(&mut memory, 0x7f_ffff_f000, 0x5000, Permissions::READ).unwrap();
            // Both share the top-level entry of a 48-bit table, nothing else.
            let expected = if width == AddressWidth::Bits48 { 6 } else { 5 };
            assert_eq!(memory.tables.len(), expected);
            assert_eq!(table.translate(&memory, 0x10_0123), Some((0x4000_0123, Permissions::all())));
            assert_eq!(table.translate(&memory, 0x7f_ffff_f008), Some((0x5008, Permissions::READ)));
            assert_eq!(table.translate(&memory, 0x10_1000), None);
            assert_eq!(table.map(&mut memory, 0x10_0000, 0x6000, Permissions::READ), Err(MapError::AlreadyMapped));
            assert_eq!(table.unmap(&mut memory, 0x10_0000), Some(0x4000_0000));
            assert_eq!(table.unmap(&mut memory, 0x10_0000), None);
            assert_eq!(table.translate(&memory, 0x10_0000), None);
            table.destroy(&mut memory);
            assert!(memory.tables.is_empty());
        }
    }

    #[test]
    fn refuses_bad_addresses_and_survives_running_out() {
        let mut memory = FakeMemory::default();
        let mut table = PageTable::new(&mut memory, AddressWidth::Bits39).unwrap();
        assert_eq!(table.map(&mut memory, 0x1001, 0x2000, Permissions::READ), Err(MapError::BadAddress));
        assert_eq!(table.map(&mut memory, 1 << 39, 0x2000, Permissions::READ), Err(MapError::BadAddress));
        assert_eq!(table.map(&mut memory, 0x1000, 0x2001, Permissions::READ), Err(MapError::BadAddress));
        assert_eq!(table.translate(&memory, u64::MAX), None);
        assert_eq!(table.unmap(&mut memory, 1 << 40), None);
        memory.limit = Some(2);
        assert_eq!(table.map(&mut memory, 0x1000, 0x2000, Permissions::READ), Err(MapError::OutOfMemory));
        memory.limit = None;
        table.map(&mut memory, 0x1000, 0x2000, Permissions::READ).unwrap();
        table.destroy(&mut memory);
        assert!(memory.tables.is_empty());
    }
}
