//! Keys as line editors and keyboard drivers see them: [`KeyDecoder`] turns the bytes a
//! terminal delivers (xterm-style escape sequences, control characters, UTF-8) into
//! [`KeyEvent`]s, and [`encode`] turns a key pressed on a PC keyboard into those bytes.
//!
//! Conventions (xterm's): Enter sends `\r`, Backspace DEL (0x7f), Ctrl+Backspace `^H`,
//! Ctrl+letter the control character, Alt a leading `ESC`, Shift+Tab `CSI Z`; cursor keys,
//! Home and End `CSI A`… (`ESC O A`… in application cursor mode, see [`CursorKeyMode`]),
//! with modifiers `CSI 1 ; m A` where `m` is 1 + Shift 1 + Alt 2 + Ctrl 4; Insert, Delete,
//! Page Up/Down and F5–F12 `CSI n ~` (`CSI n ; m ~`); F1–F4 `ESC O P`… (`CSI 1 ; m P`…).
//! The decoder also understands `CSI 1~`/`7~` (Home) and `CSI 4~`/`8~` (End).

mod decode;
mod encode;

#[cfg(test)]
mod tests;

pub use decode::KeyDecoder;
pub use encode::encode;

use crate::flags::flag_set;

/// How cursor keys are sent (DECCKM, `CSI ? 1 h/l`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CursorKeyMode {
    /// `CSI A` etc.
    #[default]
    Normal,
    /// `SS3 A` etc. (`ESC O A`).
    Application,
}

/// A key, without its modifiers. A control character is `Char` with [`Modifiers::CTRL`]
/// (`^A` is Ctrl+`a`), except `\r` (Enter), tab (Tab), DEL (Backspace) and ESC (Escape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
    Backspace,
    Escape,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Insert,
    Delete,
    PageUp,
    PageDown,
    /// Function key F1–F12 (the number, from 1).
    Function(u8),
}

flag_set! {
    /// Modifier keys held with a key; the bits are those of xterm's modifier parameter minus 1.
    pub struct Modifiers: u8 {
        const SHIFT = 1;
        const ALT = 2;
        const CTRL = 4;
    }
}

/// A key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyEvent {
    pub key: Key,
    pub modifiers: Modifiers,
}

impl KeyEvent {
    /// A key without modifiers.
    pub fn new(key: Key) -> Self {
        Self { key, modifiers: Modifiers::empty() }
    }

    /// A key with modifiers.
    pub fn with(key: Key, modifiers: Modifiers) -> Self {
        Self { key, modifiers }
    }
}
