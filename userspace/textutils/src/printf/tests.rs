//! Host tests of the `printf` engine against GNU coreutils `printf` 9.1.

use super::*;
use std::string::String;

/// The output of `printf FORMAT ARGS...` as text.
fn out(format: &str, args: &[&str]) -> String {
    let args: std::vec::Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
    String::from_utf8(printf(format.as_bytes(), &args).output).unwrap()
}

fn run(format: &str, args: &[&str]) -> Printed {
    let args: std::vec::Vec<&[u8]> = args.iter().map(|arg| arg.as_bytes()).collect();
    printf(format.as_bytes(), &args)
}

#[test]
fn strings_with_width_and_precision() {
    assert_eq!(out("%5s|%-5s|%.2s\n", &["ab", "cd", "efg"]), "   ab|cd   |ef\n");
    assert_eq!(out("%.3s|%.0s|%.10s|", &["h\u{e9}llo", "abc", "ab"]), "h\u{e9}||ab|");
    assert_eq!(out("%5.1s|", &["abc"]), "    a|");
}

#[test]
fn integers_in_all_bases() {
    assert_eq!(out("%d %i %u\n", &["42", "-7", "-1"]), "42 -7 18446744073709551615\n");
    assert_eq!(out("%x %X %o %#x %#o %#X\n", &["255", "255", "8", "255", "8", "0"]), "ff FF 10 0xff 010 0\n");
    assert_eq!(out("%+d % d %05d %-5d| %5.3d %.0d|", &["5", "5", "-42", "7", "7", "0"]), "+5  5 -0042 7    |   007 |");
    assert_eq!(out("%.3d %.3x", &["-5", "10"]), "-005 00a");
    assert_eq!(out("%#o %#x %#.3o", &["0", "0", "8"]), "0 0 010");
    assert_eq!(out("%-08d|%+08d|% 05d", &["5", "5", "5"]), "5       |+0000005| 0005");
    assert_eq!(out("%hd %ld %lld %jd %zd", &["1", "2", "3", "4", "5"]), "1 2 3 4 5");
}

#[test]
fn numeric_arguments_like_strtoimax() {
    assert_eq!(out("%d %d %d", &["0x1f", "010", " 5"]), "31 8 5");
    assert_eq!(out("%d %d", &["'a", "\"b"]), "97 98");
    assert_eq!(out("%o", &["0x1F"]), "37");
    assert_eq!(out("%x", &["-1"]), "ffffffffffffffff");
    assert_eq!(out("%i", &[""]), "0");
    assert_eq!(out("%d", &["'\u{e9}"]), "233");
}

#[test]
fn bad_numbers_warn_and_use_what_was_read() {
    let printed = run("%d\n", &["abc"]);
    assert_eq!(
        (printed.output.as_slice(), printed.warnings.as_slice()),
        (&b"0\n"[..], &[PrintfError::NotNumeric(b"abc".to_vec())][..])
    );
    let partial = run("%d", &["12abc"]);
    assert_eq!((partial.output.as_slice(), partial.succeeded()), (&b"12"[..], false));
    assert_eq!(partial.warnings, [PrintfError::NotFullyConverted(b"12abc".to_vec())]);
    let huge = run("%d", &["99999999999999999999"]);
    assert_eq!((huge.output.as_slice(), huge.warnings.len()), (&b"9223372036854775807"[..], 1));
    assert_eq!(run("%u", &["-99999999999999999999"]).output, b"18446744073709551615");
    assert_eq!(run("%d", &["--5"]).warnings, [PrintfError::NotNumeric(b"--5".to_vec())]);
    assert_eq!(std::format!("{}", PrintfError::NotNumeric(b"abc".to_vec())), "'abc': expected a numeric value");
}

#[test]
fn floating_point_conversions() {
    assert_eq!(
        out("%e %E %f %g %G", &["1234.5678", "0.000123", "3.14159", "0.0001", "1e20"]),
        "1.234568e+03 1.230000E-04 3.141590 0.0001 1E+20"
    );
    assert_eq!(
        out("%g %g %g %g %g", &["100000", "1000000", "1e-5", "123456789", "0.1"]),
        "100000 1e+06 1e-05 1.23457e+08 0.1"
    );
    assert_eq!(
        out("%#g %#.3g %.0e %#.0e %.0f %#.0f", &["1", "2", "5", "5", "2.5", "3"]),
        "1.00000 2.00 5e+00 5.e+00 2 3."
    );
    assert_eq!(out("%.1f %.1f %.0f %.0f %.2f", &["0.25", "0.35", "0.5", "1.5", "2.675"]), "0.2 0.3 0 2 2.67");
    assert_eq!(out("%10.4f|%-10.2e|%+.3g", &["3.14159", "12345", "2.5"]), "    3.1416|1.23e+04  |+2.5");
    assert_eq!(
        out("%05.1f|%+.2e|% g|%-8.3g|%08.2e", &["-2.36", "12345", "3", "0.00012345", "-1.5"]),
        "-02.4|+1.23e+04| 3|0.000123|-1.50e+00"
    );
    assert_eq!(out("%f %f", &["-0", "0x10"]), "-0.000000 16.000000");
    assert_eq!(out("%g %g %g %g", &["1e15", "1e16", "123456", "1234567"]), "1e+15 1e+16 123456 1.23457e+06");
    assert_eq!(out("%.3e %.0e %g", &["0", "0.5", "0"]), "0.000e+00 5e-01 0");
    assert_eq!(out("%.20g", &["0.1"]), "0.10000000000000000555");
    assert_eq!(out("%e %g", &["1e300", "1e-300"]), "1.000000e+300 1e-300");
    assert_eq!(out("%G %E", &["1e-10", "1.5"]), "1E-10 1.500000E+00");
}

