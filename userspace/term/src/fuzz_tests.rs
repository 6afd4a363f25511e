//! Randomised and adversarial tests across the crate: byte soup and hostile sequences for the
//! screen, the line discipline and the key decoder must never panic and must keep their
//! invariants; the UTF-8 decoder must agree with `String::from_utf8_lossy`; splitting input
//! across calls must not change the result; and raw-mode and canonical input must come out as
//! a simple model says. Test-only; uses `std` and [`crate::test_rng`].

use std::string::String;
use std::vec;
use std::vec::Vec;

use crate::keys::KeyDecoder;
use crate::line_discipline::{INPUT_CAPACITY, LineDiscipline, ReadWait};
use crate::screen::Screen;
use crate::termios::{Cc, ControlChars, ControlFlags, InputFlags, LocalFlags, NCCS, OutputFlags, Termios};
use crate::test_rng::XorShift;
use crate::utf8::Utf8Decoder;

/// Bytes that make escape sequences likely.
const SEQUENCE_ALPHABET: &[u8] = b"\x1b\x1b\x1b[[[;;:?0123456789ABCDEFGHJKLMPSTXZdfhlmnrsu@`~\r\n\t\x08\x07O#8c7";
/// Bytes that make terminal special characters likely.
const INPUT_ALPHABET: &[u8] = b"ab c\r\n\t\x03\x04\x08\x11\x13\x15\x16\x17\x12\x1a\x1c\x7f\xc3\xa9\xe2\x82\xac";

fn check_screen_invariants(screen: &Screen) {
    let (rows, cols) = (screen.rows(), screen.cols());
    let cursor = screen.cursor();
    if rows > 0 && cols > 0 {
        assert!(cursor.row < rows && cursor.col < cols, "cursor {cursor:?} outside {rows}x{cols}");
    }
    for row in 0..rows {
        assert_eq!(screen.row(row).map(<[_]>::len), Some(cols));
    }
    assert!(screen.row(rows).is_none());
    assert!(screen.dirty_rows().all(|row| row < rows));
    assert!(screen.text().lines().count() <= rows);
}

#[test]
fn screen_survives_random_byte_soup_and_resizes() {
    let mut rng = XorShift::new(0x5eed_0001);
    let sizes = [(0, 0), (1, 1), (2, 3), (24, 80), (5, 0), (0, 7), (40, 132)];
    for round in 0..60 {
        let (rows, cols) = sizes[round % sizes.len()];
        let mut screen = Screen::new(rows, cols);
        for _ in 0..20 {
            screen.feed(&rng.bytes(400, SEQUENCE_ALPHABET));
            check_screen_invariants(&screen);
            if rng.chance(15) {
                screen.resize(rng.below(50), rng.below(150));
                check_screen_invariants(&screen);
            }
            for reply in screen.take_replies().split(|&b| b == 0x1b).skip(1) {
                assert!(reply.starts_with(b"["), "a reply is a CSI sequence");
            }
            screen.clear_dirty();
        }
    }
}

#[test]
fn screen_survives_every_final_byte_with_hostile_parameters() {
    let params: [&[u8]; 7] = [b"", b"0", b"99999999999", b"65535;65535", b"1;99999;3", b"?99999", b"38;5;99999"];
    for (rows, cols) in [(0, 0), (1, 1), (3, 4), (24, 80)] {
        let mut screen = Screen::new(rows, cols);
        for param in params {
            for final_byte in 0x40..=0x7eu8 {
                let mut sequence = b"\x1b[".to_vec();
                sequence.extend_from_slice(param);
                sequence.push(final_byte);
                screen.feed(&sequence);
                check_screen_invariants(&screen);
                screen.feed(b"x\x1b7\x1b8\x1bM\x1bD\x1b#8");
            }
        }
        for mode in [1u32, 6, 7, 25, 47, 1047, 1048, 1049, 99999, 0] {
            screen.feed(std::format!("\x1b[?{mode}h\x1b[5;5Hab\x1b[?{mode}l\x1b[?{mode}h").as_bytes());
            check_screen_invariants(&screen);
        }
    }
}

#[test]
fn screen_gives_the_same_picture_however_the_output_is_split() {
    let mut rng = XorShift::new(0x5eed_0002);
    for _ in 0..40 {
        let input = rng.bytes(600, SEQUENCE_ALPHABET);
        let mut whole = Screen::new(6, 20);
        whole.feed(&input);
        let mut pieces = Screen::new(6, 20);
        let mut rest = input.as_slice();
        while !rest.is_empty() {
            let (piece, tail) = rest.split_at(rng.below(rest.len()).max(1).min(rest.len()));
            pieces.feed(piece);
            rest = tail;
        }
        assert_eq!(whole.text(), pieces.text());
        assert_eq!(whole.cursor(), pieces.cursor());
        assert_eq!(whole.take_replies(), pieces.take_replies());
    }
}

/// Termios with random flags and special characters.
fn random_termios(rng: &mut XorShift) -> Termios {
    let mut termios = Termios {
        input: InputFlags::from_bits(rng.next_u64() as u32),
        output: OutputFlags::from_bits(rng.next_u64() as u32),
        local: LocalFlags::from_bits(rng.next_u64() as u32),
        control: ControlFlags::from_bits(rng.next_u64() as u32),
        ..Termios::default()
    };
    if rng.chance(50) {
        let mut cc = [0; NCCS];
        cc.iter_mut().for_each(|c| *c = rng.pick(INPUT_ALPHABET));
        termios.cc = ControlChars::from_bytes(cc);
    }
    termios
}

