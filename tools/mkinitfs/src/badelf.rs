//! `--bad-elves`: from one valid static x86-64 ELF64 executable, make deliberately broken
//! variants for the kernel's ELF-loader tests, each breaking exactly one rule (checked with
//! [`crate::elf::check`]), plus a README that lists them. Depends on `std` and
//! [`crate::elf`].

use std::fmt;
use std::mem::discriminant;

use crate::elf::{
    E_ENTRY, E_MACHINE, E_PHENTSIZE, E_PHNUM, E_PHOFF, EI_CLASS, EI_DATA, EI_MAG3, ELFCLASS32, ELFDATA2MSB, EM_AARCH64,
    Elf, Fault, Field, KERNEL_BASE, P_ALIGN, P_FILESZ, P_MEMSZ, P_TYPE, P_VADDR, PHDR_LEN, PT_NULL, Segment, check,
    read,
};

/// The `p_memsz` of the `huge-memsz` variant: 64 TiB.
pub const HUGE_MEMSZ: u64 = 1 << 46;
/// The `p_align` of the `bad-alignment` variant.
pub const BAD_ALIGN: u64 = 3;
/// The `e_phentsize` of the `bad-phentsize` variant.
pub const BAD_PHENTSIZE: u64 = 32;
/// The `EI_MAG3` byte of the `bad-magic` variant (instead of `F`).
pub const BAD_MAG3: u8 = b'X';
/// What loading every variant must fail with.
pub const EXPECTED_ERROR: &str = "ENOEXEC";

/// Why no variants could be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadElfError {
    /// The input itself is not a loadable static x86-64 executable.
    InvalidInput(Vec<Fault>),
    /// This input offers no way to make the named variant with a single fault.
    CannotMake(&'static str),
}

impl fmt::Display for BadElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadElfError::InvalidInput(faults) => {
                f.write_str("not a valid static x86-64 ELF64 executable:")?;
                faults.iter().try_for_each(|fault| write!(f, " {fault};"))
            }
            BadElfError::CannotMake(name) => write!(f, "cannot make a `{name}` variant from this file"),
        }
    }
}

impl std::error::Error for BadElfError {}

/// The valid input and its parsed headers.
struct Source<'a> {
    bytes: &'a [u8],
    elf: Elf,
}

