//! Splitting input into lines the way the line-oriented utilities see it: on `\n`, with a final
//! line that lacks its `\n` still counted, and no empty line after a final `\n`; and skipping
//! the blank-separated fields of a line as `sort` and `uniq -f` count them.

use alloc::vec::Vec;

use crate::charclass::is_blank;

/// The lines of `input`, without their `\n`.
pub fn split_lines(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    let count = if input.is_empty() { 0 } else { usize::MAX };
    body.split(|&byte| byte == b'\n').take(count)
}

/// Appends `line` and a `\n` to `out`.
pub fn push_line(out: &mut Vec<u8>, line: &[u8]) {
    out.extend_from_slice(line);
    out.push(b'\n');
}

/// The position after `count` more fields of `line` from `pos`, a field being a run of blanks
/// (space, tab) and the non-blanks after it.
pub(crate) fn skip_blank_fields(line: &[u8], mut pos: usize, count: usize) -> usize {
    for _ in 0..count {
        if pos >= line.len() {
            break;
        }
        pos += line[pos..].iter().take_while(|&&byte| is_blank(byte)).count();
        pos += line[pos..].iter().take_while(|&&byte| !is_blank(byte)).count();
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn lines(input: &[u8]) -> Vec<&[u8]> {
        split_lines(input).collect()
    }

    #[test]
    fn split_lines_handles_final_newline_and_its_absence() {
        assert_eq!(lines(b"a\nb\n"), [b"a", b"b"]);
        assert_eq!(lines(b"a\nb"), [b"a", b"b"]);
        assert_eq!(lines(b"\n\n"), [b"", b""]);
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"\n"), [b""]);
    }

    #[test]
    fn blank_fields_include_their_leading_blanks() {
        assert_eq!(skip_blank_fields(b" a  b c", 0, 1), 2);
        assert_eq!(skip_blank_fields(b" a  b c", 0, 2), 5);
        assert_eq!(skip_blank_fields(b" a  b c", 2, 1), 5);
        assert_eq!(skip_blank_fields(b"a", 0, usize::MAX), 1);
    }

    #[test]
    fn push_line_appends_a_newline() {
        let mut out = Vec::new();
        push_line(&mut out, b"x");
        push_line(&mut out, b"");
        assert_eq!(out, b"x\n\n");
    }
}
