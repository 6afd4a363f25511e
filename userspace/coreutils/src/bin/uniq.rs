//! `uniq [-c] [-d|-D|-u] [-i] [-f N] [-s N] [-w N] [INPUT [OUTPUT]]`:
//! collapses runs of equal adjacent lines into one; `-c` prefixes each
//! with its count, `-d` prints only repeated lines (`-D` all of their
//! copies), `-u` only unrepeated ones; `-i` ignores case, `-f`/`-s` skip
//! fields/characters and `-w` compares at most N characters.
#![no_std]
#![no_main]

use cairn_rt::{Vec, fs};
use cairn_text::uniq::{UniqOptions, uniq};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("uniq", collapse)
}

fn collapse(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = UniqOptions::default();
    let mut operands = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('c') => options.count = true,
            Arg::Short('d') => options.repeated_only = true,
            Arg::Short('D') => options.all_repeated = true,
            Arg::Short('u') => options.unique_only = true,
            Arg::Short('i') => options.ignore_case = true,
            Arg::Short('f') => options.skip_fields = args.number("number of fields to skip")?,
            Arg::Short('s') => options.skip_chars = args.number("number of bytes to skip")?,
            Arg::Short('w') => options.check_chars = Some(args.number("number of bytes to compare")?),
            Arg::Operand(operand) if operands.len() < 2 => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let input_name = operands.first().map_or("-", |name| name.as_str());
    let Some(input) = tool.read_operand(input_name) else {
        return Ok(());
    };
    let output = uniq(&input, &options);
    match operands.get(1).filter(|name| *name != "-") {
        Some(path) => fs::write(path, &output).map_err(|error| Failure::path(path, error)),
        None => tool.out.write(&output),
    }
}
