//! `test` and `[`: file, string and integer conditions combined with `!`, `-a`, `-o` and parentheses.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::interp::Shell;
use crate::os::{FileKind, Os};

/// How deeply `!` and parentheses may nest.
const MAX_NESTING: usize = 100;

/// Why an expression cannot be evaluated.
enum TestError {
    UnaryExpected(String),
    BinaryExpected(String),
    IntegerExpected(String),
    MissingArgument,
    MissingParenthesis,
    TooComplex,
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::UnaryExpected(arg) => write!(f, "{arg}: unary operator expected"),
            TestError::BinaryExpected(arg) => write!(f, "{arg}: binary operator expected"),
            TestError::IntegerExpected(arg) => write!(f, "{arg}: integer expression expected"),
            TestError::MissingArgument => f.write_str("argument expected"),
            TestError::MissingParenthesis => f.write_str("')' expected"),
            TestError::TooComplex => f.write_str("expression too complex"),
        }
    }
}

const UNARY: [&str; 15] = ["-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-b", "-c", "-p", "-S", "-z", "-n"];
const BINARY: [&str; 13] = ["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-a", "-o"];

fn integer(text: &str) -> Result<i64, TestError> {
    text.trim().parse().map_err(|_| TestError::IntegerExpected(String::from(text)))
}

impl<O: Os> Shell<O> {
    /// `test expr` or `[ expr ]`: status 0 when true, 1 when false, 2 on error.
    pub(super) fn builtin_test(&mut self, name: &str, args: &[String]) -> i32 {
        let args = if name == "[" {
            match args.split_last() {
                Some((last, rest)) if last == "]" => rest,
                _ => {
                    self.report(format_args!("[: missing `]'"));
                    return 2;
                }
            }
        } else {
            args
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.test_by_count(&args, 0) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(error) => {
                self.report(format_args!("{name}: {error}"));
                2
            }
        }
    }

    /// The POSIX rules by number of arguments, then the general grammar.
    fn test_by_count(&mut self, args: &[&str], depth: usize) -> Result<bool, TestError> {
        if depth > MAX_NESTING {
            return Err(TestError::TooComplex);
        }
        match *args {
            [] => Ok(false),
            [single] => Ok(!single.is_empty()),
            ["!", operand] => Ok(operand.is_empty()),
            [op, operand] if UNARY.contains(&op) => self.test_unary(op, operand),
            [op, _] => Err(TestError::UnaryExpected(String::from(op))),
            [left, op, right] if BINARY.contains(&op) => self.test_binary(left, op, right),
            ["!", ..] if args.len() <= 4 => Ok(!self.test_by_count(&args[1..], depth + 1)?),
            ["(", inner, ")"] => Ok(!inner.is_empty()),
            ["(", first, second, ")"] => self.test_by_count(&[first, second], depth + 1),
            _ => {
                let mut position = 0;
                let value = self.test_or(args, &mut position, depth)?;
                match args.get(position) {
                    None => Ok(value),
                    Some(extra) => Err(TestError::BinaryExpected(String::from(*extra))),
                }
            }
        }
    }

    fn test_or(&mut self, args: &[&str], position: &mut usize, depth: usize) -> Result<bool, TestError> {
        let mut value = self.test_and(args, position, depth)?;
        while args.get(*position) == Some(&"-o") {
            *position += 1;
            let right = self.test_and(args, position, depth)?;
            value = value || right;
        }
        Ok(value)
    }

    fn test_and(&mut self, args: &[&str], position: &mut usize, depth: usize) -> Result<bool, TestError> {
        let mut value = self.test_not(args, position, depth)?;
        while args.get(*position) == Some(&"-a") {
            *position += 1;
            let right = self.test_not(args, position, depth)?;
            value = value && right;
        }
        Ok(value)
    }

    fn test_not(&mut self, args: &[&str], position: &mut usize, depth: usize) -> Result<bool, TestError> {
        if depth > MAX_NESTING {
            return Err(TestError::TooComplex);
        }
        if args.get(*position) == Some(&"!") {
            *position += 1;
            return Ok(!self.test_not(args, position, depth + 1)?);
        }
        self.test_primary(args, position, depth)
    }

    fn test_primary(&mut self, args: &[&str], position: &mut usize, depth: usize) -> Result<bool, TestError> {
        let Some(&first) = args.get(*position) else { return Err(TestError::MissingArgument) };
        if first == "(" {
            *position += 1;
            let value = self.test_or(args, position, depth + 1)?;
            if args.get(*position) != Some(&")") {
                return Err(TestError::MissingParenthesis);
            }
            *position += 1;
            return Ok(value);
        }
        if let (Some(&op), Some(&right)) = (args.get(*position + 1), args.get(*position + 2))
            && BINARY.contains(&op)
            && op != "-a"
            && op != "-o"
        {
            *position += 3;
            return self.test_binary(first, op, right);
        }
        if UNARY.contains(&first)
            && let Some(&operand) = args.get(*position + 1)
        {
            *position += 2;
            return self.test_unary(first, operand);
        }
        *position += 1;
        Ok(!first.is_empty())
    }

    fn test_unary(&mut self, op: &str, operand: &str) -> Result<bool, TestError> {
        match op {
            "-z" => return Ok(operand.is_empty()),
            "-n" => return Ok(!operand.is_empty()),
            _ => {}
        }
        let Ok(status) = self.os.stat(operand) else { return Ok(false) };
        Ok(match op {
            "-e" => true,
            "-f" => status.kind == FileKind::Regular,
            "-d" => status.kind == FileKind::Directory,
            "-r" => status.readable,
            "-w" => status.writable,
            "-x" => status.executable,
            "-s" => status.size > 0,
            "-L" | "-h" => status.is_symlink,
            _ => status.kind == FileKind::Other,
        })
    }

    fn test_binary(&mut self, left: &str, op: &str, right: &str) -> Result<bool, TestError> {
        Ok(match op {
            "=" | "==" => left == right,
            "!=" => left != right,
            "<" => left < right,
            ">" => left > right,
            "-a" => !left.is_empty() && !right.is_empty(),
            "-o" => !left.is_empty() || !right.is_empty(),
            _ => {
                let (left, right) = (integer(left)?, integer(right)?);
                match op {
                    "-eq" => left == right,
                    "-ne" => left != right,
                    "-lt" => left < right,
                    "-le" => left <= right,
                    "-gt" => left > right,
                    _ => left >= right,
                }
            }
        })
    }
}
