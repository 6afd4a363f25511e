//! Input operands: a file, or standard input for `-`, read in chunks of
//! [`CHUNK`] bytes.
//!
//! Depends on `cairn-rt`.

use cairn_rt::fs::File;
use cairn_rt::io::{Read, read_fd};
use cairn_rt::{Error, Result, Vec};

/// How many bytes the tools read at a time.
pub const CHUNK: usize = 64 * 1024;

/// An open input.
#[derive(Debug)]
pub enum Input {
    Stdin,
    File(File),
}

impl Input {
    /// Opens `operand` for reading; `-` is standard input.
    pub fn open(operand: &str) -> Result<Input, Error> {
        if operand == "-" { Ok(Input::Stdin) } else { File::open(operand).map(Input::File) }
    }
}

impl Read for Input {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        match self {
            Input::Stdin => read_fd(0, buffer),
            Input::File(file) => file.read(buffer),
        }
    }

    fn read_to_end(&mut self, bytes: &mut Vec<u8>) -> Result<usize> {
        match self {
            Input::File(file) => file.read_to_end(bytes),
            Input::Stdin => {
                let start = bytes.len();
                let mut chunk = cairn_rt::vec![0u8; CHUNK];
                loop {
                    match read_fd(0, &mut chunk)? {
                        0 => return Ok(bytes.len() - start),
                        read => bytes.extend_from_slice(&chunk[..read]),
                    }
                }
            }
        }
    }
}
