//! `cairn-partitions` against tables made by the host's real tools:
//! util-linux's `sfdisk` (GPT and DOS with logical partitions) and
//! `fdisk -b 4096` (4 KiB sectors), gdisk's `sgdisk`. Every image is made
//! during the test in a temporary directory; what the crate reads is
//! compared with `sfdisk --dump`'s reading of the same image. Damage is
//! made by patching the images (recomputing CRCs where the test needs a
//! table that passes them). Needs `fdisk` and `gdisk` (`make deps`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn_partitions::{
    DiskId, Error, Guid, HeaderProblem, Note, PartUuid, Partition, PartitionTable, PartitionType, TableKind, read,
};

/// A fresh temporary directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-partitions-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `program` with `args`, feeding `input`; panics unless it succeeds. Returns stdout.
fn run(program: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e} (install util-linux's fdisk and gdisk: make deps)"));
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// An empty image file of `bytes` bytes.
fn image(dir: &Path, name: &str, bytes: u64) -> PathBuf {
    let path = dir.join(name);
    fs::File::create(&path).unwrap().set_len(bytes).unwrap();
    path
}

/// Reads the table of the image in `bytes` with `sector_size`.
fn table(bytes: &[u8], sector_size: u32) -> Result<Option<PartitionTable>, Error<String>> {
    let size = sector_size as usize;
    let mut reader = |lba: u64, buf: &mut [u8]| -> Result<(), String> {
        assert!(!buf.is_empty() && buf.len().is_multiple_of(size), "a read of {} bytes", buf.len());
        let at = lba as usize * size;
        let source = bytes.get(at..at + buf.len()).ok_or(format!("read past the end at {lba}"))?;
        buf.copy_from_slice(source);
        Ok(())
    };
    read(&mut reader, sector_size, (bytes.len() / size) as u64)
}

fn read_ok(bytes: &[u8], sector_size: u32) -> PartitionTable {
    table(bytes, sector_size).unwrap().expect("a partition table")
}

/// One partition as `sfdisk --dump` shows it.
#[derive(Debug, PartialEq)]
struct Dumped {
    number: u32,
    start: u64,
    size: u64,
    kind: String,
    uuid: Option<String>,
    name: String,
    bootable: bool,
}

/// `sfdisk --dump` of `path`: the label id and the partitions.
fn dump(path: &Path) -> (String, Vec<Dumped>) {
    let text = run("sfdisk", &["--dump", path.to_str().unwrap()], "");
    let mut id = String::new();
    let mut partitions = Vec::new();
    let prefix = path.to_str().unwrap();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("label-id: ") {
            id = rest.trim_start_matches("0x").to_lowercase();
        }
        let Some(rest) = line.strip_prefix(prefix) else { continue };
        let Some((number, fields)) = rest.split_once(" : ") else { continue };
        let field = |key: &str| {
            fields.split(", ").find_map(|f| f.trim().strip_prefix(key)).map(|v| v.trim().trim_matches('"').to_string())
        };
        partitions.push(Dumped {
            number: number.trim().parse().unwrap(),
            start: field("start=").unwrap().parse().unwrap(),
            size: field("size=").unwrap().parse().unwrap(),
            kind: field("type=").unwrap().to_lowercase(),
            uuid: field("uuid=").map(|u| u.to_lowercase()),
            name: field("name=").map(|n| unescape(&n)).unwrap_or_default(),
            bootable: fields.contains("bootable"),
        });
    }
    (id, partitions)
}

