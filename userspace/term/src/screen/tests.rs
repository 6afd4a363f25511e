//! Host tests of the screen model: text and wrapping, control characters, every supported CSI
//! and ESC sequence, SGR and colours, modes, replies, resizing and dirty tracking. Test-only;
//! uses `std`.

use std::string::String;
use std::vec::Vec;

use super::*;

fn screen(rows: usize, cols: usize, input: &[u8]) -> Screen {
    let mut screen = Screen::new(rows, cols);
    screen.feed(input);
    screen
}

fn rows_text(screen: &Screen) -> Vec<String> {
    (0..screen.rows()).map(|row| screen.row_text(row).unwrap()).collect()
}

fn at(row: usize, col: usize) -> Position {
    Position { row, col }
}

#[test]
fn text_is_written_at_the_cursor_which_advances() {
    let s = screen(3, 10, b"hello");
    assert_eq!(s.row_text(0).as_deref(), Some("hello"));
    assert_eq!(s.cursor(), at(0, 5));
    assert_eq!(s.cell(0, 1).unwrap().ch, 'e');
}

#[test]
fn line_feed_goes_down_without_returning_and_cr_returns() {
    let s = screen(3, 10, b"ab\ncd\r\nef");
    assert_eq!(rows_text(&s), ["ab", "  cd", "ef"]);
    let s = screen(3, 10, b"a\x0bb\x0cc");
    assert_eq!(rows_text(&s), ["a", " b", "  c"], "VT and FF act as LF");
}

#[test]
fn backspace_moves_left_and_stops_at_the_margin() {
    let s = screen(1, 10, b"abc\x08\x08X\x08\x08\x08\x08Y");
    assert_eq!(s.row_text(0).as_deref(), Some("YXc"));
}

#[test]
fn tab_goes_to_the_next_multiple_of_eight_and_stops_at_the_edge() {
    let s = screen(1, 20, b"a\tb\tc\td");
    assert_eq!(s.row_text(0).as_deref(), Some("a       b       c  d"));
    assert_eq!(s.cursor(), at(0, 19));
}

#[test]
fn tab_stops_can_be_set_and_cleared() {
    let s = screen(1, 20, b"\x1b[3g\x1b[5G\x1bH\r\tx");
    assert_eq!(s.cursor(), at(0, 5));
    let s = screen(1, 20, b"\x1b[9G\x1b[0g\r\tx");
    assert_eq!(s.row_text(0).as_deref(), Some("                x"), "stop at 8 cleared, next is 16");
    let s = screen(1, 40, b"\x1b[2Ix\x1b[35G\x1b[2Zy");
    assert_eq!(s.cell(0, 16).unwrap().ch, 'x');
    assert_eq!(s.cell(0, 24).unwrap().ch, 'y');
}

#[test]
fn writing_the_last_column_leaves_a_pending_wrap() {
    let mut s = screen(2, 5, b"abcde");
    assert_eq!(s.cursor(), at(0, 4), "cursor stays on the last column");
    s.feed(b"f");
    assert_eq!(rows_text(&s), ["abcde", "f"]);
    assert_eq!(s.cursor(), at(1, 1));
}

#[test]
fn carriage_return_or_movement_cancels_the_pending_wrap() {
    let s = screen(2, 5, b"abcde\rX");
    assert_eq!(rows_text(&s), ["Xbcde", ""]);
    let s = screen(2, 5, b"abcde\x1b[DX");
    assert_eq!(rows_text(&s), ["abcXe", ""]);
}

#[test]
fn without_autowrap_the_last_column_is_overwritten() {
    let s = screen(2, 5, b"\x1b[?7labcdefg");
    assert_eq!(rows_text(&s), ["abcdg", ""]);
    let s = screen(2, 5, b"\x1b[?7l\x1b[?7habcdefg");
    assert_eq!(rows_text(&s), ["abcde", "fg"]);
}

