//! Hashed-tree (htree) directory indexes, read and kept up on the disk as
//! ext3/ext4 keep them, so a directory Cairn changed stays indexed for
//! Linux.
//!
//! An indexed directory's block 0 holds `.`, a `..` entry spanning the
//! rest of the block, and inside it the `dx_root`: the hash version, the
//! number of index levels below the root, and a sorted array of (hash,
//! logical block) entries whose first slot holds the array's limit and
//! count instead of a hash. Index nodes are blocks holding one empty
//! entry over the whole block with the same kind of array after its
//! header. The last level points at leaves: ordinary directory blocks
//! whose names all hash at or above their index entry's hash and below
//! the next one's. A leaf split off from a run of equal hashes is entered
//! with the hash's low bit set ("continued"), so a lookup goes on to it.
//!
//! - **Hashes** ([`DxHash`]): legacy, half-MD4 and TEA over the name,
//!   seeded by the superblock's `s_hash_seed`, with bytes taken as signed
//!   or unsigned chars as the superblock's flags say.
//! - **Lookup** ([`Ext2::dx_leaves`]): the leaves that may hold a name,
//!   the one its hash falls in and any continued ones after it.
//! - **Insert** ([`Ext2::dx_add`]): into the name's leaf; a full leaf is
//!   split in two around the median hash; a full index node is split
//!   into its parent; a full root moves its entries into a new node and
//!   the tree grows a level (up to the format's limit, then `ENOSPC`).
//! - **Indexing** ([`Ext2::dx_make_indexed`]): a one-block directory that
//!   fills becomes a root and one leaf, as Linux does.
//! - Removal needs nothing here: the entry leaves its leaf, and leaves
//!   stay (as in Linux).
//! - Lookups go through the in-memory name index (`dirindex.rs`) when the
//!   directory has one (a hash probe in memory; an absent name reads no
//!   block): inserts and splits here keep it in step.
//!
//! Every index block is checked as it is read (the root's `.`/`..`
//! layout, hash version, info length, levels, every limit and count,
//! hashes in order, block numbers inside the directory and not already on
//! the path). A damaged index is reported as [`BadIndex`] so the caller
//! can fall back to reading the directory linearly, as Linux does.

use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{le16, le32, put_le16, put_le32};
use crate::device::BlockDevice;
use crate::dir::{self, RawEntry};
use crate::fs::Ext2;
use crate::inode::{Inode, InodeNo, flags};
use crate::superblock::{compat, incompat};
use crate::{Corrupt, Error};

/// Where the root's `dx_root_info` starts.
const ROOT_INFO: usize = 24;
/// Where the root's index entries start.
const ROOT_ENTRIES: usize = 32;
/// Where a node's index entries start (after its empty entry's header).
const NODE_ENTRIES: usize = 8;
/// `dx_root_info.info_length`.
const INFO_LENGTH: u8 = 8;
/// `s_flags` bit: names are hashed as unsigned chars.
const FLAGS_UNSIGNED_HASH: u32 = 0x2;
/// Offsets of the superblock's hash seed and default hash version.
const SB_HASH_SEED: usize = 0xEC;
const SB_DEF_HASH_VERSION: usize = 0xFC;
const SB_FLAGS: usize = 0x160;

/// Why an index is unusable: the directory is read linearly instead.
pub(crate) type BadIndex = &'static str;

/// The hash versions of `dx_root_info.hash_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HashVersion {
    Legacy,
    HalfMd4,
    Tea,
}

impl HashVersion {
    fn from_disk(v: u8) -> Option<HashVersion> {
        match v {
            0 => Some(HashVersion::Legacy),
            1 => Some(HashVersion::HalfMd4),
            2 => Some(HashVersion::Tea),
            _ => None,
        }
    }

    fn to_disk(self) -> u8 {
        self as u8
    }
}

/// The hash of one file system's indexed directories of one version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DxHash {
    pub version: HashVersion,
    pub unsigned: bool,
    pub seed: [u32; 4],
}

