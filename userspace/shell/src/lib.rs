//! The POSIX-flavoured shell language of Cairn's sh: parser, expansion and interpreter over an OS trait (host-tested)
//!
//! Depends on `core`, `alloc` and `cairn-text` (paths). The `sh` binary implements [`Os`] with Cairn system calls, creates a
//! [`Shell`] and feeds it input with [`Shell::run_chunk`] (interactive) or [`Shell::run_script`]; it shows
//! [`Shell::prompt`], completes with [`Shell::complete`] and calls [`Shell::notify_jobs`] before each prompt.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod ast;
pub mod error;
pub mod os;
pub mod parser;
pub mod signal;

mod arith;
mod builtins;
mod complete;
mod escape;
mod expand;
mod fields;
mod glob;
mod interp;
mod jobs;
mod lexer;
mod options;
mod pattern;
mod process;
mod prompt;
mod quote;
mod redirect;
mod simple;
mod vars;

#[cfg(test)]
mod tests;

pub use complete::Completion;
pub use error::{ParseError, ParseErrorKind};
pub use interp::{ChunkOutcome, Config, Shell};
pub use os::Os;
pub use prompt::PromptKind;
