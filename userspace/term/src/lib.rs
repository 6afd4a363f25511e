//! Terminal logic for Cairn's terminals, shared by the console and pseudo-terminal servers and
//! tested on the host:
//!
//! - [`termios`]: the POSIX/Linux terminal settings and window size, with a fixed binary layout
//!   that travels through a scheme;
//! - [`job_control`]: process groups, terminal-generated signals and the background-access rules;
//! - [`line_discipline`]: what the terminal does with input bytes (line editing, echo, signals,
//!   the readable queue) and with output bytes (`\n` → `\r\n`);
//! - [`screen`]: a VT100/ANSI (xterm subset) screen model that a drawing server renders;
//! - [`keys`]: terminal input escape sequences to keys for line editors, and keyboard keys to the
//!   bytes a terminal sends;
//! - [`line_editor`]: a shell's edited line and the least output that shows it.
//!
//! `#![no_std]` with `alloc`, no `unsafe`, no dependencies; nothing panics on any input.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(test)]
extern crate std;

mod flags;
mod utf8;

pub mod job_control;
pub mod keys;
pub mod line_discipline;
pub mod line_editor;
pub mod screen;
pub mod termios;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod test_rng;
