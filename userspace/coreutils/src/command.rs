//! Finding and running programs for the tools that start commands (`env`,
//! `xargs`, `time`, `which`, `ns`): the `PATH` search, and the exit
//! statuses POSIX shells use (`128 + signal` for a killed command, 126 for
//! one that cannot run, 127 for one that is not there).
//!
//! Depends on `cairn-rt`, [`crate::files`] and [`crate::tool`].

use cairn_rt::process::{Child, Command, ExitStatus};
use cairn_rt::{Error, String, Vec, env, fs};

use crate::files::join;
use crate::tool::{Failure, Tool};

/// The search path when `PATH` is not set.
pub const DEFAULT_PATH: &str = "/bin";
/// The exit status for a command that was found but could not run.
pub const CANNOT_RUN: i32 = 126;
/// The exit status for a command that was not found.
pub const NOT_FOUND: i32 = 127;

/// This process's search path.
pub fn search_path() -> String {
    env::var("PATH").unwrap_or_else(|_| String::from(DEFAULT_PATH))
}

/// Whether `path` is a regular file with an execute bit.
fn is_executable(path: &str) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions() & 0o111 != 0)
}

/// Every executable called `name` in the directories of `path`
/// (`:`-separated; an empty entry is the working directory); a `name` with
/// a slash is taken as it is.
pub fn find_all(name: &str, path: &str) -> Vec<String> {
    if name.contains('/') {
        return if is_executable(name) { Vec::from([String::from(name)]) } else { Vec::new() };
    }
    path.split(':')
        .map(|dir| join(if dir.is_empty() { "." } else { dir }, name))
        .filter(|candidate| is_executable(candidate))
        .collect()
}

/// The program `name` stands for: itself if it has a slash, else the first
/// match in `path`; `ENOENT` when there is none.
pub fn resolve(name: &str, path: &str) -> Result<String, Error> {
    if name.contains('/') {
        return Ok(String::from(name));
    }
    find_all(name, path).into_iter().next().ok_or(Error::from_errno(cairn_rt::abi::error::ENOENT))
}

/// Starts `argv` (program name first, looked up in this process's `PATH`)
/// as a child with the same standard streams and environment.
pub fn spawn(argv: &[String]) -> Result<Child, Error> {
    let (name, arguments) = argv.split_first().ok_or(Error::from_errno(cairn_rt::abi::error::ENOENT))?;
    Command::new(&resolve(name, &search_path())?).args(arguments).spawn()
}

/// This process's environment as `KEY=VALUE` entries, to hand a child.
pub fn environment() -> Vec<String> {
    env::vars().map(|(key, value)| cairn_rt::format!("{key}={value}")).collect()
}

/// The exit status a shell reports for a command that ended with `status`.
pub fn status_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal as i32,
        (None, None) => 1,
    }
}

/// Reports that `program` could not be started with `error`; the tool
/// then ends with 127 (not found) or 126 (cannot run), as shells do.
pub fn launch_failure(tool: &mut Tool, program: &str, error: &Error) -> Failure {
    tool.report_error(program, error);
    Failure::Exit(if error.errno() == Some(cairn_rt::abi::error::ENOENT) { NOT_FOUND } else { CANNOT_RUN })
}