/// The bytes of `msg` packed into `num` words as the kernel's
/// `str2hashbuf` does (padded with the length).
fn hash_words(msg: &[u8], unsigned: bool, num: usize) -> [u32; 8] {
    let len = msg.len() as u32;
    let mut pad = len | (len << 8);
    pad |= pad << 16;
    let mut out = [pad; 8];
    let mut val = pad;
    let mut k = 0;
    for (i, &c) in msg.iter().take(num * 4).enumerate() {
        let c = if unsigned { c as u32 } else { c as i8 as i32 as u32 };
        val = c.wrapping_add(val << 8);
        if i % 4 == 3 {
            out[k] = val;
            k += 1;
            val = pad;
        }
    }
    if k < num {
        out[k] = val;
    }
    out
}

fn tea_transform(buf: &mut [u32; 4], input: &[u32; 8]) {
    let (mut sum, mut b0, mut b1) = (0u32, buf[0], buf[1]);
    let (a, b, c, d) = (input[0], input[1], input[2], input[3]);
    for _ in 0..16 {
        sum = sum.wrapping_add(0x9E37_79B9);
        b0 = b0.wrapping_add(((b1 << 4).wrapping_add(a)) ^ b1.wrapping_add(sum) ^ ((b1 >> 5).wrapping_add(b)));
        b1 = b1.wrapping_add(((b0 << 4).wrapping_add(c)) ^ b0.wrapping_add(sum) ^ ((b0 >> 5).wrapping_add(d)));
    }
    buf[0] = buf[0].wrapping_add(b0);
    buf[1] = buf[1].wrapping_add(b1);
}

/// MD4's three rounds cut down to eight steps each, as ext3's hash.
fn half_md4_transform(buf: &mut [u32; 4], x: &[u32; 8]) {
    fn f(x: u32, y: u32, z: u32) -> u32 {
        z ^ (x & (y ^ z))
    }
    fn g(x: u32, y: u32, z: u32) -> u32 {
        (x & y).wrapping_add((x ^ y) & z)
    }
    fn h(x: u32, y: u32, z: u32) -> u32 {
        x ^ y ^ z
    }
    type Round = (fn(u32, u32, u32) -> u32, [usize; 8], [u32; 4], u32);
    // Per round: its function, the order the words are taken in, the
    // rotations of its four steps, and its constant.
    const ROUNDS: [Round; 3] = [
        (f, [0, 1, 2, 3, 4, 5, 6, 7], [3, 7, 11, 19], 0),
        (g, [1, 3, 5, 7, 0, 2, 4, 6], [3, 5, 9, 13], 0o13240474631),
        (h, [3, 7, 2, 6, 1, 5, 0, 4], [3, 9, 11, 15], 0o15666365641),
    ];
    let [mut a, mut b, mut c, mut d] = *buf;
    for (fun, order, s, k) in ROUNDS {
        for half in [0, 4] {
            let w = |i: usize| x[order[half + i]].wrapping_add(k);
            a = a.wrapping_add(fun(b, c, d)).wrapping_add(w(0)).rotate_left(s[0]);
            d = d.wrapping_add(fun(a, b, c)).wrapping_add(w(1)).rotate_left(s[1]);
            c = c.wrapping_add(fun(d, a, b)).wrapping_add(w(2)).rotate_left(s[2]);
            b = b.wrapping_add(fun(c, d, a)).wrapping_add(w(3)).rotate_left(s[3]);
        }
    }
    buf[0] = buf[0].wrapping_add(a);
    buf[1] = buf[1].wrapping_add(b);
    buf[2] = buf[2].wrapping_add(c);
    buf[3] = buf[3].wrapping_add(d);
}

