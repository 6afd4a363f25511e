//! Message heads: the start line and header fields of requests and responses, parsed under
//! [`Limits`], and how the body that follows is framed ([`BodyLength`]). Also writes the heads
//! `wget` and `httpd` send.
//!
//! Lines may end in CRLF or a bare LF (RFC 9112 §2.2 lets recipients accept both); empty lines
//! before a request line are skipped; obsolete line folding, control bytes in values and
//! white space before a colon are refused.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::Error;
use crate::status::reason;

/// How much of a head a parser accepts before refusing it.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes from the first byte through the blank line that ends the head.
    pub max_head: usize,
    /// Header fields (not counting the start line).
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_head: 16 * 1024, max_headers: 100 }
    }
}

/// The protocol version on a start line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    fn parse(text: &[u8]) -> Result<Version, Error> {
        match text {
            b"HTTP/1.1" => Ok(Version::Http11),
            b"HTTP/1.0" => Ok(Version::Http10),
            [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => {
                Err(Error::BadVersion)
            }
            _ => Err(Error::BadStartLine),
        }
    }
}

/// One header field; the name keeps its case, comparisons ignore it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The header fields of a head, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    /// The value of the first field called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }

    /// The values of every field called `name` (case-insensitive), in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }

    /// Whether a comma-separated field called `name` lists `token` (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.all(name).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// The `Content-Length`, if present: every occurrence (and every element of a
    /// comma-separated list) must be the same decimal number.
    pub fn content_length(&self) -> Result<Option<u64>, Error> {
        let mut found = None;
        for element in self.all("content-length").flat_map(|v| v.split(',')) {
            let n = parse_decimal(element.trim()).ok_or(Error::BadContentLength)?;
            match found {
                Some(earlier) if earlier != n => return Err(Error::BadContentLength),
                _ => found = Some(n),
            }
        }
        Ok(found)
    }

    /// Whether `Transfer-Encoding` is present, and then whether it is exactly `chunked`
    /// (the only coding supported; anything else is [`Error::BadTransferEncoding`]).
    fn chunked(&self) -> Result<Option<()>, Error> {
        let mut codings = self.all("transfer-encoding").flat_map(|v| v.split(',')).map(str::trim);
        match (codings.next(), codings.next()) {
            (None, _) => Ok(None),
            (Some(c), None) if c.eq_ignore_ascii_case("chunked") => Ok(Some(())),
            _ => Err(Error::BadTransferEncoding),
        }
    }
}

/// A decimal number of at most 19 digits (so it fits a `u64`), nothing else.
pub fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// How the body after a head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLength {
    /// No body.
    Empty,
    /// Exactly this many bytes.
    Fixed(u64),
    /// Chunked transfer coding ([`crate::chunked`]).
    Chunked,
    /// Everything until the peer closes (responses only).
    UntilClose,
}

/// A parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub version: Version,
    pub headers: Headers,
}

impl RequestHead {
    /// How the request body is framed. Both `Transfer-Encoding` and `Content-Length` is
    /// refused (a request-smuggling shape, RFC 9112 §6.1).
    pub fn body(&self) -> Result<BodyLength, Error> {
        let length = self.headers.content_length()?;
        match (self.headers.chunked()?, length) {
            (Some(()), Some(_)) => Err(Error::BadTransferEncoding),
            (Some(()), None) => Ok(BodyLength::Chunked),
            (None, Some(0)) | (None, None) => Ok(BodyLength::Empty),
            (None, Some(n)) => Ok(BodyLength::Fixed(n)),
        }
    }

    /// Whether the client lets the connection stay open after the response.
    pub fn keep_alive(&self) -> bool {
        match self.version {
            Version::Http11 => !self.headers.has_token("connection", "close"),
            Version::Http10 => self.headers.has_token("connection", "keep-alive"),
        }
    }
}

/// A parsed response head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    pub version: Version,
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
}