#[test]
fn line_feed_at_the_bottom_scrolls_up() {
    let s = screen(3, 5, b"1\r\n2\r\n3\r\n4");
    assert_eq!(rows_text(&s), ["2", "3", "4"]);
    let s = screen(2, 3, b"abcdefghi");
    assert_eq!(rows_text(&s), ["def", "ghi"], "wrapping scrolls too");
}

#[test]
fn cursor_movements_clamp_to_the_screen() {
    let mut s = screen(5, 10, b"\x1b[3;4H");
    assert_eq!(s.cursor(), at(2, 3));
    s.feed(b"\x1b[A");
    assert_eq!(s.cursor(), at(1, 3));
    s.feed(b"\x1b[2B\x1b[3C");
    assert_eq!(s.cursor(), at(3, 6));
    s.feed(b"\x1b[4D");
    assert_eq!(s.cursor(), at(3, 2));
    s.feed(b"\x1b[0A");
    assert_eq!(s.cursor(), at(2, 2), "a zero count means one");
    s.feed(b"\x1b[99999999999A\x1b[99999999999D");
    assert_eq!(s.cursor(), at(0, 0));
    s.feed(b"\x1b[99999999999B\x1b[99999999999C");
    assert_eq!(s.cursor(), at(4, 9));
}

#[test]
fn cup_and_hvp_are_one_based_with_defaults() {
    let mut s = screen(5, 10, b"\x1b[2;3H");
    assert_eq!(s.cursor(), at(1, 2));
    s.feed(b"\x1b[H");
    assert_eq!(s.cursor(), at(0, 0));
    s.feed(b"\x1b[4f");
    assert_eq!(s.cursor(), at(3, 0));
    s.feed(b"\x1b[;7H");
    assert_eq!(s.cursor(), at(0, 6));
    s.feed(b"\x1b[100;100H");
    assert_eq!(s.cursor(), at(4, 9));
}

#[test]
fn cnl_cpl_cha_vpa_hpa_position_the_cursor() {
    let mut s = screen(5, 10, b"\x1b[2;5H\x1b[2E");
    assert_eq!(s.cursor(), at(3, 0));
    s.feed(b"\x1b[6G\x1b[F");
    assert_eq!(s.cursor(), at(2, 0));
    s.feed(b"\x1b[4d");
    assert_eq!(s.cursor(), at(3, 0));
    s.feed(b"\x1b[8`");
    assert_eq!(s.cursor(), at(3, 7));
    s.feed(b"\x1b[2a\x1b[e");
    assert_eq!(s.cursor(), at(4, 9), "HPR and VPR");
}

#[test]
fn erase_in_display_clears_below_above_or_all() {
    let fill = b"aaaa\r\nbbbb\r\ncccc\x1b[2;3H";
    let mut s = screen(3, 4, fill);
    s.feed(b"\x1b[J");
    assert_eq!(rows_text(&s), ["aaaa", "bb", ""]);
    let mut s = screen(3, 4, fill);
    s.feed(b"\x1b[1J");
    assert_eq!(rows_text(&s), ["", "   b", "cccc"]);
    let mut s = screen(3, 4, fill);
    s.feed(b"\x1b[2J");
    assert_eq!(rows_text(&s), ["", "", ""]);
    assert_eq!(s.cursor(), at(1, 2), "ED does not move the cursor");
    let mut s = screen(3, 4, fill);
    s.feed(b"\x1b[3J");
    assert_eq!(rows_text(&s), ["aaaa", "bbbb", "cccc"], "ED 3 only erases saved lines");
}

#[test]
fn erase_in_line_clears_right_left_or_all() {
    let mut s = screen(1, 6, b"abcdef\x1b[3G\x1b[K");
    assert_eq!(s.row_text(0).as_deref(), Some("ab"));
    s.feed(b"\rabcdef\x1b[3G\x1b[1K");
    assert_eq!(s.row_text(0).as_deref(), Some("   def"));
    s.feed(b"\x1b[2K");
    assert_eq!(s.row_text(0).as_deref(), Some(""));
}

