//! The shim's messages on stderr: a system call it cannot do yet (once per
//! call number, with how many distinct numbers so far) and a panic.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use cairn_linux::nr;

/// One bit per Linux call number already reported.
static REPORTED: [AtomicU64; nr::MAX / 64 + 1] = [const { AtomicU64::new(0) }; nr::MAX / 64 + 1];
/// Distinct numbers reported so far.
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// A line built on the stack (no allocation: the heap may be what failed).
struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let take = s.len().min(room);
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

fn emit(args: fmt::Arguments<'_>) {
    let mut line = Line { buf: [0; 160], len: 0 };
    let _ = line.write_fmt(args);
    let _ = cairn_rt::io::write_fd(2, &line.buf[..line.len]);
}

/// Marks call `n` reported; false if it already was. Returns the number
/// of distinct calls reported so far with it.
fn first_time(n: usize) -> Option<usize> {
    let n_bit = n.min(nr::MAX);
    let bit = 1u64 << (n_bit % 64);
    if REPORTED[n_bit / 64].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
        return None;
    }
    Some(COUNT.fetch_add(1, Ordering::Relaxed) + 1)
}

/// Reports Linux system call `n` as unsupported, the first time only.
pub fn unsupported(n: usize) {
    if let Some(count) = first_time(n) {
        emit(format_args!("libc-shim: Linux system call {n} is not supported on Cairn (ENOSYS; {count} so far)\n"));
    }
}

/// Reports an `ioctl` request the shim does not know (answered `ENOTTY`),
/// the first such request only.
pub fn unsupported_ioctl(request: usize) {
    if let Some(count) = first_time(nr::IOCTL) {
        emit(format_args!(
            "libc-shim: ioctl request {request:#x} is not supported on Cairn (ENOTTY; {count} so far)\n"
        ));
    }
}

/// Reports a panic and exits with 127.
pub fn panicked(info: &core::panic::PanicInfo<'_>) -> ! {
    emit(format_args!("libc-shim: panic: {info}\n"));
    cairn_rt::process::exit(127)
}
