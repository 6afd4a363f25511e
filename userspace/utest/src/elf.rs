//! Malformed executables: spawning (and exec'ing) each file of
//! `/test/elf/` must fail with `ENOEXEC`, and the kernel must still run
//! programs afterwards.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::ENOEXEC;
use cairn_rt::fs::File;
use cairn_rt::process::{self, Command};
use cairn_rt::{String, format};

use crate::util::{TestResult, ensure, expect_errno, in_child, ok};

/// The bad-ELF variants the initfs carries under `/test/elf/`.
pub const BAD_ELVES: [&str; 15] = [
    "truncated-header",
    "truncated-phdrs",
    "wrong-machine",
    "wrong-class",
    "wrong-endian",
    "bad-magic",
    "segment-in-kernel-range",
    "huge-memsz",
    "overlapping-segments",
    "bad-alignment",
    "filesz-beyond-file",
    "filesz-gt-memsz",
    "no-load-segments",
    "entry-outside-segments",
    "bad-phentsize",
];

fn path(name: &str) -> String {
    format!("/test/elf/{name}")
}

/// `spawn` of `/test/elf/<name>` gives `ENOEXEC`.
pub fn spawn_rejected(name: &str) -> TestResult {
    let path = path(name);
    ok(&format!("open {path} (is it in the initfs?)"), File::open(&path))?;
    expect_errno(&format!("spawn {path}"), Command::new(&path).spawn().map(|c| c.id()), ENOEXEC)
}

/// `execve` of every bad file gives `ENOEXEC` and leaves the caller running.
pub fn exec_rejected() -> TestResult {
    in_child(|| {
        for name in BAD_ELVES {
            let path = path(name);
            let err = process::exec(&path, &[path.as_str()], &[] as &[&str]);
            ensure!(err.errno() == Some(ENOEXEC), "exec {path}: expected ENOEXEC, got {err}");
        }
        Ok(())
    })
}

/// `ELF` type field value of a position-dependent executable.
const ET_EXEC: u16 = 2;

/// A static, position-dependent (`ET_EXEC`) build of `true` loads at its
/// link address and runs.
pub fn static_exec_runs() -> TestResult {
    const PATH: &str = "/bin/true-static";
    let header = ok("read /bin/true-static", cairn_rt::fs::read(PATH))?;
    ensure!(header.len() > 18, "{PATH} is too short to be an ELF file");
    let kind = u16::from_le_bytes([header[16], header[17]]);
    ensure!(kind == ET_EXEC, "{PATH} has ELF type {kind}, expected ET_EXEC");
    let status = ok("spawn /bin/true-static", Command::new(PATH).status())?;
    ensure!(status.success(), "{PATH}: {status}");
    Ok(())
}

/// After all of that, programs still start and run.
pub fn kernel_alive_afterwards() -> TestResult {
    let status = ok("spawn /bin/true", Command::new("/bin/true").status())?;
    ensure!(status.success(), "/bin/true: {status}");
    Ok(())
}
