//! Namespace and metadata operations: lookup and path resolution,
//! listing, creating every file type, hard and symbolic links, unlink,
//! rmdir, rename (POSIX rules), and `stat`/`chmod`/`chown`/`utimes`.

use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{le32, put_le32};
use crate::device::BlockDevice;
use crate::dir::{self, RawEntry};
use crate::dirindex::{self, DirIndex};
use crate::fs::Ext2;
use crate::inode::{FileType, Inode, InodeNo, ROOT, TimeField, Timestamp, flags};
use crate::superblock::incompat;
use crate::{Corrupt, Error, MAX_NAME, MAX_SYMLINK_HOPS};

/// Who owns a new inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// User ID.
    pub uid: u32,
    /// Group ID.
    pub gid: u32,
}

/// What [`Ext2::mknod`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// An empty regular file.
    Regular,
    /// A named pipe.
    Fifo,
    /// A Unix socket's name.
    Socket,
    /// A character device (major, minor).
    CharDevice(u32, u32),
    /// A block device (major, minor).
    BlockDevice(u32, u32),
}

impl NodeKind {
    fn file_type(self) -> FileType {
        match self {
            NodeKind::Regular => FileType::Regular,
            NodeKind::Fifo => FileType::Fifo,
            NodeKind::Socket => FileType::Socket,
            NodeKind::CharDevice(..) => FileType::CharDevice,
            NodeKind::BlockDevice(..) => FileType::BlockDevice,
        }
    }
}

/// What `stat` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The inode number.
    pub ino: InodeNo,
    /// What it is.
    pub file_type: FileType,
    /// Permission bits with set-user-ID, set-group-ID and sticky
    /// (`0o7777`).
    pub perm: u16,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Hard links (a directory: 2 + its subdirectories).
    pub links: u16,
    /// Space used, in 512-byte sectors.
    pub sectors: u64,
    /// Last access.
    pub atime: Timestamp,
    /// Last modification of the contents.
    pub mtime: Timestamp,
    /// Last change of the inode.
    pub ctime: Timestamp,
    /// Device number (major, minor) of device inodes.
    pub rdev: (u32, u32),
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The inode named.
    pub ino: InodeNo,
    /// The name (bytes, no `/` or NUL).
    pub name: Vec<u8>,
    /// From the entry (`filetype` feature) or the inode.
    pub file_type: FileType,
}

/// A located directory entry.
struct Found {
    /// The directory, its size in blocks and the entry's logical block.
    dir: InodeNo,
    blocks: u64,
    l: u64,
    phys: u64,
    block: Vec<u8>,
    entries: Vec<RawEntry>,
    index: usize,
}

impl Found {
    fn ino(&self) -> InodeNo {
        InodeNo(self.entries[self.index].ino)
    }
}

/// Largest directory, in blocks (bounds every walk over a directory).
const MAX_DIR_BLOCKS: u64 = 1 << 22;
const EA_MAGIC: u32 = 0xEA02_0000;
const FAST_SYMLINK_MAX: usize = 59;

fn check_name(name: &[u8]) -> Result<(), Error> {
    if name.len() > MAX_NAME {
        return Err(Error::NameTooLong);
    }
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0) {
        return Err(Error::Invalid);
    }
    Ok(())
}

impl<D: BlockDevice> Ext2<D> {
    /// Reads inode `ino` and checks that it is in use with a known type.
    pub(crate) fn get(&mut self, ino: InodeNo) -> Result<Inode, Error> {
        let inode = self.read_inode(ino)?;
        if inode.file_type().is_none() {
            return Err(Error::Corrupt(Corrupt::Inode(ino, "unknown file type")));
        }
        if inode.links() == 0 && !self.is_orphan(ino) {
            return Err(Error::Corrupt(Corrupt::Inode(ino, "in use with no links")));
        }
        if inode.file_type() == Some(FileType::Directory)
            && (inode.size() % self.bs as u64 != 0
                || inode.size() / self.bs as u64 > self.sb.blocks_count.min(MAX_DIR_BLOCKS))
        {
            return Err(Error::Corrupt(Corrupt::Inode(ino, "directory size")));
        }
        Ok(inode)
    }

