//! The window protocol spoken over scheme `display` (docs/DESKTOP.md):
//! what a client writes to its window handle ([`Request`]: create,
//! commit damage, set the title) and what it reads back ([`Event`]: keys,
//! pointer, buttons, wheel, focus, close), each as bytes. Decoding never
//! trusts its input: every malformed message is a [`ProtocolError`].
//! Also the rectangle type everything on the desktop measures with, and
//! [`EventQueue`], a window's events waiting to be read, bounded so that
//! a client that stops reading cannot make the server grow.
//! Pure; no_std + alloc.
#![no_std]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// The largest window side a client may ask for, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The longest title, in bytes.
pub const MAX_TITLE: usize = 128;
/// The most damage rectangles one commit may carry.
pub const MAX_RECTS: usize = 256;
/// Bytes of one encoded [`Event`].
pub const EVENT_SIZE: usize = 16;

/// A rectangle of pixels; empty when either side is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    pub const fn new(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect { x, y, width, height }
    }

    pub fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// One past the right edge.
    pub fn right(&self) -> i64 {
        i64::from(self.x) + i64::from(self.width)
    }

    /// One past the bottom edge.
    pub fn bottom(&self) -> i64 {
        i64::from(self.y) + i64::from(self.height)
    }

    fn from_edges(left: i64, top: i64, right: i64, bottom: i64) -> Rect {
        if right <= left || bottom <= top {
            return Rect::default();
        }
        let clamp = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let side = |v: i64| v.min(i64::from(u32::MAX)) as u32;
        Rect::new(clamp(left), clamp(top), side(right - left), side(bottom - top))
    }

    /// The part both cover (empty if none).
    pub fn intersect(&self, other: &Rect) -> Rect {
        Rect::from_edges(
            i64::from(self.x.max(other.x)),
            i64::from(self.y.max(other.y)),
            self.right().min(other.right()),
            self.bottom().min(other.bottom()),
        )
    }

    /// The smallest rectangle covering both (an empty one adds nothing).
    pub fn union(&self, other: &Rect) -> Rect {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        Rect::from_edges(
            i64::from(self.x.min(other.x)),
            i64::from(self.y.min(other.y)),
            self.right().max(other.right()),
            self.bottom().max(other.bottom()),
        )
    }

    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x && y >= self.y && i64::from(x) < self.right() && i64::from(y) < self.bottom()
    }

    /// Moved by (dx, dy).
    pub fn offset(&self, dx: i32, dy: i32) -> Rect {
        Rect::new(self.x.saturating_add(dx), self.y.saturating_add(dy), self.width, self.height)
    }

    /// Pixels covered.
    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// What a client asks of its window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Make the window: its content size and title (once per handle).
    Create { width: u32, height: u32, title: &'a str },
    /// These parts of the buffer changed (window coordinates).
    Commit { damage: Vec<Rect> },
    /// A new title.
    SetTitle { title: &'a str },
}

/// Why a message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// Shorter than its kind needs.
    Short,
    /// Longer than its kind allows.
    Trailing,
    UnknownKind(u32),
    /// A side of 0 or over [`MAX_SIDE`].
    BadSize,
    /// Over [`MAX_TITLE`] bytes, or not UTF-8.
    BadTitle,
    /// Over [`MAX_RECTS`] rectangles.
    TooManyRects,
}

const CREATE: u32 = 1;
const COMMIT: u32 = 2;
const SET_TITLE: u32 = 3;

