//! `mkdisk`: builds a bootable raw disk image of Cairn from the build
//! output, with the host's real tools and no root privileges (no loop
//! devices, no mounts):
//!
//! 1. a GPT made by `sfdisk`: partition 1 BIOS boot (1 MiB), 2 EFI system
//!    (`--esp-mib`, FAT made by `mkfs.vfat`), 3 Linux root (the rest),
//!    read back with `cairn-partitions` to place everything;
//! 2. the root: an ext3 file system made by `mke2fs -t ext3 -d` from a
//!    staging tree holding every file of the initfs (programs, `/etc`, …),
//!    an empty `/tmp`, and `/boot` with the kernel, the initfs and
//!    `grub.cfg` (written by `cairn-grubcfg`, as the ISOs' is);
//! 3. GRUB for BIOS: `grub-mkimage -O i386-pc` into the BIOS boot
//!    partition and GRUB's `boot.img` as the MBR's code ([`grub`]);
//! 4. GRUB for UEFI: `grub-mkimage -O x86_64-efi` as
//!    `/EFI/BOOT/BOOTX64.EFI` on the EFI system partition (`mtools`).
//!
//! Both GRUB images find the root by its file-system UUID and read
//! `/boot/grub/grub.cfg` there, which boots the kernel with the initfs
//! module and the command line given (`root=LABEL=cairn-root`, the label `mke2fs -L` gives the root, unless
//! `--cmdline` says otherwise). Staging files are kept in
//! `<dir of OUT>/mkdisk-<stem of OUT>/`.
//!
//! Usage: `mkdisk --kernel ELF --initfs IMG --out DISK [--size-mib N]
//! [--esp-mib N] [--cmdline TEXT]`.

mod grub;

use std::fs::{self, File};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use cairn_grubcfg::ModuleEntry;
use cairn_initfs::{EntryKind, Initfs};
use cairn_partitions::{Partition, PartitionType};

use grub::SECTOR;

/// The programs mkdisk runs, and the Debian packages holding them.
const TOOLS: &[(&str, &str)] = &[
    ("sfdisk", "fdisk"),
    ("mke2fs", "e2fsprogs"),
    ("mkfs.vfat", "dosfstools"),
    ("mmd", "mtools"),
    ("mcopy", "mtools"),
    ("grub-mkimage", "grub-common"),
];
/// GRUB's module directories (grub-pc-bin, grub-efi-amd64-bin).
const GRUB_BIOS: &str = "/usr/lib/grub/i386-pc";
const GRUB_EFI: &str = "/usr/lib/grub/x86_64-efi";
/// The modules built into each GRUB image: the disk and partition map,
/// ext2/3/4, the UUID search, the menu, Multiboot2 and the video drivers
/// the kernel's framebuffer request needs (`insmod all_video` in grub.cfg).
const BIOS_MODULES: &[&str] =
    &["biosdisk", "part_gpt", "ext2", "search", "normal", "configfile", "multiboot2", "all_video"];
const EFI_MODULES: &[&str] = &["part_gpt", "ext2", "search", "normal", "configfile", "multiboot2", "all_video"];

/// GPT type GUIDs of the three partitions.
const BIOS_BOOT: &str = "21686148-6449-6E6F-744E-656564454649";
const EFI_SYSTEM: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const LINUX_FS: &str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

