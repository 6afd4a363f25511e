//! A running utility: its name, its buffered standard output, and the exit
//! status its problems add up to. Problems are reported as GNU does, on
//! standard error as `tool: subject: reason` (the reason being the error's
//! text, e.g. `No such file or directory`); a problem with one operand
//! makes the exit status 1 and the tool goes on with the next, a
//! [`Failure`] ends it: 2 for a bad command line, 1 otherwise.
//!
//! Depends on `cairn-rt`, [`crate::output`], [`crate::input`] and
//! [`crate::args`].

use core::fmt;

use cairn_rt::io::Read;
use cairn_rt::{Error, String, ToString, Vec, eprintln};

use crate::args::UsageError;
use crate::input::{CHUNK, Input};
use crate::output::Output;

/// The exit status of a bad command line.
pub const USAGE_STATUS: i32 = 2;

/// Why a tool stops before its work is done.
#[derive(Debug)]
pub enum Failure {
    /// The command line cannot be used (exit status 2).
    Usage(String),
    /// An operation on `subject` (a path, usually) failed (exit status 1).
    Path { subject: String, error: Error },
    /// Writing the output failed (exit status 1).
    Write(Error),
    /// The problem was reported already; exit with this status.
    Exit(i32),
}

impl Failure {
    /// A bad command line, described by `reason`.
    pub fn usage(reason: impl fmt::Display) -> Failure {
        Failure::Usage(reason.to_string())
    }

    /// `error` while working on `subject`.
    pub fn path(subject: &str, error: Error) -> Failure {
        Failure::Path { subject: String::from(subject), error }
    }
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Failure {
        Failure::usage(error)
    }
}

/// Shows a runtime error as its text alone (`No such file or directory`,
/// without the runtime's `(os error 2)`).
#[derive(Clone, Copy, Debug)]
pub struct Reason<'a>(pub &'a Error);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Os(error) => write!(f, "{error}"),
            other => write!(f, "{other}"),
        }
    }
}

/// A running utility.
#[derive(Debug)]
pub struct Tool {
    pub name: &'static str,
    /// Standard output.
    pub out: Output,
    status: i32,
}

impl Tool {
    /// Reports `reason` about `subject` (`tool: subject: reason`) and makes
    /// the exit status at least 1.
    pub fn report(&mut self, subject: &str, reason: impl fmt::Display) {
        self.report_with_status(subject, reason, 1);
    }

    /// As [`Tool::report`], making the exit status at least `status`.
    pub fn report_with_status(&mut self, subject: &str, reason: impl fmt::Display, status: i32) {
        self.flush_before_message();
        eprintln!("{}: {subject}: {reason}", self.name);
        self.status = self.status.max(status);
    }

    /// Reports runtime error `error` about `subject`.
    pub fn report_error(&mut self, subject: &str, error: &Error) {
        self.report(subject, Reason(error));
    }

    /// Prints `tool: message` without changing the exit status (warnings).
    pub fn warn(&mut self, message: impl fmt::Display) {
        self.flush_before_message();
        eprintln!("{}: {message}", self.name);
    }

    /// The exit status so far.
    pub fn status(&self) -> i32 {
        self.status
    }

    /// Raises the exit status to at least `status`.
    pub fn raise_status(&mut self, status: i32) {
        self.status = self.status.max(status);
    }

    /// Output written so far goes out before a message, so that the two
    /// appear in order on a shared terminal. A failure here is found again
    /// by the final flush.
    fn flush_before_message(&mut self) {
        let _ = self.out.flush();
    }

    /// Opens `operand` (`-` is standard input), or reports why not.
    pub fn open(&mut self, operand: &str) -> Option<Input> {
        Input::open(operand).map_err(|error| self.report_error(operand, &error)).ok()
    }

    /// The whole contents of `operand`, or `None` after reporting why not.
    pub fn read_operand(&mut self, operand: &str) -> Option<Vec<u8>> {
        let mut input = self.open(operand)?;
        let mut bytes = Vec::new();
        match input.read_to_end(&mut bytes) {
            Ok(_) => Some(bytes),
            Err(error) => {
                self.report_error(operand, &error);
                None
            }
        }
    }

    /// The contents of every operand as one stream (a line never runs on
    /// from one file into the next); an operand that cannot be read is
    /// reported and makes the exit status at least `failure_status`.
    pub fn read_operands(&mut self, operands: &[String], failure_status: i32) -> Vec<u8> {
        let mut stream = Vec::new();
        for (index, operand) in operands.iter().enumerate() {
            match self.read_operand(operand) {
                Some(data) => stream.extend_from_slice(&data),
                None => self.raise_status(failure_status),
            }
            if index + 1 < operands.len() && !stream.is_empty() && !stream.ends_with(b"\n") {
                stream.push(b'\n');
            }
        }
        stream
    }

    /// Hands `operand` chunk by chunk to `consume` along with the output.
    /// A problem with the input is reported (and `Ok(false)` returned); a
    /// failure of `consume` ends the tool.
    pub fn stream_operand(
        &mut self,
        operand: &str,
        mut consume: impl FnMut(&mut Output, &[u8]) -> Result<(), Failure>,
    ) -> Result<bool, Failure> {
        self.stream_operand_while(operand, |out, chunk| consume(out, chunk).map(|()| true))
    }

    /// As [`Tool::stream_operand`], stopping early (with `Ok(true)`) once
    /// `consume` answers that it wants no more.
    pub fn stream_operand_while(
        &mut self,
        operand: &str,
        mut consume: impl FnMut(&mut Output, &[u8]) -> Result<bool, Failure>,
    ) -> Result<bool, Failure> {
        let Some(mut input) = self.open(operand) else {
            return Ok(false);
        };
        let mut chunk = cairn_rt::vec![0u8; CHUNK];
        loop {
            match input.read(&mut chunk) {
                Ok(0) => return Ok(true),
                Ok(read) => {
                    if !consume(&mut self.out, &chunk[..read])? {
                        return Ok(true);
                    }
                }
                Err(error) => {
                    self.report_error(operand, &error);
                    return Ok(false);
                }
            }
        }
    }
}

/// Runs utility `name`: calls `body`, writes out the buffered output,
/// reports a [`Failure`], and returns the exit status.
pub fn run(name: &'static str, body: fn(&mut Tool) -> Result<(), Failure>) -> i32 {
    let mut tool = Tool { name, out: Output::stdout(), status: 0 };
    let result = body(&mut tool).and_then(|()| tool.out.flush());
    match result {
        Ok(()) => tool.status,
        Err(Failure::Usage(message)) => {
            let _ = tool.out.flush();
            eprintln!("{name}: {message}");
            USAGE_STATUS
        }
        Err(Failure::Path { subject, error }) => {
            let _ = tool.out.flush();
            eprintln!("{name}: {subject}: {}", Reason(&error));
            tool.status.max(1)
        }
        Err(Failure::Write(error)) => {
            eprintln!("{name}: write error: {}", Reason(&error));
            1
        }
        Err(Failure::Exit(status)) => {
            let _ = tool.out.flush();
            status
        }
    }
}
