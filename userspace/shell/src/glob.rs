//! Pathname expansion: matching a field with unquoted `*`, `?` or `[` against the file system.

use alloc::string::String;
use alloc::vec::Vec;

use crate::fields::field_text;
use crate::os::Os;
use crate::pattern::{Pattern, PatternChar, has_wildcards};

/// The sorted paths matching `field`, or `None` when none does (the field then stays as written).
pub fn expand_pathname<O: Os + ?Sized>(os: &mut O, field: &[PatternChar]) -> Option<Vec<String>> {
    let components: Vec<&[PatternChar]> = field.split(|c| c.ch == '/').collect();
    let absolute = field.first().is_some_and(|c| c.ch == '/');
    let mut paths = alloc::vec![String::from(if absolute { "/" } else { "" })];
    let mut last_was_literal = false;
    let count = components.len();
    for (index, component) in components.into_iter().enumerate().skip(usize::from(absolute)) {
        let more_follow = index + 1 < count;
        last_was_literal = !has_wildcards(component);
        if last_was_literal {
            let text = field_text(component);
            paths = paths.into_iter().map(|path| join(&path, &text)).collect();
            continue;
        }
        let pattern = Pattern::compile(component);
        let mut next = Vec::new();
        for path in paths {
            let listed = os.list_dir(if path.is_empty() { "." } else { &path });
            let Ok(mut entries) = listed else { continue };
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            for entry in entries {
                let hidden_ok = !entry.name.starts_with('.') || pattern.starts_with_dot();
                if hidden_ok && (entry.is_dir || !more_follow) && pattern.matches(&entry.name) {
                    next.push(join(&path, &entry.name));
                }
            }
        }
        paths = next;
    }
    if last_was_literal {
        paths.retain(|path| os.stat(path).is_ok());
    }
    paths.sort();
    (!paths.is_empty()).then_some(paths)
}

fn join(base: &str, name: &str) -> String {
    let mut path = String::from(base);
    if !path.is_empty() && !path.ends_with('/') {
        path.push('/');
    }
    path.push_str(name);
    path
}
