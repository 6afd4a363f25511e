//! Kernel symbol lookup for crash reports. GRUB loads the kernel ELF's
//! `.symtab` and `.strtab` into memory and describes them in the Multiboot2
//! ELF-sections tag; [`install`] remembers them and [`lookup`] maps an
//! address to the function containing it. Every read is bounds-checked, so
//! a damaged table yields "no symbol", never a fault.

use crate::mm::phys_to_virt;

/// Size of one `Elf64_Sym`.
const SYMBOL_SIZE: usize = 24;
/// `STT_FUNC`.
const SYMBOL_TYPE_FUNCTION: u8 = 2;

/// Physical location of the symbol and string tables.
#[derive(Clone, Copy, Debug)]
pub struct SymbolTableLocation {
    pub symbols_phys: u64,
    pub symbols_len: u64,
    pub strings_phys: u64,
    pub strings_len: u64,
}

struct SymbolTable {
    symbols: &'static [u8],
    strings: &'static [u8],
}

static TABLE: spin::Once<SymbolTable> = spin::Once::new();

/// Makes the tables available to [`lookup`].
///
/// # Safety
/// Both ranges must be memory that stays mapped in the direct map and is
/// never handed out by the frame allocator (they are boot-reserved).
pub unsafe fn install(location: SymbolTableLocation) {
    // SAFETY: guaranteed by the caller.
    let (symbols, strings) = unsafe {
        (
            core::slice::from_raw_parts(phys_to_virt(location.symbols_phys), location.symbols_len as usize),
            core::slice::from_raw_parts(phys_to_virt(location.strings_phys), location.strings_len as usize),
        )
    };
    TABLE.call_once(|| SymbolTable { symbols, strings });
}

fn field_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The (mangled) name of the function containing `address` and the offset
/// into it.
pub fn lookup(address: u64) -> Option<(&'static str, u64)> {
    let table = TABLE.get()?;
    table.symbols.chunks_exact(SYMBOL_SIZE).find_map(|symbol| {
        let name_offset = u32::from_le_bytes([symbol[0], symbol[1], symbol[2], symbol[3]]) as usize;
        let kind = symbol[4] & 0xf;
        let value = field_u64(symbol, 8);
        let size = field_u64(symbol, 16);
        if kind != SYMBOL_TYPE_FUNCTION || address < value || address - value >= size {
            return None;
        }
        let tail = table.strings.get(name_offset..)?;
        let len = tail.iter().position(|&b| b == 0)?;
        let name = core::str::from_utf8(&tail[..len]).ok()?;
        Some((name, address - value))
    })
}
