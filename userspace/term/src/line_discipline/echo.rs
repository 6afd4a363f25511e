//! How input bytes are echoed: control characters as `^X` under `ECHOCTL`, everything else as
//! it is.

use alloc::vec::Vec;

use crate::termios::{LocalFlags, Termios};

/// Whether `byte` is an ASCII control character (C0 or DEL).
pub(super) fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f
}

/// Appends the echo of `byte`: `^` and the byte with bit 6 flipped (`^C`, `^?` for DEL) for a
/// control character other than tab under `ECHOCTL`, else the byte itself.
pub(super) fn echo_char(termios: &Termios, byte: u8, out: &mut Vec<u8>) {
    if termios.local.contains(LocalFlags::ECHOCTL) && is_control(byte) && byte != b'\t' {
        out.extend_from_slice(&[b'^', byte ^ 0x40]);
    } else {
        out.push(byte);
    }
}
