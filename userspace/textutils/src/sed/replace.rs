//! The replacement part of `s/regex/replacement/`: parsing it (`&`, `\1`..`\9`, escapes, GNU's
//! case conversions `\U \L \u \l \E`) and expanding it for one match.

use alloc::vec::Vec;

use crate::escape::control_escape;
use crate::regex::Match;

/// A case conversion of GNU sed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaseConversion {
    /// `\u`: the next byte to upper case.
    UpperNext,
    /// `\l`: the next byte to lower case.
    LowerNext,
    /// `\U`: upper case until `\E` or `\L`.
    Upper,
    /// `\L`: lower case until `\E` or `\U`.
    Lower,
    /// `\E`: stop converting.
    End,
}

/// One part of a replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Literal(u8),
    /// The text of a group; 0 is the whole match (`&`).
    Group(usize),
    Case(CaseConversion),
}

/// A parsed replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Replacement {
    pieces: Vec<Piece>,
}

/// A replacement without its closing delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unterminated;

impl Replacement {
    /// Parses the replacement starting at `text[start]` up to the unescaped `delimiter`;
    /// returns it and the index after the delimiter.
    pub(super) fn parse(text: &[u8], start: usize, delimiter: u8) -> Result<(Replacement, usize), Unterminated> {
        let mut pieces = Vec::new();
        let mut pos = start;
        loop {
            let byte = *text.get(pos).ok_or(Unterminated)?;
            pos += 1;
            let piece = match byte {
                _ if byte == delimiter => return Ok((Replacement { pieces }, pos)),
                b'\n' => return Err(Unterminated),
                b'&' => Piece::Group(0),
                b'\\' => {
                    let escaped = *text.get(pos).ok_or(Unterminated)?;
                    pos += 1;
                    match escaped {
                        _ if escaped == delimiter => Piece::Literal(escaped),
                        b'0'..=b'9' => Piece::Group(usize::from(escaped - b'0')),
                        b'L' => Piece::Case(CaseConversion::Lower),
                        b'U' => Piece::Case(CaseConversion::Upper),
                        b'l' => Piece::Case(CaseConversion::LowerNext),
                        b'u' => Piece::Case(CaseConversion::UpperNext),
                        b'E' => Piece::Case(CaseConversion::End),
                        _ => Piece::Literal(control_escape(escaped).unwrap_or(escaped)),
                    }
                }
                _ => Piece::Literal(byte),
            };
            pieces.push(piece);
        }
    }

    /// The highest group number the replacement refers to.
    pub(super) fn max_group(&self) -> usize {
        self.pieces
            .iter()
            .filter_map(|piece| if let Piece::Group(group) = piece { Some(*group) } else { None })
            .max()
            .unwrap_or(0)
    }

    /// Appends the replacement for `found` in `subject` to `out`.
    pub(super) fn expand(&self, subject: &[u8], found: &Match, out: &mut Vec<u8>) {
        let mut converter = Converter { next: None, ongoing: None };
        for piece in &self.pieces {
            match piece {
                Piece::Literal(byte) => out.push(converter.convert(*byte)),
                Piece::Group(group) => {
                    if let Some(text) = found.group(*group).and_then(|(start, end)| subject.get(start..end)) {
                        out.extend(text.iter().map(|&byte| converter.convert(byte)));
                    }
                }
                Piece::Case(conversion) => converter.switch(*conversion),
            }
        }
    }
}

/// The state of the case conversions while expanding.
struct Converter {
    /// `\u` or `\l` waiting for the next byte.
    next: Option<CaseConversion>,
    /// `\U` or `\L` in force.
    ongoing: Option<CaseConversion>,
}

impl Converter {
    fn switch(&mut self, conversion: CaseConversion) {
        match conversion {
            CaseConversion::UpperNext | CaseConversion::LowerNext => self.next = Some(conversion),
            CaseConversion::Upper | CaseConversion::Lower => self.ongoing = Some(conversion),
            CaseConversion::End => {
                self.next = None;
                self.ongoing = None;
            }
        }
    }

    fn convert(&mut self, byte: u8) -> u8 {
        match self.next.take().or(self.ongoing) {
            Some(CaseConversion::UpperNext | CaseConversion::Upper) => byte.to_ascii_uppercase(),
            Some(CaseConversion::LowerNext | CaseConversion::Lower) => byte.to_ascii_lowercase(),
            _ => byte,
        }
    }
}
