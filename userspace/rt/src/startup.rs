//! The initial process stack: parsing the SysV layout the kernel builds
//! (`argc`, `argv[]`, NULL, `envp[]`, NULL, auxv pairs ending in `AT_NULL`,
//! strings above) and keeping the result for [`crate::env`] and
//! [`crate::sys::auxv`].
//!
//! Parsing goes through the [`Memory`] trait, so host tests run it over a
//! byte image with fake addresses while the runtime reads real memory.
//! Depends on `cairn-abi` (`AT_*`), [`crate::sync::OnceLock`] and `alloc`.

use alloc::vec::Vec;
use core::fmt;

use cairn_abi::auxv::AT_NULL;

use crate::sync::OnceLock;

/// Upper bounds that stop a corrupt stack from sending the parser through
/// all of memory.
const MAX_STRINGS: usize = 1 << 20;
const MAX_AUXV: usize = 256;

/// Word and C-string access to the memory holding the initial stack.
pub(crate) trait Memory<'a> {
    /// The `usize` at `addr`, or `None` if it is not readable.
    fn word(&self, addr: usize) -> Option<usize>;
    /// The NUL-terminated bytes at `addr` (without the NUL), or `None`.
    fn c_str(&self, addr: usize) -> Option<&'a [u8]>;
}

/// What the kernel handed the process.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Startup<'a> {
    pub args: Vec<&'a [u8]>,
    pub env: Vec<&'a [u8]>,
    pub auxv: Vec<(usize, usize)>,
}

/// Why the initial stack could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StartupError {
    /// A word of the vectors lies outside readable memory.
    BadWord(usize),
    /// A string pointer does not lead to a terminated string.
    BadString(usize),
    /// `argv`, `envp` or the auxiliary vector never ends.
    Unterminated(&'static str),
    /// `argc` disagrees with the NULL-terminated `argv` array.
    ArgcMismatch { argc: usize, found: usize },
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::BadWord(a) => write!(f, "unreadable word at {a:#x}"),
            StartupError::BadString(a) => write!(f, "bad string pointer {a:#x}"),
            StartupError::Unterminated(what) => write!(f, "{what} is not terminated"),
            StartupError::ArgcMismatch { argc, found } => write!(f, "argc is {argc} but argv holds {found} strings"),
        }
    }
}

/// Reads a NULL-terminated pointer array starting at `*at`, leaving `*at`
/// just past the NULL.
fn strings<'a, M: Memory<'a>>(mem: &M, at: &mut usize, what: &'static str) -> Result<Vec<&'a [u8]>, StartupError> {
    let mut out = Vec::new();
    loop {
        let ptr = mem.word(*at).ok_or(StartupError::BadWord(*at))?;
        *at += size_of::<usize>();
        if ptr == 0 {
            return Ok(out);
        }
        if out.len() == MAX_STRINGS {
            return Err(StartupError::Unterminated(what));
        }
        out.push(mem.c_str(ptr).ok_or(StartupError::BadString(ptr))?);
    }
}

/// Parses the initial stack whose lowest word (`argc`) is at `sp`.
pub(crate) fn parse<'a, M: Memory<'a>>(mem: &M, sp: usize) -> Result<Startup<'a>, StartupError> {
    let word = size_of::<usize>();
    let argc = mem.word(sp).ok_or(StartupError::BadWord(sp))?;
    let mut at = sp + word;
    let args = strings(mem, &mut at, "argv")?;
    if args.len() != argc {
        return Err(StartupError::ArgcMismatch { argc, found: args.len() });
    }
    let env = strings(mem, &mut at, "envp")?;
    let mut auxv = Vec::new();
    loop {
        let key = mem.word(at).ok_or(StartupError::BadWord(at))?;
        let value = mem.word(at + word).ok_or(StartupError::BadWord(at + word))?;
        at += 2 * word;
        if key == AT_NULL {
            return Ok(Startup { args, env, auxv });
        }
        if auxv.len() == MAX_AUXV {
            return Err(StartupError::Unterminated("auxv"));
        }
        auxv.push((key, value));
    }
}

/// The parsed start-up data of this process, set once by `_start`.
static STARTUP: OnceLock<Startup<'static>> = OnceLock::new();

/// Records the start-up data; called once before `main`.
#[cfg(not(test))]
pub(crate) fn set(startup: Startup<'static>) {
    // Only `_start` calls this, once: the value is always stored.
    let _ = STARTUP.set(startup);
}

/// The start-up data (`None` outside a Cairn process, i.e. in host tests).
pub(crate) fn get() -> Option<&'static Startup<'static>> {
    STARTUP.get()
}

/// The live process's own memory, read through raw pointers.
#[cfg(not(test))]
pub(crate) struct RawMemory;

