//! The cache over a memory device that records every request and can be
//! made to fail.

extern crate std;

use alloc::vec;
use alloc::vec::Vec;

use cairn_ext2::{BlockDevice, DeviceError, MemDevice};

use crate::{BlockCache, MAX_REQUEST, MIN_UNITS, UNIT};

/// A request the device saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Read(u64, usize),
    Write(u64, usize),
    Flush,
}

/// A memory device recording requests; `failing` makes every request fail.
struct Recorder {
    inner: MemDevice,
    seen: Vec<Seen>,
    failing: bool,
}

impl Recorder {
    fn new(size: usize) -> Recorder {
        let bytes = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
        Recorder { inner: MemDevice::new(bytes), seen: Vec::new(), failing: false }
    }
}

impl BlockDevice for Recorder {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        assert!(buf.len() <= MAX_REQUEST && offset.is_multiple_of(512), "request {offset}+{}", buf.len());
        self.seen.push(Seen::Read(offset, buf.len()));
        if self.failing { Err(DeviceError::Io) } else { self.inner.read_at(offset, buf) }
    }
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        assert!(data.len() <= MAX_REQUEST && offset.is_multiple_of(512), "request {offset}+{}", data.len());
        self.seen.push(Seen::Write(offset, data.len()));
        if self.failing { Err(DeviceError::Io) } else { self.inner.write_at(offset, data) }
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.seen.push(Seen::Flush);
        if self.failing { Err(DeviceError::Io) } else { Ok(()) }
    }
}

fn read(cache: &mut BlockCache<Recorder>, offset: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    cache.read_at(offset, &mut buf).unwrap();
    buf
}

#[test]
fn reads_go_out_in_large_requests_and_cached_data_costs_none() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), 128);
    for block in 0..64u64 {
        let got = read(&mut cache, block * 4096, 4096);
        assert_eq!(got, cache.disk.inner.bytes()[block as usize * 4096..][..4096]);
    }
    let reads: Vec<Seen> = cache.disk.seen.clone();
    assert_eq!(reads, (0..4).map(|i| Seen::Read(i * MAX_REQUEST as u64, MAX_REQUEST)).collect::<Vec<_>>());
    read(&mut cache, 0, 256 << 10);
    assert_eq!(cache.disk.seen.len(), 4, "cached data was read again");
    assert_eq!(cache.counts().misses, 4);
}

#[test]
fn a_read_of_several_pieces_misses_straight_into_the_buffer_and_no_further() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), 128);
    // Piece 3 cached first: the read of pieces 1..8 then goes out as the
    // runs around it, each no longer than asked for.
    read(&mut cache, 3 * 4096, 4096);
    let got = read(&mut cache, 4096, 7 * 4096);
    assert_eq!(got, cache.disk.inner.bytes()[4096..8 * 4096]);
    let unit = UNIT as u64;
    assert_eq!(
        cache.disk.seen,
        [Seen::Read(3 * unit, MAX_REQUEST), Seen::Read(unit, 2 * UNIT)],
        "the first read reads ahead; the second reads only its own uncached pieces"
    );
    // A run longer than one request goes out in requests of the largest size.
    cache.disk.seen.clear();
    let got = read(&mut cache, 64 * unit, 40 * UNIT);
    assert_eq!(got, cache.disk.inner.bytes()[64 * UNIT..104 * UNIT]);
    let sizes: Vec<Seen> = cache.disk.seen.clone();
    assert_eq!(
        sizes,
        [Seen::Read(64 * unit, MAX_REQUEST), Seen::Read(80 * unit, MAX_REQUEST), Seen::Read(96 * unit, 8 * UNIT)]
    );
    // All of it is cached now: read again, nothing goes out.
    let misses = cache.counts().misses;
    read(&mut cache, unit, 7 * UNIT);
    read(&mut cache, 64 * unit, 40 * UNIT);
    assert_eq!(cache.disk.seen.len(), 3, "cached data was read again");
    assert_eq!(cache.counts().misses, misses);
}

#[test]
fn vectors_are_copied_out_of_the_pieces() {
    let size = (1 << 20) + 1024;
    let mut cache = BlockCache::new(Recorder::new(size), 128);
    let bytes = cache.disk.inner.bytes().to_vec();
    assert_eq!(cache.read_vec(4096 + 100, 256).unwrap(), bytes[4096 + 100..][..256]);
    assert_eq!(cache.read_vec(4000, 200).unwrap(), bytes[4000..4200], "across two pieces");
    assert_eq!(cache.read_vec(1 << 20, 1024).unwrap(), bytes[1 << 20..], "the short last piece");
    assert_eq!(cache.read_vec(1 << 20, 2048), Err(DeviceError::OutOfRange));
    assert_eq!(cache.read_vec(size as u64 + 4096, 16), Err(DeviceError::OutOfRange));
}

