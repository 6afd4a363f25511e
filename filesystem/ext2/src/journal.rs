//! The ext3/ext4 journal (JBD2 format, in an inode): loading and checking
//! its superblock, replaying committed transactions at mount (descriptor,
//! revoke and commit blocks, `csum_v2`/`csum_v3` checksums, 64-bit block
//! numbers, escaped blocks) and writing transactions (one descriptor per
//! run of blocks, the blocks, then a commit block after a flush).
//!
//! Every transaction this crate writes starts at the journal's first block
//! and is written home and then forgotten (the journal marked empty) before
//! the next one, so nothing older than the running transaction is ever
//! replayed and no revoke records are needed. Replay still honours revoke
//! records written by Linux.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{be32, put_be32};
use crate::device::BlockDevice;
use crate::fs::Ext2;
use crate::inode::InodeNo;
use crate::{Corrupt, Error, Unsupported, crc32c};

const MAGIC: u32 = 0xC03B_3998;
const DESCRIPTOR: u32 = 1;
const COMMIT: u32 = 2;
const SUPERBLOCK_V1: u32 = 3;
const SUPERBLOCK_V2: u32 = 4;
const REVOKE: u32 = 5;

const COMPAT_CHECKSUM: u32 = 0x1;
const CRC32_CHKSUM: u8 = 1;
const INCOMPAT_REVOKE: u32 = 0x1;
const INCOMPAT_64BIT: u32 = 0x2;
const INCOMPAT_ASYNC_COMMIT: u32 = 0x4;
const INCOMPAT_CSUM_V2: u32 = 0x8;
const INCOMPAT_CSUM_V3: u32 = 0x10;
const INCOMPAT_KNOWN: u32 =
    INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3;

const FLAG_ESCAPE: u32 = 1;
const FLAG_SAME_UUID: u32 = 2;
const FLAG_LAST_TAG: u32 = 8;

/// Size of a block header (magic, type, sequence).
const HEADER: usize = 12;
/// Size of the journal superblock that its checksum covers.
const JSB_SIZE: usize = 1024;

fn bad<T>(why: &'static str) -> Result<T, Error> {
    Err(Error::Corrupt(Corrupt::Journal(why)))
}

/// One block logged in a transaction.
struct Tag {
    target: u64,
    log_pos: u32,
    escaped: bool,
    checksum: u32,
}

/// A committed transaction found in the log.
struct Transaction {
    sequence: u32,
    tags: Vec<Tag>,
}

/// The journal of a mounted file system.
pub(crate) struct Journal {
    /// Device block of each journal block.
    map: Vec<u64>,
    /// The journal superblock (journal block 0).
    jsb: Vec<u8>,
    bs: usize,
    first: u32,
    maxlen: u32,
    /// The next transaction's sequence number.
    sequence: u32,
    /// Where the log starts (0: empty).
    start: u32,
    incompat: u32,
    /// The older whole-transaction CRC-32 in commit blocks.
    v1_checksum: bool,
    seed: u32,
    fs_blocks: u64,
}

