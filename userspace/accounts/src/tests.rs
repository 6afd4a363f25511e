//! Parsing the two files, lookups, malformed lines and the no-panic property.

use std::string::String;
use std::vec;
use std::vec::Vec;

use super::*;

const PASSWD: &str = "\
# Cairn's users
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:Cairn user:/home/user:/bin/sh

nobody:x:65534:65534:nobody:/nonexistent:/bin/false
";

const GROUP: &str = "\
root:x:0:
wheel:x:10:root,user
user:x:1000:
nogroup:x:65534:
";

#[test]
fn parses_the_standard_formats() {
    let accounts = Accounts::parse(PASSWD, GROUP);
    assert_eq!(accounts.users.len(), 3);
    assert_eq!(
        accounts.user(Uid(1000)),
        Some(&User {
            name: String::from("user"),
            uid: Uid(1000),
            gid: Gid(1000),
            comment: String::from("Cairn user"),
            home: String::from("/home/user"),
            shell: String::from("/bin/sh"),
        })
    );
    assert_eq!(accounts.groups.len(), 4);
    assert_eq!(accounts.group(Gid(10)).unwrap().members, vec![String::from("root"), String::from("user")]);
    assert!(accounts.group(Gid(0)).unwrap().members.is_empty());
}

#[test]
fn names_and_unknown_ids() {
    let accounts = Accounts::parse(PASSWD, GROUP);
    assert_eq!(accounts.user_name(Uid(0)), Some("root"));
    assert_eq!(accounts.user_name(Uid(65534)), Some("nobody"));
    assert_eq!(accounts.user_name(Uid(4242)), None);
    assert_eq!(accounts.group_name(Gid(1000)), Some("user"));
    assert_eq!(accounts.group_name(Gid(4242)), None);
    assert_eq!(accounts.user_named("user").map(|u| u.uid), Some(Uid(1000)));
    assert_eq!(accounts.user_named("ghost"), None);
    assert_eq!(accounts.memberships("user"), vec![Gid(10)]);
    assert_eq!(accounts.memberships("nobody"), Vec::<Gid>::new());
}

#[test]
fn empty_files_name_nobody() {
    let accounts = Accounts::parse("", "");
    assert_eq!(accounts.user_name(Uid(0)), None);
    assert_eq!(accounts.group_name(Gid(0)), None);
}

#[test]
fn the_first_line_for_an_id_names_it() {
    let accounts = Accounts::parse("toor:x:0:0::/root:/bin/sh\nroot:x:0:0::/root:/bin/sh\n", "");
    assert_eq!(accounts.user_name(Uid(0)), Some("toor"));
}

#[test]
fn malformed_lines_are_reported_with_their_numbers_and_skipped() {
    let passwd = "root:x:0:0:root:/root:/bin/sh\n\
                  short:x:1\n\
                  :x:5:5::/:/bin/sh\n\
                  # comment\n\
                  neg:x:-1:0::/:/bin/sh\n\
                  plus:x:+7:0::/:/bin/sh\n\
                  huge:x:4294967296:0::/:/bin/sh\n\
                  gid:x:9:nine::/:/bin/sh\n\
                  ok:x:4294967295:0::/:/bin/sh\n";
    let problems: Vec<LineError> = users(passwd).filter_map(Result::err).collect();
    assert_eq!(
        problems,
        vec![
            LineError { line: 2, problem: Problem::FieldCount { expected: 7, found: 3 } },
            LineError { line: 3, problem: Problem::EmptyName },
            LineError { line: 5, problem: Problem::BadId },
            LineError { line: 6, problem: Problem::BadId },
            LineError { line: 7, problem: Problem::BadId },
            LineError { line: 8, problem: Problem::BadId },
        ]
    );
    let accounts = Accounts::parse(passwd, "wheel:x:10\nstaff:x:x:\n");
    assert_eq!(accounts.users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["root", "ok"]);
    assert!(accounts.groups.is_empty());
    let problems: Vec<LineError> = groups("wheel:x:10\nstaff:x:x:\n").filter_map(Result::err).collect();
    assert_eq!(
        problems,
        vec![
            LineError { line: 1, problem: Problem::FieldCount { expected: 4, found: 3 } },
            LineError { line: 2, problem: Problem::BadId },
        ]
    );
}

#[test]
fn windows_line_ends_and_trailing_blanks_do_not_break_ids() {
    let accounts = Accounts::parse("root:x:0:0:root:/root:/bin/sh\r\n", "root:x:0:\r\n");
    assert_eq!(accounts.user_name(Uid(0)), Some("root"));
    assert_eq!(accounts.group_name(Gid(0)), Some("root"));
}

/// Arbitrary bytes never panic the parser.
#[test]
fn arbitrary_input_never_panics() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..(state % 64) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push([':', '\n', '0', '9', 'a', ',', '#', ' ', 'é', '\r'][(state % 10) as usize]);
        }
        let accounts = Accounts::parse(&text, &text);
        let _ = accounts.user_name(Uid(0));
        let _ = accounts.memberships("a");
    }
}
