//! The key decoder: a byte-stream state machine that turns terminal input into key events and
//! keeps an unfinished sequence across calls. A lone `ESC` cannot be told from the start of a
//! sequence until more input comes, so the editor calls [`KeyDecoder::flush`] when input pauses.

use alloc::vec::Vec;

use super::{Key, KeyEvent, Modifiers};
use crate::utf8::Utf8Decoder;

const ESC: u8 = 0x1b;
/// Parameter bytes kept per sequence; a longer sequence is dropped.
const MAX_SEQUENCE: usize = 16;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// After `ESC`.
    Escape,
    /// After `ESC [`, gathering parameter bytes.
    Csi,
    /// After `ESC O`.
    Ss3,
}

/// The decoder state.
#[derive(Clone, Debug, Default)]
pub struct KeyDecoder {
    state: State,
    utf8: Utf8Decoder,
    /// An `ESC` prefix was seen: the next key has Alt.
    alt: bool,
    sequence: [u8; MAX_SEQUENCE],
    len: usize,
    overflow: bool,
}

impl KeyDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes bytes; keys whose bytes are not complete yet are returned by a later call.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<KeyEvent> {
        let mut keys = Vec::new();
        for &byte in bytes {
            self.advance(byte, &mut keys);
        }
        keys
    }

    /// Ends what is pending after a pause in the input: a lone `ESC` is the Escape key (Alt+Escape
    /// after two), `ESC [` and `ESC O` are Alt+`[` and Alt+`O`, an unfinished UTF-8 character is
    /// U+FFFD and any other unfinished sequence is dropped.
    pub fn flush(&mut self) -> Vec<KeyEvent> {
        let mut keys = Vec::new();
        match self.state {
            State::Ground => {}
            State::Escape => {
                let modifiers = self.take_alt();
                keys.push(KeyEvent::with(Key::Escape, modifiers));
            }
            State::Csi if self.len == 0 && !self.overflow => keys.push(KeyEvent::with(Key::Char('['), Modifiers::ALT)),
            State::Ss3 => keys.push(KeyEvent::with(Key::Char('O'), Modifiers::ALT)),
            State::Csi => {}
        }
        self.state = State::Ground;
        if let Some(ch) = self.utf8.flush() {
            let modifiers = self.take_alt();
            keys.push(KeyEvent::with(Key::Char(ch), modifiers));
        }
        self.alt = false;
        keys
    }

    /// Whether bytes of an unfinished key are held.
    pub fn is_pending(&self) -> bool {
        self.state != State::Ground || self.utf8.is_pending()
    }

    fn advance(&mut self, byte: u8, keys: &mut Vec<KeyEvent>) {
        match self.state {
            State::Ground => self.ground(byte, keys),
            State::Escape => match byte {
                b'[' => self.start_sequence(State::Csi),
                b'O' => self.start_sequence(State::Ss3),
                ESC => self.alt = true,
                _ => {
                    self.alt = true;
                    self.state = State::Ground;
                    self.ground(byte, keys);
                }
            },
            State::Csi => match byte {
                0x20..=0x3f => {
                    match self.sequence.get_mut(self.len) {
                        Some(slot) => *slot = byte,
                        None => self.overflow = true,
                    }
                    self.len = (self.len + 1).min(MAX_SEQUENCE);
                }
                0x40..=0x7e => {
                    self.state = State::Ground;
                    let key = (!self.overflow).then(|| self.csi_key(byte)).flatten();
                    self.emit_sequence_key(key, keys);
                }
                _ => self.abandon_sequence(byte, keys),
            },
            State::Ss3 => match byte {
                0x40..=0x7e => {
                    self.state = State::Ground;
                    let key = match byte {
                        b'M' => Some((Key::Enter, Modifiers::empty())),
                        _ => final_key(byte).map(|key| (key, Modifiers::empty())),
                    };
                    self.emit_sequence_key(key, keys);
                }
                _ => self.abandon_sequence(byte, keys),
            },
        }
    }

    fn ground(&mut self, byte: u8, keys: &mut Vec<KeyEvent>) {
        if byte >= 0x80 {
            for ch in self.utf8.push(byte) {
                let modifiers = self.take_alt();
                keys.push(KeyEvent::with(Key::Char(ch), modifiers));
            }
            return;
        }
        if let Some(ch) = self.utf8.flush() {
            let modifiers = self.take_alt();
            keys.push(KeyEvent::with(Key::Char(ch), modifiers));
        }
        if byte == ESC {
            self.state = State::Escape;
            return;
        }
        let (key, mut modifiers) = ascii_key(byte);
        modifiers.insert(self.take_alt());
        keys.push(KeyEvent::with(key, modifiers));
    }

    fn start_sequence(&mut self, state: State) {
        self.state = state;
        self.len = 0;
        self.overflow = false;
    }

    /// A byte that cannot continue the sequence: the sequence is dropped and the byte decoded
    /// on its own.
    fn abandon_sequence(&mut self, byte: u8, keys: &mut Vec<KeyEvent>) {
        self.state = State::Ground;
        self.alt = false;
        self.ground(byte, keys);
    }

    fn emit_sequence_key(&mut self, key: Option<(Key, Modifiers)>, keys: &mut Vec<KeyEvent>) {
        let alt = self.take_alt();
        if let Some((key, mut modifiers)) = key {
            modifiers.insert(alt);
            keys.push(KeyEvent::with(key, modifiers));
        }
    }

    fn take_alt(&mut self) -> Modifiers {
        if core::mem::take(&mut self.alt) { Modifiers::ALT } else { Modifiers::empty() }
    }

    /// The key of a complete `CSI params final`, `None` if unknown.
    fn csi_key(&self, final_byte: u8) -> Option<(Key, Modifiers)> {
        let mut params = [0u16; 2];
        for (index, part) in self.sequence[..self.len].split(|&b| b == b';').enumerate() {
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value = part.iter().fold(0u16, |n, &d| n.saturating_mul(10).saturating_add(u16::from(d - b'0')));
            if let Some(slot) = params.get_mut(index) {
                *slot = value;
            }
        }
        let modifiers = match params[1] {
            0 => Modifiers::empty(),
            value => Modifiers::from_bits((value.saturating_sub(1) & 0x7) as u8),
        };
        let key = match final_byte {
            b'~' => tilde_key(params[0])?,
            b'Z' => return Some((Key::Tab, Modifiers::SHIFT)),
            _ => final_key(final_byte)?,
        };
        Some((key, modifiers))
    }
}

