//! Redirections: opening files, duplicating and closing descriptors and feeding here-documents, with the saved
//! copies that put the shell's own descriptors back afterwards.

use alloc::string::String;
use alloc::vec::Vec;

use crate::ast::{Redirect, RedirectKind};
use crate::interp::{Interrupt, Shell, Status};
use crate::os::{Fd, OpenMode, Os, OsError, Pid, ProcessGroup};

/// Saved copies of the shell's descriptors are kept at or above this number.
const SAVED_FD_MIN: Fd = 10;

/// Here-documents up to this size are written into the pipe directly; longer ones by a child process, so that
/// a full pipe cannot block the shell.
const HEREDOC_DIRECT_LIMIT: usize = 4096;

/// What a descriptor was before a redirection changed it.
struct SavedFd {
    fd: Fd,
    /// A copy of the old descriptor, `None` when it was closed.
    copy: Option<Fd>,
    was_visible: bool,
}

/// Why a redirection could not be made.
enum RedirectError {
    Open(String, OsError),
    BadDescriptor(String),
    Ambiguous(String),
    Pipe(OsError),
}

/// The redirections in effect: what to put back, and the children writing long here-documents.
struct Applied {
    saved: Vec<SavedFd>,
    writers: Vec<Pid>,
}

/// Where a redirection gets the new descriptor from.
enum Source {
    /// A descriptor opened for the redirection, closed once moved into place; for a long here-document, also the
    /// child writing it.
    Opened(Fd, Option<Pid>),
    /// An existing descriptor to duplicate.
    Existing(Fd),
    Close,
}

impl<O: Os> Shell<O> {
    /// Runs `run` with the redirections in effect, then restores the descriptors. A redirection that fails is
    /// reported and gives status 1 without running anything.
    pub(crate) fn with_redirects(&mut self, redirects: &[Redirect], run: impl FnOnce(&mut Self) -> Status) -> Status {
        if redirects.is_empty() {
            return run(self);
        }
        let Some(applied) = self.apply_redirects(redirects)? else { return Ok(1) };
        let result = run(self);
        self.restore(applied.saved);
        for writer in applied.writers {
            self.wait_pid(writer);
        }
        result
    }

    /// `exec` without a command: the redirections stay.
    pub(crate) fn redirect_permanently(&mut self, redirects: &[Redirect]) -> Status {
        let Some(applied) = self.apply_redirects(redirects)? else { return Ok(1) };
        for entry in applied.saved {
            if let Some(copy) = entry.copy {
                let _ = self.os.close(copy);
            }
        }
        Ok(0)
    }

    /// Applies redirections in order; `Ok(None)` when one failed (reported, and the others undone).
    fn apply_redirects(&mut self, redirects: &[Redirect]) -> Result<Option<Applied>, Interrupt> {
        let mut saved: Vec<SavedFd> = Vec::new();
        let mut writers = Vec::new();
        for redirect in redirects {
            let fd = redirect.fd.unwrap_or_else(|| redirect.kind.default_fd());
            if !saved.iter().any(|entry| entry.fd == fd) {
                // Below a low open-files limit (`ulimit -n`), the copy goes wherever there is room, as in bash; with
                // no room at all, the redirection fails rather than lose the descriptor.
                let copy = match self.os.duplicate(fd, SAVED_FD_MIN).or_else(|_| self.os.duplicate(fd, 0)) {
                    Ok(copy) => Some(copy),
                    Err(OsError::BadDescriptor) => None,
                    Err(error) => {
                        self.abandon(saved, writers);
                        self.report(format_args!("redirection error: cannot duplicate fd: {error}"));
                        return Ok(None);
                    }
                };
                saved.push(SavedFd { fd, copy, was_visible: self.state.visible_fds.contains(&fd) });
            }
            let source = match self.redirect_source(redirect) {
                Ok(source) => source,
                Err(error) => {
                    self.abandon(saved, writers);
                    return match error {
                        Ok(failure) => {
                            self.report_redirect_error(&failure);
                            Ok(None)
                        }
                        Err(interrupt) => Err(interrupt),
                    };
                }
            };
            match source {
                Source::Close => {
                    let _ = self.os.close(fd);
                    self.state.visible_fds.remove(&fd);
                }
                Source::Opened(new, writer) => {
                    writers.extend(writer);
                    if new != fd {
                        // `fd` may be beyond the open-files limit (`ulimit -n`).
                        let moved = self.os.dup2(new, fd);
                        let _ = self.os.close(new);
                        if let Err(error) = moved {
                            self.abandon(saved, writers);
                            self.report_redirect_error(&RedirectError::Open(alloc::format!("{fd}"), error));
                            return Ok(None);
                        }
                    }
                    self.state.visible_fds.insert(fd);
                }
                Source::Existing(existing) => {
                    if existing != fd && self.os.dup2(existing, fd).is_err() {
                        self.abandon(saved, writers);
                        self.report_redirect_error(&RedirectError::BadDescriptor(alloc::format!("{existing}")));
                        return Ok(None);
                    }
                    self.state.visible_fds.insert(fd);
                }
            }
        }
        Ok(Some(Applied { saved, writers }))
    }

