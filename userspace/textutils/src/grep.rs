//! The logic of `grep`: select the lines of one input that match (or, with `-v`, do not match)
//! any of the patterns, and produce what GNU grep prints for that input. The binary walks the
//! files (and directories for `-r`), decides on `-H`/`-h`, and calls [`Grep::search`] per file,
//! or feeds a stream line by line through [`Grep::line_search`].

use alloc::vec::Vec;

use crate::lines::{push_line, split_lines};
use crate::regex::{self, Extent, Options, Regex, RegexError, Syntax};

/// What `grep` prints for each input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputMode {
    /// The selected lines.
    #[default]
    Lines,
    /// `-o`: each non-empty match of a selected line, one per line.
    OnlyMatching,
    /// `-c`: the number of selected lines.
    Count,
    /// `-l`: the input's name if some line is selected.
    FilesWithMatches,
    /// `-L`: the input's name if no line is selected.
    FilesWithoutMatch,
    /// `-q`: nothing.
    Quiet,
}

/// The options of `grep` that shape matching and output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GrepOptions {
    /// `-G` (default), `-E` or `-F`.
    pub syntax: Syntax,
    /// `-i`.
    pub ignore_case: bool,
    /// `-v`: select the lines that do not match.
    pub invert: bool,
    /// `-w` ([`Extent::Word`]) or `-x` ([`Extent::Line`]).
    pub extent: Extent,
    /// `-n`: prefix lines with their 1-based number.
    pub line_numbers: bool,
    /// `-H`: prefix lines (and counts) with the input's name; `-h` or a single input: not.
    pub with_file_names: bool,
    pub output: OutputMode,
    /// `-m N`: stop after N selected lines.
    pub max_count: Option<u64>,
}

/// One input being searched line by line (see [`Grep::line_search`]).
#[derive(Debug)]
pub struct LineSearch<'g> {
    grep: &'g Grep,
    name: Vec<u8>,
    /// Index of the next line.
    index: usize,
    selected: u64,
    /// Selected lines after which nothing more can change the output
    /// (`-m`, or 1 for `-q`, `-l`, `-L`).
    limit: u64,
}

impl LineSearch<'_> {
    /// Whether further lines can change nothing (the caller may stop
    /// reading).
    pub fn finished(&self) -> bool {
        self.selected >= self.limit
    }

    /// Looks at the next line (without its newline), appending to `out`
    /// what it makes `grep` print.
    pub fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let index = self.index;
        self.index += 1;
        if self.finished() || !self.grep.selects(line) {
            return;
        }
        self.selected += 1;
        match self.grep.options.output {
            OutputMode::Lines => {
                self.grep.push_prefix(out, &self.name, index);
                push_line(out, line);
            }
            OutputMode::OnlyMatching if !self.grep.options.invert => {
                self.grep.push_matches(out, &self.name, index, line)
            }
            _ => {}
        }
    }

    /// Ends the input: appends what is printed at its end (`-c`, `-l`,
    /// `-L`) and returns how many lines were selected.
    pub fn finish(self, out: &mut Vec<u8>) -> u64 {
        let (name, selected) = (&self.name, self.selected);
        match self.grep.options.output {
            OutputMode::Count => {
                if self.grep.options.with_file_names {
                    out.extend_from_slice(name);
                    out.push(b':');
                }
                push_line(out, alloc::format!("{selected}").as_bytes());
            }
            OutputMode::FilesWithMatches if selected > 0 => push_line(out, name),
            OutputMode::FilesWithoutMatch if selected == 0 => push_line(out, name),
            _ => {}
        }
        selected
    }
}

/// A compiled `grep` invocation.
#[derive(Clone, Debug)]
pub struct Grep {
    regex: Regex,
    options: GrepOptions,
}

/// The result of searching one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// What `grep` prints for this input.
    pub output: Vec<u8>,
    /// How many lines were selected (counting stops early for `-q`, `-l`, `-L` and `-m`);
    /// `grep` exits with 0 when some input has a selected line.
    pub selected: u64,
}

impl Grep {
    /// Compiles the patterns of `-e` options (or the single pattern operand); a pattern with
    /// newlines stands for one pattern per line, as in GNU grep.
    pub fn new(patterns: &[&[u8]], options: GrepOptions) -> Result<Grep, RegexError> {
        let lines: Vec<&[u8]> = patterns.iter().flat_map(|pattern| pattern.split(|&byte| byte == b'\n')).collect();
        let regex_options =
            Options { syntax: options.syntax, ignore_case: options.ignore_case, extent: options.extent };
        Ok(Grep { regex: regex::compile_any(&lines, regex_options)?, options })
    }

