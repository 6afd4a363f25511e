//! The C control-character escapes (`\a \f \n \r \t \v`) that `sed`, `tr` and `printf` all
//! understand; each adds its own few on top.

/// The byte that `\letter` stands for, if `letter` is one of `a f n r t v`.
pub(crate) fn control_escape(letter: u8) -> Option<u8> {
    Some(match letter {
        b'a' => 0x07,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_letters() {
        assert_eq!(control_escape(b'n'), Some(b'\n'));
        assert_eq!(control_escape(b'v'), Some(0x0b));
        assert_eq!(control_escape(b'b'), None);
        assert_eq!(control_escape(b'q'), None);
    }
}
