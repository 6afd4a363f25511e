//! Host-side peers of the `net-http` suite: Cairn's `wget` and `httpd` on QEMU user
//! networking (`restrict=on`: nothing leaves QEMU), against an HTTP server and clients of
//! the harness's own (written here from scratch, sharing no code with the guest's
//! `cairn-http`, so one bug cannot hide another). Everything is on the host's loopback and
//! bounded in time and bytes:
//!
//! - an HTTP/1.1 server on 127.0.0.1 (a thread per connection, `Connection: close`) serves
//!   `/blob.bin` (1 MiB of fixed pseudo-random bytes, `Content-Length`), `/redirect` (`302`
//!   to the relative `sub/../chunked.bin`), `/chunked.bin` (the same bytes in chunks of
//!   uneven sizes, with an extension and a trailer) and `/verdict` (`503` until the clients
//!   below are done, then their summary). The guest reaches it as 10.0.2.100:80 through
//!   `guestfwd`, whose command is `harness http-relay PORT`: a relay between QEMU's pipe and
//!   the server;
//! - a client thread reaches the guest's `httpd` (port 8080) through `hostfwd` on
//!   127.0.0.1 and, once it answers, checks that the files `wget` saved are the served
//!   bytes, then holds [`CLIENTS`] connections open at once, each asking a different 4 KiB
//!   `Range` of `/blob.bin`, and checks the listing, a `404` and a `..` confined with `403`.
//!
//! Results go to a file, one `NAME ok` or `NAME FAIL: why` line each, which the suite's
//! checks read after the boot ([`verify`]).

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Barrier, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::peerrun::{Forward, Job, Lifetime, PeerRun, Transport, free_port};

/// Where the results go (relative to the working directory).
pub const RESULT_DIR: &str = "build/http-peer";
const RESULT_FILE: &str = "results";
/// The served file's size.
const BLOB_LEN: usize = 1 << 20;
/// Connections to the guest's httpd open at once, and the range each asks for.
pub const CLIENTS: usize = 100;
const RANGE_LEN: usize = 4096;
/// Time between the openings of two of those connections.
const OPEN_SPACING: Duration = Duration::from_millis(20);
// Client i asks for RANGE_LEN bytes at i * (BLOB_LEN / CLIENTS): the ranges are apart and
// all inside the file.
const _: () = assert!(BLOB_LEN / CLIENTS >= RANGE_LEN);
/// The guest port of httpd.
const HTTPD_PORT: u16 = 8080;
/// How long the peers live, the most a response may hold, and how long one may take.
const MAX_LIFE: Duration = Duration::from_secs(150);
const MAX_RESPONSE: usize = 4 << 20;
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One result of the client, named by a suite check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpResult {
    /// `/blob.bin` as `wget` saved it, fetched back through httpd, is the served bytes.
    WgetFile,
    /// The same for the chunked file `wget` got through the redirect.
    WgetRedirectChunked,
    /// [`CLIENTS`] concurrent connections each got their exact range (`206`).
    ConcurrentRanges,
    /// `/` is a listing naming both files.
    Listing,
    /// A missing file is `404`.
    NotFound,
    /// `/../` is `403`.
    Confined,
}

impl HttpResult {
    const ALL: [HttpResult; 6] = [
        HttpResult::WgetFile,
        HttpResult::WgetRedirectChunked,
        HttpResult::ConcurrentRanges,
        HttpResult::Listing,
        HttpResult::NotFound,
        HttpResult::Confined,
    ];

    fn key(self) -> &'static str {
        match self {
            HttpResult::WgetFile => "wget-file",
            HttpResult::WgetRedirectChunked => "wget-redirect-chunked",
            HttpResult::ConcurrentRanges => "concurrent-ranges",
            HttpResult::Listing => "listing",
            HttpResult::NotFound => "not-found",
            HttpResult::Confined => "confined",
        }
    }
}

/// The served file: fixed pseudo-random bytes (xorshift64*).
fn blob() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut bytes = Vec::with_capacity(BLOB_LEN);
    while bytes.len() < BLOB_LEN {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    bytes
}

