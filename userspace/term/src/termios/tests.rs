//! Host tests of the settings: Linux defaults and values, `make_raw`, and the binary layouts of
//! `struct termios` and `struct winsize`. Test-only; uses `std`.

use super::*;

#[test]
fn defaults_are_linux_sane_settings() {
    let termios = Termios::default();
    assert!(termios.is_canonical());
    assert!(termios.local.contains(LocalFlags::ISIG | LocalFlags::ECHO | LocalFlags::ECHOE | LocalFlags::IEXTEN));
    assert!(termios.input.contains(InputFlags::ICRNL));
    assert!(termios.output.contains(OutputFlags::OPOST | OutputFlags::ONLCR));
    assert_eq!(termios.local.bits(), 0o105073, "stty sane's c_lflag on Linux");
    assert_eq!(termios.control.bits(), 0o2277);
}

#[test]
fn default_control_characters_follow_linux() {
    let cc = Termios::default().cc;
    let expected = [
        (Cc::Intr, 0x03),
        (Cc::Quit, 0x1c),
        (Cc::Erase, 0x7f),
        (Cc::Kill, 0x15),
        (Cc::Eof, 0x04),
        (Cc::Time, 0),
        (Cc::Min, 1),
        (Cc::Start, 0x11),
        (Cc::Stop, 0x13),
        (Cc::Susp, 0x1a),
        (Cc::Eol, 0),
        (Cc::Reprint, 0x12),
        (Cc::Werase, 0x17),
        (Cc::Lnext, 0x16),
        (Cc::Eol2, 0),
    ];
    for (which, value) in expected {
        assert_eq!(cc[which], value, "{which:?}");
    }
    assert_eq!(cc.as_bytes()[..8], [0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1, 0], "Linux c_cc indices");
}

#[test]
fn disabled_control_character_matches_no_byte() {
    let mut cc = ControlChars::default();
    assert!(cc.is(Cc::Intr, 0x03));
    assert!(!cc.is(Cc::Eol, 0));
    cc[Cc::Intr] = 0;
    assert!(!cc.is(Cc::Intr, 0));
    assert!(!cc.is(Cc::Intr, 0x03));
}

#[test]
fn make_raw_clears_what_cfmakeraw_clears() {
    let mut termios = Termios::default();
    termios.input.insert(InputFlags::ISTRIP | InputFlags::INLCR | InputFlags::IGNCR);
    termios.local.insert(LocalFlags::ECHONL);
    termios.control.insert(ControlFlags::PARENB);
    termios.cc[Cc::Min] = 9;
    termios.cc[Cc::Time] = 9;
    termios.make_raw();
    assert!(!termios.is_canonical());
    assert_eq!(termios.input, InputFlags::IMAXBEL | InputFlags::IUTF8);
    assert!(!termios.output.contains(OutputFlags::OPOST));
    assert!(termios.output.contains(OutputFlags::ONLCR), "ONLCR stays but does nothing without OPOST");
    assert_eq!(termios.local, LocalFlags::ECHOE | LocalFlags::ECHOK | LocalFlags::ECHOCTL | LocalFlags::ECHOKE);
    assert!(!termios.control.contains(ControlFlags::PARENB));
    assert!(termios.control.contains(ControlFlags::CS8 | ControlFlags::CREAD));
    assert_eq!((termios.cc[Cc::Min], termios.cc[Cc::Time]), (1, 0));
}

#[test]
fn termios_binary_layout_has_fields_at_documented_offsets() {
    let mut termios = Termios { line: 0x5a, output_speed: 0x0102_0304, ..Termios::default() };
    termios.cc[Cc::Eol2] = 0x42;
    let bytes = termios.to_bytes();
    assert_eq!(bytes.len(), TERMIOS_LEN);
    assert_eq!(bytes[0..4], termios.input.bits().to_le_bytes());
    assert_eq!(bytes[4..8], [0o5, 0, 0, 0], "OPOST | ONLCR");
    assert_eq!(bytes[12..16], 0o105073u32.to_le_bytes());
    assert_eq!(bytes[16], 0x5a);
    assert_eq!(bytes[17], 0x03, "c_cc[VINTR]");
    assert_eq!(bytes[17 + 16], 0x42, "c_cc[VEOL2]");
    assert_eq!(bytes[49..52], [0, 0, 0], "padding");
    assert_eq!(bytes[52..56], 0o17u32.to_le_bytes());
    assert_eq!(bytes[56..60], [4, 3, 2, 1]);
}

#[test]
fn termios_round_trips_through_bytes_with_unknown_bits_kept() {
    let mut termios = Termios::default();
    termios.make_raw();
    termios.input = InputFlags::from_bits(0xdead_beef);
    termios.cc = ControlChars::from_bytes(core::array::from_fn(|i| i as u8 * 7));
    assert_eq!(Termios::from_bytes(&termios.to_bytes()), Ok(termios));
}

#[test]
fn termios_from_bytes_ignores_padding_and_rejects_wrong_lengths() {
    let mut bytes = Termios::default().to_bytes();
    bytes[50] = 0xff;
    assert_eq!(Termios::from_bytes(&bytes), Ok(Termios::default()));
    assert_eq!(Termios::from_bytes(&bytes[..59]), Err(LayoutError::WrongLength { expected: 60, found: 59 }));
    assert_eq!(Termios::from_bytes(&[]), Err(LayoutError::WrongLength { expected: 60, found: 0 }));
    let long = [0u8; 61];
    assert!(Termios::from_bytes(&long).is_err());
}

#[test]
fn window_size_binary_layout_is_four_little_endian_u16s() {
    let size = WindowSize { rows: 25, cols: 80, xpixel: 640, ypixel: 0x0102 };
    let bytes = size.to_bytes();
    assert_eq!(bytes, [25, 0, 80, 0, 0x80, 0x02, 0x02, 0x01]);
    assert_eq!(WindowSize::from_bytes(&bytes), Ok(size));
    assert_eq!(WindowSize::from_bytes(&bytes[..7]), Err(LayoutError::WrongLength { expected: 8, found: 7 }));
}

#[test]
fn layout_error_explains_itself() {
    let error = LayoutError::WrongLength { expected: 8, found: 3 };
    assert_eq!(std::format!("{error}"), "expected 8 bytes, found 3");
}

#[test]
fn flag_set_operations_insert_remove_and_set() {
    let mut flags = LocalFlags::empty();
    flags.insert(LocalFlags::ECHO | LocalFlags::ISIG);
    assert!(flags.contains(LocalFlags::ECHO));
    flags.remove(LocalFlags::ECHO);
    assert!(!flags.contains(LocalFlags::ECHO));
    assert!(flags.contains(LocalFlags::ISIG));
    flags.set(LocalFlags::TOSTOP, true);
    flags.set(LocalFlags::ISIG, false);
    assert_eq!(flags, LocalFlags::TOSTOP);
    assert!(flags.contains(LocalFlags::empty()));
}