/// The command line's options.
#[derive(Debug)]
struct Args {
    kernel: PathBuf,
    initfs: PathBuf,
    out: PathBuf,
    size_mib: u64,
    esp_mib: u64,
    cmdline: String,
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(|args| build(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("mkdisk: {why}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut kernel, mut initfs, mut out) = (None, None, None);
    let mut args = Args {
        kernel: PathBuf::new(),
        initfs: PathBuf::new(),
        out: PathBuf::new(),
        size_mib: 128,
        esp_mib: 32,
        cmdline: "root=LABEL=cairn-root".into(),
    };
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or(format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|_| format!("{flag}: not a number: {text}"));
        match flag.as_str() {
            "--kernel" => kernel = Some(PathBuf::from(value()?)),
            "--initfs" => initfs = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--size-mib" => args.size_mib = number(value()?)?,
            "--esp-mib" => args.esp_mib = number(value()?)?,
            "--cmdline" => args.cmdline = value()?,
            other => {
                return Err(format!(
                    "unknown option {other}; usage: mkdisk --kernel ELF --initfs IMG --out DISK [--size-mib N] [--esp-mib N] [--cmdline TEXT]"
                ));
            }
        }
    }
    args.kernel = kernel.ok_or("--kernel is required")?;
    args.initfs = initfs.ok_or("--initfs is required")?;
    args.out = out.ok_or("--out is required")?;
    // 1 MiB before the first partition, 1 for BIOS boot, the ESP, at least 16 for the root.
    if args.esp_mib < 1 || args.size_mib < args.esp_mib + 18 {
        return Err(format!("a {} MiB disk has no room for a {} MiB ESP and a root", args.size_mib, args.esp_mib));
    }
    Ok(args)
}

fn build(args: &Args) -> Result<(), String> {
    require_tools()?;
    let stem = args.out.file_stem().and_then(|s| s.to_str()).ok_or("--out has no file name")?;
    let work = args.out.parent().unwrap_or(Path::new(".")).join(format!("mkdisk-{stem}"));
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|e| format!("removing {}: {e}", work.display()))?;
    }
    create_dir(&work)?;

    let [bios, esp, root] = partition(&args.out, args.size_mib << 20, args.esp_mib)?;
    let disk = fs::OpenOptions::new().write(true).read(true).open(&args.out).map_err(|e| io(&args.out, e))?;

    let root_uuid = random_uuid()?;
    let tree = work.join("root");
    stage_root(&tree, args)?;
    let root_img = sized_file(&work.join("root.img"), root.sectors * SECTOR as u64)?;
    run(Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext3", "-L", "cairn-root", "-U", &root_uuid, "-d"])
        .arg(&tree)
        .arg(&root_img))?;
    copy_into(&disk, &root_img, &root)?;

    let early = work.join("early.cfg");
    fs::write(&early, grub::early_config(&root_uuid)).map_err(|e| io(&early, e))?;
    let core_path = work.join("core.img");
    grub_mkimage("i386-pc", GRUB_BIOS, &core_path, &early, BIOS_MODULES)?;
    let mut core = fs::read(&core_path).map_err(|e| io(&core_path, e))?;
    if core.len() as u64 > bios.sectors * SECTOR as u64 {
        return Err(format!("core.img ({} bytes) does not fit the BIOS boot partition", core.len()));
    }
    grub::place_core(&mut core, bios.first_lba)?;
    write_at(&disk, &args.out, &core, bios.first_lba)?;
    let boot_img_path = Path::new(GRUB_BIOS).join("boot.img");
    let boot_img = fs::read(&boot_img_path).map_err(|e| io(&boot_img_path, e))?;
    let mut mbr = [0u8; SECTOR];
    disk.read_exact_at(&mut mbr, 0).map_err(|e| io(&args.out, e))?;
    write_at(&disk, &args.out, &grub::boot_sector(&boot_img, &mbr, bios.first_lba)?, 0)?;

    let efi_path = work.join("BOOTX64.EFI");
    grub_mkimage("x86_64-efi", GRUB_EFI, &efi_path, &early, EFI_MODULES)?;
    let esp_img = sized_file(&work.join("esp.img"), esp.sectors * SECTOR as u64)?;
    run(Command::new("mkfs.vfat").args(["-n", "CAIRN-ESP"]).arg(&esp_img))?;
    run(Command::new("mmd").arg("-i").arg(&esp_img).args(["::/EFI", "::/EFI/BOOT"]))?;
    run(Command::new("mcopy").arg("-i").arg(&esp_img).arg(&efi_path).arg("::/EFI/BOOT/BOOTX64.EFI"))?;
    copy_into(&disk, &esp_img, &esp)?;
    disk.sync_all().map_err(|e| io(&args.out, e))?;