fn legacy_hash(name: &[u8], unsigned: bool) -> u32 {
    let (mut h0, mut h1) = (0x12a3_fe2du32, 0x37ab_e8f9u32);
    for &c in name {
        let c = if unsigned { c as u32 } else { c as i8 as i32 as u32 };
        let mut h = h1.wrapping_add(h0 ^ c.wrapping_mul(7_152_373));
        if h & 0x8000_0000 != 0 {
            h = h.wrapping_sub(0x7fff_ffff);
        }
        h1 = h0;
        h0 = h;
    }
    h0 << 1
}

impl DxHash {
    /// The major hash of `name` (low bit clear, never the end marker).
    pub fn of(&self, name: &[u8]) -> u32 {
        let mut buf =
            if self.seed == [0; 4] { [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476] } else { self.seed };
        let hash = match self.version {
            HashVersion::Legacy => legacy_hash(name, self.unsigned),
            HashVersion::HalfMd4 => {
                for chunk in 0..name.len().div_ceil(32) {
                    half_md4_transform(&mut buf, &hash_words(&name[chunk * 32..], self.unsigned, 8));
                }
                buf[1]
            }
            HashVersion::Tea => {
                for chunk in 0..name.len().div_ceil(16) {
                    tea_transform(&mut buf, &hash_words(&name[chunk * 16..], self.unsigned, 4));
                }
                buf[0]
            }
        };
        let hash = hash & !1;
        if hash == 0xffff_fffe { 0xffff_fffc } else { hash }
    }
}

/// The entry array of an index block: limit and count in the first slot,
/// then (hash, block) pairs; slot 0's block takes every hash below slot
/// 1's.
struct Entries;

impl Entries {
    fn limit(b: &[u8], base: usize) -> usize {
        le16(b, base) as usize
    }
    fn count(b: &[u8], base: usize) -> usize {
        le16(b, base + 2) as usize
    }
    fn set_count(b: &mut [u8], base: usize, n: usize) {
        put_le16(b, base + 2, n as u16);
    }
    fn hash(b: &[u8], base: usize, i: usize) -> u32 {
        if i == 0 { 0 } else { le32(b, base + 8 * i) }
    }
    fn block(b: &[u8], base: usize, i: usize) -> u64 {
        le32(b, base + 8 * i + 4) as u64
    }
    /// Puts (hash, block) after slot `at` (the array has room).
    fn insert_after(b: &mut [u8], base: usize, at: usize, hash: u32, block: u64) {
        let count = Entries::count(b, base);
        let from = base + 8 * (at + 1);
        b.copy_within(from..base + 8 * count, from + 8);
        put_le32(b, from, hash);
        put_le32(b, from + 4, block as u32);
        Entries::set_count(b, base, count + 1);
    }
}

/// One index block on the way from the root to a leaf.
struct Frame {
    phys: u64,
    block: Vec<u8>,
    base: usize,
    /// The slot followed.
    at: usize,
}

impl Frame {
    fn count(&self) -> usize {
        Entries::count(&self.block, self.base)
    }
    fn full(&self) -> bool {
        self.count() >= Entries::limit(&self.block, self.base)
    }
}

/// The way from the root to the leaf a hash falls in.
pub(crate) struct DxPath {
    frames: Vec<Frame>,
    /// The leaf's logical block.
    pub leaf: u64,
    /// The hash looked for.
    pub hash: u32,
    pub alg: DxHash,
}

/// Entries of the array at `base` of an index block: `None` unless the
/// limit is what the block holds, the count is within it and the hashes
/// are in order.
fn check_entries(b: &[u8], base: usize, blocks: u64) -> Result<(), BadIndex> {
    if Entries::limit(b, base) != (b.len() - base) / 8 {
        return Err("htree index limit does not fit its block");
    }
    let count = Entries::count(b, base);
    if count == 0 {
        return Err("htree index block with no entries");
    }
    if count > Entries::limit(b, base) {
        return Err("htree index count above its limit");
    }
    if (2..count).any(|i| Entries::hash(b, base, i) < Entries::hash(b, base, i - 1)) {
        return Err("htree index hashes out of order");
    }
    if (0..count).any(|i| Entries::block(b, base, i) == 0 || Entries::block(b, base, i) >= blocks) {
        return Err("htree index points outside the directory");
    }
    Ok(())
}

