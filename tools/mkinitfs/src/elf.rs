//! Just enough ELF64 for `--bad-elves`: field offsets, little-endian field access, and
//! [`check`], which lists every way a file breaks the rules a static x86-64 executable must
//! follow to be loaded by Cairn (the same rules and limits as the kernel's loader in
//! `kernel/src/exec.rs`). Depends only on `std`.

use std::fmt;

/// Size of the ELF64 file header.
pub const EHDR_LEN: usize = 64;
/// Size of one ELF64 program header.
pub const PHDR_LEN: usize = 56;

/// `e_ident` bytes.
pub const EI_MAG3: usize = 3;
pub const EI_CLASS: usize = 4;
pub const EI_DATA: usize = 5;
const EI_VERSION: usize = 6;
pub const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
pub const ELFDATA2MSB: u8 = 2;
const MAGIC: [u8; 4] = *b"\x7fELF";

/// File-header fields: (offset, size in bytes).
pub const E_TYPE: Field = Field(16, 2);
pub const E_MACHINE: Field = Field(18, 2);
const E_VERSION: Field = Field(20, 4);
pub const E_ENTRY: Field = Field(24, 8);
pub const E_PHOFF: Field = Field(32, 8);
pub const E_PHENTSIZE: Field = Field(54, 2);
pub const E_PHNUM: Field = Field(56, 2);

/// Program-header fields: (offset inside the header, size in bytes).
pub const P_TYPE: Field = Field(0, 4);
const P_FLAGS: Field = Field(4, 4);
pub const P_OFFSET: Field = Field(8, 8);
pub const P_VADDR: Field = Field(16, 8);
pub const P_FILESZ: Field = Field(32, 8);
pub const P_MEMSZ: Field = Field(40, 8);
pub const P_ALIGN: Field = Field(48, 8);

pub const ET_EXEC: u64 = 2;
pub const ET_DYN: u64 = 3;
pub const EM_X86_64: u64 = 62;
pub const EM_AARCH64: u64 = 183;
pub const PT_NULL: u64 = 0;
pub const PT_LOAD: u64 = 1;
pub const PT_INTERP: u64 = 3;
const PF_X: u64 = 1;

/// The lowest user address a segment may use.
const USER_START: u64 = 0x1_0000;
/// The end of the user addresses.
const USER_END: u64 = 0x7fff_ffff_f000;
/// Start of the kernel half (the direct map).
pub const KERNEL_BASE: u64 = 0xffff_8000_0000_0000;
/// The most memory all `PT_LOAD`s together may ask for: 1 GiB.
const MAX_IMAGE_SIZE: u64 = 1 << 30;
/// The most program headers a file may have.
const MAX_PROGRAM_HEADERS: usize = 64;
/// Segments are mapped in whole pages of this size.
const PAGE_SIZE: u64 = 4096;

/// A little-endian integer field: byte offset (in the file header, or in one program
/// header) and width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field(pub usize, pub usize);

impl Field {
    /// The field `base` bytes further on (for a program header at `base`).
    pub const fn at(self, base: usize) -> Field {
        Field(self.0 + base, self.1)
    }

    /// The byte range of the field.
    pub const fn range(self) -> std::ops::Range<usize> {
        self.0..self.0 + self.1
    }

    /// Reads the field, if `bytes` holds all of it.
    pub fn read(self, bytes: &[u8]) -> Option<u64> {
        let field = bytes.get(self.range())?;
        Some(field.iter().rev().fold(0, |value, &byte| value << 8 | u64::from(byte)))
    }

    /// Writes the low bytes of `value`; the caller knows the field is inside `bytes`.
    pub fn write(self, bytes: &mut [u8], value: u64) {
        bytes[self.range()].copy_from_slice(&value.to_le_bytes()[..self.1]);
    }
}

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Position in the program header table.
    pub index: usize,
    pub p_type: u64,
    pub flags: u64,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Segment {
    /// Where the header starts in the file.
    pub fn header_offset(&self, phoff: usize) -> usize {
        phoff + self.index * PHDR_LEN
    }

    /// The virtual address range, if it does not wrap around.
    pub fn range(&self) -> Option<std::ops::Range<u64>> {
        Some(self.vaddr..self.vaddr.checked_add(self.memsz)?)
    }

    /// The range of whole pages the segment touches, if it does not wrap around.
    fn pages(&self) -> Option<std::ops::Range<u64>> {
        let range = self.range()?;
        Some(range.start / PAGE_SIZE * PAGE_SIZE..range.end.checked_next_multiple_of(PAGE_SIZE)?)
    }

    fn contains(&self, address: u64) -> bool {
        self.range().is_some_and(|range| range.contains(&address))
    }
}

