//! Bounded mutated-input tests: valid messages, URLs, ranges and targets with bytes flipped,
//! inserted, deleted, duplicated or cut off are fed to every parser. None may panic, and what
//! they accept must keep each parser's promises (lengths within the input, ranges within the
//! representation, paths confined, URLs that print and parse back the same).

use alloc::string::String;
use alloc::vec::Vec;
use cairn_testrng::Rng;

use crate::chunked::ChunkedDecoder;
use crate::head::{Limits, parse_request, parse_response};
use crate::path::request_path;
use crate::range::{RangeAnswer, resolve};
use crate::url::Url;

const CASES_PER_SEED: usize = 3000;

const INTERESTING: &[u8] = b"\r\n :;,-=/%.?#[]@0123456789abcdefABCDEF\x00\x7f\xff\t";

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        let byte = if rng.chance(70) { rng.pick(INTERESTING) } else { rng.next_u64() as u8 };
        match rng.below(5) {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => bytes.truncate(at),
            _ => {
                let end = (at + 1 + rng.below(16) as usize).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

fn for_each_mutant(seeds: &[&[u8]], salt: u64, mut check: impl FnMut(&[u8])) {
    for (i, seed) in seeds.iter().enumerate() {
        let mut rng = Rng::new(Rng::derive(salt, &[i as u64]));
        check(seed);
        for _ in 0..CASES_PER_SEED {
            check(&mutate(&mut rng, seed));
        }
    }
}

#[test]
fn mutated_heads_never_panic_and_stay_within_input() {
    let seeds: &[&[u8]] = &[
        b"GET /a/b?c HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\nxyz",
        b"POST / HTTP/1.0\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 3, 3\r\n\r\nabc",
    ];
    let limits = Limits { max_head: 128, max_headers: 4 };
    for_each_mutant(seeds, 1, |input| {
        if let Ok(Some((head, used))) = parse_request(input, &limits) {
            assert!(used <= input.len() && used <= limits.max_head);
            assert!(head.headers.0.len() <= limits.max_headers);
            let _ = (head.body(), head.keep_alive());
        }
        if let Ok(Some((head, used))) = parse_response(input, &limits) {
            assert!(used <= input.len() && (100..=599).contains(&head.status));
            let _ = (head.body(false), head.headers.get("location"));
        }
    });
}

#[test]
fn mutated_chunked_bodies_never_panic_and_never_grow() {
    let seeds: &[&[u8]] = &[
        b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\nnext",
        b"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
    ];
    for_each_mutant(seeds, 2, |input| {
        // Whole, and in two pieces: the same outcome either way.
        let mut whole = ChunkedDecoder::new();
        let mut out = Vec::new();
        let result = whole.decode(input, &mut out);
        if let Ok(used) = result {
            assert!(used <= input.len() && out.len() <= input.len());
        }
        let cut = input.len() / 2;
        let mut pieces = ChunkedDecoder::new();
        let mut split_out = Vec::new();
        let split = pieces.decode(&input[..cut], &mut split_out).and_then(|first| {
            if first < cut { Ok(first) } else { pieces.decode(&input[cut..], &mut split_out).map(|n| first + n) }
        });
        assert_eq!(result, split);
        if result.is_ok() {
            assert_eq!((out, whole.is_done()), (split_out, pieces.is_done()));
        }
    });
}

#[test]
fn mutated_ranges_stay_within_the_representation() {
    let seeds: &[&[u8]] = &[b"bytes=10-19", b"bytes=-25", b"bytes=90-", b"bytes=0-0"];
    for_each_mutant(seeds, 3, |input| {
        let header = String::from_utf8_lossy(input);
        for total in [0, 1, 50, 100] {
            if let RangeAnswer::Partial(range) = resolve(Some(&header), total) {
                assert!(range.start <= range.end && range.end < total, "{header} of {total}");
            }
        }
    });
}

#[test]
fn mutated_targets_stay_confined() {
    let seeds: &[&[u8]] = &[b"/a/b/../c%20d/./e?q#f", b"/%2e%2e/x/..", b"http://h/a/b/"];
    for_each_mutant(seeds, 4, |input| {
        if let Ok(path) = request_path(&String::from_utf8_lossy(input)) {
            for segment in &path.segments {
                assert!(!segment.is_empty() && segment != "." && segment != "..");
                assert!(!segment.contains('/') && !segment.contains('\0'));
            }
        }
    });
}

#[test]
fn mutated_urls_print_and_parse_back() {
    let seeds: &[&[u8]] = &[
        b"http://example.com:8080/a/b?c#d",
        b"http://[fe80::1:2]:81/x",
        b"http://[::ffff:1.2.3.4]/",
        b"http://10.0.2.2/file.bin",
    ];
    let base = Url::parse("http://h/a/b/c").unwrap();
    for_each_mutant(seeds, 5, |input| {
        let text = String::from_utf8_lossy(input);
        if let Ok(url) = Url::parse(&text) {
            assert_eq!(Url::parse(&alloc::format!("{url}")), Ok(url.clone()), "{text}");
            assert!(url.target.starts_with('/') && url.port != 0);
        }
        if let Ok(url) = base.join(&text) {
            assert!(url.target.starts_with('/'));
            assert!(!url.target.split('?').next().unwrap_or("").split('/').any(|s| s == ".." || s == "."));
        }
    });
}
