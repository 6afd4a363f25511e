//! The server's counters as scheme `SCHEME.stats`: one read-only text
//! file (its root, `/scheme/SCHEME.stats`), `name value` lines — the device requests made
//! (`disk_reads`, `disk_read_bytes`, `disk_writes`, `disk_write_bytes`,
//! `disk_flushes`) and the cache's `cache_hits`, `cache_misses`,
//! `cache_evictions`, `cache_pieces`, `cache_dirty` and `cache_capacity`.
//! A tool or test reads it before and after some work to see what reached
//! the disk. Served by its own thread, so it answers while the file
//! system is busy only between two of its requests (it takes the lock).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use cairn_fsproto::{Handle, Handles, bytes_of};
use cairn_rt::abi::error::{EACCES, EINVAL, ENOENT};
use cairn_rt::abi::scheme::{self as op, Request};
use cairn_rt::abi::{MODE_FILE, O_ACCMODE, O_RDONLY, Stat};
use cairn_rt::eprintln;
use cairn_rt::scheme::Server;

use crate::State;
use crate::disk::DiskStats;

/// The text of the stats file now.
fn snapshot(state: &State, disk: &DiskStats) -> Vec<u8> {
    let mut text = String::new();
    let counters = [
        ("disk_reads", &disk.reads),
        ("disk_read_bytes", &disk.read_bytes),
        ("disk_writes", &disk.writes),
        ("disk_write_bytes", &disk.write_bytes),
        ("disk_flushes", &disk.flushes),
    ];
    for (name, counter) in counters {
        let _ = writeln!(text, "{name} {}", counter.load(Ordering::Relaxed));
    }
    if let Some(served) = state.lock().as_ref() {
        let cache = served.fs.device();
        let counts = cache.counts();
        let _ = writeln!(text, "cache_hits {}", counts.hits);
        let _ = writeln!(text, "cache_misses {}", counts.misses);
        let _ = writeln!(text, "cache_evictions {}", counts.evictions);
        let _ = writeln!(text, "cache_pieces {}", counts.cached);
        let _ = writeln!(text, "cache_dirty {}", counts.dirty);
        let _ = writeln!(text, "cache_capacity {}", cache.capacity());
    }
    text.into_bytes()
}

/// Answers one request on the stats scheme.
fn serve(
    request: &Request,
    payload: &[u8],
    handles: &mut Handles<()>,
    text: impl Fn() -> Vec<u8>,
) -> Option<(Result<usize, i32>, Vec<u8>)> {
    let result = match request.opcode {
        op::OPEN if payload.iter().any(|b| *b != b'/') => Err(ENOENT),
        op::OPEN if request.args[0] as usize & O_ACCMODE != O_RDONLY => Err(EACCES),
        op::OPEN => Ok(handles.add(Handle::opened((), request.args[0] as usize))),
        op::READ => {
            return Some(match handles.get(request.handle) {
                Ok(handle) => {
                    let (offset, moves) = handle.offset(request);
                    let all = text();
                    let start = (offset as usize).min(all.len());
                    let end = start.saturating_add(request.args[0] as usize).min(all.len());
                    if moves {
                        handle.position = end as u64;
                    }
                    (Ok(end - start), all[start..end].to_vec())
                }
                Err(e) => (Err(e), Vec::new()),
            });
        }
        op::FSTAT => {
            let stat = Stat { st_mode: MODE_FILE | 0o444, st_size: text().len() as u64, ..Stat::default() };
            return Some(match handles.get(request.handle) {
                Ok(_) => (Ok(0), bytes_of(&stat)),
                Err(e) => (Err(e), Vec::new()),
            });
        }
        op::LSEEK => handles.get(request.handle).and_then(|h| h.seek(request, text().len() as u64)),
        op::CLOSE => {
            handles.remove(request.handle);
            return None;
        }
        op::CANCEL => return None,
        _ => Err(EINVAL),
    };
    Some((result, Vec::new()))
}

/// Serves scheme `name` until the process ends.
pub fn run(server: Server, state: Arc<State>, disk: Arc<DiskStats>) {
    let mut handles = Handles::default();
    loop {
        let incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) if e.errno() == Some(cairn_rt::abi::error::EINTR) => continue,
            Err(e) => {
                eprintln!("ext2fs: the stats scheme failed: {e}");
                return;
            }
        };
        let request = &incoming.request;
        if let Some((result, payload)) = serve(request, &incoming.payload, &mut handles, || snapshot(&state, &disk)) {
            let _ = server.respond(request.id, result, &payload);
        }
    }
}
