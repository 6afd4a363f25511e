//! `wget [-q] [-O FILE] URL`: fetches an `http://` URL with an HTTP/1.1 `GET` and writes
//! the body to FILE (`-O -`: standard output; without `-O`: the URL's last path segment,
//! decoded, or `index.html`). Follows up to five redirects (absolute or relative `Location`),
//! reads bodies framed by `Content-Length`, chunked coding or the end of the connection, and
//! gives up on a silent server after 30 s. `-q` prints nothing but errors.
//!
//! Exit status as GNU wget's: 0 done, 2 bad usage or URL, 3 writing the output failed,
//! 4 the network failed, 7 the server broke the protocol, 8 the server answered with an
//! error status.
//!
//! Depends on `cairn-rt` (sockets, files) and `cairn-http` (everything HTTP).
#![no_std]
#![no_main]

use core::fmt;
use core::time::Duration;

use cairn_http::head::{Limits, ResponseHead, parse_response, write_request_head};
use cairn_http::path::percent_decode;
use cairn_http::status::is_redirect;
use cairn_http::stream::{BodyReader, ReadError, read_head};
use cairn_http::url::{Host, Url};
use cairn_rt::fs::File;
use cairn_rt::io::{Read, Write, stdout};
use cairn_rt::net::{IpAddr, Ipv6Addr, SocketAddr, TcpStream, lookup_host};
use cairn_rt::{String, Vec, eprintln, format, vec};

cairn_rt::main!(main);

const MAX_REDIRECTS: usize = 5;
/// How long a read or write may wait for the server.
const TIMEOUT: Duration = Duration::from_secs(30);
const USAGE: &str = "usage: wget [-q] [-O FILE] URL";

/// Why a fetch failed.
enum Failure {
    Usage,
    Url(cairn_http::Error),
    Resolve(String, cairn_rt::Error),
    Connect(String, cairn_rt::Error),
    Network(cairn_rt::Error),
    Protocol(cairn_http::Error),
    Closed,
    NoLocation(u16),
    TooManyRedirects,
    Status(u16, String),
    Output(String, cairn_rt::Error),
}

impl Failure {
    fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage | Failure::Url(_) => 2,
            Failure::Output(..) => 3,
            Failure::Resolve(..) | Failure::Connect(..) | Failure::Network(_) => 4,
            Failure::Protocol(_) | Failure::Closed | Failure::NoLocation(_) | Failure::TooManyRedirects => 7,
            Failure::Status(..) => 8,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage => f.write_str(USAGE),
            Failure::Url(e) => write!(f, "bad URL: {e}"),
            Failure::Resolve(host, e) => write!(f, "cannot resolve {host}: {e}"),
            Failure::Connect(addr, e) => write!(f, "cannot connect to {addr}: {e}"),
            Failure::Network(e) => write!(f, "network error: {e}"),
            Failure::Protocol(e) => write!(f, "bad response: {e}"),
            Failure::Closed => f.write_str("the server closed the connection without answering"),
            Failure::NoLocation(status) => write!(f, "redirect ({status}) without a Location"),
            Failure::TooManyRedirects => write!(f, "more than {MAX_REDIRECTS} redirects"),
            Failure::Status(status, reason) => write!(f, "server answered {status} {reason}"),
            Failure::Output(path, e) => write!(f, "cannot write {path}: {e}"),
        }
    }
}

struct Options {
    quiet: bool,
    output: Option<String>,
    url: String,
}

fn parse_args() -> Result<Options, Failure> {
    let mut args = cairn_rt::env::args().skip(1);
    let (mut quiet, mut output, mut url) = (false, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-q" => quiet = true,
            "-O" => output = Some(args.next().ok_or(Failure::Usage)?),
            _ if arg.starts_with('-') && arg != "-" => return Err(Failure::Usage),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(Failure::Usage),
        }
    }
    Ok(Options { quiet, output, url: url.ok_or(Failure::Usage)? })
}

fn main() -> i32 {
    match parse_args().and_then(|options| fetch(&options)) {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("wget: {failure}");
            failure.exit_code()
        }
    }
}

/// The addresses to try for a URL's host.
fn addresses(url: &Url) -> Result<Vec<SocketAddr>, Failure> {
    let ips = match &url.host {
        Host::V4(octets) => vec![IpAddr::from(*octets)],
        Host::V6(groups) => {
            let [a, b, c, d, e, f, g, h] = *groups;
            vec![IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))]
        }
        Host::Name(name) => lookup_host(name).map_err(|e| Failure::Resolve(name.clone(), e))?,
    };
    Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, url.port)).collect())
}

