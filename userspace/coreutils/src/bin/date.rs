//! `date [-u] [-d @SECONDS] [+FORMAT]`: prints the date and time (now, or
//! the given moment) as `Sat Nov 28 01:02:03 UTC 2026` or as FORMAT says
//! (`%Y-%m-%d %H:%M:%S`, `%s`, `%N`, ... as in GNU date). Cairn keeps no
//! time zone, so the time is always UTC and `-u` changes nothing; of
//! GNU's `-d` date forms only `@SECONDS` is understood. Setting the clock
//! is not supported.
#![no_std]
#![no_main]

use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::clock::{format_time, now, parse_epoch};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("date", date)
}

fn date(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut moment = None;
    let mut format = None;
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('u') => {}
            Arg::Long(name) if name == "utc" || name == "universal" => {}
            Arg::Short('d') => {
                let value = args.value()?;
                moment = Some((parse_epoch(&value).ok_or(UsageError::InvalidValue { what: "date", value })?, 0));
            }
            Arg::Operand(operand) if format.is_none() && operand.starts_with('+') => format = Some(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let (seconds, nanos) = moment.unwrap_or_else(now);
    let format = format.as_deref().map_or("%a %b %e %H:%M:%S %Z %Y", |format| &format[1..]);
    writeln!(tool.out, "{}", format_time(seconds, nanos, format))
}
