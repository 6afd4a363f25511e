//! The user and group database of Cairn: `/etc/passwd` and `/etc/group` in their standard
//! (Unix seventh edition / POSIX) formats, parsed and looked up. Tools that show owners (`ls`,
//! `stat`, `ps`, `id`, `whoami`) load an [`Accounts`] once and ask it for names; an id the files
//! do not name has no name, and the tools print its number.
//!
//! - `/etc/passwd`: `name:password:uid:gid:comment:home:shell`, one user a line;
//! - `/etc/group`: `name:password:gid:member,member,...`, one group a line.
//!
//! Blank lines and lines starting with `#` are skipped; a malformed line is reported by
//! [`users`]/[`groups`] with its number and skipped by [`Accounts::parse`]. Where two lines give
//! the same id, the first one names it (as the C library's `getpwuid` finds the first).
//!
//! `#![no_std]` with `alloc`, no dependencies, no `unsafe`; nothing panics on any input.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

/// Where the user database is.
pub const PASSWD: &str = "/etc/passwd";

/// Where the group database is.
pub const GROUP: &str = "/etc/group";

/// A user id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub u32);

/// A group id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gid(pub u32);

/// One line of `/etc/passwd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: Uid,
    /// The primary group.
    pub gid: Gid,
    /// The comment (GECOS) field: usually the full name.
    pub comment: String,
    pub home: String,
    pub shell: String,
}

/// One line of `/etc/group`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: Gid,
    /// Users with this group as a supplementary group.
    pub members: Vec<String>,
}

/// What is wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not the number of `:`-separated fields the format has (7 for passwd, 4 for group).
    FieldCount { expected: usize, found: usize },
    /// The name field is empty.
    EmptyName,
    /// The uid or gid field is not a decimal number below 2^32.
    BadId,
}

/// A malformed line: its number (from 1) and what is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub problem: Problem,
}

/// The lines of `text` that carry an entry: their numbers (from 1) and fields.
fn records(text: &str, fields: usize) -> impl Iterator<Item = Result<(usize, Vec<&str>), LineError>> + '_ {
    text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#')).map(
        move |(index, line)| {
            let parts: Vec<&str> = line.split(':').collect();
            let fail = |problem| Err(LineError { line: index + 1, problem });
            if parts.len() != fields {
                return fail(Problem::FieldCount { expected: fields, found: parts.len() });
            }
            if parts[0].is_empty() {
                return fail(Problem::EmptyName);
            }
            Ok((index + 1, parts))
        },
    )
}

/// A uid or gid field.
fn id(field: &str, line: usize) -> Result<u32, LineError> {
    // `u32::from_str` takes a leading `+`, which the format does not.
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LineError { line, problem: Problem::BadId });
    }
    field.parse().map_err(|_| LineError { line, problem: Problem::BadId })
}

/// The users of a `/etc/passwd` text, or the problem of each malformed line.
pub fn users(text: &str) -> impl Iterator<Item = Result<User, LineError>> + '_ {
    records(text, 7).map(|record| {
        let (line, fields) = record?;
        Ok(User {
            name: String::from(fields[0]),
            uid: Uid(id(fields[2], line)?),
            gid: Gid(id(fields[3], line)?),
            comment: String::from(fields[4]),
            home: String::from(fields[5]),
            shell: String::from(fields[6]),
        })
    })
}

/// The groups of a `/etc/group` text, or the problem of each malformed line.
pub fn groups(text: &str) -> impl Iterator<Item = Result<Group, LineError>> + '_ {
    records(text, 4).map(|record| {
        let (line, fields) = record?;
        let members = fields[3].split(',').filter(|member| !member.is_empty()).map(String::from).collect();
        Ok(Group { name: String::from(fields[0]), gid: Gid(id(fields[2], line)?), members })
    })
}

/// The users and groups, for looking up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

impl Accounts {
    /// The accounts of a passwd and a group text; malformed lines are left out.
    pub fn parse(passwd: &str, group: &str) -> Accounts {
        Accounts { users: users(passwd).flatten().collect(), groups: groups(group).flatten().collect() }
    }

    /// The first user with uid `uid`.
    pub fn user(&self, uid: Uid) -> Option<&User> {
        self.users.iter().find(|user| user.uid == uid)
    }

    /// The first user called `name`.
    pub fn user_named(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|user| user.name == name)
    }

    /// The first group with gid `gid`.
    pub fn group(&self, gid: Gid) -> Option<&Group> {
        self.groups.iter().find(|group| group.gid == gid)
    }

    /// The name of uid `uid`, if it has one.
    pub fn user_name(&self, uid: Uid) -> Option<&str> {
        self.user(uid).map(|user| user.name.as_str())
    }

    /// The name of gid `gid`, if it has one.
    pub fn group_name(&self, gid: Gid) -> Option<&str> {
        self.group(gid).map(|group| group.name.as_str())
    }

    /// The groups user `name` is listed in as a member, in file order, without repeats.
    pub fn memberships(&self, name: &str) -> Vec<Gid> {
        let mut found: Vec<Gid> = Vec::new();
        for group in self.groups.iter().filter(|group| group.members.iter().any(|member| member == name)) {
            if !found.contains(&group.gid) {
                found.push(group.gid);
            }
        }
        found
    }
}
