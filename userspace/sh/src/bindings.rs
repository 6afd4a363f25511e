//! The keys the line editor understands and the editing action each is bound to (Emacs-style control keys as
//! in other shells, besides the cursor and editing keys).

use cairn_term::keys::{Key, KeyEvent, Modifiers};

/// What a key asks the editor to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Enter, `^J`: the line is done.
    Submit,
    /// `^C`: abandon the line.
    Interrupt,
    /// `^D`: the end of the input on an empty line, otherwise Delete.
    EndOrDelete,
    /// Tab.
    Complete,
    /// Backspace, `^H`.
    DeleteBefore,
    /// Delete.
    DeleteAt,
    /// Left, `^B`.
    Left,
    /// Right, `^F`.
    Right,
    /// Home, `^A`.
    Home,
    /// End, `^E`.
    End,
    /// `^K`.
    KillToEnd,
    /// `^U`.
    KillToStart,
    /// `^W`.
    KillWordBefore,
    /// `^L`.
    ClearScreen,
    /// Up, `^P`: the previous history entry.
    Previous,
    /// Down, `^N`: the next history entry.
    Next,
    /// A printable character typed.
    Insert(char),
}

/// The action `event` is bound to, if any.
pub fn action(event: KeyEvent) -> Option<Action> {
    let control = event.modifiers.contains(Modifiers::CTRL);
    let alt = event.modifiers.contains(Modifiers::ALT);
    Some(match event.key {
        Key::Enter => Action::Submit,
        Key::Tab => Action::Complete,
        Key::Backspace => Action::DeleteBefore,
        Key::Delete => Action::DeleteAt,
        Key::Left => Action::Left,
        Key::Right => Action::Right,
        Key::Home => Action::Home,
        Key::End => Action::End,
        Key::Up => Action::Previous,
        Key::Down => Action::Next,
        Key::Char(letter) if control => control_action(letter)?,
        Key::Char(c) if !alt && !c.is_control() => Action::Insert(c),
        _ => return None,
    })
}

/// The action of `^letter`.
fn control_action(letter: char) -> Option<Action> {
    Some(match letter {
        'a' => Action::Home,
        'b' => Action::Left,
        'c' => Action::Interrupt,
        'd' => Action::EndOrDelete,
        'e' => Action::End,
        'f' => Action::Right,
        'h' => Action::DeleteBefore,
        'j' => Action::Submit,
        'k' => Action::KillToEnd,
        'l' => Action::ClearScreen,
        'n' => Action::Next,
        'p' => Action::Previous,
        'u' => Action::KillToStart,
        'w' => Action::KillWordBefore,
        _ => return None,
    })
}
