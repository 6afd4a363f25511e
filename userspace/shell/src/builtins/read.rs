//! `read [-r] [-p prompt] [name...]`: reads a line from standard input and splits it into variables by `IFS`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::fields::{self, DEFAULT_IFS, Piece};
use crate::interp::Shell;
use crate::lexer::is_name;
use crate::os::{Os, OsError};

/// Whether `line` ends in a backslash that is not itself escaped.
fn ends_in_escape(line: &[u8]) -> bool {
    line.iter().rev().take_while(|&&byte| byte == b'\\').count() % 2 == 1
}

/// The characters of a line; without `raw`, a backslash quotes the next character.
fn line_pieces(line: &str, raw: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' && !raw {
            if let Some(escaped) = chars.next() {
                pieces.push(Piece::Char { ch: escaped, quoted: true, splittable: false });
            }
            continue;
        }
        pieces.push(Piece::Char { ch, quoted: false, splittable: true });
    }
    pieces
}

impl<O: Os> Shell<O> {
    /// Reads one line byte by byte (so that no input meant for later commands is consumed); `None` at end of
    /// input with nothing read. The flag tells whether the line ended with a newline.
    fn read_line(&mut self, raw: bool) -> Option<(String, bool)> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        let terminated = loop {
            match self.os.read(0, &mut byte) {
                Ok(0) => break false,
                Ok(_) if byte[0] == b'\n' => {
                    if !raw && ends_in_escape(&line) {
                        line.pop();
                        continue;
                    }
                    break true;
                }
                Ok(_) => line.push(byte[0]),
                Err(OsError::Interrupted) => {}
                Err(_) => break false,
            }
        };
        if line.is_empty() && !terminated {
            return None;
        }
        Some((String::from_utf8_lossy(&line).into_owned(), terminated))
    }

    /// `read`: assigns the fields of a line to the names, the last name taking the rest of the line.
    pub(super) fn builtin_read(&mut self, args: &[String]) -> i32 {
        let mut raw = false;
        let mut prompt = None;
        let mut index = 0;
        while let Some(arg) = args.get(index) {
            match arg.as_str() {
                "-r" => raw = true,
                "-p" => {
                    index += 1;
                    prompt = args.get(index).cloned();
                }
                "--" => {
                    index += 1;
                    break;
                }
                option if option.starts_with('-') && option.len() > 1 => {
                    return self.usage_error("read", format_args!("{option}: invalid option"));
                }
                _ => break,
            }
            index += 1;
        }
        let mut names: Vec<&str> = args[index.min(args.len())..].iter().map(String::as_str).collect();
        if names.is_empty() {
            names.push("REPLY");
        }
        if let Some(bad) = names.iter().find(|name| !is_name(name)) {
            self.report(format_args!("read: `{bad}': not a valid identifier"));
            return 1;
        }
        if let Some(prompt) = prompt {
            let _ = self.write_fd(2, prompt.as_bytes());
        }
        let (line, terminated) = self.read_line(raw).unwrap_or_default();
        let ifs = String::from(self.state.vars.get("IFS").unwrap_or(DEFAULT_IFS));
        let fields = fields::split(&line_pieces(&line, raw), &ifs, Some(names.len()));
        for (position, name) in names.iter().enumerate() {
            let value = fields.get(position).map(|field| fields::field_text(field)).unwrap_or_default();
            if let Err(error) = self.assign(name, value) {
                return self.report_variable_error(&error);
            }
        }
        i32::from(!terminated)
    }
}