    fn get_dir(&mut self, ino: InodeNo) -> Result<Inode, Error> {
        let inode = self.get(ino)?;
        if inode.file_type() != Some(FileType::Directory) {
            return Err(Error::NotDir);
        }
        Ok(inode)
    }

    fn filetype(&self) -> bool {
        self.sb.incompat & incompat::FILETYPE != 0
    }

    /// The device block holding block `l` of directory `dir`.
    fn dir_phys(&mut self, dir: InodeNo, inode: &Inode, l: u64) -> Result<u64, Error> {
        self.map_block(dir, inode, l)?.ok_or(Error::Corrupt(Corrupt::Directory(dir, "hole in a directory")))
    }

    /// Block `l` of directory `dir` with its entries.
    fn dir_block(&mut self, dir: InodeNo, inode: &Inode, l: u64) -> Result<(u64, Vec<u8>, Vec<RawEntry>), Error> {
        let phys = self.dir_phys(dir, inode, l)?;
        let block = self.read_block(phys)?;
        let entries = dir::parse(&block, dir, self.sb.inodes_count, self.filetype())?;
        Ok((phys, block, entries))
    }

    /// Whether directory `dir` has a name index (built here if the
    /// directory is large enough for one).
    fn ensure_index(&mut self, dir: InodeNo, inode: &Inode) -> Result<bool, Error> {
        let blocks = inode.size() / self.bs as u64;
        if self.dir_indexes.get(dir, blocks).is_some() {
            return Ok(true);
        }
        if blocks < dirindex::MIN_BLOCKS {
            return Ok(false);
        }
        let mut index = DirIndex::new();
        for l in 0..blocks {
            let (_, block, entries) = self.dir_block(dir, inode, l)?;
            index.add_block(&block, &entries);
        }
        self.dir_indexes.insert(dir, index);
        Ok(self.dir_indexes.get(dir, blocks).is_some())
    }

    /// The logical blocks of `dir` to search for `name`: the leaves its
    /// htree names, or the in-memory index's candidates, or every block.
    fn blocks_to_search(&mut self, dir: InodeNo, inode: &Inode, name: &[u8]) -> Result<Vec<u64>, Error> {
        let blocks = inode.size() / self.bs as u64;
        if self.is_dx(inode) {
            if name == b"." || name == b".." {
                // Only in the root block, outside the tree.
                return Ok(vec![0]);
            }
            // The in-memory index when there is one (no block read for an
            // absent name), else the tree.
            if !(self.ensure_index(dir, inode)? && self.dir_indexes.get(dir, blocks).is_some()) {
                match self.dx_leaves(dir, inode, name)? {
                    Ok(leaves) => return Ok(leaves),
                    Err(why) => self.note_bad_index(dir, why),
                }
            }
        }
        if self.ensure_index(dir, inode)?
            && let Some(index) = self.dir_indexes.get(dir, blocks)
        {
            return Ok(index.candidates(name).collect());
        }
        Ok((0..blocks).collect())
    }

    fn find(&mut self, dir: InodeNo, inode: &Inode, name: &[u8]) -> Result<Option<Found>, Error> {
        let blocks = inode.size() / self.bs as u64;
        for l in self.blocks_to_search(dir, inode, name)? {
            let (phys, block, entries) = self.dir_block(dir, inode, l)?;
            if let Some(index) = entries.iter().position(|e| e.ino != 0 && e.name(&block) == name) {
                return Ok(Some(Found { dir, blocks, l, phys, block, entries, index }));
            }
        }
        Ok(None)
    }

    /// The inode named `name` in directory `dir`.
    pub fn lookup(&mut self, dir: InodeNo, name: &[u8]) -> Result<InodeNo, Error> {
        if name.len() > MAX_NAME {
            return Err(Error::NameTooLong);
        }
        let inode = self.get_dir(dir)?;
        let (inodes, filetype) = (self.sb.inodes_count, self.filetype());
        for l in self.blocks_to_search(dir, &inode, name)? {
            let phys = self.dir_phys(dir, &inode, l)?;
            // Searched where it stands: no copy of the block.
            if let Some(e) = self.with_block(phys, |block| dir::find(block, dir, inodes, filetype, name))?? {
                return Ok(InodeNo(e.ino));
            }
        }
        Err(Error::NotFound)
    }

