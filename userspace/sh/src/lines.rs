//! Reading input that is not edited at a terminal, a line at a time and one byte per `read`, so that whatever
//! reads the same input next (`read`, a program) starts right after the current line.

use cairn_rt::abi::error::EINTR;
use cairn_rt::{String, Vec, io};

/// The next line of `fd`, with its newline if it has one; `None` at the end of the input (or on an error).
pub fn read_line(fd: usize) -> Option<String> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    loop {
        match io::read_fd(fd, &mut byte) {
            Ok(0) => break,
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(error) if error.errno() == Some(EINTR) => {}
            Err(_) => break,
        }
    }
    (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned())
}
