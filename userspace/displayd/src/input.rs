//! The desktop's input: virtual console 7 of the input server
//! (`/scheme/input/vt/7`, DESKTOP.md "The input server"). Ctrl-Alt-F7
//! brings the desktop back from a text console; opening the console
//! makes it the active one at once.

use cairn_input::{EVENT_SIZE, InputEvent};
use cairn_rt::abi::error::EAGAIN;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::{String, Vec, eprintln, format};

/// The desktop's virtual console number (its Ctrl-Alt-F key).
pub const DESKTOP_VT: u8 = 7;

pub struct Input {
    console: File,
}

impl Input {
    /// Attaches the desktop's console and makes it active.
    pub fn attach() -> Result<Input, String> {
        let path = format!("/scheme/input/vt/{DESKTOP_VT}");
        let console = OpenOptions::new().read(true).open(&path).map_err(|e| format!("cannot open {path}: {e}"))?;
        OpenOptions::new()
            .write(true)
            .open("/scheme/input/active")
            .and_then(|mut f| f.write_all(format!("{DESKTOP_VT}").as_bytes()))
            .map_err(|e| format!("cannot make console {DESKTOP_VT} active: {e}"))?;
        Ok(Input { console })
    }

    pub fn fd(&self) -> usize {
        self.console.as_raw_fd()
    }

    /// The events queued for the desktop (none when the server has none).
    pub fn receive(&mut self) -> Vec<InputEvent> {
        let mut events = Vec::new();
        let mut buffer = [0u8; 64 * EVENT_SIZE];
        loop {
            let count = match self.console.read(&mut buffer) {
                Ok(count) => count,
                Err(e) if e.errno() == Some(EAGAIN) => return events,
                Err(e) => {
                    eprintln!("displayd: reading input: {e}");
                    return events;
                }
            };
            for bytes in buffer[..count].chunks(EVENT_SIZE) {
                match InputEvent::decode(bytes) {
                    Ok(event) => events.push(event),
                    Err(e) => eprintln!("displayd: the input server sent a malformed event: {e:?}"),
                }
            }
            if count < buffer.len() {
                return events;
            }
        }
    }
}