/// A rule that a file breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Shorter than an ELF64 header.
    TruncatedHeader,
    BadMagic,
    /// `EI_CLASS` is not `ELFCLASS64`.
    NotElf64,
    /// `EI_DATA` is not `ELFDATA2LSB`.
    NotLittleEndian,
    /// `EI_VERSION` or `e_version` is not 1.
    BadVersion,
    /// `e_machine` is not `EM_X86_64`.
    WrongMachine(u64),
    /// `e_type` is neither `ET_EXEC` nor `ET_DYN`.
    NotExecutable(u64),
    /// `e_phentsize` is not 56.
    BadPhentsize(u64),
    /// The program header table does not lie inside the file.
    PhdrsOutsideFile,
    /// More than 64 program headers.
    TooManyProgramHeaders,
    /// A `PT_INTERP` header: dynamically linked.
    Interpreter,
    NoLoadSegments,
    /// `p_align` is not a power of two, or `p_vaddr` and `p_offset` disagree modulo it.
    BadAlignment {
        segment: usize,
    },
    FileszGtMemsz {
        segment: usize,
    },
    /// `p_memsz` is 0.
    EmptySegment {
        segment: usize,
    },
    /// `p_offset + p_filesz` lies beyond the end of the file.
    FileszBeyondFile {
        segment: usize,
    },
    /// The segment's pages are not all inside the user addresses (for `ET_DYN`, which the
    /// kernel places at a random base: the image does not fit into the user address span).
    OutsideUserRange {
        segment: usize,
    },
    /// The `PT_LOAD`s ask for more than 1 GiB of memory.
    TooLarge,
    /// Two loadable segments share a page.
    Overlap {
        first: usize,
        second: usize,
    },
    /// `e_entry` is not inside an executable `PT_LOAD` segment.
    EntryOutsideSegments,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::TruncatedHeader => f.write_str("shorter than an ELF64 header"),
            Fault::BadMagic => f.write_str("no ELF magic"),
            Fault::NotElf64 => f.write_str("not ELFCLASS64"),
            Fault::NotLittleEndian => f.write_str("not little-endian"),
            Fault::BadVersion => f.write_str("bad ELF version"),
            Fault::WrongMachine(machine) => write!(f, "e_machine {machine} is not x86-64"),
            Fault::NotExecutable(kind) => write!(f, "e_type {kind} is not ET_EXEC or ET_DYN"),
            Fault::BadPhentsize(size) => write!(f, "e_phentsize {size} is not {PHDR_LEN}"),
            Fault::PhdrsOutsideFile => f.write_str("program headers outside the file"),
            Fault::TooManyProgramHeaders => write!(f, "more than {MAX_PROGRAM_HEADERS} program headers"),
            Fault::Interpreter => f.write_str("has PT_INTERP (not static)"),
            Fault::NoLoadSegments => f.write_str("no PT_LOAD segment"),
            Fault::BadAlignment { segment } => write!(f, "segment {segment}: bad alignment"),
            Fault::FileszGtMemsz { segment } => write!(f, "segment {segment}: p_filesz > p_memsz"),
            Fault::EmptySegment { segment } => write!(f, "segment {segment}: p_memsz is 0"),
            Fault::FileszBeyondFile { segment } => write!(f, "segment {segment}: file data beyond end of file"),
            Fault::OutsideUserRange { segment } => write!(f, "segment {segment}: outside user addresses"),
            Fault::TooLarge => write!(f, "segments need more than {MAX_IMAGE_SIZE} bytes"),
            Fault::Overlap { first, second } => write!(f, "segments {first} and {second} share a page"),
            Fault::EntryOutsideSegments => f.write_str("entry point outside every executable PT_LOAD segment"),
        }
    }
}

/// A file whose header and program header table are readable.
#[derive(Clone, Debug)]
pub struct Elf {
    /// `e_type`.
    pub kind: u64,
    pub entry: u64,
    pub phoff: usize,
    pub segments: Vec<Segment>,
}

impl Elf {
    /// The `PT_LOAD` segments.
    pub fn loads(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|segment| segment.p_type == PT_LOAD)
    }
}

/// Every fault of `bytes`, in a fixed order. Faults in the ELF identification, the header
/// size fields or the program header table's position stop the check (nothing after them
/// can be read reliably); the others are all reported. No faults means loadable.
pub fn check(bytes: &[u8]) -> Vec<Fault> {
    match read(bytes) {
        Ok((elf, mut faults)) => {
            faults.extend(check_segments(&elf, bytes.len() as u64));
            faults
        }
        Err(fault) => vec![fault],
    }
}

