//! Splitting a test's command line into pipeline stages and words, with a
//! small part of the shell's syntax: blanks separate words, `|` separates
//! stages, `'...'` quotes literally, `"..."` quotes with `\"` and `\\` as
//! escapes, and a backslash outside quotes takes the next character
//! literally.
//!
//! Depends on `cairn-rt`.

use cairn_rt::{String, Vec, format};

/// The stages of `command`, each a list of words.
pub fn pipeline(command: &str) -> Result<Vec<Vec<String>>, String> {
    let mut stages = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut characters = command.chars();
    while let Some(character) = characters.next() {
        match character {
            ' ' | '\t' | '\n' => words.extend(word.take()),
            '|' => {
                words.extend(word.take());
                if words.is_empty() {
                    return Err(format!("empty pipeline stage in {command:?}"));
                }
                stages.push(core::mem::take(&mut words));
            }
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match characters.next() {
                        Some('\'') => break,
                        Some(inner) => text.push(inner),
                        None => return Err(format!("unterminated ' in {command:?}")),
                    }
                }
            }
            '"' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match characters.next() {
                        Some('"') => break,
                        Some('\\') => match characters.next() {
                            Some(escaped @ ('"' | '\\')) => text.push(escaped),
                            Some(other) => {
                                text.push('\\');
                                text.push(other);
                            }
                            None => return Err(format!("unterminated \" in {command:?}")),
                        },
                        Some(inner) => text.push(inner),
                        None => return Err(format!("unterminated \" in {command:?}")),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(characters.next()),
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err(format!("empty pipeline stage in {command:?}"));
    }
    stages.push(words);
    Ok(stages)
}
