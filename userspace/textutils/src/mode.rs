//! The permission string of `ls -l` (`drwxr-xr-x`, `lrwxrwxrwx`, `-rwsr-x--T`) from a Unix
//! mode: file type letter, then read/write/execute for user, group and others, with setuid,
//! setgid and sticky shown as `s`/`S` and `t`/`T` in the execute places.

use alloc::string::String;

/// The mask of the file type bits of a mode.
const TYPE_MASK: u32 = 0o170_000;

/// `mode` as the ten characters `ls -l` prints.
pub fn mode_string(mode: u32) -> String {
    let kind = match mode & TYPE_MASK {
        0o140_000 => 's',
        0o120_000 => 'l',
        0o100_000 => '-',
        0o060_000 => 'b',
        0o040_000 => 'd',
        0o020_000 => 'c',
        0o010_000 => 'p',
        _ => '?',
    };
    let mut text = String::with_capacity(10);
    text.push(kind);
    // (read, write, execute, special bit, letter for special)
    let triads =
        [(0o400, 0o200, 0o100, 0o4000, 's'), (0o040, 0o020, 0o010, 0o2000, 's'), (0o004, 0o002, 0o001, 0o1000, 't')];
    for (read, write, execute, special, letter) in triads {
        text.push(if mode & read != 0 { 'r' } else { '-' });
        text.push(if mode & write != 0 { 'w' } else { '-' });
        text.push(match (mode & execute != 0, mode & special != 0) {
            (true, true) => letter,
            (false, true) => letter.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_permissions() {
        assert_eq!(mode_string(0o040_755), "drwxr-xr-x");
        assert_eq!(mode_string(0o120_777), "lrwxrwxrwx");
        assert_eq!(mode_string(0o100_644), "-rw-r--r--");
        assert_eq!(mode_string(0o020_620), "crw--w----");
        assert_eq!(mode_string(0o060_660), "brw-rw----");
        assert_eq!(mode_string(0o010_600), "prw-------");
        assert_eq!(mode_string(0o140_755), "srwxr-xr-x");
        assert_eq!(mode_string(0o000), "?---------");
    }

    #[test]
    fn setuid_setgid_and_sticky() {
        assert_eq!(mode_string(0o104_755), "-rwsr-xr-x");
        assert_eq!(mode_string(0o104_644), "-rwSr--r--");
        assert_eq!(mode_string(0o102_755), "-rwxr-sr-x");
        assert_eq!(mode_string(0o102_745), "-rwxr-Sr-x");
        assert_eq!(mode_string(0o041_777), "drwxrwxrwt");
        assert_eq!(mode_string(0o041_770), "drwxrwx--T");
        assert_eq!(mode_string(u32::MAX), "?rwsrwsrwt");
    }
}
