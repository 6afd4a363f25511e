//! Making a hybrid BIOS+UEFI GRUB ISO with `grub-mkrescue`: stages the kernel, the modules
//! and `grub.cfg` in `<dir of OUT>/isoroot-<stem of OUT>/`, then builds the image.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::cli::ModuleArg;
use crate::grubcfg::{self, ModuleEntry};
use crate::hosttools;

/// Builds `out` from `kernel`, the kernel command line and the modules.
pub fn build(kernel: &Path, out: &Path, cmdline: &[u8], modules: &[ModuleArg]) -> Result<(), String> {
    hosttools::require(hosttools::ISO_TOOLS)?;
    if !kernel.is_file() {
        return Err(format!("kernel {} does not exist", kernel.display()));
    }
    check_multiboot2(kernel)?;

    let stem = out.file_stem().ok_or_else(|| format!("--out {}: no file name", out.display()))?;
    let dir = out.parent().unwrap_or(Path::new(""));
    let mut root_name = std::ffi::OsString::from("isoroot-");
    root_name.push(stem);
    let root = dir.join(root_name);
    if root.exists() {
        fs::remove_dir_all(&root).map_err(|e| format!("removing {}: {e}", root.display()))?;
    }
    let grub_dir = root.join("boot/grub");
    fs::create_dir_all(&grub_dir).map_err(|e| format!("creating {}: {e}", grub_dir.display()))?;

    copy(kernel, &root.join("boot/kernel.elf"))?;
    let mut entries = Vec::new();
    let mut used: HashSet<String> = ["kernel.elf", "grub"].map(String::from).into();
    for m in modules {
        let file_name = module_file_name(&m.path)?;
        if !used.insert(file_name.clone()) {
            return Err(format!("module {}: /boot/{file_name} is already taken", m.path.display()));
        }
        copy(&m.path, &root.join("boot").join(&file_name))?;
        entries.push(ModuleEntry { file_name, string: m.string.clone() });
    }
    let cfg = grubcfg::render(cmdline, &entries)?;
    let cfg_path = grub_dir.join("grub.cfg");
    fs::write(&cfg_path, cfg).map_err(|e| format!("writing {}: {e}", cfg_path.display()))?;

    // grub-mkrescue (xorriso, really) chatters on stderr even when all is well; keep it for
    // the error message only.
    let output = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(out)
        .arg(&root)
        .output()
        .map_err(|e| format!("running grub-mkrescue: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "grub-mkrescue -o {} {} failed ({}):\n{}{}",
            out.display(),
            root.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

fn check_multiboot2(kernel: &Path) -> Result<(), String> {
    let status = Command::new("grub-file")
        .arg("--is-x86-multiboot2")
        .arg(kernel)
        .status()
        .map_err(|e| format!("running grub-file: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} has no valid Multiboot2 header (grub-file --is-x86-multiboot2 says no)", kernel.display()))
    }
}

/// The name a module file gets under `/boot`: its own file name, which must be UTF-8 and
/// free of whitespace (GRUB paths are quoted, but keep them plain).
fn module_file_name(path: &Path) -> Result<String, String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_whitespace))
        .ok_or_else(|| format!("module {}: file name must be non-empty UTF-8 without spaces", path.display()))?;
    Ok(name.to_string())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map(drop).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        assert_eq!(module_file_name(Path::new("build/initfs.img")).unwrap(), "initfs.img");
        assert!(module_file_name(Path::new("build/a b")).is_err());
        assert!(module_file_name(Path::new("/")).is_err());
    }
}
