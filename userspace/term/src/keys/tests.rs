//! Host tests of the key decoder and encoder: every sequence form, control characters, Alt,
//! sequences split across reads, `flush`, malformed input, and encode→decode round trips.
//! Test-only; uses `std`.

use std::vec::Vec;

use super::*;

fn key(key: Key) -> KeyEvent {
    KeyEvent::new(key)
}

fn with(key: Key, modifiers: Modifiers) -> KeyEvent {
    KeyEvent::with(key, modifiers)
}

fn decode(bytes: &[u8]) -> Vec<KeyEvent> {
    let mut decoder = KeyDecoder::new();
    let mut keys = decoder.feed(bytes);
    keys.extend(decoder.flush());
    keys
}

fn ch(c: char) -> KeyEvent {
    key(Key::Char(c))
}

#[test]
fn plain_text_decodes_to_characters() {
    assert_eq!(decode("aZ é€".as_bytes()), [ch('a'), ch('Z'), ch(' '), ch('é'), ch('€')]);
}

#[test]
fn arrows_home_and_end_decode_in_both_cursor_modes() {
    let expected = [Key::Up, Key::Down, Key::Right, Key::Left, Key::Home, Key::End].map(key);
    assert_eq!(decode(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F"), expected);
    assert_eq!(decode(b"\x1bOA\x1bOB\x1bOC\x1bOD\x1bOH\x1bOF"), expected);
}

#[test]
fn tilde_sequences_decode_to_editing_keys() {
    let keys = decode(b"\x1b[1~\x1b[2~\x1b[3~\x1b[4~\x1b[5~\x1b[6~\x1b[7~\x1b[8~");
    let expected =
        [Key::Home, Key::Insert, Key::Delete, Key::End, Key::PageUp, Key::PageDown, Key::Home, Key::End].map(key);
    assert_eq!(keys, expected);
}

#[test]
fn function_keys_decode_from_ss3_and_tilde_forms() {
    assert_eq!(decode(b"\x1bOP\x1bOS"), [key(Key::Function(1)), key(Key::Function(4))]);
    let keys = decode(b"\x1b[15~\x1b[17~\x1b[21~\x1b[23~\x1b[24~\x1b[11~");
    assert_eq!(keys, [5, 6, 10, 11, 12, 1].map(|n| key(Key::Function(n))));
}

#[test]
fn modifier_parameters_decode_to_modifiers() {
    assert_eq!(decode(b"\x1b[1;5A"), [with(Key::Up, Modifiers::CTRL)]);
    assert_eq!(decode(b"\x1b[1;2D"), [with(Key::Left, Modifiers::SHIFT)]);
    assert_eq!(decode(b"\x1b[3;3~"), [with(Key::Delete, Modifiers::ALT)]);
    assert_eq!(decode(b"\x1b[1;8P"), [with(Key::Function(1), Modifiers::SHIFT | Modifiers::ALT | Modifiers::CTRL)]);
    assert_eq!(decode(b"\x1b[Z"), [with(Key::Tab, Modifiers::SHIFT)]);
}

#[test]
fn control_characters_decode_to_ctrl_keys() {
    let keys = decode(b"\x01\x03\x1a\x00\x08\x1c\x1f");
    let expected = ['a', 'c', 'z', ' ', 'h', '\\', '_'].map(|c| with(Key::Char(c), Modifiers::CTRL));
    assert_eq!(keys, expected);
    assert_eq!(decode(b"\r\t\x7f"), [key(Key::Enter), key(Key::Tab), key(Key::Backspace)]);
    assert_eq!(decode(b"\n"), [with(Key::Char('j'), Modifiers::CTRL)]);
}

#[test]
fn escape_prefix_decodes_to_alt() {
    assert_eq!(decode(b"\x1bx"), [with(Key::Char('x'), Modifiers::ALT)]);
    assert_eq!(decode(b"\x1b\x01"), [with(Key::Char('a'), Modifiers::ALT | Modifiers::CTRL)]);
    assert_eq!(decode(b"\x1b\x7f"), [with(Key::Backspace, Modifiers::ALT)]);
    assert_eq!(decode("\x1bé".as_bytes()), [with(Key::Char('é'), Modifiers::ALT)]);
    assert_eq!(decode(b"\x1b\x1b[A"), [with(Key::Up, Modifiers::ALT)], "rxvt-style Alt+Up");
}

#[test]
fn lone_escape_waits_for_flush() {
    let mut decoder = KeyDecoder::new();
    assert!(decoder.feed(b"\x1b").is_empty());
    assert!(decoder.is_pending());
    assert_eq!(decoder.flush(), [key(Key::Escape)]);
    assert!(!decoder.is_pending());
    assert!(decoder.flush().is_empty());
    decoder.feed(b"\x1b\x1b");
    assert_eq!(decoder.flush(), [with(Key::Escape, Modifiers::ALT)]);
}

#[test]
fn flush_turns_bare_introducers_into_alt_keys_and_drops_partial_sequences() {
    assert_eq!(decode(b"\x1b["), [with(Key::Char('['), Modifiers::ALT)]);
    assert_eq!(decode(b"\x1bO"), [with(Key::Char('O'), Modifiers::ALT)]);
    assert_eq!(decode(b"\x1b[1;5"), []);
    assert_eq!(decode(b"\xe2\x82"), [ch('\u{fffd}')]);
}

#[test]
fn sequences_split_across_reads_decode_once_complete() {
    let mut decoder = KeyDecoder::new();
    let mut keys = Vec::new();
    for byte in b"\x1b[1;5C\x1b[3~\xe2\x82\xac" {
        keys.extend(decoder.feed(&[*byte]));
    }
    assert_eq!(keys, [with(Key::Right, Modifiers::CTRL), key(Key::Delete), ch('€')]);
    assert!(!decoder.is_pending());
}

#[test]
fn unknown_and_malformed_sequences_are_dropped() {
    assert_eq!(decode(b"\x1b[99~a"), [ch('a')]);
    assert_eq!(decode(b"\x1b[<0;1;2Mb"), [ch('b')], "mouse report");
    assert_eq!(decode(b"\x1b[?1;2cc"), [ch('c')]);
    assert_eq!(decode(b"\x1bOzd"), [ch('d')]);
    assert_eq!(decode(b"\x1b[99999999999Ae"), [key(Key::Up), ch('e')]);
    let mut long = b"\x1b[".to_vec();
    long.extend([b'1'; 100]);
    long.extend(b"Af");
    assert_eq!(decode(&long), [ch('f')], "an over-long sequence is dropped whole");
}

#[test]
fn byte_that_cannot_continue_a_sequence_is_decoded_alone() {
    assert_eq!(decode(b"\x1b[1\rx"), [key(Key::Enter), ch('x')]);
    assert_eq!(decode(b"\x1bO\x03"), [with(Key::Char('c'), Modifiers::CTRL)]);
}

#[test]
fn control_byte_interrupts_unfinished_utf8() {
    assert_eq!(decode(b"\xc3\r"), [ch('\u{fffd}'), key(Key::Enter)]);
    assert_eq!(decode(b"\xc3\x1b[A"), [ch('\u{fffd}'), key(Key::Up)]);
}

#[test]
fn encoding_of_editing_keys_follows_xterm() {
    let normal = CursorKeyMode::Normal;
    assert_eq!(encode(key(Key::Enter), normal), b"\r");
    assert_eq!(encode(key(Key::Backspace), normal), b"\x7f");
    assert_eq!(encode(with(Key::Backspace, Modifiers::CTRL), normal), b"\x08");
    assert_eq!(encode(key(Key::Tab), normal), b"\t");
    assert_eq!(encode(with(Key::Tab, Modifiers::SHIFT), normal), b"\x1b[Z");
    assert_eq!(encode(key(Key::Escape), normal), b"\x1b");
    assert_eq!(encode(key(Key::Delete), normal), b"\x1b[3~");
    assert_eq!(encode(key(Key::Insert), normal), b"\x1b[2~");
    assert_eq!(encode(key(Key::PageUp), normal), b"\x1b[5~");
    assert_eq!(encode(key(Key::PageDown), normal), b"\x1b[6~");
    assert_eq!(encode(with(Key::Delete, Modifiers::SHIFT), normal), b"\x1b[3;2~");
}

#[test]
fn encoding_of_cursor_keys_depends_on_the_mode_and_modifiers() {
    assert_eq!(encode(key(Key::Up), CursorKeyMode::Normal), b"\x1b[A");
    assert_eq!(encode(key(Key::Up), CursorKeyMode::Application), b"\x1bOA");
    assert_eq!(encode(key(Key::Home), CursorKeyMode::Normal), b"\x1b[H");
    assert_eq!(encode(key(Key::End), CursorKeyMode::Application), b"\x1bOF");
    assert_eq!(encode(with(Key::Left, Modifiers::CTRL), CursorKeyMode::Application), b"\x1b[1;5D");
    assert_eq!(encode(with(Key::Right, Modifiers::ALT | Modifiers::SHIFT), CursorKeyMode::Normal), b"\x1b[1;4C");
}

#[test]
fn encoding_of_function_keys() {
    let normal = CursorKeyMode::Normal;
    assert_eq!(encode(key(Key::Function(1)), normal), b"\x1bOP");
    assert_eq!(encode(key(Key::Function(4)), normal), b"\x1bOS");
    assert_eq!(encode(with(Key::Function(2), Modifiers::CTRL), normal), b"\x1b[1;5Q");
    assert_eq!(encode(key(Key::Function(5)), normal), b"\x1b[15~");
    assert_eq!(encode(key(Key::Function(12)), normal), b"\x1b[24~");
    assert_eq!(encode(with(Key::Function(9), Modifiers::SHIFT), normal), b"\x1b[20;2~");
    assert!(encode(key(Key::Function(0)), normal).is_empty());
    assert!(encode(key(Key::Function(13)), normal).is_empty());
}

#[test]
fn encoding_of_characters_with_ctrl_and_alt() {
    let normal = CursorKeyMode::Normal;
    assert_eq!(encode(ch('é'), normal), "é".as_bytes());
    assert_eq!(encode(with(Key::Char('c'), Modifiers::CTRL), normal), b"\x03");
    assert_eq!(encode(with(Key::Char('C'), Modifiers::CTRL | Modifiers::SHIFT), normal), b"\x03");
    assert_eq!(encode(with(Key::Char(' '), Modifiers::CTRL), normal), b"\x00");
    assert_eq!(encode(with(Key::Char('['), Modifiers::CTRL), normal), b"\x1b");
    assert_eq!(encode(with(Key::Char('?'), Modifiers::CTRL), normal), b"\x7f");
    assert_eq!(encode(with(Key::Char('1'), Modifiers::CTRL), normal), b"1", "no control form");
    assert_eq!(encode(with(Key::Char('x'), Modifiers::ALT), normal), b"\x1bx");
    assert_eq!(encode(with(Key::Char('x'), Modifiers::ALT | Modifiers::CTRL), normal), b"\x1b\x18");
    assert_eq!(encode(with(Key::Enter, Modifiers::ALT), normal), b"\x1b\r");
    assert_eq!(encode(with(Key::Char('A'), Modifiers::SHIFT), normal), b"A");
}

#[test]
fn encoded_keys_decode_back_to_themselves() {
    let keys = [
        Key::Up,
        Key::Down,
        Key::Left,
        Key::Right,
        Key::Home,
        Key::End,
        Key::Insert,
        Key::Delete,
        Key::PageUp,
        Key::PageDown,
    ]
    .into_iter()
    .chain((1..=12).map(Key::Function));
    let mut checked = 0;
    for key in keys {
        for bits in 0..8 {
            let event = with(key, Modifiers::from_bits(bits));
            for mode in [CursorKeyMode::Normal, CursorKeyMode::Application] {
                assert_eq!(decode(&encode(event, mode)), [event], "{event:?} in {mode:?}");
                checked += 1;
            }
        }
    }
    for letter in b'a'..=b'z' {
        for modifiers in [Modifiers::empty(), Modifiers::CTRL, Modifiers::ALT, Modifiers::ALT | Modifiers::CTRL] {
            let event = with(Key::Char(char::from(letter)), modifiers);
            let mut without_ctrl = modifiers;
            without_ctrl.remove(Modifiers::CTRL);
            let expected = match (letter, modifiers.contains(Modifiers::CTRL)) {
                (b'm', true) => with(Key::Enter, without_ctrl),
                (b'i', true) => with(Key::Tab, without_ctrl),
                _ => event,
            };
            assert_eq!(decode(&encode(event, CursorKeyMode::Normal)), [expected], "{event:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 22 * 8 * 2 + 26 * 4);
}