#[test]
fn erasing_uses_the_current_background_colour() {
    let s = screen(2, 4, b"\x1b[44m\x1b[2J");
    let cell = s.cell(1, 3).unwrap();
    assert_eq!(cell.ch, ' ');
    assert_eq!(cell.style.bg, Color::BLUE);
    let s = screen(1, 4, b"\x1b[1;31;42mab\x1b[K");
    assert_eq!(s.cell(0, 3).unwrap().style, Style { bg: Color::GREEN, ..Style::default() }, "only the colour");
}

#[test]
fn insert_and_delete_lines_work_from_the_cursor_row() {
    let fill = b"1\r\n2\r\n3\r\n4\x1b[2;3H";
    let mut s = screen(4, 3, fill);
    s.feed(b"\x1b[L");
    assert_eq!(rows_text(&s), ["1", "", "2", "3"]);
    assert_eq!(s.cursor(), at(1, 0), "IL returns to column 0");
    let mut s = screen(4, 3, fill);
    s.feed(b"\x1b[2M");
    assert_eq!(rows_text(&s), ["1", "4", "", ""]);
    let mut s = screen(4, 3, fill);
    s.feed(b"\x1b[99999L");
    assert_eq!(rows_text(&s), ["1", "", "", ""]);
}

#[test]
fn insert_and_delete_lines_stay_inside_the_scroll_region() {
    let mut s = screen(4, 3, b"1\r\n2\r\n3\r\n4\x1b[1;3r\x1b[2H\x1b[M");
    assert_eq!(rows_text(&s), ["1", "3", "", "4"]);
    s.feed(b"\x1b[4H\x1b[L");
    assert_eq!(rows_text(&s), ["1", "3", "", "4"], "outside the region IL does nothing");
}

#[test]
fn insert_delete_and_erase_characters_shift_the_row() {
    let mut s = screen(1, 6, b"abcdef\x1b[2G\x1b[2@");
    assert_eq!(s.row_text(0).as_deref(), Some("a  bcd"));
    s.feed(b"\x1b[3P");
    assert_eq!(s.row_text(0).as_deref(), Some("acd"));
    s.feed(b"\rabcdef\x1b[3G\x1b[2X");
    assert_eq!(s.row_text(0).as_deref(), Some("ab  ef"));
    assert_eq!(s.cursor(), at(0, 2), "ECH does not move the cursor");
    s.feed(b"\x1b[99999P\x1b[99999@\x1b[99999X");
    assert_eq!(s.row_text(0).as_deref(), Some("ab"));
}

#[test]
fn scroll_up_and_down_move_the_region_contents() {
    let fill = b"1\r\n2\r\n3";
    let mut s = screen(3, 2, fill);
    s.feed(b"\x1b[S");
    assert_eq!(rows_text(&s), ["2", "3", ""]);
    s.feed(b"\x1b[2T");
    assert_eq!(rows_text(&s), ["", "", "2"]);
    s.feed(b"\x1b[65535S");
    assert_eq!(rows_text(&s), ["", "", ""]);
}

#[test]
fn scroll_region_confines_line_feed_scrolling() {
    let mut s = screen(4, 3, b"a\r\nb\r\nc\r\nd\x1b[2;3r");
    assert_eq!(s.cursor(), at(0, 0), "DECSTBM homes the cursor");
    s.feed(b"\x1b[3Hx\ny");
    assert_eq!(rows_text(&s), ["a", "x", " y", "d"]);
    s.feed(b"\x1b[4H\nz");
    assert_eq!(rows_text(&s), ["a", "x", " y", "z"], "below the region the cursor stops at the bottom");
}

#[test]
fn invalid_scroll_regions_are_refused() {
    let mut s = screen(4, 3, b"\x1b[3;3r\x1b[4;2r\x1b[2H");
    s.feed(b"\x1b[4H\n");
    assert_eq!(s.cursor(), at(3, 0));
    s.feed(b"x");
    s.feed(b"\x1b[1;99r\x1b[4H\n");
    assert_eq!(rows_text(&s), ["", "", "x", ""], "a bottom past the screen is clamped");
}

