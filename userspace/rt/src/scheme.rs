//! Serving and reaching schemes, and narrowing namespaces.
//!
//! A server calls [`Server::create`] to register a scheme name in its
//! namespace, then loops on [`Server::next`] (one [`Request`] at a time,
//! from any number of threads) and answers with [`Server::respond`], in
//! any order. Clients use ordinary paths: `/scheme/NAME/rest` or
//! `NAME:rest`, through [`crate::fs`] or [`open`].
//!
//! [`namespace_create`] builds a namespace holding some of the caller's
//! scheme names (never more); [`namespace_enter`] makes it the caller's.
//! The empty list gives the null namespace: only the fds already held.
//!
//! Depends on [`crate::sys`], [`crate::fd`] and `cairn-abi`.

use alloc::vec::Vec;

use cairn_abi::scheme::{MAX_PAYLOAD, RESPONSE_EVENT, RESPONSE_FD, RESPONSE_TERMINAL, Response};
use cairn_abi::{NAMESPACE_EXCEPT, NAMESPACE_REGISTER, StrSlice, Syscall};

use crate::error::{Error, Result};
use crate::fd::OwnedFd;
use crate::io::{read_fd, write_fd};
use crate::sys::{syscall1, syscall2, syscall3};

pub use cairn_abi::scheme::{CANCEL, CLOSE, FEVENT, FSTAT, LSEEK, MMAP, OPEN, READ, Request, SENDFD, WRITE};

/// Opens `path` with `flags` (`O_RDONLY`, `O_WRONLY`, `O_RDWR`,
/// `O_CLOEXEC`, `O_NONBLOCK`).
pub fn open(path: &str, flags: usize) -> Result<OwnedFd> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    let fd = unsafe { syscall3(Syscall::Open as usize, path.as_ptr() as usize, path.len(), flags) }?;
    // SAFETY: the kernel just made this fd for the caller.
    Ok(unsafe { OwnedFd::from_raw(fd) })
}

/// The server side of a scheme.
#[derive(Debug)]
pub struct Server {
    endpoint: OwnedFd,
}

/// A request as read from the endpoint, with its payload.
#[derive(Debug)]
pub struct Incoming {
    pub request: Request,
    pub payload: Vec<u8>,
}

impl Server {
    /// Registers scheme `name` in the caller's namespace.
    pub fn create(name: &str) -> Result<Server> {
        // SAFETY: the kernel reads `name.len()` bytes of `name`.
        let fd = unsafe { syscall2(Syscall::SchemeCreate as usize, name.as_ptr() as usize, name.len()) }?;
        // SAFETY: the kernel just made this fd for the caller.
        Ok(Server { endpoint: unsafe { OwnedFd::from_raw(fd) } })
    }

    /// Serves through an endpoint made elsewhere (e.g. one the driver
    /// manager registered and handed over).
    pub fn from_endpoint(endpoint: OwnedFd) -> Server {
        Server { endpoint }
    }

    /// The endpoint fd (e.g. to make it non-blocking).
    pub fn endpoint(&self) -> &OwnedFd {
        &self.endpoint
    }

    /// Waits for the next request. Small requests are read through a stack
    /// buffer; one that does not fit (the kernel then leaves it queued and
    /// says `EINVAL`) is read again into a buffer of the largest size.
    pub fn next(&self) -> Result<Incoming> {
        let mut small = [0u8; SMALL_REQUEST];
        match read_fd(self.endpoint.as_raw(), &mut small) {
            Ok(len) => parse(&small[..len]),
            Err(e) if e.errno() == Some(cairn_abi::error::EINVAL) => {
                let mut large = alloc::vec![0u8; size_of::<Request>() + MAX_PAYLOAD];
                let len = read_fd(self.endpoint.as_raw(), &mut large)?;
                parse(&large[..len])
            }
            Err(e) => Err(e),
        }
    }

    /// Answers request `id` with a value or an errno, and a payload.
    pub fn respond(&self, id: u64, result: core::result::Result<usize, i32>, payload: &[u8]) -> Result<()> {
        let value = match result {
            Ok(value) => value as i64,
            Err(errno) => -i64::from(errno),
        };
        let response = Response { id, result: value, payload_len: payload.len() as u64, flags: 0 };
        self.respond_raw(&response_bytes(response, payload))
    }

    /// Answers request `id` with `result` and the payload that follows the
    /// first [`RESPONSE_HEADER`] bytes of `buffer` (room left for the
    /// header, written here): one write and no copy of the payload.
    pub fn respond_in_place(&self, id: u64, result: core::result::Result<usize, i32>, buffer: &mut [u8]) -> Result<()> {
        let value = match result {
            Ok(value) => value as i64,
            Err(errno) => -i64::from(errno),
        };
        let payload_len = buffer.len().saturating_sub(RESPONSE_HEADER) as u64;
        let response = Response { id, result: value, payload_len, flags: 0 };
        // SAFETY: `Response` is plain old data; its bytes are copied out.
        let header = unsafe { core::slice::from_raw_parts((&raw const response).cast::<u8>(), size_of::<Response>()) };
        buffer.get_mut(..RESPONSE_HEADER).ok_or(Error::from_errno(cairn_abi::error::EINVAL))?.copy_from_slice(header);
        self.respond_raw(buffer)
    }

