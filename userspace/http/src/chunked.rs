//! Decoding the chunked transfer coding (RFC 9112 §7.1) incrementally: bytes arrive in any
//! pieces, data comes out, and the decoder says where the message ends. Chunk extensions and
//! trailer fields are checked for shape, bounded in size, and dropped.

use alloc::vec::Vec;

use crate::Error;

/// The longest chunk-size line accepted (size digits plus extensions).
pub const MAX_SIZE_LINE: usize = 1024;
/// The most trailer bytes accepted after the last chunk.
pub const MAX_TRAILER: usize = 8 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SizePart {
    Digits,
    Extension,
    Cr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Size { value: u64, digits: u8, part: SizePart, line: usize },
    Data(u64),
    DataCr,
    DataLf,
    Trailer { line: usize, total: usize, cr: bool },
    Done,
}

const NEW_SIZE: State = State::Size { value: 0, digits: 0, part: SizePart::Digits, line: 0 };

/// An incremental decoder of one chunked body.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        ChunkedDecoder { state: NEW_SIZE }
    }

    /// Whether the last chunk and the trailer have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, appending the data to `out`. Returns how many bytes of `input`
    /// were used: all of them, unless the body ended inside `input` (what follows belongs to
    /// the next message).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        let mut pos = 0;
        while pos < input.len() && self.state != State::Done {
            if let State::Data(left) = self.state {
                let take = usize::try_from(left).unwrap_or(usize::MAX).min(input.len() - pos);
                out.extend_from_slice(&input[pos..pos + take]);
                pos += take;
                let left = left - take as u64;
                self.state = if left == 0 { State::DataCr } else { State::Data(left) };
                continue;
            }
            self.state = self.step(input[pos])?;
            pos += 1;
        }
        Ok(pos)
    }

    /// The state after one byte outside chunk data.
    fn step(&self, byte: u8) -> Result<State, Error> {
        Ok(match self.state {
            State::Size { value, digits, part, line } => {
                if line + 1 > MAX_SIZE_LINE {
                    return Err(Error::BadChunkSize);
                }
                let line = line + 1;
                let end_of_line = |value: u64| {
                    if value == 0 { State::Trailer { line: 0, total: 0, cr: false } } else { State::Data(value) }
                };
                match (part, byte) {
                    (SizePart::Digits, b) if b.is_ascii_hexdigit() => {
                        if digits == 16 {
                            return Err(Error::BadChunkSize);
                        }
                        let digit = u64::from((b as char).to_digit(16).unwrap_or(0));
                        State::Size { value: value << 4 | digit, digits: digits + 1, part, line }
                    }
                    (SizePart::Digits, _) if digits == 0 => return Err(Error::BadChunkSize),
                    (SizePart::Digits, b';' | b' ' | b'\t') => {
                        State::Size { value, digits, part: SizePart::Extension, line }
                    }
                    (SizePart::Digits | SizePart::Extension, b'\r') => {
                        State::Size { value, digits, part: SizePart::Cr, line }
                    }
                    (SizePart::Digits | SizePart::Extension | SizePart::Cr, b'\n') => end_of_line(value),
                    (SizePart::Extension, b) if b == b'\t' || (b >= 0x20 && b != 0x7f) => {
                        State::Size { value, digits, part, line }
                    }
                    _ => return Err(Error::BadChunkSize),
                }
            }
            State::DataCr if byte == b'\r' => State::DataLf,
            State::DataCr | State::DataLf if byte == b'\n' => NEW_SIZE,
            State::DataCr | State::DataLf => return Err(Error::BadChunkEnd),
            State::Trailer { line, total, cr } => {
                if total + 1 > MAX_TRAILER {
                    return Err(Error::BadTrailer);
                }
                match byte {
                    b'\n' if line == 0 => State::Done,
                    b'\n' => State::Trailer { line: 0, total: total + 1, cr: false },
                    _ if cr => return Err(Error::BadTrailer),
                    b'\r' => State::Trailer { line, total: total + 1, cr: true },
                    b if b == b'\t' || (b >= 0x20 && b != 0x7f) => {
                        State::Trailer { line: line + 1, total: total + 1, cr: false }
                    }
                    _ => return Err(Error::BadTrailer),
                }
            }
            State::Data(_) | State::Done => self.state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<(Vec<u8>, usize, bool), Error> {
        let mut decoder = ChunkedDecoder::new();
        let mut out = Vec::new();
        let used = decoder.decode(input, &mut out)?;
        Ok((out, used, decoder.is_done()))
    }

    #[test]
    fn decodes_a_body_and_stops_at_its_end() {
        let input = b"5\r\nhello\r\n7;name=\"v\"\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        let (out, used, done) = decode_all(input).unwrap();
        assert_eq!(out, b"hello, world");
        assert!(done);
        assert_eq!(&input[used..], b"NEXT");
    }

    #[test]
    fn decodes_byte_by_byte_the_same() {
        let input = b"A\r\n0123456789\r\n1\n!\n00\n\n";
        let mut decoder = ChunkedDecoder::new();
        let mut out = Vec::new();
        for byte in input.iter() {
            assert!(!decoder.is_done());
            assert_eq!(decoder.decode(core::slice::from_ref(byte), &mut out), Ok(1));
        }
        assert!(decoder.is_done());
        assert_eq!(out, b"0123456789!");
    }

    #[test]
    fn unfinished_bodies_are_not_done() {
        let (out, used, done) = decode_all(b"5\r\nhel").unwrap();
        assert_eq!((out.as_slice(), used, done), (&b"hel"[..], 6, false));
        assert!(!decode_all(b"0\r\n").unwrap().2);
    }

    #[test]
    fn refuses_bad_sizes() {
        assert_eq!(decode_all(b"\r\n"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"g\r\n"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"-1\r\n"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"5x\r\n"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"5\rx"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"1;\x01\r\n"), Err(Error::BadChunkSize));
        assert_eq!(decode_all(b"10000000000000000\r\n"), Err(Error::BadChunkSize));
        let mut long = alloc::vec![b'1', b';'];
        long.resize(MAX_SIZE_LINE + 10, b'a');
        assert_eq!(decode_all(&long), Err(Error::BadChunkSize));
        // The largest size is fine; the decoder just waits for the data.
        assert!(decode_all(b"ffffffffffffffff\r\nabc").is_ok());
    }

    #[test]
    fn refuses_data_without_crlf_and_bad_trailers() {
        assert_eq!(decode_all(b"2\r\nabc\r\n"), Err(Error::BadChunkEnd));
        assert_eq!(decode_all(b"2\r\nab\rx"), Err(Error::BadChunkEnd));
        assert_eq!(decode_all(b"0\r\nA: \x00\r\n\r\n"), Err(Error::BadTrailer));
        assert_eq!(decode_all(b"0\r\nA\rB\r\n\r\n"), Err(Error::BadTrailer));
        let mut big = b"0\r\n".to_vec();
        for _ in 0..MAX_TRAILER / 8 + 1 {
            big.extend_from_slice(b"A: 1234\r\n");
        }
        assert_eq!(decode_all(&big), Err(Error::BadTrailer));
    }
}