#[cfg(not(test))]
impl Memory<'static> for RawMemory {
    fn word(&self, addr: usize) -> Option<usize> {
        if addr == 0 || !addr.is_multiple_of(size_of::<usize>()) {
            return None;
        }
        // SAFETY: the kernel built the initial stack and keeps it mapped for
        // the life of the process; `addr` is non-null and aligned and lies
        // within the vectors it laid out (the parser stops at their ends).
        Some(unsafe { (addr as *const usize).read() })
    }

    fn c_str(&self, addr: usize) -> Option<&'static [u8]> {
        if addr == 0 {
            return None;
        }
        // Not `CStr::from_ptr`, nor a plain loop (LLVM turns either into a
        // call to the C `strlen`, which freestanding programs lack): a
        // volatile read is never rewritten into a library call.
        let start = addr as *const u8;
        let mut len = 0;
        // SAFETY: string pointers in the vectors point to NUL-terminated
        // strings that the kernel copied above them, mapped for the life of
        // the process and never written by the runtime; the loop stops at
        // the NUL, and the slice covers only the bytes before it.
        unsafe {
            while start.add(len).read_volatile() != 0 {
                len += 1;
            }
            Some(core::slice::from_raw_parts(start, len))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A byte image of a stack at fake address `base`.
    struct Image {
        base: usize,
        bytes: Vec<u8>,
    }

    impl<'a> Memory<'a> for &'a Image {
        fn word(&self, addr: usize) -> Option<usize> {
            let off = addr.checked_sub(self.base)?;
            let bytes = self.bytes.get(off..off + 8)?;
            Some(usize::from_le_bytes(bytes.try_into().ok()?))
        }

        fn c_str(&self, addr: usize) -> Option<&'a [u8]> {
            let rest = self.bytes.get(addr.checked_sub(self.base)?..)?;
            Some(&rest[..rest.iter().position(|&b| b == 0)?])
        }
    }

    /// Lays out `args`, `env` and `auxv` as the kernel does, at `base`.
    fn image(base: usize, argc: usize, args: &[&str], env: &[&str], auxv: &[(usize, usize)]) -> Image {
        let words = 1 + args.len() + 1 + env.len() + 1 + 2 * auxv.len() + 2;
        let mut strings = Vec::new();
        let mut string_at = |s: &str| {
            let addr = base + words * 8 + strings.len();
            strings.extend_from_slice(s.as_bytes());
            strings.push(0);
            addr
        };
        let mut w = vec![argc];
        w.extend(args.iter().map(|s| string_at(s)));
        w.push(0);
        w.extend(env.iter().map(|s| string_at(s)));
        w.push(0);
        for &(k, v) in auxv {
            w.extend([k, v]);
        }
        w.extend([AT_NULL, 0]);
        let mut bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
        bytes.extend(strings);
        Image { base, bytes }
    }

    #[test]
    fn parses_the_sysv_layout() {
        let img = image(0x7000_0000, 2, &["/bin/hello", "world"], &["HOME=/", "A=b=c"], &[(6, 4096), (11, 0)]);
        let s = parse(&&img, img.base).unwrap();
        assert_eq!(s.args, vec![&b"/bin/hello"[..], b"world"]);
        assert_eq!(s.env, vec![&b"HOME=/"[..], b"A=b=c"]);
        assert_eq!(s.auxv, vec![(6, 4096), (11, 0)]);
    }

    #[test]
    fn empty_vectors() {
        let img = image(0x1000, 0, &[], &[], &[]);
        assert_eq!(parse(&&img, 0x1000).unwrap(), Startup { args: vec![], env: vec![], auxv: vec![] });
    }

    #[test]
    fn argc_must_match_argv() {
        let img = image(0x1000, 3, &["a"], &[], &[]);
        assert_eq!(parse(&&img, 0x1000), Err(StartupError::ArgcMismatch { argc: 3, found: 1 }));
    }

    #[test]
    fn truncated_images_are_errors() {
        let img = image(0x1000, 1, &["a"], &["B=c"], &[(6, 4096)]);
        // Cut anywhere: a word or a string (stored above the words) runs out.
        for cut in (0..img.bytes.len()).step_by(4) {
            let short = Image { base: img.base, bytes: img.bytes[..cut].to_vec() };
            assert!(parse(&&short, 0x1000).is_err(), "cut at {cut}");
        }
        // Without strings, a cut inside the terminating AT_NULL pair names
        // the missing word.
        let img = image(0x1000, 0, &[], &[], &[(6, 4096)]);
        let words_end = 8 * (1 + 1 + 1 + 2 + 2);
        assert_eq!(img.bytes.len(), words_end);
        let short = Image { base: img.base, bytes: img.bytes[..words_end - 8].to_vec() };
        assert_eq!(parse(&&short, 0x1000), Err(StartupError::BadWord(0x1000 + words_end - 8)));
    }

    #[test]
    fn dangling_string_pointer_is_an_error() {
        let mut img = image(0x1000, 1, &["a"], &[], &[]);
        img.bytes[8..16].copy_from_slice(&0xdead_0000usize.to_le_bytes());
        assert_eq!(parse(&&img, 0x1000), Err(StartupError::BadString(0xdead_0000)));
        // An unterminated string (no NUL before the end of memory).
        let img = image(0x1000, 1, &["abc"], &[], &[]);
        let len = img.bytes.len();
        let short = Image { base: img.base, bytes: img.bytes[..len - 1].to_vec() };
        assert!(matches!(parse(&&short, 0x1000), Err(StartupError::BadString(_))));
    }

    #[test]
    fn endless_auxv_is_an_error() {
        let pairs: Vec<(usize, usize)> = (0..MAX_AUXV + 1).map(|i| (100 + i, i)).collect();
        let img = image(0x1000, 0, &[], &[], &pairs);
        assert_eq!(parse(&&img, 0x1000), Err(StartupError::Unterminated("auxv")));
    }
}
