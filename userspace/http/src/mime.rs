//! The `Content-Type` `httpd` sends for a file, from its name's extension.

/// The media type for a file called `name` (`application/octet-stream` when unknown).
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    const TYPES: &[(&str, &str)] = &[
        ("html", "text/html; charset=utf-8"),
        ("htm", "text/html; charset=utf-8"),
        ("txt", "text/plain; charset=utf-8"),
        ("md", "text/plain; charset=utf-8"),
        ("conf", "text/plain; charset=utf-8"),
        ("rs", "text/plain; charset=utf-8"),
        ("css", "text/css"),
        ("js", "text/javascript"),
        ("json", "application/json"),
        ("png", "image/png"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("gif", "image/gif"),
        ("svg", "image/svg+xml"),
        ("pdf", "application/pdf"),
        ("gz", "application/gzip"),
        ("tar", "application/x-tar"),
    ];
    TYPES
        .iter()
        .find(|(ext, _)| ext.eq_ignore_ascii_case(extension))
        .map_or("application/octet-stream", |(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_extensions() {
        assert_eq!(content_type("index.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("a.tar.gz"), "application/gzip");
        assert_eq!(content_type("README"), "application/octet-stream");
        assert_eq!(content_type("x."), "application/octet-stream");
    }
}
