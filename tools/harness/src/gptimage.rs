//! The `lsblk-nvme` suite's disk: a GPT that util-linux's `sfdisk` writes
//! on the host before the boot, with fixed sizes, GUIDs and names (the
//! suite's checks name the rows `lsblk` must print for it). sfdisk writes
//! the same bytes for the same script, so after the boot the image must be
//! exactly what a fresh run writes: `lsblk` only reads.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// Bytes in the image (the namespace's size).
const IMAGE_SIZE: u64 = 32 << 20;

/// The table: BIOS boot 1 MiB, EFI system 8 MiB, swap 3 MiB (no name),
/// Linux filesystem for the rest (18 MiB after sfdisk's 1 MiB alignment).
const SCRIPT: &str = "label: gpt
label-id: 6C1B5E2A-3F4D-4E8B-9A7C-2D1E0F3A4B5C
first-lba: 2048
size=1MiB, type=21686148-6449-6E6F-744E-656564454649, uuid=C41A1B00-0001-4000-8000-00000000B105, name=\"bios\"
size=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=C41A1B00-0002-4000-8000-0000000000E5, name=\"EFI system\"
size=3MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, uuid=C41A1B00-0003-4000-8000-000000005A9E
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=C41A1B00-0004-4000-8000-0000000C0FFE, name=\"cairn-root\"
";

/// Writes the image at `path` (replacing any): zeros, then sfdisk's table.
pub fn prepare(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let file = fs::File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    file.set_len(IMAGE_SIZE).map_err(|e| format!("sizing {}: {e}", path.display()))?;
    drop(file);
    let mut child = Command::new("sfdisk")
        .arg("-q")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running sfdisk: {e} (run `make deps`)"))?;
    use std::io::Write;
    child.stdin.take().map(|mut stdin| stdin.write_all(SCRIPT.as_bytes())).transpose().map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| format!("sfdisk: {e}"))?;
    if !output.status.success() {
        return Err(format!("sfdisk {} failed: {}", path.display(), String::from_utf8_lossy(&output.stderr)));
    }
    Ok(())
}

/// Checks that the image at `path` is byte for byte what [`prepare`] writes.
pub fn verify(path: &Path) -> Result<(), String> {
    let fresh = path.with_extension("expected");
    prepare(&fresh)?;
    let (now, wanted) = (fs::read(path), fs::read(&fresh));
    let _ = fs::remove_file(&fresh);
    let now = now.map_err(|e| format!("reading {}: {e}", path.display()))?;
    match now.iter().zip(&wanted.map_err(|e| e.to_string())?).position(|(a, b)| a != b) {
        None if now.len() as u64 == IMAGE_SIZE => Ok(()),
        None => Err(format!("{} has {} bytes, not {IMAGE_SIZE}", path.display(), now.len())),
        Some(at) => Err(format!("{} changed at byte {at} (sector {})", path.display(), at / 512)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_image_no_longer_verifies() {
        let dir = std::env::temp_dir().join(format!("cairn-gptimage-{}", std::process::id()));
        let path = dir.join("disk.img");
        prepare(&path).unwrap();
        verify(&path).unwrap();
        let mut image = fs::read(&path).unwrap();
        image[512 * 2048 + 7] ^= 1;
        fs::write(&path, &image).unwrap();
        assert!(verify(&path).unwrap_err().contains("sector 2048"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
