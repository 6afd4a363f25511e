//! The line editor of the interactive shell: reads keys in raw mode and edits the line (cursor movement, deletion,
//! `^A ^E ^K ^U ^W ^L`, history with Up/Down, completion with Tab) until Enter, `^C` or `^D`.

use cairn_rt::String;
use cairn_rt::abi::error::EINTR;
use cairn_rt::collections::VecDeque;
use cairn_rt::io;
use cairn_shell::Completion;
use cairn_term::keys::{KeyDecoder, KeyEvent};
use cairn_term::line_editor::{LineBuffer, LineDisplay};

use crate::bindings::{Action, action};
use crate::completion::{TabAction, listing, tab_action};
use crate::history::History;
use crate::terminal::{self, RawMode};

/// What reading a line ended with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Enter: the line, without a newline.
    Line(String),
    /// `^C`: the line is abandoned.
    Interrupted,
    /// `^D` on an empty line, or the end of the input.
    End,
}

/// Finds what may replace the word before the cursor (byte offset) of a line.
pub type Completer<'a> = dyn FnMut(&str, usize) -> Completion + 'a;

/// The editor: the key decoder, keys read but not used yet, and the history.
pub struct Editor {
    decoder: KeyDecoder,
    typed_ahead: VecDeque<KeyEvent>,
    history: History,
}

/// One line being edited.
struct Edit {
    line: LineBuffer,
    display: LineDisplay,
    /// The history entry shown (the number of entries: the new line).
    history_position: usize,
    /// The new line, kept while history entries are shown.
    draft: String,
    last_key_was_tab: bool,
}

/// What a key does to the edit.
enum Outcome {
    Continue,
    Done(Entry),
}

impl Editor {
    pub fn new(history: History) -> Editor {
        Editor { decoder: KeyDecoder::new(), typed_ahead: VecDeque::new(), history }
    }

    /// Whether lines can be edited: fd 0 is a terminal that raw mode can be set on.
    pub fn available() -> bool {
        RawMode::enter().is_some()
    }

    /// Shows `prompt` and edits a line; `complete` answers Tab. The line entered goes into the history.
    pub fn read_line(&mut self, prompt: &str, complete: &mut Completer<'_>) -> Entry {
        let raw_mode = RawMode::enter();
        let mut edit = Edit {
            line: LineBuffer::default(),
            display: LineDisplay::new(prompt, terminal::columns()),
            history_position: self.history.entries().len(),
            draft: String::new(),
            last_key_was_tab: false,
        };
        terminal::write(&edit.display.start(&edit.line));
        let entry = loop {
            let Some(event) = self.next_key() else {
                terminal::write(&edit.display.finish());
                break Entry::End;
            };
            if let Outcome::Done(entry) = self.apply(&mut edit, event, complete) {
                break entry;
            }
        };
        drop(raw_mode);
        if let Entry::Line(line) = &entry {
            self.history.add(line);
        }
        entry
    }

    /// The next key typed; `None` at the end of the input.
    fn next_key(&mut self) -> Option<KeyEvent> {
        let mut bytes = [0u8; 64];
        loop {
            if let Some(event) = self.typed_ahead.pop_front() {
                return Some(event);
            }
            match io::read_fd(terminal::INPUT, &mut bytes) {
                Ok(0) => return None,
                Ok(count) => self.typed_ahead.extend(self.decoder.feed(&bytes[..count.min(bytes.len())])),
                Err(error) if error.errno() == Some(EINTR) => {}
                Err(_) => return None,
            }
        }
    }

    fn apply(&mut self, edit: &mut Edit, event: KeyEvent, complete: &mut Completer<'_>) -> Outcome {
        let Some(action) = action(event) else { return Outcome::Continue };
        let outcome = self.perform(edit, action, complete);
        edit.last_key_was_tab = action == Action::Complete;
        outcome
    }

    fn perform(&mut self, edit: &mut Edit, action: Action, complete: &mut Completer<'_>) -> Outcome {
        let line = &mut edit.line;
        match action {
            Action::Submit => return finish(edit, Entry::Line(edit.line.text())),
            Action::Interrupt => {
                terminal::write("^C");
                return finish(edit, Entry::Interrupted);
            }
            Action::EndOrDelete if line.is_empty() => return finish(edit, Entry::End),
            Action::EndOrDelete | Action::DeleteAt => {
                line.delete_at();
            }
            Action::DeleteBefore => {
                line.delete_before();
            }
            Action::Complete => self.complete(edit, complete),
            Action::Left => line.move_left(),
            Action::Right => line.move_right(),
            Action::Home => line.move_home(),
            Action::End => line.move_end(),
            Action::KillToEnd => line.kill_to_end(),
            Action::KillToStart => line.kill_to_start(),
            Action::KillWordBefore => line.kill_word_before(),
            Action::ClearScreen => {
                terminal::write(&edit.display.clear_screen(&edit.line));
                return Outcome::Continue;
            }
            Action::Previous => self.recall(edit, -1),
            Action::Next => self.recall(edit, 1),
            Action::Insert(c) => line.insert(c),
        }
        terminal::write(&edit.display.refresh(&edit.line));
        Outcome::Continue
    }

    /// Up (`step` -1) or Down (+1) through the history; the new line comes back after the newest entry.
    fn recall(&mut self, edit: &mut Edit, step: isize) {
        let entries = self.history.entries();
        let Some(position) =
            edit.history_position.checked_add_signed(step).filter(|&position| position <= entries.len())
        else {
            return;
        };
        if edit.history_position == entries.len() {
            edit.draft = edit.line.text();
        }
        edit.history_position = position;
        let text = entries.get(position).unwrap_or(&edit.draft);
        edit.line.set(text);
    }

    /// Tab: completes the word before the cursor, or lists the candidates on a second Tab.
    fn complete(&mut self, edit: &mut Edit, complete: &mut Completer<'_>) {
        let text = edit.line.text();
        let cursor = edit.line.cursor_byte();
        let completion = complete(&text, cursor);
        let word = text.get(completion.start..cursor).unwrap_or_default();
        match tab_action(completion, word) {
            TabAction::Insert { start, text } => edit.line.replace_before_cursor(start, &text),
            TabAction::Ambiguous(candidates) if edit.last_key_was_tab => {
                let shown = listing(&candidates, edit.display.columns());
                terminal::write(&edit.display.show_below(&shown, &edit.line));
            }
            TabAction::Ambiguous(_) | TabAction::Nothing => terminal::write("\x07"),
        }
    }
}

/// Ends the edit: the cursor goes below the line.
fn finish(edit: &mut Edit, entry: Entry) -> Outcome {
    terminal::write(&edit.display.finish());
    Outcome::Done(entry)
}
