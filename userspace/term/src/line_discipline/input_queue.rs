//! The readable side of the input queue: bytes a reader may take, split into completed lines in
//! canonical mode (a read returns at most one line, and a line ended by `VEOF` at its start is an
//! end-of-file mark that makes one read return 0).

use alloc::collections::VecDeque;

/// Readable input. In canonical mode every byte belongs to a completed line and `lines` holds
/// their lengths; in non-canonical mode `lines` is empty and the bytes are one stream.
#[derive(Clone, Debug, Default)]
pub(super) struct InputQueue {
    bytes: VecDeque<u8>,
    /// Unread length of each completed line, oldest first; 0 only for an end-of-file mark.
    lines: VecDeque<usize>,
    /// Number of end-of-file marks in `lines`.
    eof_marks: usize,
}

impl InputQueue {
    /// Room taken, counting an end-of-file mark as one byte (as Linux stores it).
    pub(super) fn used(&self) -> usize {
        self.bytes.len() + self.eof_marks
    }

    /// Bytes readable right now.
    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether a completed line or end-of-file mark waits (canonical mode).
    pub(super) fn has_line(&self) -> bool {
        !self.lines.is_empty()
    }

    /// Appends bytes to the stream (non-canonical mode).
    pub(super) fn push_bytes(&mut self, bytes: &[u8]) {
        self.bytes.extend(bytes);
    }

    /// Appends one completed line; an empty one is an end-of-file mark.
    pub(super) fn push_line(&mut self, line: &[u8]) {
        self.bytes.extend(line);
        self.lines.push_back(line.len());
        if line.is_empty() {
            self.eof_marks += 1;
        }
    }

    /// Takes up to `buf.len()` bytes, at most the rest of one line while there are lines. Reading
    /// an end-of-file mark (with room for at least one byte) consumes it and returns 0.
    pub(super) fn read(&mut self, buf: &mut [u8]) -> usize {
        let count = self.peek(buf);
        self.consume(buf.len(), count);
        count
    }

    /// What [`Self::read`] would store in `buf`, leaving it queued.
    pub(super) fn peek(&self, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        let limit = match self.lines.front() {
            Some(0) => return 0,
            Some(rest) => *rest,
            None => self.bytes.len(),
        };
        let count = limit.min(buf.len()).min(self.bytes.len());
        for (slot, byte) in buf.iter_mut().zip(self.bytes.iter().take(count)) {
            *slot = *byte;
        }
        count
    }

    /// Takes what a [`Self::peek`] into a buffer of `room` bytes returned (`count` bytes, or the
    /// end-of-file mark it stopped at).
    pub(super) fn consume(&mut self, room: usize, count: usize) {
        if room == 0 {
            return;
        }
        if self.lines.front() == Some(&0) {
            self.lines.pop_front();
            self.eof_marks -= 1;
            return;
        }
        let count = count.min(self.bytes.len());
        self.bytes.drain(..count);
        if let Some(rest) = self.lines.front_mut() {
            *rest -= count.min(*rest);
            if *rest == 0 {
                self.lines.pop_front();
            }
        }
    }

    /// Drops everything.
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Leaves canonical mode: lines become one stream and end-of-file marks vanish.
    pub(super) fn forget_lines(&mut self) {
        self.lines.clear();
        self.eof_marks = 0;
    }

    /// Enters canonical mode: whatever is queued becomes one completed line, as on Linux.
    pub(super) fn make_line(&mut self) {
        self.forget_lines();
        if !self.bytes.is_empty() {
            self.lines.push_back(self.bytes.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_read_stops_at_the_end_of_one_line() {
        let mut queue = InputQueue::default();
        queue.push_line(b"ab\n");
        queue.push_line(b"cd\n");
        let mut buf = [0; 16];
        assert_eq!(queue.read(&mut buf), 3);
        assert_eq!(&buf[..3], b"ab\n");
        assert_eq!(queue.read(&mut buf), 3);
        assert_eq!(&buf[..3], b"cd\n");
        assert!(!queue.has_line());
    }

    #[test]
    fn line_read_in_pieces_keeps_its_boundary() {
        let mut queue = InputQueue::default();
        queue.push_line(b"hello\n");
        queue.push_line(b"x\n");
        let mut buf = [0; 4];
        assert_eq!(queue.read(&mut buf), 4);
        assert_eq!(queue.read(&mut buf), 2);
        assert_eq!(&buf[..2], b"o\n");
        assert_eq!(queue.read(&mut buf), 2);
        assert_eq!(&buf[..2], b"x\n");
    }

    #[test]
    fn end_of_file_mark_reads_as_zero_once_and_takes_room() {
        let mut queue = InputQueue::default();
        queue.push_line(b"");
        queue.push_line(b"z");
        assert_eq!(queue.used(), 2);
        let mut buf = [0; 4];
        assert_eq!(queue.read(&mut []), 0, "an empty read consumes nothing");
        assert!(queue.has_line());
        assert_eq!(queue.read(&mut buf), 0);
        assert_eq!(queue.read(&mut buf), 1);
        assert_eq!(queue.used(), 0);
    }

    #[test]
    fn mode_changes_merge_and_split_lines() {
        let mut queue = InputQueue::default();
        queue.push_line(b"a\n");
        queue.push_line(b"");
        queue.forget_lines();
        queue.push_bytes(b"bc");
        queue.make_line();
        let mut buf = [0; 8];
        assert_eq!(queue.read(&mut buf), 4);
        assert_eq!(&buf[..4], b"a\nbc");
        assert!(!queue.has_line());
    }

    #[test]
    fn peek_leaves_input_until_consumed() {
        let mut queue = InputQueue::default();
        queue.push_line(b"hello\n");
        queue.push_line(b"");
        let mut buf = [0; 4];
        assert_eq!(queue.peek(&mut buf), 4);
        assert_eq!(queue.peek(&mut buf), 4, "a peek takes nothing");
        assert_eq!(&buf, b"hell");
        queue.consume(buf.len(), 4);
        let mut rest = [0; 16];
        assert_eq!(queue.peek(&mut rest), 2);
        assert_eq!(&rest[..2], b"o\n");
        queue.consume(rest.len(), 2);
        assert_eq!(queue.peek(&mut rest), 0, "the end-of-file mark reads as 0");
        queue.consume(0, 0);
        assert!(queue.has_line(), "an empty read does not take the end-of-file mark");
        queue.consume(rest.len(), 0);
        assert!(!queue.has_line());
        assert_eq!(queue.used(), 0);
    }
}
