//! `head [-n [-]N | -c [-]N] [-q|-v] [FILE...]`: prints the first 10 lines
//! (or N lines, or N bytes with `-c`) of each file; with a leading `-`,
//! all but the last N. Counts take GNU's suffixes (`1K`, `2MB`, ...); the
//! old form `head -5` means `-n 5`. Several files are each headed by
//! `==> NAME <==` (always with `-v`, never with `-q`). The first N are
//! read only as far as needed, so `yes | head` ends.
#![no_std]
#![no_main]

use cairn_rt::{Vec, env};
use cairn_text::headtail::{HeadCount, Unit, head, parse_head_count};
use coreutils::args::{Arg, ArgParser, count_option, legacy_count, operands_or_stdin};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("head", print_heads)
}

fn print_heads(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::new(legacy_count(env::args().skip(1).collect(), false));
    let (mut unit, mut count) = (Unit::Lines, HeadCount::First(10));
    let mut headers = None;
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        if let Some(counted) = count_option(&arg) {
            unit = counted;
            count = parse_head_count(args.value()?.as_bytes(), unit).map_err(Failure::usage)?;
            continue;
        }
        match arg {
            Arg::Short('q') => headers = Some(false),
            Arg::Short('v') => headers = Some(true),
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let files = operands_or_stdin(files);
    let headers = headers.unwrap_or(files.len() > 1);
    for (index, file) in files.iter().enumerate() {
        if headers {
            tool.out.write_file_header(file, index == 0)?;
        }
        match count {
            HeadCount::First(wanted) => print_first(tool, file, unit, wanted)?,
            HeadCount::AllButLast(_) => {
                if let Some(data) = tool.read_operand(file) {
                    tool.out.write(head(&data, unit, count))?;
                }
            }
        }
    }
    Ok(())
}

/// Prints the first `wanted` lines or bytes of `file`, reading no further.
fn print_first(tool: &mut Tool, file: &str, unit: Unit, mut wanted: u64) -> Result<(), Failure> {
    if wanted == 0 {
        return Ok(());
    }
    tool.stream_operand_while(file, |out, chunk| {
        let part = head(chunk, unit, HeadCount::First(wanted));
        out.write(part)?;
        let taken = match unit {
            Unit::Bytes => part.len(),
            Unit::Lines => part.iter().filter(|&&byte| byte == b'\n').count(),
        };
        wanted = wanted.saturating_sub(taken as u64);
        Ok(wanted > 0)
    })?;
    Ok(())
}
