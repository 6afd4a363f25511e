//! HTTP/1.1 logic for Cairn's `wget` and `httpd`: parsing request and response heads under
//! limits, deciding how a body is framed (`Content-Length`, chunked, until close), decoding
//! chunked bodies, `Range` requests, `http://` URLs and redirect targets, confining request
//! paths to the served directory, and rendering directory listings. The programs do the I/O
//! through Cairn's runtime and hand the bytes to these functions; everything here is pure,
//! bounded and never panics, whatever the input: bad input is an [`Error`]. Reading from a
//! stream goes through a closure ([`stream`]), so the socket stays the program's.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod chunked;
mod error;
pub mod head;
pub mod listing;
pub mod mime;
pub mod path;
pub mod range;
pub mod status;
pub mod stream;
pub mod url;

pub use error::Error;

#[cfg(test)]
mod mutation_tests;
