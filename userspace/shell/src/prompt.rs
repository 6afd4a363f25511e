//! Prompt strings: the bash-style backslash escapes of `PS1`/`PS2` (`\u`, `\h`, `\w`, `\W`, `\$` ...) followed by
//! parameter, command and arithmetic expansion.

use alloc::string::String;

use crate::interp::Shell;
use crate::lexer::expansion_word;
use crate::os::Os;

/// Which prompt to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// `PS1`, before a new command.
    Primary,
    /// `PS2`, when a command needs more lines.
    Continuation,
}

/// Appends text so that the expansion pass leaves it as it is.
fn push_verbatim(out: &mut String, text: &str) {
    for c in text.chars() {
        if matches!(c, '$' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

impl<O: Os> Shell<O> {
    /// The prompt to show, expanded.
    pub fn prompt(&mut self, kind: PromptKind) -> String {
        let (name, default) = match kind {
            PromptKind::Primary => ("PS1", "$ "),
            PromptKind::Continuation => ("PS2", "> "),
        };
        let template = String::from(self.state.vars.get(name).unwrap_or(default));
        let decoded = self.decode_prompt(&template);
        let Ok(word) = expansion_word(&decoded, &self.state.aliases, 0) else { return template };
        let status = self.state.last_status;
        let expanded = self.expand_string(&word).unwrap_or(template);
        self.state.last_status = status;
        expanded
    }

    /// Replaces the prompt escapes; what they produce is protected from the expansion that follows.
    fn decode_prompt(&mut self, template: &str) -> String {
        let mut out = String::new();
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('u') => {
                    let user = self.prompt_user();
                    push_verbatim(&mut out, &user);
                }
                Some(escape @ ('h' | 'H')) => {
                    let host = String::from(self.state.vars.get("HOSTNAME").unwrap_or("cairn"));
                    let host = if escape == 'h' { host.split('.').next().unwrap_or_default() } else { &host };
                    push_verbatim(&mut out, host);
                }
                Some(escape @ ('w' | 'W')) => {
                    let directory = self.prompt_directory(escape == 'W');
                    push_verbatim(&mut out, &directory);
                }
                Some('$') => push_verbatim(&mut out, if self.os.user_id() == 0 { "#" } else { "$" }),
                Some('n') => out.push('\n'),
                Some('e') => out.push('\u{1b}'),
                Some('a') => out.push('\u{7}'),
                Some('\\') => out.push_str("\\\\"),
                Some('[' | ']') => {}
                Some(other) => {
                    out.push_str("\\\\");
                    out.push(other);
                }
                None => out.push_str("\\\\"),
            }
        }
        out
    }

    fn prompt_user(&mut self) -> String {
        match self.state.vars.get("USER").or_else(|| self.state.vars.get("LOGNAME")) {
            Some(user) => String::from(user),
            None => {
                let uid = self.os.user_id();
                self.os.user_name(uid).unwrap_or_else(|| alloc::format!("{uid}"))
            }
        }
    }

    /// The working directory with the home directory shown as `~` (`\w`), or its last component (`\W`).
    fn prompt_directory(&mut self, last_component: bool) -> String {
        let directory = self.current_directory();
        let home = self.state.vars.get("HOME").filter(|home| !home.is_empty() && *home != "/");
        let shown = match home.and_then(|home| directory.strip_prefix(home)) {
            Some("") => String::from("~"),
            Some(rest) if rest.starts_with('/') => alloc::format!("~{rest}"),
            _ => directory,
        };
        if last_component && shown != "/" && shown != "~" {
            return String::from(shown.rsplit('/').next().unwrap_or_default());
        }
        shown
    }
}
