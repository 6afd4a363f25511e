//! Port I/O and the capabilities behind it: an `IoPorts` is an fd from
//! `/scheme/ioport/RANGE`; while the process holds it, `read`/`write` on
//! those ports work (other ports fault).

use cairn_rt::fs::File;

/// A claimed port range (the permission lasts as long as the fd).
pub struct IoPorts {
    _fd: File,
}

impl IoPorts {
    /// Claims `range` (hex, `FIRST-LAST`).
    pub fn claim(range: &str) -> cairn_rt::Result<IoPorts> {
        Ok(IoPorts { _fd: File::open(&cairn_rt::format!("/scheme/ioport/{range}"))? })
    }
}

pub fn write(port: u16, value: u8) {
    // SAFETY: the process holds the I/O permission for the ports it uses
    // (an `IoPorts` of the driver owning them); a port write has no memory
    // effects.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") value, options(nostack, preserves_flags)) };
}

pub fn read(port: u16) -> u8 {
    let value: u8;
    // SAFETY: as for `write`.
    unsafe { core::arch::asm!("in al, dx", in("dx") port, out("al") value, options(nostack, preserves_flags)) };
    value
}

/// Consumes an interrupt fd's count and acknowledges its line.
pub fn acknowledge(interrupt: &File) {
    let mut count = [0u8; 8];
    let _ = cairn_rt::io::read_fd(interrupt.as_raw_fd(), &mut count);
    let _ = cairn_rt::io::write_fd(interrupt.as_raw_fd(), &[1]);
}
