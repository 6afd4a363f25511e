//! Test helpers: scratch images made by `mke2fs`, `debugfs` scripts,
//! `e2fsck -fn`, and devices that count or drop writes.

use std::format;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::vec::Vec;

use crate::{BlockDevice, DeviceError, Ext2, MemDevice, MountOptions, Owner, Timestamp};

pub const NOW: Timestamp = Timestamp { secs: 1_700_000_000, nanos: 5 };
pub const ROOT_OWNER: Owner = Owner { uid: 0, gid: 0 };

/// A scratch directory, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cairn-ext2-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Makes an image with `mke2fs -q -F -t KIND -b BS FILE SIZE` plus `extra`.
pub fn mkfs(s: &Scratch, kind: &str, bs: u32, size: &str, extra: &[&str]) -> PathBuf {
    let img = s.path("fs.img");
    let out = Command::new("/usr/sbin/mke2fs")
        .args(["-q", "-F", "-t", kind, "-b", &bs.to_string()])
        .args(extra)
        .arg(&img)
        .arg(size)
        .env("MKE2FS_CONFIG", "/etc/mke2fs.conf")
        .output()
        .unwrap();
    assert!(out.status.success(), "mke2fs: {}", String::from_utf8_lossy(&out.stderr));
    img
}

use std::string::ToString;

/// Runs `debugfs` (read-write if `write`) with `cmds` as its script;
/// returns its standard output.
pub fn debugfs(img: &Path, write: bool, cmds: &[&str]) -> String {
    let script = img.with_extension("cmds");
    std::fs::write(&script, cmds.join("\n") + "\n").unwrap();
    let mut c = Command::new("/usr/sbin/debugfs");
    if write {
        c.arg("-w");
    }
    let out = c.arg("-f").arg(&script).arg(img).output().unwrap();
    assert!(out.status.success(), "debugfs failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `debugfs -R 'cat PATH'`.
pub fn cat(img: &Path, path: &str) -> Vec<u8> {
    let out = Command::new("/usr/sbin/debugfs").arg("-R").arg(format!("cat {path}")).arg(img).output().unwrap();
    assert!(out.status.success());
    out.stdout
}

/// `debugfs -R REQUEST` output.
pub fn request(img: &Path, req: &str) -> String {
    let out = Command::new("/usr/sbin/debugfs").arg("-R").arg(req).arg(img).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that `e2fsck -fn` finds nothing wrong.
pub fn fsck(img: &Path) {
    let out = Command::new("/usr/sbin/e2fsck").arg("-fn").arg(img).output().unwrap();
    assert!(
        out.status.code() == Some(0),
        "e2fsck -fn exit {:?}:\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn load(img: &Path) -> MemDevice {
    MemDevice::new(std::fs::read(img).unwrap())
}

pub fn mount(img: &Path) -> Ext2<MemDevice> {
    Ext2::mount(load(img), MountOptions { read_only: false, now: NOW }).unwrap()
}

/// Unmounts `fs` into `img` and checks it with `e2fsck -fn`.
pub fn unmount_check(fs: Ext2<MemDevice>, img: &Path) {
    let dev = fs.unmount(NOW).unwrap();
    std::fs::write(img, dev.into_inner()).unwrap();
    fsck(img);
}

/// Deterministic test bytes.
pub fn pattern(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A device that loses every write after the first `allowed` (a power cut
/// that the file system does not notice), counting writes.
pub struct CutDevice {
    pub inner: MemDevice,
    pub allowed: usize,
    pub writes: usize,
}

impl BlockDevice for CutDevice {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.inner.read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        self.writes += 1;
        if self.writes <= self.allowed { self.inner.write_at(offset, data) } else { Ok(()) }
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}
