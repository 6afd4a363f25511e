//! The `lsblk-nvme` suite's disks: partition tables that util-linux writes
//! on the host before the boot, with fixed sizes, ids and names (the
//! suite's checks name the rows `lsblk` must print for them). sfdisk and
//! fdisk write the same bytes for the same input, so after the boot each
//! image must be exactly what a fresh run writes: `lsblk` only reads.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// One of the suite's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableImage {
    /// 32 MiB, 512-byte sectors, a GPT made by sfdisk from [`GPT_SCRIPT`].
    Gpt,
    /// 16 MiB, 4096-byte sectors, a DOS table with an extended partition
    /// and two logical ones, made by `fdisk -b 4096` from [`DOS_4K_DIALOGUE`].
    Dos4k,
    /// [`TableImage::Gpt`] with one bit flipped in each of its two headers.
    BrokenGpt,
}

/// The table: BIOS boot 1 MiB, EFI system 8 MiB, swap 3 MiB (no name),
/// Linux filesystem for the rest (18 MiB after sfdisk's 1 MiB alignment).
const GPT_SCRIPT: &str = "label: gpt
label-id: 6C1B5E2A-3F4D-4E8B-9A7C-2D1E0F3A4B5C
first-lba: 2048
size=1MiB, type=21686148-6449-6E6F-744E-656564454649, uuid=C41A1B00-0001-4000-8000-00000000B105, name=\"bios\"
size=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=C41A1B00-0002-4000-8000-0000000000E5, name=\"EFI system\"
size=3MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, uuid=C41A1B00-0003-4000-8000-000000005A9E
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=C41A1B00-0004-4000-8000-0000000C0FFE, name=\"cairn-root\"
";

/// fdisk's dialogue: a DOS label with disk identifier 0x4b1dd05c (expert
/// menu), primary 1 of 4 MiB, extended 2 over the rest, logical 5 of 4 MiB
/// and logical 6 over the rest.
const DOS_4K_DIALOGUE: &str = "o\nx\ni\n0x4b1dd05c\nr\nn\np\n1\n\n+4M\nn\ne\n2\n\n\nn\n\n+4M\nn\n\n\nw\n";

impl TableImage {
    /// Where the image is, relative to the working directory.
    pub const fn path(self) -> &'static str {
        match self {
            TableImage::Gpt => "build/lsblk-gpt.img",
            TableImage::Dos4k => "build/lsblk-dos4k.img",
            TableImage::BrokenGpt => "build/lsblk-broken.img",
        }
    }

    /// Writes the image at `path` (replacing any).
    fn write(self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let size = if self == TableImage::Dos4k { 16 << 20 } else { 32 << 20 };
        let file = fs::File::create(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        file.set_len(size).map_err(|e| format!("sizing {}: {e}", path.display()))?;
        drop(file);
        match self {
            TableImage::Gpt => run(Command::new("sfdisk").arg("-q").arg(path), GPT_SCRIPT),
            TableImage::Dos4k => run(Command::new("fdisk").args(["-b", "4096"]).arg(path), DOS_4K_DIALOGUE),
            TableImage::BrokenGpt => {
                TableImage::Gpt.write(path)?;
                let mut image = fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                // Byte 60 of a header is in its disk GUID, which the header CRC covers.
                let last = image.len() - 512;
                image[512 + 60] ^= 1;
                image[last + 60] ^= 1;
                fs::write(path, image).map_err(|e| format!("writing {}: {e}", path.display()))
            }
        }
    }
}

/// Runs `command` with `input` on its standard input.
fn run(command: &mut Command, input: &str) -> Result<(), String> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {shown}: {e} (run `make deps`)"))?;
    use std::io::Write;
    child.stdin.take().map(|mut stdin| stdin.write_all(input.as_bytes())).transpose().map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| format!("{shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{shown} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(())
}

/// Writes `image` at its path before the boot.
pub fn prepare(image: TableImage) -> Result<(), String> {
    image.write(Path::new(image.path()))
}

/// Checks that `image` is byte for byte what [`prepare`] writes.
pub fn verify(image: TableImage) -> Result<(), String> {
    verify_at(image, Path::new(image.path()))
}

fn verify_at(image: TableImage, path: &Path) -> Result<(), String> {
    let fresh = path.with_extension("expected");
    image.write(&fresh)?;
    let (now, wanted) = (fs::read(path), fs::read(&fresh));
    let _ = fs::remove_file(&fresh);
    let now = now.map_err(|e| format!("reading {}: {e}", path.display()))?;
    let wanted = wanted.map_err(|e| e.to_string())?;
    match now.iter().zip(&wanted).position(|(a, b)| a != b) {
        None if now.len() == wanted.len() => Ok(()),
        None => Err(format!("{} has {} bytes, not {}", path.display(), now.len(), wanted.len())),
        Some(at) => Err(format!("{} changed at byte {at} (sector {})", path.display(), at / 512)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_image_no_longer_verifies() {
        let dir = std::env::temp_dir().join(format!("cairn-tableimage-{}", std::process::id()));
        for image in [TableImage::Gpt, TableImage::Dos4k, TableImage::BrokenGpt] {
            let path = dir.join("disk.img");
            image.write(&path).unwrap();
            verify_at(image, &path).unwrap();
            let mut bytes = fs::read(&path).unwrap();
            bytes[512 * 1536 + 7] ^= 1;
            fs::write(&path, &bytes).unwrap();
            assert!(verify_at(image, &path).unwrap_err().contains("sector 1536"), "{image:?}");
        }
        // The broken image differs from the sound one in both headers only.
        TableImage::Gpt.write(&dir.join("gpt.img")).unwrap();
        TableImage::BrokenGpt.write(&dir.join("broken.img")).unwrap();
        let (gpt, broken) = (fs::read(dir.join("gpt.img")).unwrap(), fs::read(dir.join("broken.img")).unwrap());
        let differing: Vec<usize> = (0..gpt.len()).filter(|&i| gpt[i] != broken[i]).collect();
        assert_eq!(differing, [572, gpt.len() - 512 + 60]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
