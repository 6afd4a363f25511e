//! `httpd [-p PORT] [-c CLIENTS] [-v] DIR`: serves directory DIR over HTTP/1.1 on PORT (80)
//! of every IPv4 and IPv6 address. `GET` and `HEAD` of files (with a `Content-Type` from the
//! extension and single `Range`s: `206`, or `416` past the end), of directories (their
//! `index.html`, else a listing; `/dir` is redirected to `/dir/`), keep-alive connections
//! (up to 1000 requests each, closed after 10 s idle). Each client gets a thread of its own,
//! at most CLIENTS (128) at once; more wait in netd's backlog until one ends. Request paths
//! never leave DIR (`..` above it is `403`), a head over 8 KiB is `431`, a request body is
//! refused with `413`. `-v` logs a line per request. Runs until killed.
//!
//! Depends on `cairn-rt` (sockets, files, threads) and `cairn-http` (everything HTTP).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;

use cairn_http::head::{BodyLength, Limits, RequestHead, parse_request, write_response_head};
use cairn_http::listing::{self, Entry};
use cairn_http::mime::content_type;
use cairn_http::path::{RequestPath, request_path};
use cairn_http::range::{RangeAnswer, resolve, unsatisfied_content_range};
use cairn_http::status::reason;
use cairn_http::stream::{ReadError, read_head};
use cairn_rt::abi::error::{EACCES, ENOENT, ENOTDIR, EPERM};
use cairn_rt::fs::{self, EntryKind, File};
use cairn_rt::io::{Read, Write};
use cairn_rt::net::{SocketAddr, TcpListener, TcpStream};
use cairn_rt::{String, Vec, eprintln, format, println, thread, vec};

cairn_rt::main!(main);

const USAGE: &str = "usage: httpd [-p PORT] [-c CLIENTS] [-v] DIR";
const LIMITS: Limits = Limits { max_head: 8 * 1024, max_headers: 64 };
/// How long a kept-alive connection may sit idle, and a write may wait for the client.
const IDLE: Duration = Duration::from_secs(10);
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REQUESTS: usize = 1000;
/// Each client thread's stack (file data goes through a heap buffer).
const STACK: usize = 128 * 1024;
/// Bytes read from a file and written to the client at a time.
const FILE_CHUNK: usize = 64 * 1024;

struct Config {
    root: String,
    port: u16,
    clients: usize,
    verbose: bool,
}

fn parse_args() -> Option<Config> {
    let mut args = cairn_rt::env::args().skip(1);
    let mut config = Config { root: String::new(), port: 80, clients: 128, verbose: false };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-p" => config.port = args.next()?.parse().ok()?,
            "-c" => config.clients = args.next()?.parse().ok().filter(|&n| n > 0)?,
            "-v" => config.verbose = true,
            _ if arg.starts_with('-') || !config.root.is_empty() => return None,
            _ => config.root = arg,
        }
    }
    (!config.root.is_empty()).then_some(config)
}

fn main() -> i32 {
    let Some(config) = parse_args() else {
        eprintln!("{USAGE}");
        return 2;
    };
    match fs::metadata(&config.root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            eprintln!("httpd: {} is not a directory", config.root);
            return 1;
        }
        Err(e) => {
            eprintln!("httpd: {}: {e}", config.root);
            return 1;
        }
    }
    let v4 = TcpListener::bind(&format!("0.0.0.0:{}", config.port));
    let v6 = TcpListener::bind(&format!("[::]:{}", config.port));
    let listeners: Vec<TcpListener> = [v4, v6].into_iter().filter_map(Result::ok).collect();
    if listeners.is_empty() {
        eprintln!("httpd: cannot listen on port {}", config.port);
        return 1;
    }
    println!("httpd: serving {} on port {}", config.root, config.port);
    let config = Arc::new(config);
    let live = Arc::new(AtomicUsize::new(0));
    let mut acceptors = Vec::new();
    for listener in listeners {
        let (config, live) = (config.clone(), live.clone());
        match thread::Builder::new().stack_size(STACK).spawn(move || accept_loop(&listener, &config, &live)) {
            Ok(handle) => acceptors.push(handle),
            Err(e) => eprintln!("httpd: cannot start an accepting thread: {e}"),
        }
    }
    for acceptor in acceptors {
        let _ = acceptor.join();
    }
    1
}