/// One broken variant: its file name, what is broken (for the README), the one fault it
/// must have, and how to make candidates for it (the first with exactly that fault wins).
pub struct Variant {
    pub name: &'static str,
    pub broken: &'static str,
    pub fault: Fault,
    make: fn(&Source<'_>) -> Vec<Vec<u8>>,
}

/// Every variant, in README order.
pub const VARIANTS: [Variant; 15] = [
    Variant {
        name: "truncated-header",
        broken: "only the first 32 bytes of the file; an ELF64 header has 64",
        fault: Fault::TruncatedHeader,
        make: |source| vec![source.bytes[..32].to_vec()],
    },
    Variant {
        name: "truncated-phdrs",
        broken: "the file ends in the middle of the last program header",
        fault: Fault::PhdrsOutsideFile,
        make: |source| {
            let end = source.elf.phoff + source.elf.segments.len() * PHDR_LEN;
            vec![source.bytes[..end - PHDR_LEN / 2].to_vec()]
        },
    },
    Variant {
        name: "wrong-machine",
        broken: "e_machine = EM_AARCH64 (183)",
        fault: Fault::WrongMachine(EM_AARCH64),
        make: |source| vec![patched(source.bytes, &[(E_MACHINE, EM_AARCH64)])],
    },
    Variant {
        name: "wrong-class",
        broken: "EI_CLASS = ELFCLASS32",
        fault: Fault::NotElf64,
        make: |source| vec![patched(source.bytes, &[(Field(EI_CLASS, 1), ELFCLASS32.into())])],
    },
    Variant {
        name: "wrong-endian",
        broken: "EI_DATA = ELFDATA2MSB (big-endian; the fields stay little-endian)",
        fault: Fault::NotLittleEndian,
        make: |source| vec![patched(source.bytes, &[(Field(EI_DATA, 1), ELFDATA2MSB.into())])],
    },
    Variant {
        name: "bad-magic",
        broken: "the magic is \\x7fELX instead of \\x7fELF",
        fault: Fault::BadMagic,
        make: |source| vec![patched(source.bytes, &[(Field(EI_MAG3, 1), BAD_MAG3.into())])],
    },
    Variant {
        name: "segment-in-kernel-range",
        broken: "a PT_LOAD's p_vaddr moved to 0xffff_8000_0000_0000 (+ its offset modulo p_align; \
                 e_entry moves along if it was inside)",
        fault: Fault::OutsideUserRange { segment: 0 },
        make: segment_in_kernel_range,
    },
    Variant {
        name: "huge-memsz",
        broken: "the highest PT_LOAD's p_memsz = 1 << 46 (64 TiB; programs get at most 1 GiB)",
        fault: Fault::TooLarge,
        make: |source| {
            by_vaddr_descending(&source.elf).map(|load| patch_segment(source, load, &[(P_MEMSZ, HUGE_MEMSZ)])).collect()
        },
    },
    Variant {
        name: "overlapping-segments",
        broken: "two PT_LOADs share addresses (the lower one's p_memsz reaches into the next, or, with a \
                 single PT_LOAD, a copy of it is added to a new program header table at the end of the file)",
        fault: Fault::Overlap { first: 0, second: 0 },
        make: overlapping_segments,
    },
    Variant {
        name: "bad-alignment",
        broken: "a PT_LOAD's p_align = 3 (not a power of two)",
        fault: Fault::BadAlignment { segment: 0 },
        make: |source| source.elf.loads().map(|load| patch_segment(source, load, &[(P_ALIGN, BAD_ALIGN)])).collect(),
    },
    Variant {
        name: "filesz-beyond-file",
        broken: "the highest PT_LOAD's p_offset + p_filesz is one byte past the end of the file \
                 (p_memsz grows to match if needed)",
        fault: Fault::FileszBeyondFile { segment: 0 },
        make: |source| {
            let file_len = source.bytes.len() as u64;
            let patch = |load: &Segment| {
                let filesz = file_len - load.offset + 1;
                patch_segment(source, load, &[(P_FILESZ, filesz), (P_MEMSZ, load.memsz.max(filesz))])
            };
            by_vaddr_descending(&source.elf).map(patch).collect()
        },
    },
    Variant {
        name: "filesz-gt-memsz",
        broken: "a PT_LOAD's p_memsz = p_filesz - 1",
        fault: Fault::FileszGtMemsz { segment: 0 },
        make: |source| {
            let loads = entry_last(&source.elf).filter(|load| load.filesz > 0);
            loads.map(|load| patch_segment(source, load, &[(P_MEMSZ, load.filesz - 1)])).collect()
        },
    },
    Variant {
        name: "no-load-segments",
        broken: "every PT_LOAD turned into PT_NULL",
        fault: Fault::NoLoadSegments,
        make: |source| {
            let mut bytes = source.bytes.to_vec();
            for load in source.elf.loads() {
                P_TYPE.at(load.header_offset(source.elf.phoff)).write(&mut bytes, PT_NULL);
            }
            vec![bytes]
        },
    },
    Variant {
        name: "entry-outside-segments",
        broken: "e_entry points one page past the end of the highest PT_LOAD (or one page below the lowest)",
        fault: Fault::EntryOutsideSegments,
        make: |source| {
            let ends = source.elf.loads().filter_map(|load| load.range()).map(|range| range.end);
            let above = ends.max().and_then(|end| end.checked_next_multiple_of(0x1000)).map(|end| end + 0x1000);
            let below = source.elf.loads().map(|load| load.vaddr).min().and_then(|start| start.checked_sub(0x1000));
            [above, below].into_iter().flatten().map(|entry| patched(source.bytes, &[(E_ENTRY, entry)])).collect()
        },
    },
    Variant {
        name: "bad-phentsize",
        broken: "e_phentsize = 32 (an ELF64 program header has 56)",
        fault: Fault::BadPhentsize(BAD_PHENTSIZE),
        make: |source| vec![patched(source.bytes, &[(E_PHENTSIZE, BAD_PHENTSIZE)])],
    },
];

/// The broken variants of the valid executable `bytes`, as (file name, contents) in
/// [`VARIANTS`] order.
pub fn variants(bytes: &[u8]) -> Result<Vec<(&'static str, Vec<u8>)>, BadElfError> {
    let faults = check(bytes);
    if !faults.is_empty() {
        return Err(BadElfError::InvalidInput(faults));
    }
    let (elf, _) = read(bytes).map_err(|fault| BadElfError::InvalidInput(vec![fault]))?;
    let source = Source { bytes, elf };
    VARIANTS
        .iter()
        .map(|variant| {
            let has_only_the_fault = |candidate: &Vec<u8>| {
                matches!(check(candidate).as_slice(), [fault] if discriminant(fault) == discriminant(&variant.fault))
            };
            let bytes = (variant.make)(&source).into_iter().find(has_only_the_fault);
            Ok((variant.name, bytes.ok_or(BadElfError::CannotMake(variant.name))?))
        })
        .collect()
}

/// The README that goes next to the variants; `source_name` names the valid original.
pub fn readme(source_name: &str) -> String {
    let mut text = format!(
        "Broken ELF executables for the kernel's ELF-loader tests, made by `mkinitfs --bad-elves`\n\
         from the valid static x86-64 executable `{source_name}`. Each file breaks exactly one rule;\n\
         executing any of them must fail with {EXPECTED_ERROR} (and a one-line reason in the log),\n\
         never with a kernel panic or a started process.\n\n"
    );
    let width = VARIANTS.iter().map(|variant| variant.name.len()).max().unwrap_or(0);
    for variant in &VARIANTS {
        text.push_str(&format!("{:width$}  {EXPECTED_ERROR}  {}\n", variant.name, variant.broken));
    }
    text
}

/// `bytes` with the given fields overwritten.
fn patched(bytes: &[u8], patches: &[(Field, u64)]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for &(field, value) in patches {
        field.write(&mut bytes, value);
    }
    bytes
}

/// The source with fields of one program header overwritten.
fn patch_segment(source: &Source<'_>, segment: &Segment, patches: &[(Field, u64)]) -> Vec<u8> {
    let base = segment.header_offset(source.elf.phoff);
    let patches: Vec<_> = patches.iter().map(|&(field, value)| (field.at(base), value)).collect();
    patched(source.bytes, &patches)
}

/// The `PT_LOAD`s, highest address first.
fn by_vaddr_descending(elf: &Elf) -> impl Iterator<Item = &Segment> {
    let mut loads: Vec<_> = elf.loads().collect();
    loads.sort_by_key(|load| std::cmp::Reverse(load.vaddr));
    loads.into_iter()
}

/// The `PT_LOAD`s, those holding the entry point last.
fn entry_last(elf: &Elf) -> impl Iterator<Item = &Segment> {
    let mut loads: Vec<_> = elf.loads().collect();
    loads.sort_by_key(|load| load.range().is_some_and(|range| range.contains(&elf.entry)));
    loads.into_iter()
}

fn segment_in_kernel_range(source: &Source<'_>) -> Vec<Vec<u8>> {
    let move_up = |load: &Segment| {
        let vaddr = KERNEL_BASE + load.vaddr % load.align.max(1);
        let mut bytes = patch_segment(source, load, &[(P_VADDR, vaddr)]);
        if load.range().is_some_and(|range| range.contains(&source.elf.entry)) {
            E_ENTRY.write(&mut bytes, source.elf.entry - load.vaddr + vaddr);
        }
        bytes
    };
    entry_last(&source.elf).map(move_up).collect()
}

fn overlapping_segments(source: &Source<'_>) -> Vec<Vec<u8>> {
    let mut loads: Vec<_> = source.elf.loads().filter(|load| load.memsz > 0).collect();
    loads.sort_by_key(|load| load.vaddr);
    let mut candidates: Vec<_> = loads
        .windows(2)
        .map(|pair| patch_segment(source, pair[0], &[(P_MEMSZ, pair[1].vaddr - pair[0].vaddr + 1)]))
        .collect();
    // A single PT_LOAD: copy the table to the end of the file with a duplicate of it.
    if let Some(load) = loads.first() {
        let Elf { phoff, segments, .. } = &source.elf;
        let mut bytes = source.bytes.to_vec();
        bytes.resize(bytes.len().next_multiple_of(8), 0);
        let new_phoff = bytes.len();
        bytes.extend_from_slice(&source.bytes[*phoff..phoff + segments.len() * PHDR_LEN]);
        let duplicate = load.header_offset(*phoff);
        bytes.extend_from_slice(&source.bytes[duplicate..duplicate + PHDR_LEN]);
        E_PHOFF.write(&mut bytes, new_phoff as u64);
        E_PHNUM.write(&mut bytes, segments.len() as u64 + 1);
        candidates.push(bytes);
    }
    candidates
}

#[cfg(test)]
mod tests {
    //! The variants of small synthesized executables: each differs from its original in
    //! exactly the intended bytes, has exactly the intended fault, and goblin still parses
    //! those whose headers stay readable.