/// sfdisk's `\xHH` escapes of non-ASCII bytes, undone.
fn unescape(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'\\' && tail.first() == Some(&b'x') && tail.len() >= 3 {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&tail[1..3]).unwrap(), 16).unwrap());
            rest = &tail[3..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// `fdisk -b 4096 -l`'s reading of `path`: (number, start, sectors) of each partition.
fn fdisk_4k_layout(path: &Path) -> Vec<(u32, u64, u64)> {
    let p = path.to_str().unwrap();
    let text = run("fdisk", &["-b", "4096", "-l", p], "");
    text.lines()
        .filter_map(|line| line.strip_prefix(p))
        .map(|rest| {
            let fields: Vec<&str> = rest.split_whitespace().filter(|f| *f != "*").collect();
            (fields[0].parse().unwrap(), fields[1].parse().unwrap(), fields[3].parse().unwrap())
        })
        .collect()
}

/// `partition` in `sfdisk --dump`'s terms.
fn as_dumped(partition: &Partition) -> Dumped {
    let (kind, uuid) = match (partition.kind, partition.uuid) {
        (PartitionType::Gpt(guid), PartUuid::Guid(uuid)) => (guid.to_string(), Some(uuid.to_string())),
        (PartitionType::Mbr(byte), _) => (format!("{byte:x}"), None),
        other => panic!("mixed kinds {other:?}"),
    };
    Dumped {
        number: partition.number,
        start: partition.first_lba,
        size: partition.sectors,
        kind,
        uuid,
        name: partition.label.clone(),
        bootable: partition.attributes == 0x80,
    }
}

/// Checks that the crate reads `path` (512-byte sectors) as sfdisk does.
fn matches_sfdisk(path: &Path) -> PartitionTable {
    let bytes = fs::read(path).unwrap();
    let table = read_ok(&bytes, 512);
    let (id, dumped) = dump(path);
    assert_eq!(table.disk_id.to_string(), id);
    let ours: Vec<Dumped> = table.partitions.iter().map(as_dumped).collect();
    assert_eq!(ours, dumped);
    assert!(table.notes.is_empty(), "{:?}", table.notes);
    table
}

const GPT_SCRIPT: &str = "label: gpt
label-id: 5E0C5A55-7A11-4A2E-9C3D-0123456789AB
first-lba: 2048
size=1MiB, type=21686148-6449-6E6F-744E-656564454649, uuid=11111111-2222-4333-8444-555555555501, name=\"bios\"
size=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=11111111-2222-4333-8444-555555555502, name=\"EFI system\"
size=4MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, uuid=11111111-2222-4333-8444-555555555503
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=11111111-2222-4333-8444-555555555504, name=\"cairn root \u{e9}\"
";

/// A 32 MiB GPT image made by sfdisk.
fn sfdisk_gpt(dir: &Path) -> PathBuf {
    let path = image(dir, "gpt.img", 32 << 20);
    run("sfdisk", &["-q", path.to_str().unwrap()], GPT_SCRIPT);
    path
}

#[test]
fn gpt_made_by_sfdisk_reads_as_sfdisk_reads_it() {
    let dir = scratch("gpt");
    let table = matches_sfdisk(&sfdisk_gpt(&dir));
    assert_eq!(table.kind, TableKind::Gpt);
    assert_eq!(table.disk_id, DiskId::Guid(Guid::parse("5e0c5a55-7a11-4a2e-9c3d-0123456789ab").unwrap()));
    let names: Vec<_> = table.partitions.iter().map(|p| p.kind.name().unwrap()).collect();
    assert_eq!(names, ["BIOS boot", "EFI System", "Linux swap", "Linux filesystem"]);
    assert_eq!(table.partitions[3].label, "cairn root é");
    assert_eq!(table.partitions[0].first_lba, 2048);
}

#[test]
fn gpt_made_by_sgdisk_with_gaps_and_attributes() {
    let dir = scratch("sgdisk");
    let path = image(&dir, "sg.img", 16 << 20);
    let p = path.to_str().unwrap();
    run(
        "sgdisk",
        &[
            "-o",
            "-n",
            "2:4096:+2M",
            "-t",
            "2:8300",
            "-c",
            "2:data",
            "-n",
            "5:16384:+1M",
            "-t",
            "5:ef00",
            "-A",
            "5:set:0",
            "-A",
            "5:set:60",
            p,
        ],
        "",
    );
    run("sgdisk", &["-v", p], "");
    let table = matches_sfdisk(&path);
    let numbers: Vec<_> = table.partitions.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [2, 5]);
    assert_eq!(table.partitions[1].attributes, 1 | 1 << 60);
    assert_eq!(table.partitions[1].kind.name(), Some("EFI System"));
}