    /// Answers `OPEN` request `id` with handle `handle`, a terminal: a
    /// session leader without a controlling terminal gets it as its own
    /// (`RESPONSE_TERMINAL`; `/dev/tty` then leads to it).
    pub fn respond_terminal(&self, id: u64, handle: u64) -> Result<()> {
        let response = Response { id, result: handle as i64, payload_len: 0, flags: RESPONSE_TERMINAL };
        self.respond_raw(&response_bytes(response, &[]))
    }

    /// Answers `OPEN`, `DUP` or `MMAP` request `id` with a copy of `fd`
    /// (which needs the SEND right); the client receives it.
    pub fn respond_fd(&self, id: u64, fd: &OwnedFd) -> Result<()> {
        let response = Response { id, result: fd.as_raw() as i64, payload_len: 0, flags: RESPONSE_FD };
        self.respond_raw(&response_bytes(response, &[]))
    }

    /// Tells watching clients that `handle` is now ready for `ready`
    /// (`EVENT_READ`/`EVENT_WRITE`; see `FEVENT`).
    pub fn post_event(&self, handle: u64, ready: u32) -> Result<()> {
        let response = Response { id: handle, result: i64::from(ready), payload_len: 0, flags: RESPONSE_EVENT };
        self.respond_raw(&response_bytes(response, &[]))
    }

    /// Writes raw response bytes (for tests of the kernel's checks).
    pub fn respond_raw(&self, bytes: &[u8]) -> Result<()> {
        write_fd(self.endpoint.as_raw(), bytes).map(drop)
    }
}

/// Bytes of a response header ([`Server::respond_in_place`]).
pub const RESPONSE_HEADER: usize = size_of::<Response>();

/// Requests up to this size (header included) need no heap buffer.
const SMALL_REQUEST: usize = 4096;

fn parse(bytes: &[u8]) -> Result<Incoming> {
    if bytes.len() < size_of::<Request>() {
        return Err(Error::UnexpectedEof);
    }
    let mut request = Request::default();
    // SAFETY: `Request` is plain old data and `bytes` holds at least its size.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (&raw mut request).cast::<u8>(), size_of::<Request>()) };
    Ok(Incoming { request, payload: bytes[size_of::<Request>()..].to_vec() })
}

/// A response header followed by its payload, as bytes.
pub fn response_bytes(response: Response, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size_of::<Response>() + payload.len());
    // SAFETY: `Response` is plain old data; its bytes are copied out.
    bytes.extend_from_slice(unsafe {
        core::slice::from_raw_parts((&raw const response).cast::<u8>(), size_of::<Response>())
    });
    bytes.extend_from_slice(payload);
    bytes
}

/// A namespace holding the given scheme names of the caller's; `register`
/// keeps the right to register schemes (if the caller has it).
pub fn namespace_create(names: &[&str], register: bool) -> Result<OwnedFd> {
    namespace_create_with(names, if register { NAMESPACE_REGISTER } else { 0 })
}

/// A live view of the caller's namespace without the given names: names
/// registered in the caller's later are reached too; `register` as for
/// [`namespace_create`].
pub fn namespace_create_except(names: &[&str], register: bool) -> Result<OwnedFd> {
    namespace_create_with(names, NAMESPACE_EXCEPT | if register { NAMESPACE_REGISTER } else { 0 })
}

fn namespace_create_with(names: &[&str], flags: usize) -> Result<OwnedFd> {
    let slices: Vec<StrSlice> = names.iter().map(|n| StrSlice { ptr: n.as_ptr() as usize, len: n.len() }).collect();
    // SAFETY: the kernel reads `slices` and the strings they point to.
    let fd = unsafe { syscall3(Syscall::NamespaceCreate as usize, slices.as_ptr() as usize, slices.len(), flags) }?;
    // SAFETY: the kernel just made this fd for the caller.
    Ok(unsafe { OwnedFd::from_raw(fd) })
}

/// Makes the namespace behind `fd` the caller's.
pub fn namespace_enter(fd: &OwnedFd) -> Result<()> {
    // SAFETY: integer argument only.
    unsafe { syscall1(Syscall::NamespaceEnter as usize, fd.as_raw()) }.map(drop)
}

/// Passes a copy of `fd` (which needs the SEND right; its rights masked by
/// `rights`) to the server behind scheme handle `handle`; returns the
/// server's answer. The server finds the fd number it received in the
/// request's `args[0]`.
pub fn send_fd(handle: &OwnedFd, fd: &OwnedFd, rights: u32) -> Result<usize> {
    // SAFETY: integer arguments only.
    unsafe { syscall3(Syscall::SendFd as usize, handle.as_raw(), fd.as_raw(), rights as usize) }
}
