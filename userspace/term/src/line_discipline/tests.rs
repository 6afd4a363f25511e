//! Host tests of the line discipline: canonical editing and its echo, signals, end of file,
//! non-canonical `VMIN`/`VTIME`, input translation, flow control, the bounded queue and output
//! processing. Test-only; uses `std`.

use std::vec;
use std::vec::Vec;

use super::*;
use crate::termios::OutputFlags;

fn with(change: impl FnOnce(&mut Termios)) -> LineDiscipline {
    let mut termios = Termios::default();
    change(&mut termios);
    LineDiscipline::new(termios)
}

fn raw() -> LineDiscipline {
    with(Termios::make_raw)
}

/// One read with a large buffer.
fn read_once(ld: &mut LineDiscipline) -> Vec<u8> {
    let mut buf = vec![0; 2 * INPUT_CAPACITY];
    let count = ld.read(&mut buf);
    buf.truncate(count);
    buf
}

#[test]
fn typed_line_becomes_readable_only_at_the_newline() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"abc");
    assert_eq!(received.echo, b"abc");
    assert_eq!(ld.readable_len(), 0);
    assert_eq!(ld.read_wait(10), ReadWait::Wait);
    let received = ld.receive(b"\r");
    assert_eq!(received.echo, b"\r\n", "ICRNL turns Enter into \\n, ONLCR echoes it as \\r\\n");
    assert_eq!(ld.readable_len(), 4);
    assert_eq!(ld.read_wait(10), ReadWait::Ready);
    assert_eq!(read_once(&mut ld), b"abc\n");
    assert_eq!(ld.read_wait(10), ReadWait::Wait);
}

#[test]
fn canonical_read_returns_at_most_one_line() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"one\ntwo\n");
    assert_eq!(read_once(&mut ld), b"one\n");
    assert_eq!(read_once(&mut ld), b"two\n");
}

#[test]
fn short_reads_take_a_line_in_pieces() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"hello\n");
    let mut buf = [0; 2];
    assert_eq!(ld.read(&mut buf), 2);
    assert_eq!(&buf, b"he");
    assert_eq!(ld.readable_len(), 4);
    assert_eq!(read_once(&mut ld), b"llo\n");
}

#[test]
fn erase_removes_one_character_with_backspace_space_backspace() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"ab");
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08 \x08");
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"a\n");
}

#[test]
fn erase_removes_a_whole_utf8_character() {
    let mut ld = LineDiscipline::default();
    ld.receive("x€".as_bytes());
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08 \x08", "one column for a three-byte character");
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"x\n");
}

#[test]
fn erase_without_iutf8_removes_one_byte() {
    let mut ld = with(|t| t.input.remove(InputFlags::IUTF8));
    ld.receive("é".as_bytes());
    ld.receive(b"\x7f\n");
    assert_eq!(read_once(&mut ld), b"\xc3\n");
}

#[test]
fn erase_of_stray_continuation_bytes_never_gets_stuck() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\x80\x80\x7f\x7f\x7f\n");
    assert_eq!(read_once(&mut ld), b"\n");
}

#[test]
fn erase_without_echoe_echoes_the_erase_character() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ECHOE));
    ld.receive(b"a");
    assert_eq!(ld.receive(b"\x7f").echo, b"^?");
}

#[test]
fn erase_on_an_empty_line_does_nothing() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"\x7f\x15\x17");
    assert!(received.echo.is_empty());
    assert!(received.signals.is_empty());
}

#[test]
fn erase_never_reaches_into_a_completed_line() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"ab\n\x7f\x7f");
    assert_eq!(read_once(&mut ld), b"ab\n");
}

#[test]
fn erase_of_a_control_character_takes_back_both_columns_of_its_echo() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\x16\x01");
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08 \x08\x08 \x08");
}

