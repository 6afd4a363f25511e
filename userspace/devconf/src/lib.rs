//! `cairn-devconf`: the driver list the driver manager `devd` reads from
//! `/etc/devd.conf` — which driver serves which PCI function, with what
//! arguments, in what namespace — and the matching of a function's
//! configuration header against it. Pure logic, tested on the host.
//!
//! # Format
//!
//! ```text
//! # comment
//! driver /bin/nvme
//!     match class 01:08:02
//!     schemes dev
//!     serve disk.nvme
//!
//! driver /bin/edu --stay
//!     match id 1234:11e8
//! ```
//!
//! A `driver PROGRAM ARGS...` line starts an entry; the indented lines
//! after it set its properties: `match id VVVV:DDDD` (vendor and device ID)
//! or `match class CC[:SS[:PP]]` (class, subclass, programming interface;
//! hexadecimal), at least one, any of which selects a function;
//! `schemes NAME...` (the schemes of the driver's namespace; none by
//! default: a driver reaches only its device context and the fds it was
//! given), `register` (it may register schemes in its own namespace —
//! which only it and its children see), `serve PREFIX` (devd registers
//! scheme PREFIXk in its own namespace, the one init and its services
//! share — k counts from 0 the functions this entry serves, in bus order —
//! and hands the driver the scheme's endpoint: how a driver in a narrow
//! namespace serves everyone, e.g. `disk.nvme0`).
//! Words are separated by blanks; `#` starts a comment. Errors name the
//! line. The first entry that matches a function serves it.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

#[cfg(test)]
mod tests;

/// What selects a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Id {
        vendor: u16,
        device: u16,
    },
    /// Class, and subclass and programming interface when given.
    Class {
        class: u8,
        subclass: Option<u8>,
        prog_if: Option<u8>,
    },
}

impl Match {
    /// Whether configuration bytes 0-11 (IDs, command, status, revision,
    /// class code) are selected.
    pub fn accepts(&self, header: &[u8; 12]) -> bool {
        match *self {
            Match::Id { vendor, device } => {
                header[0..2] == vendor.to_le_bytes() && header[2..4] == device.to_le_bytes()
            }
            Match::Class { class, subclass, prog_if } => {
                header[11] == class
                    && subclass.is_none_or(|subclass| header[10] == subclass)
                    && prog_if.is_none_or(|prog_if| header[9] == prog_if)
            }
        }
    }
}

/// One driver entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driver {
    /// The program and its arguments.
    pub exec: Vec<String>,
    pub matches: Vec<Match>,
    /// The schemes of its namespace.
    pub schemes: Vec<String>,
    /// Whether it may register schemes.
    pub register: bool,
    /// The prefix of the scheme devd registers for each function it
    /// serves (`serve PREFIX`).
    pub serve: Option<String>,
}

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn hex<T: TryFrom<u32>>(text: &str, digits: usize) -> Option<T> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    T::try_from(u32::from_str_radix(text, 16).ok()?).ok()
}

fn parse_match(words: &[&str]) -> Result<Match, String> {
    match words {
        ["id", id] => {
            let (vendor, device) = id.split_once(':').ok_or("an id is VVVV:DDDD")?;
            match (hex(vendor, 4), hex(device, 4)) {
                (Some(vendor), Some(device)) => Ok(Match::Id { vendor, device }),
                _ => Err("an id is VVVV:DDDD, in hexadecimal".to_string()),
            }
        }
        ["class", code] => {
            let parts: Vec<&str> = code.split(':').collect();
            let bytes: Option<Vec<u8>> = parts.iter().map(|part| hex(part, 2)).collect();
            match bytes.as_deref() {
                Some([class]) => Ok(Match::Class { class: *class, subclass: None, prog_if: None }),
                Some([class, subclass]) => Ok(Match::Class { class: *class, subclass: Some(*subclass), prog_if: None }),
                Some([class, subclass, prog_if]) => {
                    Ok(Match::Class { class: *class, subclass: Some(*subclass), prog_if: Some(*prog_if) })
                }
                _ => Err("a class is CC, CC:SS or CC:SS:PP, in hexadecimal".to_string()),
            }
        }
        _ => Err("match id VVVV:DDDD or match class CC[:SS[:PP]]".to_string()),
    }
}

/// Reads the driver list.
pub fn parse(text: &str) -> Result<Vec<Driver>, ParseError> {
    let mut drivers: Vec<Driver> = Vec::new();
    let mut last_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: &str| ParseError { line, message: message.to_string() };
        let content = raw.split('#').next().unwrap_or("");
        let words: Vec<&str> = content.split_whitespace().collect();
        let Some((&keyword, rest)) = words.split_first() else { continue };
        let indented = raw.starts_with([' ', '\t']);
        if !indented {
            if keyword != "driver" {
                return Err(error("expected `driver PROGRAM ARGS...`"));
            }
            if rest.is_empty() {
                return Err(error("`driver` needs a program"));
            }
            if let Some(previous) = drivers.last()
                && previous.matches.is_empty()
            {
                return Err(ParseError { line: last_line, message: "a driver needs a `match` line".to_string() });
            }
            drivers.push(Driver {
                exec: rest.iter().map(|w| w.to_string()).collect(),
                matches: Vec::new(),
                schemes: Vec::new(),
                register: false,
                serve: None,
            });
            last_line = line;
            continue;
        }
        let driver = drivers.last_mut().ok_or_else(|| error("a property before any `driver` line"))?;
        match keyword {
            "match" => driver.matches.push(parse_match(rest).map_err(|message| error(&message))?),
            "schemes" if !rest.is_empty() => driver.schemes.extend(rest.iter().map(|w| w.to_string())),
            "register" if rest.is_empty() => driver.register = true,
            "serve" => match rest {
                [prefix] if valid_prefix(prefix) && driver.serve.is_none() => driver.serve = Some(prefix.to_string()),
                [_] if driver.serve.is_some() => return Err(error("a second `serve` line")),
                _ => return Err(error("`serve PREFIX`: 1-58 of letters, digits, `.`, `_` and `-`")),
            },
            _ => return Err(error("expected `match`, `schemes NAME...`, `register` or `serve PREFIX`")),
        }
    }
    if let Some(last) = drivers.last()
        && last.matches.is_empty()
    {
        return Err(ParseError { line: last_line, message: "a driver needs a `match` line".to_string() });
    }
    Ok(drivers)
}

/// Whether `prefix` followed by a function's number (at most six digits)
/// is a scheme name: 1-64 bytes of letters, digits, `.`, `_` and `-`.
fn valid_prefix(prefix: &str) -> bool {
    (1..=58).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The first driver that selects the function with this header.
pub fn driver_for<'a>(drivers: &'a [Driver], header: &[u8; 12]) -> Option<&'a Driver> {
    drivers.iter().find(|driver| driver.matches.iter().any(|m| m.accepts(header)))
}
