//! A screen console's input: virtual console N of the input server
//! (`/scheme/input/vt/N`; `screen` is 1, `screen2` 2, reached with
//! Ctrl-Alt-F1 and -F2). Its keys, decoded in the server's layout, become
//! the bytes a terminal sends for them (`cairn_input::terminal` and
//! `cairn-term`'s key encoder); its
//! `Active` events say when the console has the screen.

use cairn_input::terminal::terminal_key;
use cairn_input::{EVENT_SIZE, InputEvent};
use cairn_rt::abi::error::EAGAIN;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::Read;
use cairn_rt::{Vec, eprintln, format};
use cairn_term::keys::{self, CursorKeyMode};

/// What arrived for a console.
#[derive(Default)]
pub struct Arrived {
    /// Terminal input for the keys typed.
    pub bytes: Vec<u8>,
    /// The console gained (`Some(true)`) or lost the screen last.
    pub active: Option<bool>,
}

/// The console's handle on the input server.
pub struct Console {
    handle: File,
}

impl Console {
    /// Attaches virtual console `vt`.
    pub fn attach(vt: u8) -> cairn_rt::Result<Console> {
        let handle = OpenOptions::new().read(true).open(&format!("/scheme/input/vt/{vt}"))?;
        Ok(Console { handle })
    }

    /// The fd to watch: readable when events wait.
    pub fn fd(&self) -> usize {
        self.handle.as_raw_fd()
    }

    /// What arrived since the last call.
    pub fn receive(&mut self, mode: CursorKeyMode) -> Arrived {
        let mut arrived = Arrived::default();
        let mut buffer = [0u8; 32 * EVENT_SIZE];
        loop {
            let count = match self.handle.read(&mut buffer) {
                Ok(count) => count,
                Err(e) if e.errno() == Some(EAGAIN) => return arrived,
                Err(e) => {
                    eprintln!("termd: reading input: {e}");
                    return arrived;
                }
            };
            for bytes in buffer[..count].chunks(EVENT_SIZE) {
                match InputEvent::decode(bytes) {
                    Ok(InputEvent::Key(key)) if key.pressed => {
                        if let Some(event) = terminal_key(key.text, key.code) {
                            arrived.bytes.extend_from_slice(&keys::encode(event, mode));
                        }
                    }
                    Ok(InputEvent::Active(active)) => arrived.active = Some(active),
                    Ok(_) => {}
                    Err(e) => eprintln!("termd: the input server sent a malformed event: {e:?}"),
                }
            }
            if count < buffer.len() {
                return arrived;
            }
        }
    }
}