    use super::*;
    use crate::elf::{EHDR_LEN, EM_X86_64, ET_EXEC, P_OFFSET, PT_LOAD};

    const GNU_STACK: u64 = 0x6474_e551;
    const ENTRY: u64 = 0x40_0100;

    /// A program header: (type, offset, vaddr, filesz, memsz, align).
    type Phdr = (u64, u64, u64, u64, u64, u64);

    /// Text at 0x400000 (the file's first page, entry at +0x100), data+bss at 0x401000, and
    /// a PT_GNU_STACK.
    const TWO_LOADS: [Phdr; 3] = [
        (PT_LOAD, 0, 0x40_0000, 0x1000, 0x1000, 0x1000),
        (PT_LOAD, 0x1000, 0x40_1000, 0x10, 0x2000, 0x1000),
        (GNU_STACK, 0, 0, 0, 0, 0x10),
    ];
    const ONE_LOAD: [Phdr; 1] = [(PT_LOAD, 0, 0x40_0000, 0x1010, 0x1010, 0x1000)];
    /// A static PIE linked at 0, entry at 0x100.
    const PIE: [Phdr; 2] = [(PT_LOAD, 0, 0, 0x1000, 0x1000, 0x1000), (PT_LOAD, 0x1000, 0x1000, 0x10, 0x20, 0x1000)];
    const FILE_LEN: usize = 0x1010;

