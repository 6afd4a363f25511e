//! `printf FORMAT [ARGUMENT...]`: prints the arguments as the format says
//! (`%s %b %c %d %i %u %o %x %X %e %f %g %%` with flags, width and
//! precision; backslash escapes), reusing the format while arguments
//! remain. An argument that is not a number where one is expected is
//! reported and makes the exit status 1; a bad format stops the output.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, env};
use cairn_text::printf::printf;
use coreutils::args::UsageError;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("printf", print_formatted)
}

fn print_formatted(tool: &mut Tool) -> Result<(), Failure> {
    let mut args: Vec<String> = env::args().skip(1).collect();
    if args.first().is_some_and(|first| first == "--") {
        args.remove(0);
    }
    let Some((format, arguments)) = args.split_first() else {
        return Err(UsageError::MissingOperand.into());
    };
    let arguments: Vec<&[u8]> = arguments.iter().map(String::as_bytes).collect();
    let printed = printf(format.as_bytes(), &arguments);
    tool.out.write(&printed.output)?;
    for warning in &printed.warnings {
        tool.warn(warning);
    }
    if let Some(error) = &printed.error {
        tool.warn(error);
    }
    if !printed.succeeded() {
        tool.raise_status(1);
    }
    Ok(())
}
