//! The command line of `sh`: where commands come from (`-c` string, script file, standard input with `-s` or no
//! operand), `-i` for an interactive shell, other option letters for `set`, and `$0` with the positional
//! parameters.

use cairn_rt::{String, Vec, format};

/// Where the shell reads commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `-c STRING`.
    Command(String),
    /// A script file.
    File(String),
    /// Standard input.
    Stdin,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub source: Source,
    /// `-i`.
    pub interactive: bool,
    /// Option words for `set` (`-e`, `+x`...), with the letters `c`, `i` and `s` taken out.
    pub set_options: Vec<String>,
    /// `$0`.
    pub script_name: String,
    /// `$1`, `$2`...
    pub arguments: Vec<String>,
}

/// Reads the command line (`args[0]` is the program name); an error is the message to print.
pub fn parse(args: Vec<String>) -> Result<Invocation, String> {
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_else(|| String::from("sh"));
    let mut operands: Vec<String> = Vec::new();
    let (mut command, mut interactive, mut stdin) = (false, false, false);
    let mut set_options = Vec::new();
    for arg in args.by_ref() {
        if arg == "--" || arg == "-" {
            break;
        }
        let Some(sign) = arg.chars().next().filter(|sign| (*sign == '-' || *sign == '+') && arg.len() > 1) else {
            operands.push(arg);
            break;
        };
        let mut letters = String::new();
        for letter in arg.chars().skip(1) {
            match letter {
                'c' if sign == '-' => command = true,
                'i' if sign == '-' => interactive = true,
                's' if sign == '-' => stdin = true,
                _ if letter.is_ascii_alphabetic() => letters.push(letter),
                _ => return Err(format!("{sign}{letter}: invalid option")),
            }
        }
        if !letters.is_empty() {
            set_options.push(format!("{sign}{letters}"));
        }
    }
    operands.extend(args);
    let mut operands = operands.into_iter();
    let (source, script_name) = if command {
        let text = operands.next().ok_or_else(|| String::from("-c: option requires an argument"))?;
        (Source::Command(text), operands.next().unwrap_or(program))
    } else if stdin {
        (Source::Stdin, program)
    } else {
        match operands.next() {
            Some(file) => (Source::File(file.clone()), file),
            None => (Source::Stdin, program),
        }
    };
    Ok(Invocation { source, interactive, set_options, script_name, arguments: operands.collect() })
}
