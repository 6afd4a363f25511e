//! Host tests of the configuration format, the start order and back-off.

use super::*;
use alloc::vec;

fn names(services: &[Service]) -> Vec<&str> {
    services.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn parses_every_property() {
    let text = "# Cairn\nservice rootfs\n  exec /bin/tmpfs --root   # the root\n  ready root\n  restart never\n\n\
                service check\n\texec /bin/utest init\n\tafter rootfs\n\tfinal\n";
    let services = parse(text).unwrap();
    assert_eq!(
        services[0],
        Service {
            name: "rootfs".into(),
            command: vec!["/bin/tmpfs".into(), "--root".into()],
            after: vec![],
            ready: Readiness::Root,
            restart: Restart::Never,
            last: false,
            privileged: false,
            tty: None,
            console: None,
        }
    );
    assert_eq!(services[1].after, vec![String::from("rootfs")]);
    assert_eq!(services[1].restart, Restart::OnFailure);
    assert!(services[1].last);
}

#[test]
fn consoles_and_drivers() {
    let text = "service console\n exec /bin/termd\n privileged\n ready scheme tty\n console /scheme/tty/serial\n\
                service shell\n exec /bin/sh\n after console\n tty /scheme/tty/serial\n";
    let services = parse(text).unwrap();
    assert!(services[0].privileged && services[0].tty.is_none());
    assert_eq!(services[0].console.as_deref(), Some("/scheme/tty/serial"));
    assert_eq!(services[0].ready, Readiness::Scheme("tty".into()));
    assert!(!services[1].privileged);
    assert_eq!(services[1].tty.as_deref(), Some("/scheme/tty/serial"));
    let bad = "service a\n exec /a\n ready scheme\n";
    assert_eq!(parse(bad).unwrap_err().kind, ErrorKind::BadValue { keyword: "ready", value: "scheme".into() });
    let bad = "service a\n exec /a\n tty\n";
    assert_eq!(parse(bad).unwrap_err().kind, ErrorKind::MissingValue("tty"));
    let bad = "service a\n exec /a\n privileged yes\n";
    assert_eq!(parse(bad).unwrap_err().kind, ErrorKind::BadValue { keyword: "privileged", value: "yes".into() });
}

#[test]
fn dependencies_come_first_and_file_order_is_kept() {
    let text =
        "service a\n exec /a\n after c\nservice b\n exec /b\nservice c\n exec /c\n after b\nservice d\n exec /d\n";
    assert_eq!(names(&parse(text).unwrap()), ["b", "c", "a", "d"]);
}

#[test]
fn errors_name_the_line() {
    let cases: [(&str, usize, ErrorKind); 9] = [
        (" exec /x\n", 1, ErrorKind::PropertyOutsideService),
        ("service a\n exec /a\n bogus 1\n", 3, ErrorKind::UnknownKeyword("bogus".into())),
        ("service\n", 1, ErrorKind::MissingValue("service")),
        ("service a\n exec\n", 2, ErrorKind::MissingValue("exec")),
        (
            "service a\n exec /a\n restart sometimes\n",
            3,
            ErrorKind::BadValue { keyword: "restart", value: "sometimes".into() },
        ),
        (
            "service a\n exec /a\n ready root now\n",
            3,
            ErrorKind::BadValue { keyword: "ready", value: "root now".into() },
        ),
        ("service a\n exec /a\nservice a\n exec /b\n", 3, ErrorKind::DuplicateService("a".into())),
        ("\nservice a\n after b\n", 2, ErrorKind::NoExec("a".into())),
        (
            "service a\n exec /a\n after ghost\n",
            1,
            ErrorKind::UnknownDependency { service: "a".into(), after: "ghost".into() },
        ),
    ];
    for (text, line, kind) in cases {
        assert_eq!(parse(text), Err(ConfigError { line, kind }), "{text:?}");
    }
}

#[test]
fn cycles_are_refused() {
    let text = "service a\n exec /a\n after b\nservice b\n exec /b\n after a\nservice c\n exec /c\n";
    let error = parse(text).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Cycle(vec!["a".into(), "b".into()]));
    assert_eq!(error.to_string(), "services wait for each other: a, b");
    let own = "service a\n exec /a\n after a\n";
    assert_eq!(parse(own).unwrap_err().kind, ErrorKind::Cycle(vec!["a".into()]));
}

#[test]
fn display_is_readable() {
    let error = parse("service a\n exec /a\n restart sometimes\n").unwrap_err();
    assert_eq!(error.to_string(), "line 3: `restart` cannot be `sometimes`");
}

#[test]
fn empty_and_comment_only_files_hold_no_services() {
    assert_eq!(parse(""), Ok(vec![]));
    assert_eq!(parse("# nothing\n   \n\t# here\n"), Ok(vec![]));
}

#[test]
fn backoff_doubles_up_to_the_limit() {
    assert_eq!(backoff(0), FIRST_BACKOFF);
    assert_eq!(backoff(1), Duration::from_millis(100));
    assert_eq!(backoff(2), Duration::from_millis(200));
    assert_eq!(backoff(4), Duration::from_millis(800));
    assert_eq!(backoff(6), Duration::from_millis(3200));
    assert_eq!(backoff(7), MAX_BACKOFF);
    assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
}

#[test]
fn restart_policies() {
    assert!(should_restart(Restart::Always, false));
    assert!(should_restart(Restart::OnFailure, true));
    assert!(!should_restart(Restart::OnFailure, false));
    assert!(!should_restart(Restart::Never, true));
}

#[test]
fn garbage_never_panics() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..(state % 200) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pick = b"service exec after ready root restart final always never # \n\t abc/-"[(state % 66) as usize];
            text.push(pick as char);
        }
        let _ = parse(&text);
    }
}

#[test]
fn one_shot_jobs() {
    let text = "service mounts\n exec /bin/mount -a\n privileged\n ready exited\n restart never\n";
    let services = parse(text).unwrap();
    assert_eq!(services[0].ready, Readiness::Exited);
    let bad = "service a\n exec /a\n ready exited now\n";
    assert_eq!(parse(bad).unwrap_err().kind, ErrorKind::BadValue { keyword: "ready", value: "exited now".into() });
}
