//! `more [FILE...]`: shows the files (standard input for none) a screen at
//! a time. When standard output and standard error are a terminal, it
//! stops after each screenful with `--More--` and reads a line from the
//! terminal (on standard error, as BSD `more` does): Enter shows the next
//! screen, `q` quits. The terminal stays in line mode, so each answer
//! needs Enter. Otherwise (output to a pipe or file, or no terminal) it
//! copies the files, like `cat`. Several files are each headed by their
//! name between `::::::::::::::` lines.
#![no_std]
#![no_main]

use cairn_rt::io::read_fd;
use cairn_rt::{Vec, tty};
use coreutils::args::{Arg, ArgParser, operands_or_stdin};
use coreutils::output::Output;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The terminal fd answers are read from.
const TERMINAL: usize = 2;

/// Paging state: lines left on this screen.
struct Pager {
    screen_lines: usize,
    left: usize,
    quit: bool,
}

impl Pager {
    /// Writes `chunk`, stopping for an answer whenever the screen is full.
    fn write(&mut self, out: &mut Output, chunk: &[u8]) -> Result<(), Failure> {
        for line in chunk.split_inclusive(|&byte| byte == b'\n') {
            if self.quit {
                return Ok(());
            }
            if self.left == 0 {
                self.prompt(out)?;
                if self.quit {
                    return Ok(());
                }
            }
            out.write(line)?;
            if line.ends_with(b"\n") {
                self.left -= 1;
            }
        }
        Ok(())
    }

    /// Shows `--More--` and waits for a line from the terminal.
    fn prompt(&mut self, out: &mut Output) -> Result<(), Failure> {
        out.write(b"--More--")?;
        out.flush()?;
        let mut answer = [0u8; 64];
        let read = read_fd(TERMINAL, &mut answer).unwrap_or(0);
        self.quit = read == 0 || answer[..read].first() == Some(&b'q');
        self.left = self.screen_lines;
        Ok(())
    }
}

fn main() -> i32 {
    tool::run("more", more)
}

fn more(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    let rows = if tty::is_terminal(1) && tty::is_terminal(TERMINAL) {
        tty::window_size(1).ok().map(|(rows, _)| usize::from(rows).max(2))
    } else {
        None
    };
    let mut pager = rows.map(|rows| Pager { screen_lines: rows - 1, left: rows - 1, quit: false });
    let several = files.len() > 1;
    for file in operands_or_stdin(files) {
        if several {
            let header = cairn_rt::format!("::::::::::::::\n{file}\n::::::::::::::\n");
            match &mut pager {
                Some(pager) => pager.write(&mut tool.out, header.as_bytes())?,
                None => tool.out.write(header.as_bytes())?,
            }
        }
        tool.stream_operand(&file, |out, chunk| match &mut pager {
            Some(pager) => pager.write(out, chunk),
            None => out.write(chunk),
        })?;
        if pager.as_ref().is_some_and(|pager| pager.quit) {
            break;
        }
    }
    Ok(())
}