fn word(bytes: &[u8], at: usize) -> Result<u32, ProtocolError> {
    let raw = bytes.get(at..at + 4).ok_or(ProtocolError::Short)?;
    Ok(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

fn title(bytes: &[u8]) -> Result<&str, ProtocolError> {
    if bytes.len() > MAX_TITLE {
        return Err(ProtocolError::BadTitle);
    }
    core::str::from_utf8(bytes).map_err(|_| ProtocolError::BadTitle)
}

impl<'a> Request<'a> {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Request::Create { width, height, title } => {
                for w in [CREATE, *width, *height] {
                    out.extend_from_slice(&w.to_le_bytes());
                }
                out.extend_from_slice(title.as_bytes());
            }
            Request::Commit { damage } => {
                out.extend_from_slice(&COMMIT.to_le_bytes());
                out.extend_from_slice(&(damage.len() as u32).to_le_bytes());
                for r in damage {
                    for w in [r.x as u32, r.y as u32, r.width, r.height] {
                        out.extend_from_slice(&w.to_le_bytes());
                    }
                }
            }
            Request::SetTitle { title } => {
                out.extend_from_slice(&SET_TITLE.to_le_bytes());
                out.extend_from_slice(title.as_bytes());
            }
        }
        out
    }

    /// Reads one message.
    pub fn decode(bytes: &'a [u8]) -> Result<Request<'a>, ProtocolError> {
        match word(bytes, 0)? {
            CREATE => {
                let (width, height) = (word(bytes, 4)?, word(bytes, 8)?);
                if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
                    return Err(ProtocolError::BadSize);
                }
                Ok(Request::Create { width, height, title: title(&bytes[12..])? })
            }
            COMMIT => {
                let count = word(bytes, 4)? as usize;
                if count > MAX_RECTS {
                    return Err(ProtocolError::TooManyRects);
                }
                let body = &bytes[8..];
                if body.len() < count * 16 {
                    return Err(ProtocolError::Short);
                }
                if body.len() > count * 16 {
                    return Err(ProtocolError::Trailing);
                }
                let damage = body
                    .chunks_exact(16)
                    .map(|c| {
                        let w = |i| word(c, i).unwrap_or(0);
                        Rect::new(w(0) as i32, w(4) as i32, w(8), w(12))
                    })
                    .collect();
                Ok(Request::Commit { damage })
            }
            SET_TITLE => Ok(Request::SetTitle { title: title(&bytes[4..])? }),
            other => Err(ProtocolError::UnknownKind(other)),
        }
    }
}

/// Pointer buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    Left,
    Right,
    Middle,
}

/// What the server tells a client about its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A key went down or up: its PS/2 set-1 scan code (0xE0-prefixed
    /// keys as 0xE0xx) and, for a key press that types, its text.
    Key {
        code: u16,
        pressed: bool,
        text: Option<char>,
    },
    /// The pointer moved to (x, y) in window coordinates.
    Pointer {
        x: i32,
        y: i32,
    },
    Button {
        button: Button,
        pressed: bool,
    },
    /// Wheel turned: negative away from the user (up), positive towards.
    Wheel {
        delta: i32,
    },
    /// The window got or lost the keyboard.
    Focus {
        focused: bool,
    },
    /// The user asked to close the window.
    Close,
}

const KEY: u8 = 1;
const POINTER: u8 = 2;
const BUTTON: u8 = 3;
const WHEEL: u8 = 4;
const FOCUS: u8 = 5;
const CLOSE: u8 = 6;

impl Event {
    /// The event's 16 bytes: kind, flag, a 16-bit field, then three
    /// 32-bit fields.
    pub fn encode(&self) -> [u8; EVENT_SIZE] {
        let (kind, flag, short, a, b): (u8, bool, u16, u32, u32) = match *self {
            Event::Key { code, pressed, text } => (KEY, pressed, code, text.map_or(0, u32::from), 0),
            Event::Pointer { x, y } => (POINTER, false, 0, x as u32, y as u32),
            Event::Button { button, pressed } => (BUTTON, pressed, button as u16, 0, 0),
            Event::Wheel { delta } => (WHEEL, false, 0, delta as u32, 0),
            Event::Focus { focused } => (FOCUS, focused, 0, 0, 0),
            Event::Close => (CLOSE, false, 0, 0, 0),
        };
        let mut out = [0u8; EVENT_SIZE];
        out[0] = kind;
        out[1] = u8::from(flag);
        out[2..4].copy_from_slice(&short.to_le_bytes());
        out[4..8].copy_from_slice(&a.to_le_bytes());
        out[8..12].copy_from_slice(&b.to_le_bytes());
        out
    }

