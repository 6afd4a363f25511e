//! `basename` and `dirname` as POSIX and GNU define them: trailing slashes ignored, `/` for
//! all-slash paths, `.` for a path without a directory, and `basename`'s suffix removal; and
//! [`normalize`], the textual resolution of `.` and `..` that `cd` and `umount` use.

use alloc::string::String;
use alloc::vec::Vec;

/// An absolute `path` with `.`, `..` and repeated or trailing slashes resolved textually.
pub fn normalize(path: &str) -> String {
    let mut components: Vec<&str> = Vec::new();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name => components.push(name),
        }
    }
    let mut normalized = String::new();
    for component in components {
        normalized.push('/');
        normalized.push_str(component);
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    normalized
}

/// The last component of `path`, without `suffix` when it ends with it (and is not just it).
pub fn basename<'p>(path: &'p [u8], suffix: Option<&[u8]>) -> &'p [u8] {
    if path.is_empty() {
        return path;
    }
    let trimmed = trim_trailing_slashes(path);
    if trimmed.is_empty() {
        return b"/";
    }
    let base = trimmed.rsplit(|&byte| byte == b'/').next().unwrap_or(trimmed);
    match suffix {
        Some(suffix) if !suffix.is_empty() && base != suffix => base.strip_suffix(suffix).unwrap_or(base),
        _ => base,
    }
}

/// Everything of `path` before its last component, without trailing slashes; `.` when there
/// is nothing before it, `/` when that is only slashes.
pub fn dirname(path: &[u8]) -> &[u8] {
    let trimmed = trim_trailing_slashes(path);
    if trimmed.is_empty() {
        return if path.is_empty() { b"." } else { b"/" };
    }
    match trimmed.iter().rposition(|&byte| byte == b'/') {
        None => b".",
        Some(slash) => {
            let parent = trim_trailing_slashes(&trimmed[..slash]);
            if parent.is_empty() { b"/" } else { parent }
        }
    }
}

fn trim_trailing_slashes(path: &[u8]) -> &[u8] {
    let end = path.iter().rposition(|&byte| byte != b'/').map_or(0, |last| last + 1);
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(normalize("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(normalize("/"), "/");
    }

    const CASES: [(&str, &str, &str); 18] = [
        ("", "", "."),
        ("/", "/", "/"),
        ("//", "/", "/"),
        ("///", "/", "/"),
        ("a", "a", "."),
        ("a/", "a", "."),
        ("/a", "a", "/"),
        ("/a/", "a", "/"),
        ("//a", "a", "/"),
        ("a/b", "b", "a"),
        ("a/b/", "b", "a"),
        ("a//b//", "b", "a"),
        ("/usr/lib", "lib", "/usr"),
        ("/usr/lib/", "lib", "/usr"),
        (".", ".", "."),
        ("..", "..", "."),
        ("./a", "a", "."),
        ("../a/b", "b", "../a"),
    ];

    #[test]
    fn basename_and_dirname_like_gnu() {
        for (path, base, dir) in CASES {
            assert_eq!(basename(path.as_bytes(), None), base.as_bytes(), "basename {path:?}");
            assert_eq!(dirname(path.as_bytes()), dir.as_bytes(), "dirname {path:?}");
        }
    }

    #[test]
    fn suffix_removal() {
        assert_eq!(basename(b"a.txt", Some(b".txt")), b"a");
        assert_eq!(basename(b".txt", Some(b".txt")), b".txt");
        assert_eq!(basename(b"a/b.c/", Some(b".c")), b"b");
        assert_eq!(basename(b"/x.tar.gz", Some(b".gz")), b"x.tar");
        assert_eq!(basename(b"abc", Some(b"")), b"abc");
        assert_eq!(basename(b"abc", Some(b"zbc")), b"abc");
    }
}