#[test]
fn erase_of_a_tab_backs_up_to_where_the_tab_started() {
    let mut ld = LineDiscipline::default();
    assert_eq!(ld.process_output(b"$ "), b"$ ");
    ld.receive(b"ab\t");
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08\x08\x08\x08", "prompt 2 + \"ab\" 2 = column 4, tab to 8");
    ld.receive(b"\t");
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08\x08\x08\x08");
    ld.receive(b"\x7f\x7f\t");
    assert_eq!(ld.receive(b"\x7f").echo, b"\x08\x08\x08\x08\x08\x08", "tab from column 2");
}

#[test]
fn erase_of_a_tab_after_another_tab_is_a_full_stop() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\t\t");
    assert_eq!(ld.receive(b"\x7f").echo, [b'\x08'; 8]);
}

#[test]
fn kill_with_echoke_erases_the_line_visibly() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"abc");
    assert_eq!(ld.receive(b"\x15").echo, b"\x08 \x08\x08 \x08\x08 \x08");
    ld.receive(b"d\n");
    assert_eq!(read_once(&mut ld), b"d\n");
}

#[test]
fn kill_without_echoke_echoes_the_kill_character_and_a_newline() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ECHOKE));
    ld.receive(b"abc");
    assert_eq!(ld.receive(b"\x15").echo, b"^U\r\n");
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"\n");
}

#[test]
fn kill_without_echo_clears_silently() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ECHO));
    ld.receive(b"abc");
    assert!(ld.receive(b"\x15").echo.is_empty());
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"\n");
}

#[test]
fn word_erase_removes_trailing_blanks_and_one_word() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"foo bar  ");
    assert_eq!(ld.receive(b"\x17").echo, b"\x08 \x08".repeat(5));
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"foo \n");
}

#[test]
fn word_erase_stops_at_punctuation_like_linux() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"cd a.b_c\x17\n");
    assert_eq!(read_once(&mut ld), b"cd a.\n");
}

#[test]
fn word_erase_needs_iexten() {
    let mut ld = with(|t| t.local.remove(LocalFlags::IEXTEN));
    ld.receive(b"ab\x17\n");
    assert_eq!(read_once(&mut ld), b"ab\x17\n");
}

#[test]
fn literal_next_takes_a_signal_character_as_data() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"\x16\x03");
    assert!(received.signals.is_empty());
    assert_eq!(received.echo, b"^\x08^C");
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"\x03\n");
}

#[test]
fn literal_newline_does_not_end_the_line() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"a\x16\n");
    assert_eq!(received.echo, b"a^\x08^J");
    assert_eq!(ld.read_wait(1), ReadWait::Wait);
    ld.receive(b"b\n");
    assert_eq!(read_once(&mut ld), b"a\nb\n");
}

#[test]
fn eof_at_the_start_of_a_line_reads_as_zero_once() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"\x04");
    assert!(received.echo.is_empty(), "VEOF is not echoed");
    assert_eq!(ld.read_wait(100), ReadWait::Ready);
    assert_eq!(ld.readable_len(), 0);
    assert_eq!(read_once(&mut ld), b"");
    assert_eq!(ld.read_wait(100), ReadWait::Wait);
}

#[test]
fn eof_mid_line_delivers_the_partial_line_without_newline() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"ab\x04");
    assert_eq!(read_once(&mut ld), b"ab");
    ld.receive(b"\x04");
    assert_eq!(ld.read_wait(1), ReadWait::Ready);
    assert_eq!(read_once(&mut ld), b"");
}

#[test]
fn extra_line_end_characters_end_and_stay_in_the_line() {
    let mut ld = with(|t| {
        t.cc[Cc::Eol] = b';';
        t.cc[Cc::Eol2] = b'|';
    });
    assert_eq!(ld.receive(b"a;").echo, b"a;");
    assert_eq!(read_once(&mut ld), b"a;");
    ld.receive(b"b|");
    assert_eq!(read_once(&mut ld), b"b|");
}

#[test]
fn disabled_special_characters_match_nothing() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\0\n");
    assert_eq!(read_once(&mut ld), b"\0\n", "VEOL is disabled (0), so NUL is data");
}

