//! Textual path handling shared by `cd` and the tests' simulated file system.

use alloc::string::String;
use alloc::vec::Vec;

/// An absolute `path` with `.`, `..` and repeated or trailing slashes resolved textually.
pub fn normalize(path: &str) -> String {
    let mut components: Vec<&str> = Vec::new();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name => components.push(name),
        }
    }
    let mut normalized = String::new();
    for component in components {
        normalized.push('/');
        normalized.push_str(component);
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalize_resolves_dots() {
        assert_eq!(normalize("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(normalize("/.."), "/");
        assert_eq!(normalize("/"), "/");
    }
}
