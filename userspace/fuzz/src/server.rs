//! The worker's own scheme server (a forked child): it answers every
//! request at random — plausible answers, errors, wrong ids, short or
//! oversized payloads, huge `st_size`s, fds (memory objects, pipe ends,
//! numbers it does not hold) where the protocol wants one or not, unasked
//! events, garbage bytes — or never. It ends when its worker is gone.

use alloc::vec;
use core::mem::size_of;

use cairn_rt::abi::scheme::{
    CANCEL, CLOSE, DUP, FEVENT, FSTAT, GETDENTS, MMAP, OPEN, READ, READLINK, RESPONSE_EVENT, RESPONSE_FD, Request,
    Response, SENDFD, WRITE,
};
use cairn_rt::abi::{EVENT_READ, MODE_DIR, MODE_FILE, Stat, Syscall};
use cairn_rt::process;
use cairn_rt::sys::syscall6;

use crate::rng::Rng;

/// Largest request read (header and payload).
const BUFFER: usize = size_of::<Request>() + cairn_rt::abi::scheme::MAX_PAYLOAD;

fn call(number: Syscall, a: usize, b: usize, c: usize, d: usize) -> Result<usize, cairn_rt::Error> {
    // SAFETY: every caller passes integers or pointers to its own live
    // buffers of the given lengths.
    unsafe { syscall6(number as usize, a, b, c, d, 0, 0) }
}

/// Writes one response (header, then `payload`) to the endpoint.
fn respond(endpoint: usize, response: Response, payload: &[u8]) {
    let bytes = cairn_rt::scheme::response_bytes(response, payload);
    let _ = call(Syscall::Write, endpoint, bytes.as_ptr() as usize, bytes.len(), 0);
}

/// Serves `endpoint` until process `worker` is gone; never returns.
pub fn serve(endpoint: usize, worker: usize, seed: u64) -> ! {
    let mut rng = Rng::new(seed);
    let mut buffer = vec![0u8; BUFFER];
    let memory = cairn_rt::sys::memory_create(4 * 4096).map(|f| f.into_raw()).unwrap_or(usize::MAX);
    let pipe = cairn_rt::fd::pipe(0).map(|(r, w)| (r.into_raw(), w.into_raw())).unwrap_or((usize::MAX, usize::MAX));
    let queue = call(Syscall::EventQueueCreate, 0, 0, 0, 0).unwrap_or(usize::MAX);
    let _ = call(Syscall::EventQueueCtl, queue, endpoint, EVENT_READ as usize, 0);
    let mut events = [0u8; 64];
    loop {
        if process::parent_id() != worker {
            process::exit(0);
        }
        // Wait up to 200 ms for a request, then read it without blocking.
        let _ = call(Syscall::EventQueueWait, queue, events.as_mut_ptr() as usize, 1, 200_000_000);
        let _ = call(Syscall::SetFdFlags, endpoint, cairn_rt::abi::O_NONBLOCK, 0, 0);
        let Ok(len) = call(Syscall::Read, endpoint, buffer.as_mut_ptr() as usize, buffer.len(), 0) else {
            continue;
        };
        if len < size_of::<Request>() {
            continue;
        }
        // SAFETY: `Request` is plain data and the buffer holds at least its size.
        let request: Request = unsafe { core::ptr::read_unaligned(buffer.as_ptr().cast()) };
        if rng.one_in(20) {
            cairn_rt::thread::sleep(cairn_rt::time::Duration::from_millis(rng.below(30) as u64));
        }
        answer(endpoint, &request, &mut rng, memory, pipe);
        if rng.one_in(16) {
            let ready = Response {
                id: rng.below(8) as u64,
                result: rng.below(4) as i64,
                payload_len: 0,
                flags: RESPONSE_EVENT,
            };
            respond(endpoint, ready, &[]);
        }
    }
}