#[test]
fn interrupt_signals_flushes_input_and_echoes_caret_c() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"ready\npartial");
    let received = ld.receive(b"\x03");
    assert_eq!(received.signals, [Signal::Int]);
    assert_eq!(received.echo, b"^C");
    assert_eq!(ld.readable_len(), 0);
    assert_eq!(ld.read_wait(1), ReadWait::Wait);
    ld.receive(b"x\n");
    assert_eq!(read_once(&mut ld), b"x\n");
}

#[test]
fn noflsh_keeps_input_on_a_signal() {
    let mut ld = with(|t| t.local.insert(LocalFlags::NOFLSH));
    ld.receive(b"ready\npart");
    assert_eq!(ld.receive(b"\x1c").signals, [Signal::Quit]);
    assert_eq!(read_once(&mut ld), b"ready\n");
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"part\n");
}

#[test]
fn quit_and_suspend_characters_send_their_signals_in_order() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(b"\x1c\x1a\x03");
    assert_eq!(received.signals, [Signal::Quit, Signal::Tstp, Signal::Int]);
    assert_eq!(received.echo, b"^\\^Z^C");
}

#[test]
fn signals_work_in_raw_mode_when_isig_is_set() {
    let mut ld = with(|t| {
        t.make_raw();
        t.local.insert(LocalFlags::ISIG);
    });
    ld.receive(b"ab");
    assert_eq!(ld.receive(b"\x03").signals, [Signal::Int]);
    assert_eq!(ld.readable_len(), 0);
}

#[test]
fn without_isig_signal_characters_are_data() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ISIG));
    let received = ld.receive(b"\x03\n");
    assert!(received.signals.is_empty());
    assert_eq!(read_once(&mut ld), b"\x03\n");
}

#[test]
fn echo_off_is_silent_but_echonl_still_echoes_newline() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ECHO));
    assert!(ld.receive(b"secret\n").echo.is_empty());
    assert_eq!(read_once(&mut ld), b"secret\n");
    let mut ld = with(|t| {
        t.local.remove(LocalFlags::ECHO);
        t.local.insert(LocalFlags::ECHONL);
    });
    assert_eq!(ld.receive(b"pw\n").echo, b"\r\n");
}

#[test]
fn without_echoctl_control_characters_echo_as_themselves() {
    let mut ld = with(|t| t.local.remove(LocalFlags::ECHOCTL));
    assert_eq!(ld.receive(b"\x01").echo, b"\x01");
    assert_eq!(ld.receive(b"\x03").echo, b"\x03");
}

#[test]
fn reprint_echoes_the_line_again_on_a_new_line() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"ls\x01");
    assert_eq!(ld.receive(b"\x12").echo, b"^R\r\nls^A");
}

#[test]
fn raw_mode_bytes_are_readable_at_once_unchanged_and_unechoed() {
    let mut ld = raw();
    let received = ld.receive(b"a\r\x03\x7f\x04");
    assert!(received.echo.is_empty());
    assert!(received.signals.is_empty());
    assert_eq!(ld.readable_len(), 5);
    assert_eq!(read_once(&mut ld), b"a\r\x03\x7f\x04");
}

#[test]
fn raw_mode_with_echo_echoes_newline_as_crlf_and_controls_as_carets() {
    let mut ld = with(|t| {
        t.local.remove(LocalFlags::ICANON);
        t.cc[Cc::Min] = 1;
    });
    assert_eq!(ld.receive(b"\n\x01").echo, b"\r\n^A");
}

#[test]
fn vmin_without_vtime_waits_for_min_bytes_or_the_request() {
    let mut ld = with(|t| {
        t.make_raw();
        t.cc[Cc::Min] = 3;
    });
    assert_eq!(ld.read_wait(10), ReadWait::Wait);
    ld.receive(b"ab");
    assert_eq!(ld.read_wait(10), ReadWait::Wait);
    assert_eq!(ld.read_wait(2), ReadWait::Ready, "a request below VMIN is satisfied earlier");
    ld.receive(b"c");
    assert_eq!(ld.read_wait(10), ReadWait::Ready);
    assert_eq!(read_once(&mut ld), b"abc");
}

