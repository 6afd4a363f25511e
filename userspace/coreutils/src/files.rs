//! Paths and file trees: joining names, where `cp` and `mv` put each
//! source, a directory's entries in name order, telling whether two names
//! are one file, and copying and removing whole trees (for `cp`, `mv` and
//! `rm`), reporting each problem through the [`Tool`] and going on with
//! the rest.
//!
//! Depends on `cairn-rt`, `cairn-text` (basename), [`crate::args`] and
//! [`crate::tool`].

use cairn_rt::fs::{self, EntryKind, FileTime, Metadata, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::{Error, String, Vec, format};

use crate::args::UsageError;
use crate::input::CHUNK;
use crate::tool::{Failure, Reason, Tool};

/// Permission bits of a new file (0666 less the customary umask 022;
/// Cairn has no umask yet).
pub const NEW_FILE_MODE: u16 = 0o644;
/// Permission bits of a new directory (0777 less the umask 022).
pub const NEW_DIR_MODE: u16 = 0o755;

/// `dir/name`, without doubling a slash.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") }
}

/// The last component of `path` (`basename`'s answer).
pub fn base_name(path: &str) -> &str {
    let base = cairn_text::path::basename(path.as_bytes(), None);
    // A component ends at `/` bytes, so it is valid UTF-8 like `path`.
    core::str::from_utf8(base).unwrap_or(path)
}

/// Pairs each source operand with its destination, as `cp` and `mv` take
/// them: `SOURCE DEST`, or `SOURCE... DIRECTORY` (each source into the
/// directory, keeping its name).
pub fn placements(mut operands: Vec<String>) -> Result<Vec<(String, String)>, Failure> {
    let Some(last) = operands.pop() else {
        return Err(UsageError::MissingOperand.into());
    };
    if operands.is_empty() {
        return Err(Failure::usage(format!("missing destination file operand after '{last}'")));
    }
    if fs::metadata(&last).is_ok_and(|meta| meta.is_dir()) {
        return Ok(operands
            .into_iter()
            .map(|source| {
                let destination = join(&last, base_name(&source));
                (source, destination)
            })
            .collect());
    }
    if operands.len() > 1 {
        return Err(Failure::usage(format!("target '{last}' is not a directory")));
    }
    Ok(Vec::from([(operands.swap_remove(0), last)]))
}

/// The entries of directory `dir`, sorted by name (bytewise, as in the C
/// locale).
pub fn sorted_entries(dir: &str) -> Result<Vec<(String, EntryKind)>, Error> {
    let mut entries = fs::read_dir(dir)?;
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// Whether two metadata describe the same file.
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    a.stat().st_dev == b.stat().st_dev && a.stat().st_ino == b.stat().st_ino
}

/// The access and modification times of `meta`, to give another file.
fn times_of(meta: &Metadata) -> (FileTime, FileTime) {
    let stat = meta.stat();
    (FileTime::At(stat.st_atime, stat.st_atime_nsec), FileTime::At(stat.st_mtime, stat.st_mtime_nsec))
}

/// How [`copy`] copies.
#[derive(Clone, Copy, Debug, Default)]
pub struct CopyOptions {
    /// Copy directories with their contents (symbolic links as links).
    pub recursive: bool,
    /// Give copies the mode, owner and times of the originals.
    pub preserve: bool,
    /// Remove a destination file that cannot be opened, and try again.
    pub force: bool,
}

/// Copies `source` to `destination` as `cp` does; every problem is
/// reported. Returns whether everything was copied.
pub fn copy(tool: &mut Tool, source: &str, destination: &str, options: CopyOptions) -> bool {
    let meta = if options.recursive { fs::symlink_metadata(source) } else { fs::metadata(source) };
    let meta = match meta {
        Ok(meta) => meta,
        Err(error) => {
            tool.report_error(source, &error);
            return false;
        }
    };
    if let Ok(existing) = fs::symlink_metadata(destination)
        && same_file(&meta, &existing)
    {
        tool.report(source, format!("'{source}' and '{destination}' are the same file"));
        return false;
    }
    if meta.is_dir() {
        if !options.recursive {
            tool.report(source, "-r not specified; omitting directory");
            return false;
        }
        copy_directory(tool, source, destination, &meta, options)
    } else if meta.is_symlink() {
        copy_symlink(tool, source, destination)
    } else {
        copy_file(tool, source, destination, &meta, options)
    }
}

