//! `getopts optstring name [args...]`: parses options one at a time through `OPTIND` and `OPTARG`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::os::Os;

/// What one call of `getopts` found.
enum Found {
    /// An option, with its argument if it takes one.
    Option(char, Option<String>),
    /// A character that is not in the option string.
    Unknown(char),
    /// An option that needs an argument that is missing.
    MissingArgument(char),
    /// No more options.
    End,
}

impl<O: Os> Shell<O> {
    pub(super) fn builtin_getopts(&mut self, args: &[String]) -> i32 {
        let [optstring, name, rest @ ..] = args else {
            return self.usage_error("getopts", format_args!("usage: getopts optstring name [arg ...]"));
        };
        let words: Vec<String> = if rest.is_empty() { self.state.positional.clone() } else { rest.to_vec() };
        let silent = optstring.starts_with(':');
        let found = self.next_option(optstring, &words);
        let (value, argument, status) = match found {
            Found::Option(option, argument) => (option, argument, 0),
            Found::Unknown(option) if silent => ('?', Some(option.to_string()), 0),
            Found::Unknown(option) => {
                self.report(format_args!("illegal option -- {option}"));
                ('?', None, 0)
            }
            Found::MissingArgument(option) if silent => (':', Some(option.to_string()), 0),
            Found::MissingArgument(option) => {
                self.report(format_args!("option requires an argument -- {option}"));
                ('?', None, 0)
            }
            Found::End => ('?', None, 1),
        };
        let result = self.assign(name, value.to_string()).and_then(|_| match argument {
            Some(argument) => self.assign("OPTARG", argument),
            None => self.state.vars.unset("OPTARG"),
        });
        match result {
            Ok(()) => status,
            Err(error) => self.report_variable_error(&error),
        }
    }

    /// Finds the next option in `words`, advancing `OPTIND` and the position inside a group like `-abc` (which
    /// is forgotten when `OPTIND` is changed from outside).
    fn next_option(&mut self, optstring: &str, words: &[String]) -> Found {
        let index: usize = self.state.vars.get("OPTIND").and_then(|value| value.parse().ok()).unwrap_or(1).max(1);
        let mut offset = match self.state.getopts_position {
            (recorded, offset) if recorded == index => offset,
            _ => 0,
        };
        let Some(word) = words.get(index - 1) else { return Found::End };
        if offset == 0 {
            if word == "--" {
                self.next_word(index + 1);
                return Found::End;
            }
            if !word.starts_with('-') || word.len() == 1 {
                return Found::End;
            }
            offset = 1;
        }
        let letters: Vec<char> = word.chars().collect();
        let option = letters.get(offset).copied().unwrap_or('?');
        offset += 1;
        let group_done = offset >= letters.len();
        let spec = optstring.trim_start_matches(':');
        let takes_argument = match spec.find(option).filter(|_| option != ':') {
            Some(position) => spec[position + option.len_utf8()..].starts_with(':'),
            None => {
                self.advance(index, offset, group_done);
                return Found::Unknown(option);
            }
        };
        if !takes_argument {
            self.advance(index, offset, group_done);
            return Found::Option(option, None);
        }
        if !group_done {
            let argument: String = letters[offset..].iter().collect();
            self.next_word(index + 1);
            return Found::Option(option, Some(argument));
        }
        match words.get(index) {
            Some(argument) => {
                self.next_word(index + 2);
                Found::Option(option, Some(argument.clone()))
            }
            None => {
                self.next_word(index + 1);
                Found::MissingArgument(option)
            }
        }
    }

    /// Moves past one option letter: to the next word when the group is done.
    fn advance(&mut self, index: usize, offset: usize, group_done: bool) {
        if group_done {
            self.next_word(index + 1);
        } else {
            self.state.getopts_position = (index, offset);
        }
    }

    fn next_word(&mut self, index: usize) {
        self.state.getopts_position = (0, 0);
        let _ = self.assign("OPTIND", index.to_string());
    }
}
