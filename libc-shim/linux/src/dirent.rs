//! Directory records: Cairn's `getdents` gives `[kind: u8][name_len: u8]
//! [name]` records; Linux's `getdents64` gives `struct linux_dirent64`
//! (`d_ino: u64, d_off: i64, d_reclen: u16, d_type: u8, d_name[]` with a
//! NUL, padded to 8 bytes). A Linux record is at most 8 times the size of
//! its Cairn record (a one-byte name: 3 bytes against 24), so a Cairn read
//! of an eighth of the caller's buffer always fits.

use cairn_abi::scheme;

/// Largest Cairn record: kind, length and a 255-byte name.
pub const MAX_RECORD: usize = 2 + 255;

/// Bytes before `d_name`.
const HEADER: usize = 19;

/// Linux `d_type` values.
pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

/// Linux `d_type` of a Cairn record kind.
pub fn d_type(kind: u8) -> u8 {
    match kind {
        scheme::DIRENT_FILE => DT_REG,
        scheme::DIRENT_DIR => DT_DIR,
        scheme::DIRENT_SYMLINK => DT_LNK,
        scheme::DIRENT_CHAR => DT_CHR,
        scheme::DIRENT_BLOCK => DT_BLK,
        scheme::DIRENT_FIFO => DT_FIFO,
        scheme::DIRENT_SOCKET => DT_SOCK,
        _ => DT_UNKNOWN,
    }
}

/// Size of the Linux record of a name of `name_len` bytes.
pub const fn record_len(name_len: usize) -> usize {
    (HEADER + name_len + 1).next_multiple_of(8)
}

/// Bytes of Cairn records to ask for when the caller's buffer holds
/// `linux_len` bytes: whatever arrives then fits.
pub const fn cairn_request_len(linux_len: usize) -> usize {
    linux_len / 8
}

/// Why Cairn records could not be converted.
#[derive(Debug, PartialEq, Eq)]
pub enum DirentError {
    /// A record runs past the end of the data (a server's bad answer).
    Truncated,
    /// The converted records do not fit the caller's buffer.
    NoRoom,
}

/// One Cairn record: (kind, name).
pub fn records(data: &[u8]) -> impl Iterator<Item = Result<(u8, &[u8]), DirentError>> {
    let mut rest = data;
    core::iter::from_fn(move || {
        let (&kind, after) = rest.split_first()?;
        let Some((&len, after)) = after.split_first() else {
            rest = &[];
            return Some(Err(DirentError::Truncated));
        };
        let len = usize::from(len);
        if after.len() < len {
            rest = &[];
            return Some(Err(DirentError::Truncated));
        }
        let (name, after) = after.split_at(len);
        rest = after;
        Some(Ok((kind, name)))
    })
}

/// Writes the Linux records of the Cairn records in `data` into `out`,
/// with `ino(name)` as each entry's `d_ino` and `d_off` counting entries
/// from `first_index` (Cairn has no directory cookies: `d_off` only
/// orders the entries). Returns the bytes written.
pub fn pack(
    data: &[u8],
    out: &mut [u8],
    first_index: i64,
    mut ino: impl FnMut(&[u8]) -> u64,
) -> Result<usize, DirentError> {
    let mut at = 0;
    for (index, record) in records(data).enumerate() {
        let (kind, name) = record?;
        let len = record_len(name.len());
        let slot = out.get_mut(at..at + len).ok_or(DirentError::NoRoom)?;
        slot.fill(0);
        slot[0..8].copy_from_slice(&ino(name).to_le_bytes());
        slot[8..16].copy_from_slice(&(first_index + index as i64 + 1).to_le_bytes());
        slot[16..18].copy_from_slice(&(len as u16).to_le_bytes());
        slot[18] = d_type(kind);
        slot[HEADER..HEADER + name.len()].copy_from_slice(name);
        at += len;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn cairn(entries: &[(u8, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, name) in entries {
            out.push(*kind);
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
        }
        out
    }

    #[test]
    fn packs_linux_records() {
        let data =
            cairn(&[(scheme::DIRENT_DIR, "."), (scheme::DIRENT_FILE, "hello.txt"), (scheme::DIRENT_SYMLINK, "l")]);
        let mut out = [0xaau8; 256];
        let len = pack(&data, &mut out, 0, |name| name.len() as u64 + 100).unwrap();
        assert_eq!(len, 24 + 32 + 24);
        // First record: ".".
        assert_eq!(u64::from_le_bytes(out[0..8].try_into().unwrap()), 101);
        assert_eq!(i64::from_le_bytes(out[8..16].try_into().unwrap()), 1);
        assert_eq!(u16::from_le_bytes(out[16..18].try_into().unwrap()), 24);
        assert_eq!(out[18], DT_DIR);
        assert_eq!(&out[19..21], b".\0");
        // Second: "hello.txt", 19 + 9 + 1 = 29 → 32 bytes.
        let r = &out[24..56];
        assert_eq!(u16::from_le_bytes(r[16..18].try_into().unwrap()), 32);
        assert_eq!(r[18], DT_REG);
        assert_eq!(&r[19..29], b"hello.txt\0");
        assert_eq!(out[56 + 18], DT_LNK);
    }

    #[test]
    fn an_eighth_always_fits() {
        // The worst case: one-byte names.
        let names: Vec<(u8, &str)> = (0..100).map(|_| (scheme::DIRENT_FILE, "x")).collect();
        let data = cairn(&names);
        let mut out = std::vec![0u8; data.len() * 8];
        assert_eq!(cairn_request_len(out.len()), data.len());
        assert!(pack(&data, &mut out, 0, |_| 1).is_ok());
        for n in 1..=255 {
            assert!(record_len(n) <= 8 * (n + 2), "{n}");
        }
    }

    #[test]
    fn bad_records() {
        let mut out = [0u8; 64];
        assert_eq!(pack(&[1, 5, b'a'], &mut out, 0, |_| 1), Err(DirentError::Truncated));
        assert_eq!(pack(&[1], &mut out, 0, |_| 1), Err(DirentError::Truncated));
        let data = cairn(&[(1, "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz")]);
        assert_eq!(pack(&data, &mut out, 0, |_| 1), Err(DirentError::NoRoom));
        assert_eq!(d_type(99), DT_UNKNOWN);
    }
}
