//! The events of scheme `input`, as bytes. Every event is 16 bytes,
//! little-endian: kind `u8`, flags `u8`, code `u16`, then three `u32`s
//! (a, b, c).
//!
//! | event | kind | flags | code | a, b, c |
//! |---|---|---|---|---|
//! | [`InputEvent::Key`] | 1 | bit 0 pressed, bits 1-4 [`Modifiers`] | set-1 scan code (`0xE0xx` prefixed) | a: the text typed (a `char`, 0 none) |
//! | [`InputEvent::Mouse`] | 2 | bit 0 left, 1 right, 2 middle held | 0 | a: dx, b: dy (`i32`, y down), c: wheel (`i32`, negative up) |
//! | [`InputEvent::Active`] | 3 | 1 the console now has the input, 0 it lost it | 0 | 0 |

use cairn_ps2::MouseReport;

pub const EVENT_SIZE: usize = 16;

const KIND_KEY: u8 = 1;
const KIND_MOUSE: u8 = 2;
const KIND_ACTIVE: u8 = 3;

/// Modifier keys held with a key (bits of the flags byte, shifted by 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers(u8);

impl Modifiers {
    pub const SHIFT: Modifiers = Modifiers(1);
    pub const CTRL: Modifiers = Modifiers(2);
    pub const ALT: Modifiers = Modifiers(4);
    /// Right Alt (AltGr on European layouts).
    pub const ALT_GR: Modifiers = Modifiers(8);
    const ALL: u8 = 0xf;

    pub const fn empty() -> Modifiers {
        Modifiers(0)
    }

    pub const fn union(self, other: Modifiers) -> Modifiers {
        Modifiers(self.0 | other.0)
    }

    pub const fn contains(self, other: Modifiers) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A key went down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// Scan code set 1, `0xE0xx` for prefixed keys.
    pub code: u16,
    pub pressed: bool,
    /// The text it types in the layout (presses only; Ctrl+letter is its
    /// control character).
    pub text: Option<char>,
    pub modifiers: Modifiers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputEvent {
    Key(Key),
    Mouse(MouseReport),
    /// The reader's console gained (`true`) or lost the input (and, for a
    /// screen, the screen: it redraws all of it when it gains it).
    Active(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not 16 bytes.
    Length(usize),
    UnknownKind(u8),
    /// Flags or fields a kind does not use are set.
    Reserved,
    /// A key's text is not a Unicode scalar value.
    BadText(u32),
}

impl InputEvent {
    pub fn encode(&self) -> [u8; EVENT_SIZE] {
        let (kind, flags, code, a, b, c) = match *self {
            InputEvent::Key(key) => {
                let text = key.text.map_or(0, u32::from);
                (KIND_KEY, u8::from(key.pressed) | (key.modifiers.0 << 1), key.code, text, 0, 0)
            }
            InputEvent::Mouse(m) => {
                let buttons = u8::from(m.left) | (u8::from(m.right) << 1) | (u8::from(m.middle) << 2);
                (KIND_MOUSE, buttons, 0, m.dx as u32, m.dy as u32, m.wheel as u32)
            }
            InputEvent::Active(active) => (KIND_ACTIVE, u8::from(active), 0, 0, 0, 0),
        };
        let mut bytes = [0u8; EVENT_SIZE];
        bytes[0] = kind;
        bytes[1] = flags;
        bytes[2..4].copy_from_slice(&code.to_le_bytes());
        bytes[4..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..12].copy_from_slice(&b.to_le_bytes());
        bytes[12..16].copy_from_slice(&c.to_le_bytes());
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<InputEvent, DecodeError> {
        let bytes: &[u8; EVENT_SIZE] = bytes.try_into().map_err(|_| DecodeError::Length(bytes.len()))?;
        let (kind, flags) = (bytes[0], bytes[1]);
        let code = u16::from_le_bytes([bytes[2], bytes[3]]);
        let word = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let (a, b, c) = (word(4), word(8), word(12));
        match kind {
            KIND_KEY => {
                if flags >> 1 & !Modifiers::ALL != 0 || b != 0 || c != 0 {
                    return Err(DecodeError::Reserved);
                }
                let text = match a {
                    0 => None,
                    _ => Some(char::from_u32(a).ok_or(DecodeError::BadText(a))?),
                };
                Ok(InputEvent::Key(Key { code, pressed: flags & 1 != 0, text, modifiers: Modifiers(flags >> 1) }))
            }
            KIND_MOUSE if flags & !7 == 0 && code == 0 => Ok(InputEvent::Mouse(MouseReport {
                dx: a as i32,
                dy: b as i32,
                wheel: c as i32,
                left: flags & 1 != 0,
                right: flags & 2 != 0,
                middle: flags & 4 != 0,
            })),
            KIND_ACTIVE if flags <= 1 && code == 0 && a == 0 && b == 0 && c == 0 => Ok(InputEvent::Active(flags == 1)),
            KIND_MOUSE | KIND_ACTIVE => Err(DecodeError::Reserved),
            other => Err(DecodeError::UnknownKind(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let events = [
            InputEvent::Key(Key {
                code: 0xe048,
                pressed: true,
                text: None,
                modifiers: Modifiers::CTRL.union(Modifiers::ALT),
            }),
            InputEvent::Key(Key { code: 0x10, pressed: true, text: Some('@'), modifiers: Modifiers::ALT_GR }),
            InputEvent::Key(Key { code: 0x1e, pressed: false, text: None, modifiers: Modifiers::empty() }),
            InputEvent::Mouse(MouseReport { dx: -5, dy: 7, wheel: -1, left: true, right: false, middle: true }),
            InputEvent::Active(true),
            InputEvent::Active(false),
        ];
        for event in events {
            assert_eq!(InputEvent::decode(&event.encode()), Ok(event));
        }
    }

    #[test]
    fn malformed_events_are_refused() {
        assert_eq!(InputEvent::decode(&[1; 15]), Err(DecodeError::Length(15)));
        assert_eq!(InputEvent::decode(&[0; 17]), Err(DecodeError::Length(17)));
        let mut bytes = InputEvent::Active(true).encode();
        bytes[0] = 9;
        assert_eq!(InputEvent::decode(&bytes), Err(DecodeError::UnknownKind(9)));
        bytes[0] = KIND_ACTIVE;
        bytes[1] = 2;
        assert_eq!(InputEvent::decode(&bytes), Err(DecodeError::Reserved));
        let mut key =
            InputEvent::Key(Key { code: 1, pressed: true, text: None, modifiers: Modifiers::empty() }).encode();
        key[4..8].copy_from_slice(&0xd800u32.to_le_bytes());
        assert_eq!(InputEvent::decode(&key), Err(DecodeError::BadText(0xd800)));
        key[4..8].copy_from_slice(&[0; 4]);
        key[1] = 0x40;
        assert_eq!(InputEvent::decode(&key), Err(DecodeError::Reserved));
    }

    #[test]
    fn random_bytes_decode_or_fail_cleanly() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut bytes = [0u8; EVENT_SIZE];
            for byte in &mut bytes {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = state as u8;
            }
            bytes[0] %= 4;
            if let Ok(event) = InputEvent::decode(&bytes) {
                assert_eq!(InputEvent::decode(&event.encode()), Ok(event));
            }
        }
    }
}
