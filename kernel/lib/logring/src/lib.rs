//! The kernel log ring buffer: a fixed-size byte ring that keeps the newest log text and
//! drops the oldest whole lines when it fills up, so that a reader (`dmesg`, a panic dump)
//! always starts at the beginning of a line.
//!
//! Pure logic with no locking of its own (the kernel wraps it in its lock): `#![no_std]`
//! without `alloc`, no dependencies beyond `core`, and usable in a `static` thanks to
//! [`LogRing::new`] being `const`. Nothing in it panics on any input.
//!
//! The retained text always starts at a line boundary, with one exception: a single line
//! longer than the ring, of which only the newest `N` bytes can be kept.

#![no_std]

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod fuzz_tests;

/// A ring of `N` bytes of log text, oldest first.
pub struct LogRing<const N: usize> {
    buf: [u8; N],
    /// Index in `buf` of the oldest retained byte; below `N`.
    head: usize,
    /// Number of retained bytes; at most `N`.
    len: usize,
    dropped: u64,
    written: u64,
}

impl<const N: usize> Default for LogRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LogRing<N> {
    /// An empty ring.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a LogRing needs room for at least one byte") };
        Self { buf: [0; N], head: 0, len: 0, dropped: 0, written: 0 }
    }

    /// Appends `record` (normally one line ending in `\n`). If it does not fit, the oldest
    /// whole lines are dropped to make room; if a line is longer than the whole ring, only its
    /// newest `N` bytes are kept.
    pub fn push(&mut self, record: &[u8]) {
        self.written = self.written.saturating_add(record.len() as u64);
        let excess = (self.len + record.len()).saturating_sub(N);
        // Drop at least `excess` bytes of (retained text ++ record), up to and including a
        // newline if there is a suitable one; otherwise exactly `excess`.
        let drop = if excess == 0 { 0 } else { self.line_start_at_or_after(excess, record) };
        let from_ring = drop.min(self.len);
        let record = &record[drop - from_ring..];
        self.head = self.index(from_ring);
        self.len -= from_ring;
        self.dropped = self.dropped.saturating_add(drop as u64);
        // `record` now fits: len + record.len() <= N.
        let tail = self.index(self.len);
        let first = record.len().min(N - tail);
        let (a, b) = record.split_at(first);
        self.buf[tail..tail + a.len()].copy_from_slice(a);
        self.buf[..b.len()].copy_from_slice(b);
        self.len += record.len();
    }

    /// Copies the retained text, oldest first, into `out` and returns the number of bytes
    /// copied. If `out` is too small, it gets the newest whole lines that fit (possibly
    /// none), so the copy still starts at a line boundary.
    pub fn read(&self, out: &mut [u8]) -> usize {
        let skip = if out.len() >= self.len {
            0
        } else {
            match self.newline_at_or_after(self.len - out.len() - 1) {
                Some(newline) => newline + 1,
                None => self.len,
            }
        };
        let count = self.len - skip;
        let (a, b) = self.slices();
        let from_a = a.len().saturating_sub(skip);
        let a = &a[a.len() - from_a..];
        let b = &b[b.len() - (count - from_a)..];
        out[..a.len()].copy_from_slice(a);
        out[a.len()..count].copy_from_slice(b);
        count
    }

    /// Number of bytes retained.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is retained.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the ring in bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Bytes pushed but no longer retained (dropped lines and cut-off parts of overlong
    /// lines), since the ring was created.
    pub fn dropped_bytes(&self) -> u64 {
        self.dropped
    }

    /// Bytes pushed since the ring was created; only ever grows (saturating at `u64::MAX`),
    /// so a reader can tell whether anything new arrived.
    pub fn total_written(&self) -> u64 {
        self.written
    }

    /// Index in `buf` of the retained byte at `offset` (at most `N`) from the oldest one.
    fn index(&self, offset: usize) -> usize {
        let i = self.head + offset;
        if i >= N { i - N } else { i }
    }

    /// The retained text as two slices: oldest part, then the part that wrapped around.
    fn slices(&self) -> (&[u8], &[u8]) {
        let first = self.len.min(N - self.head);
        (&self.buf[self.head..self.head + first], &self.buf[..self.len - first])
    }

    /// Offset of the first newline at or after `offset` in the retained text.
    fn newline_at_or_after(&self, offset: usize) -> Option<usize> {
        let (a, b) = self.slices();
        a.iter().chain(b).skip(offset).position(|&c| c == b'\n').map(|p| offset + p)
    }

    /// In the stream (retained text ++ `record`), the smallest line start at or after
    /// `offset` that leaves some text; `offset` itself if there is none, because the newest
    /// line is longer than the ring and only its tail can stay.
    fn line_start_at_or_after(&self, offset: usize, record: &[u8]) -> usize {
        let in_ring = self.newline_at_or_after(offset - 1);
        let in_record = || {
            let from = (offset - 1).saturating_sub(self.len);
            record[from..].iter().position(|&c| c == b'\n').map(|p| self.len + from + p)
        };
        match in_ring.or_else(in_record) {
            Some(newline) if newline + 1 < self.len + record.len() => newline + 1,
            _ => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn contents<const N: usize>(ring: &LogRing<N>) -> Vec<u8> {
        let mut out = vec![0; N];
        let n = ring.read(&mut out);
        out.truncate(n);
        out
    }

    #[test]
    fn starts_empty() {
        let ring = LogRing::<16>::new();
        assert!(ring.is_empty());
        assert_eq!((ring.len(), ring.capacity(), ring.dropped_bytes(), ring.total_written()), (0, 16, 0, 0));
        assert_eq!(ring.read(&mut []), 0);
        assert_eq!(contents(&ring), b"");
    }

    #[test]
    fn usable_in_a_static() {
        static RING: LogRing<64> = LogRing::new();
        assert!(RING.is_empty());
        assert_eq!(LogRing::<8>::default().capacity(), 8);
    }

    #[test]
    fn keeps_lines_in_order() {
        let mut ring = LogRing::<64>::new();
        ring.push(b"one\n");
        ring.push(b"two\n");
        ring.push(b"");
        ring.push(b"thr");
        ring.push(b"ee\n");
        assert_eq!(contents(&ring), b"one\ntwo\nthree\n");
        assert_eq!((ring.len(), ring.total_written(), ring.dropped_bytes()), (14, 14, 0));
    }

    #[test]
    fn exactly_full_drops_nothing() {
        let mut ring = LogRing::<8>::new();
        ring.push(b"abc\n");
        ring.push(b"def\n");
        assert_eq!(contents(&ring), b"abc\ndef\n");
        assert_eq!((ring.len(), ring.dropped_bytes()), (8, 0));
        // One more byte drops the whole oldest line.
        ring.push(b"g");
        assert_eq!(contents(&ring), b"def\ng");
        assert_eq!((ring.len(), ring.dropped_bytes(), ring.total_written()), (5, 4, 9));
    }

    #[test]
    fn wraps_around_dropping_whole_lines() {
        let mut ring = LogRing::<10>::new();
        ring.push(b"aa\n");
        ring.push(b"bbb\n");
        ring.push(b"cc\n"); // 10 bytes, full
        ring.push(b"dddd\n"); // needs 5: drops "aa\n" and "bbb\n"
        assert_eq!(contents(&ring), b"cc\ndddd\n");
        assert_eq!(ring.dropped_bytes(), 7);
        ring.push(b"e\n");
        ring.push(b"f\n"); // needs 2 more than the 10: drops "cc\n"
        assert_eq!(contents(&ring), b"dddd\ne\nf\n");
        for i in 0..50u8 {
            ring.push(&[b'0' + i % 10, b'\n']);
        }
        assert_eq!(contents(&ring), b"5\n6\n7\n8\n9\n");
        assert_eq!(ring.total_written(), 15 + 2 + 2 + 100);
        assert_eq!(ring.dropped_bytes(), ring.total_written() - ring.len() as u64);
    }

    #[test]
    fn partial_line_at_the_end_is_dropped_with_its_continuation() {
        let mut ring = LogRing::<10>::new();
        ring.push(b"abcdefgh"); // no newline yet
        ring.push(b"ij\nk\n"); // the line "abcdefghij\n" is longer than what fits
        assert_eq!(contents(&ring), b"k\n");
        assert_eq!(ring.dropped_bytes(), 11);
    }

    #[test]
    fn oversized_records_keep_their_tail() {
        let mut ring = LogRing::<8>::new();
        ring.push(b"x\n");
        ring.push(b"0123456789abcdef");
        assert_eq!(contents(&ring), b"89abcdef");
        assert_eq!((ring.len(), ring.dropped_bytes(), ring.total_written()), (8, 10, 18));
        // The overlong line goes on: still only its tail is kept.
        ring.push(b"gh\n");
        assert_eq!(contents(&ring), b"bcdefgh\n");
        // The next line pushes out the cut-off line entirely.
        ring.push(b"ok\n");
        assert_eq!(contents(&ring), b"ok\n");
        // An oversized record made of lines keeps its newest whole lines.
        ring.push(b"line one\nline two\nl3\nl4\n");
        assert_eq!(contents(&ring), b"l3\nl4\n");
    }

    #[test]
    fn overlong_line_with_newline_keeps_its_tail() {
        let mut ring = LogRing::<8>::new();
        ring.push(b"a\n");
        ring.push(b"0123456789\n");
        assert_eq!(contents(&ring), b"3456789\n");
        assert_eq!(ring.dropped_bytes(), 5);
        ring.push(b"z\n");
        assert_eq!(contents(&ring), b"z\n");
    }

    #[test]
    fn record_of_exactly_capacity() {
        let mut ring = LogRing::<6>::new();
        ring.push(b"a\n");
        ring.push(b"bcdef\n");
        assert_eq!(contents(&ring), b"bcdef\n");
        assert_eq!(ring.dropped_bytes(), 2);
    }

    #[test]
    fn small_reads_start_at_a_line() {
        let mut ring = LogRing::<32>::new();
        ring.push(b"first\nsecond\nthird\n");
        let mut out = [0u8; 12];
        let n = ring.read(&mut out);
        assert_eq!(&out[..n], b"third\n");
        let mut out = [0u8; 13];
        assert_eq!(ring.read(&mut out), 13);
        assert_eq!(&out, b"second\nthird\n");
        let mut out = [0u8; 5];
        assert_eq!(ring.read(&mut out), 0, "the newest line does not fit");
        // A trailing partial line counts as the newest line.
        ring.push(b"4th");
        let mut out = [0u8; 5];
        assert_eq!(ring.read(&mut out), 3);
        assert_eq!(&out[..3], b"4th");
    }

    #[test]
    fn reads_across_the_wrap() {
        let mut ring = LogRing::<8>::new();
        ring.push(b"abc\n");
        ring.push(b"de\n");
        ring.push(b"fg\n"); // drops "abc\n"; now wrapped: "de\nfg\n"
        assert_eq!(contents(&ring), b"de\nfg\n");
        let mut out = [0u8; 4];
        assert_eq!(ring.read(&mut out), 3);
        assert_eq!(&out[..3], b"fg\n");
        let mut big = [0xaa; 100];
        assert_eq!(ring.read(&mut big), 6);
        assert_eq!(&big[..7], b"de\nfg\n\xaa");
    }

    #[test]
    fn one_byte_ring() {
        let mut ring = LogRing::<1>::new();
        ring.push(b"abc");
        assert_eq!(contents(&ring), b"c");
        ring.push(b"\n");
        assert_eq!(contents(&ring), b"\n");
        ring.push(b"\n");
        assert_eq!(contents(&ring), b"\n");
        assert_eq!((ring.dropped_bytes(), ring.total_written()), (4, 5));
    }
}
