//! The logic of `uniq`: collapse runs of adjacent equal lines, with GNU's `-c` (`%7d `),
//! `-d`, `-D`, `-u`, `-i`, `-f N`, `-s N` and `-w N`.

use alloc::vec::Vec;

use crate::lines::{push_line, skip_blank_fields, split_lines};

/// Which runs of equal lines `uniq` prints, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UniqOptions {
    /// `-c`: prefix each output line with the length of its run.
    pub count: bool,
    /// `-d`: only runs of two or more lines.
    pub repeated_only: bool,
    /// `-D`: every line of runs of two or more lines.
    pub all_repeated: bool,
    /// `-u`: only runs of one line.
    pub unique_only: bool,
    /// `-i`: compare letters in either case.
    pub ignore_case: bool,
    /// `-f N`: skip N blank-separated fields before comparing.
    pub skip_fields: usize,
    /// `-s N`: then skip N bytes.
    pub skip_chars: usize,
    /// `-w N`: then compare at most N bytes.
    pub check_chars: Option<usize>,
}

/// Runs `uniq` over the lines of `input`.
pub fn uniq(input: &[u8], options: &UniqOptions) -> Vec<u8> {
    let mut out = Vec::new();
    let mut lines = split_lines(input).peekable();
    while let Some(first) = lines.next() {
        let mut run = 1usize;
        let mut members = Vec::new();
        if options.all_repeated {
            members.push(first);
        }
        while let Some(next) = lines.next_if(|next| same(first, next, options)) {
            run += 1;
            if options.all_repeated {
                members.push(next);
            }
        }
        let wanted = if run > 1 { !options.unique_only } else { !options.repeated_only && !options.all_repeated };
        if !wanted {
            continue;
        }
        if options.all_repeated {
            for member in members {
                push_line(&mut out, member);
            }
        } else {
            if options.count {
                out.extend_from_slice(alloc::format!("{run:7} ").as_bytes());
            }
            push_line(&mut out, first);
        }
    }
    out
}

/// The part of `line` that `uniq` compares.
fn compared_part<'l>(line: &'l [u8], options: &UniqOptions) -> &'l [u8] {
    let start = skip_blank_fields(line, 0, options.skip_fields).saturating_add(options.skip_chars).min(line.len());
    let end = options.check_chars.map_or(line.len(), |limit| start.saturating_add(limit).min(line.len()));
    &line[start..end]
}

fn same(a: &[u8], b: &[u8], options: &UniqOptions) -> bool {
    let (a, b) = (compared_part(a, options), compared_part(b, options));
    if options.ignore_case { a.eq_ignore_ascii_case(b) } else { a == b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    const INPUT: &str = "a\na\nb\nc\nc\nc\na\n";

    fn run(options: UniqOptions, input: &str) -> String {
        String::from_utf8(uniq(input.as_bytes(), &options)).unwrap()
    }

    #[test]
    fn collapses_adjacent_duplicates_only() {
        assert_eq!(run(UniqOptions::default(), INPUT), "a\nb\nc\na\n");
        assert_eq!(run(UniqOptions::default(), "a\na"), "a\n");
        assert_eq!(run(UniqOptions::default(), ""), "");
    }

    #[test]
    fn count_uses_gnu_padding() {
        let count = UniqOptions { count: true, ..UniqOptions::default() };
        assert_eq!(run(count, INPUT), "      2 a\n      1 b\n      3 c\n      1 a\n");
        let big = "a\n".repeat(12_345_678);
        assert_eq!(run(count, &big), "12345678 a\n");
    }

    #[test]
    fn repeated_and_unique_selections() {
        assert_eq!(run(UniqOptions { repeated_only: true, ..UniqOptions::default() }, INPUT), "a\nc\n");
        assert_eq!(run(UniqOptions { unique_only: true, ..UniqOptions::default() }, INPUT), "b\na\n");
        assert_eq!(
            run(UniqOptions { repeated_only: true, count: true, ..UniqOptions::default() }, INPUT),
            "      2 a\n      3 c\n"
        );
        assert_eq!(run(UniqOptions { all_repeated: true, ..UniqOptions::default() }, "a\na\nb\n"), "a\na\n");
        assert_eq!(run(UniqOptions { repeated_only: true, unique_only: true, ..UniqOptions::default() }, INPUT), "");
    }

    #[test]
    fn skipping_fields_and_chars_and_limiting_width() {
        assert_eq!(run(UniqOptions { skip_fields: 1, ..UniqOptions::default() }, "x a\ny a\nz b\n"), "x a\nz b\n");
        let counted = UniqOptions { skip_fields: 1, count: true, ..UniqOptions::default() };
        assert_eq!(run(counted, " a  x\n\tb x\n"), "      1  a  x\n      1 \tb x\n");
        assert_eq!(run(UniqOptions { skip_chars: 2, ..UniqOptions::default() }, "xxa\nyya\nzzb\n"), "xxa\nzzb\n");
        assert_eq!(
            run(UniqOptions { check_chars: Some(2), ..UniqOptions::default() }, "abX\nabY\nacZ\n"),
            "abX\nacZ\n"
        );
        assert_eq!(
            run(UniqOptions { skip_fields: usize::MAX, skip_chars: usize::MAX, ..UniqOptions::default() }, "a\nb\n"),
            "a\n"
        );
    }

    #[test]
    fn ignore_case() {
        let options = UniqOptions { ignore_case: true, count: true, ..UniqOptions::default() };
        assert_eq!(run(options, "ab\nAb\naB\n"), "      3 ab\n");
    }
}