/// The key of an ASCII byte other than `ESC`, with Ctrl for control characters.
fn ascii_key(byte: u8) -> (Key, Modifiers) {
    let ctrl = |letter: u8| (Key::Char(char::from(letter)), Modifiers::CTRL);
    match byte {
        b'\r' => (Key::Enter, Modifiers::empty()),
        b'\t' => (Key::Tab, Modifiers::empty()),
        0x7f => (Key::Backspace, Modifiers::empty()),
        0x00 => ctrl(b' '),
        0x01..=0x1a => ctrl(byte - 1 + b'a'),
        0x1c..=0x1f => ctrl(byte + 0x40),
        _ => (Key::Char(char::from(byte)), Modifiers::empty()),
    }
}

/// The key of the final byte of `CSI [1;m] final` or `SS3 final`.
fn final_key(final_byte: u8) -> Option<Key> {
    Some(match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P'..=b'S' => Key::Function(final_byte - b'P' + 1),
        _ => return None,
    })
}

/// The key of `CSI n ~`.
fn tilde_key(number: u16) -> Option<Key> {
    Some(match number {
        1 | 7 => Key::Home,
        2 => Key::Insert,
        3 => Key::Delete,
        4 | 8 => Key::End,
        5 => Key::PageUp,
        6 => Key::PageDown,
        11..=15 => Key::Function((number - 10) as u8),
        17..=21 => Key::Function((number - 11) as u8),
        23 | 24 => Key::Function((number - 12) as u8),
        _ => return None,
    })
}