#[test]
fn vmin_zero_vtime_zero_is_a_poll() {
    let mut ld = with(|t| {
        t.make_raw();
        t.cc[Cc::Min] = 0;
    });
    assert_eq!(ld.read_wait(10), ReadWait::Ready);
    assert_eq!(read_once(&mut ld), b"");
}

#[test]
fn vmin_zero_with_vtime_times_the_whole_read() {
    let mut ld = with(|t| {
        t.make_raw();
        t.cc[Cc::Min] = 0;
        t.cc[Cc::Time] = 5;
    });
    assert_eq!(ld.read_wait(10), ReadWait::WaitAtMost { timeout: Deciseconds(5), from: TimerStart::ReadStart });
    ld.receive(b"x");
    assert_eq!(ld.read_wait(10), ReadWait::Ready);
}

#[test]
fn vmin_with_vtime_uses_an_inter_byte_timer_after_the_first_byte() {
    let mut ld = with(|t| {
        t.make_raw();
        t.cc[Cc::Min] = 4;
        t.cc[Cc::Time] = 2;
    });
    assert_eq!(ld.read_wait(10), ReadWait::Wait, "no timer before the first byte");
    ld.receive(b"a");
    assert_eq!(ld.read_wait(10), ReadWait::WaitAtMost { timeout: Deciseconds(2), from: TimerStart::LastByte });
    ld.receive(b"bcd");
    assert_eq!(ld.read_wait(10), ReadWait::Ready);
}

#[test]
fn zero_byte_request_is_always_ready_and_reads_nothing() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\x04");
    assert_eq!(ld.read_wait(0), ReadWait::Ready);
    assert_eq!(ld.read(&mut []), 0);
    assert_eq!(ld.read_wait(1), ReadWait::Ready, "the end-of-file mark is still there");
}

#[test]
fn input_translation_follows_icrnl_inlcr_igncr_istrip() {
    let mut ld = with(|t| t.input = InputFlags::INLCR | InputFlags::ISTRIP);
    ld.receive(b"\xe1\r\x04");
    assert_eq!(read_once(&mut ld), b"a\r", "ISTRIP, and a \\r that ends no line");
    let mut ld = with(|t| t.input = InputFlags::INLCR);
    ld.receive(b"x\n");
    assert_eq!(ld.read_wait(1), ReadWait::Wait, "INLCR turned the newline into \\r");
    let mut ld = with(|t| t.input = InputFlags::IGNCR | InputFlags::ICRNL);
    ld.receive(b"a\r\rb\n");
    assert_eq!(read_once(&mut ld), b"ab\n");
}

#[test]
fn cread_off_drops_all_input() {
    let mut ld = with(|t| t.control.remove(ControlFlags::CREAD));
    assert_eq!(ld.receive(b"abc\n\x03"), Received::default());
    assert_eq!(ld.readable_len(), 0);
}

#[test]
fn ixon_stop_and_start_characters_control_output_and_are_not_data() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"\x13");
    assert!(ld.output_stopped());
    ld.receive(b"a");
    assert!(ld.output_stopped(), "without IXANY only VSTART restarts");
    ld.receive(b"\x11\n");
    assert!(!ld.output_stopped());
    assert_eq!(read_once(&mut ld), b"a\n");
}

#[test]
fn ixany_restarts_output_on_any_byte_and_a_signal_restarts_it_too() {
    let mut ld = with(|t| t.input.insert(InputFlags::IXANY));
    ld.receive(b"\x13x");
    assert!(!ld.output_stopped());
    let mut ld = LineDiscipline::default();
    ld.receive(b"\x13\x03");
    assert!(!ld.output_stopped());
}

