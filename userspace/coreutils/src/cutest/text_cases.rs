//! The cases of the text utilities: `echo`, `printf`, `seq`, `yes`, `cat`,
//! `head`, `tail`, `wc`, `grep`, `sed`, `sort`, `uniq`, `cut`, `tr`,
//! `tee`, `hexdump`, `more`, `xargs`, `basename`, `dirname`, and pipelines
//! of them.
//!
//! Depends on `cairn-rt` and [`crate::case`].

use cairn_rt::time::Duration;
use cairn_rt::{Vec, fs};

use crate::case::{Case, Expect, Given, TestResult, case};

/// Appends a line to the file `tail -f` watches.
fn append_to_followed_file() -> TestResult {
    let mut content = fs::read("tf").map_err(|error| cairn_rt::format!("reading tf: {error}"))?;
    content.extend_from_slice(b"two\n");
    fs::write("tf", &content).map_err(|error| cairn_rt::format!("writing tf: {error}"))
}

pub fn cases() -> Vec<Case> {
    let fruit = Given::File("g1", b"apple\nBanana\ncherry\napple pie\n");
    let dots = Given::File("g2", b"a.b\naxb\n");
    Vec::from([
        // echo and printf
        case("echo_words", "echo hello   world").out("hello world\n"),
        case("echo_n", "echo -n hi").out("hi"),
        case("echo_e_escapes", "echo -e 'a\\tb\\nc'").out("a\tb\nc\n"),
        case("echo_e_stops_at_c", "echo -e 'a\\cb' more").out("a"),
        case("echo_without_e_keeps_backslashes", "echo 'a\\tb'").out("a\\tb\n"),
        case("echo_unknown_option_is_text", "echo -x -n").out("-x -n\n"),
        case("printf_reuses_format", "printf '%s-%d\\n' a 5 b 6").out("a-5\nb-6\n"),
        case("printf_width_precision", "printf '[%5s][%-3d][%05.1f][%x]\\n' ab 7 3.14159 255")
            .out("[   ab][7  ][003.1][ff]\n"),
        case("printf_not_a_number", "printf '%d\\n' abc")
            .out("0\n")
            .fails(1, "printf: 'abc': expected a numeric value\n"),
        case("printf_missing_format", "printf").fails(2, "printf: missing operand\n"),
        // seq and yes
        case("seq_last", "seq 3").out("1\n2\n3\n"),
        case("seq_increment", "seq 2 3 11").out("2\n5\n8\n11\n"),
        case("seq_negative", "seq -2 0").out("-2\n-1\n0\n"),
        case("seq_down", "seq 3 -1 1").out("3\n2\n1\n"),
        case("seq_equal_width", "seq -w 8 10").out("08\n09\n10\n"),
        case("seq_separator", "seq -s , 1 4").out("1,2,3,4\n"),
        case("seq_decimals", "seq 0 0.5 1.5").out("0.0\n0.5\n1.0\n1.5\n"),
        case("seq_bad_number", "seq x").fails(2, "seq: invalid floating point argument: 'x'\n"),
        case("yes_head", "yes | head -n 3").out("y\ny\ny\n"),
        case("yes_words", "yes a b | head -n 2").out("a b\na b\n"),
        // cat
        case("cat_file", "cat c1").given(Given::File("c1", b"one\ntwo\n")).out("one\ntwo\n"),
        case("cat_stdin", "cat").stdin("from stdin").out("from stdin"),
        case("cat_dash_between_files", "cat c1 - c1")
            .given(Given::File("c1", b"one\n"))
            .stdin("mid\n")
            .out("one\nmid\none\n"),
        case("cat_number", "cat -n c2 c2").given(Given::File("c2", b"a\nb")).out("     1\ta\n     2\tba\n     3\tb"),
        case("cat_missing_file", "cat /nope").fails(1, "cat: /nope: No such file or directory\n"),
        case("cat_missing_then_file", "cat /nope c1")
            .given(Given::File("c1", b"one\n"))
            .out("one\n")
            .fails(1, "cat: /nope: No such file or directory\n"),
        case("cat_directory", "cat /tmp").fails(1, "cat: /tmp: Is a directory\n"),
        case("cat_bad_option", "cat -Z").fails(2, "cat: invalid option -- 'Z'\n"),
        case("cat_large_input", "seq 1 20000 | cat | wc -c").out("108894\n"),
        // head and tail
        case("head_default", "seq 20 | head").out("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"),
        case("head_lines", "seq 20 | head -n 3").out("1\n2\n3\n"),
        case("head_attached_count", "seq 20 | head -n2").out("1\n2\n"),
        case("head_old_form", "seq 9 | head -2").out("1\n2\n"),
        case("head_all_but_last", "seq 5 | head -n -2").out("1\n2\n3\n"),
        case("head_bytes", "echo abcdef | head -c 3").out("abc"),
        case("head_headers", "head -n 1 h1 h2")
            .given(Given::File("h1", b"a1\na2\n"))
            .given(Given::File("h2", b"b1\n"))
            .out("==> h1 <==\na1\n\n==> h2 <==\nb1\n"),
        case("head_bad_count", "head -n x").fails(2, "head: invalid number of lines: 'x'\n"),
        case("head_missing_file", "head /nope").fails(1, "head: /nope: No such file or directory\n"),
        case("tail_default", "seq 20 | tail").out("11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n"),
        case("tail_lines", "seq 20 | tail -n 3").out("18\n19\n20\n"),
        case("tail_from_line", "seq 5 | tail -n +4").out("4\n5\n"),
        case("tail_old_form", "seq 5 | tail -2").out("4\n5\n"),
        case("tail_bytes", "echo abcdef | tail -c 3").out("ef\n"),
        case("tail_missing_file", "tail /nope").fails(1, "tail: /nope: No such file or directory\n"),
        case("tail_follow", "tail -f tf")
            .given(Given::File("tf", b"one\n"))
            .during(Duration::from_millis(800), append_to_followed_file)
            .terminate_after(Duration::from_millis(2500))
            .out("one\ntwo\n")
            .expect(Expect::Killed(cairn_rt::signal::SIGTERM)),
        // wc
        case("wc_stdin", "wc").stdin("a b\nc\n").out("      2       3       6\n"),
        case("wc_lines_stdin", "wc -l").stdin("a b\nc\n").out("2\n"),
        case("wc_words_stdin", "wc -w").stdin("a b\nc\n").out("3\n"),
        case("wc_file", "wc w1").given(Given::File("w1", b"a b\nc\n")).out("2 3 6 w1\n"),
        case("wc_total", "wc -c w1 w1").given(Given::File("w1", b"a b\nc\n")).out(" 6 w1\n 6 w1\n12 total\n"),
        case("wc_chars", "wc -m").stdin("h\u{e9}!\n").out("4\n"),
        case("wc_missing_file", "wc /nope").fails(1, "wc: /nope: No such file or directory\n"),
        // grep
        case("grep_basic", "grep apple g1").given(fruit).out("apple\napple pie\n"),
        case("grep_ignore_case", "grep -i banana g1").given(fruit).out("Banana\n"),
        case("grep_invert", "grep -v apple g1").given(fruit).out("Banana\ncherry\n"),
        case("grep_line_numbers", "grep -n cherry g1").given(fruit).out("3:cherry\n"),
        case("grep_count", "grep -c apple g1").given(fruit).out("2\n"),
        case("grep_word", "grep -w app g1").given(fruit).expect(Expect::Status(1)).out(""),
        case("grep_whole_line", "grep -x apple g1").given(fruit).out("apple\n"),
        case("grep_extended", "grep -E 'an+a|rr' g1").given(fruit).out("Banana\ncherry\n"),
        case("grep_basic_regex_dot", "grep a.b g2").given(dots).out("a.b\naxb\n"),
        case("grep_fixed", "grep -F a.b g2").given(dots).out("a.b\n"),
        case("grep_several_files", "grep -i b g1 g2").given(fruit).given(dots).out("g1:Banana\ng2:a.b\ng2:axb\n"),
        case("grep_no_file_names", "grep -h -F a.b g1 g2").given(fruit).given(dots).out("a.b\n"),
        case("grep_file_names", "grep -H cherry g1").given(fruit).out("g1:cherry\n"),
        case("grep_files_with_matches", "grep -l apple g1 g2").given(fruit).given(dots).out("g1\n"),
        case("grep_quiet_match", "grep -q apple g1").given(fruit).out(""),
        case("grep_quiet_no_match", "grep -q zzz g1").given(fruit).expect(Expect::Status(1)),
        case("grep_patterns", "grep -e cherry -e pie g1").given(fruit).out("cherry\napple pie\n"),
        case("grep_only_matching", "echo ab12cd345 | grep -oE '[0-9]+'").out("12\n345\n"),
        case("grep_stdin", "grep y").stdin("x\ny\n").out("y\n"),
        case("grep_recursive", "grep -r needle gr")
            .given(Given::Dir("gr"))
            .given(Given::Dir("gr/sub"))
            .given(Given::File("gr/x.txt", b"needle\n"))
            .given(Given::File("gr/sub/y.txt", b"hay\nneedle\n"))
            .out("gr/sub/y.txt:needle\ngr/x.txt:needle\n"),
        case("grep_missing_file", "grep x /nope").fails(2, "grep: /nope: No such file or directory\n"),
        case("grep_bad_regex", "grep -E '(' g1").given(fruit).fails(2, "grep: Unmatched ( or \\(\n"),
        case("grep_missing_pattern", "grep").fails(2, "grep: missing operand\n"),
        // sed
        case("sed_substitute", "echo hello | sed s/l/L/").out("heLlo\n"),
        case("sed_substitute_global", "echo hello | sed s/l/L/g").out("heLLo\n"),
        case("sed_quiet_print", "seq 5 | sed -n 2,3p").out("2\n3\n"),
        case("sed_last_line", "seq 3 | sed -n '$p'").out("3\n"),
        case("sed_delete", "seq 4 | sed 2d").out("1\n3\n4\n"),
        case("sed_expressions", "echo abc | sed -e s/a/x/ -e s/c/z/").out("xbz\n"),
        case("sed_extended_groups", "echo foo=bar | sed -E 's/(.*)=(.*)/\\2=\\1/'").out("bar=foo\n"),
        case("sed_transliterate", "echo abc | sed y/abc/xyz/").out("xyz\n"),
        case("sed_quit", "seq 5 | sed 2q").out("1\n2\n"),
        case("sed_files_are_one_stream", "sed -n '$p' s1 s1").given(Given::File("s1", b"x\ny\n")).out("y\n"),
        case("sed_in_place", "sed -i s/one/1/ si")
            .given(Given::File("si", b"one\ntwo\n"))
            .out("")
            .expect(Expect::File("si", "1\ntwo\n")),
        case("sed_bad_script", "sed s/a/")
            .expect(Expect::Status(1))
            .expect(Expect::StderrContains("unterminated 's' command")),
        case("sed_missing_file", "sed p /nope").fails(2, "sed: /nope: No such file or directory\n"),
        // sort and uniq
        case("sort_lines", "sort").stdin("b\na\nc\n").out("a\nb\nc\n"),
        case("sort_reverse", "sort -r").stdin("b\na\nc\n").out("c\nb\na\n"),
        case("sort_bytewise_numbers", "sort").stdin("10\n9\n100\n").out("10\n100\n9\n"),
        case("sort_numeric", "sort -n").stdin("10\n9\n100\n").out("9\n10\n100\n"),
        case("sort_unique", "sort -u").stdin("b\na\nb\n").out("a\nb\n"),
        case("sort_key_separator", "sort -t : -k 2 -n").stdin("x:3\ny:1\nz:2\n").out("y:1\nz:2\nx:3\n"),
        case("sort_key_blanks", "sort -k2").stdin("a 2\nb 1\n").out("b 1\na 2\n"),
        case("sort_files", "sort o1 o2")
            .given(Given::File("o1", b"b\na"))
            .given(Given::File("o2", b"c\n"))
            .out("a\nb\nc\n"),
        case("sort_output_file", "sort -o o3 o1")
            .given(Given::File("o1", b"b\na\n"))
            .out("")
            .expect(Expect::File("o3", "a\nb\n")),
        case("sort_check", "sort -c o1").given(Given::File("o1", b"b\na\n")).fails(1, "sort: o1:2: disorder: a\n"),
        case("sort_missing_file", "sort /nope").fails(2, "sort: /nope: No such file or directory\n"),
        case("sort_bad_key", "sort -k 0").fails(2, "sort: field number is zero: invalid field specification '0'\n"),
        case("uniq_adjacent", "uniq").stdin("a\na\nb\na\n").out("a\nb\na\n"),
        case("uniq_count", "uniq -c").stdin("a\na\nb\n").out("      2 a\n      1 b\n"),
        case("uniq_repeated", "uniq -d").stdin("a\na\nb\n").out("a\n"),
        case("uniq_unique", "uniq -u").stdin("a\na\nb\n").out("b\n"),
        case("uniq_ignore_case", "uniq -i").stdin("A\na\n").out("A\n"),
        case("uniq_missing_file", "uniq /nope").fails(1, "uniq: /nope: No such file or directory\n"),
        case("sort_uniq_count_pipeline", "sort | uniq -c | sort -rn")
            .stdin("x\ny\nx\nz\nx\ny\n")
            .out("      3 x\n      2 y\n      1 z\n"),
        case("seq_grep_wc_pipeline", "seq 1 1000 | grep 7 | wc -l").out("271\n"),
        case("grep_stops_reading_an_endless_stream", "yes | grep -m 2 -n y").out("1:y\n2:y\n"),
        case("grep_streams_partial_last_line", "printf 'a\\nab' | grep -c b").out("1\n"),
        // cut and tr
        case("cut_field", "echo a:b:c | cut -d : -f 2").out("b\n"),
        case("cut_fields", "echo a:b:c | cut -d: -f 1,3").out("a:c\n"),
        case("cut_characters", "echo hello | cut -c 2-4").out("ell\n"),
        case("cut_bytes", "echo hello | cut -b -2").out("he\n"),
        case("cut_only_delimited", "cut -d: -f1 -s").stdin("a:b\nnodelim\n").out("a\n"),
        case("cut_complement", "echo a:b:c | cut -d: -f2 --complement").out("a:c\n"),
        case("cut_tab_default", "cut -f 2").stdin("x\ty\tz\n").out("y\n"),
        case("cut_no_list", "cut").fails(2, "cut: you must specify a list of bytes, characters, or fields\n"),
        case("cut_field_zero", "cut -f 0").fails(2, "cut: fields and positions are numbered from 1\n"),
        case("cut_missing_file", "cut -f1 /nope").fails(1, "cut: /nope: No such file or directory\n"),
        case("tr_ranges", "echo hello | tr a-z A-Z").out("HELLO\n"),
        case("tr_classes", "echo Hi | tr '[:lower:]' '[:upper:]'").out("HI\n"),
        case("tr_delete", "echo hello | tr -d l").out("heo\n"),
        case("tr_squeeze", "echo aaabbb | tr -s ab").out("ab\n"),
        case("tr_complement_delete", "echo a1b2 | tr -cd 0-9").out("12"),
        case("tr_missing_operand", "tr").fails(2, "tr: missing operand\n"),
        // tee, hexdump, more
        case("tee_files", "echo data | tee t1 t2")
            .out("data\n")
            .expect(Expect::File("t1", "data\n"))
            .expect(Expect::File("t2", "data\n")),
        case("tee_append", "echo y | tee -a ta")
            .given(Given::File("ta", b"x\n"))
            .out("y\n")
            .expect(Expect::File("ta", "x\ny\n")),
        case("tee_unwritable", "echo z | tee /nope/t").out("z\n").fails(1, "tee: /nope/t: No such file or directory\n"),
        case("hexdump_canonical", "printf 'AB\\n' | hexdump -C")
            .out("00000000  41 42 0a                                          |AB.|\n00000003\n"),
        case("hexdump_repeats", "head -c 48 /scheme/zero | hexdump -C")
            .out("00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n00000030\n"),
        case("hexdump_missing_file", "hexdump -C /nope").fails(1, "hexdump: /nope: No such file or directory\n"),
        case("more_copies_without_terminal", "more m1").given(Given::File("m1", b"x\ny\n")).out("x\ny\n"),
        case("more_missing_file", "more /nope").fails(1, "more: /nope: No such file or directory\n"),
        // xargs
        case("xargs_echo", "printf 'a b\\nc\\n' | xargs echo").out("a b c\n"),
        case("xargs_default_command", "xargs").stdin("1  2\n3").out("1 2 3\n"),
        case("xargs_max_args", "xargs -n 2 echo").stdin("a b c\n").out("a b\nc\n"),
        case("xargs_quotes", "xargs -n 1 echo").stdin("'a b' \"c d\" e\\ f\n").out("a b\nc d\ne f\n"),
        case("xargs_replace", "xargs -I {} echo [{}]").stdin("x y\nz\n").out("[x y]\n[z]\n"),
        case("xargs_failing_command", "xargs false").stdin("a\n").expect(Expect::Status(123)),
        case("xargs_missing_command", "xargs nosuch")
            .stdin("a\n")
            .fails(127, "xargs: nosuch: No such file or directory\n"),
        // more behaviour of the above
        case("echo_nothing", "echo").out("\n"),
        case("printf_characters_and_escapes", "printf '%c%c|%b\n' abc def 'x\ty'").out("ad|x\ty\n"),
        case("seq_format", "seq -f '%.2f' 1 2").out("1.00\n2.00\n"),
        case("seq_empty", "seq 1 0").out(""),
        case("seq_sigpipe", "seq 100000 | head -n 1").out("1\n"),
        case("yes_many_bytes", "yes | head -c 100000 | wc -c").out("100000\n"),
        case("sort_large", "seq 100000 | sort -rn | head -n 2").out("100000\n99999\n"),
        case("bytes_pass_through", "printf '\\377\\n' | cat | hexdump -C")
            .out("00000000  ff 0a                                             |..|\n00000002\n"),
        case("cat_dash_named_file", "cat -- -d1").given(Given::File("-d1", b"dash\n")).out("dash\n"),
        case("head_empty", "head").out(""),
        case("head_quiet", "head -q -n 1 h1 h2")
            .given(Given::File("h1", b"a1\na2\n"))
            .given(Given::File("h2", b"b1\n"))
            .out("a1\nb1\n"),
        case("head_bytes_all_but_last", "printf abcdef | head -c -2").out("abcd"),
        case("tail_bytes_from", "printf abcdef | tail -c +3").out("cdef"),
        case("tail_file_from_line", "tail -n +2 h1").given(Given::File("h1", b"a1\na2\n")).out("a2\n"),
        case("wc_empty", "wc").out("      0       0       0\n"),
        case("grep_count_per_file", "grep -c apple g1 g2").given(fruit).given(dots).out("g1:2\ng2:0\n"),
        case("grep_recursive_numbers", "grep -rn hay gr")
            .given(Given::Dir("gr"))
            .given(Given::Dir("gr/sub"))
            .given(Given::File("gr/sub/y.txt", b"hay\nneedle\n"))
            .out("gr/sub/y.txt:1:hay\n"),
        case("grep_dash_pattern", "grep -e -x").stdin("a-x\nb\n").out("a-x\n"),
        case("sed_address_regex", "sed -n '/^b/p'").stdin("abc\nbcd\ncde\n").out("bcd\n"),
        case("sed_append_line", "sed '1a\\\nadded'").stdin("x\ny\n").out("x\nadded\ny\n"),
        case("sort_keys", "sort -k2,2 -k1,1r").stdin("b 1\na 2\nc 1\n").out("c 1\nb 1\na 2\n"),
        case("sort_fold_case", "sort -f").stdin("b\nA\na\nB\n").out("A\na\nB\nb\n"),
        case("sort_numeric_signs", "sort -n").stdin("1.5\n-2\n10\n0\n").out("-2\n0\n1.5\n10\n"),
        case("uniq_files", "uniq u1 u2")
            .given(Given::File("u1", b"a\na\nb\n"))
            .out("")
            .expect(Expect::File("u2", "a\nb\n")),
        case("cut_characters_utf8", "cut -c 2").stdin("h\u{e9}llo\n").out("\u{e9}\n"),
        case("tr_short_second_set", "echo abcd | tr a-c x").out("xxxd\n"),
        case("tee_only_stdout", "tee").stdin("pass\n").out("pass\n"),
        case("xargs_empty_input", "xargs -n 1 echo x").out("x\n"),
        case("xargs_replace_empty_input", "xargs -I % echo %").out(""),
        // basename and dirname
        case("basename_suffix", "basename /a/b/c.txt .txt").out("c\n"),
        case("basename_trailing_slashes", "basename /a/b//").out("b\n"),
        case("basename_multiple", "basename -a /x/y /z/").out("y\nz\n"),
        case("dirname_paths", "dirname /a/b/c a /").out("/a/b\n.\n/\n"),
        case("dirname_missing_operand", "dirname").fails(2, "dirname: missing operand\n"),
    ])
}
