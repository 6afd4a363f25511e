//! The process's arguments and environment as the kernel passed them at
//! start-up: [`args`], [`vars`], [`var`]. The environment is read-only;
//! a child gets a changed one through `process::Command::env`.
//!
//! Depends on [`crate::startup`] and `alloc`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::startup;

/// Iterator over the program arguments (lossily decoded as UTF-8).
#[derive(Debug)]
pub struct Args {
    inner: core::slice::Iter<'static, &'static [u8]>,
}

impl Iterator for Args {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        self.inner.next().map(|a| String::from_utf8_lossy(a).into_owned())
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Args {}

impl DoubleEndedIterator for Args {
    fn next_back(&mut self) -> Option<String> {
        self.inner.next_back().map(|a| String::from_utf8_lossy(a).into_owned())
    }
}

/// The program arguments, `argv[0]` first.
pub fn args() -> Args {
    Args { inner: startup::get().map_or(&[][..], |s| &s.args[..]).iter() }
}

/// Splits a `KEY=VALUE` environment entry at its first `=`; an entry
/// without one is a key with an empty value.
pub(crate) fn split_entry(entry: &[u8]) -> (&[u8], &[u8]) {
    match entry.iter().position(|&b| b == b'=') {
        Some(i) => (&entry[..i], &entry[i + 1..]),
        None => (entry, &[]),
    }
}

/// Iterator over `(key, value)` environment pairs (lossily decoded).
#[derive(Debug)]
pub struct Vars {
    inner: core::slice::Iter<'static, &'static [u8]>,
}

impl Iterator for Vars {
    type Item = (String, String);
    fn next(&mut self) -> Option<(String, String)> {
        let (k, v) = split_entry(self.inner.next()?);
        Some((String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned()))
    }
}

/// The environment.
pub fn vars() -> Vars {
    Vars { inner: raw_vars().iter() }
}

/// The raw `KEY=VALUE` entries.
pub(crate) fn raw_vars() -> &'static [&'static [u8]] {
    startup::get().map_or(&[], |s| &s.env[..])
}

/// Why [`var`] found no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarError {
    NotPresent,
    NotUnicode,
}

impl fmt::Display for VarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VarError::NotPresent => "environment variable not found",
            VarError::NotUnicode => "environment variable was not valid unicode",
        })
    }
}

/// Looks `key` up in `entries` (the last definition wins, as when a
/// child's overrides follow the inherited entries).
pub(crate) fn lookup<'a>(entries: &[&'a [u8]], key: &str) -> Result<&'a str, VarError> {
    let value =
        entries.iter().rev().map(|e| split_entry(e)).find(|(k, _)| *k == key.as_bytes()).ok_or(VarError::NotPresent)?.1;
    core::str::from_utf8(value).map_err(|_| VarError::NotUnicode)
}

/// The value of environment variable `key`.
pub fn var(key: &str) -> Result<String, VarError> {
    lookup(raw_vars(), key).map(String::from)
}

/// Builds a child's environment: the inherited entries (unless `clear`),
/// with each of `overrides` replacing any entry of the same key.
pub(crate) fn merge(inherited: &[&[u8]], clear: bool, overrides: &[(String, String)]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let base = if clear { &[][..] } else { inherited };
    for entry in base {
        let key = split_entry(entry).0;
        if !overrides.iter().any(|(k, _)| k.as_bytes() == key) {
            out.push(entry.to_vec());
        }
    }
    for (i, (key, value)) in overrides.iter().enumerate() {
        // A key set twice keeps only its last value.
        if overrides[i + 1..].iter().any(|(k, _)| k == key) {
            continue;
        }
        let mut entry = Vec::with_capacity(key.len() + 1 + value.len());
        entry.extend_from_slice(key.as_bytes());
        entry.push(b'=');
        entry.extend_from_slice(value.as_bytes());
        out.push(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn entries_split_at_the_first_equals_sign() {
        assert_eq!(split_entry(b"A=b=c"), (&b"A"[..], &b"b=c"[..]));
        assert_eq!(split_entry(b"EMPTY="), (&b"EMPTY"[..], &b""[..]));
        assert_eq!(split_entry(b"NOVALUE"), (&b"NOVALUE"[..], &b""[..]));
    }

    #[test]
    fn lookup_finds_the_last_definition() {
        let env: [&[u8]; 4] = [b"PATH=/bin", b"X=1", b"BAD=\xff", b"X=2"];
        assert_eq!(lookup(&env, "X"), Ok("2"));
        assert_eq!(lookup(&env, "PATH"), Ok("/bin"));
        assert_eq!(lookup(&env, "P"), Err(VarError::NotPresent));
        assert_eq!(lookup(&env, "BAD"), Err(VarError::NotUnicode));
    }

    #[test]
    fn merge_overrides_and_clears() {
        let env: [&[u8]; 2] = [b"A=1", b"B=2"];
        let o = vec![("B".to_string(), "3".to_string()), ("C".to_string(), "4".to_string())];
        assert_eq!(merge(&env, false, &o), vec![b"A=1".to_vec(), b"B=3".to_vec(), b"C=4".to_vec()]);
        assert_eq!(merge(&env, true, &o), vec![b"B=3".to_vec(), b"C=4".to_vec()]);
        let twice = vec![("A".to_string(), "x".to_string()), ("A".to_string(), "y".to_string())];
        assert_eq!(merge(&env, false, &twice), vec![b"B=2".to_vec(), b"A=y".to_vec()]);
    }
}

/// Changes the working directory (relative paths start there).
pub fn set_current_dir(path: &str) -> crate::error::Result<()> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { crate::sys::syscall2(cairn_abi::Syscall::Chdir as usize, path.as_ptr() as usize, path.len()) }.map(drop)
}

/// The working directory.
pub fn current_dir() -> crate::error::Result<String> {
    let mut buffer = alloc::vec![0u8; 4096];
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    let len = unsafe {
        crate::sys::syscall2(cairn_abi::Syscall::Getcwd as usize, buffer.as_mut_ptr() as usize, buffer.len())
    }?;
    buffer.truncate(len);
    String::from_utf8(buffer).map_err(|_| crate::error::Error::InvalidUtf8)
}
