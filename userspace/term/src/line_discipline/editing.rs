//! Canonical-mode erasing in the line being typed: one character (`VERASE`), a word
//! (`VWERASE`) or the whole line (`VKILL`), with the echo Linux's `eraser` produces.

use alloc::vec::Vec;

use super::echo::{echo_char, is_control};
use super::output::OutputColumns;
use crate::termios::{Cc, InputFlags, LocalFlags, Termios};
use crate::utf8::is_continuation;

/// What to erase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Erase {
    Char,
    Word,
    Line,
}

/// Columns of a tab stop.
const TAB_WIDTH: usize = 8;

/// Erases from the end of `line` and appends the unprocessed echo to `echo`.
pub(super) fn erase(line: &mut Vec<u8>, what: Erase, termios: &Termios, columns: OutputColumns, echo: &mut Vec<u8>) {
    let flags = termios.local;
    if line.is_empty() {
        return;
    }
    if what == Erase::Line {
        if !flags.contains(LocalFlags::ECHO) {
            line.clear();
            return;
        }
        if !flags.contains(LocalFlags::ECHOK | LocalFlags::ECHOKE | LocalFlags::ECHOE) {
            line.clear();
            echo_char(termios, termios.cc[Cc::Kill], echo);
            if flags.contains(LocalFlags::ECHOK) {
                echo.push(b'\n');
            }
            return;
        }
    }
    let utf8 = termios.input.contains(InputFlags::IUTF8);
    let mut backspaced = 0;
    let mut seen_word = false;
    while let Some(start) = last_char_start(line, utf8) {
        let byte = line[start];
        if what == Erase::Word {
            if is_word_byte(byte) {
                seen_word = true;
            } else if seen_word {
                break;
            }
        }
        line.truncate(start);
        if flags.contains(LocalFlags::ECHO) {
            if what == Erase::Char && !flags.contains(LocalFlags::ECHOE) {
                echo_char(termios, termios.cc[Cc::Erase], echo);
            } else if byte == b'\t' {
                let count = tab_backspaces(line, termios, columns).min(columns.current.saturating_sub(backspaced));
                backspaced += count;
                echo.extend(core::iter::repeat_n(b'\x08', count));
            } else {
                let width = match (is_control(byte), flags.contains(LocalFlags::ECHOCTL)) {
                    (true, true) => 2,
                    (true, false) => 0,
                    (false, _) => 1,
                };
                backspaced += width;
                for _ in 0..width {
                    echo.extend_from_slice(b"\x08 \x08");
                }
            }
        }
        if what == Erase::Char {
            break;
        }
    }
}

/// Where the last character of `line` starts (`None` when it is empty): its last byte, or under
/// UTF-8 the lead byte before its trailing continuation bytes. A line made only of continuation
/// bytes loses them one at a time.
fn last_char_start(line: &[u8], utf8: bool) -> Option<usize> {
    let last = line.len().checked_sub(1)?;
    if !utf8 {
        return Some(last);
    }
    Some(line.iter().rposition(|&byte| !is_continuation(byte)).unwrap_or(last))
}

/// Whether `byte` belongs to a word for `VWERASE`: alphanumeric, `_`, or part of a non-ASCII
/// character.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// How many backspaces take the cursor back over a tab that followed `line`: the width of the
/// tab depends on the columns used since the previous tab or the start of the line.
fn tab_backspaces(line: &[u8], termios: &Termios, columns: OutputColumns) -> usize {
    let echoctl = termios.local.contains(LocalFlags::ECHOCTL);
    let mut used = 0usize;
    let mut after_tab = false;
    for &byte in line.iter().rev() {
        if byte == b'\t' {
            after_tab = true;
            break;
        }
        if is_control(byte) {
            used += if echoctl { 2 } else { 0 };
        } else if !is_continuation(byte) {
            used += 1;
        }
    }
    if !after_tab {
        used = used.saturating_add(columns.line_start);
    }
    TAB_WIDTH - used % TAB_WIDTH
}
