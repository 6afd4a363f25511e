//! Starting programs: the `spawn` system call when the child needs only the standard streams as they are,
//! otherwise exec after arranging the descriptors (in a forked child); either way a `#!` script the kernel refuses
//! with ENOEXEC is started through its interpreter.
//!
//! Every descriptor the shell opens itself is close-on-exec (`dup2` clears the flag on the copy it makes), so
//! arranging the descriptors of a program means filling its mapped descriptors and closing the standard streams
//! it does not get.

use cairn_rt::abi::error::ENOEXEC;
use cairn_rt::abi::{F_DUPFD_CLOEXEC, rights};
use cairn_rt::fd::{self, OwnedFd};
use cairn_rt::process::{self, Pid};
use core::convert::Infallible;

use cairn_rt::{Error, String, Vec};
use cairn_shell::os::{Fd, FdMapping, SpawnRequest};

use crate::hashbang::interpreter_command;

/// The highest standard stream.
const LAST_STANDARD_STREAM: Fd = 2;

/// Whether `spawn`, which hands the child fds 0-2 as they are, gives it exactly the descriptors `fds` maps.
pub fn spawn_suffices(fds: &[FdMapping]) -> bool {
    let standard_as_is =
        fds.iter().all(|mapping| mapping.child == mapping.parent && mapping.child <= LAST_STANDARD_STREAM);
    standard_as_is
        && (0..=LAST_STANDARD_STREAM)
            .filter(|fd| !fds.iter().any(|mapping| mapping.child == *fd))
            .all(|fd| fd::info(fd as usize).is_err())
}

/// Starts the program with the `spawn` system call (see [`spawn_suffices`]); returns its pid.
pub fn spawn(request: &SpawnRequest<'_>) -> Result<Pid, Error> {
    start_program(request, |path, argv| process::spawn(path, argv, request.env).map(|child| child.id()))
}

/// Replaces the process with the program, its descriptors arranged as the request maps them. Returns only on
/// failure, possibly with the descriptors already arranged.
pub fn exec(request: &SpawnRequest<'_>) -> Error {
    if let Err(error) = arrange_descriptors(request.fds) {
        return error;
    }
    let Err(error) = start_program::<Infallible>(request, |path, argv| Err(process::exec(path, argv, request.env)));
    error
}

/// Starts the request's program with `start` (given a path and `argv`) or, when the kernel refuses the file with
/// ENOEXEC, the interpreter its `#!` line names.
fn start_program<T>(
    request: &SpawnRequest<'_>,
    start: impl Fn(&str, &[String]) -> Result<T, Error>,
) -> Result<T, Error> {
    match start(request.path, request.argv) {
        Err(error) if error.errno() == Some(ENOEXEC) => {
            let command = interpreter_command(request.path, request.argv).ok_or(error)?;
            start(&command[0], &command)
        }
        started => started,
    }
}

/// Gives the process the descriptors `fds` maps, without their close-on-exec flags, and closes the standard
/// streams not among them.
fn arrange_descriptors(fds: &[FdMapping]) -> Result<(), Error> {
    let above = fds.iter().flat_map(|mapping| [mapping.child, mapping.parent]).max().unwrap_or(0) + 1;
    let above = above.max(LAST_STANDARD_STREAM + 1) as usize;
    // Copy every source out of the way first, so that filling one target cannot overwrite the source of another.
    let mut copies: Vec<(Fd, OwnedFd)> = Vec::with_capacity(fds.len());
    for mapping in fds {
        let copy = fd::fcntl(mapping.parent as usize, F_DUPFD_CLOEXEC, above)?;
        // SAFETY: `fcntl` just made this descriptor; nothing else owns it.
        copies.push((mapping.child, unsafe { OwnedFd::from_raw(copy) }));
    }
    for (child, copy) in &copies {
        fd::dup2(copy.as_raw(), *child as usize, rights::ALL)?;
    }
    for standard in 0..=LAST_STANDARD_STREAM {
        if !fds.iter().any(|mapping| mapping.child == standard) {
            let _ = fd::close(standard as usize);
        }
    }
    Ok(())
}
