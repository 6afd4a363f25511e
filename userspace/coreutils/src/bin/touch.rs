//! `touch [-acm] [-d @SECONDS | -r FILE] FILE...`: sets the access and
//! modification times of the files to now (or to the given moment, or to
//! FILE's times), creating missing files (mode 0644) unless `-c`; `-a` or
//! `-m` changes only that time. Of GNU's date formats only `@SECONDS` is
//! understood.
#![no_std]
#![no_main]

use cairn_rt::fs::{self, FileTime, OpenOptions};
use cairn_rt::{Vec, abi};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::clock::parse_epoch;
use coreutils::files::NEW_FILE_MODE;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("touch", touch)
}

fn touch(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut create, mut access, mut modification) = (true, false, false);
    let (mut accessed, mut modified) = (FileTime::Now, FileTime::Now);
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('c') => create = false,
            Arg::Long(name) if name == "no-create" => create = false,
            Arg::Short('a') => access = true,
            Arg::Short('m') => modification = true,
            Arg::Short('d') => {
                let value = args.value()?;
                let seconds = parse_epoch(&value)
                    .and_then(|seconds| u64::try_from(seconds).ok())
                    .ok_or(UsageError::InvalidValue { what: "date format", value })?;
                (accessed, modified) = (FileTime::At(seconds, 0), FileTime::At(seconds, 0));
            }
            Arg::Short('r') => {
                let reference = args.value()?;
                let stat = *fs::metadata(&reference).map_err(|error| Failure::path(&reference, error))?.stat();
                accessed = FileTime::At(stat.st_atime, stat.st_atime_nsec);
                modified = FileTime::At(stat.st_mtime, stat.st_mtime_nsec);
            }
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    if files.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    // `-a` alone leaves the modification time, `-m` alone the access time.
    if access && !modification {
        modified = FileTime::Unchanged;
    } else if modification && !access {
        accessed = FileTime::Unchanged;
    }
    for file in &files {
        let result = match fs::set_times(file, accessed, modified) {
            Err(error) if error.errno() == Some(abi::error::ENOENT) && !create => Ok(()),
            Err(error) if error.errno() == Some(abi::error::ENOENT) => OpenOptions::new()
                .write(true)
                .create(true)
                .mode(NEW_FILE_MODE)
                .open(file)
                .and_then(|created| created.set_times(accessed, modified)),
            other => other,
        };
        if let Err(error) = result {
            tool.report_error(file, &error);
        }
    }
    Ok(())
}
