//! The `pci.ids` database (the PCI ID Repository's list, as Debian's
//! `pci.ids` package installs it at `/usr/share/misc/pci.ids`): names for
//! vendors, devices, subsystems, classes, subclasses and programming
//! interfaces.
//!
//! The file is a list of top-level entries, each followed by lines indented
//! with tabs:
//!
//! ```text
//! vendor  vendor_name
//! <TAB>device  device_name
//! <TAB><TAB>subvendor subdevice  subsystem_name
//! C class  class_name
//! <TAB>subclass  subclass_name
//! <TAB><TAB>prog-if  prog-if_name
//! ```
//!
//! [`Database::new`] indexes the top-level entries once (one pass, sorted
//! for binary search); a lookup then reads only its entry's own lines.
//! Comments, blank lines and lines that do not parse are skipped, so a
//! damaged file gives fewer names, never an error or a panic.
//!
//! `#![no_std]` with `alloc`.

#![no_std]

extern crate alloc;

#[cfg(test)]
extern crate std;

use alloc::vec::Vec;

/// A top-level entry: its ID, name and the indented lines below it.
#[derive(Clone, Copy, Debug)]
struct Entry<'a> {
    id: u16,
    name: &'a str,
    body: &'a str,
}

/// An indexed `pci.ids` text.
#[derive(Debug, Default)]
pub struct Database<'a> {
    vendors: Vec<Entry<'a>>,
    classes: Vec<Entry<'a>>,
}

/// Splits `HEX  NAME` (at least one blank between) with `digits` hex digits.
fn id_and_name(line: &str, digits: usize) -> Option<(u16, &str)> {
    let id = line.get(..digits)?;
    let rest = line.get(digits..)?;
    if !rest.starts_with([' ', '\t']) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let name = rest.trim();
    (!name.is_empty()).then(|| (u16::from_str_radix(id, 16).ok(), name)).and_then(|(id, name)| Some((id?, name)))
}

/// The lines of `body` indented by exactly `depth` tabs, without the tabs;
/// deeper lines belong to the line before them and are skipped.
fn at_depth(body: &str, depth: usize) -> impl Iterator<Item = &str> {
    body.lines().filter_map(move |line| {
        let inner = line.get(depth..)?;
        (line.bytes().take(depth).all(|b| b == b'\t') && !inner.starts_with('\t')).then_some(inner)
    })
}

/// The lines of `body` below the `depth`-tab line with ID `id` (up to the
/// next line of that depth or shallower), and that line's name.
fn child(body: &str, depth: usize, digits: usize, id: u16) -> Option<(&str, &str)> {
    let mut offset = 0;
    let mut found: Option<(usize, &str)> = None;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let tabs = line.bytes().take_while(|&b| b == b'\t').count();
        if tabs > depth || line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some((begin, name)) = found {
            return Some((&body[begin..start], name));
        }
        if tabs == depth && id_and_name(&line[tabs..], digits).is_some_and(|(i, _)| i == id) {
            found = Some((offset, id_and_name(&line[tabs..], digits)?.1));
        }
    }
    found.map(|(begin, name)| (&body[begin..], name))
}

impl<'a> Database<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Database<'a> {
        let mut database = Database::default();
        // (is a class, id, name, where its body starts)
        let mut open: Option<(bool, u16, &'a str, usize)> = None;
        let mut offset = 0;
        let close = |open: Option<(bool, u16, &'a str, usize)>, end: usize, db: &mut Database<'a>| {
            if let Some((class, id, name, start)) = open {
                let entry = Entry { id, name, body: &text[start..end] };
                if class { db.classes.push(entry) } else { db.vendors.push(entry) }
            }
        };
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if line.starts_with(['\t', '#']) || line.trim().is_empty() {
                continue;
            }
            close(open.take(), start, &mut database);
            let entry = match line.strip_prefix("C ") {
                Some(class) => id_and_name(class, 2).map(|(id, name)| (true, id, name)),
                None => id_and_name(line, 4).map(|(id, name)| (false, id, name)),
            };
            open = entry.map(|(class, id, name)| (class, id, name, offset));
        }
        close(open, text.len(), &mut database);
        database.vendors.sort_by_key(|e| e.id);
        database.classes.sort_by_key(|e| e.id);
        database
    }

    fn find(entries: &[Entry<'a>], id: u16) -> Option<Entry<'a>> {
        entries.binary_search_by_key(&id, |e| e.id).ok().map(|i| entries[i])
    }

    /// How many vendors and classes the text names.
    pub fn counts(&self) -> (usize, usize) {
        (self.vendors.len(), self.classes.len())
    }

    pub fn vendor(&self, vendor: u16) -> Option<&'a str> {
        Some(Self::find(&self.vendors, vendor)?.name)
    }

    pub fn device(&self, vendor: u16, device: u16) -> Option<&'a str> {
        Some(child(Self::find(&self.vendors, vendor)?.body, 1, 4, device)?.1)
    }

    /// The name of subsystem `subvendor:subdevice` of `vendor:device`.
    pub fn subsystem(&self, vendor: u16, device: u16, subvendor: u16, subdevice: u16) -> Option<&'a str> {
        let (body, _) = child(Self::find(&self.vendors, vendor)?.body, 1, 4, device)?;
        at_depth(body, 2).find_map(|line| {
            let (sv, rest) = id_and_name(line, 4)?;
            let (sd, name) = id_and_name(rest.trim_start(), 4)?;
            (sv == subvendor && sd == subdevice).then_some(name)
        })
    }

    pub fn class(&self, class: u8) -> Option<&'a str> {
        Some(Self::find(&self.classes, u16::from(class))?.name)
    }

    pub fn subclass(&self, class: u8, subclass: u8) -> Option<&'a str> {
        Some(child(Self::find(&self.classes, u16::from(class))?.body, 1, 2, u16::from(subclass))?.1)
    }

    pub fn prog_if(&self, class: u8, subclass: u8, prog_if: u8) -> Option<&'a str> {
        let (body, _) = child(Self::find(&self.classes, u16::from(class))?.body, 1, 2, u16::from(subclass))?;
        at_depth(body, 2).find_map(|line| {
            let (id, name) = id_and_name(line, 2)?;
            (id == u16::from(prog_if)).then_some(name)
        })
    }
}

#[cfg(test)]
mod tests;