/// The chunked coding of `data` in uneven chunk sizes, with an extension and a trailer.
fn chunked(data: &[u8]) -> Vec<u8> {
    const SIZES: [usize; 5] = [1, 4093, 65536, 17, 30000];
    let mut out = Vec::with_capacity(data.len() + 4096);
    let (mut at, mut i) = (0, 0);
    while at < data.len() {
        let n = SIZES[i % SIZES.len()].min(data.len() - at);
        let extension = if i == 0 { ";name=\"value\"" } else { "" };
        out.extend_from_slice(format!("{n:x}{extension}\r\n").as_bytes());
        out.extend_from_slice(&data[at..at + n]);
        out.extend_from_slice(b"\r\n");
        at += n;
        i += 1;
    }
    out.extend_from_slice(b"0\r\nX-Trailer: done\r\n\r\n");
    out
}

/// `harness http-relay PORT`: relays QEMU's guestfwd pipe (standard input and output) to
/// the HTTP server on 127.0.0.1:PORT, until both directions end.
pub fn relay(port: u16) -> Result<(), String> {
    thread::spawn(|| {
        thread::sleep(MAX_LIFE);
        std::process::exit(3);
    });
    let server = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("http-relay: connecting: {e}"))?;
    let mut from_server = server.try_clone().map_err(|e| format!("http-relay: {e}"))?;
    let answers = thread::spawn(move || {
        let mut out = std::io::stdout().lock();
        let _ = std::io::copy(&mut from_server, &mut out).and_then(|_| out.flush());
    });
    let mut to_server = server;
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut to_server);
    let _ = to_server.shutdown(Shutdown::Write);
    answers.join().map_err(|_| String::from("http-relay: the answering thread failed"))
}

/// Clears the results, starts the server and the client, and names the forwards.
pub fn start() -> Result<PeerRun, String> {
    let dir = Path::new(RESULT_DIR);
    fs::create_dir_all(dir).map_err(|e| format!("creating {RESULT_DIR}: {e}"))?;
    let results = dir.canonicalize().map_err(|e| format!("{RESULT_DIR}: {e}"))?.join(RESULT_FILE);
    let _ = fs::remove_file(&results);
    let exe = std::env::current_exe().map_err(|e| format!("finding the harness binary: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("http peer: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| format!("http peer: {e}"))?;
    let server_port = listener.local_addr().map_err(|e| format!("http peer: {e}"))?.port();
    let httpd_port = free_port(Transport::Tcp)?;
    let forwards = [
        Forward::Host { transport: Transport::Tcp, host: httpd_port, guest: HTTPD_PORT },
        Forward::Guest {
            to: SocketAddrV4::new([10, 0, 2, 100].into(), 80),
            command: format!("{} http-relay {server_port}", exe.display()),
        },
    ];
    let verdict = Arc::new(Mutex::new(None));
    let data = Arc::new(blob());
    let server: Job = {
        let (verdict, data) = (verdict.clone(), data.clone());
        Box::new(move |life: &Lifetime| serve(&listener, life, &verdict, &data))
    };
    let client: Job = Box::new(move |life: &Lifetime| {
        let guest = SocketAddr::from(([127, 0, 0, 1], httpd_port));
        let lines = check_guest(guest, &data, life);
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        let _ = fs::write(&results, &text);
        *verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
    });
    Ok(PeerRun::start(&forwards, MAX_LIFE, vec![server, client]))
}

/// The server's accept loop: a thread per connection, until the boot is over.
fn serve(listener: &TcpListener, life: &Lifetime, verdict: &Arc<Mutex<Option<String>>>, data: &Arc<Vec<u8>>) {
    let chunked_body = Arc::new(chunked(data));
    while life.running() {
        match listener.accept() {
            Ok((stream, _)) => {
                let (verdict, data, chunked_body) = (verdict.clone(), data.clone(), chunked_body.clone());
                thread::spawn(move || {
                    let _ = answer(stream, &verdict, &data, &chunked_body);
                });
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads a request head (up to 8 KiB) and returns its target.
fn read_target(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") && head.len() < 8192 {
        if stream.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head);
    Ok(line.split_whitespace().nth(1).unwrap_or("").to_string())
}

/// Answers one request on `stream` and closes it.
fn answer(
    mut stream: TcpStream,
    verdict: &Mutex<Option<String>>,
    data: &[u8],
    chunked_body: &[u8],
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let target = read_target(&mut stream)?;
    let sized = |status: &str, extra: &str, body: &[u8]| {
        let mut out =
            format!("HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                .into_bytes();
        out.extend_from_slice(body);
        out
    };
    let response = match target.as_str() {
        "/blob.bin" => sized("200 OK", "Content-Type: application/octet-stream\r\n", data),
        "/redirect" => sized("302 Found", "Location: sub/../chunked.bin\r\n", b"see chunked.bin\n"),
        "/chunked.bin" => {
            let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
            out.extend_from_slice(chunked_body);
            out
        }
        "/verdict" => match verdict.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(text) => sized("200 OK", "", text.as_bytes()),
            None => sized("503 Service Unavailable", "", b"not yet\n"),
        },
        _ => sized("404 Not Found", "", b"no such file\n"),
    };
    stream.write_all(&response)?;
    stream.shutdown(Shutdown::Write)
}

/// A response as the host's client read it.
struct Response {
    status: u16,
    head: String,
    body: Vec<u8>,
}

/// Sends `request` (a whole head) to `addr` and reads the answer to its end (the client
/// always asks for `Connection: close`).
fn exchange(addr: SocketAddr, request: &str) -> Result<Response, String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
    stream.write_all(request.as_bytes()).map_err(|e| format!("send: {e}"))?;
    read_response(stream)
}

fn read_response(mut stream: TcpStream) -> Result<Response, String> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) if bytes.len() + n <= MAX_RESPONSE => bytes.extend_from_slice(&chunk[..n]),
            Ok(_) => return Err(String::from("response too large")),
            Err(e) => return Err(format!("receive: {e}")),
        }
    }
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no complete head")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no status")?;
    Ok(Response { status, head, body: bytes[end + 4..].to_vec() })
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: cairn\r\n{extra}Connection: close\r\n\r\n")
}