    println!(
        "mkdisk: {} ({} MiB): BIOS boot at sector {}, EFI system at {}, ext3 root at {} (UUID {root_uuid}); \
         kernel command line \"{}\"",
        args.out.display(),
        args.size_mib,
        bios.first_lba,
        esp.first_lba,
        root.first_lba,
        args.cmdline
    );
    Ok(())
}

/// Writes the GPT with sfdisk and reads it back: the BIOS boot, EFI
/// system and root partitions.
fn partition(out: &Path, bytes: u64, esp_mib: u64) -> Result<[Partition; 3], String> {
    sized_file(out, 0)?;
    sized_file(out, bytes)?;
    let script = format!(
        "label: gpt\nfirst-lba: 2048\n\
         size=1MiB, type={BIOS_BOOT}, name=\"bios\"\n\
         size={esp_mib}MiB, type={EFI_SYSTEM}, name=\"esp\"\n\
         type={LINUX_FS}, name=\"root\"\n"
    );
    let mut sfdisk = Command::new("sfdisk");
    sfdisk.args(["-q", "--wipe", "always"]).arg(out);
    run_with_input(&mut sfdisk, &script)?;
    let file = File::open(out).map_err(|e| io(out, e))?;
    let mut reader = |lba: u64, buf: &mut [u8]| file.read_exact_at(buf, lba * SECTOR as u64);
    let table = cairn_partitions::read(&mut reader, SECTOR as u32, bytes / SECTOR as u64)
        .map_err(|e| format!("reading back the table sfdisk wrote: {e}"))?
        .ok_or("sfdisk wrote no partition table")?;
    let kinds: Vec<String> = table
        .partitions
        .iter()
        .map(|p| match p.kind {
            PartitionType::Gpt(guid) => guid.to_string(),
            PartitionType::Mbr(byte) => format!("{byte:#x}"),
        })
        .collect();
    let wanted = [BIOS_BOOT, EFI_SYSTEM, LINUX_FS].map(|t| t.to_lowercase());
    if kinds != wanted {
        return Err(format!("sfdisk made partitions of types {kinds:?}, not {wanted:?}"));
    }
    let [bios, esp, root] = <[Partition; 3]>::try_from(table.partitions).map_err(|_| "not three partitions")?;
    Ok([bios, esp, root])
}

/// The root file system's tree: the initfs's files and directories with
/// their modes, `/tmp`, `/root`, `/mnt`, and `/boot` with the kernel, the
/// initfs and grub.cfg.
fn stage_root(tree: &Path, args: &Args) -> Result<(), String> {
    let image = fs::read(&args.initfs).map_err(|e| io(&args.initfs, e))?;
    let initfs = Initfs::parse(&image).map_err(|e| format!("{}: {e:?}", args.initfs.display()))?;
    create_dir(tree)?;
    for entry in initfs.iter() {
        let path = tree.join(entry.path.trim_start_matches('/'));
        match entry.kind {
            EntryKind::Dir => create_dir(&path)?,
            EntryKind::File => fs::write(&path, entry.data).map_err(|e| io(&path, e))?,
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(entry.mode.permissions())).map_err(|e| io(&path, e))?;
    }
    // The directories the root tmpfs adds to the initfs's, with its modes.
    for (name, mode) in [("tmp", 0o1777), ("root", 0o700), ("mnt", 0o755)] {
        let dir = tree.join(name);
        create_dir(&dir)?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).map_err(|e| io(&dir, e))?;
    }
    let grub_dir = tree.join("boot/grub");
    create_dir(&grub_dir)?;
    let initfs_name = "initfs.img";
    copy(&args.kernel, &tree.join(cairn_grubcfg::KERNEL_PATH.trim_start_matches('/')))?;
    copy(&args.initfs, &tree.join("boot").join(initfs_name))?;
    let module = ModuleEntry { file_name: initfs_name.into(), string: b"initfs".to_vec() };
    let cfg = cairn_grubcfg::render(args.cmdline.as_bytes(), &[module])?;
    let cfg_path = grub_dir.join("grub.cfg");
    fs::write(&cfg_path, cfg).map_err(|e| io(&cfg_path, e))
}