    /// An ELF64 executable: header, program headers, `jmp .` at the entry point.
    fn synthesize(phdrs: &[Phdr]) -> Vec<u8> {
        let mut bytes = vec![0; FILE_LEN];
        bytes[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
        for (field, value) in [
            (crate::elf::E_TYPE, ET_EXEC),
            (E_MACHINE, EM_X86_64),
            (Field(20, 4), 1),
            (E_ENTRY, ENTRY),
            (E_PHOFF, EHDR_LEN as u64),
            (Field(52, 2), EHDR_LEN as u64),
            (E_PHENTSIZE, PHDR_LEN as u64),
            (E_PHNUM, phdrs.len() as u64),
        ] {
            field.write(&mut bytes, value);
        }
        for (index, &(p_type, offset, vaddr, filesz, memsz, align)) in phdrs.iter().enumerate() {
            let base = EHDR_LEN + index * PHDR_LEN;
            let flags = if p_type == PT_LOAD && offset == 0 { 5 } else { 6 };
            for (field, value) in [
                (P_TYPE, p_type),
                (Field(4, 4), flags),
                (P_OFFSET, offset),
                (P_VADDR, vaddr),
                (Field(24, 8), vaddr),
                (P_FILESZ, filesz),
                (P_MEMSZ, memsz),
                (P_ALIGN, align),
            ] {
                field.at(base).write(&mut bytes, value);
            }
        }
        bytes[0x100..0x102].copy_from_slice(&[0xeb, 0xfe]);
        bytes
    }

    fn synthesize_pie() -> Vec<u8> {
        let mut bytes = synthesize(&PIE);
        crate::elf::E_TYPE.write(&mut bytes, crate::elf::ET_DYN);
        E_ENTRY.write(&mut bytes, 0x100);
        bytes
    }

    fn variant<'a>(all: &'a [(&str, Vec<u8>)], name: &str) -> &'a [u8] {
        &all.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// The byte ranges where `a` and `b` (of equal length) differ.
    fn diff(a: &[u8], b: &[u8]) -> Vec<std::ops::Range<usize>> {
        assert_eq!(a.len(), b.len());
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for index in (0..a.len()).filter(|&i| a[i] != b[i]) {
            match ranges.last_mut() {
                Some(last) if last.end == index => last.end += 1,
                _ => ranges.push(index..index + 1),
            }
        }
        ranges
    }

    /// Asserts that `changed` differs from `original` only inside `fields`, and holds
    /// `value` in each.
    fn assert_patched(original: &[u8], changed: &[u8], fields: &[(Field, u64)]) {
        for range in diff(original, changed) {
            assert!(
                fields.iter().any(|(field, _)| field.range().start <= range.start && range.end <= field.range().end),
                "unexpected change at {range:?}"
            );
        }
        for &(field, value) in fields {
            assert_eq!(field.read(changed), Some(value), "{field:?}");
        }
    }

    fn phdr(index: usize, field: Field) -> Field {
        field.at(EHDR_LEN + index * PHDR_LEN)
    }