#[test]
fn reverse_index_at_the_top_scrolls_down() {
    let mut s = screen(3, 2, b"1\r\n2\r\n3\x1b[H\x1bM");
    assert_eq!(rows_text(&s), ["", "1", "2"]);
    s.feed(b"\x1b[2;3r\x1b[2H\x1bMx");
    assert_eq!(rows_text(&s), ["", "x", "1"]);
}

#[test]
fn index_and_next_line_escapes() {
    let s = screen(3, 4, b"ab\x1bDc\x1bEd");
    assert_eq!(rows_text(&s), ["ab", "  c", "d"]);
}

#[test]
fn origin_mode_makes_positions_relative_to_the_region() {
    let mut s = screen(5, 5, b"\x1b[2;4r\x1b[?6h");
    assert_eq!(s.cursor(), at(1, 0));
    s.feed(b"\x1b[2;2H");
    assert_eq!(s.cursor(), at(2, 1));
    s.feed(b"\x1b[9;1H");
    assert_eq!(s.cursor(), at(3, 0), "clamped to the region");
    s.feed(b"\x1b[6n");
    assert_eq!(s.take_replies(), b"\x1b[3;1R");
    s.feed(b"\x1b[?6l");
    assert_eq!(s.cursor(), at(0, 0));
}

#[test]
fn save_and_restore_cursor_keep_position_and_pen() {
    let mut s = screen(5, 10, b"\x1b[2;3H\x1b[1;35m\x1b7\x1b[m\x1b[5;5H\x1b8x");
    assert_eq!(s.cell(1, 2).unwrap().style.fg, Color::MAGENTA);
    assert!(s.cell(1, 2).unwrap().style.attrs.contains(Attributes::BOLD));
    s.feed(b"\x1b[4;4H\x1b[s\x1b[H\x1b[uy");
    assert_eq!(s.cell(3, 3).unwrap().ch, 'y');
}

#[test]
fn restore_clamps_a_cursor_saved_on_a_larger_screen() {
    let mut s = screen(10, 10, b"\x1b[9;9H\x1b7");
    s.resize(4, 4);
    s.feed(b"\x1b8");
    assert_eq!(s.cursor(), at(3, 3));
}

#[test]
fn dectcem_shows_and_hides_the_cursor() {
    let mut s = screen(2, 2, b"\x1b[?25l");
    assert!(!s.cursor_visible());
    s.feed(b"\x1b[?25h");
    assert!(s.cursor_visible());
}

#[test]
fn decckm_selects_the_cursor_key_mode() {
    let mut s = screen(2, 2, b"\x1b[?1h");
    assert_eq!(s.cursor_key_mode(), CursorKeyMode::Application);
    s.feed(b"\x1b[?1l");
    assert_eq!(s.cursor_key_mode(), CursorKeyMode::Normal);
}

#[test]
fn alternate_screen_keeps_the_primary_contents_and_cursor() {
    let mut s = screen(3, 5, b"shell\x1b[2;2H");
    s.feed(b"\x1b[?1049h");
    assert!(s.alternate_screen());
    assert_eq!(rows_text(&s), ["", "", ""], "the alternate screen starts blank");
    s.feed(b"\x1b[Hvim");
    assert_eq!(s.row_text(0).as_deref(), Some("vim"));
    s.feed(b"\x1b[?1049l");
    assert!(!s.alternate_screen());
    assert_eq!(rows_text(&s), ["shell", "", ""]);
    assert_eq!(s.cursor(), at(1, 1));
    s.feed(b"\x1b[?47h\x1b[?47h\x1b[?1047l\x1b[?1047l");
    assert_eq!(s.row_text(0).as_deref(), Some("shell"));
}

#[test]
fn device_status_and_attribute_reports_are_queued_as_replies() {
    let mut s = screen(5, 10, b"\x1b[3;7H\x1b[6n\x1b[5n\x1b[c");
    assert_eq!(s.take_replies(), b"\x1b[3;7R\x1b[0n\x1b[?1;2c");
    assert!(s.take_replies().is_empty());
    s.feed(b"\x1b[>c\x1b[7n");
    assert!(s.take_replies().is_empty(), "secondary DA and unknown DSR get no answer");
}

