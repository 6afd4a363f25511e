//! `tr [-cdst] SET1 [SET2]`: copies standard input to standard output,
//! translating the bytes of SET1 into those of SET2, deleting them (`-d`)
//! or squeezing repeats (`-s`); `-c` takes the complement of SET1, `-t`
//! cuts SET1 to SET2's length. Sets have ranges (`a-z`), classes
//! (`[:upper:]`), repeats (`[x*4]`) and escapes (`\n`, `\012`).
#![no_std]
#![no_main]

use cairn_rt::Vec;
use cairn_text::tr::{TrOptions, Translator};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("tr", translate)
}

fn translate(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = TrOptions::default();
    let mut sets = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('c' | 'C') => options.complement = true,
            Arg::Short('d') => options.delete = true,
            Arg::Short('s') => options.squeeze = true,
            Arg::Short('t') => options.truncate_set1 = true,
            Arg::Operand(set) if sets.len() < 2 => sets.push(set),
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(set1) = sets.first() else {
        return Err(UsageError::MissingOperand.into());
    };
    let mut translator =
        Translator::new(set1.as_bytes(), sets.get(1).map(|set| set.as_bytes()), options).map_err(Failure::usage)?;
    let mut translated = Vec::new();
    tool.stream_operand("-", |out, chunk| {
        translated.clear();
        translator.process(chunk, &mut translated);
        out.write(&translated)
    })?;
    Ok(())
}
