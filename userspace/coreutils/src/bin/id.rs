//! `id [-u|-g|-G] [-n]`: prints the user and group ids of this process
//! (`uid=0(root) gid=0(root) groups=0(root)`), or only one of them with
//! `-u`/`-g`/`-G`, as a name with `-n`. Cairn has no supplementary groups:
//! the groups are the primary group.
#![no_std]
#![no_main]

use cairn_rt::process;
use coreutils::args::{Arg, ArgParser};
use coreutils::system::{group_name, user_name};
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
    let (mut only, mut names) = (None, false);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('u') => only = Some(Only::User),
            Arg::Short('g') => only = Some(Only::Group),
            Arg::Short('G') => only = Some(Only::Groups),
            Arg::Short('n') => names = true,
            other => return Err(other.unexpected().into()),
        }
    }
    let (uid, gid) = (process::getuid(), process::getgid());
    match only {
        None if names => Err(Failure::usage("cannot print only names in default format")),
        None => {
            let (user, group) = (user_name(uid), group_name(gid));
            writeln!(tool.out, "uid={uid}({user}) gid={gid}({group}) groups={gid}({group})")
        }
        Some(Only::User) if names => writeln!(tool.out, "{}", user_name(uid)),
        Some(Only::User) => writeln!(tool.out, "{uid}"),
        Some(Only::Group | Only::Groups) if names => writeln!(tool.out, "{}", group_name(gid)),
        Some(Only::Group | Only::Groups) => writeln!(tool.out, "{gid}"),
    }
}