/// Reads the header and program headers; returns the non-fatal header faults, or the fatal
/// one.
pub fn read(bytes: &[u8]) -> Result<(Elf, Vec<Fault>), Fault> {
    if bytes.len() < EHDR_LEN {
        return Err(Fault::TruncatedHeader);
    }
    if bytes[..4] != MAGIC {
        return Err(Fault::BadMagic);
    }
    if bytes[EI_CLASS] != ELFCLASS64 {
        return Err(Fault::NotElf64);
    }
    if bytes[EI_DATA] != ELFDATA2LSB {
        return Err(Fault::NotLittleEndian);
    }
    let field = |field: Field| field.read(bytes).unwrap_or(0);
    let mut faults = Vec::new();
    if bytes[EI_VERSION] != 1 || field(E_VERSION) != 1 {
        faults.push(Fault::BadVersion);
    }
    if field(E_MACHINE) != EM_X86_64 {
        faults.push(Fault::WrongMachine(field(E_MACHINE)));
    }
    if !matches!(field(E_TYPE), ET_EXEC | ET_DYN) {
        faults.push(Fault::NotExecutable(field(E_TYPE)));
    }
    if field(E_PHENTSIZE) != PHDR_LEN as u64 {
        return Err(Fault::BadPhentsize(field(E_PHENTSIZE)));
    }
    let count = field(E_PHNUM) as usize;
    let phoff = usize::try_from(field(E_PHOFF)).map_err(|_| Fault::PhdrsOutsideFile)?;
    let table = phoff.checked_add(count * PHDR_LEN).and_then(|end| bytes.get(phoff..end));
    let table = table.ok_or(Fault::PhdrsOutsideFile)?;
    if count > MAX_PROGRAM_HEADERS {
        faults.push(Fault::TooManyProgramHeaders);
    }
    let segments = table
        .chunks_exact(PHDR_LEN)
        .enumerate()
        .map(|(index, header)| {
            let field = |field: Field| field.read(header).unwrap_or(0);
            Segment {
                index,
                p_type: field(P_TYPE),
                flags: field(P_FLAGS),
                offset: field(P_OFFSET),
                vaddr: field(P_VADDR),
                filesz: field(P_FILESZ),
                memsz: field(P_MEMSZ),
                align: field(P_ALIGN),
            }
        })
        .collect();
    Ok((Elf { kind: field(E_TYPE), entry: field(E_ENTRY), phoff, segments }, faults))
}

fn check_segments(elf: &Elf, file_len: u64) -> Vec<Fault> {
    let mut faults = Vec::new();
    if elf.segments.iter().any(|segment| segment.p_type == PT_INTERP) {
        faults.push(Fault::Interpreter);
    }
    let mut total: u64 = 0;
    for load in elf.loads() {
        let segment = load.index;
        let align = load.align.max(1);
        if !align.is_power_of_two() || load.vaddr % align != load.offset % align {
            faults.push(Fault::BadAlignment { segment });
        }
        if load.filesz > load.memsz {
            faults.push(Fault::FileszGtMemsz { segment });
        }
        if load.memsz == 0 {
            faults.push(Fault::EmptySegment { segment });
        }
        if load.offset.checked_add(load.filesz).is_none_or(|end| end > file_len) {
            faults.push(Fault::FileszBeyondFile { segment });
        }
        let (lowest, end) = if elf.kind == ET_DYN { (0, USER_END - USER_START) } else { (USER_START, USER_END) };
        if load.pages().is_none_or(|pages| pages.start < lowest || pages.end > end) {
            faults.push(Fault::OutsideUserRange { segment });
        }
        total = total.saturating_add(load.memsz);
    }
    if total > MAX_IMAGE_SIZE {
        faults.push(Fault::TooLarge);
    }
    let mut placed: Vec<(&Segment, std::ops::Range<u64>)> =
        elf.loads().filter(|load| load.memsz > 0).filter_map(|load| Some((load, load.pages()?))).collect();
    placed.sort_by_key(|(load, _)| load.vaddr);
    for pair in placed.windows(2) {
        if pair[1].1.start < pair[0].1.end {
            faults.push(Fault::Overlap { first: pair[0].0.index, second: pair[1].0.index });
        }
    }
    if elf.loads().next().is_none() {
        faults.push(Fault::NoLoadSegments);
    } else if !elf.loads().any(|load| load.flags & PF_X != 0 && load.contains(elf.entry)) {
        faults.push(Fault::EntryOutsideSegments);
    }
    faults
}
