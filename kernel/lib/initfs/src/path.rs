//! Path rules shared by the reader and the writer: what a normalized initfs path is, and how
//! to find an entry's parent and name. Depends only on `core`.

use core::fmt;

/// Why a path is not a normalized absolute initfs path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathError {
    /// It does not start with `/` (this includes the empty path).
    NotAbsolute,
    /// It contains a NUL byte.
    ContainsNul,
    /// It contains `//`.
    EmptyComponent,
    /// It contains a `.` or `..` component.
    DotComponent,
    /// It ends with `/` (and is not `/` itself).
    TrailingSlash,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotAbsolute => "path is not absolute",
            PathError::ContainsNul => "path contains a NUL byte",
            PathError::EmptyComponent => "path contains an empty component (`//`)",
            PathError::DotComponent => "path contains a `.` or `..` component",
            PathError::TrailingSlash => "path ends with `/`",
        })
    }
}

impl core::error::Error for PathError {}

/// Checks that `path` is absolute, `/`-separated and normalized: `/` itself, or `/` followed
/// by one or more non-empty components other than `.` and `..`, separated by single `/`s,
/// with no trailing `/` and no NUL byte.
pub fn check_path(path: &str) -> Result<(), PathError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(PathError::NotAbsolute);
    };
    if path.contains('\0') {
        return Err(PathError::ContainsNul);
    }
    if rest.is_empty() {
        return Ok(());
    }
    let mut components = rest.split('/').peekable();
    while let Some(component) = components.next() {
        match component {
            "" if components.peek().is_none() => return Err(PathError::TrailingSlash),
            "" => return Err(PathError::EmptyComponent),
            "." | ".." => return Err(PathError::DotComponent),
            _ => {}
        }
    }
    Ok(())
}

/// The parent directory of a normalized path other than `/`, and the path's last component.
pub(crate) fn split_parent(path: &str) -> Option<(&str, &str)> {
    let slash = path.rfind('/')?;
    let name = &path[slash + 1..];
    if name.is_empty() {
        return None;
    }
    Some((if slash == 0 { "/" } else { &path[..slash] }, name))
}
