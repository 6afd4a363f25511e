//! The escape-sequence parser of the screen: a byte-at-a-time state machine after the DEC
//! VT500 parser (Paul Williams' diagram, as xterm and `vte` implement it) for UTF-8 output.
//! It recognises printable text (decoded as UTF-8), C0 controls, `ESC` sequences and CSI
//! sequences, and swallows OSC, DCS, SOS, PM and APC strings. Parameters saturate at 65535 and
//! at most [`MAX_PARAMS`] are kept, so no input can make it misbehave.

use crate::utf8::Utf8Decoder;

/// Parameters kept per CSI sequence; further ones are dropped.
pub(crate) const MAX_PARAMS: usize = 32;
/// Intermediate bytes kept per sequence; a sequence with more is ignored.
const MAX_INTERMEDIATES: usize = 2;

const ESC: u8 = 0x1b;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;
const BEL: u8 = 0x07;
const DEL: u8 = 0x7f;

/// The numeric parameters of a CSI sequence. A missing parameter reads as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    values: [u16; MAX_PARAMS],
    /// Bit `i` set: `values[i]` followed a `:` (a sub-parameter of the one before).
    subparams: u32,
    len: usize,
    /// More parameters came than fit; their digits are dropped.
    full: bool,
}

impl Params {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Parameter `index`, 0 if missing.
    pub(crate) fn get(&self, index: usize) -> u16 {
        self.values().get(index).copied().unwrap_or(0)
    }

    /// Parameter `index`, or `default` if it is missing or 0 (the rule for counts and positions).
    pub(crate) fn count(&self, index: usize, default: u16) -> u16 {
        match self.get(index) {
            0 => default,
            value => value,
        }
    }

    pub(crate) fn values(&self) -> &[u16] {
        &self.values[..self.len]
    }

    /// Whether parameter `index` is a sub-parameter (followed a `:`).
    pub(crate) fn is_subparam(&self, index: usize) -> bool {
        index < self.len && self.subparams & (1 << index) != 0
    }

    fn digit(&mut self, digit: u8) {
        if self.full {
            return;
        }
        if self.len == 0 {
            self.len = 1;
        }
        let value = &mut self.values[self.len - 1];
        *value = value.saturating_mul(10).saturating_add(u16::from(digit - b'0'));
    }

    fn separator(&mut self, subparam: bool) {
        if self.len == 0 {
            self.len = 1;
        }
        if self.len == MAX_PARAMS {
            self.full = true;
            return;
        }
        if subparam {
            self.subparams |= 1 << self.len;
        }
        self.len += 1;
    }
}

/// A complete CSI sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Csi {
    /// A private marker (`<`, `=`, `>` or `?`) right after `CSI`.
    pub(crate) private: Option<u8>,
    pub(crate) params: Params,
    pub(crate) intermediates: Intermediates,
    pub(crate) final_byte: u8,
}

/// The intermediate bytes (0x20–0x2f) of a sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Intermediates {
    bytes: [u8; MAX_INTERMEDIATES],
    len: usize,
    overflow: bool,
}

impl Intermediates {
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, byte: u8) {
        match self.bytes.get_mut(self.len) {
            Some(slot) => {
                *slot = byte;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }
}

/// What the parser recognises, for the screen to act on.
pub(crate) trait Perform {
    /// A character to show.
    fn print(&mut self, ch: char);
    /// A C0 control character.
    fn execute(&mut self, byte: u8);
    /// `ESC` [intermediates] final.
    fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8);
    /// `CSI` [private] params [intermediates] final.
    fn csi_dispatch(&mut self, csi: &Csi);
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    Escape,
    EscapeIntermediate,
    CsiEntry,
    CsiParam,
    CsiIntermediate,
    /// A malformed CSI sequence, ignored up to its final byte.
    CsiIgnore,
    /// OSC, DCS, SOS, PM or APC string, ignored up to ST (`ESC \`), BEL, CAN or SUB.
    String,
}

/// The parser state.
#[derive(Clone, Debug, Default)]
pub(crate) struct Parser {
    state: State,
    utf8: Utf8Decoder,
    csi: Csi,
}

