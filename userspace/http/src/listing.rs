//! The HTML page `httpd` answers for a directory: its entries, directories first, each a
//! link (names percent-encoded in links and HTML-escaped in text, so any name is safe).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::path::percent_encode;

/// One directory entry as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    pub size: u64,
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the listing of the directory at URL path `path` (decoded, like `/a b/`).
pub fn render(path: &str, mut entries: Vec<Entry>) -> String {
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    let title = html_escape(path);
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body><h1>Index of {title}</h1>\n<table>\n"
    );
    if path != "/" {
        page.push_str("<tr><td><a href=\"../\">../</a></td><td></td></tr>\n");
    }
    for entry in &entries {
        let slash = if entry.is_dir { "/" } else { "" };
        let size = if entry.is_dir { String::from("-") } else { format!("{}", entry.size) };
        let _ = writeln!(
            page,
            "<tr><td><a href=\"{}{slash}\">{}{slash}</a></td><td>{size}</td></tr>",
            percent_encode(&entry.name),
            html_escape(&entry.name)
        );
    }
    page.push_str("</table>\n<hr><address>Cairn httpd</address></body></html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn entry(name: &str, is_dir: bool, size: u64) -> Entry {
        Entry { name: name.into(), is_dir, size }
    }

    #[test]
    fn lists_directories_first_with_safe_names() {
        let page =
            render("/docs/", vec![entry("b.txt", false, 12), entry("<script>&", false, 1), entry("sub dir", true, 0)]);
        let sub = page.find("<a href=\"sub%20dir/\">sub dir/</a></td><td>-</td>").unwrap();
        let script = page.find("<a href=\"%3Cscript%3E%26\">&lt;script&gt;&amp;</a></td><td>1</td>").unwrap();
        let b = page.find("<a href=\"b.txt\">b.txt</a></td><td>12</td>").unwrap();
        assert!(sub < script && script < b);
        assert!(page.contains("<title>Index of /docs/</title>"));
        assert!(page.contains("href=\"../\""));
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn the_root_has_no_parent_link() {
        let page = render("/", vec![]);
        assert!(!page.contains("../"));
        assert_eq!(html_escape("a\"'b"), "a&quot;&#39;b");
    }
}