    #[test]
    fn synthesized_inputs_are_valid() {
        for phdrs in [&TWO_LOADS[..], &ONE_LOAD[..]] {
            let bytes = synthesize(phdrs);
            assert_eq!(check(&bytes), []);
            let elf = goblin::elf::Elf::parse(&bytes).unwrap();
            assert_eq!((elf.entry, elf.program_headers.len()), (ENTRY, phdrs.len()));
        }
        let pie = synthesize_pie();
        assert_eq!(check(&pie), []);
        assert!(goblin::elf::Elf::parse(&pie).unwrap().is_lib, "ET_DYN");
        let mut linked_at_zero = pie;
        crate::elf::E_TYPE.write(&mut linked_at_zero, ET_EXEC);
        let low = [Fault::OutsideUserRange { segment: 0 }, Fault::OutsideUserRange { segment: 1 }];
        assert_eq!(check(&linked_at_zero), low, "ET_EXEC must not use the lowest 64 KiB");
    }

    #[test]
    fn every_variant_breaks_exactly_one_rule() {
        for input in [synthesize(&TWO_LOADS), synthesize(&ONE_LOAD), synthesize_pie()] {
            let all = variants(&input).unwrap();
            assert_eq!(all.len(), VARIANTS.len());
            for ((name, bytes), variant) in all.iter().zip(&VARIANTS) {
                assert_eq!(*name, variant.name);
                let faults = check(bytes);
                assert_eq!(faults.len(), 1, "{name}: {faults:?}");
                assert_eq!(discriminant(&faults[0]), discriminant(&variant.fault), "{name}: {faults:?}");
            }
        }
    }

    #[test]
    fn variants_differ_exactly_as_intended() {
        let original = synthesize(&TWO_LOADS);
        let all = variants(&original).unwrap();
        let get = |name| variant(&all, name);

        assert_eq!(get("truncated-header"), &original[..32]);
        let table_end = EHDR_LEN + 3 * PHDR_LEN;
        assert_eq!(get("truncated-phdrs"), &original[..table_end - PHDR_LEN / 2]);
        assert_patched(&original, get("wrong-machine"), &[(E_MACHINE, EM_AARCH64)]);
        assert_patched(&original, get("wrong-class"), &[(Field(EI_CLASS, 1), 1)]);
        assert_patched(&original, get("wrong-endian"), &[(Field(EI_DATA, 1), 2)]);
        assert_patched(&original, get("bad-magic"), &[(Field(0, 4), u64::from(u32::from_le_bytes(*b"\x7fELX")))]);
        assert_patched(&original, get("bad-phentsize"), &[(E_PHENTSIZE, 32)]);
        // The data segment (not the one holding the entry point) moves; 0x401000 % 0x1000 = 0.
        assert_patched(&original, get("segment-in-kernel-range"), &[(phdr(1, P_VADDR), KERNEL_BASE)]);
        assert_patched(&original, get("huge-memsz"), &[(phdr(1, P_MEMSZ), 1 << 46)]);
        assert_patched(&original, get("overlapping-segments"), &[(phdr(0, P_MEMSZ), 0x1001)]);
        assert_patched(&original, get("bad-alignment"), &[(phdr(0, P_ALIGN), 3)]);
        assert_patched(&original, get("filesz-beyond-file"), &[(phdr(1, P_FILESZ), 0x11)]);
        assert_patched(&original, get("filesz-gt-memsz"), &[(phdr(1, P_MEMSZ), 0xf)]);
        assert_patched(&original, get("no-load-segments"), &[(phdr(0, P_TYPE), 0), (phdr(1, P_TYPE), 0)]);
        assert_patched(&original, get("entry-outside-segments"), &[(E_ENTRY, 0x40_4000)]);
    }

    #[test]
    fn single_load_variants_move_the_entry_or_add_a_segment() {
        let original = synthesize(&ONE_LOAD);
        let all = variants(&original).unwrap();
        let kernel = variant(&all, "segment-in-kernel-range");
        assert_patched(&original, kernel, &[(phdr(0, P_VADDR), KERNEL_BASE), (E_ENTRY, KERNEL_BASE + 0x100)]);
        let overlap = variant(&all, "overlapping-segments");
        assert_patched(&original, &overlap[..FILE_LEN], &[(E_PHOFF, FILE_LEN as u64), (E_PHNUM, 2)]);
        let elf = goblin::elf::Elf::parse(overlap).unwrap();
        assert_eq!(elf.header.e_phoff, FILE_LEN as u64);
        assert_eq!(elf.program_headers.len(), 2);
        assert_eq!(elf.program_headers[0], elf.program_headers[1]);
        assert_eq!(overlap.len(), FILE_LEN + 2 * PHDR_LEN);
    }