#[test]
fn line_discipline_survives_random_settings_and_input() {
    let mut rng = XorShift::new(0x5eed_0003);
    for _ in 0..150 {
        let mut ld = LineDiscipline::new(random_termios(&mut rng));
        let (mut received, mut read) = (0usize, 0usize);
        for _ in 0..30 {
            let input = rng.bytes(300, INPUT_ALPHABET);
            received += input.len();
            let outcome = ld.receive(&input);
            assert!(outcome.signals.len() <= input.len());
            assert!(ld.readable_len() <= INPUT_CAPACITY);
            let mut buf = vec![0; rng.below(64)];
            if ld.read_wait(buf.len()) == ReadWait::Ready || rng.chance(30) {
                let count = ld.read(&mut buf);
                assert!(count <= buf.len());
                read += count;
            }
            if rng.chance(10) {
                ld.set_termios(random_termios(&mut rng));
            }
            let output = rng.bytes(50, INPUT_ALPHABET);
            assert!(ld.process_output(&output).len() <= 2 * output.len());
        }
        assert!(read <= received, "input processing never adds bytes");
    }
}

#[test]
fn raw_mode_delivers_every_byte_in_order() {
    let mut rng = XorShift::new(0x5eed_0004);
    let mut termios = Termios::default();
    termios.make_raw();
    let mut ld = LineDiscipline::new(termios);
    let mut sent = Vec::new();
    let mut got = Vec::new();
    for _ in 0..200 {
        let input = rng.bytes(100, INPUT_ALPHABET);
        assert!(ld.receive(&input).echo.is_empty());
        sent.extend_from_slice(&input);
        let mut buf = vec![0; rng.below(120)];
        let count = ld.read(&mut buf);
        got.extend_from_slice(&buf[..count]);
    }
    let mut buf = vec![0; INPUT_CAPACITY];
    let count = ld.read(&mut buf);
    got.extend_from_slice(&buf[..count]);
    assert_eq!(got, sent);
}

#[test]
fn canonical_mode_delivers_typed_lines_one_per_read() {
    let mut rng = XorShift::new(0x5eed_0005);
    let mut ld = LineDiscipline::default();
    for _ in 0..100 {
        let lines: Vec<Vec<u8>> = (0..rng.below(5))
            .map(|_| {
                let mut line = rng.bytes(40, b"abcdefgh ,.");
                line.retain(|b| b.is_ascii_graphic() || *b == b' ');
                line.push(b'\n');
                line
            })
            .collect();
        for line in &lines {
            let mut typed = line.clone();
            *typed.last_mut().unwrap() = b'\r';
            let echo = ld.receive(&typed).echo;
            assert_eq!(echo.strip_suffix(b"\r\n"), Some(&line[..line.len() - 1]));
        }
        for line in &lines {
            let mut buf = [0; 64];
            let count = ld.read(&mut buf);
            assert_eq!(&buf[..count], &line[..]);
        }
        assert_eq!(ld.read_wait(1), ReadWait::Wait);
    }
}

#[test]
fn special_characters_interleaved_with_random_reads_keep_the_queue_consistent() {
    let mut rng = XorShift::new(0x5eed_0006);
    let mut ld = LineDiscipline::default();
    for _ in 0..2000 {
        let byte = rng.pick(&[b'a', b'\n', 0x04, 0x7f, 0x15, 0x17, 0x16, 0x03, b'\t']);
        let count = if rng.chance(5) { INPUT_CAPACITY } else { 1 };
        ld.receive(&vec![byte; count]);
        if ld.termios().cc[Cc::Eof] == 0x04 && rng.chance(40) {
            let before = ld.readable_len();
            let mut buf = vec![0; rng.below(8) + 1];
            let count = ld.read(&mut buf);
            assert_eq!(ld.readable_len(), before - count);
        }
    }
}

#[test]
fn key_decoder_survives_byte_soup_and_ignores_how_input_is_split() {
    let mut rng = XorShift::new(0x5eed_0007);
    for _ in 0..200 {
        let input = rng.bytes(200, SEQUENCE_ALPHABET);
        let mut whole = KeyDecoder::new();
        let mut expected = whole.feed(&input);
        expected.extend(whole.flush());
        let mut pieces = KeyDecoder::new();
        let mut got = Vec::new();
        for chunk in input.chunks(rng.below(7) + 1) {
            got.extend(pieces.feed(chunk));
        }
        got.extend(pieces.flush());
        assert_eq!(got, expected);
        assert!(!pieces.is_pending());
    }
}

#[test]
fn utf8_decoder_agrees_with_from_utf8_lossy() {
    let mut rng = XorShift::new(0x5eed_0008);
    let alphabet = b"a\x80\xbf\xc2\xc3\xdf\xe0\xe1\xed\xef\xf0\xf4\xf5\xff\x9f\xa0\x90\x8f";
    for _ in 0..3000 {
        let bytes = rng.bytes(24, alphabet);
        let mut decoder = Utf8Decoder::default();
        let mut decoded: String = bytes.iter().flat_map(|&b| decoder.push(b)).collect();
        decoded.extend(decoder.flush());
        assert_eq!(decoded, String::from_utf8_lossy(&bytes), "{bytes:x?}");
    }
}