    /// Reads one event from exactly [`EVENT_SIZE`] bytes.
    pub fn decode(bytes: &[u8]) -> Result<Event, ProtocolError> {
        if bytes.len() < EVENT_SIZE {
            return Err(ProtocolError::Short);
        }
        if bytes.len() > EVENT_SIZE {
            return Err(ProtocolError::Trailing);
        }
        let flag = match bytes[1] {
            0 => false,
            1 => true,
            _ => return Err(ProtocolError::UnknownKind(u32::from(bytes[1]))),
        };
        let short = u16::from_le_bytes([bytes[2], bytes[3]]);
        let (a, b) = (word(bytes, 4)?, word(bytes, 8)?);
        Ok(match bytes[0] {
            KEY => Event::Key { code: short, pressed: flag, text: (a != 0).then(|| char::from_u32(a)).flatten() },
            POINTER => Event::Pointer { x: a as i32, y: b as i32 },
            BUTTON => {
                let button = match short {
                    0 => Button::Left,
                    1 => Button::Right,
                    2 => Button::Middle,
                    other => return Err(ProtocolError::UnknownKind(u32::from(other))),
                };
                Event::Button { button, pressed: flag }
            }
            WHEEL => Event::Wheel { delta: a as i32 },
            FOCUS => Event::Focus { focused: flag },
            CLOSE => Event::Close,
            other => return Err(ProtocolError::UnknownKind(u32::from(other))),
        })
    }
}

/// A window's events waiting to be read: at most `limit`; past that the
/// oldest are dropped (a client that stops reading loses events, the
/// server neither grows nor waits).
#[derive(Clone, Debug)]
pub struct EventQueue {
    events: VecDeque<Event>,
    limit: usize,
}

impl EventQueue {
    pub fn new(limit: usize) -> EventQueue {
        EventQueue { events: VecDeque::new(), limit: limit.max(1) }
    }

