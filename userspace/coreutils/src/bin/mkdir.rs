//! `mkdir [-p] [-m MODE] DIRECTORY...`: creates the directories, with
//! permission bits MODE (octal; default 0755) if given; `-p` also creates
//! missing parents (0755) and accepts directories that exist.
#![no_std]
#![no_main]

use cairn_rt::{Vec, fs};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::files::NEW_DIR_MODE;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("mkdir", make_directories)
}

fn make_directories(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut parents, mut mode) = (false, None);
    let mut directories = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('p') => parents = true,
            Arg::Long(name) if name == "parents" => parents = true,
            Arg::Short('m') => {
                let value = args.value()?;
                let parsed = u16::from_str_radix(&value, 8).ok().filter(|mode| *mode <= 0o7777);
                mode = Some(parsed.ok_or(UsageError::InvalidValue { what: "mode", value })?);
            }
            Arg::Operand(directory) => directories.push(directory),
            other => return Err(other.unexpected().into()),
        }
    }
    if directories.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    for directory in &directories {
        let result = if parents { make_with_parents(directory) } else { fs::create_dir(directory, NEW_DIR_MODE) };
        // An explicit mode is set afterwards, as no umask may cut it down.
        let result = result.and_then(|()| mode.map_or(Ok(()), |mode| fs::set_permissions(directory, mode)));
        if let Err(error) = result {
            tool.report_error(directory, &error);
        }
    }
    Ok(())
}

/// Creates `path` and its missing parents; existing directories are fine.
fn make_with_parents(path: &str) -> Result<(), cairn_rt::Error> {
    let ends = path.match_indices('/').map(|(at, _)| at).chain(core::iter::once(path.len()));
    for end in ends {
        let prefix = &path[..end];
        if prefix.is_empty() || fs::metadata(prefix).is_ok_and(|meta| meta.is_dir()) {
            continue;
        }
        match fs::create_dir(prefix, NEW_DIR_MODE) {
            Err(error) if !fs::metadata(prefix).is_ok_and(|meta| meta.is_dir()) => return Err(error),
            _ => {}
        }
    }
    Ok(())
}
