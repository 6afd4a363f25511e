//! `yes [STRING...]`: prints the strings (or `y`) on a line, again and
//! again, until the output is closed (the reader's end of a pipe: the
//! write fails, or `SIGPIPE` ends the process).
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, env};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// How many bytes of repeated lines each write carries at least.
const BATCH: usize = 8 * 1024;

fn main() -> i32 {
    tool::run("yes", yes)
}

fn yes(tool: &mut Tool) -> Result<(), Failure> {
    let words: Vec<String> = env::args().skip(1).collect();
    let mut line = if words.is_empty() { String::from("y") } else { words.join(" ") };
    line.push('\n');
    let mut batch = Vec::with_capacity(BATCH + line.len());
    while batch.len() < BATCH {
        batch.extend_from_slice(line.as_bytes());
    }
    loop {
        tool.out.write(&batch)?;
    }
}
