//! `tail [-n [+]N | -c [+]N] [-f [-s SECONDS]] [-q|-v] [FILE...]`: prints
//! the last 10 lines (or N lines, or N bytes with `-c`) of each file; with
//! a leading `+`, everything from the N-th on. The old forms `tail -5` and
//! `tail +5` work too. Several files are each headed by `==> NAME <==`.
//! `-f` then keeps watching the files, checking every 200 ms (`-s`) for
//! new data and printing it (and saying so when a file was truncated)
//! until interrupted; standard input is not followed.
#![no_std]
#![no_main]

use cairn_rt::fs::{File, SeekFrom};
use cairn_rt::io::Read;
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, env, thread};
use cairn_text::headtail::{TailCount, Unit, parse_tail_count, tail};
use coreutils::args::{Arg, ArgParser, UsageError, count_option, legacy_count, operands_or_stdin};
use coreutils::clock::parse_duration;
use coreutils::input::CHUNK;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// How often `-f` looks for new data unless `-s` says otherwise.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A file `-f` follows.
struct Followed {
    name: String,
    file: File,
    /// Bytes read so far.
    position: u64,
}

fn main() -> i32 {
    tool::run("tail", print_tails)
}

fn print_tails(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::new(legacy_count(env::args().skip(1).collect(), true));
    let (mut unit, mut count) = (Unit::Lines, TailCount::Last(10));
    let (mut headers, mut follow, mut interval) = (None, false, POLL_INTERVAL);
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        if let Some(counted) = count_option(&arg) {
            unit = counted;
            count = parse_tail_count(args.value()?.as_bytes(), unit).map_err(Failure::usage)?;
            continue;
        }
        match arg {
            Arg::Short('f') => follow = true,
            Arg::Long(name) if name == "follow" => follow = true,
            Arg::Short('s') => {
                let value = args.value()?;
                interval =
                    parse_duration(&value).ok_or(UsageError::InvalidValue { what: "number of seconds", value })?;
            }
            Arg::Short('q') => headers = Some(false),
            Arg::Short('v') => headers = Some(true),
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let files = operands_or_stdin(files);
    let headers = headers.unwrap_or(files.len() > 1);
    let mut followed = Vec::new();
    for (index, name) in files.iter().enumerate() {
        if headers {
            tool.out.write_file_header(name, index == 0)?;
        }
        if !follow || name == "-" {
            if let Some(data) = tool.read_operand(name) {
                tool.out.write(tail(&data, unit, count))?;
            }
            continue;
        }
        let mut file = match File::open(name) {
            Ok(file) => file,
            Err(error) => {
                tool.report_error(name, &error);
                continue;
            }
        };
        let mut data = Vec::new();
        match file.read_to_end(&mut data) {
            Ok(_) => {
                tool.out.write(tail(&data, unit, count))?;
                followed.push(Followed { name: name.clone(), file, position: data.len() as u64 });
            }
            Err(error) => tool.report_error(name, &error),
        }
    }
    if follow && !followed.is_empty() {
        follow_files(tool, &mut followed, headers, interval)?;
    }
    Ok(())
}

/// Prints what is appended to the files, for ever.
fn follow_files(tool: &mut Tool, files: &mut [Followed], headers: bool, interval: Duration) -> Result<(), Failure> {
    let mut last_shown = files.len() - 1;
    let mut chunk = cairn_rt::vec![0u8; CHUNK];
    loop {
        tool.out.flush()?;
        thread::sleep(interval);
        for (index, followed) in files.iter_mut().enumerate() {
            let size = followed.file.metadata().map(|meta| meta.len()).unwrap_or(followed.position);
            if size < followed.position {
                tool.warn(cairn_rt::format!("{}: file truncated", followed.name));
                followed.position = followed.file.seek(SeekFrom::Start(0)).unwrap_or(0);
            }
            loop {
                let read = match followed.file.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(read) => read,
                    Err(error) => {
                        tool.report_error(&followed.name, &error);
                        break;
                    }
                };
                if headers && last_shown != index {
                    tool.out.write_file_header(&followed.name, false)?;
                    last_shown = index;
                }
                tool.out.write(&chunk[..read])?;
                followed.position += read as u64;
            }
        }
    }
}