/// Accepts clients for ever, each on a thread of its own, at most `config.clients` at once.
fn accept_loop(listener: &TcpListener, config: &Arc<Config>, live: &Arc<AtomicUsize>) {
    loop {
        while live.load(Ordering::Acquire) >= config.clients {
            thread::sleep(Duration::from_millis(5));
        }
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("httpd: accept: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        live.fetch_add(1, Ordering::AcqRel);
        let (config, counter) = (config.clone(), live.clone());
        let spawned = thread::Builder::new().stack_size(STACK).spawn(move || {
            serve_connection(stream, peer, &config);
            counter.fetch_sub(1, Ordering::AcqRel);
        });
        if let Err(e) = spawned {
            // The stream went with the closure and is closed: the client sees the end.
            live.fetch_sub(1, Ordering::AcqRel);
            eprintln!("httpd: cannot start a client thread: {e}");
        }
    }
}

/// What was answered, for the log and for whether the connection goes on.
struct Answer {
    status: u16,
    bytes: u64,
    keep_alive: bool,
}

fn serve_connection(mut stream: TcpStream, peer: SocketAddr, config: &Config) {
    if stream.set_read_timeout(Some(IDLE)).is_err() || stream.set_write_timeout(Some(SEND_TIMEOUT)).is_err() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut buffered = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let request = match read_head(&mut buffered, &LIMITS, parse_request, |buf| stream.read(buf)) {
            Ok(request) => request,
            Err(ReadError::Http(e)) => {
                let _ = send_error(&mut stream, e.status(), false, false);
                return;
            }
            Err(ReadError::Io(_) | ReadError::Closed | ReadError::Truncated) => return,
        };
        let answer = respond(&mut stream, &config.root, &request);
        match answer {
            Ok(answer) => {
                if config.verbose {
                    println!("{peer} {} {} {} {}", request.method, request.target, answer.status, answer.bytes);
                }
                if !answer.keep_alive {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// Writes a response: the head with `Content-Length` and `Connection`, then `body` unless
/// the request was `HEAD`.
fn send(
    stream: &mut TcpStream,
    status: u16,
    fields: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
    keep_alive: bool,
) -> cairn_rt::Result<Answer> {
    let mut message = Vec::with_capacity(256 + body.len());
    write_head(&mut message, status, fields, body.len() as u64, keep_alive);
    if !head_only {
        message.extend_from_slice(body);
    }
    stream.write_all(&message)?;
    Ok(Answer { status, bytes: if head_only { 0 } else { body.len() as u64 }, keep_alive })
}

/// Appends a response head: `fields`, then `Content-Length: length` and `Connection`.
fn write_head(out: &mut Vec<u8>, status: u16, fields: &[(&str, &str)], length: u64, keep_alive: bool) {
    let length = format!("{length}");
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("Content-Length", &length));
    all.push(("Connection", if keep_alive { "keep-alive" } else { "close" }));
    write_response_head(out, status, &all);
}

fn send_error(stream: &mut TcpStream, status: u16, head_only: bool, keep_alive: bool) -> cairn_rt::Result<Answer> {
    let body = format!("<!DOCTYPE html>\n<html><body><h1>{status} {}</h1></body></html>\n", reason(status));
    send(stream, status, &[("Content-Type", "text/html; charset=utf-8")], body.as_bytes(), head_only, keep_alive)
}

/// The status for a file-system error.
fn status_of(error: &cairn_rt::Error) -> u16 {
    match error.errno() {
        Some(ENOENT | ENOTDIR) => 404,
        Some(EACCES | EPERM) => 403,
        _ => 500,
    }
}

fn respond(stream: &mut TcpStream, root: &str, request: &RequestHead) -> cairn_rt::Result<Answer> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let body = b"only GET and HEAD are served\n";
            return send(stream, 405, &[("Allow", "GET, HEAD")], body, false, false);
        }
    };
    match request.body() {
        Ok(BodyLength::Empty) => {}
        Ok(_) => return send_error(stream, 413, head_only, false),
        Err(e) => return send_error(stream, e.status(), head_only, false),
    }
    let keep_alive = request.keep_alive();
    let path = match request_path(&request.target) {
        Ok(path) => path,
        Err(e) => return send_error(stream, e.status(), head_only, keep_alive),
    };
    let file_path = path.under(root);
    let meta = match fs::metadata(&file_path) {
        Ok(meta) => meta,
        Err(e) => return send_error(stream, status_of(&e), head_only, keep_alive),
    };
    if !meta.is_dir() {
        return send_file(stream, &file_path, meta.len(), request, head_only, keep_alive);
    }
    if !path.trailing_slash {
        let location = path.url(true);
        let fields = [("Location", location.as_str()), ("Content-Type", "text/plain; charset=utf-8")];
        return send(stream, 301, &fields, b"moved to the directory's own URL\n", head_only, keep_alive);
    }
    let index = format!("{}/index.html", file_path.trim_end_matches('/'));
    if let Ok(meta) = fs::metadata(&index)
        && meta.is_file()
    {
        return send_file(stream, &index, meta.len(), request, head_only, keep_alive);
    }
    match list_directory(&file_path, &path) {
        Ok(page) => {
            let fields = [("Content-Type", "text/html; charset=utf-8")];
            send(stream, 200, &fields, page.as_bytes(), head_only, keep_alive)
        }
        Err(e) => send_error(stream, status_of(&e), head_only, keep_alive),
    }
}

/// The listing page of directory `dir`, reached by `path`.
fn list_directory(dir: &str, path: &RequestPath) -> cairn_rt::Result<String> {
    let mut entries = Vec::new();
    for (name, kind) in fs::read_dir(dir)? {
        let full = format!("{}/{name}", dir.trim_end_matches('/'));
        let (is_dir, size) = match kind {
            EntryKind::Dir => (true, 0),
            // A link is listed as what it points to; a dangling one as an empty file.
            EntryKind::File | EntryKind::Symlink => match fs::metadata(&full) {
                Ok(meta) => (meta.is_dir(), meta.len()),
                Err(_) => (false, 0),
            },
        };
        entries.push(Entry { name, is_dir, size });
    }
    let shown = if path.segments.is_empty() { String::from("/") } else { format!("/{}/", path.segments.join("/")) };
    Ok(listing::render(&shown, entries))
}

/// Sends file `path` of `total` bytes, or the part of it the `Range` field asks for.
fn send_file(
    stream: &mut TcpStream,
    path: &str,
    total: u64,
    request: &RequestHead,
    head_only: bool,
    keep_alive: bool,
) -> cairn_rt::Result<Answer> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return send_error(stream, status_of(&e), head_only, keep_alive),
    };
    let kind = content_type(path.rsplit('/').next().unwrap_or(path));
    let range = if head_only { RangeAnswer::Full } else { resolve(request.headers.get("range"), total) };
    let (status, start, count, content_range) = match range {
        RangeAnswer::Full => (200, 0, total, None),
        RangeAnswer::Partial(range) => (206, range.start, range.byte_count(), Some(range.content_range(total))),
        RangeAnswer::Unsatisfiable => {
            let content_range = unsatisfied_content_range(total);
            return send(stream, 416, &[("Content-Range", content_range.as_str())], b"", false, keep_alive);
        }
    };
    let mut fields = vec![("Content-Type", kind), ("Accept-Ranges", "bytes")];
    if let Some(content_range) = &content_range {
        fields.push(("Content-Range", content_range.as_str()));
    }
    let mut head = Vec::new();
    write_head(&mut head, status, &fields, count, keep_alive);
    stream.write_all(&head)?;
    if head_only {
        return Ok(Answer { status, bytes: 0, keep_alive });
    }
    let mut buffer = vec![0u8; FILE_CHUNK];
    let mut sent = 0u64;
    while sent < count {
        let want = usize::try_from(count - sent).unwrap_or(FILE_CHUNK).min(FILE_CHUNK);
        let n = file.read_at(&mut buffer[..want], start + sent)?;
        if n == 0 {
            // The file shrank under us: the promised length cannot be kept, so end the connection.
            return Ok(Answer { status, bytes: sent, keep_alive: false });
        }
        stream.write_all(&buffer[..n])?;
        sent += n as u64;
    }
    Ok(Answer { status, bytes: sent, keep_alive })
}