    #[test]
    fn goblin_reads_the_variants_whose_headers_are_intact() {
        let all = variants(&synthesize(&TWO_LOADS)).unwrap();
        let parse = |name| goblin::elf::Elf::parse(variant(&all, name));
        for name in ["truncated-header", "truncated-phdrs", "bad-magic"] {
            assert!(parse(name).is_err(), "{name}");
        }
        let elf = parse("wrong-machine").unwrap();
        assert_eq!(elf.header.e_machine, goblin::elf::header::EM_AARCH64);
        assert_eq!(parse("segment-in-kernel-range").unwrap().program_headers[1].p_vaddr, KERNEL_BASE);
        assert_eq!(parse("huge-memsz").unwrap().program_headers[1].p_memsz, HUGE_MEMSZ);
        let overlap = parse("overlapping-segments").unwrap();
        let (text, data) = (&overlap.program_headers[0], &overlap.program_headers[1]);
        assert!(text.vm_range().end > data.vm_range().start);
        assert_eq!(parse("bad-alignment").unwrap().program_headers[0].p_align, BAD_ALIGN);
        let beyond = &parse("filesz-beyond-file").unwrap().program_headers[1];
        assert_eq!(beyond.p_offset + beyond.p_filesz, FILE_LEN as u64 + 1);
        let small = &parse("filesz-gt-memsz").unwrap().program_headers[1];
        assert!(small.p_filesz > small.p_memsz);
        let no_load = parse("no-load-segments").unwrap();
        assert!(no_load.program_headers.iter().all(|ph| ph.p_type != goblin::elf::program_header::PT_LOAD));
        let outside = parse("entry-outside-segments").unwrap();
        assert!(outside.program_headers.iter().all(|ph| !ph.vm_range().contains(&(outside.entry as usize))));
    }

    #[test]
    fn invalid_inputs_are_refused() {
        let mut dynamic = TWO_LOADS;
        dynamic[2].0 = crate::elf::PT_INTERP;
        assert_eq!(variants(&synthesize(&dynamic)), Err(BadElfError::InvalidInput(vec![Fault::Interpreter])));
        assert_eq!(variants(b"#!/bin/sh\n"), Err(BadElfError::InvalidInput(vec![Fault::TruncatedHeader])));
        let no_room = [(PT_LOAD, 0, 0x7fff_0000_0000, 0x1010, 0x1010, 0x1000)];
        let mut top = synthesize(&no_room);
        E_ENTRY.write(&mut top, 0x7fff_0000_0100);
        assert_eq!(check(&top), []);
        assert_eq!(variants(&top), Err(BadElfError::CannotMake("huge-memsz")));
    }

    #[test]
    fn mutated_inputs_never_panic() {
        // xorshift64: deterministic and dependency-free.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let inputs = [synthesize(&TWO_LOADS), synthesize(&ONE_LOAD), synthesize_pie()];
        let interesting = [0, 1, 0x38, 0x40, 0xff, 0x1000, u64::MAX, 1 << 63, KERNEL_BASE, 0x7fff_ffff_f000];
        let mut made = 0;
        for round in 0..3000 {
            let mut bytes = inputs[round % inputs.len()].clone();
            for _ in 0..1 + next(3) {
                let header_end = (EHDR_LEN + 3 * PHDR_LEN).min(bytes.len());
                match next(4) {
                    0 if header_end > 0 => bytes[next(header_end)] ^= 1 << next(8),
                    1 if header_end >= 8 => {
                        let at = next(header_end / 8) * 8;
                        Field(at, 8).write(&mut bytes, interesting[next(interesting.len())]);
                    }
                    0 | 2 => bytes.truncate(next(bytes.len() + 1)),
                    _ => bytes.resize(bytes.len() + next(0x2000), 0xcc),
                }
            }
            let _ = check(&bytes);
            if let Ok(all) = variants(&bytes) {
                made += 1;
                assert!(all.iter().all(|(_, variant)| check(variant).len() == 1));
            }
        }
        assert!(made > 100, "only {made} mutated inputs were still valid");
    }

    #[test]
    fn readme_lists_every_variant_with_enoexec() {
        let text = readme("init");
        assert!(text.contains("`init`"));
        for variant in &VARIANTS {
            let line = text.lines().find(|line| line.starts_with(variant.name)).unwrap();
            assert!(line.contains(" ENOEXEC "), "{line}");
        }
    }
}
