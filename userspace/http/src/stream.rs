//! Messages over a byte stream, for the programs that read them from sockets: reading a
//! whole head from a source that delivers bytes in any pieces ([`read_head`]), and taking a
//! body apart from the bytes that follow it ([`BodyReader`]). The source is a closure, so
//! this stays pure and host-tested; a limit bounds every read.

use alloc::vec::Vec;

use crate::Error;
use crate::chunked::ChunkedDecoder;
use crate::head::{BodyLength, Limits};

/// Why [`read_head`] found no head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError<E> {
    /// The source failed.
    Io(E),
    /// The bytes are not a valid head.
    Http(Error),
    /// The source ended before sending anything (a client done with a kept-alive connection).
    Closed,
    /// The source ended in the middle of a head.
    Truncated,
}

/// A head parser: [`crate::head::parse_request`] or [`crate::head::parse_response`].
pub type Parser<T> = fn(&[u8], &Limits) -> Result<Option<(T, usize)>, Error>;

/// Reads a head with `parse`, starting with the bytes already in `buffered` and calling
/// `fill` for more (it returns 0 at the end of the stream). On success the head's bytes are
/// gone from `buffered` and whatever followed them (the start of the body) is left there.
pub fn read_head<T, E>(
    buffered: &mut Vec<u8>,
    limits: &Limits,
    parse: Parser<T>,
    mut fill: impl FnMut(&mut [u8]) -> Result<usize, E>,
) -> Result<T, ReadError<E>> {
    let mut chunk = [0u8; 2048];
    loop {
        if let Some((head, used)) = parse(buffered, limits).map_err(ReadError::Http)? {
            buffered.drain(..used);
            return Ok(head);
        }
        // Never ask for more than the limit leaves room for: a peer cannot make us buffer more.
        let room = limits.max_head.saturating_sub(buffered.len()).clamp(1, chunk.len());
        match fill(&mut chunk[..room]).map_err(ReadError::Io)? {
            0 if buffered.iter().all(|b| matches!(b, b'\r' | b'\n')) => return Err(ReadError::Closed),
            0 => return Err(ReadError::Truncated),
            n => buffered.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Takes a body apart from a stream: fed the bytes after the head, it hands out the body's
/// data and says where the body ends.
#[derive(Clone, Debug)]
pub struct BodyReader {
    framing: Framing,
}

#[derive(Clone, Debug)]
enum Framing {
    Fixed(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
}

impl BodyReader {
    pub fn new(length: BodyLength) -> BodyReader {
        let framing = match length {
            BodyLength::Empty => Framing::Fixed(0),
            BodyLength::Fixed(n) => Framing::Fixed(n),
            BodyLength::Chunked => Framing::Chunked(ChunkedDecoder::new()),
            BodyLength::UntilClose => Framing::UntilClose,
        };
        BodyReader { framing }
    }

    /// Appends the body data in `input` to `out`; returns how many bytes of `input` belong to
    /// the body (the rest, once it is done, to the next message).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        match &mut self.framing {
            Framing::Fixed(left) => {
                let take = usize::try_from(*left).unwrap_or(usize::MAX).min(input.len());
                out.extend_from_slice(&input[..take]);
                *left -= take as u64;
                Ok(take)
            }
            Framing::Chunked(decoder) => decoder.decode(input, out),
            Framing::UntilClose => {
                out.extend_from_slice(input);
                Ok(input.len())
            }
        }
    }

    /// Whether the whole body has been read (never, for a body that lasts until close).
    pub fn is_done(&self) -> bool {
        match &self.framing {
            Framing::Fixed(left) => *left == 0,
            Framing::Chunked(decoder) => decoder.is_done(),
            Framing::UntilClose => false,
        }
    }

    /// What the end of the stream means: the end of a body that lasts until close, or
    /// [`Error::TruncatedBody`] for one that had more to come.
    pub fn at_end_of_stream(&self) -> Result<(), Error> {
        match &self.framing {
            Framing::UntilClose => Ok(()),
            _ if self.is_done() => Ok(()),
            _ => Err(Error::TruncatedBody),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::{parse_request, parse_response};

    /// A source that hands out `data` `step` bytes at a time.
    fn source(data: &[u8], step: usize) -> impl FnMut(&mut [u8]) -> Result<usize, ()> + '_ {
        let mut at = 0;
        move |buf: &mut [u8]| {
            let n = step.min(buf.len()).min(data.len() - at);
            buf[..n].copy_from_slice(&data[at..at + n]);
            at += n;
            Ok(n)
        }
    }

    #[test]
    fn reads_a_head_in_pieces_and_keeps_the_rest() {
        let data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcNEXT";
        for step in [1, 7, 100] {
            let mut buffered = Vec::new();
            let head = read_head(&mut buffered, &Limits::default(), parse_response, source(data, step)).unwrap();
            assert_eq!(head.status, 200);
            let mut body = BodyReader::new(head.body(false).unwrap());
            let mut out = Vec::new();
            let mut rest = buffered.clone();
            let mut fill = source(&data[38 + buffered.len()..], step);
            while !body.is_done() {
                if rest.is_empty() {
                    let mut chunk = [0u8; 16];
                    let n = fill(&mut chunk).unwrap();
                    assert_ne!(n, 0);
                    rest.extend_from_slice(&chunk[..n]);
                }
                let used = body.feed(&rest, &mut out).unwrap();
                rest.drain(..used);
            }
            assert_eq!(out, b"abc");
        }
    }

    #[test]
    fn tells_a_clean_close_from_a_truncated_head() {
        let limits = Limits::default();
        assert_eq!(read_head(&mut Vec::new(), &limits, parse_request, source(b"", 1)), Err(ReadError::Closed));
        assert_eq!(read_head(&mut Vec::new(), &limits, parse_request, source(b"\r\n", 1)), Err(ReadError::Closed));
        assert_eq!(
            read_head(&mut Vec::new(), &limits, parse_request, source(b"GET / HT", 3)),
            Err(ReadError::Truncated)
        );
        assert_eq!(
            read_head(&mut Vec::new(), &limits, parse_request, |_: &mut [u8]| Err::<usize, _>(5)),
            Err(ReadError::Io(5))
        );
        assert_eq!(
            read_head(&mut Vec::new(), &limits, parse_request, source(b"GET / HTTP/9.9\r\n\r\n", 4)),
            Err(ReadError::Http(Error::BadVersion))
        );
    }

    #[test]
    fn an_endless_head_is_refused_at_the_limit() {
        let limits = Limits { max_head: 100, max_headers: 10 };
        let mut calls = 0;
        let endless = |buf: &mut [u8]| {
            calls += 1;
            buf.fill(b'a');
            Ok::<usize, ()>(buf.len())
        };
        let mut buffered = Vec::new();
        assert_eq!(
            read_head(&mut buffered, &limits, parse_request, endless),
            Err(ReadError::Http(Error::HeadTooLarge))
        );
        assert!(buffered.len() <= 100);
    }

    #[test]
    fn bodies_end_where_their_framing_says() {
        let mut out = Vec::new();
        let mut fixed = BodyReader::new(BodyLength::Fixed(4));
        assert_eq!(fixed.feed(b"ab", &mut out), Ok(2));
        assert_eq!(fixed.at_end_of_stream(), Err(Error::TruncatedBody));
        assert_eq!(fixed.feed(b"cdef", &mut out), Ok(2));
        assert!(fixed.is_done() && fixed.at_end_of_stream().is_ok());
        assert!(BodyReader::new(BodyLength::Empty).is_done());
        let mut chunked = BodyReader::new(BodyLength::Chunked);
        assert_eq!(chunked.feed(b"2\r\ngh\r\n0\r\n\r\nxx", &mut out), Ok(12));
        assert!(chunked.is_done());
        let mut close = BodyReader::new(BodyLength::UntilClose);
        assert_eq!(close.feed(b"ij", &mut out), Ok(2));
        assert!(!close.is_done() && close.at_end_of_stream().is_ok());
        assert_eq!(out, b"abcdghij");
        let mut cut = BodyReader::new(BodyLength::Chunked);
        assert_eq!(cut.feed(b"5\r\nab", &mut out), Ok(5));
        assert_eq!(cut.at_end_of_stream(), Err(Error::TruncatedBody));
    }
}
