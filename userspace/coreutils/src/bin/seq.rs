//! `seq [-w] [-s SEPARATOR] [-f FORMAT] [FIRST [INCREMENT]] LAST`: prints
//! the numbers from FIRST (1) to LAST in steps of INCREMENT (1), exactly
//! (decimals included: `seq 0 0.1 1`), one a line or separated by `-s`;
//! `-w` pads them to equal width, `-f` formats each with a `printf`
//! floating-point directive. Negative numbers are operands, not options.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec};
use cairn_text::seq::{SeqOptions, Sequence};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("seq", seq)
}

fn seq(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().negative_numbers_are_operands();
    let mut options = SeqOptions::default();
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('w') => options.equal_width = true,
            Arg::Short('s') => options.separator = args.value()?.into_bytes(),
            Arg::Short('f') => options.format = Some(args.value()?.into_bytes()),
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let operands: Vec<&[u8]> = operands.iter().map(String::as_bytes).collect();
    for piece in Sequence::new(&operands, options).map_err(Failure::usage)? {
        tool.out.write(&piece)?;
    }
    Ok(())
}
