//! External programs for the simulated system, written in Rust: just enough of `seq`, `grep`, `wc`, `cat`,
//! `head`, `sort`, `printenv`, `ls` and friends to test pipelines and redirections.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::fake_os::{FakeOs, Process};

/// The input of a filter: the files named in `args`, or standard input.
fn input(process: &mut Process<'_>, args: &[String]) -> Result<String, i32> {
    if args.is_empty() {
        return Ok(process.stdin());
    }
    let mut text = String::new();
    for path in args {
        match process.read_file(path) {
            Some(contents) => text.push_str(&contents),
            None => {
                process.eprint(&format!("{}: {path}: No such file or directory\n", process.argv[0]));
                return Err(1);
            }
        }
    }
    Ok(text)
}

fn emit_lines(process: &mut Process<'_>, lines: &[&str]) -> i32 {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    if process.print(&text) { 0 } else { 1 }
}

/// `seq [first] last`.
fn seq(process: &mut Process<'_>) -> i32 {
    let numbers: Vec<i64> = process.argv[1..].iter().filter_map(|arg| arg.parse().ok()).collect();
    let (first, last) = match numbers.as_slice() {
        [last] => (1, *last),
        [first, last] => (*first, *last),
        _ => return 1,
    };
    let text: String = (first..=last).map(|n| format!("{n}\n")).collect();
    if process.print(&text) { 0 } else { 1 }
}

/// `grep [-v] [-c] text [file...]` (plain substring match).
fn grep(process: &mut Process<'_>) -> i32 {
    let mut args: Vec<String> = process.argv[1..].to_vec();
    let invert = args.first().is_some_and(|arg| arg == "-v");
    if invert {
        args.remove(0);
    }
    let count = args.first().is_some_and(|arg| arg == "-c");
    if count {
        args.remove(0);
    }
    let Some(needle) = args.first().cloned() else { return 2 };
    let text = match input(process, &args[1..]) {
        Ok(text) => text,
        Err(status) => return status,
    };
    let matching: Vec<&str> = text.lines().filter(|line| line.contains(needle.as_str()) != invert).collect();
    let status = if matching.is_empty() { 1 } else { 0 };
    if count {
        process.print(&format!("{}\n", matching.len()));
    } else {
        emit_lines(process, &matching);
    }
    status
}

/// `wc [-l|-w|-c] [file...]`.
fn wc(process: &mut Process<'_>) -> i32 {
    let args: Vec<String> = process.argv[1..].to_vec();
    let (flag, files) = match args.first() {
        Some(flag) if flag.starts_with('-') => (Some(flag.clone()), &args[1..]),
        _ => (None, &args[..]),
    };
    let text = match input(process, files) {
        Ok(text) => text,
        Err(status) => return status,
    };
    let lines = text.matches('\n').count();
    let words = text.split_whitespace().count();
    let bytes = text.len();
    let line = match flag.as_deref() {
        Some("-l") => lines.to_string(),
        Some("-w") => words.to_string(),
        Some("-c") => bytes.to_string(),
        _ => format!("{lines} {words} {bytes}"),
    };
    process.print(&format!("{line}\n"));
    0
}

/// `cat [file...]`.
fn cat(process: &mut Process<'_>) -> i32 {
    let args: Vec<String> = process.argv[1..].to_vec();
    match input(process, &args) {
        Ok(text) => i32::from(!process.print(&text)),
        Err(status) => status,
    }
}

/// `head [-n N] [file...]`.
fn head(process: &mut Process<'_>) -> i32 {
    let mut args: Vec<String> = process.argv[1..].to_vec();
    let mut count = 10;
    if args.first().is_some_and(|arg| arg == "-n") && args.len() > 1 {
        count = args[1].parse().unwrap_or(10);
        args.drain(..2);
    }
    let text = match input(process, &args) {
        Ok(text) => text,
        Err(status) => return status,
    };
    let lines: Vec<&str> = text.lines().take(count).collect();
    emit_lines(process, &lines)
}