#[test]
fn the_cache_stays_bounded_and_evicts_the_least_recently_used() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), MIN_UNITS);
    read(&mut cache, 0, 4096);
    for piece in 16..64u64 {
        read(&mut cache, piece * 4096, 4096);
        read(&mut cache, 0, 4096);
        assert!(cache.counts().cached <= MIN_UNITS);
    }
    assert!(cache.counts().evictions > 0);
    let before = cache.disk.seen.len();
    read(&mut cache, 0, 4096);
    assert_eq!(cache.disk.seen.len(), before, "the piece used all along was evicted");
    read(&mut cache, 16 * 4096, 4096);
    assert_eq!(cache.disk.seen.len(), before + 1, "the oldest piece was kept");
}

#[test]
fn writes_wait_for_the_flush_and_go_out_in_runs_before_the_barrier() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), 128);
    let data = vec![0xa5u8; 3 * UNIT];
    cache.write_at(8 * UNIT as u64, &data).unwrap();
    cache.write_at(100 * UNIT as u64, &data[..UNIT]).unwrap();
    assert!(cache.disk.seen.is_empty(), "whole pieces need no read, and nothing is written yet");
    assert_eq!(cache.counts().dirty, 4);
    cache.flush().unwrap();
    let expected = [Seen::Write(8 * UNIT as u64, 3 * UNIT), Seen::Write(100 * UNIT as u64, UNIT), Seen::Flush];
    assert_eq!(cache.disk.seen, expected);
    assert_eq!(&cache.disk.inner.bytes()[8 * UNIT..11 * UNIT], &data[..]);
    assert_eq!(cache.counts().dirty, 0);
    cache.flush().unwrap();
    assert_eq!(cache.disk.seen.last(), Some(&Seen::Flush));
    assert_eq!(cache.disk.seen.len(), 4, "a clean cache writes nothing");
}

#[test]
fn a_partial_write_merges_into_the_piece_read_first() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), 128);
    let before = cache.disk.inner.bytes()[..UNIT].to_vec();
    cache.write_at(1024, &[9u8; 1024]).unwrap();
    cache.flush().unwrap();
    let mut expected = before;
    expected[1024..2048].fill(9);
    assert_eq!(&cache.disk.inner.bytes()[..UNIT], &expected[..]);
}

#[test]
fn evicting_a_dirty_piece_writes_it_and_nothing_is_lost() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), MIN_UNITS);
    let data: Vec<u8> = (0..200 * UNIT).map(|i| (i / 4096) as u8 ^ 0x3c).collect();
    cache.write_at(0, &data).unwrap();
    assert!(cache.counts().cached <= MIN_UNITS);
    assert!(cache.disk.seen.iter().any(|s| matches!(s, Seen::Write(..))), "evictions wrote nothing");
    assert!(cache.disk.seen.iter().all(|s| !matches!(s, Seen::Write(_, len) if *len < UNIT)));
    cache.flush().unwrap();
    assert_eq!(&cache.disk.inner.bytes()[..data.len()], &data[..]);
    assert_eq!(read(&mut cache, 0, data.len()), data);
}

#[test]
fn device_errors_are_passed_on_and_dirty_data_is_kept() {
    let mut cache = BlockCache::new(Recorder::new(1 << 20), 128);
    cache.write_at(0, &[1u8; UNIT]).unwrap();
    cache.disk.failing = true;
    assert_eq!(cache.flush(), Err(DeviceError::Io));
    assert_eq!(cache.counts().dirty, 1);
    let mut buf = vec![0; UNIT];
    assert_eq!(cache.read_at(64 * UNIT as u64, &mut buf), Err(DeviceError::Io));
    cache.disk.failing = false;
    cache.flush().unwrap();
    assert_eq!(&cache.disk.inner.bytes()[..UNIT], &[1u8; UNIT][..]);
}

#[test]
fn requests_past_the_end_are_refused_and_a_short_last_piece_works() {
    let size = (1 << 20) + 512;
    let mut cache = BlockCache::new(Recorder::new(size), 128);
    let mut buf = vec![0; 1024];
    assert_eq!(cache.read_at(size as u64 - 512, &mut buf), Err(DeviceError::OutOfRange));
    assert_eq!(cache.write_at(size as u64, &[0]), Err(DeviceError::OutOfRange));
    let tail = read(&mut cache, size as u64 - 512, 512);
    assert_eq!(tail, cache.disk.inner.bytes()[size - 512..]);
    assert_eq!(cache.disk.seen, [Seen::Read(1 << 20, 512)]);
    cache.write_at(size as u64 - 512, &[7u8; 512]).unwrap();
    cache.flush().unwrap();
    assert_eq!(&cache.disk.inner.bytes()[size - 512..], &[7u8; 512][..]);
}
