//! `cut -b LIST | -c LIST | -f LIST [-d DELIM] [-s] [--complement]
//! [--output-delimiter=STRING] [FILE...]`: prints the selected bytes,
//! characters or delimiter-separated fields (tab by default) of each line;
//! a LIST is `N`, `N-`, `-M`, `N-M`, separated by commas. `-s` drops lines
//! without the delimiter.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec};
use cairn_text::cut::{CutMode, CutOptions, PositionList, cut};
use coreutils::args::{Arg, ArgParser, operands_or_stdin};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Which list was given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Selection {
    Bytes,
    Characters,
    Fields,
}

fn main() -> i32 {
    tool::run("cut", cut_files)
}

fn cut_files(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut selection: Option<(Selection, String)> = None;
    let (mut delimiter, mut only_delimited, mut complement) = (None, false, false);
    let mut output_delimiter = None;
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        let selected = match &arg {
            Arg::Short('b') => Some(Selection::Bytes),
            Arg::Short('c') => Some(Selection::Characters),
            Arg::Short('f') => Some(Selection::Fields),
            _ => None,
        };
        if let Some(selected) = selected {
            if selection.is_some() {
                return Err(Failure::usage("only one type of list may be specified"));
            }
            selection = Some((selected, args.value()?));
            continue;
        }
        match arg {
            Arg::Short('d') => {
                let value = args.value()?;
                match value.as_bytes() {
                    [byte] => delimiter = Some(*byte),
                    _ => return Err(Failure::usage("the delimiter must be a single character")),
                }
            }
            Arg::Short('s') => only_delimited = true,
            Arg::Short('n') => {}
            Arg::Long(name) if name == "complement" => complement = true,
            Arg::Long(name) if name == "output-delimiter" => output_delimiter = Some(args.value()?.into_bytes()),
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let Some((selected, list)) = selection else {
        return Err(Failure::usage("you must specify a list of bytes, characters, or fields"));
    };
    let list = PositionList::parse(list.as_bytes()).map_err(Failure::usage)?;
    let mode = match selected {
        Selection::Bytes => CutMode::Bytes,
        Selection::Characters => CutMode::Characters,
        Selection::Fields => CutMode::Fields { delimiter: delimiter.unwrap_or(b'\t'), only_delimited },
    };
    if selected != Selection::Fields && (delimiter.is_some() || only_delimited) {
        return Err(Failure::usage("an input delimiter may be specified only when operating on fields"));
    }
    let options = CutOptions { mode, list, complement, output_delimiter };
    for file in operands_or_stdin(files) {
        if let Some(input) = tool.read_operand(&file) {
            tool.out.write(&cut(&input, &options))?;
        }
    }
    Ok(())
}