#[test]
fn bells_are_counted() {
    let mut s = screen(1, 1, b"\x07a\x07");
    assert_eq!(s.take_bells(), 2);
    assert_eq!(s.take_bells(), 0);
}

#[test]
fn reset_restores_the_power_on_state() {
    let mut s = screen(3, 5, b"junk\x1b[2;3r\x1b[?25l\x1b[?6h\x1b[31m\x1b[?1049h\x1b[6n");
    s.feed(b"\x1bc");
    assert_eq!(s.text(), "");
    assert_eq!(s.cursor(), at(0, 0));
    assert!(s.cursor_visible());
    assert!(!s.alternate_screen());
    s.feed(b"x\r\n\r\n\r\ny");
    assert_eq!(rows_text(&s), ["", "", "y"], "the scroll region is the whole screen again");
    assert_eq!(s.cell(2, 0).unwrap().style, Style::default());
    assert_eq!(s.take_replies(), b"\x1b[1;1R", "replies made before the reset survive it");
}

#[test]
fn alignment_pattern_fills_the_screen() {
    let s = screen(2, 3, b"\x1b#8");
    assert_eq!(s.text(), "EEE\nEEE");
}

#[test]
fn utf8_text_takes_one_cell_per_character_and_bad_bytes_show_replacements() {
    let s = screen(1, 10, "é€😀".as_bytes());
    assert_eq!(s.row_text(0).as_deref(), Some("é€😀"));
    assert_eq!(s.cursor(), at(0, 3));
    let s = screen(1, 10, b"a\xffb\xe2\x82");
    assert_eq!(s.row_text(0).as_deref(), Some("a\u{fffd}b"), "an unfinished sequence waits");
    let s = screen(1, 10, b"a\xe2\x82\rb");
    assert_eq!(s.row_text(0).as_deref(), Some("b\u{fffd}"));
}

#[test]
fn sgr_sets_and_clears_attributes() {
    let mut s = screen(1, 10, b"\x1b[1;2;4;5;7ma");
    let attrs = s.cell(0, 0).unwrap().style.attrs;
    let all = Attributes::BOLD | Attributes::DIM | Attributes::UNDERLINE | Attributes::BLINK | Attributes::REVERSE;
    assert_eq!(attrs, all);
    s.feed(b"\x1b[22;24mb");
    assert_eq!(s.cell(0, 1).unwrap().style.attrs, Attributes::BLINK | Attributes::REVERSE);
    s.feed(b"\x1b[25;27mc");
    assert_eq!(s.cell(0, 2).unwrap().style.attrs, Attributes::empty());
    s.feed(b"\x1b[1m\x1b[md");
    assert_eq!(s.cell(0, 3).unwrap().style, Style::default(), "empty SGR resets");
}

#[test]
fn sgr_sets_standard_and_bright_colours() {
    let s = screen(1, 10, b"\x1b[31;42ma\x1b[97;104mb\x1b[39;49mc");
    let style = |col| s.cell(0, col).unwrap().style;
    assert_eq!((style(0).fg, style(0).bg), (Color::RED, Color::GREEN));
    assert_eq!((style(1).fg, style(1).bg), (Color::BRIGHT_WHITE, Color::BRIGHT_BLUE));
    assert_eq!((style(2).fg, style(2).bg), (Color::Default, Color::Default));
}

#[test]
fn sgr_sets_palette_and_direct_colours_in_both_forms() {
    let s = screen(1, 10, b"\x1b[38;5;196;48;2;1;2;3ma\x1b[38:2:10:20:30;48:5:17mb\x1b[38:2:0:4:5:6mc");
    let style = |col| s.cell(0, col).unwrap().style;
    assert_eq!(style(0).fg, Color::Indexed(196));
    assert_eq!(style(0).bg, Color::Rgb(Rgb::new(1, 2, 3)));
    assert_eq!(style(1).fg, Color::Rgb(Rgb::new(10, 20, 30)));
    assert_eq!(style(1).bg, Color::Indexed(17));
    assert_eq!(style(2).fg, Color::Rgb(Rgb::new(4, 5, 6)), "with a colour-space id");
}