/// A 64 MiB DOS image: two primaries, an extended one, three logicals.
fn sfdisk_dos(dir: &Path) -> PathBuf {
    let path = image(dir, "dos.img", 64 << 20);
    let script = "label: dos
label-id: 0x1234abcd
size=8MiB, type=83, bootable
size=8MiB, type=82
type=5
size=4MiB, type=83
size=4MiB, type=c
size=4MiB, type=83
";
    run("sfdisk", &["-q", path.to_str().unwrap()], script);
    path
}

#[test]
fn dos_table_with_logical_partitions_reads_as_sfdisk_reads_it() {
    let dir = scratch("dos");
    let table = matches_sfdisk(&sfdisk_dos(&dir));
    assert_eq!(table.kind, TableKind::Mbr);
    let numbers: Vec<_> = table.partitions.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3, 5, 6, 7]);
    assert!(table.partitions[2].kind.is_extended());
    assert_eq!(table.partitions[3].uuid.to_string(), "1234abcd-05");
    assert_eq!(table.partitions[1].kind.name(), Some("Linux swap / Solaris"));
}

/// The sector offset of the EBR holding logical partition `n` (5 first) of `bytes`.
fn ebr_of(bytes: &[u8], n: u32) -> u64 {
    let table = read_ok(bytes, 512);
    let ext = table.partitions.iter().find(|p| p.kind.is_extended()).unwrap().first_lba;
    let mut ebr = ext;
    for _ in 5..n {
        let link = &bytes[ebr as usize * 512 + 462..];
        ebr = ext + u64::from(u32::from_le_bytes(link[8..12].try_into().unwrap()));
    }
    ebr
}

/// Points the link of the EBR at `ebr` to `target` (relative to the extended partition at `ext`).
fn link_ebr(bytes: &mut [u8], ebr: u64, ext: u64, target: u64) {
    let at = ebr as usize * 512 + 462;
    bytes[at + 4] = 0x05;
    bytes[at + 8..at + 12].copy_from_slice(&((target - ext) as u32).to_le_bytes());
    bytes[at + 12..at + 16].copy_from_slice(&1u32.to_le_bytes());
}

#[test]
fn looping_and_escaping_ebr_chains_are_errors() {
    let dir = scratch("ebr");
    let good = fs::read(sfdisk_dos(&dir)).unwrap();
    let ext = ebr_of(&good, 5);
    let last = ebr_of(&good, 7);
    // The last EBR links back to the first.
    let mut looped = good.clone();
    link_ebr(&mut looped, last, ext, ext);
    assert_eq!(table(&looped, 512), Err(Error::EbrLoop { lba: ext }));
    // ... or to itself.
    let mut selfish = good.clone();
    link_ebr(&mut selfish, last, ext, last);
    assert_eq!(table(&selfish, 512), Err(Error::EbrLoop { lba: last }));
    // A link past the extended partition.
    let mut escaping = good.clone();
    link_ebr(&mut escaping, last, ext, ext + 96256);
    assert_eq!(table(&escaping, 512), Err(Error::EbrOutside { lba: ext + 96256 }));
    // An EBR without its signature.
    let mut unsigned = good.clone();
    unsigned[last as usize * 512 + 510] = 0;
    assert_eq!(table(&unsigned, 512), Err(Error::BadEbr { lba: last }));
    // A logical partition running past the extended one.
    let mut long = good.clone();
    long[last as usize * 512 + 446 + 12..][..4].copy_from_slice(&200_000u32.to_le_bytes());
    assert!(matches!(table(&long, 512), Err(Error::OutsideDisk { number: 7, .. })));
}

#[test]
fn dos_primaries_overlapping_or_past_the_end_are_errors() {
    let dir = scratch("dosbad");
    let good = fs::read(sfdisk_dos(&dir)).unwrap();
    // Partition 2 starts inside partition 1.
    let mut overlap = good.clone();
    overlap[446 + 16 + 8..][..4].copy_from_slice(&4096u32.to_le_bytes());
    assert_eq!(table(&overlap, 512), Err(Error::Overlap { first: 1, second: 2 }));
    // Partition 1 is longer than the disk.
    let mut long = good.clone();
    long[446 + 12..][..4].copy_from_slice(&(200_000u32).to_le_bytes());
    assert!(matches!(table(&long, 512), Err(Error::OutsideDisk { number: 1, .. })));
    // Two extended partitions.
    let mut two = good.clone();
    two[446 + 16 + 4] = 0x0f;
    assert_eq!(table(&two, 512), Err(Error::TwoExtended));
}

