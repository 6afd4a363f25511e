//! Request paths on the server side: the target of a request turned into the names of the
//! directories and file it asks for under the served root. Segments are percent-decoded one by
//! one (so `%2F` can never make a new separator), `.` is dropped, `..` climbs one level and
//! may never climb above the root. Also percent-encodes names for links.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;

/// The longest request target accepted.
pub const MAX_TARGET: usize = 4096;

/// A request path confined to the served root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestPath {
    /// The names from the root down, none empty, `.` or `..`.
    pub segments: Vec<String>,
    /// Whether the target ended in `/` (a directory's own URL).
    pub trailing_slash: bool,
}

impl RequestPath {
    /// The path as text below `root`: `root/a/b` (just `root` for the root itself).
    pub fn under(&self, root: &str) -> String {
        let mut path = String::from(root.trim_end_matches('/'));
        for segment in &self.segments {
            path.push('/');
            path.push_str(segment);
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// The path as a URL path, each segment encoded, starting with `/` and ending with `/`
    /// when `directory` is set.
    pub fn url(&self, directory: bool) -> String {
        let mut url = String::new();
        for segment in &self.segments {
            url.push('/');
            url.push_str(&percent_encode(segment));
        }
        if directory || url.is_empty() {
            url.push('/');
        }
        url
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `%XX` escapes; a `%` without two hex digits after it is an error.
pub fn percent_decode(text: &str) -> Result<Vec<u8>, Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex_value);
            let low = bytes.get(i + 2).copied().and_then(hex_value);
            let (Some(high), Some(low)) = (high, low) else {
                return Err(Error::BadPercentEncoding);
            };
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Encodes a name for use as one path segment of a URL: everything but unreserved
/// characters (RFC 3986 §2.3) becomes `%XX`.
pub fn percent_encode(name: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(name.len());
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Turns a request target (origin form `/a/b?q`, or absolute form `http://host/a/b`) into
/// a path confined to the served root.
pub fn request_path(target: &str) -> Result<RequestPath, Error> {
    if target.len() > MAX_TARGET {
        return Err(Error::TooLong);
    }
    let path = match target.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => {
            let rest = &target[7..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        _ => target,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(Error::BadTarget);
    }
    let mut segments: Vec<String> = Vec::new();
    for raw in path.split('/') {
        let decoded = percent_decode(raw)?;
        if decoded.contains(&b'/') || decoded.contains(&0) {
            return Err(Error::BadPathSegment);
        }
        let name = String::from_utf8(decoded).map_err(|_| Error::BadPathSegment)?;
        match name.as_str() {
            "" | "." => {}
            ".." => {
                segments.pop().ok_or(Error::EscapesRoot)?;
            }
            _ => segments.push(name),
        }
    }
    Ok(RequestPath { segments, trailing_slash: path.ends_with('/') })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn segments(target: &str) -> Result<Vec<String>, Error> {
        request_path(target).map(|p| p.segments)
    }

    #[test]
    fn decodes_and_normalises() {
        assert_eq!(segments("/"), Ok(vec![]));
        assert_eq!(segments("/a%20b/c.txt?x=/../..#f"), Ok(vec!["a b".into(), "c.txt".into()]));
        assert_eq!(segments("//a/./b/../c/"), Ok(vec!["a".into(), "c".into()]));
        assert_eq!(segments("/a/%2e%2E/b"), Ok(vec!["b".into()]));
        assert_eq!(segments("/%C3%A9t%C3%A9"), Ok(vec!["été".into()]));
        assert_eq!(segments("http://host:80/x/y"), Ok(vec!["x".into(), "y".into()]));
        assert_eq!(segments("HTTP://host"), Ok(vec![]));
        assert!(request_path("/d/").unwrap().trailing_slash);
        assert!(!request_path("/d").unwrap().trailing_slash);
    }

    #[test]
    fn confines_to_the_root() {
        assert_eq!(segments("/.."), Err(Error::EscapesRoot));
        assert_eq!(segments("/a/../../etc/passwd"), Err(Error::EscapesRoot));
        assert_eq!(segments("/%2e%2e/x"), Err(Error::EscapesRoot));
        assert_eq!(segments("/a/.."), Ok(vec![]));
    }

    #[test]
    fn refuses_bad_segments() {
        assert_eq!(segments("/a%2Fb"), Err(Error::BadPathSegment));
        assert_eq!(segments("/a%00b"), Err(Error::BadPathSegment));
        assert_eq!(segments("/%ff"), Err(Error::BadPathSegment));
        assert_eq!(segments("/%4"), Err(Error::BadPercentEncoding));
        assert_eq!(segments("/%zz"), Err(Error::BadPercentEncoding));
        assert_eq!(segments("*"), Err(Error::BadTarget));
        assert_eq!(segments(&alloc::format!("/{}", "a".repeat(MAX_TARGET))), Err(Error::TooLong));
    }

    #[test]
    fn encodes_names_that_decode_back() {
        let name = "a b/%?#é~.txt";
        let encoded = percent_encode(name);
        assert_eq!(encoded, "a%20b%2F%25%3F%23%C3%A9~.txt");
        assert_eq!(percent_decode(&encoded).unwrap(), name.as_bytes());
    }

    #[test]
    fn builds_file_paths_and_urls() {
        let path = request_path("/a%20b/c").unwrap();
        assert_eq!(path.under("/srv/"), "/srv/a b/c");
        assert_eq!(path.url(true), "/a%20b/c/");
        let root = request_path("/").unwrap();
        assert_eq!((root.under("/"), root.url(false)), ("/".into(), "/".into()));
        assert_eq!(root.under("/srv"), "/srv");
    }
}
