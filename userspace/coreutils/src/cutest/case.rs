//! One test of the utilities, declared as data: the files it needs
//! ([`Given`]), a command line (a pipeline, see [`crate::words`]), the
//! standard input, and what must come of it ([`Expect`]). Unless a case
//! says otherwise it must exit with status 0 and print nothing on standard
//! error. [`Case::run`] sets the files up, runs the pipeline through
//! [`crate::runner`] and checks every expectation, failing with a
//! one-line reason.
//!
//! Depends on `cairn-rt`, `cairn-text` (regular expressions for
//! [`Expect::StdoutLike`]) and the test program's other modules.

use cairn_rt::fs::{self, FileTime, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, format};
use cairn_text::regex::{self, Extent, Options, Syntax};

use crate::runner::{self, Action, Outcome, Timing};
use crate::words;

/// The result of a test: `Err` holds the reason it failed.
pub type TestResult = Result<(), String>;

/// A file-system fact set up before the command runs.
#[derive(Clone, Copy)]
pub enum Given {
    /// A file with this content, mode 0644.
    File(&'static str, &'static [u8]),
    Dir(&'static str),
    /// A symbolic link: target, link.
    Symlink(&'static str, &'static str),
    /// Access and modification time (seconds since the epoch).
    Mtime(&'static str, u64),
    Mode(&'static str, u16),
    /// Owner and group ids.
    Owner(&'static str, u32, u32),
}

/// Something the run must show.
#[derive(Clone, Copy)]
pub enum Expect {
    Stdout(&'static str),
    StdoutContains(&'static str),
    StdoutLacks(&'static str),
    /// Extended regular expressions, one per line of output: the output
    /// must have that many lines, each wholly matched by its pattern.
    StdoutLike(&'static [&'static str]),
    Stderr(&'static str),
    StderrContains(&'static str),
    /// As [`Expect::StdoutLike`], for standard error.
    StderrLike(&'static [&'static str]),
    Status(i32),
    /// The last stage was killed by this signal.
    Killed(usize),
    File(&'static str, &'static str),
    Missing(&'static str),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Mode(&'static str, u16),
    Mtime(&'static str, u64),
    /// The modification time is at least this many seconds since the epoch.
    MtimeAtLeast(&'static str, u64),
    TookAtLeast(Duration),
}

/// A declared test.
pub struct Case {
    pub name: &'static str,
    command: &'static str,
    stdin: &'static [u8],
    given: Vec<Given>,
    expect: Vec<Expect>,
    timing: Timing,
}

/// A case named `name` running `command`.
pub fn case(name: &'static str, command: &'static str) -> Case {
    Case { name, command, stdin: b"", given: Vec::new(), expect: Vec::new(), timing: Timing::default() }
}

impl Case {
    pub fn stdin(mut self, input: &'static str) -> Case {
        self.stdin = input.as_bytes();
        self
    }

    pub fn given(mut self, given: Given) -> Case {
        self.given.push(given);
        self
    }

    /// Sets up each of `givens`, in order.
    pub fn givens(mut self, givens: &[Given]) -> Case {
        self.given.extend_from_slice(givens);
        self
    }

    pub fn expect(mut self, expect: Expect) -> Case {
        self.expect.push(expect);
        self
    }

    /// Expects exactly `text` on standard output.
    pub fn out(self, text: &'static str) -> Case {
        self.expect(Expect::Stdout(text))
    }

    /// Expects exactly `text` on standard error and exit status `status`.
    pub fn fails(self, status: i32, text: &'static str) -> Case {
        self.expect(Expect::Status(status)).expect(Expect::Stderr(text))
    }

    /// Calls `action` once the pipeline has run for `after`.
    pub fn during(mut self, after: Duration, action: Action) -> Case {
        self.timing.action = Some((after, action));
        self
    }

    /// Ends the pipeline with `SIGTERM` after `after`.
    pub fn terminate_after(mut self, after: Duration) -> Case {
        self.timing.terminate_after = Some(after);
        self
    }

    /// Sets up, runs and checks the case in `environment`.
    pub fn run(&self, environment: &[String]) -> TestResult {
        for given in &self.given {
            set_up(*given)?;
        }
        let stages = words::pipeline(self.command)?;
        let outcome = runner::run(&stages, self.stdin, environment, self.timing)?;
        let says_status = self.expect.iter().any(|e| matches!(e, Expect::Status(_) | Expect::Killed(_)));
        let says_stderr = self
            .expect
            .iter()
            .any(|e| matches!(e, Expect::Stderr(_) | Expect::StderrContains(_) | Expect::StderrLike(_)));
        if !says_stderr {
            check(&outcome, Expect::Stderr(""))?;
        }
        for expect in &self.expect {
            check(&outcome, *expect)?;
        }
        if !says_status {
            check(&outcome, Expect::Status(0))?;
        }
        Ok(())
    }
}

/// Makes `given` true.
fn set_up(given: Given) -> TestResult {
    let result = match given {
        Given::File(path, content) => OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(path)
            .and_then(|mut file| file.write_all(content).and_then(|()| file.set_permissions(0o644))),
        Given::Dir(path) => match fs::create_dir(path, 0o755) {
            Err(_) if fs::metadata(path).is_ok_and(|meta| meta.is_dir()) => Ok(()),
            other => other,
        },
        Given::Symlink(target, link) => {
            let _ = fs::remove_file(link);
            fs::symlink(target, link)
        }
        Given::Mtime(path, seconds) => fs::set_times(path, FileTime::At(seconds, 0), FileTime::At(seconds, 0)),
        Given::Mode(path, mode) => fs::set_permissions(path, mode),
        Given::Owner(path, uid, gid) => fs::chown(path, Some(uid), Some(gid)),
    };
    result.map_err(|error| format!("setting up: {error}"))
}

/// Shows bytes in a failure message, escaped onto one line.
fn shown(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// Whether every line of `text` is matched by the pattern of its number.
fn lines_match(text: &[u8], patterns: &[&str]) -> Result<bool, String> {
    let lines: Vec<&[u8]> = text.strip_suffix(b"\n").unwrap_or(text).split(|&byte| byte == b'\n').collect();
    if lines.len() != patterns.len() {
        return Ok(false);
    }
    for (line, pattern) in lines.iter().zip(patterns) {
        let options = Options { syntax: Syntax::Extended, ignore_case: false, extent: Extent::Line };
        let compiled =
            regex::compile(pattern.as_bytes(), options).map_err(|error| format!("pattern {pattern:?}: {error}"))?;
        if !compiled.is_match(line) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks one expectation.
fn check(outcome: &Outcome, expect: Expect) -> TestResult {
    let (passed, what) = match expect {
        Expect::Stdout(text) => (
            outcome.stdout == text.as_bytes(),
            format!("stdout {} != {}", shown(&outcome.stdout), shown(text.as_bytes())),
        ),
        Expect::StdoutContains(text) => {
            (contains(&outcome.stdout, text), format!("stdout {} lacks {text:?}", shown(&outcome.stdout)))
        }
        Expect::StdoutLacks(text) => {
            (!contains(&outcome.stdout, text), format!("stdout {} holds {text:?}", shown(&outcome.stdout)))
        }
        Expect::StdoutLike(patterns) => (
            lines_match(&outcome.stdout, patterns)?,
            format!("stdout {} does not match {patterns:?}", shown(&outcome.stdout)),
        ),
        Expect::Stderr(text) => (
            outcome.stderr == text.as_bytes(),
            format!("stderr {} != {}", shown(&outcome.stderr), shown(text.as_bytes())),
        ),
        Expect::StderrContains(text) => {
            (contains(&outcome.stderr, text), format!("stderr {} lacks {text:?}", shown(&outcome.stderr)))
        }
        Expect::StderrLike(patterns) => (
            lines_match(&outcome.stderr, patterns)?,
            format!("stderr {} does not match {patterns:?}", shown(&outcome.stderr)),
        ),
        Expect::Status(status) => (
            outcome.status.code() == Some(status),
            format!("ended with {} instead of status {status} (stderr {})", outcome.status, shown(&outcome.stderr)),
        ),
        Expect::Killed(signal) => (
            outcome.status.signal() == Some(signal),
            format!("ended with {} instead of signal {signal}", outcome.status),
        ),
        Expect::File(path, text) => match fs::read(path) {
            Ok(content) => {
                (content == text.as_bytes(), format!("{path} holds {} != {}", shown(&content), shown(text.as_bytes())))
            }
            Err(error) => (false, format!("{path}: {error}")),
        },
        Expect::Missing(path) => (fs::symlink_metadata(path).is_err(), format!("{path} still exists")),
        Expect::Dir(path) => (fs::metadata(path).is_ok_and(|meta| meta.is_dir()), format!("{path} is not a directory")),
        Expect::Symlink(path, target) => match fs::read_link(path) {
            Ok(found) => (found == target, format!("{path} points to {found:?}, not {target:?}")),
            Err(error) => (false, format!("{path}: {error}")),
        },
        Expect::Mode(path, mode) => match fs::metadata(path) {
            Ok(meta) => (meta.permissions() == mode, format!("{path} has mode {:o}, not {mode:o}", meta.permissions())),
            Err(error) => (false, format!("{path}: {error}")),
        },
        Expect::Mtime(path, seconds) => match fs::metadata(path) {
            Ok(meta) => {
                (meta.stat().st_mtime == seconds, format!("{path} mtime {} != {seconds}", meta.stat().st_mtime))
            }
            Err(error) => (false, format!("{path}: {error}")),
        },
        Expect::MtimeAtLeast(path, seconds) => match fs::metadata(path) {
            Ok(meta) => (meta.stat().st_mtime >= seconds, format!("{path} mtime {} < {seconds}", meta.stat().st_mtime)),
            Err(error) => (false, format!("{path}: {error}")),
        },
        Expect::TookAtLeast(duration) => {
            (outcome.elapsed >= duration, format!("took {:?}, less than {duration:?}", outcome.elapsed))
        }
    };
    if passed { Ok(()) } else { Err(what) }
}

/// Whether `haystack` contains `needle`.
fn contains(haystack: &[u8], needle: &str) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}
