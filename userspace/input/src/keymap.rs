//! Key maps: scan code set 1 bytes (what the i8042 hands over) to
//! [`Key`]s with the text they type in a [`Layout`]. The scan codes come
//! from `cairn-ps2`; the layouts' tables are `pc-keyboard`'s.

use cairn_ps2::ScanCodes;
use pc_keyboard::layouts::{AnyLayout, Azerty, De105Key, Us104Key};
use pc_keyboard::{DecodedKey, HandleControl, PS2Keyboard, ScancodeSet1};

use cairn_term::keys::Key as TermKey;

use crate::event::{Key, Modifiers};

/// A keyboard layout the input server offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// US 104-key (QWERTY).
    Us,
    /// German 105-key (QWERTZ, AltGr for `@`, `{`, ...).
    De,
    /// French AZERTY.
    Fr,
}

/// A layout name that is none of [`Layout::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownLayout;

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::Us, Layout::De, Layout::Fr];

    /// The layout's name in settings (`us`, `de`, `fr`).
    pub fn name(self) -> &'static str {
        match self {
            Layout::Us => "us",
            Layout::De => "de",
            Layout::Fr => "fr",
        }
    }

    /// The layout named `name` (surrounding white space ignored).
    pub fn parse(name: &str) -> Result<Layout, UnknownLayout> {
        let name = name.trim();
        Layout::ALL.into_iter().find(|l| l.name() == name).ok_or(UnknownLayout)
    }

    fn table(self) -> AnyLayout {
        match self {
            Layout::Us => AnyLayout::Us104Key(Us104Key),
            Layout::De => AnyLayout::De105Key(De105Key),
            Layout::Fr => AnyLayout::Azerty(Azerty),
        }
    }
}

/// The key that types no text with set-1 code `code`, by what it does
/// (for terminals), if it is one: arrows, Home/End, Page Up/Down, Insert,
/// F1 to F12.
pub fn named_key(code: u16) -> Option<TermKey> {
    Some(match code {
        0xe048 => TermKey::Up,
        0xe050 => TermKey::Down,
        0xe04b => TermKey::Left,
        0xe04d => TermKey::Right,
        0xe047 => TermKey::Home,
        0xe04f => TermKey::End,
        0xe049 => TermKey::PageUp,
        0xe051 => TermKey::PageDown,
        0xe052 => TermKey::Insert,
        0x3b..=0x44 => TermKey::Function((code - 0x3b + 1) as u8),
        0x57 | 0x58 => TermKey::Function((code - 0x57 + 11) as u8),
        _ => return None,
    })
}

/// The keyboard's decoding state: prefixes, modifiers, the layout.
pub struct Keyboard {
    codes: ScanCodes,
    decoder: PS2Keyboard<AnyLayout, ScancodeSet1>,
    layout: Layout,
}