#[test]
fn infinities_and_nans() {
    assert_eq!(out("%f %e %g", &["inf", "-inf", "nan"]), "inf -inf nan");
    assert_eq!(out("%10.3e|%-10.1f|", &["inf", "nan"]), "       inf|nan       |");
    assert_eq!(out("%05f|%-5f|%F", &["inf", "-inf", "infinity"]), "  inf|-inf |INF");
}

#[test]
fn float_arguments_warn_like_strtod() {
    let printed = run("%.2f", &["1e"]);
    assert_eq!((printed.output.as_slice(), printed.warnings.len()), (&b"1.00"[..], 1));
    assert_eq!(run("%f", &["x"]).warnings, [PrintfError::NotNumeric(b"x".to_vec())]);
    assert_eq!(out("%.1f", &[".5"]), "0.5");
}

#[test]
fn characters_and_percent() {
    assert_eq!(out("%c%c%c\n", &["abc", "d", ""]), "ad\0\n");
    assert_eq!(out("ab%zc|", &[]), "ab\0|");
    assert_eq!(out("%c", &["\u{e9}t\u{e9}"]), "\u{e9}");
    assert_eq!(out("%3c|%-3c|", &["x", "y"]), "  x|y  |");
    assert_eq!(out("100%%", &[]), "100%");
}

#[test]
fn star_width_and_precision() {
    assert_eq!(out("%*d|%-*d|%.*f", &["5", "1", "4", "2", "2", "3.14159"]), "    1|2   |3.14");
    assert_eq!(out("%*d|", &["-5", "1"]), "1    |");
    assert_eq!(out("%.*f|", &["-1", "2.5"]), "2.500000|");
}

#[test]
fn format_is_reused_for_remaining_arguments() {
    assert_eq!(out("%s\n", &["a", "b", "c"]), "a\nb\nc\n");
    assert_eq!(out("%s %s\n", &["a", "b", "c"]), "a b\nc \n");
    assert_eq!(out("x\n", &["a", "b"]), "x\n");
    assert_eq!(out("%s %d\n", &["a"]), "a 0\n");
    assert_eq!(out("%s", &[]), "");
}

#[test]
fn escapes_in_the_format() {
    assert_eq!(run("\\101\\0101\\x41\\x4\\u00e9\\e", &[]).output, "A\u{8}1A\u{4}\u{e9}\u{1b}".as_bytes());
    assert_eq!(out("a\\tb\\\\c\\n", &[]), "a\tb\\c\n");
    assert_eq!(out("\\q", &[]), "\\q");
    assert_eq!(out("a\\cb\n", &[]), "a");
    assert_eq!(out("\\\"", &[]), "\"");
    assert_eq!(out("x\\", &[]), "x\\");
}

#[test]
fn b_conversion_expands_argument_escapes() {
    assert_eq!(out("%b\n", &["a\\tb\\\\c\\0101\\101\\x41"]), "a\tb\\cAAA\n");
    assert_eq!(out("%b|%s\n", &["x\\cy", "z"]), "x");
    assert_eq!(out("%5b|", &["a\\tb"]), "  a\tb|");
    assert_eq!(out("%b", &["\\q\\\""]), "\\q\\\"");
}

#[test]
fn invalid_directives_stop_the_output() {
    let printed = run("ab%kc", &[]);
    assert_eq!(
        (printed.output.as_slice(), printed.error),
        (&b"ab"[..], Some(PrintfError::InvalidConversion(b"%k".to_vec())))
    );
    assert_eq!(run("%5%", &[]).error, Some(PrintfError::InvalidConversion(b"%5%".to_vec())));
    assert_eq!(run("abc%", &[]).error, Some(PrintfError::InvalidConversion(b"%".to_vec())));
    assert_eq!(run("%05s", &["x"]).error, Some(PrintfError::InvalidConversion(b"%05s".to_vec())));
    assert_eq!(run("%#d", &["1"]).error, Some(PrintfError::InvalidConversion(b"%#d".to_vec())));
    assert_eq!(run("%a", &["1"]).error, Some(PrintfError::InvalidConversion(b"%a".to_vec())));
    assert_eq!(run("\\x", &[]).error, Some(PrintfError::MissingHexDigits));
    assert_eq!(run("\\u12", &[]).error, Some(PrintfError::MissingHexDigits));
    assert_eq!(run("\\ud800", &[]).error, Some(PrintfError::InvalidCharacterName));
    assert_eq!(
        std::format!("{}", PrintfError::InvalidConversion(b"%z".to_vec())),
        "%z: invalid conversion specification"
    );
}

#[test]
fn huge_fields_are_refused_not_allocated() {
    assert_eq!(
        run("%99999999999999999999d", &["1"]).error,
        Some(PrintfError::FieldTooLarge(b"%99999999999999999999d".to_vec()))
    );
    assert_eq!(run("%.2000000f", &["1"]).error, Some(PrintfError::FieldTooLarge(b"%.2000000f".to_vec())));
    assert_eq!(run("%*d", &["99999999999", "1"]).error, Some(PrintfError::FieldTooLarge(b"%*d".to_vec())));
    assert_eq!(out("%.300f", &["1"]).len(), 302);
}

#[test]
fn unescape_for_echo() {
    assert_eq!(unescape(b"a\\nb\\c ignored").unwrap(), Unescaped { bytes: b"a\nb".to_vec(), stop: true });
    assert_eq!(unescape(b"\\0\\x7e").unwrap(), Unescaped { bytes: b"\0~".to_vec(), stop: false });
}

#[test]
fn conversions_lists_directives() {
    assert_eq!(conversions(b"x%.2fy%%").unwrap(), b"f");
    assert_eq!(conversions(b"%g %d").unwrap(), b"gd");
    assert!(conversions(b"%z").is_err());
}
