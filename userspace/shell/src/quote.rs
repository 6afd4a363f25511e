//! Quoting text so that the shell would read it back as the same word (`set -x`, `alias`, `export -p`, `set`).

use alloc::string::String;

/// `text` as is when it needs no quoting, otherwise in single quotes.
pub fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ',' | ':' | '@' | '%' | '+' | '=')
        });
    if plain {
        return String::from(text);
    }
    let mut quoted = String::from("'");
    for c in text.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_special_text_is_quoted() {
        assert_eq!(quote("abc-1.txt"), "abc-1.txt");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