    /// Whether `line` is selected.
    pub fn selects(&self, line: &[u8]) -> bool {
        self.regex.is_match(line) != self.options.invert
    }

    /// Searches `input`, whose name (for prefixes and `-l`) is `name`.
    pub fn search(&self, name: &[u8], input: &[u8]) -> FileReport {
        let mut search = self.line_search(name);
        let mut output = Vec::new();
        for line in split_lines(input) {
            if search.finished() {
                break;
            }
            search.line(line, &mut output);
        }
        let selected = search.finish(&mut output);
        FileReport { output, selected }
    }

    /// A search of the input named `name` fed one line at a time (a
    /// stream: output comes as lines arrive).
    pub fn line_search(&self, name: &[u8]) -> LineSearch<'_> {
        let limit = match self.options.output {
            OutputMode::Quiet | OutputMode::FilesWithMatches | OutputMode::FilesWithoutMatch => 1,
            _ => self.options.max_count.unwrap_or(u64::MAX),
        };
        LineSearch { grep: self, name: name.to_vec(), index: 0, selected: 0, limit }
    }

    /// Appends the `name:` and `number:` prefixes the options ask for.
    fn push_prefix(&self, out: &mut Vec<u8>, name: &[u8], index: usize) {
        if self.options.with_file_names {
            out.extend_from_slice(name);
            out.push(b':');
        }
        if self.options.line_numbers {
            out.extend_from_slice(alloc::format!("{}:", index + 1).as_bytes());
        }
    }

    /// Appends each non-empty match in `line` on a line of its own (`-o`).
    fn push_matches(&self, out: &mut Vec<u8>, name: &[u8], index: usize, line: &[u8]) {
        let mut pos = 0;
        while let Some(found) = self.regex.find_at(line, pos) {
            if found.end == found.start {
                pos = found.end + 1;
                continue;
            }
            self.push_prefix(out, name, index);
            push_line(out, &line[found.start..found.end]);
            pos = found.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grep(patterns: &[&str], options: GrepOptions, input: &str) -> (std::string::String, u64) {
        let patterns: std::vec::Vec<&[u8]> = patterns.iter().map(|p| p.as_bytes()).collect();
        let report = Grep::new(&patterns, options).unwrap().search(b"f.txt", input.as_bytes());
        (std::string::String::from_utf8(report.output).unwrap(), report.selected)
    }

    const FRUIT: &str = "apple\nBanana\ncherry\nbanana split\n";

    #[test]
    fn line_by_line_numbers_across_lines_and_stops_at_the_limit() {
        let options = GrepOptions { line_numbers: true, max_count: Some(1), ..GrepOptions::default() };
        let grep = Grep::new(&[b"an"], options).unwrap();
        let mut search = grep.line_search(b"-");
        let mut out = std::vec::Vec::new();
        for line in ["apple", "Banana"] {
            search.line(line.as_bytes(), &mut out);
        }
        assert!(search.finished(), "one selected line reaches -m 1");
        search.line(b"banana split", &mut out);
        assert_eq!(search.finish(&mut out), 1);
        assert_eq!(out, b"2:Banana\n");
        let counting = GrepOptions { output: OutputMode::Count, ..GrepOptions::default() };
        let grep = Grep::new(&[b"an"], counting).unwrap();
        let mut search = grep.line_search(b"-");
        let mut out = std::vec::Vec::new();
        assert!(!search.finished());
        for line in FRUIT.lines() {
            search.line(line.as_bytes(), &mut out);
        }
        assert!(out.is_empty(), "a count comes only at the end");
        assert_eq!(search.finish(&mut out), 2);
        assert_eq!(out, b"2\n");
    }

    #[test]
    fn prints_matching_lines_and_counts_them() {
        assert_eq!(grep(&["an"], GrepOptions::default(), FRUIT), ("Banana\nbanana split\n".into(), 2));
        assert_eq!(grep(&["zzz"], GrepOptions::default(), FRUIT), ("".into(), 0));
    }

    #[test]
    fn ignore_case_invert_and_line_numbers() {
        let options = GrepOptions { ignore_case: true, line_numbers: true, ..GrepOptions::default() };
        assert_eq!(grep(&["^b"], options, FRUIT).0, "2:Banana\n4:banana split\n");
        let inverted = GrepOptions { invert: true, ..GrepOptions::default() };
        assert_eq!(grep(&["an"], inverted, FRUIT), ("apple\ncherry\n".into(), 2));
    }

    #[test]
    fn count_with_and_without_file_name() {
        let count = GrepOptions { output: OutputMode::Count, ..GrepOptions::default() };
        assert_eq!(grep(&["a"], count, FRUIT).0, "3\n");
        let named = GrepOptions { with_file_names: true, ..count };
        assert_eq!(grep(&["x"], named, FRUIT).0, "f.txt:0\n");
        let inverted = GrepOptions { invert: true, ..count };
        assert_eq!(grep(&["a"], inverted, FRUIT).0, "1\n");
    }

    #[test]
    fn file_name_prefixes() {
        let options = GrepOptions { with_file_names: true, line_numbers: true, ..GrepOptions::default() };
        assert_eq!(grep(&["cherry"], options, FRUIT).0, "f.txt:3:cherry\n");
    }

    #[test]
    fn list_files_and_quiet_stop_at_the_first_match() {
        let list = GrepOptions { output: OutputMode::FilesWithMatches, ..GrepOptions::default() };
        assert_eq!(grep(&["a"], list, FRUIT), ("f.txt\n".into(), 1));
        assert_eq!(grep(&["q"], list, FRUIT), ("".into(), 0));
        let without = GrepOptions { output: OutputMode::FilesWithoutMatch, ..GrepOptions::default() };
        assert_eq!(grep(&["q"], without, FRUIT).0, "f.txt\n");
        assert_eq!(grep(&["a"], without, FRUIT).0, "");
        let quiet = GrepOptions { output: OutputMode::Quiet, ..GrepOptions::default() };
        assert_eq!(grep(&["a"], quiet, FRUIT), ("".into(), 1));
    }

    #[test]
    fn extended_fixed_word_and_line_matching() {
        let extended = GrepOptions { syntax: Syntax::Extended, ..GrepOptions::default() };
        assert_eq!(grep(&["^(apple|cherry)$"], extended, FRUIT).0, "apple\ncherry\n");
        let fixed = GrepOptions { syntax: Syntax::Fixed, ..GrepOptions::default() };
        assert_eq!(grep(&["a.b"], fixed, "a.b\naxb\n").0, "a.b\n");
        let word = GrepOptions { extent: Extent::Word, ..GrepOptions::default() };
        assert_eq!(grep(&["banana"], word, FRUIT).0, "banana split\n");
        let line = GrepOptions { extent: Extent::Line, ..GrepOptions::default() };
        assert_eq!(grep(&["banana"], line, FRUIT).0, "");
        assert_eq!(grep(&["cherry"], line, FRUIT).0, "cherry\n");
    }

    #[test]
    fn several_patterns_and_newline_separated_patterns() {
        assert_eq!(grep(&["apple", "cherry"], GrepOptions::default(), FRUIT).0, "apple\ncherry\n");
        assert_eq!(grep(&["apple\ncherry"], GrepOptions::default(), FRUIT).0, "apple\ncherry\n");
    }

    #[test]
    fn only_matching_prints_each_match() {
        let options = GrepOptions { output: OutputMode::OnlyMatching, line_numbers: true, ..GrepOptions::default() };
        assert_eq!(grep(&["an"], options, FRUIT).0, "2:an\n2:an\n4:an\n4:an\n");
        assert_eq!(grep(&["x*"], options, "abc\n").0, "");
    }

    #[test]
    fn max_count_stops_early() {
        let options = GrepOptions { max_count: Some(1), ..GrepOptions::default() };
        assert_eq!(grep(&["an"], options, FRUIT), ("Banana\n".into(), 1));
        let none = GrepOptions { max_count: Some(0), ..GrepOptions::default() };
        assert_eq!(grep(&["an"], none, FRUIT), ("".into(), 0));
    }

    #[test]
    fn last_line_without_newline_gets_one() {
        assert_eq!(grep(&["b"], GrepOptions::default(), "a\nb").0, "b\n");
        assert_eq!(grep(&[""], GrepOptions::default(), "").0, "");
        assert_eq!(grep(&[""], GrepOptions::default(), "\n").0, "\n");
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert_eq!(Grep::new(&[b"a\\{2"], GrepOptions::default()).unwrap_err(), RegexError::UnmatchedBrace);
        let extended = GrepOptions { syntax: Syntax::Extended, ..GrepOptions::default() };
        assert_eq!(Grep::new(&[b"(a"], extended).unwrap_err(), RegexError::UnmatchedOpenParen);
    }
}