fn grub_mkimage(format: &str, dir: &str, out: &Path, early: &Path, modules: &[&str]) -> Result<(), String> {
    run(Command::new("grub-mkimage")
        .args(["-O", format, "-d", dir, "-p", "/boot/grub", "-c"])
        .arg(early)
        .arg("-o")
        .arg(out)
        .args(modules))
}

fn require_tools() -> Result<(), String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).chain(["/usr/sbin", "/sbin"].map(PathBuf::from)).collect();
    let mut missing: Vec<String> = TOOLS
        .iter()
        .filter(|(tool, _)| !dirs.iter().any(|d| d.join(tool).is_file()))
        .map(|(tool, package)| format!("{tool} ({package})"))
        .collect();
    for (dir, package) in [(GRUB_BIOS, "grub-pc-bin"), (GRUB_EFI, "grub-efi-amd64-bin")] {
        if !Path::new(dir).join("kernel.img").is_file() {
            missing.push(format!("{dir} ({package})"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing host tools: {} (run `make deps`)", missing.join(", ")))
    }
}

/// A fresh random UUID from the kernel.
fn random_uuid() -> Result<String, String> {
    let source = Path::new("/proc/sys/kernel/random/uuid");
    Ok(fs::read_to_string(source).map_err(|e| io(source, e))?.trim().to_string())
}

fn run(command: &mut Command) -> Result<(), String> {
    run_with_input(command, "")
}

fn run_with_input(command: &mut Command, input: &str) -> Result<(), String> {
    use std::io::Write;
    use std::process::Stdio;
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {shown}: {e}"))?;
    child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(input.as_bytes()))
        .transpose()
        .map_err(|e| format!("{shown}: {e}"))?;
    let output = child.wait_with_output().map_err(|e| format!("{shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Copies the file system image `image` into `partition` of `disk`.
fn copy_into(disk: &File, image: &Path, partition: &Partition) -> Result<(), String> {
    let bytes = fs::read(image).map_err(|e| io(image, e))?;
    if bytes.len() as u64 > partition.sectors * SECTOR as u64 {
        return Err(format!("{} is larger than partition {}", image.display(), partition.number));
    }
    write_at(disk, image, &bytes, partition.first_lba)
}

fn write_at(disk: &File, what: &Path, bytes: &[u8], lba: u64) -> Result<(), String> {
    disk.write_all_at(bytes, lba * SECTOR as u64).map_err(|e| format!("writing {} into the disk: {e}", what.display()))
}

/// `path` truncated or extended to `bytes` (created if missing).
fn sized_file(path: &Path, bytes: u64) -> Result<PathBuf, String> {
    let file = File::options().create(true).write(true).truncate(false).open(path).map_err(|e| io(path, e))?;
    file.set_len(bytes).map_err(|e| io(path, e))?;
    Ok(path.to_path_buf())
}

fn create_dir(path: &Path) -> Result<(), String> {
    fs::create_dir_all(path).map_err(|e| io(path, e))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map(drop).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

fn io(path: &Path, error: std::io::Error) -> String {
    format!("{}: {error}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn options() {
        let a = args(&["--kernel", "k", "--initfs", "i", "--out", "o"]).unwrap();
        assert_eq!((a.size_mib, a.esp_mib, a.cmdline.as_str()), (128, 32, "root=LABEL=cairn-root"));
        let a = args(&[
            "--kernel",
            "k",
            "--initfs",
            "i",
            "--out",
            "o",
            "--size-mib",
            "64",
            "--cmdline",
            "root=/dev/nvme0n1p3",
        ])
        .unwrap();
        assert_eq!((a.size_mib, a.cmdline.as_str()), (64, "root=/dev/nvme0n1p3"));
        assert!(args(&["--kernel", "k", "--initfs", "i"]).unwrap_err().contains("--out"));
        assert!(args(&["--kernel", "k", "--initfs", "i", "--out", "o", "--size-mib", "40"]).is_err());
        assert!(args(&["--kernel", "k", "--initfs", "i", "--out", "o", "--size-mib", "x"]).is_err());
        assert!(args(&["--bogus"]).is_err());
    }
}
