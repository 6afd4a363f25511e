//! `Range` requests (RFC 9110 §14): which bytes of a representation of known length a
//! `GET` asks for. One range is served as `206 Partial Content`; a range that starts past the
//! end is `416 Range Not Satisfiable`; a header that is malformed, names another unit, or asks
//! for several ranges is ignored and the whole representation is served (which the RFC allows).

use alloc::format;
use alloc::string::String;

use crate::head::parse_decimal;

/// Bytes `start..=end` of a representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    /// How many bytes the range covers.
    pub fn byte_count(&self) -> u64 {
        self.end - self.start + 1
    }

    /// The `Content-Range` value of a `206` answer: `bytes START-END/TOTAL`.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{}", self.start, self.end, total)
    }
}

/// The `Content-Range` value of a `416` answer: `bytes */TOTAL`.
pub fn unsatisfied_content_range(total: u64) -> String {
    format!("bytes */{total}")
}

/// What to answer a request whose `Range` field is `header`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeAnswer {
    /// Serve everything (`200`).
    Full,
    /// Serve this range (`206`).
    Partial(ByteRange),
    /// Nothing of the representation lies in the range (`416`).
    Unsatisfiable,
}

/// Decides how to answer a `Range` field (or its absence) for a representation of
/// `total` bytes.
pub fn resolve(header: Option<&str>, total: u64) -> RangeAnswer {
    let Some(header) = header else {
        return RangeAnswer::Full;
    };
    let Some((unit, set)) = header.trim().split_once('=') else {
        return RangeAnswer::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last N bytes.
        return match parse_decimal(last) {
            None => RangeAnswer::Full,
            Some(0) => RangeAnswer::Unsatisfiable,
            Some(_) if total == 0 => RangeAnswer::Unsatisfiable,
            Some(n) => RangeAnswer::Partial(ByteRange { start: total.saturating_sub(n), end: total - 1 }),
        };
    }
    let Some(start) = parse_decimal(first) else {
        return RangeAnswer::Full;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match parse_decimal(last) {
            Some(end) if end >= start => end,
            _ => return RangeAnswer::Full,
        }
    };
    if start >= total {
        return RangeAnswer::Unsatisfiable;
    }
    RangeAnswer::Partial(ByteRange { start, end: end.min(total - 1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(start: u64, end: u64) -> RangeAnswer {
        RangeAnswer::Partial(ByteRange { start, end })
    }

    #[test]
    fn single_ranges() {
        assert_eq!(resolve(None, 100), RangeAnswer::Full);
        assert_eq!(resolve(Some("bytes=0-9"), 100), partial(0, 9));
        assert_eq!(resolve(Some("Bytes = 10 - 19 "), 100), partial(10, 19));
        assert_eq!(resolve(Some("bytes=90-"), 100), partial(90, 99));
        assert_eq!(resolve(Some("bytes=90-1000"), 100), partial(90, 99));
        assert_eq!(resolve(Some("bytes=99-99"), 100), partial(99, 99));
        let range = ByteRange { start: 10, end: 19 };
        assert_eq!((range.byte_count(), range.content_range(100).as_str()), (10, "bytes 10-19/100"));
    }

    #[test]
    fn suffix_ranges() {
        assert_eq!(resolve(Some("bytes=-10"), 100), partial(90, 99));
        assert_eq!(resolve(Some("bytes=-1000"), 100), partial(0, 99));
        assert_eq!(resolve(Some("bytes=-0"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-5"), 0), RangeAnswer::Unsatisfiable);
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(resolve(Some("bytes=100-"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=100-200"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-0"), 0), RangeAnswer::Unsatisfiable);
        assert_eq!(unsatisfied_content_range(100), "bytes */100");
    }

    #[test]
    fn malformed_or_multiple_ranges_are_ignored() {
        for header in [
            "bytes=5-4",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=1-2-3",
            "items=0-1",
            "bytes 0-1",
            "bytes=0-1,5-6",
            "bytes=+1-2",
            "bytes=99999999999999999999-",
            "bytes=--1",
        ] {
            assert_eq!(resolve(Some(header), 100), RangeAnswer::Full, "{header}");
        }
    }
}