/// The client's checks, once the guest's httpd answers; a line per [`HttpResult`].
fn check_guest(guest: SocketAddr, data: &Arc<Vec<u8>>, life: &Lifetime) -> Vec<String> {
    // httpd serves what wget saved once the guest got both files: wait for the second.
    let mut ready = false;
    while life.running() && !ready {
        ready = matches!(exchange(guest, &get("/chunked.bin", "")), Ok(r) if r.status == 200);
        if !ready {
            thread::sleep(Duration::from_millis(500));
        }
    }
    let mut lines = Vec::new();
    for result in HttpResult::ALL {
        let outcome = if ready { run_check(result, guest, data) } else { Err(String::from("httpd never answered")) };
        lines.push(match outcome {
            Ok(()) => format!("{} ok", result.key()),
            Err(why) => format!("{} FAIL: {why}", result.key()),
        });
    }
    lines
}

fn expect_file(guest: SocketAddr, path: &str, data: &[u8]) -> Result<(), String> {
    let response = exchange(guest, &get(path, ""))?;
    if response.status != 200 {
        return Err(format!("status {}", response.status));
    }
    if response.body != data {
        return Err(format!("{} bytes that differ from the {} served", response.body.len(), data.len()));
    }
    Ok(())
}

fn run_check(result: HttpResult, guest: SocketAddr, data: &Arc<Vec<u8>>) -> Result<(), String> {
    let status_of = |path: &str| exchange(guest, &get(path, "")).map(|r| r.status);
    match result {
        HttpResult::WgetFile => expect_file(guest, "/blob.bin", data),
        HttpResult::WgetRedirectChunked => expect_file(guest, "/chunked.bin", data),
        HttpResult::ConcurrentRanges => concurrent_ranges(guest, data),
        HttpResult::Listing => {
            let page = exchange(guest, &get("/", ""))?;
            let text = String::from_utf8_lossy(&page.body);
            match page.status == 200 && text.contains("href=\"blob.bin\"") && text.contains("href=\"chunked.bin\"") {
                true => Ok(()),
                false => Err(format!("status {}, page {:?}", page.status, text.chars().take(200).collect::<String>())),
            }
        }
        HttpResult::NotFound => match status_of("/no-such-file")? {
            404 => Ok(()),
            other => Err(format!("status {other}")),
        },
        HttpResult::Confined => match status_of("/../etc/passwd")? {
            403 => Ok(()),
            other => Err(format!("status {other}")),
        },
    }
}