impl Parser {
    /// Feeds one byte.
    pub(crate) fn advance(&mut self, byte: u8, sink: &mut impl Perform) {
        if self.state != State::Ground && self.state != State::String && byte >= 0x80 {
            // A non-ASCII byte cannot continue a sequence: abandon it and show the text.
            self.state = State::Ground;
        }
        match byte {
            ESC => {
                self.finish_text(sink);
                self.csi = Csi::default();
                self.state = State::Escape;
                return;
            }
            CAN | SUB => {
                self.finish_text(sink);
                self.state = State::Ground;
                return;
            }
            _ => {}
        }
        match self.state {
            State::Ground => self.ground(byte, sink),
            State::Escape | State::EscapeIntermediate => self.escape(byte, sink),
            State::CsiEntry | State::CsiParam | State::CsiIntermediate | State::CsiIgnore => self.csi(byte, sink),
            State::String => {
                if byte == BEL {
                    self.state = State::Ground;
                }
            }
        }
    }

    fn ground(&mut self, byte: u8, sink: &mut impl Perform) {
        match byte {
            0x00..=0x1f => {
                self.finish_text(sink);
                sink.execute(byte);
            }
            DEL => self.finish_text(sink),
            _ => self.utf8.push(byte).for_each(|ch| sink.print(ch)),
        }
    }

    fn escape(&mut self, byte: u8, sink: &mut impl Perform) {
        match byte {
            0x00..=0x1f => sink.execute(byte),
            0x20..=0x2f => {
                self.csi.intermediates.push(byte);
                self.state = State::EscapeIntermediate;
            }
            b'[' if self.state == State::Escape => self.state = State::CsiEntry,
            b']' | b'P' | b'X' | b'^' | b'_' if self.state == State::Escape => self.state = State::String,
            0x30..=0x7e => {
                self.state = State::Ground;
                if !self.csi.intermediates.overflow {
                    sink.esc_dispatch(self.csi.intermediates.as_slice(), byte);
                }
            }
            _ => {}
        }
    }

    fn csi(&mut self, byte: u8, sink: &mut impl Perform) {
        let state = self.state;
        match byte {
            0x00..=0x1f => sink.execute(byte),
            DEL => {}
            0x40..=0x7e => {
                self.state = State::Ground;
                if state != State::CsiIgnore && !self.csi.intermediates.overflow {
                    self.csi.final_byte = byte;
                    sink.csi_dispatch(&self.csi);
                }
            }
            _ if state == State::CsiIgnore => {}
            0x20..=0x2f => {
                self.csi.intermediates.push(byte);
                self.state = State::CsiIntermediate;
            }
            _ if state == State::CsiIntermediate => self.state = State::CsiIgnore,
            b'0'..=b'9' => {
                self.csi.params.digit(byte);
                self.state = State::CsiParam;
            }
            b';' | b':' => {
                self.csi.params.separator(byte == b':');
                self.state = State::CsiParam;
            }
            b'<'..=b'?' if state == State::CsiEntry => {
                self.csi.private = Some(byte);
                self.state = State::CsiParam;
            }
            _ => self.state = State::CsiIgnore,
        }
    }

