//! Tab completion for the interactive binary: command names in command position (builtins, functions, aliases,
//! keywords and programs in `PATH`), `$` variable names, and paths elsewhere.

use alloc::string::String;
use alloc::vec::Vec;

use crate::builtins::Builtin;
use crate::interp::{DEFAULT_PATH, Shell};
use crate::os::{FileKind, Os};
use crate::parser::KEYWORDS;

/// What may replace the word before the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset in the line where the word being completed starts.
    pub start: usize,
    /// Sorted, unique full replacements for the word (directories end with `/`).
    pub candidates: Vec<String>,
}

/// Characters that end a word for completion.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | ';' | '|' | '&' | '(' | ')' | '<' | '>')
}

/// Keywords after which a command name comes.
const COMMAND_KEYWORDS: [&str; 9] = ["then", "do", "else", "elif", "if", "while", "until", "!", "{"];

/// Whether a word following `preceding` (the line before it) is in command position.
fn in_command_position(preceding: &str) -> bool {
    let preceding = preceding.trim_end();
    if preceding.is_empty() || preceding.ends_with([';', '|', '&', '(', '{']) {
        return true;
    }
    let last_word = preceding.rsplit(is_separator).next().unwrap_or_default();
    COMMAND_KEYWORDS.contains(&last_word)
}

impl<O: Os> Shell<O> {
    /// The candidates for completing the word that ends at byte `cursor` of `line`.
    pub fn complete(&mut self, line: &str, cursor: usize) -> Completion {
        let mut cursor = cursor.min(line.len());
        while !line.is_char_boundary(cursor) {
            cursor -= 1;
        }
        let before = &line[..cursor];
        let start = before.rfind(is_separator).map_or(0, |index| index + 1);
        let word = &before[start..];
        let mut candidates = if let Some(prefix) = word.strip_prefix('$') {
            self.state
                .vars
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(name, _)| alloc::format!("${name}"))
                .collect()
        } else if !word.contains('/') && in_command_position(&before[..start]) {
            self.command_candidates(word)
        } else {
            self.path_candidates(word)
        };
        candidates.sort();
        candidates.dedup();
        Completion { start, candidates }
    }

    fn command_candidates(&mut self, prefix: &str) -> Vec<String> {
        let fixed = Builtin::names().chain(KEYWORDS.iter().copied()).map(String::from);
        let defined = self.state.functions.keys().chain(self.state.aliases.keys()).cloned();
        let mut candidates: Vec<String> = fixed.chain(defined).filter(|name| name.starts_with(prefix)).collect();
        let path = String::from(self.state.vars.get("PATH").unwrap_or(DEFAULT_PATH));
        for directory in path.split(':').filter(|directory| !directory.is_empty()) {
            let Ok(entries) = self.os.list_dir(directory) else { continue };
            for entry in entries.into_iter().filter(|entry| !entry.is_dir && entry.name.starts_with(prefix)) {
                let full = alloc::format!("{}/{}", directory.trim_end_matches('/'), entry.name);
                if self.os.stat(&full).is_ok_and(|status| status.kind == FileKind::Regular && status.executable) {
                    candidates.push(entry.name);
                }
            }
        }
        candidates
    }

    /// Paths starting with `word` (`~/` stands for the home directory).
    fn path_candidates(&mut self, word: &str) -> Vec<String> {
        let (directory, prefix) = match word.rfind('/') {
            Some(index) => word.split_at(index + 1),
            None => ("", word),
        };
        let listed = match directory.strip_prefix("~/") {
            Some(rest) => alloc::format!("{}/{rest}", self.state.vars.get("HOME").unwrap_or_default()),
            None if directory.is_empty() => String::from("."),
            None => String::from(directory),
        };
        let Ok(entries) = self.os.list_dir(&listed) else { return Vec::new() };
        entries
            .into_iter()
            .filter(|entry| entry.name.starts_with(prefix) && (prefix.starts_with('.') || !entry.name.starts_with('.')))
            .map(|entry| alloc::format!("{directory}{}{}", entry.name, if entry.is_dir { "/" } else { "" }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::in_command_position;

    #[test]
    fn command_position_follows_separators_and_keywords() {
        assert!(in_command_position(""));
        assert!(in_command_position("ls | "));
        assert!(in_command_position("if true; then "));
        assert!(!in_command_position("ls "));
        assert!(!in_command_position("echo then x "));
    }
}
