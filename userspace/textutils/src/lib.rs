//! Text-processing logic for Cairn's core utilities: regular expressions, `grep`, `sed`,
//! `sort` and friends. The utilities themselves read files and standard input through Cairn's
//! runtime and hand the bytes to these functions; everything here is pure, works on bytes
//! (lines end at `\n`, invalid UTF-8 is fine) and never panics, whatever the input.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod bracket;
mod charclass;
pub mod columns;
pub mod cut;
pub mod date;
mod decimal;
mod escape;
pub mod glob;
pub mod grep;
pub mod headtail;
pub mod hexdump;
pub mod human_size;
pub mod lines;
pub mod mode;
pub mod path;
pub mod printf;
pub mod regex;
pub mod sed;
pub mod seq;
pub mod sort;
pub mod tr;
pub mod uniq;
mod utf8;
pub mod wc;

#[cfg(test)]
mod fuzz_tests;