impl Journal {
    /// Reads and checks the journal of `fs`.
    pub fn load<D: BlockDevice>(fs: &mut Ext2<D>) -> Result<Journal, Error> {
        let ino = InodeNo(fs.sb.journal_inum);
        let inode = fs.read_inode(ino)?;
        let bs = fs.bs;
        let blocks = inode.size() / bs as u64;
        if blocks < 16 || blocks > u32::MAX as u64 {
            return bad("journal size");
        }
        let mut map = Vec::with_capacity(blocks as usize);
        for l in 0..blocks {
            match fs.map_block(ino, &inode, l)? {
                Some(b) => map.push(b),
                None => return bad("hole in the journal"),
            }
        }
        let jsb = fs.read_block(map[0])?;
        if be32(&jsb, 0) != MAGIC {
            return bad("no journal superblock");
        }
        let kind = be32(&jsb, 4);
        if kind != SUPERBLOCK_V1 && kind != SUPERBLOCK_V2 {
            return bad("journal superblock type");
        }
        if be32(&jsb, 0xC) as usize != bs {
            return bad("journal block size differs from the file system's");
        }
        let maxlen = be32(&jsb, 0x10);
        let first = be32(&jsb, 0x14);
        if maxlen as u64 > blocks || first == 0 || first as u64 + 8 > maxlen as u64 {
            return bad("journal geometry");
        }
        let incompat = if kind == SUPERBLOCK_V2 { be32(&jsb, 0x28) } else { 0 };
        let compat = if kind == SUPERBLOCK_V2 { be32(&jsb, 0x24) } else { 0 };
        if incompat & !INCOMPAT_KNOWN != 0 {
            return Err(Error::Unsupported(Unsupported::JournalFeatures(incompat & !INCOMPAT_KNOWN)));
        }
        let start = be32(&jsb, 0x1C);
        if start != 0 && (start < first || start >= maxlen) {
            return bad("journal start");
        }
        let seed = crc32c::update(!0, &jsb[0x30..0x40]);
        let journal = Journal {
            map,
            bs,
            first,
            maxlen,
            sequence: be32(&jsb, 0x18),
            start,
            incompat,
            v1_checksum: compat & COMPAT_CHECKSUM != 0 && incompat & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3) == 0,
            seed,
            jsb,
            fs_blocks: fs.sb.blocks_count,
        };
        if journal.csum() && be32(&journal.jsb, 0xFC) != journal.jsb_checksum() {
            return bad("journal superblock checksum");
        }
        Ok(journal)
    }

    fn csum(&self) -> bool {
        self.incompat & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3) != 0
    }

    fn tag_bytes(&self) -> usize {
        if self.incompat & INCOMPAT_CSUM_V3 != 0 {
            return 16;
        }
        let mut sz = 12;
        if self.incompat & INCOMPAT_CSUM_V2 != 0 {
            sz += 2;
        }
        if self.incompat & INCOMPAT_64BIT == 0 {
            sz -= 4;
        }
        sz
    }

    fn tail(&self) -> usize {
        if self.csum() { 4 } else { 0 }
    }

    fn jsb_checksum(&self) -> u32 {
        let mut b = self.jsb[..JSB_SIZE].to_vec();
        put_be32(&mut b, 0xFC, 0);
        crc32c::update(!0, &b)
    }

    fn block_checksum(&self, block: &[u8], at: usize) -> u32 {
        let mut b = block.to_vec();
        put_be32(&mut b, at, 0);
        crc32c::update(self.seed, &b)
    }

    fn data_checksum(&self, sequence: u32, data: &[u8]) -> u32 {
        crc32c::update(crc32c::update(self.seed, &sequence.to_be_bytes()), data)
    }

    fn next(&self, pos: u32) -> u32 {
        if pos + 1 >= self.maxlen { self.first } else { pos + 1 }
    }

    fn read_log<D: BlockDevice>(&self, dev: &mut D, pos: u32) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0; self.bs];
        dev.read_block(self.map[pos as usize], &mut buf)?;
        Ok(buf)
    }

    /// Data blocks one transaction may log so that it, its descriptors and
    /// its commit block fit in the journal.
    pub fn max_transaction_blocks(&self) -> usize {
        let per_desc = (self.bs - HEADER - self.tail() - 16) / self.tag_bytes();
        let room = (self.maxlen - self.first) as usize - 1;
        (room * per_desc / (per_desc + 1)).saturating_sub(1).max(1)
    }

    /// Reads the tags of descriptor block `desc` (data blocks follow it
    /// from `pos`); returns them and the position after the last.
    fn parse_descriptor(&self, desc: &[u8], mut pos: u32) -> Result<(Vec<Tag>, u32), Error> {
        let tb = self.tag_bytes();
        let end = self.bs - self.tail();
        let wide = self.incompat & INCOMPAT_64BIT != 0;
        let v3 = self.incompat & INCOMPAT_CSUM_V3 != 0;
        let mut off = HEADER;
        let mut tags = Vec::new();
        while off + tb <= end {
            let lo = be32(desc, off) as u64;
            let (flags, checksum) = if v3 {
                (be32(desc, off + 4), be32(desc, off + 12))
            } else {
                let w = be32(desc, off + 4);
                (w & 0xFFFF, w >> 16)
            };
            let hi = if wide { be32(desc, off + 8) as u64 } else { 0 };
            let target = lo | hi << 32;
            if target >= self.fs_blocks {
                return bad("logged block past the end of the file system");
            }
            tags.push(Tag { target, log_pos: pos, escaped: flags & FLAG_ESCAPE != 0, checksum });
            pos = self.next(pos);
            off += tb;
            if flags & FLAG_SAME_UUID == 0 {
                off += 16;
            }
            if flags & FLAG_LAST_TAG != 0 {
                break;
            }
        }
        Ok((tags, pos))
    }

    /// Replays the committed transactions: returns the final content of
    /// every block they log (later transactions win; revoked blocks are
    /// left out). The journal's next sequence number moves past them.
    pub fn replay<D: BlockDevice>(&mut self, dev: &mut D, bs: usize) -> Result<BTreeMap<u64, Vec<u8>>, Error> {
        let mut out = BTreeMap::new();
        if self.start == 0 {
            return Ok(out);
        }
        let mut committed: Vec<Transaction> = Vec::new();
        let mut revoked: BTreeMap<u64, u32> = BTreeMap::new();
        let mut pending_revokes: Vec<u64> = Vec::new();
        let mut current: Vec<Tag> = Vec::new();
        let mut crc = !0u32;
        let mut pos = self.start;
        let mut seq = self.sequence;
        // Each step consumes at least one log block: stop after one lap.
        let mut budget = (self.maxlen - self.first) as u64;
        while budget > 0 {
            let block = self.read_log(dev, pos)?;
            if be32(&block, 0) != MAGIC || be32(&block, 8) != seq {
                break;
            }
            match be32(&block, 4) {
                DESCRIPTOR => {
                    if self.csum() && be32(&block, bs - 4) != self.block_checksum(&block, bs - 4) {
                        break;
                    }
                    let (tags, after) = self.parse_descriptor(&block, self.next(pos))?;
                    if self.v1_checksum {
                        crc = crc32c::update_be(crc, &block);
                        for t in &tags {
                            crc = crc32c::update_be(crc, &self.read_log(dev, t.log_pos)?);
                        }
                    }
                    budget = budget.saturating_sub(1 + tags.len() as u64);
                    current.extend(tags);
                    pos = after;
                    continue;
                }
                COMMIT => {
                    if self.csum() && be32(&block, 0x10) != self.block_checksum(&block, 0x10) {
                        break;
                    }
                    // A commit block with the old checksum must match the
                    // transaction's blocks (or carry no checksum at all).
                    let v1_ok = block[12] == CRC32_CHKSUM && block[13] == 4 && be32(&block, 0x10) == crc
                        || block[12] == 0 && block[13] == 0 && be32(&block, 0x10) == 0;
                    if self.v1_checksum && !v1_ok {
                        break;
                    }
                    crc = !0;
                    for b in pending_revokes.drain(..) {
                        let r = revoked.entry(b).or_insert(seq);
                        *r = (*r).max(seq);
                    }
                    committed.push(Transaction { sequence: seq, tags: core::mem::take(&mut current) });
                    seq = seq.wrapping_add(1);
                }
                REVOKE => {
                    if self.csum() && be32(&block, bs - 4) != self.block_checksum(&block, bs - 4) {
                        break;
                    }
                    let count = be32(&block, HEADER) as usize;
                    let rec = if self.incompat & INCOMPAT_64BIT != 0 { 8 } else { 4 };
                    if count < HEADER + 4 || count > bs - self.tail() {
                        return bad("revoke block length");
                    }
                    let mut off = HEADER + 4;
                    while off + rec <= count {
                        let b = if rec == 8 {
                            (be32(&block, off) as u64) << 32 | be32(&block, off + 4) as u64
                        } else {
                            be32(&block, off) as u64
                        };
                        pending_revokes.push(b);
                        off += rec;
                    }
                }
                _ => break,
            }
            budget -= 1;
            pos = self.next(pos);
        }
        for t in &committed {
            for tag in &t.tags {
                if revoked.get(&tag.target).is_some_and(|&r| r >= t.sequence) {
                    continue;
                }
                let mut data = self.read_log(dev, tag.log_pos)?;
                if self.csum() {
                    let sum = self.data_checksum(t.sequence, &data);
                    let ok = if self.incompat & INCOMPAT_CSUM_V3 != 0 {
                        sum == tag.checksum
                    } else {
                        sum & 0xFFFF == tag.checksum & 0xFFFF
                    };
                    if !ok {
                        return bad("logged block checksum");
                    }
                }
                if tag.escaped {
                    put_be32(&mut data, 0, MAGIC);
                }
                out.insert(tag.target, data);
            }
        }
        self.sequence = seq;
        Ok(out)
    }

    fn write_jsb<D: BlockDevice>(&mut self, dev: &mut D) -> Result<(), Error> {
        put_be32(&mut self.jsb, 0x18, self.sequence);
        put_be32(&mut self.jsb, 0x1C, self.start);
        if self.csum() {
            let sum = self.jsb_checksum();
            put_be32(&mut self.jsb, 0xFC, sum);
        }
        dev.write_block(self.map[0], &self.jsb)?;
        Ok(())
    }

    /// Records that everything logged is home: the log is empty.
    pub fn mark_empty<D: BlockDevice>(&mut self, dev: &mut D) -> Result<(), Error> {
        self.start = 0;
        self.write_jsb(dev)?;
        dev.flush()?;
        Ok(())
    }

    fn header(&self, kind: u32, sequence: u32) -> Vec<u8> {
        let mut b = vec![0; self.bs];
        put_be32(&mut b, 0, MAGIC);
        put_be32(&mut b, 4, kind);
        put_be32(&mut b, 8, sequence);
        b
    }

    /// Logs `blocks` (at most [`Journal::max_transaction_blocks`]) as one
    /// committed transaction: the file data already written is flushed
    /// first, the commit block is written only after the logged blocks are
    /// durable, and on return the journal points at the transaction.
    pub fn commit<D: BlockDevice>(&mut self, dev: &mut D, blocks: &[(u64, &[u8])]) -> Result<(), Error> {
        if blocks.len() > self.max_transaction_blocks() {
            return Err(Error::NoSpace);
        }
        dev.flush()?;
        let seq = self.sequence;
        let tb = self.tag_bytes();
        let end = self.bs - self.tail();
        let wide = self.incompat & INCOMPAT_64BIT != 0;
        let v3 = self.incompat & INCOMPAT_CSUM_V3 != 0;
        let uuid: [u8; 16] = self.jsb[0x30..0x40].try_into().unwrap_or([0; 16]);
        let mut pos = self.first;
        let mut rest = blocks;
        let mut crc = !0u32;
        while !rest.is_empty() {
            let desc_pos = pos;
            pos += 1;
            let mut desc = self.header(DESCRIPTOR, seq);
            let mut off = HEADER;
            let mut n = 0;
            // The blocks as logged: borrowed, copied only when escaped.
            let mut run: Vec<Cow<'_, [u8]>> = Vec::new();
            while n < rest.len() {
                let need = tb + if n == 0 { 16 } else { 0 };
                if off + need > end {
                    break;
                }
                let (target, data) = rest[n];
                let mut logged = Cow::Borrowed(data);
                let mut flags = if n == 0 { 0 } else { FLAG_SAME_UUID };
                if be32(&logged, 0) == MAGIC {
                    put_be32(logged.to_mut(), 0, 0);
                    flags |= FLAG_ESCAPE;
                }
                if n + 1 == rest.len() || off + need + tb > end {
                    flags |= FLAG_LAST_TAG;
                }
                // Checksums (a byte at a time: slow under TCG) only where
                // the journal's features keep them.
                let sum = if self.csum() { self.data_checksum(seq, &logged) } else { 0 };
                put_be32(&mut desc, off, target as u32);
                if v3 {
                    put_be32(&mut desc, off + 4, flags);
                    put_be32(&mut desc, off + 12, sum);
                } else {
                    let csum16 = if self.csum() { sum & 0xFFFF } else { 0 };
                    put_be32(&mut desc, off + 4, csum16 << 16 | flags);
                }
                if wide {
                    put_be32(&mut desc, off + 8, (target >> 32) as u32);
                }
                off += tb;
                if n == 0 {
                    desc[off..off + 16].copy_from_slice(&uuid);
                    off += 16;
                }
                run.push(logged);
                n += 1;
            }
            if self.csum() {
                let sum = self.block_checksum(&desc, self.bs - 4);
                put_be32(&mut desc, self.bs - 4, sum);
            }
            dev.write_block(self.map[desc_pos as usize], &desc)?;
            if self.v1_checksum {
                crc = crc32c::update_be(crc, &desc);
            }
            for logged in &run {
                dev.write_block(self.map[pos as usize], logged)?;
                if self.v1_checksum {
                    crc = crc32c::update_be(crc, logged);
                }
                pos += 1;
            }
            rest = &rest[n..];
        }
        dev.flush()?;
        let mut commit = self.header(COMMIT, seq);
        if self.v1_checksum {
            commit[12] = CRC32_CHKSUM;
            commit[13] = 4;
            put_be32(&mut commit, 0x10, crc);
        }
        if self.csum() {
            let sum = self.block_checksum(&commit, 0x10);
            put_be32(&mut commit, 0x10, sum);
        }
        dev.write_block(self.map[pos as usize], &commit)?;
        self.start = self.first;
        self.write_jsb(dev)?;
        dev.flush()?;
        self.sequence = seq.wrapping_add(1);
        Ok(())
    }
}