#[test]
fn sgr_ignores_bad_extended_colours_and_unknown_codes() {
    let s = screen(1, 10, b"\x1b[32m\x1b[38;5;300ma\x1b[38;2;1;2ma\x1b[38;7;1ma\x1b[58;5;1ma\x1b[4:5;3;8;53ma");
    for col in 0..5 {
        let style = s.cell(0, col).unwrap().style;
        assert_eq!(style.fg, Color::GREEN, "column {col}");
        assert!(!style.attrs.contains(Attributes::BLINK), "58;5;1 is not blink");
    }
    assert_eq!(s.cell(0, 4).unwrap().style.attrs, Attributes::UNDERLINE, "the 5 of 4:5 is not blink");
    let s = screen(1, 2, b"\x1b[4m\x1b[4:0ma");
    assert_eq!(s.cell(0, 0).unwrap().style.attrs, Attributes::empty(), "4:0 is no underline");
}

#[test]
fn palette_maps_to_vga_and_xterm_values() {
    assert_eq!(palette(0), Rgb::new(0, 0, 0));
    assert_eq!(palette(3), Rgb::new(0xaa, 0x55, 0), "VGA brown");
    assert_eq!(palette(9), Rgb::new(0xff, 0x55, 0x55));
    assert_eq!(palette(16), Rgb::new(0, 0, 0));
    assert_eq!(palette(196), Rgb::new(255, 0, 0));
    assert_eq!(palette(110), Rgb::new(135, 175, 215));
    assert_eq!(palette(231), Rgb::new(255, 255, 255));
    assert_eq!(palette(232), Rgb::new(8, 8, 8));
    assert_eq!(palette(255), Rgb::new(238, 238, 238));
    assert_eq!(Color::Default.to_rgb(Rgb::new(1, 2, 3)), Rgb::new(1, 2, 3));
    assert_eq!(Color::Rgb(Rgb::new(4, 5, 6)).to_rgb(Rgb::default()), Rgb::new(4, 5, 6));
}

#[test]
fn style_rgb_brightens_bold_and_swaps_on_reverse() {
    let bold_red = Style { fg: Color::RED, bg: Color::Default, attrs: Attributes::BOLD };
    assert_eq!(bold_red.rgb(), (palette(9), DEFAULT_BACKGROUND));
    let reverse = Style { attrs: Attributes::REVERSE, ..Style::default() };
    assert_eq!(reverse.rgb(), (DEFAULT_BACKGROUND, DEFAULT_FOREGROUND));
    let bold_bright = Style { fg: Color::Indexed(100), bg: Color::Default, attrs: Attributes::BOLD };
    assert_eq!(bold_bright.rgb().0, palette(100), "only the 8 standard colours brighten");
}

#[test]
fn accessors_return_none_outside_the_screen() {
    let s = screen(2, 3, b"ab");
    assert!(s.cell(2, 0).is_none());
    assert!(s.cell(0, 3).is_none());
    assert!(s.row(2).is_none());
    assert!(s.row_text(5).is_none());
    assert_eq!(s.row(0).map(<[Cell]>::len), Some(3));
    assert_eq!(s.text(), "ab");
}

#[test]
fn resize_keeps_content_and_clamps_the_cursor() {
    let mut s = screen(3, 6, b"abcdef\r\nghij");
    s.resize(3, 3);
    assert_eq!(rows_text(&s), ["abc", "ghi", ""]);
    assert_eq!(s.cursor(), at(1, 2));
    s.resize(4, 8);
    assert_eq!(rows_text(&s), ["abc", "ghi", "", ""]);
    s.feed(b"\x1b[1;8Hz");
    assert_eq!(s.row_text(0).as_deref(), Some("abc    z"));
}

#[test]
fn shrinking_drops_top_rows_to_keep_the_cursor_row() {
    let mut s = screen(4, 4, b"1\r\n2\r\n3\r\n4");
    s.resize(2, 4);
    assert_eq!(rows_text(&s), ["3", "4"]);
    assert_eq!(s.cursor(), at(1, 1));
    let mut s = screen(4, 4, b"1\r\n2\x1b[H");
    s.resize(2, 4);
    assert_eq!(rows_text(&s), ["1", "2"], "with the cursor high up the bottom goes");
}

