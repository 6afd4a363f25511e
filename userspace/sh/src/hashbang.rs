//! `#!` scripts: the command that runs a script through the interpreter its first line names, for when the kernel
//! refuses the file itself with ENOEXEC.

use cairn_rt::fs::File;
use cairn_rt::io::Read;
use cairn_rt::{String, Vec};

/// How much of a script's first line is looked at.
const HEADER_LEN: usize = 256;

/// The `argv` that runs the script at `path` (started with `argv`) through its interpreter: the interpreter, the
/// one optional argument of the `#!` line, the path, then `argv[1..]`. `None` when the file does not start with
/// `#!` or cannot be read.
pub fn interpreter_command(path: &str, argv: &[String]) -> Option<Vec<String>> {
    let mut header = [0u8; HEADER_LEN];
    let len = File::open(path).ok()?.read(&mut header).ok()?;
    let line = header[..len].strip_prefix(b"#!")?;
    let line = line.split(|&byte| byte == b'\n').next().unwrap_or_default();
    let line = core::str::from_utf8(line).ok()?.trim();
    let (interpreter, argument) = match line.split_once([' ', '\t']) {
        Some((interpreter, argument)) => (interpreter, argument.trim()),
        None => (line, ""),
    };
    if interpreter.is_empty() {
        return None;
    }
    let mut command = Vec::from([String::from(interpreter)]);
    if !argument.is_empty() {
        command.push(String::from(argument));
    }
    command.push(String::from(path));
    command.extend(argv.iter().skip(1).cloned());
    Some(command)
}
