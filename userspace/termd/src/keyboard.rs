//! The PS/2 keyboard, driven from user space: the controller's ports come
//! from `/scheme/ioport/60-64` and its interrupt (ISA line 1) from
//! `/scheme/irq/1`. Scan code set 1 (what the controller translates to) is
//! decoded with `pc-keyboard` (US layout) and each key becomes the bytes a
//! terminal sends for it (`cairn-term`'s key encoder).

use cairn_rt::Vec;
use cairn_rt::fs::{File, OpenOptions};
use cairn_term::keys::{self, CursorKeyMode, Key, KeyEvent, Modifiers};
use pc_keyboard::layouts::Us104Key;
use pc_keyboard::{DecodedKey, HandleControl, KeyCode, PS2Keyboard, ScancodeSet1};

use crate::ports::{self, IoPorts};

const DATA: u16 = 0x60;
const STATUS: u16 = 0x64;
/// Status: a byte is waiting in the output buffer.
const OUTPUT_FULL: u8 = 1 << 0;
/// Status: that byte comes from the mouse, not the keyboard.
const FROM_MOUSE: u8 = 1 << 5;

/// The keyboard, claimed.
pub struct Keyboard {
    _ports: IoPorts,
    interrupt: File,
    decoder: PS2Keyboard<Us104Key, ScancodeSet1>,
}

/// The terminal key a decoded key is, if any.
fn terminal_key(key: DecodedKey) -> Option<KeyEvent> {
    let plain = |key| Some(KeyEvent::new(key));
    match key {
        DecodedKey::Unicode('\n') => plain(Key::Enter),
        DecodedKey::Unicode('\t') => plain(Key::Tab),
        DecodedKey::Unicode('\u{8}') => plain(Key::Backspace),
        DecodedKey::Unicode('\u{7f}') => plain(Key::Delete),
        DecodedKey::Unicode('\u{1b}') => plain(Key::Escape),
        // Ctrl+letter arrives as its control character.
        DecodedKey::Unicode(c @ '\u{1}'..='\u{1a}') => {
            let letter = char::from(b'a' + (c as u8 - 1));
            Some(KeyEvent::with(Key::Char(letter), Modifiers::CTRL))
        }
        DecodedKey::Unicode(c) => plain(Key::Char(c)),
        DecodedKey::RawKey(code) => match code {
            KeyCode::ArrowUp => plain(Key::Up),
            KeyCode::ArrowDown => plain(Key::Down),
            KeyCode::ArrowLeft => plain(Key::Left),
            KeyCode::ArrowRight => plain(Key::Right),
            KeyCode::Home => plain(Key::Home),
            KeyCode::End => plain(Key::End),
            KeyCode::PageUp => plain(Key::PageUp),
            KeyCode::PageDown => plain(Key::PageDown),
            KeyCode::Insert => plain(Key::Insert),
            KeyCode::F1 => plain(Key::Function(1)),
            KeyCode::F2 => plain(Key::Function(2)),
            KeyCode::F3 => plain(Key::Function(3)),
            KeyCode::F4 => plain(Key::Function(4)),
            _ => None,
        },
    }
}

impl Keyboard {
    /// Claims the keyboard controller's ports and line 1.
    pub fn claim() -> cairn_rt::Result<Keyboard> {
        let ports = IoPorts::claim("60-64")?;
        let interrupt = OpenOptions::new().read(true).write(true).open("/scheme/irq/1")?;
        let decoder = PS2Keyboard::new(ScancodeSet1::new(), Us104Key, HandleControl::MapLettersToUnicode);
        let keyboard = Keyboard { _ports: ports, interrupt, decoder };
        // Bytes that arrived before the line was ours would never raise it again.
        keyboard.drain();
        Ok(keyboard)
    }

    pub fn interrupt_fd(&self) -> usize {
        self.interrupt.as_raw_fd()
    }

    /// Consumes the interrupt count and acknowledges the line.
    pub fn take_interrupts(&self) {
        ports::acknowledge(&self.interrupt);
    }

    fn drain(&self) {
        while ports::read(STATUS) & OUTPUT_FULL != 0 {
            ports::read(DATA);
        }
    }

    /// What the keys pressed since the last call send to a terminal.
    pub fn receive(&mut self, mode: CursorKeyMode) -> Vec<u8> {
        let mut bytes = Vec::new();
        loop {
            let status = ports::read(STATUS);
            if status & OUTPUT_FULL == 0 {
                return bytes;
            }
            let byte = ports::read(DATA);
            if status & FROM_MOUSE != 0 {
                continue;
            }
            let decoded = self.decoder.add_byte(byte).ok().flatten().and_then(|e| self.decoder.process_keyevent(e));
            if let Some(event) = decoded.and_then(terminal_key) {
                bytes.extend_from_slice(&keys::encode(event, mode));
            }
        }
    }
}