impl ResponseHead {
    /// How the response body is framed; `to_head` says the request was `HEAD`.
    pub fn body(&self, to_head: bool) -> Result<BodyLength, Error> {
        if to_head || self.status < 200 || self.status == 204 || self.status == 304 {
            return Ok(BodyLength::Empty);
        }
        if self.headers.chunked()?.is_some() {
            return Ok(BodyLength::Chunked);
        }
        Ok(match self.headers.content_length()? {
            Some(0) => BodyLength::Empty,
            Some(n) => BodyLength::Fixed(n),
            None => BodyLength::UntilClose,
        })
    }
}

/// The lines of a head (without line ends) and the number of bytes it takes.
type HeadLines<'a> = (Vec<&'a [u8]>, usize);

/// Splits off the head at the start of `buf`, or `None` if `buf` does not hold all of it yet.
fn head_lines<'a>(buf: &'a [u8], limits: &Limits) -> Result<Option<HeadLines<'a>>, Error> {
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut pos = 0;
    while let Some(newline) = buf[pos..].iter().position(|&b| b == b'\n') {
        let next = pos + newline + 1;
        if next > limits.max_head {
            return Err(Error::HeadTooLarge);
        }
        let line = &buf[pos..pos + newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos = next;
        if line.is_empty() {
            if lines.is_empty() {
                continue;
            }
            return Ok(Some((lines, next)));
        }
        if lines.len() > limits.max_headers {
            return Err(Error::TooManyHeaders);
        }
        lines.push(line);
    }
    if buf.len() >= limits.max_head { Err(Error::HeadTooLarge) } else { Ok(None) }
}

/// A `tchar` of RFC 9110 §5.6.2.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(|&b| is_token_byte(b))
}

/// Text that may appear in a field value or reason phrase: no control bytes but tab.
fn is_field_text(text: &[u8]) -> bool {
    text.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

fn trim_ows(mut text: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = text {
        text = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = text {
        text = rest;
    }
    text
}

fn parse_headers(lines: &[&[u8]]) -> Result<Headers, Error> {
    let mut headers = Vec::with_capacity(lines.len());
    for line in lines {
        if matches!(line.first(), Some(b' ' | b'\t')) {
            return Err(Error::FoldedHeader);
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(Error::BadHeader)?;
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        if !is_token(name) || !is_field_text(value) {
            return Err(Error::BadHeader);
        }
        headers.push(Header {
            name: String::from_utf8_lossy(name).into_owned(),
            value: String::from_utf8_lossy(value).into_owned(),
        });
    }
    Ok(Headers(headers))
}

/// Parses a request head from the start of `buf`: `Ok(None)` if more bytes are needed,
/// else the head and the number of bytes it took (the body starts there).
pub fn parse_request(buf: &[u8], limits: &Limits) -> Result<Option<(RequestHead, usize)>, Error> {
    let Some((lines, used)) = head_lines(buf, limits)? else {
        return Ok(None);
    };
    let mut parts = lines[0].split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::BadStartLine);
    };
    if !is_token(method) {
        return Err(Error::BadMethod);
    }
    if target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic()) {
        return Err(Error::BadTarget);
    }
    let head = RequestHead {
        method: String::from_utf8_lossy(method).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        version: Version::parse(version)?,
        headers: parse_headers(&lines[1..])?,
    };
    Ok(Some((head, used)))
}

/// Parses a response head from the start of `buf`, like [`parse_request`].
pub fn parse_response(buf: &[u8], limits: &Limits) -> Result<Option<(ResponseHead, usize)>, Error> {
    let Some((lines, used)) = head_lines(buf, limits)? else {
        return Ok(None);
    };
    let line = lines[0];
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(Error::BadStartLine);
    };
    let version = Version::parse(version)?;
    let status = match code {
        [a @ b'1'..=b'5', b, c] if b.is_ascii_digit() && c.is_ascii_digit() => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(Error::BadStatus),
    };
    let reason = parts.next().unwrap_or(b"");
    if !is_field_text(reason) {
        return Err(Error::BadStartLine);
    }
    let head = ResponseHead {
        version,
        status,
        reason: String::from_utf8_lossy(reason).into_owned(),
        headers: parse_headers(&lines[1..])?,
    };
    Ok(Some((head, used)))
}