fn answer(endpoint: usize, request: &Request, rng: &mut Rng, memory: usize, pipe: (usize, usize)) {
    let id = request.id;
    let plain = |result: i64| Response { id, result, payload_len: 0, flags: 0 };
    if request.opcode == SENDFD {
        let _ = call(Syscall::Close, request.args[0] as usize, 0, 0, 0);
    }
    if matches!(request.opcode, CLOSE | CANCEL) && !rng.one_in(10) {
        return;
    }
    let roll = rng.below(100);
    match roll {
        // No answer (the client waits until it gives up).
        0..=6 => {}
        7..=16 => respond(endpoint, plain(-(1 + rng.below(140) as i64)), &[]),
        17..=20 => {
            let mut garbage = [0u8; 96];
            for b in garbage.iter_mut() {
                *b = rng.next() as u8;
            }
            let len = rng.below(garbage.len());
            let _ = call(Syscall::Write, endpoint, garbage.as_ptr() as usize, len, 0);
        }
        21..=23 => respond(endpoint, Response { id: id ^ (1 + rng.below(4) as u64), ..plain(0) }, &[]),
        24..=26 => {
            let claimed = rng.pick(&[100, 1 << 20, u64::MAX, 70_000]);
            respond(endpoint, Response { payload_len: claimed, ..plain(rng.below(200) as i64) }, &[7; 10]);
        }
        27..=31 => {
            let fd = rng.pick(&[memory, pipe.0, pipe.1, 9999, endpoint, usize::MAX]);
            respond(endpoint, Response { flags: RESPONSE_FD, ..plain(fd as i64) }, &[]);
        }
        32..=34 => respond(endpoint, Response { flags: rng.next(), ..plain(rng.next() as i64) }, &[]),
        _ => plausible(endpoint, request, rng, memory),
    }
}

/// An answer that fits the request (with random sizes and values).
fn plausible(endpoint: usize, request: &Request, rng: &mut Rng, memory: usize) {
    let id = request.id;
    let plain = |result: i64| Response { id, result, payload_len: 0, flags: 0 };
    match request.opcode {
        OPEN | DUP => {
            if rng.one_in(5) {
                respond(endpoint, Response { flags: RESPONSE_FD, ..plain(memory as i64) }, &[]);
            } else {
                respond(endpoint, plain(1 + rng.below(100) as i64), &[]);
            }
        }
        READ | GETDENTS | READLINK => {
            let wanted = (request.args[0] as usize).min(4096);
            let len = if rng.one_in(8) { wanted + rng.below(64) } else { rng.below(wanted + 1) };
            let mut data = vec![0u8; len];
            for b in data.iter_mut() {
                *b = rng.next() as u8;
            }
            if request.opcode == GETDENTS && len >= 3 {
                data[0] = 1 + rng.below(3) as u8;
                data[1] = (len - 2).min(255) as u8;
            }
            respond(endpoint, Response { payload_len: len as u64, ..plain(len as i64) }, &data);
        }
        WRITE => {
            let n = request.payload_len as i64;
            respond(endpoint, plain(rng.pick(&[n, n + 1, 0, n / 2, i64::MAX, -1])), &[]);
        }
        FSTAT => {
            let stat = Stat {
                st_mode: rng.pick(&[MODE_FILE | 0o755, MODE_DIR | 0o755, 0, 0xffff]),
                st_size: rng.pick(&[0, 100, 64 << 20, u64::MAX, 1 << 40, 4096]),
                st_uid: rng.pick(&[0, 1000, u32::MAX]),
                ..Stat::default()
            };
            let bytes = &*stat;
            respond(endpoint, Response { payload_len: bytes.len() as u64, ..plain(0) }, bytes);
        }
        MMAP => respond(endpoint, Response { flags: RESPONSE_FD, ..plain(memory as i64) }, &[]),
        FEVENT => respond(endpoint, plain(rng.below(4) as i64), &[]),
        _ => respond(endpoint, plain(rng.pick(&[0, 1, 4096, -22, i64::MAX, i64::MIN])), &[]),
    }
}