/// Connects to the first address of `url` that answers.
fn connect(url: &Url) -> Result<TcpStream, Failure> {
    let mut last = Failure::Resolve(url.host_field(), cairn_rt::Error::from_errno(cairn_rt::abi::error::ENOENT));
    for addr in addresses(url)? {
        match TcpStream::connect(&addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Failure::Connect(format!("{addr}"), e),
        }
    }
    Err(last)
}

/// Sends a `GET` for `url` and reads the response head; returns the connection, the head
/// and the bytes read after it.
fn request(url: &Url) -> Result<(TcpStream, ResponseHead, Vec<u8>), Failure> {
    let mut stream = connect(url)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(Failure::Network)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(Failure::Network)?;
    let mut head = Vec::new();
    let fields = [("User-Agent", "cairn-wget/0.1"), ("Accept", "*/*"), ("Connection", "close")];
    write_request_head(&mut head, "GET", &url.target, &url.host_field(), &fields);
    stream.write_all(&head).map_err(Failure::Network)?;
    let mut buffered = Vec::new();
    let response = read_head(&mut buffered, &Limits::default(), parse_response, |buf| stream.read(buf));
    let response = response.map_err(|e| match e {
        ReadError::Io(e) => Failure::Network(e),
        ReadError::Http(e) => Failure::Protocol(e),
        ReadError::Closed | ReadError::Truncated => Failure::Closed,
    })?;
    Ok((stream, response, buffered))
}

/// The file a URL is saved to without `-O`: its last segment decoded, if that is a plain name.
fn default_output(url: &Url) -> String {
    let name =
        url.file_name().and_then(|name| percent_decode(name).ok()).and_then(|bytes| String::from_utf8(bytes).ok());
    match name {
        Some(name) if name != "." && name != ".." && !name.contains(['/', '\0']) => name,
        _ => String::from("index.html"),
    }
}

/// Where the body goes.
enum Output {
    Stdout,
    File(File),
}

impl Output {
    fn write_all(&mut self, data: &[u8]) -> cairn_rt::Result<()> {
        match self {
            Output::Stdout => stdout().write_all(data),
            Output::File(file) => file.write_all(data),
        }
    }
}

fn fetch(options: &Options) -> Result<(), Failure> {
    let mut url = Url::parse(&options.url).map_err(Failure::Url)?;
    for _ in 0..=MAX_REDIRECTS {
        let (stream, head, buffered) = request(&url)?;
        if is_redirect(head.status) {
            let location = head.headers.get("location").ok_or(Failure::NoLocation(head.status))?;
            url = url.join(location).map_err(Failure::Protocol)?;
            if !options.quiet {
                eprintln!("wget: {} {}: redirected to {url}", head.status, head.reason);
            }
            continue;
        }
        if !(200..300).contains(&head.status) {
            return Err(Failure::Status(head.status, head.reason));
        }
        let path = options.output.clone().unwrap_or_else(|| default_output(&url));
        let mut output = if path == "-" {
            Output::Stdout
        } else {
            Output::File(File::create(&path).map_err(|e| Failure::Output(path.clone(), e))?)
        };
        let length = head.body(false).map_err(Failure::Protocol)?;
        let total = save_body(stream, BodyReader::new(length), buffered, &mut output, &path)?;
        if !options.quiet && path != "-" {
            eprintln!("wget: saved {total} bytes from {url} to {path}");
        }
        return Ok(());
    }
    Err(Failure::TooManyRedirects)
}

/// Copies the body from `buffered` and then the connection to `output`; returns its length.
fn save_body(
    mut stream: TcpStream,
    mut body: BodyReader,
    buffered: Vec<u8>,
    output: &mut Output,
    path: &str,
) -> Result<u64, Failure> {
    let mut data = Vec::new();
    let mut total = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut received = buffered;
    loop {
        body.feed(&received, &mut data).map_err(Failure::Protocol)?;
        output.write_all(&data).map_err(|e| Failure::Output(String::from(path), e))?;
        total += data.len() as u64;
        data.clear();
        if body.is_done() {
            return Ok(total);
        }
        let n = stream.read(&mut chunk).map_err(Failure::Network)?;
        if n == 0 {
            body.at_end_of_stream().map_err(Failure::Protocol)?;
            return Ok(total);
        }
        received.clear();
        received.extend_from_slice(&chunk[..n]);
    }
}
