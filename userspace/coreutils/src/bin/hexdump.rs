//! `hexdump [-C] [FILE...]`: shows the files (standard input for none) as
//! one stream in the canonical hex+ASCII format: 16 bytes a line, the
//! offset, the bytes in hex and as printable characters, `*` for repeated
//! lines. Only the canonical format is implemented, so it is also what
//! `hexdump` without `-C` prints (util-linux would show 16-bit words).
#![no_std]
#![no_main]

use cairn_rt::Vec;
use cairn_text::hexdump::HexDump;
use coreutils::args::{Arg, ArgParser, operands_or_stdin};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("hexdump", hexdump)
}

fn hexdump(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('C') => {}
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let mut dump = HexDump::new();
    let mut lines = Vec::new();
    for file in operands_or_stdin(files) {
        tool.stream_operand(&file, |out, chunk| {
            lines.clear();
            dump.feed(chunk, &mut lines);
            out.write(&lines)
        })?;
    }
    lines.clear();
    dump.finish(&mut lines);
    tool.out.write(&lines)
}
