//! The initfs: the read-only image of user programs and configuration GRUB
//! loads as the Multiboot2 module named `initfs`. Parsed (and fully
//! validated by `cairn-initfs`) once at boot; the bytes stay reserved and
//! mapped for ever.

use cairn_initfs::{Entry, EntryKind, Initfs};

use crate::bootinfo::BootInfo;
use crate::mm::phys_to_virt;

static INITFS: spin::Once<Initfs<'static>> = spin::Once::new();

/// Finds and parses the `initfs` module. Logs and returns false when it is
/// missing or malformed.
pub fn init(info: &BootInfo) -> bool {
    let Some(module) = info.modules.as_slice().iter().find(|m| m.name == "initfs") else {
        log::warn!("initfs: no boot module named 'initfs'; no user space");
        return false;
    };
    // SAFETY: the module range is boot-reserved (never handed out by the
    // frame allocator) and inside the direct map.
    let image: &'static [u8] =
        unsafe { core::slice::from_raw_parts(phys_to_virt(module.range.start), module.range.len() as usize) };
    match Initfs::parse(image) {
        Ok(initfs) => {
            log::info!("initfs: {} entries, {} KiB", initfs.entry_count(), image.len() / 1024);
            INITFS.call_once(|| initfs);
            true
        }
        Err(e) => {
            log::warn!("initfs: malformed image ({e}); no user space");
            false
        }
    }
}

/// The children of directory `path` (name, whether a directory), if it is
/// a directory of the initfs.
pub fn directory(path: &str) -> Option<alloc::vec::Vec<(alloc::string::String, bool)>> {
    let children = INITFS.get()?.read_dir(path)?;
    Some(children.map(|child| (alloc::string::String::from(child.name), child.kind == EntryKind::Dir)).collect())
}

/// The file at absolute `path`, if the initfs has one.
pub fn file(path: &str) -> Option<Entry<'static>> {
    INITFS.get()?.lookup(path).filter(|e| e.kind == EntryKind::File)
}
