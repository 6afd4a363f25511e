//! `echo [-neE] args...`.

use alloc::string::String;

use crate::escape::{self, OctalStyle};
use crate::interp::Shell;
use crate::os::Os;

/// Whether `arg` is a group of echo options (`-n`, `-ne`, `-E` ...).
fn is_option_group(arg: &str) -> bool {
    arg.len() > 1 && arg.starts_with('-') && arg[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
}

impl<O: Os> Shell<O> {
    /// Prints the arguments separated by spaces; `-n` omits the newline, `-e` interprets backslash escapes.
    pub(super) fn builtin_echo(&mut self, args: &[String]) -> i32 {
        let mut newline = true;
        let mut escapes = false;
        let options = args.iter().take_while(|arg| is_option_group(arg)).count();
        for c in args[..options].iter().flat_map(|arg| arg[1..].chars()) {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        let text = args[options..].join(" ");
        let (mut bytes, stopped) =
            if escapes { escape::decode(&text, OctalStyle::LeadingZero) } else { (text.into_bytes(), false) };
        if newline && !stopped {
            bytes.push(b'\n');
        }
        self.print_bytes(&bytes)
    }
}
