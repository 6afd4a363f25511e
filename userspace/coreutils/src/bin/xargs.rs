//! `xargs [-n MAX] [-I REPLACE] [COMMAND [ARGUMENT...]]`: reads items from
//! standard input — separated by blanks and newlines, with `'...'`,
//! `"..."` and backslash quoting — and runs the command (`echo` by
//! default) with as many of them appended as it takes, or at most MAX per
//! run (`-n`). With `-I`, each input line is one item and the command runs
//! once per line with REPLACE in its arguments replaced by the line. Exit
//! status 123 if a run exited with 1-125, 124 if one exited with 255 (and
//! xargs stops), 125 if one was killed, 126/127 if the command cannot
//! run or is not found.
#![no_std]
#![no_main]

use cairn_rt::io::{Read, stdin};
use cairn_rt::{String, Vec};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::command::{launch_failure, spawn};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// A run exited with 1-125.
const SOME_FAILED: i32 = 123;
/// A run exited with 255: xargs stops.
const STOPPED: i32 = 124;
/// A run was killed by a signal.
const KILLED: i32 = 125;

fn main() -> i32 {
    tool::run("xargs", xargs)
}

fn xargs(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().stop_at_first_operand();
    let (mut max_items, mut replace): (Option<usize>, Option<String>) = (None, None);
    let mut command = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('n') => {
                let value = args.value()?;
                let parsed = value.parse().ok().filter(|&max| max > 0);
                max_items = Some(parsed.ok_or(UsageError::InvalidValue { what: "number of arguments", value })?);
            }
            Arg::Short('I') => replace = Some(args.value()?),
            Arg::Operand(word) => {
                command.push(word);
                command.extend(args.rest());
            }
            other => return Err(other.unexpected().into()),
        }
    }
    if command.is_empty() {
        command.push(String::from("echo"));
    }
    let mut input = Vec::new();
    stdin().read_to_end(&mut input).map_err(|error| Failure::path("standard input", error))?;
    let input = String::from_utf8_lossy(&input);
    let runs: Vec<Vec<String>> = match &replace {
        Some(marker) => input
            .lines()
            .map(str::trim_start)
            .filter(|line| !line.is_empty())
            .map(|line| command.iter().map(|word| word.replace(marker.as_str(), line)).collect())
            .collect(),
        None => {
            let items = split_items(&input).map_err(Failure::usage)?;
            let per_run = max_items.unwrap_or(usize::MAX);
            let mut runs: Vec<Vec<String>> = items
                .chunks(per_run)
                .map(|chunk| command.iter().cloned().chain(chunk.iter().cloned()).collect())
                .collect();
            if runs.is_empty() {
                runs.push(command.clone());
            }
            runs
        }
    };
    for run in &runs {
        match spawn(run).and_then(|mut child| child.wait()) {
            Ok(status) => match (status.code(), status.signal()) {
                (Some(0), _) => {}
                (Some(255), _) => {
                    tool.report(&run[0], "exited with status 255; aborting");
                    return Err(Failure::Exit(STOPPED));
                }
                (Some(_), _) => tool.raise_status(SOME_FAILED),
                (None, _) => {
                    tool.report(&run[0], "terminated by a signal");
                    return Err(Failure::Exit(KILLED));
                }
            },
            Err(error) => return Err(launch_failure(tool, &run[0], &error)),
        }
    }
    Ok(())
}

/// An unmatched quote in the input.
#[derive(Debug)]
struct UnmatchedQuote(char);

impl core::fmt::Display for UnmatchedQuote {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = if self.0 == '"' { "double" } else { "single" };
        write!(f, "unmatched {name} quote")
    }
}

/// Splits the input into items at unquoted blanks and newlines.
fn split_items(input: &str) -> Result<Vec<String>, UnmatchedQuote> {
    let mut items = Vec::new();
    let mut current: Option<String> = None;
    let mut characters = input.chars();
    while let Some(character) = characters.next() {
        match character {
            ' ' | '\t' | '\n' => items.extend(current.take()),
            '\'' | '"' => {
                let text = current.get_or_insert_with(String::new);
                loop {
                    match characters.next() {
                        Some(inner) if inner == character => break,
                        Some(inner) => text.push(inner),
                        None => return Err(UnmatchedQuote(character)),
                    }
                }
            }
            '\\' => current.get_or_insert_with(String::new).extend(characters.next()),
            other => current.get_or_insert_with(String::new).push(other),
        }
    }
    items.extend(current);
    Ok(items)
}
