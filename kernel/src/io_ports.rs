//! I/O port permissions. A driver opens `/scheme/ioport/FIRST-LAST` (hex
//! port numbers; the `ioport` kernel scheme is only in namespaces init
//! gives its privileged services) and gets an fd naming that range. While
//! a process holds such fds, its threads may use `in`/`out` on exactly
//! those ports: the CPU's I/O permission bitmap (behind the TSS) is loaded
//! with the process's ports at every switch. Closing the last fd of a range
//! takes it away again. Interrupts stay off limits (IOPL stays 0).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::gdt::IO_BITMAP_BYTES;

/// An inclusive range of I/O ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    /// Parses `FIRST-LAST` or a single `PORT`, in hexadecimal.
    pub fn parse(text: &str) -> Option<PortRange> {
        let number = |t: &str| u16::from_str_radix(t.trim_start_matches("0x"), 16).ok();
        let (first, last) = match text.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(text)?, number(text)?),
        };
        (first <= last).then_some(PortRange { first, last })
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The ports one process may use, as the CPU's bitmap wants them (a clear
/// bit allows the port). Immutable: a change makes a new one, with a new
/// id, so CPUs can tell whether their copy is current.
pub struct IoPermissions {
    id: u64,
    bitmap: Box<[u8; IO_BITMAP_BYTES]>,
}

impl core::fmt::Debug for IoPermissions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "IoPermissions({})", self.id)
    }
}

impl IoPermissions {
    /// Permissions for exactly `ranges`; `None` if there are none.
    pub fn from_ranges(ranges: impl Iterator<Item = PortRange>) -> Option<Arc<IoPermissions>> {
        let mut bitmap = Box::new([0xffu8; IO_BITMAP_BYTES]);
        let mut any = false;
        for range in ranges {
            any = true;
            for port in range.first..=range.last {
                bitmap[usize::from(port / 8)] &= !(1 << (port % 8));
            }
        }
        any.then(|| Arc::new(IoPermissions { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), bitmap }))
    }

    /// Never 0 (which means "no permissions" to the CPUs).
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn bitmap(&self) -> &[u8] {
        &self.bitmap[..]
    }
}