/// The length a directory entry's `rec_len` field gives (65536-byte
/// blocks store their whole length as 0 or 65535).
fn rec_len(b: &[u8], off: usize) -> usize {
    match le16(b, off + 4) as usize {
        0 | 65535 if b.len() == 65536 => 65536,
        n => n,
    }
}

/// A directory entry as moved between blocks: inode, name, type code.
type Named = (u32, Vec<u8>, u8);

/// Writes `entries` one after another from the
/// start of `block`, the last spanning to its end; an empty list leaves
/// one unused entry over the whole block.
fn pack(block: &mut [u8], entries: &[Named]) {
    let bs = block.len();
    block.fill(0);
    if entries.is_empty() {
        dir::write_entry(block, 0, bs, 0, b"", 0);
        return;
    }
    let mut off = 0;
    for (i, (ino, name, code)) in entries.iter().enumerate() {
        let len = if i + 1 == entries.len() { bs - off } else { dir::entry_size(name.len()) };
        dir::write_entry(block, off, len, *ino, name, *code);
        off += len;
    }
}

fn used_entries(block: &[u8], entries: &[RawEntry]) -> Vec<Named> {
    entries.iter().filter(|e| e.ino != 0).map(|e| (e.ino, e.name(block).to_vec(), e.file_type)).collect()
}

impl<D: BlockDevice> Ext2<D> {
    /// Whether directory `inode` is read and kept through its htree.
    pub(crate) fn is_dx(&self, inode: &Inode) -> bool {
        self.sb.compat & compat::DIR_INDEX != 0
            && inode.flags() & flags::INDEX != 0
            && inode.size() >= 2 * self.bs as u64
    }

    /// Index levels below the root the format allows.
    fn max_levels(&self) -> u8 {
        if self.sb.incompat & incompat::LARGEDIR != 0 { 2 } else { 1 }
    }

    fn dx_hash(&self, version: HashVersion) -> DxHash {
        let raw = &self.sb.raw;
        DxHash {
            version,
            unsigned: le32(raw, SB_FLAGS) & FLAGS_UNSIGNED_HASH != 0,
            seed: [0, 1, 2, 3].map(|i| le32(raw, SB_HASH_SEED + 4 * i)),
        }
    }

    /// Reads index node `l` of `dir` (of `blocks` blocks).
    fn dx_node(&mut self, dir: InodeNo, inode: &Inode, l: u64, blocks: u64) -> Result<Result<Frame, BadIndex>, Error> {
        let phys =
            self.map_block(dir, inode, l)?.ok_or(Error::Corrupt(Corrupt::Directory(dir, "hole in a directory")))?;
        let block = self.read_block(phys)?;
        if le32(&block, 0) != 0 || rec_len(&block, 0) != self.bs || block[6] != 0 {
            return Ok(Err("htree index node is not an empty entry"));
        }
        if let Err(why) = check_entries(&block, NODE_ENTRIES, blocks) {
            return Ok(Err(why));
        }
        Ok(Ok(Frame { phys, block, base: NODE_ENTRIES, at: 0 }))
    }

