//! `sort [-bdfhinrsu] [-k POS1[,POS2]]... [-t SEP] [-c] [-o FILE]
//! [FILE...]`: prints the lines of all the files sorted — bytewise, or
//! numerically (`-n`, `-h` with SI suffixes), in reverse (`-r`), ignoring
//! case (`-f`), blanks (`-b`), punctuation (`-d`) or unprintable bytes
//! (`-i`), by keys (`-k`, fields split at `-t SEP` or at blanks); `-u`
//! keeps the first of equal lines, `-s` keeps equal lines in input order.
//! `-c` only checks the order; `-o` writes to FILE (which may be an input).
//! Exit status 2 on trouble, 1 when `-c` finds disorder.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, fs};
use cairn_text::lines::split_lines;
use cairn_text::sort::{SortOptions, first_disorder, parse_key, sort};
use coreutils::args::{Arg, ArgParser, UsageError, operands_or_stdin};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The exit status for trouble.
const TROUBLE: i32 = 2;

fn main() -> i32 {
    tool::run("sort", sort_files)
}

fn sort_files(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = SortOptions::default();
    let (mut check, mut output): (bool, Option<String>) = (false, None);
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        let global = &mut options.global;
        match arg {
            Arg::Short('n') => global.numeric = true,
            Arg::Short('h') => global.human_numeric = true,
            Arg::Short('r') => global.reverse = true,
            Arg::Short('f') => global.fold_case = true,
            Arg::Short('d') => global.dictionary_order = true,
            Arg::Short('i') => global.ignore_nonprinting = true,
            Arg::Short('b') => (global.skip_start_blanks, global.skip_end_blanks) = (true, true),
            Arg::Short('u') => options.unique = true,
            Arg::Short('s') => options.stable = true,
            Arg::Short('c') => check = true,
            Arg::Short('o') => output = Some(args.value()?),
            Arg::Short('k') => options.keys.push(parse_key(args.value()?.as_bytes()).map_err(Failure::usage)?),
            Arg::Short('t') => {
                let value = args.value()?;
                match value.as_bytes() {
                    [separator] => options.separator = Some(*separator),
                    _ => return Err(UsageError::InvalidValue { what: "field separator", value }.into()),
                }
            }
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let files = operands_or_stdin(files);
    let input = tool.read_operands(&files, TROUBLE);
    if check {
        let lines: Vec<&[u8]> = split_lines(&input).collect();
        if let Some(index) = first_disorder(&lines, &options) {
            tool.warn(cairn_rt::format!(
                "{}:{}: disorder: {}",
                files[0],
                index + 1,
                String::from_utf8_lossy(lines[index])
            ));
            return Err(Failure::Exit(tool.status().max(1)));
        }
        return Ok(());
    }
    let sorted = sort(&input, &options);
    match output {
        Some(path) => fs::write(&path, &sorted).map_err(|error| Failure::path(&path, error)),
        None => tool.out.write(&sorted),
    }
}
