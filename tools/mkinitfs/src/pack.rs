//! Turning [`Source`]s (host files, host directory trees, broken ELF variants) into entries
//! of an [`InitfsBuilder`], and writing the image. Depends on `std`, `cairn-initfs` (with
//! its writer) and [`crate::badelf`].

use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cairn_initfs::{BuildError, InitfsBuilder};

use crate::badelf::{self, BadElfError};
use crate::cli::Source;

/// Why packing failed.
#[derive(Debug)]
pub enum PackError {
    Io {
        path: PathBuf,
        error: io::Error,
    },
    /// The builder refused the destination `dest`.
    Build {
        dest: String,
        error: BuildError,
    },
    /// A file name in a `--dir` tree is not UTF-8.
    NonUtf8Name(PathBuf),
    /// Something in a `--dir` tree is neither a regular file nor a directory.
    UnsupportedFileType(PathBuf),
    BadElf {
        path: PathBuf,
        error: BadElfError,
    },
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            PackError::Build { dest, error } => write!(f, "{dest}: {error}"),
            PackError::NonUtf8Name(path) => write!(f, "{}: file name is not UTF-8", path.display()),
            PackError::UnsupportedFileType(path) => {
                write!(f, "{}: not a regular file or directory (symbolic links are not followed)", path.display())
            }
            PackError::BadElf { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for PackError {}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> PackError + '_ {
    move |error| PackError::Io { path: path.to_path_buf(), error }
}

/// Adds one source to `builder`.
pub fn add(builder: &mut InitfsBuilder, source: &Source) -> Result<(), PackError> {
    match source {
        Source::File { src, dest, executable } => {
            let data = fs::read(src).map_err(io_error(src))?;
            add_file(builder, dest, data, *executable)
        }
        Source::Dir { src, dest } => add_tree(builder, src, dest),
        Source::BadElves { src, dest } => {
            let elf = fs::read(src).map_err(io_error(src))?;
            let variants = badelf::variants(&elf).map_err(|error| PackError::BadElf { path: src.clone(), error })?;
            add_dir(builder, dest)?;
            for (name, bytes) in variants {
                add_file(builder, &join(dest, name), bytes, true)?;
            }
            let source_name = src.file_name().unwrap_or(src.as_os_str()).to_string_lossy();
            add_file(builder, &join(dest, "README"), badelf::readme(&source_name), false)
        }
    }
}

fn add_dir(builder: &mut InitfsBuilder, dest: &str) -> Result<(), PackError> {
    builder.add_dir(dest).map_err(|error| PackError::Build { dest: dest.to_string(), error })
}

fn add_file(
    builder: &mut InitfsBuilder,
    dest: &str,
    data: impl Into<Vec<u8>>,
    executable: bool,
) -> Result<(), PackError> {
    builder.add_file(dest, data, executable).map_err(|error| PackError::Build { dest: dest.to_string(), error })
}

/// Adds the tree at `src` as the directory `dest`, in name order.
fn add_tree(builder: &mut InitfsBuilder, src: &Path, dest: &str) -> Result<(), PackError> {
    add_dir(builder, dest)?;
    let mut children = fs::read_dir(src)
        .and_then(|dir| dir.map(|entry| entry.map(|entry| entry.path())).collect::<io::Result<Vec<_>>>())
        .map_err(io_error(src))?;
    children.sort();
    for child in children {
        let name = child.file_name().and_then(|name| name.to_str()).ok_or(PackError::NonUtf8Name(child.clone()))?;
        let child_dest = join(dest, name);
        let metadata = fs::symlink_metadata(&child).map_err(io_error(&child))?;
        if metadata.is_dir() {
            add_tree(builder, &child, &child_dest)?;
        } else if metadata.is_file() {
            let data = fs::read(&child).map_err(io_error(&child))?;
            add_file(builder, &child_dest, data, metadata.permissions().mode() & 0o111 != 0)?;
        } else {
            return Err(PackError::UnsupportedFileType(child));
        }
    }
    Ok(())
}

/// The path of `name` inside the directory `dir`.
fn join(dir: &str, name: &str) -> String {
    if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") }
}

/// Writes `image` to `out` (creating its parent directories) through a temporary file, so
/// that `out` is never left half-written.
pub fn write_image(out: &Path, image: &[u8]) -> Result<(), PackError> {
    if let Some(parent) = out.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let mut temporary = out.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    fs::write(&temporary, image).map_err(io_error(&temporary))?;
    fs::rename(&temporary, out).map_err(io_error(out))
}
