//! What Tab does with the interpreter's candidates for the word before the cursor: insert the only candidate
//! (and a space after a complete word), or the longest prefix the candidates share, or list them all.

use cairn_rt::{String, Vec};
use cairn_shell::Completion;

/// What to do with the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabAction {
    /// Replace the text from byte offset `start` to the cursor.
    Insert { start: usize, text: String },
    /// Nothing to add: ring the bell, or list the candidates if Tab was pressed twice.
    Ambiguous(Vec<String>),
    /// No candidates.
    Nothing,
}

/// What Tab does with `completion` of the word `word` (the text from the completion's start to the cursor).
pub fn tab_action(completion: Completion, word: &str) -> TabAction {
    let Completion { start, mut candidates } = completion;
    match candidates.len() {
        0 => TabAction::Nothing,
        1 => {
            let mut text = candidates.remove(0);
            if !text.ends_with('/') {
                text.push(' ');
            }
            TabAction::Insert { start, text }
        }
        _ => {
            let prefix = common_prefix(&candidates);
            if prefix.len() > word.len() {
                TabAction::Insert { start, text: String::from(prefix) }
            } else {
                TabAction::Ambiguous(candidates)
            }
        }
    }
}

/// The longest prefix (ending at a character boundary) that every candidate starts with.
fn common_prefix(candidates: &[String]) -> &str {
    let Some(first) = candidates.first() else { return "" };
    let mut len = first.len();
    for candidate in &candidates[1..] {
        len = first
            .char_indices()
            .zip(candidate.chars())
            .find(|((_, a), b)| a != b)
            .map_or(len.min(candidate.len()), |((index, _), _)| index.min(len));
    }
    &first[..len]
}

/// How a candidate is listed: a path by its last component (a directory keeps its `/`).
fn listed_name(candidate: &str) -> &str {
    match candidate.trim_end_matches('/').rfind('/') {
        Some(slash) => &candidate[slash + 1..],
        None => candidate,
    }
}

/// The candidates in columns across a window `columns` wide, each row ended by `\r\n`.
pub fn listing(candidates: &[String], columns: usize) -> String {
    let names: Vec<&str> = candidates.iter().map(|candidate| listed_name(candidate)).collect();
    let width = names.iter().map(|name| name.chars().count()).max().unwrap_or(0) + 2;
    let per_row = (columns / width).max(1);
    let mut out = String::new();
    for row in names.chunks(per_row) {
        for (index, name) in row.iter().enumerate() {
            out.push_str(name);
            if index + 1 < row.len() {
                out.extend(core::iter::repeat_n(' ', width - name.chars().count()));
            }
        }
        out.push_str("\r\n");
    }
    out
}