    /// Shows a U+FFFD for UTF-8 text cut short by a control or escape.
    fn finish_text(&mut self, sink: &mut impl Perform) {
        if let Some(ch) = self.utf8.flush() {
            sink.print(ch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// Records everything as text: `P(x)` print, `X(n)` execute, `E(ints;final)`, `C(...)`.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Perform for Log {
        fn print(&mut self, ch: char) {
            self.0.push(std::format!("P({ch})"));
        }
        fn execute(&mut self, byte: u8) {
            self.0.push(std::format!("X({byte})"));
        }
        fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8) {
            self.0.push(std::format!("E({};{})", String::from_utf8_lossy(intermediates), final_byte as char));
        }
        fn csi_dispatch(&mut self, csi: &Csi) {
            let params: Vec<String> = (0..csi.params.len())
                .map(|i| std::format!("{}{}", if csi.params.is_subparam(i) { ":" } else { "" }, csi.params.get(i)))
                .collect();
            self.0.push(std::format!(
                "C({}{}{}{})",
                csi.private.map(char::from).map(String::from).unwrap_or_default(),
                params.join(","),
                String::from_utf8_lossy(csi.intermediates.as_slice()),
                csi.final_byte as char
            ));
        }
    }

    fn parse(bytes: &[u8]) -> Vec<String> {
        let mut parser = Parser::default();
        let mut log = Log::default();
        for &byte in bytes {
            parser.advance(byte, &mut log);
        }
        log.0
    }

    #[test]
    fn text_controls_and_sequences_are_told_apart() {
        assert_eq!(parse(b"a\r\x1b[1;2H\x1b7"), ["P(a)", "X(13)", "C(1,2H)", "E(;7)"]);
    }

    #[test]
    fn private_marker_and_intermediates_are_reported() {
        assert_eq!(parse(b"\x1b[?25l\x1b[2 q\x1b(B"), ["C(?25l)", "C(2 q)", "E((;B)"]);
    }

    #[test]
    fn empty_and_trailing_parameters_read_as_zero() {
        assert_eq!(parse(b"\x1b[;5H\x1b[3;m"), ["C(0,5H)", "C(3,0m)"]);
    }

    #[test]
    fn colon_marks_subparameters() {
        assert_eq!(parse(b"\x1b[38:2:1:2:3m"), ["C(38,:2,:1,:2,:3m)"]);
    }

    #[test]
    fn giant_parameters_saturate() {
        assert_eq!(parse(b"\x1b[99999999999A"), ["C(65535A)"]);
    }

    #[test]
    fn excess_parameters_are_dropped() {
        let mut sequence = b"\x1b[".to_vec();
        for _ in 0..100 {
            sequence.extend_from_slice(b"7;");
        }
        sequence.push(b'm');
        let log = parse(&sequence);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].matches(',').count(), MAX_PARAMS - 1);
    }

    #[test]
    fn controls_inside_a_sequence_execute_without_ending_it() {
        assert_eq!(parse(b"\x1b[2\x08C"), ["X(8)", "C(2C)"]);
    }

    #[test]
    fn escape_cancel_and_substitute_abort_a_sequence() {
        assert_eq!(parse(b"\x1b[12\x1b[3A"), ["C(3A)"]);
        assert_eq!(parse(b"\x1b[12\x18A"), ["P(A)"]);
        assert_eq!(parse(b"\x1b[1\x1aB"), ["P(B)"]);
    }

    #[test]
    fn malformed_csi_is_ignored_to_its_final_byte() {
        assert_eq!(parse(b"\x1b[1?2Hx"), ["P(x)"]);
        assert_eq!(parse(b"\x1b[ 1Hy"), ["P(y)"]);
    }

    #[test]
    fn osc_and_dcs_strings_are_swallowed() {
        assert_eq!(parse(b"\x1b]0;t\xc3\xa9tle\x07a"), ["P(a)"]);
        assert_eq!(parse(b"\x1b]2;x\x1b\\b"), ["E(;\\)", "P(b)"]);
        assert_eq!(parse(b"\x1bPq#0;1\x1b\\c"), ["E(;\\)", "P(c)"]);
    }

    #[test]
    fn utf8_text_is_decoded_and_cut_sequences_are_replaced() {
        assert_eq!(parse("é€".as_bytes()), ["P(é)", "P(€)"]);
        assert_eq!(parse(b"\xe2\x82\nz"), ["P(\u{fffd})", "X(10)", "P(z)"]);
        assert_eq!(parse(b"\xe2\x1b[A"), ["P(\u{fffd})", "C(A)"]);
    }

    #[test]
    fn non_ascii_byte_abandons_a_sequence() {
        assert_eq!(parse(b"\x1b[1\xc3\xa9"), ["P(é)"]);
    }

    #[test]
    fn delete_is_ignored() {
        assert_eq!(parse(b"a\x7fb"), ["P(a)", "P(b)"]);
    }
}
