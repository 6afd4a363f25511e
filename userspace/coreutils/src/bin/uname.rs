//! `uname [-asnrvm]`: prints system information: the kernel name (`-s`,
//! the default), the node name (`-n`), the release (`-r`), the version
//! (`-v`) and the machine (`-m`); `-a` prints them all. Cairn has no host
//! name setting yet, so the node name is `cairn`.
#![no_std]
#![no_main]

use cairn_rt::Vec;
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The fields in the order `uname -a` prints them: option letter, value.
const FIELDS: [(char, &str); 5] = [('s', "Cairn"), ('n', "cairn"), ('r', "0.1.0"), ('v', "#1"), ('m', "x86_64")];

fn main() -> i32 {
    tool::run("uname", uname)
}

fn uname(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut wanted = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('a') => wanted.extend(FIELDS.iter().map(|&(letter, _)| letter)),
            Arg::Short(letter) if FIELDS.iter().any(|&(field, _)| field == letter) => wanted.push(letter),
            other => return Err(other.unexpected().into()),
        }
    }
    if wanted.is_empty() {
        wanted.push('s');
    }
    let values: Vec<&str> =
        FIELDS.iter().filter(|(letter, _)| wanted.contains(letter)).map(|&(_, value)| value).collect();
    writeln!(tool.out, "{}", values.join(" "))
}
