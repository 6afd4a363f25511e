//! The NVMe data test's host side: before the boot, the disk image is
//! written with the host pattern; after it, every byte must hold the guest
//! pattern (which utest's `nvme_disk_data` writes over the whole namespace
//! after reading the host pattern back). The patterns are those of
//! `userspace/utest/src/nvme.rs` and must agree with it.

use std::fs;
use std::path::Path;

/// Bytes in the image (the namespace's size).
pub const IMAGE_SIZE: usize = 4 << 20;
const BLOCK: usize = 512;
/// Pattern seeds: the host's and the guest's.
pub const HOST: u8 = b'H';
pub const GUEST: u8 = b'G';

/// The byte at `offset` of the pattern with `seed`: each 512-byte block
/// starts with its number (little-endian u64), the rest mixes block and
/// position; everything XOR `seed`.
pub fn pattern(seed: u8, offset: u64) -> u8 {
    let (block, at) = (offset / BLOCK as u64, offset % BLOCK as u64);
    let byte = if at < 8 { (block >> (8 * at)) as u8 } else { block.wrapping_mul(31).wrapping_add(at * 7) as u8 };
    byte ^ seed
}

fn filled(seed: u8) -> Vec<u8> {
    (0..IMAGE_SIZE as u64).map(|offset| pattern(seed, offset)).collect()
}

/// Writes the image at `path` with the host pattern (replacing any).
pub fn prepare(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    fs::write(path, filled(HOST)).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Checks that the image at `path` holds the guest pattern throughout.
pub fn verify(path: &Path) -> Result<(), String> {
    let image = fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    if image.len() != IMAGE_SIZE {
        return Err(format!("{} has {} bytes, not {IMAGE_SIZE}", path.display(), image.len()));
    }
    let wanted = filled(GUEST);
    let bad_blocks = image.chunks(BLOCK).zip(wanted.chunks(BLOCK)).filter(|(a, b)| a != b).count();
    match image.iter().zip(&wanted).position(|(a, b)| a != b) {
        None => Ok(()),
        Some(at) => Err(format!(
            "{bad_blocks} of {} blocks lack the guest pattern; the first difference is at byte {at}: {:#04x}, not {:#04x}",
            IMAGE_SIZE / BLOCK,
            image[at],
            wanted[at]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_differ_and_number_blocks() {
        assert_ne!(pattern(HOST, 8), pattern(GUEST, 8));
        // Block 300 starts with its number.
        assert_eq!(pattern(0, 300 * 512), 300u64 as u8);
        assert_eq!(pattern(0, 300 * 512 + 1), 1);
        assert_ne!(filled(HOST)[..BLOCK], filled(HOST)[256 * BLOCK..257 * BLOCK]);
    }

    #[test]
    fn host_image_fails_until_the_guest_pattern_is_written() {
        let dir = std::env::temp_dir().join(format!("cairn-diskcheck-{}", std::process::id()));
        let path = dir.join("disk.img");
        prepare(&path).unwrap();
        let why = verify(&path).unwrap_err();
        assert!(why.contains("8192 of 8192 blocks"), "{why}");
        let mut image = filled(GUEST);
        image[5 * BLOCK + 9] ^= 1;
        fs::write(&path, &image).unwrap();
        let why = verify(&path).unwrap_err();
        assert!(why.contains("1 of 8192 blocks") && why.contains(&format!("byte {}", 5 * BLOCK + 9)), "{why}");
        fs::write(&path, filled(GUEST)).unwrap();
        verify(&path).unwrap();
        fs::write(&path, &filled(GUEST)[..BLOCK]).unwrap();
        assert!(verify(&path).unwrap_err().contains("has 512 bytes"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
