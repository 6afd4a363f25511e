//! `find [PATH...] [EXPRESSION]`: walks each path (the working directory
//! by default) and its subdirectories in name order, without following
//! symbolic links, and prints the paths the expression accepts. The
//! expression is a sequence of tests, all of which must pass: `-name
//! PATTERN` and `-iname PATTERN` (shell wildcards on the last component),
//! `-type f|d|l`, each negated by a preceding `!` or `-not`, and the
//! action `-print`; without an action the paths that pass are printed.
//! `-maxdepth N` and `-mindepth N` limit the depth (the paths given are
//! depth 0).
#![no_std]
#![no_main]

use cairn_rt::fs::{self, EntryKind};
use cairn_rt::{String, Vec, env, format};
use cairn_text::glob::glob_match;
use coreutils::files::{base_name, join, sorted_entries};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// One test or action of the expression.
enum Primary {
    /// `-name`/`-iname`: the pattern, and whether case is ignored.
    Name(String, bool),
    Type(EntryKind),
    Print,
}

/// A parsed command line.
struct Expression {
    primaries: Vec<(Primary, bool)>,
    has_action: bool,
    min_depth: usize,
    max_depth: usize,
}

fn main() -> i32 {
    tool::run("find", find)
}

fn find(tool: &mut Tool) -> Result<(), Failure> {
    let args: Vec<String> = env::args().skip(1).collect();
    let path_count = args.iter().take_while(|arg| !arg.starts_with('-') && *arg != "!").count();
    let (paths, expression) = args.split_at(path_count);
    let expression = parse(expression)?;
    let default_path = [String::from(".")];
    let paths = if paths.is_empty() { &default_path[..] } else { paths };
    for path in paths {
        match fs::symlink_metadata(path) {
            Ok(meta) => {
                let kind = if meta.is_dir() {
                    EntryKind::Dir
                } else if meta.is_symlink() {
                    EntryKind::Symlink
                } else {
                    EntryKind::File
                };
                visit(tool, &expression, path, kind, 0)?;
            }
            Err(error) => tool.report_error(path, &error),
        }
    }
    Ok(())
}

/// Parses the expression after the paths.
fn parse(args: &[String]) -> Result<Expression, Failure> {
    let mut expression = Expression { primaries: Vec::new(), has_action: false, min_depth: 0, max_depth: usize::MAX };
    let mut negated = false;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let mut value = || words.next().ok_or_else(|| Failure::usage(format!("missing argument to '{word}'")));
        let primary = match word.as_str() {
            "!" | "-not" => {
                negated = !negated;
                continue;
            }
            "-a" | "-and" => continue,
            "-name" => Primary::Name(value()?.clone(), false),
            "-iname" => Primary::Name(value()?.to_ascii_lowercase(), true),
            "-type" => match value()?.as_str() {
                "f" => Primary::Type(EntryKind::File),
                "d" => Primary::Type(EntryKind::Dir),
                "l" => Primary::Type(EntryKind::Symlink),
                other => return Err(Failure::usage(format!("unknown argument to -type: {other}"))),
            },
            "-print" => {
                expression.has_action = true;
                Primary::Print
            }
            "-maxdepth" | "-mindepth" => {
                let text = value()?;
                let depth = text.parse().map_err(|_| Failure::usage(format!("invalid depth '{text}' for {word}")))?;
                if word == "-maxdepth" {
                    expression.max_depth = depth;
                } else {
                    expression.min_depth = depth;
                }
                continue;
            }
            other => return Err(Failure::usage(format!("unknown predicate '{other}'"))),
        };
        expression.primaries.push((primary, negated));
        negated = false;
    }
    Ok(expression)
}

/// Applies the expression to `path` (of `kind`, at `depth`), then walks
/// into it if it is a directory.
fn visit(tool: &mut Tool, expression: &Expression, path: &str, kind: EntryKind, depth: usize) -> Result<(), Failure> {
    if depth >= expression.min_depth && evaluate(tool, expression, path, kind)? && !expression.has_action {
        writeln!(tool.out, "{path}")?;
    }
    if kind != EntryKind::Dir || depth >= expression.max_depth {
        return Ok(());
    }
    match sorted_entries(path) {
        Ok(entries) => {
            for (name, kind) in entries {
                visit(tool, expression, &join(path, &name), kind, depth + 1)?;
            }
        }
        Err(error) => tool.report_error(path, &error),
    }
    Ok(())
}

/// Runs the primaries on `path` until one fails; returns whether all
/// passed.
fn evaluate(tool: &mut Tool, expression: &Expression, path: &str, kind: EntryKind) -> Result<bool, Failure> {
    for (primary, negated) in &expression.primaries {
        let passed = match primary {
            Primary::Name(pattern, false) => glob_match(pattern.as_bytes(), base_name(path).as_bytes()),
            Primary::Name(pattern, true) => {
                glob_match(pattern.as_bytes(), base_name(path).to_ascii_lowercase().as_bytes())
            }
            Primary::Type(wanted) => *wanted == kind,
            Primary::Print => {
                writeln!(tool.out, "{path}")?;
                true
            }
        };
        if passed == *negated {
            return Ok(false);
        }
    }
    Ok(true)
}
