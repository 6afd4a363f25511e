//! The canonical hex+ASCII display of `hexdump -C` (util-linux): 16 bytes a line as
//! `%08x`, two groups of eight hex bytes and `|printable|`, a `*` line for each run of lines
//! repeating the line before, and the final offset. Fed in chunks of any size.

use alloc::vec::Vec;

const LINE: usize = 16;

/// A `hexdump -C` in progress.
#[derive(Clone, Debug, Default)]
pub struct HexDump {
    /// The offset of the line being filled.
    offset: u64,
    /// The bytes of the line being filled (fewer than 16).
    pending: Vec<u8>,
    /// The last full line written, and whether a `*` follows it already.
    previous: Option<[u8; LINE]>,
    collapsing: bool,
}

impl HexDump {
    pub fn new() -> HexDump {
        HexDump::default()
    }

    /// Appends the lines that `chunk` completes to `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<u8>) {
        while !chunk.is_empty() {
            let take = (LINE - self.pending.len()).min(chunk.len());
            self.pending.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if let Ok(line) = <[u8; LINE]>::try_from(self.pending.as_slice()) {
                self.pending.clear();
                if self.previous == Some(line) {
                    if !self.collapsing {
                        out.extend_from_slice(b"*\n");
                        self.collapsing = true;
                    }
                } else {
                    write_line(self.offset, &line, out);
                    self.previous = Some(line);
                    self.collapsing = false;
                }
                self.offset = self.offset.wrapping_add(LINE as u64);
            }
        }
    }

    /// Appends the last partial line and the final offset (nothing at all for empty input).
    pub fn finish(self, out: &mut Vec<u8>) {
        let end = self.offset.wrapping_add(self.pending.len() as u64);
        if !self.pending.is_empty() {
            write_line(self.offset, &self.pending, out);
        }
        if end != 0 {
            out.extend_from_slice(alloc::format!("{end:08x}\n").as_bytes());
        }
    }
}

/// `hexdump -C` of a whole input.
pub fn hexdump(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut dump = HexDump::new();
    dump.feed(input, &mut out);
    dump.finish(&mut out);
    out
}

fn write_line(offset: u64, bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(alloc::format!("{offset:08x} ").as_bytes());
    for index in 0..LINE {
        if index % 8 == 0 {
            out.push(b' ');
        }
        match bytes.get(index) {
            Some(byte) => out.extend_from_slice(alloc::format!("{byte:02x} ").as_bytes()),
            None => out.extend_from_slice(b"   "),
        }
    }
    out.extend_from_slice(b" |");
    out.extend(bytes.iter().map(|&byte| if (b' '..=b'~').contains(&byte) { byte } else { b'.' }));
    out.extend_from_slice(b"|\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn dump(input: &[u8]) -> String {
        String::from_utf8(hexdump(input)).unwrap()
    }

    #[test]
    fn empty_input_prints_nothing() {
        assert_eq!(dump(b""), "");
    }

    #[test]
    fn one_byte_and_full_lines() {
        assert_eq!(dump(b"a"), "00000000  61                                                |a|\n00000001\n");
        assert_eq!(
            dump(b"hello world, this is 33 bytes!!\n"),
            "00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 2c 20 74 68 69  |hello world, thi|\n\
             00000010  73 20 69 73 20 33 33 20  62 79 74 65 73 21 21 0a  |s is 33 bytes!!.|\n\
             00000020\n"
        );
    }

    #[test]
    fn repeated_lines_collapse_into_a_star() {
        let zeros = "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n";
        assert_eq!(dump(&[0; 64]), std::format!("{zeros}*\n00000040\n"));
        let mut mixed = std::vec![0u8; 32];
        mixed.extend_from_slice(b"abcdefghijklmnop");
        mixed.extend_from_slice(&[0; 32]);
        let expected = std::format!(
            "{zeros}*\n00000020  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n\
             00000030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n00000050\n"
        );
        assert_eq!(dump(&mixed), expected);
        let mut tail = std::vec![0u8; 48];
        tail.extend_from_slice(b"abc");
        assert_eq!(
            dump(&tail),
            std::format!("{zeros}*\n00000030  61 62 63                                          |abc|\n00000033\n")
        );
    }

    #[test]
    fn partial_line_after_a_star_is_printed() {
        assert_eq!(
            dump(&[0; 40]),
            "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n\
             00000020  00 00 00 00 00 00 00 00                           |........|\n00000028\n"
        );
    }

    #[test]
    fn partial_second_line_and_unprintable_bytes() {
        assert_eq!(
            dump(&[0; 17]),
            "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n00000010  00                                                |.|\n00000011\n"
        );
        assert_eq!(
            dump(b"\x00\x7f\x80\xff ~"),
            "00000000  00 7f 80 ff 20 7e                                 |.... ~|\n00000006\n"
        );
    }

    #[test]
    fn chunks_of_any_size_dump_like_the_whole() {
        let input: std::vec::Vec<u8> = (0..100u8).chain(std::iter::repeat_n(7, 64)).collect();
        for size in [1, 3, 16, 17, 100] {
            let mut out = std::vec::Vec::new();
            let mut dump = HexDump::new();
            for chunk in input.chunks(size) {
                dump.feed(chunk, &mut out);
            }
            dump.finish(&mut out);
            assert_eq!(out, hexdump(&input), "chunk size {size}");
        }
    }
}