    /// Resolves `path` from `base` (from the root if it starts with `/`),
    /// following symbolic links on the way and, if `follow`, at the end.
    pub fn resolve(&mut self, base: InodeNo, path: &[u8], follow: bool) -> Result<InodeNo, Error> {
        let mut hops = 0;
        self.walk(base, path, follow, &mut hops)
    }

    fn walk(&mut self, base: InodeNo, path: &[u8], follow: bool, hops: &mut usize) -> Result<InodeNo, Error> {
        let mut cur = if path.first() == Some(&b'/') { ROOT } else { base };
        let parts: Vec<&[u8]> = path.split(|&c| c == b'/').filter(|p| !p.is_empty() && *p != b".").collect();
        for (i, part) in parts.iter().enumerate() {
            let next = self.lookup(cur, part)?;
            let last = i + 1 == parts.len();
            let inode = self.get(next)?;
            if inode.file_type() == Some(FileType::Symlink) && (!last || follow) {
                *hops += 1;
                if *hops > MAX_SYMLINK_HOPS {
                    return Err(Error::Loop);
                }
                let target = self.readlink(next)?;
                cur = self.walk(cur, &target, true, hops)?;
            } else {
                cur = next;
            }
        }
        Ok(cur)
    }

    /// The entries of directory `dir` (with `.` and `..`).
    pub fn read_dir(&mut self, dir: InodeNo) -> Result<Vec<DirEntry>, Error> {
        let inode = self.get_dir(dir)?;
        let blocks = inode.size() / self.bs as u64;
        let mut out = Vec::new();
        for l in 0..blocks {
            let (_, block, entries) = self.dir_block(dir, &inode, l)?;
            for e in entries.iter().filter(|e| e.ino != 0) {
                let ino = InodeNo(e.ino);
                let file_type = match e.file_type {
                    1 => FileType::Regular,
                    2 => FileType::Directory,
                    3 => FileType::CharDevice,
                    4 => FileType::BlockDevice,
                    5 => FileType::Fifo,
                    6 => FileType::Socket,
                    7 => FileType::Symlink,
                    _ => self.get(ino)?.file_type().ok_or(Error::Corrupt(Corrupt::Inode(ino, "unknown file type")))?,
                };
                out.push(DirEntry { ino, name: e.name(&block).to_vec(), file_type });
            }
        }
        Ok(out)
    }

