//! Translating the runtime's errors into the interpreter's [`OsError`], whose texts the shell prints.

use cairn_rt::Error;
use cairn_rt::abi::error::{
    EACCES, EBADF, ECHILD, EEXIST, EINTR, EINVAL, EIO, EISDIR, EMFILE, ENOENT, ENOEXEC, ENOSPC, ENOSYS, ENOTDIR, ENXIO,
    EOPNOTSUPP, EPERM, EPIPE,
};
use cairn_shell::os::OsError;

/// The interpreter's name for a failed system call (or a failure the runtime found itself, as `EIO`).
pub fn os_error(error: Error) -> OsError {
    match error.errno().unwrap_or(EIO) {
        ENOENT => OsError::NotFound,
        EACCES => OsError::PermissionDenied,
        EPERM => OsError::NotPermitted,
        EINVAL => OsError::InvalidArgument,
        EMFILE => OsError::TooManyFiles,
        EEXIST => OsError::AlreadyExists,
        EISDIR => OsError::IsADirectory,
        ENOTDIR => OsError::NotADirectory,
        EBADF => OsError::BadDescriptor,
        ECHILD => OsError::NoChild,
        EINTR => OsError::Interrupted,
        EPIPE => OsError::BrokenPipe,
        ENOEXEC => OsError::NotExecutable,
        ENOSYS | EOPNOTSUPP => OsError::Unsupported,
        ENXIO => OsError::NoSuchDevice,
        ENOSPC => OsError::NoSpace,
        other => OsError::Other(other),
    }
}

/// The exit status of a command that could not be started: 127 when the program does not exist, 126 otherwise.
pub fn launch_failure_status(error: &OsError) -> i32 {
    if *error == OsError::NotFound { 127 } else { 126 }
}