/// `sort [-r] [-n]`.
fn sort(process: &mut Process<'_>) -> i32 {
    let args: Vec<String> = process.argv[1..].to_vec();
    let reverse = args.iter().any(|arg| arg == "-r");
    let numeric = args.iter().any(|arg| arg == "-n");
    let files: Vec<String> = args.into_iter().filter(|arg| !arg.starts_with('-')).collect();
    let text = match input(process, &files) {
        Ok(text) => text,
        Err(status) => return status,
    };
    let mut lines: Vec<&str> = text.lines().collect();
    if numeric {
        lines.sort_by_key(|line| line.trim().parse::<i64>().unwrap_or(0));
    } else {
        lines.sort();
    }
    if reverse {
        lines.reverse();
    }
    emit_lines(process, &lines)
}

/// `printenv [name]`.
fn printenv(process: &mut Process<'_>) -> i32 {
    let env = process.env.clone();
    match process.argv.get(1).cloned() {
        Some(name) => {
            let prefix = format!("{name}=");
            match env.iter().find_map(|entry| entry.strip_prefix(&prefix)) {
                Some(value) => {
                    process.print(&format!("{value}\n"));
                    0
                }
                None => 1,
            }
        }
        None => {
            let mut sorted = env;
            sorted.sort();
            let lines: Vec<&str> = sorted.iter().map(String::as_str).collect();
            emit_lines(process, &lines)
        }
    }
}

/// `args words...`: prints each argument in brackets, to show how words were split.
fn args(process: &mut Process<'_>) -> i32 {
    let text: String = process.argv[1..].iter().map(|arg| format!("[{arg}]")).collect();
    process.print(&format!("{text}\n"));
    0
}

/// `ls [dir]`: the names in a directory, one per line.
fn ls(process: &mut Process<'_>) -> i32 {
    let directory = process.argv.get(1).cloned().unwrap_or_else(|| String::from("."));
    match process.list(&directory) {
        Some(names) => {
            let visible: Vec<&str> = names.iter().map(String::as_str).filter(|name| !name.starts_with('.')).collect();
            emit_lines(process, &visible)
        }
        None => {
            process.eprint(&format!("ls: {directory}: No such file or directory\n"));
            2
        }
    }
}

/// `exitwith N`: exits with status N.
fn exitwith(process: &mut Process<'_>) -> i32 {
    process.argv.get(1).and_then(|arg| arg.parse().ok()).unwrap_or(0)
}

/// `warn text`: writes the text to standard error and `out` to standard output.
fn warn(process: &mut Process<'_>) -> i32 {
    let text = process.argv[1..].join(" ");
    process.eprint(&format!("{text}\n"));
    process.print("out\n");
    0
}

/// `sleep N`: keeps running until waited for.
fn sleep(process: &mut Process<'_>) -> i32 {
    process.keep_running();
    0
}

/// `suspend`: stops (as if ^Z were typed) the first time the shell waits for it.
fn suspend(process: &mut Process<'_>) -> i32 {
    process.stop_when_waited();
    0
}

/// `interrupted`: killed by SIGINT (as if ^C were typed) when the shell waits for it.
fn interrupted(process: &mut Process<'_>) -> i32 {
    process.interrupt_when_waited();
    0
}

/// Installs every test program in `/bin`.
pub fn install_all(os: &mut FakeOs) {
    let programs: [(&str, super::fake_os::Program); 15] = [
        ("seq", seq),
        ("grep", grep),
        ("wc", wc),
        ("cat", cat),
        ("head", head),
        ("sort", sort),
        ("printenv", printenv),
        ("args", args),
        ("ls", ls),
        ("exitwith", exitwith),
        ("warn", warn),
        ("sleep", sleep),
        ("suspend", suspend),
        ("interrupted", interrupted),
        ("echo", args),
    ];
    for (name, program) in programs {
        os.install(&format!("/bin/{name}"), program);
    }
}
