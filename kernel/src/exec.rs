//! Loading an ELF64 executable into a new address space: full validation
//! of the headers (anything odd is `ENOEXEC`), static `ET_EXEC` images at
//! their link address and static-PIE `ET_DYN` images at a random base with
//! their `R_X86_64_RELATIVE` relocations applied, then a randomised user
//! stack holding argv, envp and the auxiliary vector (SysV layout).

use alloc::boxed::Box;
use alloc::vec::Vec;

use cairn_abi::{Error, Result, auxv, error};
use cairn_physmem::FRAME_SIZE;
use goblin::elf::Elf;
use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_DYN, ET_EXEC};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD};
use goblin::elf::reloc::R_X86_64_RELATIVE;

use crate::random;
use crate::vm::{AddressSpace, Backing, Protection, USER_END, USER_START};

/// A loaded program, ready for its first thread.
pub struct LoadedImage {
    pub space: Box<AddressSpace>,
    pub entry: u64,
    pub stack_pointer: u64,
    /// Top of the area `mmap` fills downwards.
    pub mmap_top: u64,
}

/// Largest memory image a program may ask for.
const MAX_IMAGE_BYTES: u64 = 1 << 30;
/// Size of the main thread's stack.
pub const STACK_BYTES: u64 = 8 << 20;
/// Largest total size of argv and envp strings.
const MAX_ARGUMENT_BYTES: usize = 256 * 1024;
const MAX_ARGUMENTS: usize = 4096;
const PROGRAM_HEADER_SIZE: u16 = 56;
const MAX_PROGRAM_HEADERS: u16 = 64;
/// Where position-independent images may be placed (random base inside).
const PIE_BASE: u64 = 0x5555_0000_0000;
const PIE_RANGE: u64 = 1 << 40;

fn noexec() -> Error {
    Error::new(error::ENOEXEC)
}

fn from_vm(error: crate::vm::VmError) -> Error {
    match error {
        crate::vm::VmError::OutOfMemory | crate::vm::VmError::OverLimit => Error::new(error::ENOMEM),
        _ => noexec(),
    }
}

fn page_down(value: u64) -> u64 {
    value & !(FRAME_SIZE - 1)
}

fn page_up(value: u64) -> Option<u64> {
    value.checked_add(FRAME_SIZE - 1).map(page_down)
}

/// One checked `PT_LOAD` segment (addresses not yet biased).
struct Segment {
    vaddr: u64,
    memsz: u64,
    offset: u64,
    filesz: u64,
    protection: Protection,
}

/// Checks the ELF header and program headers by hand before anything else
/// reads them.
fn check_headers(image: &[u8]) -> Result<(u16, Vec<Segment>)> {
    if image.len() < 64 || &image[..4] != b"\x7fELF" {
        return Err(noexec());
    }
    if image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2LSB {
        return Err(noexec());
    }
    let u16_at = |at: usize| u16::from_le_bytes([image[at], image[at + 1]]);
    let u64_at = |at: usize| u64::from_le_bytes(image[at..at + 8].try_into().expect("8 bytes"));
    let kind = u16_at(16);
    if u16_at(18) != EM_X86_64 || (kind != ET_EXEC && kind != ET_DYN) {
        return Err(noexec());
    }
    let phoff = u64_at(32);
    let phentsize = u16_at(54);
    let phnum = u16_at(56);
    if phentsize != PROGRAM_HEADER_SIZE || phnum == 0 || phnum > MAX_PROGRAM_HEADERS {
        return Err(noexec());
    }
    let table_end = phoff.checked_add(u64::from(phnum) * u64::from(phentsize)).ok_or_else(noexec)?;
    if table_end > image.len() as u64 {
        return Err(noexec());
    }
    let mut segments = Vec::new();
    let mut total = 0u64;
    for index in 0..u64::from(phnum) {
        let at = (phoff + index * u64::from(phentsize)) as usize;
        let word = |offset: usize| u64_at(at + offset);
        let kind = u32::from_le_bytes(image[at..at + 4].try_into().expect("4 bytes"));
        let flags = u32::from_le_bytes(image[at + 4..at + 8].try_into().expect("4 bytes"));
        let (offset, vaddr, filesz, memsz, align) = (word(8), word(16), word(32), word(40), word(48));
        if kind == PT_INTERP {
            return Err(noexec());
        }
        if kind != PT_LOAD {
            continue;
        }
        let file_end = offset.checked_add(filesz).ok_or_else(noexec)?;
        if file_end > image.len() as u64 || filesz > memsz || memsz == 0 {
            return Err(noexec());
        }
        if align > 1 && (!align.is_power_of_two() || vaddr % align != offset % align) {
            return Err(noexec());
        }
        total = total.checked_add(memsz).ok_or_else(noexec)?;
        if memsz > MAX_IMAGE_BYTES || total > MAX_IMAGE_BYTES {
            return Err(noexec());
        }
        let protection = Protection { read: flags & PF_R != 0, write: flags & PF_W != 0, execute: flags & PF_X != 0 };
        segments.push(Segment { vaddr, memsz, offset, filesz, protection });
    }
    if segments.is_empty() {
        return Err(noexec());
    }
    segments.sort_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        let end = page_up(pair[0].vaddr + pair[0].memsz).ok_or_else(noexec)?;
        if page_down(pair[1].vaddr) < end {
            return Err(noexec());
        }
    }
    Ok((kind, segments))
}

