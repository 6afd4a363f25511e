//! CPU affinity: the CPUs a process or thread may run on, read and set
//! through the `sched-affinity` file of its [`TaskHandle`] (docs/ABI.md,
//! "CPU affinity"), and [`CpuSet`] with the two text forms `taskset` uses:
//! a hexadecimal mask (`3`, `0x5`) and a list (`0,2-3`).
//!
//! Depends on `cairn-abi`, [`crate::process`], [`crate::io`], [`crate::fd`].

use alloc::string::String;
use core::fmt::Write as _;

use cairn_abi::affinity::{FILE, MAX_BYTES, MAX_CPUS};
use cairn_abi::{O_RDONLY, O_WRONLY, Syscall};

use crate::error::{Error, Result};
use crate::fd::OwnedFd;
use crate::process::TaskHandle;

/// A set of CPU indices (`/scheme/sys/cpus` numbering), below `MAX_CPUS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuSet {
    bits: [u8; MAX_BYTES],
}

/// Why a CPU set's text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing, or a character that does not belong.
    Malformed,
    /// A CPU number at or above `MAX_CPUS`.
    TooLarge,
    /// A range whose end is below its start.
    Backwards,
    /// No CPU at all.
    Empty,
}

impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ParseError::Malformed => "not a CPU list or mask",
            ParseError::TooLarge => "CPU number too large",
            ParseError::Backwards => "range ends before it starts",
            ParseError::Empty => "no CPU named",
        })
    }
}

impl Default for CpuSet {
    fn default() -> CpuSet {
        CpuSet::new()
    }
}

impl CpuSet {
    /// No CPU.
    pub const fn new() -> CpuSet {
        CpuSet { bits: [0; MAX_BYTES] }
    }

    /// Adds `cpu` (ignored at or above `MAX_CPUS`, which no set can hold).
    pub fn insert(&mut self, cpu: usize) {
        if cpu < MAX_CPUS {
            self.bits[cpu / 8] |= 1 << (cpu % 8);
        }
    }

    pub fn contains(&self, cpu: usize) -> bool {
        cpu < MAX_CPUS && self.bits[cpu / 8] & (1 << (cpu % 8)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&b| b == 0)
    }

    /// The CPUs in the set, lowest first.
    pub fn cpus(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MAX_CPUS).filter(|&cpu| self.contains(cpu))
    }

    /// The set as the kernel reads it: bytes up to the last non-zero one.
    pub fn as_bytes(&self) -> &[u8] {
        let used = self.bits.iter().rposition(|&b| b != 0).map_or(1, |last| last + 1);
        &self.bits[..used]
    }

    /// The set the kernel wrote (at most `MAX_BYTES` bytes used).
    pub fn from_bytes(bytes: &[u8]) -> CpuSet {
        let mut set = CpuSet::new();
        let n = bytes.len().min(MAX_BYTES);
        set.bits[..n].copy_from_slice(&bytes[..n]);
        set
    }

    /// A hexadecimal mask, bit n = CPU n: `3`, `0x3`, `ff`.
    pub fn parse_mask(text: &str) -> core::result::Result<CpuSet, ParseError> {
        let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
        if digits.is_empty() {
            return Err(ParseError::Malformed);
        }
        let mut set = CpuSet::new();
        for (position, c) in digits.chars().rev().enumerate() {
            let value = c.to_digit(16).ok_or(ParseError::Malformed)? as usize;
            for bit in 0..4 {
                if value & (1 << bit) != 0 {
                    let cpu = position * 4 + bit;
                    if cpu >= MAX_CPUS {
                        return Err(ParseError::TooLarge);
                    }
                    set.insert(cpu);
                }
            }
        }
        if set.is_empty() { Err(ParseError::Empty) } else { Ok(set) }
    }

    /// A list of CPUs and ranges: `0`, `0,2`, `0-3,6`.
    pub fn parse_list(text: &str) -> core::result::Result<CpuSet, ParseError> {
        let number = |s: &str| -> core::result::Result<usize, ParseError> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseError::Malformed);
            }
            let n = s.parse::<usize>().map_err(|_| ParseError::TooLarge)?;
            if n >= MAX_CPUS { Err(ParseError::TooLarge) } else { Ok(n) }
        };
        let mut set = CpuSet::new();
        for item in text.split(',') {
            let (first, last) = match item.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                None => (number(item)?, number(item)?),
            };
            if last < first {
                return Err(ParseError::Backwards);
            }
            (first..=last).for_each(|cpu| set.insert(cpu));
        }
        if set.is_empty() { Err(ParseError::Empty) } else { Ok(set) }
    }

    /// The hexadecimal mask, without `0x`.
    pub fn to_mask(&self) -> String {
        let mut out = String::new();
        let used = self.as_bytes();
        for (i, byte) in used.iter().rev().enumerate() {
            let _ = if i == 0 { write!(out, "{byte:x}") } else { write!(out, "{byte:02x}") };
        }
        out
    }

    /// The list form, ranges collapsed: `0-2,5`.
    pub fn to_list(&self) -> String {
        let mut out = String::new();
        let mut cpus = self.cpus().peekable();
        while let Some(first) = cpus.next() {
            let mut last = first;
            while cpus.peek() == Some(&(last + 1)) {
                last = cpus.next().unwrap_or(last);
            }
            let sep = if out.is_empty() { "" } else { "," };
            let _ = if last == first { write!(out, "{sep}{first}") } else { write!(out, "{sep}{first}-{last}") };
        }
        out
    }
}