fn copy_directory(tool: &mut Tool, source: &str, destination: &str, meta: &Metadata, options: CopyOptions) -> bool {
    let inside = destination.strip_prefix(source.trim_end_matches('/')).is_some_and(|rest| rest.starts_with('/'));
    if inside {
        tool.report(source, format!("cannot copy a directory into itself, '{destination}'"));
        return false;
    }
    let exists = fs::metadata(destination).is_ok_and(|existing| existing.is_dir());
    if !exists && let Err(error) = fs::create_dir(destination, meta.permissions() | 0o700) {
        tool.report_error(destination, &error);
        return false;
    }
    let entries = match sorted_entries(source) {
        Ok(entries) => entries,
        Err(error) => {
            tool.report_error(source, &error);
            return false;
        }
    };
    let mut copied = true;
    for (name, _) in entries {
        copied &= copy(tool, &join(source, &name), &join(destination, &name), options);
    }
    let finished = fs::set_permissions(destination, meta.permissions()).and_then(|()| {
        if options.preserve {
            let (accessed, modified) = times_of(meta);
            fs::set_times(destination, accessed, modified)
        } else {
            Ok(())
        }
    });
    if let Err(error) = finished {
        tool.report_error(destination, &error);
        copied = false;
    }
    copied
}

fn copy_symlink(tool: &mut Tool, source: &str, destination: &str) -> bool {
    let target = match fs::read_link(source) {
        Ok(target) => target,
        Err(error) => {
            tool.report_error(source, &error);
            return false;
        }
    };
    if fs::symlink_metadata(destination).is_ok() {
        let _ = fs::remove_file(destination);
    }
    match fs::symlink(&target, destination) {
        Ok(()) => true,
        Err(error) => {
            tool.report_error(destination, &error);
            false
        }
    }
}

fn copy_file(tool: &mut Tool, source: &str, destination: &str, meta: &Metadata, options: CopyOptions) -> bool {
    let mut input = match fs::File::open(source) {
        Ok(input) => input,
        Err(error) => {
            tool.report_error(source, &error);
            return false;
        }
    };
    let create =
        || OpenOptions::new().write(true).create(true).truncate(true).mode(meta.permissions()).open(destination);
    let opened = match create() {
        Err(_) if options.force && fs::remove_file(destination).is_ok() => create(),
        other => other,
    };
    let mut output = match opened {
        Ok(output) => output,
        Err(error) => {
            tool.report_error(destination, &error);
            return false;
        }
    };
    let mut chunk = cairn_rt::vec![0u8; CHUNK];
    loop {
        match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => {
                if let Err(error) = output.write_all(&chunk[..read]) {
                    tool.report_error(destination, &error);
                    return false;
                }
            }
            Err(error) => {
                tool.report_error(source, &error);
                return false;
            }
        }
    }
    if options.preserve {
        let stat = meta.stat();
        let (accessed, modified) = times_of(meta);
        let preserved = output
            .set_permissions(meta.permissions())
            .and_then(|()| output.set_times(accessed, modified))
            .and_then(|()| match output.chown(Some(stat.st_uid), Some(stat.st_gid)) {
                // Only the owner's group may be kept without privileges.
                Err(error) if error.errno() == Some(cairn_rt::abi::error::EPERM) => Ok(()),
                other => other,
            });
        if let Err(error) = preserved {
            tool.report(destination, format!("cannot preserve attributes: {}", Reason(&error)));
            return false;
        }
    }
    true
}

/// Removes `path` and, if it is a directory, everything in it; every
/// problem is reported. Returns whether all of it is gone.
pub fn remove_tree(tool: &mut Tool, path: &str) -> bool {
    let is_dir = fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
    if !is_dir {
        return remove_reporting(tool, path, fs::remove_file(path));
    }
    let entries = match sorted_entries(path) {
        Ok(entries) => entries,
        Err(error) => {
            tool.report_error(path, &error);
            return false;
        }
    };
    let mut removed = true;
    for (name, kind) in entries {
        let child = join(path, &name);
        removed &= match kind {
            EntryKind::Dir => remove_tree(tool, &child),
            EntryKind::File | EntryKind::Symlink => remove_reporting(tool, &child, fs::remove_file(&child)),
        };
    }
    removed && remove_reporting(tool, path, fs::remove_dir(path))
}

/// Reports a failed removal of `path`; returns whether it succeeded.
fn remove_reporting(tool: &mut Tool, path: &str, result: Result<(), Error>) -> bool {
    result.map_err(|error| tool.report_error(path, &error)).is_ok()
}