/// Appends a request head: `METHOD TARGET HTTP/1.1`, `Host`, the given fields, blank line.
pub fn write_request_head(out: &mut Vec<u8>, method: &str, target: &str, host: &str, fields: &[(&str, &str)]) {
    let mut text = String::new();
    let _ = write!(text, "{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
    write_fields(&mut text, fields);
    out.extend_from_slice(text.as_bytes());
}

/// Appends a response head: `HTTP/1.1 STATUS REASON`, the given fields, blank line.
pub fn write_response_head(out: &mut Vec<u8>, status: u16, fields: &[(&str, &str)]) {
    let mut text = String::new();
    let _ = write!(text, "HTTP/1.1 {status} {}\r\n", reason(status));
    write_fields(&mut text, fields);
    out.extend_from_slice(text.as_bytes());
}

fn write_fields(text: &mut String, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let _ = write!(text, "{name}: {value}\r\n");
    }
    text.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Result<Option<(RequestHead, usize)>, Error> {
        parse_request(text.as_bytes(), &Limits::default())
    }

    fn response(text: &str) -> Result<Option<(ResponseHead, usize)>, Error> {
        parse_response(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn parses_a_request() {
        let text = "GET /a%20b?x=1 HTTP/1.1\r\nHost: example\r\nX-Empty:\r\nAccept:  */*  \r\n\r\nBODY";
        let (head, used) = request(text).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/a%20b?x=1");
        assert_eq!(head.version, Version::Http11);
        assert_eq!(head.headers.get("HOST"), Some("example"));
        assert_eq!(head.headers.get("x-empty"), Some(""));
        assert_eq!(head.headers.get("accept"), Some("*/*"));
        assert_eq!(&text[used..], "BODY");
        assert_eq!(head.body(), Ok(BodyLength::Empty));
        assert!(head.keep_alive());
    }

    #[test]
    fn accepts_bare_lf_and_leading_blank_lines() {
        let (head, used) = request("\r\n\nHEAD / HTTP/1.0\nA: b\n\n").unwrap().unwrap();
        assert_eq!(head.method, "HEAD");
        assert_eq!(head.version, Version::Http10);
        assert_eq!(used, 25);
        assert!(!head.keep_alive());
    }

    #[test]
    fn incomplete_heads_ask_for_more() {
        let full = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        for cut in 0..full.len() {
            assert_eq!(request(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(request(full).unwrap().is_some());
    }

    #[test]
    fn refuses_bad_request_lines() {
        assert_eq!(request("GET /\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(request("GET  / HTTP/1.1\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(request("GET / HTTP/1.1 x\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(request("G(T / HTTP/1.1\r\n\r\n"), Err(Error::BadMethod));
        assert_eq!(request("GET /\x01 HTTP/1.1\r\n\r\n"), Err(Error::BadTarget));
        assert_eq!(request("GET / HTTP/2.0\r\n\r\n"), Err(Error::BadVersion));
        assert_eq!(request("GET / FTP/1.1\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(Error::BadVersion.status(), 505);
    }

    #[test]
    fn refuses_bad_headers() {
        assert_eq!(request("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), Err(Error::BadHeader));
        assert_eq!(request("GET / HTTP/1.1\r\nName : v\r\n\r\n"), Err(Error::BadHeader));
        assert_eq!(request("GET / HTTP/1.1\r\n: v\r\n\r\n"), Err(Error::BadHeader));
        assert_eq!(request("GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n"), Err(Error::BadHeader));
        assert_eq!(request("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"), Err(Error::BadHeader));
        assert_eq!(request("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), Err(Error::FoldedHeader));
    }

    #[test]
    fn enforces_limits() {
        let limits = Limits { max_head: 64, max_headers: 2 };
        let long = "GET / HTTP/1.1\r\nA: 01234567890123456789012345678901234567890123456789\r\n\r\n";
        assert_eq!(parse_request(long.as_bytes(), &limits), Err(Error::HeadTooLarge));
        // An unfinished head at the limit is refused rather than waited for.
        assert_eq!(parse_request(&[b'a'; 64], &limits), Err(Error::HeadTooLarge));
        assert_eq!(parse_request(&[b'\n'; 100], &limits), Err(Error::HeadTooLarge));
        let many = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(parse_request(many.as_bytes(), &limits), Err(Error::TooManyHeaders));
        assert_eq!(Error::TooManyHeaders.status(), 431);
    }

    #[test]
    fn frames_request_bodies() {
        let body =
            |fields: &str| request(&alloc::format!("POST / HTTP/1.1\r\n{fields}\r\n")).unwrap().unwrap().0.body();
        assert_eq!(body("Content-Length: 12\r\n"), Ok(BodyLength::Fixed(12)));
        assert_eq!(body("Content-Length: 12\r\nContent-Length: 12, 12\r\n"), Ok(BodyLength::Fixed(12)));
        assert_eq!(body("Content-Length: 12\r\nContent-Length: 13\r\n"), Err(Error::BadContentLength));
        assert_eq!(body("Content-Length: -1\r\n"), Err(Error::BadContentLength));
        assert_eq!(body("Content-Length: +1\r\n"), Err(Error::BadContentLength));
        assert_eq!(body("Content-Length: 99999999999999999999\r\n"), Err(Error::BadContentLength));
        assert_eq!(body("Content-Length:\r\n"), Err(Error::BadContentLength));
        assert_eq!(body("Transfer-Encoding: Chunked\r\n"), Ok(BodyLength::Chunked));
        assert_eq!(body("Transfer-Encoding: gzip, chunked\r\n"), Err(Error::BadTransferEncoding));
        assert_eq!(body("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"), Err(Error::BadTransferEncoding));
    }

    #[test]
    fn parses_responses_and_frames_their_bodies() {
        let (head, used) = response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap().unwrap();
        assert_eq!((head.status, head.reason.as_str(), used), (200, "OK", 38));
        assert_eq!(head.body(false), Ok(BodyLength::Fixed(5)));
        assert_eq!(head.body(true), Ok(BodyLength::Empty));
        let (head, _) = response("HTTP/1.0 404\r\n\r\n").unwrap().unwrap();
        assert_eq!((head.status, head.reason.as_str()), (404, ""));
        assert_eq!(head.body(false), Ok(BodyLength::UntilClose));
        let (head, _) =
            response("HTTP/1.1 301 Moved Permanently\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(head.body(false), Ok(BodyLength::Chunked));
        let (head, _) = response("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.body(false), Ok(BodyLength::Empty));
        assert_eq!(response("HTTP/1.1 99 x\r\n\r\n"), Err(Error::BadStatus));
        assert_eq!(response("HTTP/1.1 600 x\r\n\r\n"), Err(Error::BadStatus));
        assert_eq!(response("HTTP/1.1 2000 x\r\n\r\n"), Err(Error::BadStatus));
        assert_eq!(response("HTTP/1.1 200 O\x07K\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(response("HTTP/1.1\r\n\r\n"), Err(Error::BadStartLine));
        assert_eq!(response("HTTP/3.0 200 OK\r\n\r\n"), Err(Error::BadVersion));
    }

    #[test]
    fn writes_heads_that_parse_back() {
        let mut out = Vec::new();
        write_response_head(&mut out, 206, &[("Content-Range", "bytes 0-1/9"), ("Content-Length", "2")]);
        let (head, used) = parse_response(&out, &Limits::default()).unwrap().unwrap();
        assert_eq!((head.status, head.reason.as_str(), used), (206, "Partial Content", out.len()));
        assert_eq!(head.headers.get("content-range"), Some("bytes 0-1/9"));
        out.clear();
        write_request_head(&mut out, "GET", "/x", "[::1]:8080", &[("Connection", "close")]);
        let (head, _) = parse_request(&out, &Limits::default()).unwrap().unwrap();
        assert_eq!(head.headers.get("host"), Some("[::1]:8080"));
        assert!(!head.keep_alive());
    }
}
