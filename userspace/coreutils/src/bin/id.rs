//! `id [-u|-g|-G] [-n]`: prints the user and group ids of this process
//! (`uid=0(root) gid=0(root) groups=0(root)`), or only one of them with
//! `-u`/`-g`/`-G`, as a name with `-n` (names from `/etc/passwd` and
//! `/etc/group`; an unnamed id prints as its number). Cairn's processes
//! have no supplementary groups: the groups are the primary group.
#![no_std]
#![no_main]

use cairn_rt::process;
use coreutils::args::{Arg, ArgParser};
use coreutils::system::Names;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Which id `-u`, `-g` or `-G` asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Only {
    User,
    Group,
    Groups,
}

fn main() -> i32 {
    tool::run("id", id)
}

fn id(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut only, mut as_names) = (None, false);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('u') => only = Some(Only::User),
            Arg::Short('g') => only = Some(Only::Group),
            Arg::Short('G') => only = Some(Only::Groups),
            Arg::Short('n') => as_names = true,
            other => return Err(other.unexpected().into()),
        }
    }
    let (uid, gid) = (process::getuid(), process::getgid());
    let names = Names::load();
    match only {
        None if as_names => Err(Failure::usage("cannot print only names in default format")),
        None => {
            let (user, group) = (names.user(uid), names.group(gid));
            writeln!(tool.out, "uid={uid}({user}) gid={gid}({group}) groups={gid}({group})")
        }
        Some(Only::User) if as_names => writeln!(tool.out, "{}", names.user(uid)),
        Some(Only::User) => writeln!(tool.out, "{uid}"),
        Some(Only::Group | Only::Groups) if as_names => writeln!(tool.out, "{}", names.group(gid)),
        Some(Only::Group | Only::Groups) => writeln!(tool.out, "{gid}"),
    }
}
