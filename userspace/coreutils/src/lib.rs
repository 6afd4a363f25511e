//! `coreutils`: the code Cairn's core utilities share. Every utility is a
//! binary of this package (`src/bin/NAME.rs`, installed as `/bin/NAME`)
//! built as
//!
//! ```ignore
//! cairn_rt::main!(main);
//! fn main() -> i32 { coreutils::tool::run("cat", cat) }
//! fn cat(tool: &mut Tool) -> Result<(), Failure> { ... }
//! ```
//!
//! and finds here: command-line parsing ([`args`]), error reporting as
//! `tool: subject: reason` with GNU's exit statuses ([`tool`]), reading
//! files or standard input in chunks ([`input`]), buffered standard output
//! ([`output`]), file trees ([`files`]), finding and running programs
//! ([`command`]), the `sys` scheme's files and user names ([`system`]), and
//! durations and file times ([`clock`]). The text processing itself lives
//! in `cairn-text`.
//!
//! Depends on `cairn-rt` and `cairn-text`.
#![no_std]

pub mod args;
pub mod clock;
pub mod command;
pub mod files;
pub mod input;
pub mod output;
pub mod system;
pub mod tool;