    pub fn push(&mut self, event: Event) {
        if self.events.len() == self.limit {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The oldest whole events that fit in `room` bytes, encoded; `None`
    /// if `room` cannot hold one event (the read is refused).
    pub fn take(&mut self, room: usize) -> Option<Vec<u8>> {
        if room < EVENT_SIZE {
            return None;
        }
        let count = (room / EVENT_SIZE).min(self.events.len());
        Some(self.events.drain(..count).flat_map(|e| e.encode()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn rectangles() {
        let a = Rect::new(0, 0, 10, 10);
        let b = Rect::new(5, 5, 10, 10);
        assert_eq!(a.intersect(&b), Rect::new(5, 5, 5, 5));
        assert_eq!(a.union(&b), Rect::new(0, 0, 15, 15));
        assert!(a.intersect(&Rect::new(10, 0, 5, 5)).is_empty());
        assert_eq!(Rect::default().union(&b), b);
        assert!(a.contains(9, 9) && !a.contains(10, 9) && !a.contains(-1, 0));
        assert_eq!(Rect::new(i32::MAX - 1, 0, 10, 10).offset(5, 0).x, i32::MAX);
        assert_eq!(Rect::new(-5, -5, 10, 10).intersect(&a), Rect::new(0, 0, 5, 5));
    }

    #[test]
    fn requests_round_trip() {
        let requests = [
            Request::Create { width: 640, height: 480, title: "Hello, Cairn" },
            Request::Commit { damage: vec![Rect::new(0, 0, 10, 10), Rect::new(-3, 4, 5, 6)] },
            Request::Commit { damage: vec![] },
            Request::SetTitle { title: "Grüße" },
        ];
        for request in requests {
            let bytes = request.encode();
            assert_eq!(Request::decode(&bytes), Ok(request));
        }
    }

    #[test]
    fn malformed_requests_are_refused() {
        assert_eq!(Request::decode(&[]), Err(ProtocolError::Short));
        assert_eq!(Request::decode(&[1, 0, 0]), Err(ProtocolError::Short));
        assert_eq!(Request::decode(&9u32.to_le_bytes()), Err(ProtocolError::UnknownKind(9)));
        let huge = Request::Create { width: 100_000, height: 100_000, title: "" }.encode();
        assert_eq!(Request::decode(&huge), Err(ProtocolError::BadSize));
        let zero = Request::Create { width: 0, height: 10, title: "" }.encode();
        assert_eq!(Request::decode(&zero), Err(ProtocolError::BadSize));
        let long = "x".repeat(MAX_TITLE + 1);
        assert_eq!(Request::decode(&Request::SetTitle { title: &long }.encode()), Err(ProtocolError::BadTitle));
        let mut bad_utf8 = Request::SetTitle { title: "ab" }.encode();
        bad_utf8.push(0xff);
        assert_eq!(Request::decode(&bad_utf8), Err(ProtocolError::BadTitle));
        let mut commit = Request::Commit { damage: vec![Rect::new(1, 2, 3, 4)] }.encode();
        commit.push(0);
        assert_eq!(Request::decode(&commit), Err(ProtocolError::Trailing));
        commit.truncate(commit.len() - 2);
        assert_eq!(Request::decode(&commit), Err(ProtocolError::Short));
        let mut many = COMMIT.to_le_bytes().to_vec();
        many.extend_from_slice(&(MAX_RECTS as u32 + 1).to_le_bytes());
        assert_eq!(Request::decode(&many), Err(ProtocolError::TooManyRects));
    }

    #[test]
    fn events_round_trip() {
        let events = [
            Event::Key { code: 0x1e, pressed: true, text: Some('a') },
            Event::Key { code: 0xe048, pressed: false, text: None },
            Event::Pointer { x: -4, y: 700 },
            Event::Button { button: Button::Middle, pressed: true },
            Event::Wheel { delta: -1 },
            Event::Focus { focused: true },
            Event::Close,
        ];
        for event in events {
            assert_eq!(Event::decode(&event.encode()), Ok(event));
        }
    }

    #[test]
    fn malformed_events_are_refused() {
        assert_eq!(Event::decode(&[1; 3]), Err(ProtocolError::Short));
        assert_eq!(Event::decode(&[0; 17]), Err(ProtocolError::Trailing));
        assert_eq!(Event::decode(&[0; 16]), Err(ProtocolError::UnknownKind(0)));
        let mut button = Event::Button { button: Button::Left, pressed: true }.encode();
        button[2] = 7;
        assert_eq!(Event::decode(&button), Err(ProtocolError::UnknownKind(7)));
        let mut flag = Event::Close.encode();
        flag[1] = 2;
        assert_eq!(Event::decode(&flag), Err(ProtocolError::UnknownKind(2)));
    }

    /// Random bytes, and random mutations of real messages, never make
    /// decoding panic; whatever decodes encodes back to the same message.
    #[test]
    fn hostile_bytes_decode_or_fail_cleanly() {
        let mut rng = cairn_testrng::Rng::new(14);
        let seeds = [
            Request::Create { width: 64, height: 48, title: "t" }.encode(),
            Request::Commit { damage: vec![Rect::new(1, 2, 3, 4); 3] }.encode(),
            Request::SetTitle { title: "title" }.encode(),
            Event::Key { code: 0x1e, pressed: true, text: Some('a') }.encode().to_vec(),
        ];
        for round in 0..20_000 {
            let mut bytes = if round % 2 == 0 {
                (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect()
            } else {
                seeds[rng.below(seeds.len() as u64) as usize].clone()
            };
            if !bytes.is_empty() && rng.chance(80) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] = rng.next_u64() as u8;
            }
            if rng.chance(20) {
                bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize);
            }
            if let Ok(request) = Request::decode(&bytes) {
                assert_eq!(Request::decode(&request.encode()), Ok(request));
            }
            if let Ok(event) = Event::decode(&bytes) {
                assert_eq!(Event::decode(&event.encode()), Ok(event));
            }
        }
    }

    #[test]
    fn event_queue_reads_whole_events_and_drops_the_oldest() {
        let mut queue = EventQueue::new(3);
        assert!(queue.is_empty());
        for delta in 0..5 {
            queue.push(Event::Wheel { delta });
        }
        assert_eq!(queue.take(EVENT_SIZE - 1), None);
        let two = queue.take(2 * EVENT_SIZE + 7).unwrap();
        assert_eq!(two.len(), 2 * EVENT_SIZE);
        assert_eq!(Event::decode(&two[..EVENT_SIZE]), Ok(Event::Wheel { delta: 2 }));
        assert_eq!(Event::decode(&two[EVENT_SIZE..]), Ok(Event::Wheel { delta: 3 }));
        assert_eq!(queue.take(100 * EVENT_SIZE).unwrap().len(), EVENT_SIZE);
        assert_eq!(queue.take(EVENT_SIZE), Some(Vec::new()));
        // A flood never holds more than the limit.
        for _ in 0..100_000 {
            queue.push(Event::Close);
        }
        assert_eq!(queue.take(usize::MAX).unwrap().len(), 3 * EVENT_SIZE);
    }
}
