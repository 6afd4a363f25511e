//! End-to-end tests of the `mkinitfs` binary: pack real host files and trees, read the image
//! back with the `cairn-initfs` reader, and check the error exits. Uses `std` and
//! `cairn-initfs`.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cairn_initfs::{EntryKind, Initfs};

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mkinitfs-{test}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn mkinitfs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mkinitfs")).args(args).output().unwrap()
}

fn arg(path: &Path, dest: &str) -> String {
    format!("{}:{dest}", path.display())
}

/// A minimal static x86-64 executable: ELF header, one PT_LOAD of the whole file at
/// 0x400000, entry at 0x400078 (`jmp .`).
fn tiny_elf() -> Vec<u8> {
    let mut elf = Vec::new();
    elf.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    elf.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    elf.extend_from_slice(&1u32.to_le_bytes());
    elf.extend_from_slice(&0x40_0078u64.to_le_bytes()); // e_entry
    elf.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for half in [64u16, 56, 1, 64, 0, 0] {
        elf.extend_from_slice(&half.to_le_bytes()); // ehsize, phentsize, phnum, shentsize, shnum, shstrndx
    }
    elf.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // R+X
    for quad in [0u64, 0x40_0000, 0x40_0000, 0x7a, 0x7a, 0x1000] {
        elf.extend_from_slice(&quad.to_le_bytes()); // offset, vaddr, paddr, filesz, memsz, align
    }
    elf.extend_from_slice(&[0xeb, 0xfe]);
    elf
}

#[test]
fn packs_files_trees_and_bad_elves() {
    let dir = scratch("pack");
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("etc/init.d")).unwrap();
    fs::create_dir_all(tree.join("empty")).unwrap();
    fs::write(tree.join("etc/motd"), "welcome\n").unwrap();
    fs::write(tree.join("etc/init.d/start"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(tree.join("etc/init.d/start"), fs::Permissions::from_mode(0o750)).unwrap();
    fs::write(dir.join("init"), b"init program").unwrap();
    fs::write(dir.join("hello"), tiny_elf()).unwrap();
    let out = dir.join("build/initfs.img");

    let output = mkinitfs(&[
        "--out",
        out.to_str().unwrap(),
        "--file",
        &format!("{}:x", arg(&dir.join("init"), "/bin/init")),
        "--file",
        &arg(&dir.join("init"), "/bin/copy"),
        "--dir",
        &arg(&tree, "/"),
        "--bad-elves",
        &arg(&dir.join("hello"), "/test/elf"),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let image = fs::read(&out).unwrap();
    let initfs = Initfs::parse(&image).unwrap();
    let init = initfs.lookup("/bin/init").unwrap();
    assert_eq!((init.data, init.mode.is_executable()), (b"init program".as_slice(), true));
    assert!(!initfs.lookup("/bin/copy").unwrap().mode.is_executable());
    assert_eq!(initfs.lookup("/etc/motd").unwrap().data, b"welcome\n");
    assert!(!initfs.lookup("/etc/motd").unwrap().mode.is_executable());
    assert!(initfs.lookup("/etc/init.d/start").unwrap().mode.is_executable());
    assert_eq!(initfs.read_dir("/empty").unwrap().count(), 0);
    let root: Vec<_> = initfs.read_dir("/").unwrap().map(|child| child.name).collect();
    assert_eq!(root, ["bin", "empty", "etc", "test"]);

    let cases: Vec<_> = initfs.read_dir("/test/elf").unwrap().collect();
    assert_eq!(cases.len(), 16, "15 variants and the README");
    assert!(cases.iter().all(|case| case.kind == EntryKind::File));
    for case in cases.iter().filter(|case| case.name != "README") {
        let entry = initfs.lookup(&format!("/test/elf/{}", case.name)).unwrap();
        assert!(entry.mode.is_executable(), "{}", case.name);
        assert_ne!(entry.data, tiny_elf().as_slice(), "{}", case.name);
    }
    let readme = std::str::from_utf8(initfs.lookup("/test/elf/README").unwrap().data).unwrap();
    assert!(readme.contains("`hello`") && readme.contains("\nno-load-segments "), "{readme}");
    assert_eq!(readme.matches("ENOEXEC").count(), 16, "once per case and once in the introduction");
    assert!(!out.with_extension("img.tmp").exists());

    // The same inputs make the same image.
    let again = dir.join("again.img");
    let output = mkinitfs(&["--out", again.to_str().unwrap(), "--dir", &arg(&tree, "/")]);
    assert!(output.status.success());
    let output = mkinitfs(&["--out", out.to_str().unwrap(), "--dir", &arg(&tree, "/")]);
    assert!(output.status.success());
    assert_eq!(fs::read(&again).unwrap(), fs::read(&out).unwrap());
    fs::remove_dir_all(&dir).unwrap();
}

fn failure(args: &[&str]) -> (i32, String) {
    let output = mkinitfs(args);
    assert!(output.stdout.is_empty());
    (output.status.code().unwrap(), String::from_utf8(output.stderr).unwrap())
}

#[test]
fn reports_errors() {
    let dir = scratch("errors");
    let out = dir.join("out.img");
    let out = out.to_str().unwrap();
    fs::write(dir.join("a"), "a").unwrap();

    let (code, message) = failure(&["--file", "x:/y"]);
    assert_eq!(code, 2);
    assert!(message.starts_with("mkinitfs: `--out` is required\n\nusage: mkinitfs"), "{message}");

    let (code, message) =
        failure(&["--out", out, "--file", &arg(&dir.join("a"), "/x"), "--file", &arg(&dir.join("a"), "/x")]);
    assert_eq!((code, message.as_str()), (1, "mkinitfs: /x: path already exists\n"));

    let (code, message) = failure(&["--out", out, "--file", &arg(&dir.join("a"), "/x/../y")]);
    assert_eq!((code, message.as_str()), (1, "mkinitfs: /x/../y: path contains a `.` or `..` component\n"));

    let (code, message) = failure(&["--out", out, "--file", &arg(&dir.join("missing"), "/m")]);
    assert_eq!(code, 1);
    assert!(message.contains("missing: No such file"), "{message}");

    let linked = dir.join("linked");
    fs::create_dir_all(&linked).unwrap();
    symlink(dir.join("a"), linked.join("link")).unwrap();
    let (code, message) = failure(&["--out", out, "--dir", &arg(&linked, "/l")]);
    assert_eq!(code, 1);
    assert!(message.contains("link: not a regular file or directory"), "{message}");

    // This test program is dynamically linked, so it is no valid input for --bad-elves.
    let this = std::env::current_exe().unwrap();
    let (code, message) = failure(&["--out", out, "--bad-elves", &arg(&this, "/t")]);
    assert_eq!(code, 1);
    assert!(message.contains("not a valid static x86-64 ELF64 executable"), "{message}");

    assert!(!Path::new(out).exists(), "nothing is written on failure");
    fs::remove_dir_all(&dir).unwrap();
}