    /// Undoes the redirections applied so far after one failed, and waits for their here-document writers.
    fn abandon(&mut self, saved: Vec<SavedFd>, writers: Vec<Pid>) {
        self.restore(saved);
        for writer in writers {
            self.wait_pid(writer);
        }
    }

    /// Puts descriptors back as they were, most recent change undone last.
    fn restore(&mut self, saved: Vec<SavedFd>) {
        for entry in saved.into_iter().rev() {
            match entry.copy {
                Some(copy) => {
                    let _ = self.os.dup2(copy, entry.fd);
                    let _ = self.os.close(copy);
                }
                None => {
                    let _ = self.os.close(entry.fd);
                }
            }
            if entry.was_visible {
                self.state.visible_fds.insert(entry.fd);
            } else {
                self.state.visible_fds.remove(&entry.fd);
            }
        }
    }

    fn report_redirect_error(&mut self, error: &RedirectError) {
        match error {
            RedirectError::Open(path, os_error) => self.report(format_args!("{path}: {os_error}")),
            RedirectError::BadDescriptor(fd) => self.report(format_args!("{fd}: Bad file descriptor")),
            RedirectError::Ambiguous(word) => self.report(format_args!("{word}: ambiguous redirect")),
            RedirectError::Pipe(os_error) => self.report(format_args!("here-document: {os_error}")),
        }
    }

    /// Expands the target and produces the descriptor for one redirection. The outer error is an expansion that
    /// interrupts the command; the inner one a redirection failure.
    fn redirect_source(&mut self, redirect: &Redirect) -> Result<Source, Result<RedirectError, Interrupt>> {
        let target = self.expand_string(&redirect.target).map_err(Err)?;
        let mode = match redirect.kind {
            RedirectKind::Input => OpenMode::Read,
            RedirectKind::Output => OpenMode::WriteTruncate,
            RedirectKind::Append => OpenMode::Append,
            RedirectKind::ReadWrite => OpenMode::ReadWrite,
            RedirectKind::HereDocument => return self.heredoc_source(target.as_bytes()).map_err(Ok),
            RedirectKind::DuplicateInput | RedirectKind::DuplicateOutput => {
                if target == "-" {
                    return Ok(Source::Close);
                }
                return match target.parse::<Fd>() {
                    Ok(fd) if self.state.visible_fds.contains(&fd) => Ok(Source::Existing(fd)),
                    Ok(_) => Err(Ok(RedirectError::BadDescriptor(target))),
                    Err(_) => Err(Ok(RedirectError::Ambiguous(target))),
                };
            }
        };
        match self.os.open(&target, mode) {
            Ok(fd) => Ok(Source::Opened(fd, None)),
            Err(error) => Err(Ok(RedirectError::Open(target, error))),
        }
    }

    /// A pipe whose read end yields the here-document body.
    fn heredoc_source(&mut self, body: &[u8]) -> Result<Source, RedirectError> {
        let (read, write) = self.os.pipe().map_err(RedirectError::Pipe)?;
        let mut writer = None;
        if body.len() <= HEREDOC_DIRECT_LIMIT {
            let _ = self.write_fd(write, body);
        } else {
            let forked = self.fork_child(ProcessGroup::Inherit, |shell| {
                let _ = shell.os.close(read);
                i32::from(shell.write_fd(write, body).is_err())
            });
            match forked {
                Ok(pid) => writer = Some(pid),
                Err(error) => {
                    let _ = self.os.close(read);
                    let _ = self.os.close(write);
                    return Err(RedirectError::Pipe(error));
                }
            }
        }
        let _ = self.os.close(write);
        Ok(Source::Opened(read, writer))
    }
}