    /// `stat`.
    pub fn metadata(&mut self, ino: InodeNo) -> Result<Metadata, Error> {
        let inode = self.get(ino)?;
        let file_type = inode.file_type().ok_or(Error::Corrupt(Corrupt::Inode(ino, "unknown file type")))?;
        let rdev = match file_type {
            FileType::CharDevice | FileType::BlockDevice => {
                let old = inode.block(0);
                if old != 0 {
                    ((old >> 8) & 0xff, old & 0xff)
                } else {
                    let new = inode.block(1);
                    ((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
                }
            }
            _ => (0, 0),
        };
        let huge = self.sb.ro_compat & crate::superblock::ro_compat::HUGE_FILE != 0;
        let mut sectors = inode.blocks_raw(huge);
        if huge && inode.flags() & flags::HUGE_FILE != 0 {
            sectors *= self.bs as u64 / 512;
        }
        Ok(Metadata {
            ino,
            file_type,
            perm: inode.mode() & 0o7777,
            uid: inode.uid(),
            gid: inode.gid(),
            size: inode.size(),
            links: inode.links(),
            sectors,
            atime: inode.time(TimeField::Access),
            mtime: inode.time(TimeField::Modify),
            ctime: inode.time(TimeField::Change),
            rdev,
        })
    }

    fn is_fast_symlink(&self, inode: &Inode) -> bool {
        let ea = if inode.file_acl() != 0 { self.bs as u64 / 512 } else { 0 };
        inode.flags() & (flags::EXTENTS | flags::INLINE_DATA) == 0 && inode.blocks_raw(false) == ea
    }

    /// The target of symbolic link `ino`.
    pub fn readlink(&mut self, ino: InodeNo) -> Result<Vec<u8>, Error> {
        let inode = self.get(ino)?;
        if inode.file_type() != Some(FileType::Symlink) {
            return Err(Error::Invalid);
        }
        let size = inode.size() as usize;
        if size == 0 || size >= self.bs.max(60) {
            return Err(Error::Corrupt(Corrupt::Inode(ino, "symbolic link length")));
        }
        if self.is_fast_symlink(&inode) {
            if size >= 60 {
                return Err(Error::Corrupt(Corrupt::Inode(ino, "fast symbolic link length")));
            }
            return Ok(inode.block_area()[..size].to_vec());
        }
        self.read_small(ino, &inode)
    }

    /// A fresh inode of type `ft` in the inode table (not yet written).
    fn new_inode(
        &mut self,
        parent: InodeNo,
        ft: FileType,
        perm: u16,
        owner: Owner,
        now: Timestamp,
    ) -> Result<(InodeNo, Inode), Error> {
        let ino = self.alloc_inode(parent, ft == FileType::Directory)?;
        self.dir_indexes.forget(ino);
        let mut inode = Inode::new(self.sb.inode_size, self.sb.want_extra_isize());
        // Keep the generation number of the previous use, bumped.
        let old = self.read_inode(ino)?;
        put_le32(&mut inode.raw, 100, le32(&old.raw, 100).wrapping_add(1));
        inode.set_mode(ft.mode_bits() | (perm & 0o7777));
        inode.set_owner(owner.uid, owner.gid);
        inode.set_links(1);
        for f in [TimeField::Access, TimeField::Change, TimeField::Modify] {
            inode.set_time(f, now);
        }
        Ok((ino, inode))
    }

    /// Adds entry `name` → `ino` to directory `dir` (growing it by a block
    /// if no block has room).
    fn add_entry(
        &mut self,
        dir: InodeNo,
        dinode: &mut Inode,
        name: &[u8],
        ino: InodeNo,
        ft: FileType,
        now: Timestamp,
    ) -> Result<(), Error> {
        let code = if self.filetype() { ft.dirent_code() } else { 0 };
        if self.is_dx(dinode) {
            match self.dx_add(dir, dinode, name, ino, code)? {
                Ok(()) => {
                    Self::added(dinode, now);
                    return Ok(());
                }
                Err(why) => self.note_bad_index(dir, why),
            }
        }
        // Adding entries linearly breaks a hashed index: drop it.
        dinode.set_flags(dinode.flags() & !flags::INDEX);
        let blocks = dinode.size() / self.bs as u64;
        let need = dir::entry_size(name.len());
        // With an index, only the first block with room is tried.
        let tries: Vec<u64> = if self.ensure_index(dir, dinode)? {
            self.dir_indexes.get(dir, blocks).and_then(|i| i.block_with_room(need)).into_iter().collect()
        } else {
            (0..blocks).collect()
        };
        let mut placed = None;
        for l in tries {
            let (phys, mut block, entries) = self.dir_block(dir, dinode, l)?;
            if let Some(room) = dir::insert(&mut block, &entries, ino.0, name, code) {
                placed = Some((l, room));
                self.write_meta(phys, block);
                break;
            }
        }
        let (l, room) = match placed {
            Some(p) => p,
            None if blocks == 1 && self.dx_make_indexed(dir, dinode)? => {
                // A full one-block directory becomes indexed, as on Linux.
                self.dx_add(dir, dinode, name, ino, code)?
                    .map_err(|why| Error::Corrupt(Corrupt::Directory(dir, why)))?;
                Self::added(dinode, now);
                return Ok(());
            }
            None => {
                let (phys, _) = self.map_alloc(dir, dinode, blocks)?;
                let mut block = vec![0; self.bs];
                dir::write_entry(&mut block, 0, self.bs, ino.0, name, code);
                self.write_meta(phys, block);
                dinode.set_size((blocks + 1) * self.bs as u64);
                (blocks, self.bs - need)
            }
        };
        if let Some(index) = self.dir_indexes.get(dir, blocks) {
            index.inserted(name, l, room);
            self.dir_indexes.grew(dir);
        }
        Self::added(dinode, now);
        Ok(())
    }

    /// After an entry was added to `dir`: its times.
    fn added(dinode: &mut Inode, now: Timestamp) {
        dinode.set_time(TimeField::Modify, now);
        dinode.set_time(TimeField::Change, now);
    }

    /// Enters new inode `ino` (written already) in `dir` as `name`; if
    /// that fails (a full disk), frees the inode again, so nothing is left
    /// unattached.
    fn enter_new(
        &mut self,
        dir: InodeNo,
        dinode: &mut Inode,
        name: &[u8],
        ino: InodeNo,
        ft: FileType,
        now: Timestamp,
    ) -> Result<(), Error> {
        let Err(e) = self.add_entry(dir, dinode, name, ino, ft, now) else {
            return Ok(());
        };
        let inode = self.read_inode(ino)?;
        self.destroy(ino, inode, now)?;
        Err(e)
    }

    fn remove_found(&mut self, mut f: Found) {
        let name = f.entries[f.index].name(&f.block).to_vec();
        let room = dir::remove(&mut f.block, &f.entries, f.index);
        if let Some(index) = self.dir_indexes.get(f.dir, f.blocks) {
            index.removed(&name, f.l, room);
        }
        self.write_meta(f.phys, f.block);
    }

    fn check_new(&mut self, dir: InodeNo, name: &[u8]) -> Result<Inode, Error> {
        self.check_writable()?;
        check_name(name)?;
        let dinode = self.get_dir(dir)?;
        if dinode.links() == 0 {
            // A removed directory (still open): nothing can be added.
            return Err(Error::NotFound);
        }
        if self.find(dir, &dinode, name)?.is_some() {
            return Err(Error::Exists);
        }
        Ok(dinode)
    }

    /// Creates a regular file, device, FIFO or socket `name` in `dir`.
    pub fn mknod(
        &mut self,
        dir: InodeNo,
        name: &[u8],
        kind: NodeKind,
        perm: u16,
        owner: Owner,
        now: Timestamp,
    ) -> Result<InodeNo, Error> {
        let mut dinode = self.check_new(dir, name)?;
        let ft = kind.file_type();
        let (ino, mut inode) = self.new_inode(dir, ft, perm, owner, now)?;
        if let NodeKind::CharDevice(major, minor) | NodeKind::BlockDevice(major, minor) = kind {
            if major < 256 && minor < 256 {
                inode.set_block(0, major << 8 | minor);
            } else {
                inode.set_block(1, (minor & 0xff) | (major & 0xfff) << 8 | (minor & !0xff) << 12);
            }
        }
        self.write_inode(ino, &inode)?;
        self.enter_new(dir, &mut dinode, name, ino, ft, now)?;
        self.write_inode(dir, &dinode)?;
        self.end_op()?;
        Ok(ino)
    }

    /// Creates an empty regular file.
    pub fn create(
        &mut self,
        dir: InodeNo,
        name: &[u8],
        perm: u16,
        owner: Owner,
        now: Timestamp,
    ) -> Result<InodeNo, Error> {
        self.mknod(dir, name, NodeKind::Regular, perm, owner, now)
    }

    /// Creates directory `name` in `dir`.
    pub fn mkdir(
        &mut self,
        dir: InodeNo,
        name: &[u8],
        perm: u16,
        owner: Owner,
        now: Timestamp,
    ) -> Result<InodeNo, Error> {
        let mut dinode = self.check_new(dir, name)?;
        if dinode.links() >= crate::MAX_LINKS {
            return Err(Error::TooManyLinks);
        }
        let (ino, mut inode) = self.new_inode(dir, FileType::Directory, perm, owner, now)?;
        inode.set_links(2);
        let (phys, _) = self.map_alloc(ino, &mut inode, 0)?;
        let code = if self.filetype() { FileType::Directory.dirent_code() } else { 0 };
        let mut block = vec![0; self.bs];
        dir::write_entry(&mut block, 0, 12, ino.0, b".", code);
        dir::write_entry(&mut block, 12, self.bs - 12, dir.0, b"..", code);
        self.write_meta(phys, block);
        inode.set_size(self.bs as u64);
        self.write_inode(ino, &inode)?;
        self.enter_new(dir, &mut dinode, name, ino, FileType::Directory, now)?;
        Self::inc_links(&mut dinode)?;
        self.write_inode(dir, &dinode)?;
        self.end_op()?;
        Ok(ino)
    }

    /// Creates symbolic link `name` in `dir` pointing at `target` (in the
    /// inode when it is short, else in a block).
    pub fn symlink(
        &mut self,
        dir: InodeNo,
        name: &[u8],
        target: &[u8],
        owner: Owner,
        now: Timestamp,
    ) -> Result<InodeNo, Error> {
        if target.is_empty() || target.contains(&0) {
            return Err(Error::Invalid);
        }
        if target.len() >= self.bs {
            return Err(Error::NameTooLong);
        }
        let mut dinode = self.check_new(dir, name)?;
        let (ino, mut inode) = self.new_inode(dir, FileType::Symlink, 0o777, owner, now)?;
        if target.len() <= FAST_SYMLINK_MAX {
            inode.block_area_mut()[..target.len()].copy_from_slice(target);
        } else {
            let (phys, _) = self.map_alloc(ino, &mut inode, 0)?;
            let mut block = vec![0; self.bs];
            block[..target.len()].copy_from_slice(target);
            self.write_meta(phys, block);
        }
        inode.set_size(target.len() as u64);
        self.write_inode(ino, &inode)?;
        self.enter_new(dir, &mut dinode, name, ino, FileType::Symlink, now)?;
        self.write_inode(dir, &dinode)?;
        self.end_op()?;
        Ok(ino)
    }

    /// Adds name `name` in `dir` for existing inode `ino` (not a directory).
    pub fn link(&mut self, ino: InodeNo, dir: InodeNo, name: &[u8], now: Timestamp) -> Result<(), Error> {
        let mut dinode = self.check_new(dir, name)?;
        let mut inode = self.get(ino)?;
        if inode.file_type() == Some(FileType::Directory) {
            return Err(Error::NotPermitted);
        }
        if inode.links() == 0 {
            return Err(Error::NotFound);
        }
        Self::inc_links(&mut inode)?;
        inode.set_time(TimeField::Change, now);
        let ft = inode.file_type().unwrap_or(FileType::Regular);
        self.add_entry(dir, &mut dinode, name, ino, ft, now)?;
        self.write_inode(dir, &dinode)?;
        self.write_inode(ino, &inode)?;
        self.end_op()
    }

    /// Whether `inode`'s block map holds blocks (not device numbers or a
    /// fast symlink's target).
    fn has_block_map(&self, inode: &Inode) -> bool {
        match inode.file_type() {
            Some(FileType::Regular) | Some(FileType::Directory) => true,
            Some(FileType::Symlink) => !self.is_fast_symlink(inode),
            _ => false,
        }
    }

    /// Frees inode `ino` and everything it holds.
    pub(crate) fn destroy(&mut self, ino: InodeNo, mut inode: Inode, now: Timestamp) -> Result<(), Error> {
        if self.has_block_map(&inode) {
            self.free_blocks_from(ino, &mut inode, 0)?;
        }
        let ea = inode.file_acl();
        if ea != 0 {
            if !self.block_in_range(ea) {
                return Err(Error::Corrupt(Corrupt::Inode(ino, "attribute block out of range")));
            }
            let mut blk = self.read_block(ea)?;
            if le32(&blk, 0) != EA_MAGIC {
                return Err(Error::Corrupt(Corrupt::Inode(ino, "attribute block magic")));
            }
            let refs = le32(&blk, 4);
            if refs > 1 {
                put_le32(&mut blk, 4, refs - 1);
                self.write_meta(ea, blk);
            } else {
                self.free_block(ea)?;
            }
            put_le32(&mut inode.raw, 104, 0);
            inode.set_sectors(0);
        }
        let dir = inode.file_type() == Some(FileType::Directory);
        inode.set_links(0);
        inode.set_size(0);
        inode.set_dtime(now.secs.max(1) as u32);
        self.write_inode(ino, &inode)?;
        self.free_inode(ino, dir)
    }

    /// Drops one link of non-directory `ino`; at zero it is freed, or
    /// orphaned if it is held open.
    fn drop_link(&mut self, ino: InodeNo, now: Timestamp) -> Result<(), Error> {
        let mut inode = self.get(ino)?;
        inode.set_links(inode.links() - 1);
        inode.set_time(TimeField::Change, now);
        if inode.links() == 0 { self.drop_last(ino, inode, now) } else { self.write_inode(ino, &inode) }
    }

    /// Removes name `name` (not a directory) from `dir`.
    pub fn unlink(&mut self, dir: InodeNo, name: &[u8], now: Timestamp) -> Result<(), Error> {
        self.check_writable()?;
        let mut dinode = self.get_dir(dir)?;
        let f = self.find(dir, &dinode, name)?.ok_or(Error::NotFound)?;
        let ino = f.ino();
        if self.get(ino)?.file_type() == Some(FileType::Directory) {
            return Err(Error::IsDir);
        }
        self.remove_found(f);
        dinode.set_time(TimeField::Modify, now);
        dinode.set_time(TimeField::Change, now);
        self.write_inode(dir, &dinode)?;
        self.drop_link(ino, now)?;
        self.end_op()
    }

    fn dir_is_empty(&mut self, ino: InodeNo, inode: &Inode) -> Result<bool, Error> {
        let blocks = inode.size() / self.bs as u64;
        for l in 0..blocks {
            let (_, block, entries) = self.dir_block(ino, inode, l)?;
            if entries.iter().any(|e| e.ino != 0 && e.name(&block) != b"." && e.name(&block) != b"..") {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Removes empty directory `name` from `dir`.
    pub fn rmdir(&mut self, dir: InodeNo, name: &[u8], now: Timestamp) -> Result<(), Error> {
        self.check_writable()?;
        if name == b"." || name == b".." {
            return Err(Error::Invalid);
        }
        let mut dinode = self.get_dir(dir)?;
        let f = self.find(dir, &dinode, name)?.ok_or(Error::NotFound)?;
        let ino = f.ino();
        let inode = self.get_dir(ino)?;
        if !self.dir_is_empty(ino, &inode)? {
            return Err(Error::NotEmpty);
        }
        self.remove_found(f);
        dinode.set_links(dinode.links().saturating_sub(1).max(2));
        dinode.set_time(TimeField::Modify, now);
        dinode.set_time(TimeField::Change, now);
        self.write_inode(dir, &dinode)?;
        self.drop_last(ino, inode, now)?;
        self.end_op()
    }

    /// Whether `ancestor` is `dir` or one of its ancestors.
    fn is_ancestor(&mut self, ancestor: InodeNo, mut dir: InodeNo) -> Result<bool, Error> {
        for _ in 0..self.sb.inodes_count {
            if dir == ancestor {
                return Ok(true);
            }
            if dir == ROOT {
                return Ok(false);
            }
            dir = self.lookup(dir, b"..")?;
        }
        Err(Error::Corrupt(Corrupt::Directory(dir, "`..` chain loops")))
    }

    /// Moves `sname` in `sdir` to `dname` in `ddir`, replacing a file there
    /// (or an empty directory, if the source is a directory).
    pub fn rename(
        &mut self,
        sdir: InodeNo,
        sname: &[u8],
        ddir: InodeNo,
        dname: &[u8],
        now: Timestamp,
    ) -> Result<(), Error> {
        self.check_writable()?;
        check_name(sname)?;
        check_name(dname)?;
        let sdinode = self.get_dir(sdir)?;
        let src = self.find(sdir, &sdinode, sname)?.ok_or(Error::NotFound)?.ino();
        let mut sinode = self.get(src)?;
        let src_is_dir = sinode.file_type() == Some(FileType::Directory);
        let ddinode = self.get_dir(ddir)?;
        let existing = self.find(ddir, &ddinode, dname)?.map(|f| f.ino());
        if existing == Some(src) {
            return Ok(());
        }
        if src_is_dir && self.is_ancestor(src, ddir)? {
            return Err(Error::Invalid);
        }
        if let Some(old) = existing {
            let oinode = self.get(old)?;
            let old_is_dir = oinode.file_type() == Some(FileType::Directory);
            match (src_is_dir, old_is_dir) {
                (true, false) => return Err(Error::NotDir),
                (false, true) => return Err(Error::IsDir),
                (true, true) if !self.dir_is_empty(old, &oinode)? => return Err(Error::NotEmpty),
                _ => {}
            }
        }
        if src_is_dir && sdir != ddir && existing.is_none() && ddinode.links() >= crate::MAX_LINKS {
            return Err(Error::TooManyLinks);
        }
        // Point the destination name at the source.
        let ft = sinode.file_type().unwrap_or(FileType::Regular);
        let mut ddinode = ddinode;
        if let Some(old) = existing {
            let mut f = self.find(ddir, &ddinode, dname)?.ok_or(Error::NotFound)?;
            let e = f.entries[f.index];
            put_le32(&mut f.block, e.off, src.0);
            if self.filetype() {
                f.block[e.off + 7] = ft.dirent_code();
            }
            self.write_meta(f.phys, f.block);
            ddinode.set_time(TimeField::Modify, now);
            ddinode.set_time(TimeField::Change, now);
            if src_is_dir {
                let oinode = self.get(old)?;
                self.drop_last(old, oinode, now)?;
                ddinode.set_links(ddinode.links().saturating_sub(1).max(2));
            } else {
                self.drop_link(old, now)?;
            }
        } else {
            self.add_entry(ddir, &mut ddinode, dname, src, ft, now)?;
        }
        if src_is_dir && sdir != ddir {
            Self::inc_links(&mut ddinode)?;
        }
        self.write_inode(ddir, &ddinode)?;
        // Drop the source name (the directory may have changed above).
        let mut sdinode = self.get_dir(sdir)?;
        let f = self.find(sdir, &sdinode, sname)?.ok_or(Error::NotFound)?;
        self.remove_found(f);
        sdinode.set_time(TimeField::Modify, now);
        sdinode.set_time(TimeField::Change, now);
        if src_is_dir && sdir != ddir {
            sdinode.set_links(sdinode.links().saturating_sub(1).max(2));
            let f = self.find(src, &sinode, b"..")?.ok_or(Error::Corrupt(Corrupt::Directory(src, "no `..`")))?;
            let mut block = f.block;
            put_le32(&mut block, f.entries[f.index].off, ddir.0);
            self.write_meta(f.phys, block);
        }
        self.write_inode(sdir, &sdinode)?;
        sinode = self.get(src)?;
        sinode.set_time(TimeField::Change, now);
        self.write_inode(src, &sinode)?;
        self.end_op()
    }

    fn update(&mut self, ino: InodeNo, now: Timestamp, f: impl FnOnce(&mut Inode)) -> Result<(), Error> {
        self.check_writable()?;
        let mut inode = self.get(ino)?;
        f(&mut inode);
        inode.set_time(TimeField::Change, now);
        self.write_inode(ino, &inode)?;
        self.end_op()
    }

    /// Sets the permission bits (`0o7777`).
    pub fn chmod(&mut self, ino: InodeNo, perm: u16, now: Timestamp) -> Result<(), Error> {
        self.update(ino, now, |i| i.set_mode(i.mode() & 0xF000 | perm & 0o7777))
    }

    /// Sets the owner and group.
    pub fn chown(&mut self, ino: InodeNo, owner: Owner, now: Timestamp) -> Result<(), Error> {
        self.update(ino, now, |i| i.set_owner(owner.uid, owner.gid))
    }

    /// Sets the access and modification times.
    pub fn set_times(&mut self, ino: InodeNo, atime: Timestamp, mtime: Timestamp, now: Timestamp) -> Result<(), Error> {
        self.update(ino, now, |i| {
            i.set_time(TimeField::Access, atime);
            i.set_time(TimeField::Modify, mtime);
        })
    }
}