/// Loads `image` and builds the initial stack with `argv` and `envp`.
pub fn load(image: &[u8], argv: &[Vec<u8>], envp: &[Vec<u8>], uid: u32, gid: u32) -> Result<LoadedImage> {
    let (kind, segments) = check_headers(image)?;
    let elf = Elf::parse(image).map_err(|_| noexec())?;
    if !elf.pltrelocs.is_empty() || !elf.dynrels.is_empty() {
        return Err(noexec());
    }
    let bias = if kind == ET_DYN { PIE_BASE + random::page_offset(PIE_RANGE) } else { 0 };

    let mut space = Box::new(AddressSpace::new().map_err(from_vm)?);
    let mut entry_ok = false;
    let mut image_top = 0;
    for segment in &segments {
        let start = page_down(segment.vaddr).checked_add(bias).ok_or_else(noexec)?;
        let end = page_up(segment.vaddr + segment.memsz).and_then(|e| e.checked_add(bias)).ok_or_else(noexec)?;
        if start < USER_START || end > USER_END {
            return Err(noexec());
        }
        space.map(start, end - start, Protection::READ_WRITE, Backing::Private).map_err(from_vm)?;
        let data = &image[segment.offset as usize..(segment.offset + segment.filesz) as usize];
        space.write(segment.vaddr + bias, data).map_err(from_vm)?;
        let entry = elf.entry;
        if segment.protection.execute && entry >= segment.vaddr && entry - segment.vaddr < segment.memsz {
            entry_ok = true;
        }
        image_top = image_top.max(end);
    }
    if !entry_ok {
        return Err(noexec());
    }
    for relocation in elf.dynrelas.iter() {
        if relocation.r_type != R_X86_64_RELATIVE {
            return Err(noexec());
        }
        let target = relocation.r_offset.checked_add(bias).ok_or_else(noexec)?;
        let value = bias.wrapping_add_signed(relocation.r_addend.unwrap_or(0));
        space.write(target, &value.to_le_bytes()).map_err(from_vm)?;
    }
    for segment in &segments {
        let start = page_down(segment.vaddr) + bias;
        let end = page_up(segment.vaddr + segment.memsz).ok_or_else(noexec)? + bias;
        space.protect(start, end - start, segment.protection).map_err(from_vm)?;
    }

    let phdr = segments
        .iter()
        .find(|s| elf.header.e_phoff >= s.offset && elf.header.e_phoff < s.offset + s.filesz)
        .map_or(0, |s| s.vaddr + (elf.header.e_phoff - s.offset) + bias);
    let stack_top = page_down(USER_END - (256 << 20) - random::page_offset(1 << 32));
    if stack_top - STACK_BYTES <= image_top {
        return Err(noexec());
    }
    space.map(stack_top - STACK_BYTES, STACK_BYTES, Protection::READ_WRITE, Backing::Private).map_err(from_vm)?;
    let auxiliary = [
        (auxv::AT_PHDR, phdr),
        (auxv::AT_PHENT, u64::from(PROGRAM_HEADER_SIZE)),
        (auxv::AT_PHNUM, u64::from(elf.header.e_phnum)),
        (auxv::AT_PAGESZ, FRAME_SIZE),
        (auxv::AT_BASE, 0),
        (auxv::AT_ENTRY, elf.entry + bias),
        (auxv::AT_UID, u64::from(uid)),
        (auxv::AT_EUID, u64::from(uid)),
        (auxv::AT_GID, u64::from(gid)),
        (auxv::AT_EGID, u64::from(gid)),
        // No program changes identity by being run (no set-id bits), so
        // none needs the C library's care for one that does.
        (auxv::AT_SECURE, 0),
    ];
    let stack_pointer = build_stack(&mut space, stack_top, argv, envp, &auxiliary)?;
    let mmap_top = page_down(stack_top - STACK_BYTES - (1 << 30) - random::page_offset(1 << 30));
    Ok(LoadedImage { space, entry: elf.entry + bias, stack_pointer, mmap_top })
}

