//! The host programs and firmware the harness drives (QEMU, GRUB's ISO tools, OVMF): finding
//! them, and failing with a clear "run `make deps`" message when they are missing.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub const QEMU: &str = "qemu-system-x86_64";
/// `grub-mkrescue` needs xorriso, and mformat (mtools) for the UEFI image; `grub-file`
/// checks the Multiboot2 header before the ISO is made.
pub const ISO_TOOLS: &[&str] = &["grub-mkrescue", "grub-file", "xorriso", "mformat"];

/// Fails unless every program in `tools` is on `$PATH`.
pub fn require(tools: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| find_in_path(t).is_none()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing host tools: {} (run `make deps`)", missing.join(", ")))
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// UEFI firmware for QEMU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ovmf {
    /// One image with code and variable store, loaded with `-bios`.
    Combined(PathBuf),
    /// Separate code and variable-store images, loaded as two pflash drives (the variable
    /// store with `snapshot=on`, so the system copy is never written).
    Split { code: PathBuf, vars: PathBuf },
}

const OVMF_COMBINED: &[&str] = &["/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"];
const OVMF_SPLIT: &[(&str, &str)] = &[
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    ("/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("/usr/share/edk2/x64/OVMF_CODE.4m.fd", "/usr/share/edk2/x64/OVMF_VARS.4m.fd"),
];

/// Finds OVMF in the places Debian, Fedora and Arch install it.
pub fn find_ovmf() -> Result<Ovmf, String> {
    if let Some(p) = OVMF_COMBINED.iter().map(Path::new).find(|p| p.is_file()) {
        return Ok(Ovmf::Combined(p.to_path_buf()));
    }
    OVMF_SPLIT
        .iter()
        .map(|&(c, v)| (Path::new(c), Path::new(v)))
        .find(|(c, v)| c.is_file() && v.is_file())
        .map(|(c, v)| Ovmf::Split { code: c.to_path_buf(), vars: v.to_path_buf() })
        .ok_or_else(|| {
            format!(
                "UEFI firmware (OVMF) not found; looked for {} and the OVMF_CODE/OVMF_VARS \
                 pairs under /usr/share/OVMF and /usr/share/edk2 (run `make deps`)",
                OVMF_COMBINED.join(", ")
            )
        })
}

/// `KVM=1` in the environment opts in to hardware virtualisation; TCG is the default.
pub fn kvm_requested() -> bool {
    std::env::var_os("KVM").is_some_and(|v| v == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_reports_missing_tools() {
        let err = require(&["sh", "cairn-no-such-tool"]).unwrap_err();
        assert!(err.contains("cairn-no-such-tool"), "{err}");
        assert!(!err.contains("sh,"), "{err}");
        assert!(err.contains("make deps"), "{err}");
        assert!(require(&["sh"]).is_ok());
    }
}
