//! A shell reading commands from standard input that is not a terminal: line by line (so that commands reading
//! the same input get what follows), each complete command run as soon as it has been read, and a syntax error
//! ending the shell as POSIX asks of a non-interactive shell.

use cairn_rt::String;
use cairn_shell::parser::{Aliases, Parser};
use cairn_shell::{ChunkOutcome, Shell};

use crate::lines;
use crate::os::CairnOs;

/// Runs standard input to its end (or to `exit`); returns the exit status.
pub fn run(shell: &mut Shell<CairnOs>) -> i32 {
    // The lines read but not run yet, after an empty line for every line already run, so that the interpreter
    // counts lines (in its error messages) from the start of the input.
    let mut pending = String::new();
    while let Some(line) = lines::read_line(0) {
        pending.push_str(&line);
        let erroneous = has_syntax_error(&pending);
        match shell.run_chunk(&pending) {
            ChunkOutcome::Incomplete => {}
            ChunkOutcome::Ran(_) if erroneous => return shell.finish(),
            ChunkOutcome::Ran(_) => pending = "\n".repeat(pending.matches('\n').count()),
            ChunkOutcome::Exit(status) => return status,
        }
    }
    if pending.trim_start_matches('\n').is_empty() { shell.finish() } else { shell.run_script(&pending) }
}

/// Whether `source` has a syntax error (more input would not fix). Aliases the script defines are not known here;
/// a command written with one is taken as it reads without it.
fn has_syntax_error(source: &str) -> bool {
    let aliases = Aliases::new();
    let mut parser = Parser::new(source, 0, &aliases);
    loop {
        match parser.next_command() {
            Ok(Some(_)) => {}
            Ok(None) => return false,
            Err(error) => return !error.is_incomplete(),
        }
    }
}