#[test]
fn without_ixon_stop_is_data() {
    let mut ld = with(|t| t.input.remove(InputFlags::IXON));
    ld.receive(b"\x13\n");
    assert!(!ld.output_stopped());
    assert_eq!(read_once(&mut ld), b"\x13\n");
}

#[test]
fn full_canonical_line_drops_input_with_a_bell_but_still_ends() {
    let mut ld = LineDiscipline::default();
    let received = ld.receive(&[b'a'; INPUT_CAPACITY + 10]);
    assert_eq!(received.echo.iter().filter(|&&b| b == BELL).count(), 11);
    ld.receive(b"\n");
    let line = read_once(&mut ld);
    assert_eq!(line.len(), INPUT_CAPACITY);
    assert_eq!(line.last(), Some(&b'\n'));
}

#[test]
fn full_raw_queue_drops_input_silently_without_imaxbel() {
    let mut ld = with(|t| {
        t.make_raw();
        t.input.remove(InputFlags::IMAXBEL);
    });
    let received = ld.receive(&[b'z'; INPUT_CAPACITY + 3]);
    assert!(received.echo.is_empty());
    assert_eq!(ld.readable_len(), INPUT_CAPACITY);
}

#[test]
fn repeated_eof_marks_are_bounded() {
    let mut ld = LineDiscipline::default();
    ld.receive(&[0x04; INPUT_CAPACITY + 5]);
    let mut marks = 0;
    while ld.read_wait(1) == ReadWait::Ready && marks <= INPUT_CAPACITY {
        assert_eq!(ld.read(&mut [0; 4]), 0);
        marks += 1;
    }
    assert_eq!(marks, INPUT_CAPACITY);
}

#[test]
fn leaving_canonical_mode_makes_the_edited_line_readable() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"done\npart");
    let mut termios = *ld.termios();
    termios.make_raw();
    ld.set_termios(termios);
    assert_eq!(ld.readable_len(), 9);
    assert_eq!(read_once(&mut ld), b"done\npart");
}

#[test]
fn entering_canonical_mode_makes_raw_input_one_line() {
    let mut ld = raw();
    ld.receive(b"xy");
    ld.set_termios(Termios::default());
    assert_eq!(ld.read_wait(5), ReadWait::Ready);
    assert_eq!(read_once(&mut ld), b"xy");
    ld.receive(b"\x7f");
    assert_eq!(ld.readable_len(), 0);
}

#[test]
fn flush_input_drops_lines_and_the_edited_line() {
    let mut ld = LineDiscipline::default();
    ld.receive(b"a\nb");
    ld.flush_input();
    ld.receive(b"\n");
    assert_eq!(read_once(&mut ld), b"\n");
}

#[test]
fn output_newline_becomes_crlf_only_with_opost_and_onlcr() {
    let mut ld = LineDiscipline::default();
    assert_eq!(ld.process_output(b"a\nb\n"), b"a\r\nb\r\n");
    let mut ld = with(|t| t.output.remove(OutputFlags::ONLCR));
    assert_eq!(ld.process_output(b"a\n"), b"a\n");
    let mut ld = raw();
    assert_eq!(ld.process_output(b"a\n\r"), b"a\n\r");
}

#[test]
fn output_ocrnl_and_onocr_rewrite_carriage_returns() {
    let mut ld = with(|t| t.output = OutputFlags::OPOST | OutputFlags::OCRNL);
    assert_eq!(ld.process_output(b"a\rb"), b"a\nb");
    let mut ld = with(|t| t.output = OutputFlags::OPOST | OutputFlags::ONOCR);
    assert_eq!(ld.process_output(b"\rx\r"), b"x\r", "no \\r in column 0");
}

#[test]
fn output_onlret_resets_the_column_for_tab_erase() {
    let mut ld = with(|t| t.output = OutputFlags::OPOST | OutputFlags::ONLRET);
    assert_eq!(ld.process_output(b"abc\n"), b"abc\n");
    ld.receive(b"\t");
    assert_eq!(ld.receive(b"\x7f").echo, [b'\x08'; 8], "the line starts at column 0 again");
}
