//! The `mkinitfs` command line: parsing the arguments into [`Options`]. Depends only on
//! `std`.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: mkinitfs --out IMAGE [--file SRC:/dest/path[:x]]... [--dir SRCDIR:/dest]... [--bad-elves SRC_ELF:/dest]...

Packs files and directory trees into a Cairn initfs image (see the cairn-initfs crate).

  --out IMAGE             the image to write (parent directories are created)
  --file SRC:/dest[:x]    the host file SRC as /dest; `:x` makes it executable
  --dir SRCDIR:/dest      the host directory tree SRCDIR as /dest (regular files and
                          directories only; a file is executable if any host x bit is set)
  --bad-elves SRC:/dest   deliberately broken variants of the valid static x86-64 ELF64
                          executable SRC, each as an executable file in /dest, plus /dest/README
  -h, --help              this text

Destinations are absolute, normalized paths and may not contain `:`; missing parent
directories are created. Options may repeat and are applied in order.";

/// What to put into the image, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File { src: PathBuf, dest: String, executable: bool },
    Dir { src: PathBuf, dest: String },
    BadElves { src: PathBuf, dest: String },
}

/// A packing job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub out: PathBuf,
    pub sources: Vec<Source>,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Pack(Options),
}

/// A command line that makes no sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliError {
    /// An option is not valid UTF-8.
    NotUtf8(OsString),
    UnknownOption(String),
    MissingValue(&'static str),
    /// `--out` is missing.
    NoOutput,
    /// `--out` is given twice.
    TwoOutputs,
    /// A `SRC:/dest` value without a `:` before the destination.
    BadSpec {
        option: &'static str,
        value: String,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::NotUtf8(arg) => write!(f, "argument {arg:?} is not UTF-8"),
            CliError::UnknownOption(option) => write!(f, "unknown option `{option}`"),
            CliError::MissingValue(option) => write!(f, "`{option}` needs a value"),
            CliError::NoOutput => f.write_str("`--out` is required"),
            CliError::TwoOutputs => f.write_str("`--out` given more than once"),
            CliError::BadSpec { option, value } => {
                let form = if *option == "--file" { "SRC:/dest[:x]" } else { "SRC:/dest" };
                write!(f, "`{option} {value}`: expected {form}")
            }
        }
    }
}

impl std::error::Error for CliError {}

/// Parses the arguments after the program name. `--opt value` and `--opt=value` both work.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, CliError> {
    let mut args = args.into_iter();
    let mut out = None;
    let mut sources = Vec::new();
    while let Some(arg) = args.next() {
        let arg = arg.into_string().map_err(CliError::NotUtf8)?;
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_string(), Some(value.to_string())),
            _ => (arg, None),
        };
        let option = match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--out" => "--out",
            "--file" => "--file",
            "--dir" => "--dir",
            "--bad-elves" => "--bad-elves",
            _ => return Err(CliError::UnknownOption(name)),
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or(CliError::MissingValue(option))?.into_string().map_err(CliError::NotUtf8)?,
        };
        let bad_spec = || CliError::BadSpec { option, value: value.clone() };
        match option {
            "--out" if out.is_some() => return Err(CliError::TwoOutputs),
            "--out" => out = Some(PathBuf::from(value)),
            "--file" => {
                let (spec, executable) = match value.strip_suffix(":x") {
                    Some(spec) if spec.contains(':') => (spec, true),
                    _ => (value.as_str(), false),
                };
                let (src, dest) = split_spec(spec).ok_or_else(bad_spec)?;
                sources.push(Source::File { src, dest, executable });
            }
            "--dir" => {
                let (src, dest) = split_spec(&value).ok_or_else(bad_spec)?;
                sources.push(Source::Dir { src, dest });
            }
            _ => {
                let (src, dest) = split_spec(&value).ok_or_else(bad_spec)?;
                sources.push(Source::BadElves { src, dest });
            }
        }
    }
    Ok(Command::Pack(Options { out: out.ok_or(CliError::NoOutput)?, sources }))
}

/// `SRC:DEST` split at the last `:` (so SRC may contain `:`), both non-empty.
fn split_spec(spec: &str) -> Option<(PathBuf, String)> {
    let (src, dest) = spec.rsplit_once(':')?;
    (!src.is_empty() && !dest.is_empty()).then(|| (PathBuf::from(src), dest.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Command, CliError> {
        parse(args.iter().map(OsString::from))
    }

    fn file(src: &str, dest: &str, executable: bool) -> Source {
        Source::File { src: src.into(), dest: dest.into(), executable }
    }

    #[test]
    fn full_command_line() {
        let command = run(&[
            "--out",
            "build/initfs.img",
            "--file",
            "target/init:/bin/init:x",
            "--file=etc/rc:/etc/rc",
            "--file",
            "c:\\odd:name:/x",
            "--dir",
            "root:/",
            "--bad-elves",
            "target/hello:/test/elf",
        ]);
        let expected = Options {
            out: "build/initfs.img".into(),
            sources: vec![
                file("target/init", "/bin/init", true),
                file("etc/rc", "/etc/rc", false),
                file("c:\\odd:name", "/x", false),
                Source::Dir { src: "root".into(), dest: "/".into() },
                Source::BadElves { src: "target/hello".into(), dest: "/test/elf".into() },
            ],
        };
        assert_eq!(command, Ok(Command::Pack(expected)));
    }

    #[test]
    fn executable_suffix_needs_a_destination_before_it() {
        let command = run(&["--out=o", "--file", "a:x"]).unwrap();
        assert_eq!(command, Command::Pack(Options { out: "o".into(), sources: vec![file("a", "x", false)] }));
    }

    #[test]
    fn errors() {
        assert_eq!(run(&["--help", "--bogus"]), Ok(Command::Help));
        assert_eq!(run(&[]), Err(CliError::NoOutput));
        assert_eq!(run(&["--out", "a", "--out=b"]), Err(CliError::TwoOutputs));
        assert_eq!(run(&["--out"]), Err(CliError::MissingValue("--out")));
        assert_eq!(run(&["--out", "a", "--frobnicate"]), Err(CliError::UnknownOption("--frobnicate".into())));
        assert_eq!(run(&["--out", "a", "stray"]), Err(CliError::UnknownOption("stray".into())));
        let bad = |option: &'static str, value: &str| Err(CliError::BadSpec { option, value: value.into() });
        assert_eq!(run(&["--out", "a", "--file", "nocolon"]), bad("--file", "nocolon"));
        assert_eq!(run(&["--out", "a", "--dir", ":/x"]), bad("--dir", ":/x"));
        assert_eq!(run(&["--out", "a", "--bad-elves", "elf:"]), bad("--bad-elves", "elf:"));
        assert_eq!(
            run(&["--out", "a", "--file", ":x"]).map_err(|error| error.to_string()),
            Err("`--file :x`: expected SRC:/dest[:x]".into())
        );
    }
}