/// [`CLIENTS`] connections, each for its own range: opened [`OPEN_SPACING`] apart, all held
/// open until the last is, then all asking at once, so httpd holds every one of them at the
/// same time. (Through hostfwd a host `connect` returns before the guest saw the SYN, so the
/// spacing is what keeps the SYNs from reaching the guest as one burst of 100.)
fn concurrent_ranges(guest: SocketAddr, data: &Arc<Vec<u8>>) -> Result<(), String> {
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<JoinHandle<Result<(), String>>> = (0..CLIENTS)
        .map(|i| {
            let (barrier, data) = (barrier.clone(), data.clone());
            thread::spawn(move || {
                thread::sleep(OPEN_SPACING * i as u32);
                let stream = TcpStream::connect_timeout(&guest, Duration::from_secs(5));
                barrier.wait();
                let mut stream = stream.map_err(|e| format!("client {i}: connect: {e}"))?;
                stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| e.to_string())?;
                let start = i * (data.len() / CLIENTS);
                let end = start + RANGE_LEN - 1;
                let request = get("/blob.bin", &format!("Range: bytes={start}-{end}\r\n"));
                stream.write_all(request.as_bytes()).map_err(|e| format!("client {i}: send: {e}"))?;
                let response = read_response(stream).map_err(|e| format!("client {i}: {e}"))?;
                let range = format!("content-range: bytes {start}-{end}/{}", data.len());
                if response.status != 206 || !response.head.to_ascii_lowercase().contains(&range) {
                    return Err(format!("client {i}: status {}, head {:?}", response.status, response.head));
                }
                if response.body != data[start..=end] {
                    return Err(format!("client {i}: wrong bytes ({} of them)", response.body.len()));
                }
                Ok(())
            })
        })
        .collect();
    let failures: Vec<String> = clients
        .into_iter()
        .filter_map(|c| match c.join() {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            Err(_) => Some(String::from("a client thread panicked")),
        })
        .collect();
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(format!("{} of {CLIENTS} failed, first: {first}", failures.len())),
    }
}

/// Checks one result after the boot.
pub fn verify(result: HttpResult) -> Result<(), String> {
    verify_file(&Path::new(RESULT_DIR).join(RESULT_FILE), result)
}

fn verify_file(path: &Path, result: HttpResult) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("no results from the client ({}: {e})", path.display()))?;
    let line = text
        .lines()
        .find(|line| line.split_whitespace().next() == Some(result.key()))
        .ok_or_else(|| format!("no {} line in {}", result.key(), path.display()))?;
    match line.split_once(' ') {
        Some((_, "ok")) => Ok(()),
        _ => Err(line.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_is_fixed_and_not_trivial() {
        let (a, b) = (blob(), blob());
        assert_eq!(a.len(), BLOB_LEN);
        assert_eq!(a, b);
        assert!(a.windows(2).filter(|w| w[0] == w[1]).count() < BLOB_LEN / 100);
    }

    /// Decodes the chunked coding the simplest way, to check the encoder.
    fn dechunk(mut body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
            let line = std::str::from_utf8(&body[..line_end]).unwrap();
            let size = usize::from_str_radix(line.split(';').next().unwrap(), 16).unwrap();
            body = &body[line_end + 2..];
            if size == 0 {
                assert_eq!(body, b"X-Trailer: done\r\n\r\n");
                return out;
            }
            out.extend_from_slice(&body[..size]);
            assert_eq!(&body[size..size + 2], b"\r\n");
            body = &body[size + 2..];
        }
    }

    #[test]
    fn chunked_body_decodes_to_the_blob() {
        let data = blob();
        assert_eq!(dechunk(&chunked(&data)), data);
        assert_eq!(dechunk(&chunked(b"abc")), b"abc");
    }

    #[test]
    fn verify_reads_result_lines() {
        let path = std::env::temp_dir().join(format!("cairn-http-peer-test-{}", std::process::id()));
        assert!(verify_file(&path, HttpResult::WgetFile).is_err(), "no file");
        fs::write(&path, "wget-file ok\nlisting FAIL: status 500\n").unwrap();
        assert_eq!(verify_file(&path, HttpResult::WgetFile), Ok(()));
        assert_eq!(verify_file(&path, HttpResult::Listing), Err(String::from("listing FAIL: status 500")));
        assert!(verify_file(&path, HttpResult::Confined).is_err(), "no line");
        fs::remove_file(&path).unwrap();
    }
}