/// Opens `task`'s `sched-affinity` file.
fn open(task: &TaskHandle, flags: usize) -> Result<OwnedFd> {
    // SAFETY: the kernel reads `FILE.len()` bytes of `FILE`.
    let fd = unsafe {
        crate::sys::syscall5(Syscall::Openat as usize, task.fd().as_raw(), FILE.as_ptr() as usize, FILE.len(), flags, 0)
    }?;
    // SAFETY: the kernel just made this fd for the caller.
    Ok(unsafe { OwnedFd::from_raw(fd) })
}

/// The CPUs `task` may run on (a process: those any of its threads may).
pub fn affinity(task: &TaskHandle) -> Result<CpuSet> {
    let file = open(task, O_RDONLY)?;
    let mut bytes = [0u8; MAX_BYTES];
    let n = crate::io::read_fd(file.as_raw(), &mut bytes)?;
    Ok(CpuSet::from_bytes(&bytes[..n]))
}

/// Lets `task` (every thread of a process) run only on `set`; `EINVAL` for
/// an empty set or a CPU that is not online, `EPERM` for another user's
/// task (unless the caller is root).
pub fn set_affinity(task: &TaskHandle, set: &CpuSet) -> Result<()> {
    let file = open(task, O_WRONLY)?;
    let bytes = set.as_bytes();
    let n = crate::io::write_fd(file.as_raw(), bytes)?;
    if n == bytes.len() { Ok(()) } else { Err(Error::from_errno(cairn_abi::error::EIO)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let set = CpuSet::parse_mask("0x5").unwrap();
        assert_eq!(set.cpus().collect::<alloc::vec::Vec<_>>(), [0, 2]);
        assert_eq!(set.to_mask(), "5");
        assert_eq!(set.as_bytes(), [5]);
        let wide = CpuSet::parse_mask("100").unwrap();
        assert_eq!(wide.as_bytes(), [0, 1]);
        assert_eq!(wide.to_mask(), "100");
        assert_eq!(CpuSet::parse_mask("0"), Err(ParseError::Empty));
        assert_eq!(CpuSet::parse_mask("0x"), Err(ParseError::Malformed));
        assert_eq!(CpuSet::parse_mask("g"), Err(ParseError::Malformed));
        let top = alloc::format!("{:x}", 1u128 << 127) + &"0".repeat(32);
        assert_eq!(CpuSet::parse_mask(&top).unwrap().cpus().collect::<alloc::vec::Vec<_>>(), [255]);
        assert_eq!(CpuSet::parse_mask(&(String::from("1") + &"0".repeat(64))), Err(ParseError::TooLarge));
    }

    #[test]
    fn lists() {
        let set = CpuSet::parse_list("0-2,5,7-7").unwrap();
        assert_eq!(set.cpus().collect::<alloc::vec::Vec<_>>(), [0, 1, 2, 5, 7]);
        assert_eq!(set.to_list(), "0-2,5,7");
        assert_eq!(CpuSet::parse_list("3-1"), Err(ParseError::Backwards));
        assert_eq!(CpuSet::parse_list(""), Err(ParseError::Malformed));
        assert_eq!(CpuSet::parse_list("1,,2"), Err(ParseError::Malformed));
        assert_eq!(CpuSet::parse_list("-1"), Err(ParseError::Malformed));
        assert_eq!(CpuSet::parse_list("256"), Err(ParseError::TooLarge));
        assert_eq!(CpuSet::parse_list("99999999999999999999999"), Err(ParseError::TooLarge));
        assert_eq!(CpuSet::parse_list("255").unwrap().to_mask().len(), 64);
    }
}
