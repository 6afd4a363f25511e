//! The one error type of the crate: every way an HTTP message, URL or path can be bad.

/// Why an input was refused. Each variant names one kind of bad input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The head did not end within the allowed number of bytes.
    HeadTooLarge,
    /// More header fields than allowed.
    TooManyHeaders,
    /// The request line or status line is malformed.
    BadStartLine,
    /// The method is not a token.
    BadMethod,
    /// The request target is empty or holds spaces or control bytes.
    BadTarget,
    /// The version is not `HTTP/1.0` or `HTTP/1.1`.
    BadVersion,
    /// The status code is not three digits from 100 to 599.
    BadStatus,
    /// A header line has no colon, a bad name, or control bytes in its value.
    BadHeader,
    /// A header line starts with white space (obsolete line folding, refused).
    FoldedHeader,
    /// `Content-Length` is not a number, overflows, or appears with different values.
    BadContentLength,
    /// A `Transfer-Encoding` other than `chunked` (alone or last), or both
    /// `Transfer-Encoding` and `Content-Length` in a request.
    BadTransferEncoding,
    /// A chunk-size line is not hex, overflows, or is too long.
    BadChunkSize,
    /// A chunk's data is not followed by CRLF.
    BadChunkEnd,
    /// The trailer section after the last chunk is too large or malformed.
    BadTrailer,
    /// The stream ended before the body did.
    TruncatedBody,
    /// The URL does not start with `http://`.
    UnsupportedScheme,
    /// The URL's host is empty, malformed, or an invalid IP literal.
    BadHost,
    /// The URL's port is not a number from 1 to 65535.
    BadPort,
    /// The URL holds user information (`user@host`), which is refused.
    UserInfo,
    /// A `%` not followed by two hex digits.
    BadPercentEncoding,
    /// A decoded path segment holds `/`, NUL, or bytes that are not UTF-8.
    BadPathSegment,
    /// `..` segments climb above the root.
    EscapesRoot,
    /// The URL or path is longer than allowed.
    TooLong,
}

impl Error {
    /// The status a server answers a request with when parsing it failed this way.
    pub fn status(self) -> u16 {
        match self {
            Error::HeadTooLarge | Error::TooManyHeaders => 431,
            Error::BadVersion => 505,
            Error::BadTransferEncoding => 501,
            Error::TooLong => 414,
            Error::EscapesRoot => 403,
            _ => 400,
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = match self {
            Error::HeadTooLarge => "message head too large",
            Error::TooManyHeaders => "too many header fields",
            Error::BadStartLine => "malformed start line",
            Error::BadMethod => "malformed method",
            Error::BadTarget => "malformed request target",
            Error::BadVersion => "unsupported HTTP version",
            Error::BadStatus => "malformed status code",
            Error::BadHeader => "malformed header field",
            Error::FoldedHeader => "folded header line",
            Error::BadContentLength => "bad Content-Length",
            Error::BadTransferEncoding => "unsupported Transfer-Encoding",
            Error::BadChunkSize => "bad chunk size",
            Error::BadChunkEnd => "chunk data not followed by CRLF",
            Error::BadTrailer => "bad chunked trailer",
            Error::TruncatedBody => "the connection ended before the body did",
            Error::UnsupportedScheme => "only http:// URLs are supported",
            Error::BadHost => "bad host",
            Error::BadPort => "bad port",
            Error::UserInfo => "user information in URLs is not supported",
            Error::BadPercentEncoding => "bad percent-encoding",
            Error::BadPathSegment => "bad path segment",
            Error::EscapesRoot => "path climbs above the root",
            Error::TooLong => "too long",
        };
        f.write_str(text)
    }
}
