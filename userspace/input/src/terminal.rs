//! Keys as terminal input: what a key typed (its text in the layout, or
//! none) and its set-1 code become as a `cairn-term` key, for every
//! terminal that takes keys from the input server or the display server
//! (termd's screen consoles, the desktop's terminal window).

use cairn_term::keys::{Key, KeyEvent, Modifiers};

use crate::named_key;

/// The terminal key a pressed key is, from the text it typed and its
/// set-1 scan code (`0xE0xx` prefixed); `None` for keys a terminal does
/// not send (Shift alone, F5 and above).
pub fn terminal_key(text: Option<char>, code: u16) -> Option<KeyEvent> {
    let plain = |key| Some(KeyEvent::new(key));
    match text {
        Some('\n') => plain(Key::Enter),
        Some('\t') => plain(Key::Tab),
        Some('\u{8}') => plain(Key::Backspace),
        Some('\u{7f}') => plain(Key::Delete),
        Some('\u{1b}') => plain(Key::Escape),
        // Ctrl+letter arrives as its control character.
        Some(c @ '\u{1}'..='\u{1a}') => {
            let letter = char::from(b'a' + (c as u8 - 1));
            Some(KeyEvent::with(Key::Char(letter), Modifiers::CTRL))
        }
        Some(c) => plain(Key::Char(c)),
        None => match named_key(code)? {
            Key::Function(n) if n > 4 => None,
            key => plain(key),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_term::keys::{CursorKeyMode, encode};

    fn bytes(text: Option<char>, code: u16) -> alloc::vec::Vec<u8> {
        terminal_key(text, code).map(|k| encode(k, CursorKeyMode::Normal)).unwrap_or_default()
    }

    #[test]
    fn text_and_named_keys_become_terminal_input() {
        assert_eq!(bytes(Some('a'), 0x1e), b"a");
        assert_eq!(bytes(Some('\n'), 0x1c), b"\r");
        assert_eq!(bytes(Some('\u{3}'), 0x2e), b"\x03");
        assert_eq!(bytes(Some('\u{8}'), 0x0e), b"\x7f");
        assert_eq!(bytes(None, 0xe048), b"\x1b[A");
        assert_eq!(bytes(None, 0xe047), b"\x1b[H");
        assert_eq!(bytes(Some('ü'), 0x1a), "ü".as_bytes());
    }

    #[test]
    fn keys_a_terminal_does_not_send_are_none() {
        assert_eq!(terminal_key(None, 0x2a), None);
        assert_eq!(terminal_key(None, 0x3f), None);
        assert!(terminal_key(None, 0x3b).is_some());
    }
}
