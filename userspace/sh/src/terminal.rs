//! The terminal the interactive shell edits lines on (read from fd 0, drawn on fd 2): raw input while a line is
//! being edited, with the settings put back before commands run, and the window width.

use cairn_rt::abi::error::EINTR;
use cairn_rt::{io, tty};
use cairn_term::termios::{TERMIOS_LEN, Termios};

/// The descriptor keys are read from.
pub const INPUT: usize = 0;
/// The descriptor prompts and the edited line are drawn on.
const OUTPUT: usize = 2;
/// The width assumed when the terminal does not tell.
const DEFAULT_COLUMNS: usize = 80;

/// The terminal in raw mode; its previous settings come back when this is dropped.
pub struct RawMode {
    saved: [u8; TERMIOS_LEN],
}

impl RawMode {
    /// Switches the terminal to raw mode; `None` if fd 0 is not a terminal whose settings can be changed.
    pub fn enter() -> Option<RawMode> {
        let saved = tty::termios(INPUT).ok()?;
        let mut raw = Termios::from_bytes(&saved).ok()?;
        let output = raw.output;
        raw.make_raw();
        // Keep output processing, so that what background jobs print while a line is edited still starts its
        // lines at the left margin.
        raw.output = output;
        tty::set_termios(INPUT, &raw.to_bytes()).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tty::set_termios(INPUT, &self.saved);
    }
}

/// The number of columns of the terminal.
pub fn columns() -> usize {
    tty::window_size(INPUT)
        .ok()
        .map(|(_, columns)| usize::from(columns))
        .filter(|&columns| columns > 0)
        .unwrap_or(DEFAULT_COLUMNS)
}

/// Writes all of `text` to the terminal (giving up on an error other than an interruption).
pub fn write(text: &str) {
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        match io::write_fd(OUTPUT, rest) {
            Ok(0) => return,
            Ok(written) => rest = &rest[written.min(rest.len())..],
            Err(error) if error.errno() == Some(EINTR) => {}
            Err(_) => return,
        }
    }
}