/// What is left of the argument limits while argv and envp are copied in:
/// each string is charged before it is read, so a caller asking for more
/// gets `E2BIG` before the kernel holds more than the limits allow.
pub struct ArgumentBudget {
    strings: usize,
    bytes: usize,
}

impl ArgumentBudget {
    /// The whole budget of one `spawn` or `execve` (argv and envp together).
    pub fn full() -> ArgumentBudget {
        ArgumentBudget { strings: MAX_ARGUMENTS, bytes: MAX_ARGUMENT_BYTES }
    }

    /// Charges `count` strings.
    pub fn take_strings(&mut self, count: usize) -> Result<()> {
        self.strings = self.strings.checked_sub(count).ok_or(Error::new(error::E2BIG))?;
        Ok(())
    }

    /// Charges one string of `len` bytes (and its terminating NUL).
    pub fn take_bytes(&mut self, len: usize) -> Result<()> {
        let cost = len.checked_add(1).ok_or(Error::new(error::E2BIG))?;
        self.bytes = self.bytes.checked_sub(cost).ok_or(Error::new(error::E2BIG))?;
        Ok(())
    }
}

/// Checks argument counts and sizes (`E2BIG`).
pub fn check_arguments(argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<()> {
    let bytes: usize = argv.iter().chain(envp).map(|s| s.len() + 1).sum();
    if argv.len() + envp.len() > MAX_ARGUMENTS || bytes > MAX_ARGUMENT_BYTES {
        return Err(Error::new(error::E2BIG));
    }
    Ok(())
}

/// Writes strings, 16 random bytes, then argc/argv/envp/auxv below
/// `top`; returns the 16-byte aligned initial stack pointer (at argc).
fn build_stack(
    space: &mut AddressSpace,
    top: u64,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    auxiliary: &[(usize, u64)],
) -> Result<u64> {
    check_arguments(argv, envp)?;
    let mut cursor = top;
    let mut push = |space: &mut AddressSpace, bytes: &[u8]| -> Result<u64> {
        cursor -= bytes.len() as u64;
        space.write(cursor, bytes).map_err(from_vm)?;
        Ok(cursor)
    };
    let mut string_pointers = Vec::with_capacity(argv.len() + envp.len());
    for string in argv.iter().chain(envp) {
        push(space, &[0])?;
        string_pointers.push(push(space, string)?);
    }
    let random_bytes = [random::u64().to_le_bytes(), random::u64().to_le_bytes()].concat();
    let random_address = push(space, &random_bytes)?;
    let (argv_pointers, envp_pointers) = string_pointers.split_at(argv.len());

    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(argv_pointers);
    words.push(0);
    words.extend(envp_pointers);
    words.push(0);
    for &(key, value) in auxiliary {
        words.extend([key as u64, value]);
    }
    words.extend([auxv::AT_RANDOM as u64, random_address, auxv::AT_NULL as u64, 0]);
    let stack_pointer = (random_address - words.len() as u64 * 8) & !15;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    space.write(stack_pointer, &bytes).map_err(from_vm)?;
    Ok(stack_pointer)
}