/// The byte offset of the GPT header of `bytes` at `lba`.
fn header_at(lba: u64, sector: usize) -> usize {
    lba as usize * sector
}

#[test]
fn damaged_primary_header_is_recovered_from_the_backup() {
    let dir = scratch("backup");
    let path = sfdisk_gpt(&dir);
    let good = fs::read(&path).unwrap();
    let sound = read_ok(&good, 512);
    // A flipped bit in the primary header's disk GUID.
    let mut damaged = good.clone();
    damaged[header_at(1, 512) + 60] ^= 0x10;
    let recovered = read_ok(&damaged, 512);
    assert_eq!(recovered.partitions, sound.partitions);
    assert_eq!(recovered.disk_id, sound.disk_id);
    assert!(matches!(recovered.notes[..], [Note::PrimaryDamaged(HeaderProblem::HeaderCrc { .. })]));
    // A wiped primary header.
    let mut wiped = good.clone();
    wiped[512..1024].fill(0);
    let recovered = read_ok(&wiped, 512);
    assert_eq!(recovered.partitions, sound.partitions);
    assert_eq!(recovered.notes, [Note::PrimaryDamaged(HeaderProblem::Signature)]);
    // A damaged primary entry array (the header is sound).
    let mut array = good.clone();
    array[1024 + 128 + 40] ^= 1;
    let recovered = read_ok(&array, 512);
    assert_eq!(recovered.partitions, sound.partitions);
    assert!(matches!(recovered.notes[..], [Note::PrimaryDamaged(HeaderProblem::EntryArrayCrc { .. })]));
    // What the crate recovered is what sfdisk recovers (it also reads the backup).
    fs::write(&path, &damaged).unwrap();
    let (_, dumped) = dump(&path);
    assert_eq!(recovered.partitions.iter().map(as_dumped).collect::<Vec<_>>(), dumped);
}

#[test]
fn both_headers_damaged_is_an_error() {
    let dir = scratch("both");
    let good = fs::read(sfdisk_gpt(&dir)).unwrap();
    let last = good.len() / 512 - 1;
    let mut damaged = good.clone();
    damaged[header_at(1, 512) + 60] ^= 1;
    damaged[header_at(last as u64, 512) + 60] ^= 1;
    assert!(matches!(
        table(&damaged, 512),
        Err(Error::BothHeadersBad {
            primary: HeaderProblem::HeaderCrc { .. },
            backup: HeaderProblem::HeaderCrc { .. }
        })
    ));
    // A disk cut short: the primary's usable range runs past its end, and no backup on the last sector.
    let cut = &good[..good.len() - 512 * 100];
    assert!(matches!(
        table(cut, 512),
        Err(Error::BothHeadersBad { primary: HeaderProblem::UsableRange { .. }, backup: HeaderProblem::Signature })
    ));
}

