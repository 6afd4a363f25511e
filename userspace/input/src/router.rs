//! Which virtual console gets the input. Each reader of scheme `input`
//! attaches as a virtual console [`Vt`] (1 to 12: the text consoles take
//! 1 and 2, the desktop 7); one of them is active and gets every key and
//! mouse report, the others nothing. Ctrl-Alt-Fn makes console n active
//! (when it exists; the Fn key itself reaches no one). A switch tells
//! the old console it lost the input (after releases for the keys it saw
//! go down and not up, so it holds no stuck modifiers) and the new one
//! it gained it; those keys' real releases then reach no one. When the
//! active console detaches, the lowest one left becomes active: the
//! desktop going away brings the text console back.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use cairn_ps2::MouseReport;

use crate::event::{InputEvent, Key, Modifiers};

/// A virtual console's number, 1 to 12 (its Ctrl-Alt-Fn key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Vt(u8);

impl Vt {
    pub const FIRST: u8 = 1;
    pub const LAST: u8 = 12;

    pub fn new(number: u8) -> Option<Vt> {
        (Vt::FIRST..=Vt::LAST).contains(&number).then_some(Vt(number))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The console whose Ctrl-Alt key this set-1 code is (F1-F10 are
    /// 0x3B-0x44, F11 and F12 0x57 and 0x58).
    fn of_function_key(code: u16) -> Option<Vt> {
        match code {
            0x3b..=0x44 => Vt::new((code - 0x3b + 1) as u8),
            0x57 | 0x58 => Vt::new((code - 0x57 + 11) as u8),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterError {
    /// Another reader holds that console.
    Taken,
    /// No reader holds that console.
    NoConsole,
}

/// Events for consoles, in order.
pub type Delivery = Vec<(Vt, InputEvent)>;

#[derive(Default)]
pub struct Router {
    consoles: BTreeSet<Vt>,
    active: Option<Vt>,
    /// Keys down: the console that got the press, or `None` when their
    /// release goes to no one (a switch key, or a switch came between).
    down: BTreeMap<u16, Option<Vt>>,
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    pub fn active(&self) -> Option<Vt> {
        self.active
    }

    /// Adds a console; the first one becomes active.
    pub fn attach(&mut self, vt: Vt) -> Result<Delivery, RouterError> {
        if !self.consoles.insert(vt) {
            return Err(RouterError::Taken);
        }
        if self.active.is_some() {
            return Ok(Delivery::new());
        }
        self.active = Some(vt);
        Ok(alloc::vec![(vt, InputEvent::Active(true))])
    }

    /// Removes a console; if it was active, the lowest left takes over.
    pub fn detach(&mut self, vt: Vt) -> Delivery {
        if !self.consoles.remove(&vt) {
            return Delivery::new();
        }
        for owner in self.down.values_mut() {
            if *owner == Some(vt) {
                *owner = None;
            }
        }
        if self.active != Some(vt) {
            return Delivery::new();
        }
        self.active = self.consoles.first().copied();
        self.active.map(|next| (next, InputEvent::Active(true))).into_iter().collect()
    }

    /// Makes `vt` active.
    pub fn switch(&mut self, vt: Vt) -> Result<Delivery, RouterError> {
        if !self.consoles.contains(&vt) {
            return Err(RouterError::NoConsole);
        }
        let mut out = Delivery::new();
        if self.active == Some(vt) {
            return Ok(out);
        }
        if let Some(old) = self.active {
            for (&code, owner) in self.down.iter_mut().filter(|(_, owner)| **owner == Some(old)) {
                let release = Key { code, pressed: false, text: None, modifiers: Modifiers::empty() };
                out.push((old, InputEvent::Key(release)));
                *owner = None;
            }
            out.push((old, InputEvent::Active(false)));
        }
        self.active = Some(vt);
        out.push((vt, InputEvent::Active(true)));
        Ok(out)
    }

    /// Routes a key: a switch, or to the active console.
    pub fn key(&mut self, key: Key) -> Delivery {
        if !key.pressed {
            return match self.down.remove(&key.code) {
                Some(Some(owner)) => alloc::vec![(owner, InputEvent::Key(key))],
                Some(None) => Delivery::new(),
                None => self.to_active(InputEvent::Key(key)),
            };
        }
        let switch = Modifiers::CTRL.union(Modifiers::ALT);
        let target = Vt::of_function_key(key.code).filter(|vt| self.consoles.contains(vt));
        if let Some(vt) = target.filter(|_| key.modifiers.contains(switch)) {
            self.down.insert(key.code, None);
            return self.switch(vt).unwrap_or_default();
        }
        // A repeat of a key held since before a switch stays unheard.
        if self.down.get(&key.code) == Some(&None) {
            return Delivery::new();
        }
        self.down.insert(key.code, self.active);
        self.to_active(InputEvent::Key(key))
    }

    /// Routes a mouse report to the active console.
    pub fn mouse(&mut self, report: MouseReport) -> Delivery {
        self.to_active(InputEvent::Mouse(report))
    }

    fn to_active(&self, event: InputEvent) -> Delivery {
        self.active.map(|vt| (vt, event)).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTRL: u16 = 0x1d;
    const ALT: u16 = 0x38;
    const F1: u16 = 0x3b;
    const F7: u16 = 0x41;
    const A: u16 = 0x1e;

    fn vt(n: u8) -> Vt {
        Vt::new(n).unwrap()
    }

    fn key(code: u16, pressed: bool, modifiers: Modifiers) -> Key {
        Key { code, pressed, text: None, modifiers }
    }

    fn press(code: u16, modifiers: Modifiers) -> Key {
        key(code, true, modifiers)
    }

    fn release(code: u16) -> Key {
        key(code, false, Modifiers::empty())
    }

    const CTRL_ALT: Modifiers = Modifiers::CTRL.union(Modifiers::ALT);

    #[test]
    fn console_numbers() {
        assert_eq!(Vt::new(0), None);
        assert_eq!(Vt::new(13), None);
        assert_eq!(Vt::new(7).map(Vt::number), Some(7));
        assert_eq!(Vt::of_function_key(F1), Some(vt(1)));
        assert_eq!(Vt::of_function_key(F7), Some(vt(7)));
        assert_eq!(Vt::of_function_key(0x58), Some(vt(12)));
        assert_eq!(Vt::of_function_key(A), None);
    }

    #[test]
    fn the_first_console_is_active_and_gets_everything() {
        let mut router = Router::new();
        assert_eq!(router.attach(vt(1)), Ok(alloc::vec![(vt(1), InputEvent::Active(true))]));
        assert_eq!(router.attach(vt(7)), Ok(Delivery::new()));
        assert_eq!(router.attach(vt(7)), Err(RouterError::Taken));
        let a = press(A, Modifiers::empty());
        assert_eq!(router.key(a), alloc::vec![(vt(1), InputEvent::Key(a))]);
        let report = MouseReport { dx: 3, ..MouseReport::default() };
        assert_eq!(router.mouse(report), alloc::vec![(vt(1), InputEvent::Mouse(report))]);
    }

    #[test]
    fn ctrl_alt_function_keys_switch() {
        let mut router = Router::new();
        router.attach(vt(1)).unwrap();
        router.attach(vt(7)).unwrap();
        // Ctrl and Alt go down on console 1, then F7 switches.
        router.key(press(CTRL, Modifiers::CTRL));
        router.key(press(ALT, CTRL_ALT));
        let out = router.key(press(F7, CTRL_ALT));
        let released = |code| (vt(1), InputEvent::Key(release(code)));
        assert_eq!(
            out,
            alloc::vec![
                released(CTRL),
                released(ALT),
                (vt(1), InputEvent::Active(false)),
                (vt(7), InputEvent::Active(true))
            ]
        );
        assert_eq!(router.active(), Some(vt(7)));
        // The real releases and F7's reach no one.
        assert!(router.key(release(F7)).is_empty());
        assert!(router.key(release(ALT)).is_empty());
        assert!(router.key(release(CTRL)).is_empty());
        // Keys now go to 7 only, the mouse too.
        let a = press(A, Modifiers::empty());
        assert_eq!(router.key(a), alloc::vec![(vt(7), InputEvent::Key(a))]);
        assert_eq!(router.key(release(A)), alloc::vec![(vt(7), InputEvent::Key(release(A)))]);
        assert_eq!(router.mouse(MouseReport::default()).first().map(|d| d.0), Some(vt(7)));
        // Back to 1.
        let out = router.key(press(F1, CTRL_ALT));
        assert_eq!(out, alloc::vec![(vt(7), InputEvent::Active(false)), (vt(1), InputEvent::Active(true))]);
    }

    #[test]
    fn a_switch_to_a_missing_console_is_an_ordinary_key() {
        let mut router = Router::new();
        router.attach(vt(7)).unwrap();
        let f2 = press(0x3c, CTRL_ALT);
        assert_eq!(router.key(f2), alloc::vec![(vt(7), InputEvent::Key(f2))]);
        assert_eq!(router.switch(vt(2)), Err(RouterError::NoConsole));
        // Without both modifiers F1 is an ordinary key too.
        router.attach(vt(1)).unwrap();
        let f1 = press(F1, Modifiers::ALT);
        assert_eq!(router.key(f1), alloc::vec![(vt(7), InputEvent::Key(f1))]);
        // Switching to the active console says nothing.
        assert_eq!(router.switch(vt(7)), Ok(Delivery::new()));
    }

    #[test]
    fn the_active_console_leaving_hands_over_to_the_lowest() {
        let mut router = Router::new();
        router.attach(vt(2)).unwrap();
        router.attach(vt(1)).unwrap();
        router.attach(vt(7)).unwrap();
        router.switch(vt(7)).unwrap();
        router.key(press(A, Modifiers::empty()));
        assert_eq!(router.detach(vt(7)), alloc::vec![(vt(1), InputEvent::Active(true))]);
        // The key held on the departed console is released to no one.
        assert!(router.key(release(A)).is_empty());
        assert_eq!(router.detach(vt(2)), Delivery::new());
        assert_eq!(router.detach(vt(2)), Delivery::new());
        assert_eq!(router.detach(vt(1)), Delivery::new());
        assert_eq!(router.active(), None);
        assert!(router.key(press(A, Modifiers::empty())).is_empty());
    }
}
