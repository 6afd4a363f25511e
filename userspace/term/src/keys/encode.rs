//! The key encoder: what a terminal sends for a key pressed on a PC keyboard (see the
//! conventions in [`crate::keys`]), so that a keyboard driver can turn key events into terminal
//! input.

use alloc::format;
use alloc::vec::Vec;

use super::{CursorKeyMode, Key, KeyEvent, Modifiers};

const ESC: u8 = 0x1b;

/// The bytes for `event`; empty for a key with no encoding (F0, F13 and above).
pub fn encode(event: KeyEvent, mode: CursorKeyMode) -> Vec<u8> {
    let modifiers = event.modifiers;
    let alt = modifiers.contains(Modifiers::ALT);
    let ctrl = modifiers.contains(Modifiers::CTRL);
    let mut out = Vec::new();
    let mut plain = |bytes: &[u8]| {
        if alt {
            out.push(ESC);
        }
        out.extend_from_slice(bytes);
    };
    match event.key {
        Key::Char(ch) => match control_byte(ch).filter(|_| ctrl) {
            Some(byte) => plain(&[byte]),
            None => plain(ch.encode_utf8(&mut [0; 4]).as_bytes()),
        },
        Key::Enter => plain(b"\r"),
        Key::Tab if modifiers.contains(Modifiers::SHIFT) => plain(b"\x1b[Z"),
        Key::Tab => plain(b"\t"),
        Key::Backspace => plain(if ctrl { b"\x08" } else { b"\x7f" }),
        Key::Escape => plain(&[ESC]),
        Key::Up => return letter_key(b'A', modifiers, mode),
        Key::Down => return letter_key(b'B', modifiers, mode),
        Key::Right => return letter_key(b'C', modifiers, mode),
        Key::Left => return letter_key(b'D', modifiers, mode),
        Key::Home => return letter_key(b'H', modifiers, mode),
        Key::End => return letter_key(b'F', modifiers, mode),
        Key::Insert => return tilde_key(2, modifiers),
        Key::Delete => return tilde_key(3, modifiers),
        Key::PageUp => return tilde_key(5, modifiers),
        Key::PageDown => return tilde_key(6, modifiers),
        Key::Function(number @ 1..=4) => {
            return letter_key(b'P' + number - 1, modifiers, CursorKeyMode::Application);
        }
        Key::Function(number @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(number - 5)];
            return tilde_key(code, modifiers);
        }
        Key::Function(_) => {}
    }
    out
}

/// The control character that Ctrl and `ch` make (xterm's table), `None` if there is none.
fn control_byte(ch: char) -> Option<u8> {
    let byte = u8::try_from(ch).ok()?;
    Some(match byte {
        b'a'..=b'z' | b'A'..=b'Z' => byte & 0x1f,
        b'@' | b' ' | b'2' => 0,
        b'[' | b'3' => 0x1b,
        b'\\' | b'4' => 0x1c,
        b']' | b'5' => 0x1d,
        b'^' | b'6' => 0x1e,
        b'_' | b'/' | b'7' => 0x1f,
        b'?' | b'8' => 0x7f,
        _ => return None,
    })
}

/// xterm's modifier parameter: 1 + Shift 1 + Alt 2 + Ctrl 4; `None` without modifiers.
fn modifier_param(modifiers: Modifiers) -> Option<u8> {
    (modifiers != Modifiers::empty()).then(|| 1 + modifiers.bits())
}

/// `CSI letter` / `SS3 letter`, or `CSI 1 ; m letter` with modifiers.
fn letter_key(letter: u8, modifiers: Modifiers, mode: CursorKeyMode) -> Vec<u8> {
    match (modifier_param(modifiers), mode) {
        (Some(param), _) => format!("\x1b[1;{param}{}", char::from(letter)).into_bytes(),
        (None, CursorKeyMode::Application) => alloc::vec![ESC, b'O', letter],
        (None, CursorKeyMode::Normal) => alloc::vec![ESC, b'[', letter],
    }
}

/// `CSI code ~`, or `CSI code ; m ~` with modifiers.
fn tilde_key(code: u8, modifiers: Modifiers) -> Vec<u8> {
    match modifier_param(modifiers) {
        Some(param) => format!("\x1b[{code};{param}~").into_bytes(),
        None => format!("\x1b[{code}~").into_bytes(),
    }
}
