//! Output processing (`OPOST`): `ONLCR`, `OCRNL`, `ONOCR` and `ONLRET`, and the column
//! bookkeeping that erasing a tab needs, following Linux's `do_output_char`.

use alloc::vec::Vec;

use super::echo::is_control;
use crate::termios::{OutputFlags, Termios};
use crate::utf8::is_continuation;

/// The output column as far as the line discipline can tell.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct OutputColumns {
    /// Column of the next byte written.
    pub(super) current: usize,
    /// Column where the line being edited starts (Linux's `canon_column`).
    pub(super) line_start: usize,
}

impl OutputColumns {
    /// Appends the processed form of `bytes` to `out`.
    pub(super) fn process(&mut self, termios: &Termios, bytes: &[u8], out: &mut Vec<u8>) {
        if !termios.output.contains(OutputFlags::OPOST) {
            out.extend_from_slice(bytes);
            return;
        }
        for &byte in bytes {
            self.process_byte(termios.output, byte, out);
        }
    }

    /// Records that the line being edited starts here.
    pub(super) fn mark_line_start(&mut self) {
        self.line_start = self.current;
    }

    fn process_byte(&mut self, flags: OutputFlags, byte: u8, out: &mut Vec<u8>) {
        match byte {
            b'\n' => {
                if flags.contains(OutputFlags::ONLRET) {
                    self.current = 0;
                }
                if flags.contains(OutputFlags::ONLCR) {
                    self.return_carriage();
                    out.extend_from_slice(b"\r\n");
                    return;
                }
                self.mark_line_start();
            }
            b'\r' => {
                if flags.contains(OutputFlags::ONOCR) && self.current == 0 {
                    return;
                }
                if flags.contains(OutputFlags::OCRNL) {
                    if flags.contains(OutputFlags::ONLRET) {
                        self.return_carriage();
                    }
                    out.push(b'\n');
                    return;
                }
                self.return_carriage();
            }
            b'\t' => self.current = (self.current | 7).saturating_add(1),
            0x08 => self.current = self.current.saturating_sub(1),
            _ if !is_control(byte) && !is_continuation(byte) => self.current = self.current.saturating_add(1),
            _ => {}
        }
        out.push(byte);
    }

    fn return_carriage(&mut self) {
        self.current = 0;
        self.line_start = 0;
    }
}
