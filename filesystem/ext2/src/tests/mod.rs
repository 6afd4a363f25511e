//! Host tests against images made by e2fsprogs during the test: reading
//! what `debugfs` wrote, writing and checking with `e2fsck -fn` and
//! `debugfs` after every operation, the journal (replaying Linux's and
//! our own transactions after simulated crashes), the orphan list, large
//! directories through the in-memory name index, ext4 read-only, and
//! damaged images (errors, never panics).

mod corrupt;
mod dirindex;
mod htree;
mod journal;
mod orphan;
mod read;
mod util;
mod write;