#[test]
fn resize_to_zero_and_back_survives_all_sequences() {
    let mut s = screen(3, 3, b"abc");
    s.resize(0, 0);
    assert_eq!((s.rows(), s.cols()), (0, 0));
    s.feed(b"text\r\n\t\x08\x1b[5;5H\x1b[2J\x1b[K\x1b[L\x1b[M\x1b[@\x1b[P\x1b[X\x1b[S\x1b[T\x1bM\x1bD\x1b#8");
    s.feed(b"\x1b[1;2r\x1b[?1049h\x1b[I\x1b[Z\x1b[6n");
    assert_eq!(s.take_replies(), b"\x1b[1;1R");
    assert_eq!(s.text(), "");
    s.resize(2, 4);
    s.feed(b"ok");
    assert_eq!(s.row_text(0).as_deref(), Some("ok"));
    let mut s = screen(0, 5, b"x\n");
    s.resize(5, 0);
    s.feed(b"y\n\x1b[3;3H");
    assert_eq!(s.cursor(), at(2, 0));
}

#[test]
fn huge_sizes_are_clamped() {
    let mut s = Screen::new(usize::MAX, usize::MAX);
    assert_eq!((s.rows(), s.cols()), (MAX_ROWS, MAX_COLS));
    s.resize(70000, 3);
    assert_eq!((s.rows(), s.cols()), (MAX_ROWS, 3));
}

#[test]
fn resize_on_the_alternate_screen_resizes_the_primary_too() {
    let mut s = screen(4, 4, b"1\r\n2\r\n3\r\n4\x1b[?1049h");
    s.resize(2, 2);
    s.feed(b"\x1b[?1049l");
    assert_eq!(rows_text(&s), ["3", "4"]);
    assert_eq!(s.cursor(), at(1, 1));
}

#[test]
fn new_screen_is_all_dirty_and_clear_dirty_resets_it() {
    let mut s = Screen::new(3, 3);
    assert_eq!(s.dirty_rows().collect::<Vec<_>>(), [0, 1, 2]);
    s.clear_dirty();
    assert_eq!(s.dirty_rows().count(), 0);
}

#[test]
fn writing_marks_only_the_changed_rows_dirty() {
    let mut s = screen(5, 5, b"\x1b[3;1H");
    s.clear_dirty();
    s.feed(b"abc");
    assert_eq!(s.dirty_rows().collect::<Vec<_>>(), [2]);
    s.clear_dirty();
    s.feed(b"\x1b[5;1H");
    assert_eq!(s.dirty_rows().collect::<Vec<_>>(), [2, 4], "the old and new cursor rows");
    s.clear_dirty();
    s.feed(b"\x1b[31m");
    assert_eq!(s.dirty_rows().count(), 0, "changing the pen changes nothing visible");
}

#[test]
fn scrolling_marks_the_scrolled_rows_dirty() {
    let mut s = screen(5, 5, b"\x1b[2;4r\x1b[4;1H");
    s.clear_dirty();
    s.feed(b"\n");
    assert_eq!(s.dirty_rows().collect::<Vec<_>>(), [1, 2, 3]);
    assert!(!s.is_dirty(0));
    s.clear_dirty();
    s.resize(5, 6);
    assert_eq!(s.dirty_rows().count(), 5);
}

#[test]
fn cursor_visibility_change_marks_its_row() {
    let mut s = screen(3, 3, b"\x1b[2;2H");
    s.clear_dirty();
    s.feed(b"\x1b[?25l");
    assert_eq!(s.dirty_rows().collect::<Vec<_>>(), [1]);
}

#[test]
fn leaving_the_alternate_screen_marks_everything_dirty() {
    let mut s = screen(3, 3, b"\x1b[?1049h");
    s.clear_dirty();
    s.feed(b"\x1b[?1049l");
    assert_eq!(s.dirty_rows().count(), 3);
}