impl Keyboard {
    pub fn new(layout: Layout) -> Keyboard {
        Keyboard {
            codes: ScanCodes::new(),
            decoder: PS2Keyboard::new(ScancodeSet1::new(), layout.table(), HandleControl::MapLettersToUnicode),
            layout,
        }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Changes the layout (modifiers held are forgotten: their releases
    /// come as keys without text).
    pub fn set_layout(&mut self, layout: Layout) {
        *self = Keyboard::new(layout);
    }

    fn modifiers(&self) -> Modifiers {
        let held = self.decoder.get_modifiers();
        [
            (held.lshift || held.rshift, Modifiers::SHIFT),
            (held.lctrl || held.rctrl, Modifiers::CTRL),
            (held.lalt, Modifiers::ALT),
            (held.ralt, Modifiers::ALT_GR),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .fold(Modifiers::empty(), |all, (_, m)| all.union(m))
    }

    /// Takes one byte from the keyboard; a whole scan code gives a key.
    pub fn push(&mut self, byte: u8) -> Option<Key> {
        let decoded = self.decoder.add_byte(byte).ok().flatten().and_then(|e| self.decoder.process_keyevent(e));
        let text = match decoded {
            Some(DecodedKey::Unicode(c)) => Some(c),
            _ => None,
        };
        let change = self.codes.push(byte)?;
        Some(Key {
            code: change.code,
            pressed: change.pressed,
            text: text.filter(|_| change.pressed),
            modifiers: self.modifiers(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set-1 codes of the keys the tests press.
    const LSHIFT: u8 = 0x2a;
    const RALT: [u8; 2] = [0xe0, 0x38];
    const LCTRL: u8 = 0x1d;
    const Q: u8 = 0x10;
    const W: u8 = 0x11;
    const Y: u8 = 0x15;
    const Z: u8 = 0x2c;
    const A: u8 = 0x1e;
    const DIGIT_2: u8 = 0x03;

    /// The text of each key pressed by `bytes` (releases need 0x80 set).
    fn typed(layout: Layout, bytes: &[u8]) -> alloc::string::String {
        let mut keyboard = Keyboard::new(layout);
        bytes.iter().filter_map(|&b| keyboard.push(b)).filter_map(|k| k.text).collect()
    }

    #[test]
    fn layouts_by_name() {
        for layout in Layout::ALL {
            assert_eq!(Layout::parse(layout.name()), Ok(layout));
        }
        assert_eq!(Layout::parse("de\n"), Ok(Layout::De));
        assert_eq!(Layout::parse("xx"), Err(UnknownLayout));
        assert_eq!(Layout::parse(""), Err(UnknownLayout));
    }

    #[test]
    fn us_layout() {
        assert_eq!(typed(Layout::Us, &[Q, Q | 0x80, W, W | 0x80, Y, Y | 0x80, Z, Z | 0x80]), "qwyz");
        assert_eq!(typed(Layout::Us, &[LSHIFT, DIGIT_2, DIGIT_2 | 0x80, LSHIFT | 0x80, A]), "@a");
    }

    #[test]
    fn german_layout_swaps_y_and_z_and_has_alt_gr() {
        assert_eq!(typed(Layout::De, &[Y, Y | 0x80, Z, Z | 0x80]), "zy");
        assert_eq!(typed(Layout::De, &[LSHIFT, DIGIT_2, DIGIT_2 | 0x80, LSHIFT | 0x80]), "\"");
        let alt_gr_q = [RALT[0], RALT[1], Q, Q | 0x80, RALT[0], RALT[1] | 0x80];
        assert_eq!(typed(Layout::De, &alt_gr_q), "@");
    }

    #[test]
    fn french_layout_is_azerty() {
        assert_eq!(typed(Layout::Fr, &[Q, Q | 0x80, W, W | 0x80, A, A | 0x80]), "azq");
    }

    #[test]
    fn keys_carry_codes_modifiers_and_control_text() {
        let mut keyboard = Keyboard::new(Layout::Us);
        let ctrl = keyboard.push(LCTRL).unwrap();
        assert_eq!((ctrl.code, ctrl.pressed, ctrl.text), (0x1d, true, None));
        let c = keyboard.push(0x2e).unwrap();
        assert_eq!(c.text, Some('\u{3}'));
        assert!(c.modifiers.contains(Modifiers::CTRL));
        assert_eq!(keyboard.push(0x2e | 0x80).map(|k| (k.pressed, k.text)), Some((false, None)));
        assert_eq!(keyboard.push(0xe0), None);
        let up = keyboard.push(0x48).unwrap();
        assert_eq!((up.code, up.text), (0xe048, None));
        keyboard.push(LCTRL | 0x80);
        assert_eq!(keyboard.push(A).unwrap().modifiers, Modifiers::empty());
    }

    #[test]
    fn named_keys() {
        let mut keyboard = Keyboard::new(Layout::De);
        keyboard.push(0xe0);
        let left = keyboard.push(0x4b).unwrap();
        assert_eq!((named_key(left.code), left.text), (Some(TermKey::Left), None));
        assert_eq!(named_key(0x3b), Some(TermKey::Function(1)));
        assert_eq!(named_key(0x58), Some(TermKey::Function(12)));
        // Delete types DEL; the keypad's 4 (without the prefix) is no named key.
        keyboard.push(0xe0);
        assert_eq!(keyboard.push(0x53).and_then(|k| k.text), Some('\u{7f}'));
        assert_eq!(named_key(0x4b), None);
        assert_eq!(named_key(u16::from(A)), None);
    }

    #[test]
    fn changing_the_layout() {
        let mut keyboard = Keyboard::new(Layout::Us);
        keyboard.set_layout(Layout::De);
        assert_eq!(keyboard.layout(), Layout::De);
        assert_eq!(keyboard.push(Y).and_then(|k| k.text), Some('z'));
    }

    #[test]
    fn garbage_bytes_never_panic() {
        let mut keyboard = Keyboard::new(Layout::Fr);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            keyboard.push(state as u8);
        }
        // Whatever state the garbage left, a key after a few releases is whole.
        for _ in 0..6 {
            keyboard.push(A | 0x80);
        }
        assert_eq!(keyboard.push(A).map(|k| (k.code, k.pressed)), Some((0x1e, true)));
    }
}