    /// The way through `dir`'s index to the leaf where `name` belongs.
    pub(crate) fn dx_probe(
        &mut self,
        dir: InodeNo,
        inode: &Inode,
        name: &[u8],
    ) -> Result<Result<DxPath, BadIndex>, Error> {
        let bs = self.bs;
        let blocks = inode.size() / bs as u64;
        let phys =
            self.map_block(dir, inode, 0)?.ok_or(Error::Corrupt(Corrupt::Directory(dir, "hole in a directory")))?;
        let root = self.read_block(phys)?;
        if le32(&root, 0) == 0 || rec_len(&root, 0) != 12 || root[6] != 1 || root[8] != b'.' {
            return Ok(Err("htree root does not start with `.`"));
        }
        if rec_len(&root, 12) != bs - 12 || root[18] != 2 || &root[20..22] != b".." {
            return Ok(Err("htree root's `..` does not span the block"));
        }
        let Some(version) = HashVersion::from_disk(root[ROOT_INFO + 4]) else {
            return Ok(Err("htree root has an unknown hash version"));
        };
        if root[ROOT_INFO + 5] != INFO_LENGTH {
            return Ok(Err("htree root info length"));
        }
        if root[ROOT_INFO + 7] & 1 != 0 {
            return Ok(Err("htree root has unknown flags"));
        }
        let levels = root[ROOT_INFO + 6];
        if levels > self.max_levels() {
            return Ok(Err("htree has too many index levels"));
        }
        if let Err(why) = check_entries(&root, ROOT_ENTRIES, blocks) {
            return Ok(Err(why));
        }
        let alg = self.dx_hash(version);
        let hash = alg.of(name);
        let mut frames = Vec::with_capacity(levels as usize + 1);
        let mut frame = Frame { phys, block: root, base: ROOT_ENTRIES, at: 0 };
        let mut on_path = vec![0u64];
        loop {
            let (b, base) = (&frame.block, frame.base);
            // The last slot whose hash is at most `hash` (slot 0 takes all
            // below slot 1's).
            let (mut lo, mut hi) = (1, frame.count());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if Entries::hash(b, base, mid) <= hash { lo = mid + 1 } else { hi = mid }
            }
            frame.at = lo - 1;
            let next = Entries::block(b, base, frame.at);
            if on_path.contains(&next) {
                return Ok(Err("htree index loops back on itself"));
            }
            frames.push(frame);
            if frames.len() > levels as usize {
                return Ok(Ok(DxPath { frames, leaf: next, hash, alg }));
            }
            frame = match self.dx_node(dir, inode, next, blocks)? {
                Ok(f) => f,
                Err(why) => return Ok(Err(why)),
            };
            on_path.push(next);
        }
    }

    /// Moves `path` to the next leaf if it continues the run of `path.hash`
    /// (its index entry's hash is the same but for the low bit).
    fn dx_next_leaf(
        &mut self,
        dir: InodeNo,
        inode: &Inode,
        path: &mut DxPath,
    ) -> Result<Result<bool, BadIndex>, Error> {
        let blocks = inode.size() / self.bs as u64;
        let mut d = path.frames.len() - 1;
        loop {
            let f = &mut path.frames[d];
            if f.at + 1 < f.count() {
                f.at += 1;
                break;
            }
            if d == 0 {
                return Ok(Ok(false));
            }
            d -= 1;
        }
        let f = &path.frames[d];
        if Entries::hash(&f.block, f.base, f.at) & !1 != path.hash {
            return Ok(Ok(false));
        }
        for k in d + 1..path.frames.len() {
            let up = &path.frames[k - 1];
            let l = Entries::block(&up.block, up.base, up.at);
            path.frames[k] = match self.dx_node(dir, inode, l, blocks)? {
                Ok(f) => f,
                Err(why) => return Ok(Err(why)),
            };
        }
        let f = &path.frames[path.frames.len() - 1];
        path.leaf = Entries::block(&f.block, f.base, f.at);
        Ok(Ok(true))
    }

    /// The leaves of `dir` that may hold `name`, in order.
    pub(crate) fn dx_leaves(
        &mut self,
        dir: InodeNo,
        inode: &Inode,
        name: &[u8],
    ) -> Result<Result<Vec<u64>, BadIndex>, Error> {
        let mut path = match self.dx_probe(dir, inode, name)? {
            Ok(p) => p,
            Err(why) => return Ok(Err(why)),
        };
        let mut leaves = vec![path.leaf];
        loop {
            match self.dx_next_leaf(dir, inode, &mut path)? {
                Ok(true) => leaves.push(path.leaf),
                Ok(false) => return Ok(Ok(leaves)),
                Err(why) => return Ok(Err(why)),
            }
        }
    }

    /// `NoSpace` unless `blocks` new directory blocks (with the indirect
    /// blocks they may need) can be allocated, so a split or a new index
    /// never stops half-way.
    fn dx_reserve(&self, blocks: u64) -> Result<(), Error> {
        if self.allocatable_blocks() < blocks + 3 { Err(Error::NoSpace) } else { Ok(()) }
    }

    /// Appends a block to directory `dir`; its logical and device numbers
    /// (its content is the caller's to write).
    fn dx_append(&mut self, dir: InodeNo, dinode: &mut Inode) -> Result<(u64, u64), Error> {
        let l = dinode.size() / self.bs as u64;
        let (phys, _) = self.map_alloc(dir, dinode, l)?;
        dinode.set_size((l + 1) * self.bs as u64);
        Ok((l, phys))
    }

    /// Makes room in `path.frames[d]` for one more entry, splitting it into
    /// its parent (or growing the tree a level if it is the root); returns
    /// where that frame now is on the path.
    fn dx_make_room(&mut self, dir: InodeNo, dinode: &mut Inode, path: &mut DxPath, d: usize) -> Result<usize, Error> {
        if !path.frames[d].full() {
            return Ok(d);
        }
        let bs = self.bs;
        let node_limit = (bs - NODE_ENTRIES) / 8;
        if d == 0 {
            // The root is full: its entries move to a new node, the root
            // points at that node alone, one level more.
            let root = &path.frames[0];
            if root.block[ROOT_INFO + 6] >= self.max_levels() {
                return Err(Error::NoSpace);
            }
            let (l, phys) = self.dx_append(dir, dinode)?;
            let root = &mut path.frames[0];
            let count = root.count();
            let mut node = vec![0; bs];
            dir::write_entry(&mut node, 0, bs, 0, b"", 0);
            node[NODE_ENTRIES..NODE_ENTRIES + 8 * count]
                .copy_from_slice(&root.block[ROOT_ENTRIES..ROOT_ENTRIES + 8 * count]);
            put_le16(&mut node, NODE_ENTRIES, node_limit as u16);
            Entries::set_count(&mut root.block, ROOT_ENTRIES, 1);
            put_le32(&mut root.block, ROOT_ENTRIES + 4, l as u32);
            root.block[ROOT_INFO + 6] += 1;
            let at = root.at;
            root.at = 0;
            path.frames.insert(1, Frame { phys, block: node, base: NODE_ENTRIES, at });
            return Ok(1);
        }
        let p = self.dx_make_room(dir, dinode, path, d - 1)?;
        let d = p + 1;
        // Split node `d`: its upper half goes to a new node entered in the
        // parent after it.
        let (l, phys) = self.dx_append(dir, dinode)?;
        let f = &mut path.frames[d];
        let count = f.count();
        let half = count / 2;
        let hash2 = Entries::hash(&f.block, f.base, half);
        let mut node = vec![0; bs];
        dir::write_entry(&mut node, 0, bs, 0, b"", 0);
        node[NODE_ENTRIES..NODE_ENTRIES + 8 * (count - half)]
            .copy_from_slice(&f.block[f.base + 8 * half..f.base + 8 * count]);
        put_le16(&mut node, NODE_ENTRIES, node_limit as u16);
        Entries::set_count(&mut node, NODE_ENTRIES, count - half);
        Entries::set_count(&mut f.block, f.base, half);
        let parent = &mut path.frames[p];
        Entries::insert_after(&mut parent.block, parent.base, parent.at, hash2, l);
        let f = &mut path.frames[d];
        if f.at >= half {
            let old = core::mem::replace(f, Frame { phys, block: node, base: NODE_ENTRIES, at: f.at - half });
            self.write_meta(old.phys, old.block);
            path.frames[p].at += 1;
        } else {
            self.write_meta(phys, node);
        }
        Ok(d)
    }

    /// Adds `name` → `ino` to indexed directory `dir` through its tree.
    pub(crate) fn dx_add(
        &mut self,
        dir: InodeNo,
        dinode: &mut Inode,
        name: &[u8],
        ino: InodeNo,
        code: u8,
    ) -> Result<Result<(), BadIndex>, Error> {
        // A split leaves both halves with room for any name but in a
        // pathological run of long names; then the next half splits.
        for _ in 0..4 {
            let mut path = match self.dx_probe(dir, dinode, name)? {
                Ok(p) => p,
                Err(why) => return Ok(Err(why)),
            };
            let (phys, mut block, entries) = self.dx_leaf(dir, dinode, path.leaf)?;
            if dir::insert(&mut block, &entries, ino.0, name, code).is_some() {
                self.write_meta(phys, block);
                self.dx_indexed(dir, dinode, name, path.leaf);
                return Ok(Ok(()));
            }
            self.dx_split(dir, dinode, &mut path, phys, &block, &entries)?;
            let (phys, mut block, entries) = self.dx_leaf(dir, dinode, path.leaf)?;
            if dir::insert(&mut block, &entries, ino.0, name, code).is_some() {
                self.write_meta(phys, block);
                self.dx_indexed(dir, dinode, name, path.leaf);
                return Ok(Ok(()));
            }
        }
        Err(Error::NoSpace)
    }

    /// Keeps the in-memory name index of `dir` (if it has one: it serves
    /// lookups) in step: `name` went into leaf `l`.
    fn dx_indexed(&mut self, dir: InodeNo, dinode: &Inode, name: &[u8], l: u64) {
        let blocks = dinode.size() / self.bs as u64;
        if let Some(index) = self.dir_indexes.get(dir, blocks) {
            // (Room is what linear inserts choose by; a tree does not.)
            index.inserted(name, l, 0);
            self.dir_indexes.grew(dir);
        }
    }

    /// Leaf `l` of `dir` with its entries.
    pub(crate) fn dx_leaf(
        &mut self,
        dir: InodeNo,
        inode: &Inode,
        l: u64,
    ) -> Result<(u64, Vec<u8>, Vec<RawEntry>), Error> {
        let phys =
            self.map_block(dir, inode, l)?.ok_or(Error::Corrupt(Corrupt::Directory(dir, "hole in a directory")))?;
        let block = self.read_block(phys)?;
        let entries = dir::parse(&block, dir, self.sb.inodes_count, self.sb.incompat & incompat::FILETYPE != 0)?;
        Ok((phys, block, entries))
    }

    /// Splits full leaf `path.leaf` (at `phys`): its entries sorted by
    /// hash, the upper half by size moves to a new leaf entered in the
    /// index; `path.leaf` becomes the half where `path.hash` belongs.
    fn dx_split(
        &mut self,
        dir: InodeNo,
        dinode: &mut Inode,
        path: &mut DxPath,
        phys: u64,
        block: &[u8],
        entries: &[RawEntry],
    ) -> Result<(), Error> {
        let mut used: Vec<(u32, Named)> =
            used_entries(block, entries).into_iter().map(|e| (path.alg.of(&e.1), e)).collect();
        if used.len() < 2 {
            return Err(Error::Corrupt(Corrupt::Directory(dir, "full htree leaf with under two entries")));
        }
        used.sort_by_key(|(h, _)| *h);
        let total: usize = used.iter().map(|(_, e)| dir::entry_size(e.1.len())).sum();
        let mut split = 1;
        let mut lower = dir::entry_size(used[0].1.1.len());
        while split + 1 < used.len() && lower + dir::entry_size(used[split].1.1.len()) <= total / 2 {
            lower += dir::entry_size(used[split].1.1.len());
            split += 1;
        }
        let hash2 = used[split].0;
        let continued = u32::from(used[split - 1].0 == hash2);
        let blocks_before = dinode.size() / self.bs as u64;
        // A new node per index level at most, the leaf, and the indirect
        // blocks mapping them: all there before anything changes.
        self.dx_reserve(path.frames.len() as u64 + 1)?;
        let d = path.frames.len() - 1;
        let d = self.dx_make_room(dir, dinode, path, d)?;
        let (l, new_phys) = self.dx_append(dir, dinode)?;
        let (low, high): (Vec<_>, Vec<_>) = used.into_iter().enumerate().partition(|(i, _)| *i < split);
        let low: Vec<Named> = low.into_iter().map(|(_, (_, e))| e).collect();
        let high: Vec<Named> = high.into_iter().map(|(_, (_, e))| e).collect();
        if let Some(index) = self.dir_indexes.get(dir, blocks_before) {
            index.grow(dinode.size() / self.bs as u64);
            for (_, name, _) in &high {
                index.moved(name, path.leaf, l);
            }
        }
        let mut a = vec![0; self.bs];
        let mut b = vec![0; self.bs];
        pack(&mut a, &low);
        pack(&mut b, &high);
        self.write_meta(phys, a);
        self.write_meta(new_phys, b);
        let f = &mut path.frames[d];
        Entries::insert_after(&mut f.block, f.base, f.at, hash2 | continued, l);
        if path.hash >= hash2 {
            f.at += 1;
            path.leaf = l;
        }
        for f in &path.frames {
            self.write_meta(f.phys, f.block.clone());
        }
        Ok(())
    }

    /// Turns one-block directory `dir`, full, into an indexed one: block 0
    /// becomes the root and its entries move to a new leaf, block 1.
    /// `false` (nothing changed) when the file system has no `dir_index`,
    /// its default hash is unknown here, or block 0 does not start with
    /// `.` and `..` as the root needs.
    pub(crate) fn dx_make_indexed(&mut self, dir: InodeNo, dinode: &mut Inode) -> Result<bool, Error> {
        let bs = self.bs;
        let Some(version) = HashVersion::from_disk(self.sb.raw[SB_DEF_HASH_VERSION]) else {
            return Ok(false);
        };
        if self.sb.compat & compat::DIR_INDEX == 0 || dinode.size() != bs as u64 {
            return Ok(false);
        }
        let (phys, block, entries) = self.dx_leaf(dir, dinode, 0)?;
        let (Some(dot), Some(dotdot)) = (entries.first(), entries.get(1)) else {
            return Ok(false);
        };
        if dot.off != 0 || dot.name(&block) != b"." || dotdot.off != 12 || dotdot.name(&block) != b".." {
            return Ok(false);
        }
        // The leaf, and the split that follows.
        self.dx_reserve(4)?;
        let (l, leaf_phys) = self.dx_append(dir, dinode)?;
        let mut leaf = vec![0; bs];
        pack(&mut leaf, &used_entries(&block, &entries[2..]));
        let mut root = vec![0; bs];
        dir::write_entry(&mut root, 0, 12, dot.ino, b".", dot.file_type);
        dir::write_entry(&mut root, 12, bs - 12, dotdot.ino, b"..", dotdot.file_type);
        root[ROOT_INFO + 4] = version.to_disk();
        root[ROOT_INFO + 5] = INFO_LENGTH;
        put_le16(&mut root, ROOT_ENTRIES, ((bs - ROOT_ENTRIES) / 8) as u16);
        Entries::set_count(&mut root, ROOT_ENTRIES, 1);
        put_le32(&mut root, ROOT_ENTRIES + 4, l as u32);
        self.write_meta(phys, root);
        self.write_meta(leaf_phys, leaf);
        dinode.set_flags(dinode.flags() | flags::INDEX);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_pad_with_the_length() {
        let w = hash_words(b"abcdef", true, 4);
        assert_eq!(w[0], 0x6162_6364);
        assert_eq!(w[1], 0x0606_6566);
        assert_eq!(&w[2..4], &[0x0606_0606, 0x0606_0606]);
    }
}
