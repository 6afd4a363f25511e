//! Writing `grub.cfg` for a Cairn boot medium (the harness's ISOs, `mkdisk`'s disk images):
//! the menu entry that loads the kernel with Multiboot2 and its modules, with the kernel
//! command line and module strings quoted so that GRUB's script parser passes every byte
//! through (tests hand in deliberately garbled command lines full of `;`, `$`, quotes and
//! backslashes). Pure functions only.
//!
//! What the kernel then receives: GRUB splits the line into words and hands the kernel the
//! words joined by single spaces, re-escaping each `\`, `'` and `"` with a backslash (its
//! `grub_create_loader_cmdline`). Runs of whitespace therefore collapse to one space; every
//! other byte, control and high bytes included, arrives unchanged. The kernel path is not
//! part of the Multiboot2 command line.

/// A Multiboot2 module on the boot medium: the file `/boot/<file_name>` and its string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry {
    pub file_name: String,
    pub string: Vec<u8>,
}

/// Where the ISO and disk builders put the kernel; the path GRUB loads it from.
pub const KERNEL_PATH: &str = "/boot/kernel.elf";

/// Renders the whole `grub.cfg`.
pub fn render(cmdline: &[u8], modules: &[ModuleEntry]) -> Result<Vec<u8>, String> {
    let mut cfg = b"set timeout=0\nset default=0\ninsmod all_video\nmenuentry \"Cairn\" {\n".to_vec();
    cfg.extend_from_slice(b"    multiboot2 ");
    cfg.extend_from_slice(KERNEL_PATH.as_bytes());
    cfg.extend_from_slice(&quote_words(cmdline).map_err(|e| format!("kernel command line: {e}"))?);
    cfg.push(b'\n');
    for module in modules {
        cfg.extend_from_slice(b"    module2 ");
        cfg.extend_from_slice(&quote_word(format!("/boot/{}", module.file_name).as_bytes()));
        cfg.extend_from_slice(&quote_words(&module.string).map_err(|e| format!("module {}: {e}", module.file_name))?);
        cfg.push(b'\n');
    }
    cfg.extend_from_slice(b"    boot\n}\n");
    Ok(cfg)
}

/// Splits `line` at ASCII whitespace and returns each word single-quoted, each preceded by
/// a space (empty for an empty or all-blank line). Fails on NUL, which GRUB cannot carry.
pub fn quote_words(line: &[u8]) -> Result<Vec<u8>, String> {
    if line.contains(&0) {
        return Err("contains a NUL byte".to_string());
    }
    let mut out = Vec::new();
    for word in line.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
        out.push(b' ');
        out.extend_from_slice(&quote_word(word));
    }
    Ok(out)
}

/// Quotes one word for GRUB's script parser: inside single quotes every byte is literal
/// except `'` itself, which is written as `'\''` (close quote, escaped quote, reopen).
fn quote_word(word: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(word.len() + 2);
    out.push(b'\'');
    for &b in word {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_are_quoted() {
        assert_eq!(quote_words(b"test=kernel").unwrap(), b" 'test=kernel'");
        assert_eq!(quote_words(b"a  b\tc\n").unwrap(), b" 'a' 'b' 'c'");
        assert_eq!(quote_words(b"").unwrap(), b"");
        assert_eq!(quote_words(b"   ").unwrap(), b"");
    }

    #[test]
    fn special_characters_stay_literal() {
        assert_eq!(quote_words(b"a;b $HOME \"x \\y {z} #c").unwrap(), b" 'a;b' '$HOME' '\"x' '\\y' '{z}' '#c'");
        assert_eq!(quote_words(b"it's").unwrap(), b" 'it'\\''s'");
        assert_eq!(quote_words(b"'").unwrap(), b" ''\\'''");
        assert_eq!(quote_words(b"\x01\xff").unwrap(), b" '\x01\xff'");
    }

    #[test]
    fn nul_is_rejected() {
        assert!(quote_words(b"a\0b").is_err());
    }

    #[test]
    fn renders_menu_entry() {
        let cfg = render(b"test=kernel quiet", &[]).unwrap();
        assert_eq!(
            String::from_utf8(cfg).unwrap(),
            "set timeout=0\nset default=0\ninsmod all_video\nmenuentry \"Cairn\" {\n    \
             multiboot2 /boot/kernel.elf 'test=kernel' 'quiet'\n    boot\n}\n"
        );
    }

    #[test]
    fn renders_modules() {
        let modules = [
            ModuleEntry { file_name: "initfs".into(), string: b"initfs".to_vec() },
            ModuleEntry { file_name: "x.bin".into(), string: Vec::new() },
        ];
        let cfg = String::from_utf8(render(b"", &modules).unwrap()).unwrap();
        assert!(cfg.contains("    multiboot2 /boot/kernel.elf\n"));
        assert!(cfg.contains("    module2 '/boot/initfs' 'initfs'\n    module2 '/boot/x.bin'\n    boot\n"));
    }

    #[test]
    fn render_rejects_nul() {
        assert!(render(b"a\0", &[]).is_err());
        let m = [ModuleEntry { file_name: "m".into(), string: b"\0".to_vec() }];
        assert!(render(b"", &m).is_err());
    }
}
