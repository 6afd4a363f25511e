//! `wc [-lwcmL] [FILE...]`: counts the lines, words and bytes (the
//! default), characters (`-m`) or the longest line's width (`-L`) of each
//! file, in GNU's columns, with a `total` line for several files.
#![no_std]
#![no_main]

use cairn_rt::{Vec, fs};
use cairn_text::wc::{Columns, Counter, Counts, InputKind, format_row, number_width};
use coreutils::args::{Arg, ArgParser, operands_or_stdin};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("wc", count_words)
}

fn count_words(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut columns = Columns { lines: false, words: false, chars: false, bytes: false, max_line_length: false };
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('l') => columns.lines = true,
            Arg::Short('w') => columns.words = true,
            Arg::Short('c') => columns.bytes = true,
            Arg::Short('m') => columns.chars = true,
            Arg::Short('L') => columns.max_line_length = true,
            Arg::Long(name) if name == "lines" => columns.lines = true,
            Arg::Long(name) if name == "words" => columns.words = true,
            Arg::Long(name) if name == "bytes" => columns.bytes = true,
            Arg::Long(name) if name == "chars" => columns.chars = true,
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    if !(columns.lines || columns.words || columns.chars || columns.bytes || columns.max_line_length) {
        columns = Columns::DEFAULT;
    }
    let named = !files.is_empty();
    let files = operands_or_stdin(files);
    let kinds: Vec<InputKind> = files
        .iter()
        .map(|file| match fs::metadata(file) {
            Ok(meta) if file != "-" && meta.is_file() => InputKind::Regular { size: meta.len() },
            _ => InputKind::Other,
        })
        .collect();
    let width = number_width(&kinds, &columns);
    let mut total = Counts::default();
    for file in &files {
        let mut counter = Counter::new();
        if tool.stream_operand(file, |_, chunk| {
            counter.feed(chunk);
            Ok(())
        })? {
            let counts = counter.counts();
            total.add(&counts);
            tool.out.write(&format_row(&counts, &columns, width, named.then_some(file.as_bytes())))?;
        }
    }
    if files.len() > 1 {
        tool.out.write(&format_row(&total, &columns, width, Some(b"total")))?;
    }
    Ok(())
}
