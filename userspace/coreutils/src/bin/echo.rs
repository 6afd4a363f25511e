//! `echo [-neE] [STRING...]`: prints the strings separated by blanks and
//! followed by a newline (none with `-n`); `-e` expands backslash escapes
//! (`\n`, `\t`, `\0NNN`, `\xHH`, `\c` to stop, ...), `-E` does not (the
//! default). As in GNU echo, an argument is an option only if it consists
//! of these letters after a `-`; anything else is printed.
#![no_std]
#![no_main]

use cairn_text::printf::unescape;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("echo", echo)
}

fn echo(tool: &mut Tool) -> Result<(), Failure> {
    let args: cairn_rt::Vec<cairn_rt::String> = cairn_rt::env::args().skip(1).collect();
    let is_option = |arg: &str| arg.len() > 1 && arg.starts_with('-') && arg[1..].bytes().all(|b| b"neE".contains(&b));
    let options = args.iter().take_while(|arg| is_option(arg)).count();
    let (mut newline, mut escapes) = (true, false);
    for letter in args[..options].iter().flat_map(|arg| arg[1..].bytes()) {
        match letter {
            b'n' => newline = false,
            b'e' => escapes = true,
            _ => escapes = false,
        }
    }
    for (index, arg) in args[options..].iter().enumerate() {
        if index > 0 {
            tool.out.write(b" ")?;
        }
        if !escapes {
            tool.out.write(arg.as_bytes())?;
            continue;
        }
        // An escape that cannot be expanded (`\x` without digits) is printed
        // as it is, as GNU echo does.
        match unescape(arg.as_bytes()) {
            Ok(expanded) if expanded.stop => return tool.out.write(&expanded.bytes),
            Ok(expanded) => tool.out.write(&expanded.bytes)?,
            Err(_) => tool.out.write(arg.as_bytes())?,
        }
    }
    if newline {
        tool.out.write(b"\n")?;
    }
    Ok(())
}