/// Rewrites both headers' entry-array and header CRC-32s after `bytes`' entries were patched.
fn reseal(bytes: &mut [u8], sector: usize) {
    let sectors = bytes.len() / sector;
    for lba in [1, sectors - 1] {
        let h = lba * sector;
        let array_lba = u64::from_le_bytes(bytes[h + 72..h + 80].try_into().unwrap()) as usize;
        let count = u32::from_le_bytes(bytes[h + 80..h + 84].try_into().unwrap()) as usize;
        let size = u32::from_le_bytes(bytes[h + 84..h + 88].try_into().unwrap()) as usize;
        let crc = crc32fast::hash(&bytes[array_lba * sector..][..count * size]);
        bytes[h + 88..h + 92].copy_from_slice(&crc.to_le_bytes());
        bytes[h + 16..h + 20].fill(0);
        let crc = crc32fast::hash(&bytes[h..h + 92]);
        bytes[h + 16..h + 20].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Patches entry `index` (0-based) of both arrays: `first`/`last` LBAs.
fn set_entry(bytes: &mut [u8], index: usize, first: u64, last: u64) {
    let sectors = bytes.len() / 512;
    for array_lba in [2, sectors - 33] {
        let at = array_lba * 512 + index * 128;
        bytes[at + 32..at + 40].copy_from_slice(&first.to_le_bytes());
        bytes[at + 40..at + 48].copy_from_slice(&last.to_le_bytes());
    }
    reseal(bytes, 512);
}

#[test]
fn gpt_entries_overlapping_backwards_or_beyond_the_disk_are_errors() {
    let dir = scratch("gptbad");
    let good = fs::read(sfdisk_gpt(&dir)).unwrap();
    let sound = read_ok(&good, 512);
    let (p1, p2) = (&sound.partitions[0], &sound.partitions[1]);
    // The patching itself keeps a sound table sound.
    let mut same = good.clone();
    set_entry(&mut same, 0, p1.first_lba, p1.last_lba());
    assert_eq!(read_ok(&same, 512), sound);
    let mut overlap = good.clone();
    set_entry(&mut overlap, 0, p1.first_lba, p2.first_lba);
    assert_eq!(table(&overlap, 512), Err(Error::Overlap { first: 1, second: 2 }));
    let mut beyond = good.clone();
    let sectors = (good.len() / 512) as u64;
    set_entry(&mut beyond, 3, sound.partitions[3].first_lba, sectors + 10);
    assert!(matches!(table(&beyond, 512), Err(Error::OutsideDisk { number: 4, .. })));
    let mut into_header = good.clone();
    set_entry(&mut into_header, 0, 1, 100);
    assert!(matches!(table(&into_header, 512), Err(Error::OutsideDisk { number: 1, first_lba: 1, .. })));
    let mut backwards = good.clone();
    set_entry(&mut backwards, 1, p2.last_lba(), p2.first_lba);
    assert_eq!(table(&backwards, 512), Err(Error::Backwards { number: 2 }));
}

#[test]
fn four_kib_sectors_gpt_and_dos() {
    let dir = scratch("4k");
    let path = image(&dir, "gpt4k.img", 16 << 20);
    let p = path.to_str().unwrap();
    // fdisk's dialogue: new GPT, partition 1 of 1 MiB, partition 2 the rest, type 2 = Linux swap... written.
    run("fdisk", &["-b", "4096", p], "g\nn\n1\n\n+1M\nn\n2\n\n\nt\n2\n19\nw\n");
    let bytes = fs::read(&path).unwrap();
    let table = read_ok(&bytes, 4096);
    assert_eq!(table.kind, TableKind::Gpt);
    let layout: Vec<_> = table.partitions.iter().map(|p| (p.number, p.first_lba, p.sectors)).collect();
    assert_eq!(layout, fdisk_4k_layout(&path));
    assert_eq!(layout[0], (1, 256, 256), "fdisk aligns to 1 MiB: 256 sectors of 4 KiB");
    let names: Vec<_> = table.partitions.iter().map(|p| p.kind.name()).collect();
    assert_eq!(names, [Some("Linux filesystem"), Some("Linux swap")]);
    // Read with the wrong sector size, there is no GPT header at byte 512.
    assert!(matches!(table_err(&bytes, 512), Error::BothHeadersBad { primary: HeaderProblem::Signature, .. }));
    // The backup header works with 4 KiB sectors too.
    let mut damaged = bytes.clone();
    damaged[4096 + 60] ^= 1;
    assert_eq!(read_ok(&damaged, 4096).partitions, table.partitions);

    let path = image(&dir, "dos4k.img", 64 << 20);
    let p = path.to_str().unwrap();
    run("fdisk", &["-b", "4096", p], "o\nn\np\n1\n\n+4M\nn\ne\n2\n\n\nn\n\n+4M\nn\n\n+4M\nw\n");
    let table = read_ok(&fs::read(&path).unwrap(), 4096);
    let layout: Vec<_> = table.partitions.iter().map(|p| (p.number, p.first_lba, p.sectors)).collect();
    assert_eq!(layout, fdisk_4k_layout(&path));
    let numbers: Vec<_> = layout.iter().map(|p| p.0).collect();
    assert_eq!(numbers, [1, 2, 5, 6]);
}

fn table_err(bytes: &[u8], sector_size: u32) -> Error<String> {
    table(bytes, sector_size).unwrap_err()
}

#[test]
fn disks_without_a_table() {
    let dir = scratch("none");
    assert_eq!(table(&vec![0u8; 1 << 20], 512), Ok(None));
    // A FAT file system on the whole disk: boot signature, no table.
    let path = image(&dir, "fat.img", 8 << 20);
    run("mkfs.vfat", &[path.to_str().unwrap()], "");
    assert_eq!(table(&fs::read(&path).unwrap(), 512), Ok(None));
    // An empty DOS label is a table with no partitions.
    let path = image(&dir, "empty.img", 8 << 20);
    run("sfdisk", &["-q", path.to_str().unwrap()], "label: dos\n");
    let empty = read_ok(&fs::read(&path).unwrap(), 512);
    assert!(empty.partitions.is_empty());
    assert_eq!(table(&[], 512), Ok(None));
}

#[test]
fn bad_sector_sizes_and_failing_readers() {
    assert_eq!(table(&vec![0u8; 8192], 1000), Err(Error::SectorSize(1000)));
    let dir = scratch("reader");
    let good = fs::read(sfdisk_gpt(&dir)).unwrap();
    // A reader that fails once the header was read: the entry array is lost.
    let mut failing = |lba: u64, buf: &mut [u8]| -> Result<(), &'static str> {
        if lba >= 2 {
            return Err("medium error");
        }
        buf.copy_from_slice(&good[lba as usize * 512..][..buf.len()]);
        Ok(())
    };
    let sectors = (good.len() / 512) as u64;
    assert_eq!(read(&mut failing, 512, sectors), Err(Error::Read { lba: 2, error: "medium error" }));
}

#[test]
fn mutated_tables_never_panic() {
    let dir = scratch("fuzz");
    let images = [fs::read(sfdisk_gpt(&dir)).unwrap(), fs::read(sfdisk_dos(&dir)).unwrap()];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let cases: usize = std::env::var("CAIRN_PARTITIONS_FUZZ").ok().and_then(|n| n.parse().ok()).unwrap_or(400);
    let mut work = images.clone();
    for case in 0..cases {
        let (pristine, bytes) = (&images[case % 2], &mut work[case % 2]);
        // Damage the interesting sectors: the MBR, the GPT header and entries, the first EBR.
        let hot = [0..1024 * 3, 34816 * 512..34816 * 512 + 512];
        for _ in 0..1 + next() % 8 {
            let range = &hot[(next() % 2) as usize];
            let at = range.start + (next() as usize % range.len());
            bytes[at] = next() as u8;
        }
        if case % 3 == 0 {
            reseal_if_gpt(bytes);
        }
        let _ = table(bytes, 512);
        // Undo the damage (and any resealing of the backup at the end) for the next case.
        let tail = bytes.len() - 33 * 512;
        for range in hot.into_iter().chain(std::iter::once(tail..bytes.len())) {
            bytes[range.clone()].copy_from_slice(&pristine[range]);
        }
    }
}

/// Makes a mutated GPT pass its CRCs, so the checks behind them run too.
fn reseal_if_gpt(bytes: &mut [u8]) {
    let sectors = bytes.len() / 512;
    for lba in [1, sectors - 1] {
        let h = lba * 512;
        let array_lba = u64::from_le_bytes(bytes[h + 72..h + 80].try_into().unwrap());
        let count = u32::from_le_bytes(bytes[h + 80..h + 84].try_into().unwrap()) as u64;
        let size = u32::from_le_bytes(bytes[h + 84..h + 88].try_into().unwrap()) as u64;
        let fits = array_lba
            .checked_mul(512)
            .and_then(|a| a.checked_add(count * size))
            .is_some_and(|e| e <= bytes.len() as u64);
        if &bytes[h..h + 8] != b"EFI PART" || !fits {
            return;
        }
    }
    reseal(bytes, 512);
}
