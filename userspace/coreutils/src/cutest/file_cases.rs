//! The cases of the file utilities: `ls`, `cp`, `mv`, `rm`, `mkdir`,
//! `rmdir`, `touch`, `ln`, `stat` and `find`. They run in the test's
//! working directory and set up the files they need; a few use what an
//! earlier case made, which the order of the list keeps.
//!
//! Depends on `cairn-rt` and [`crate::case`].

use cairn_rt::Vec;

use crate::case::{Case, Expect, Given, case};

/// `ls`'s directory: files of known sizes and times, a hidden file, a
/// subdirectory and a symbolic link.
const LISTED: [Given; 8] = [
    Given::Dir("ld"),
    Given::File("ld/a", b""),
    Given::File("ld/b", b"12345"),
    Given::Mtime("ld/b", 0),
    Given::File("ld/.hidden", b""),
    Given::Dir("ld/sub"),
    Given::Symlink("a", "ld/ln1"),
    Given::Mtime("ld/a", 0),
];

/// A small tree for `ls -R`.
const TREE: [Given; 4] =
    [Given::Dir("lr"), Given::File("lr/f", b""), Given::Dir("lr/sub"), Given::File("lr/sub/g", b"")];

/// `find`'s tree.
const FOUND: [Given; 7] = [
    Given::Dir("ft"),
    Given::File("ft/a.txt", b""),
    Given::File("ft/b.log", b""),
    Given::Dir("ft/sub"),
    Given::File("ft/sub/c.txt", b""),
    Given::Dir("ft/sub/deep"),
    Given::File("ft/sub/deep/d.txt", b""),
];

/// A file `cp` copies, with unusual permission bits.
const COPIED: [Given; 2] = [Given::File("cpa", b"copy me\n"), Given::Mode("cpa", 0o640)];

pub fn cases() -> Vec<Case> {
    Vec::from([
        // ls
        case("ls_names", "ls ld").givens(&LISTED).out("a\nb\nln1\nsub\n"),
        case("ls_all", "ls -a ld").givens(&LISTED).out(".\n..\n.hidden\na\nb\nln1\nsub\n"),
        case("ls_almost_all", "ls -A ld").givens(&LISTED).out(".hidden\na\nb\nln1\nsub\n"),
        case("ls_reverse", "ls -r ld").givens(&LISTED).out("sub\nln1\nb\na\n"),
        case("ls_columns", "ls -C ld").givens(&LISTED).out("a  b  ln1  sub\n"),
        case("ls_one_per_line", "ls -1 ld").givens(&LISTED).out("a\nb\nln1\nsub\n"),
        case("ls_long_file", "ls -l ld/b").givens(&LISTED).out("-rw-r--r-- 1 root root 5 Jan  1 00:00 ld/b\n"),
        case("ls_long_aligned", "ls -l ld/a ld/b")
            .givens(&LISTED)
            .out("-rw-r--r-- 1 root root 0 Jan  1 00:00 ld/a\n-rw-r--r-- 1 root root 5 Jan  1 00:00 ld/b\n"),
        case("ls_long_symlink", "ls -l ld/ln1").givens(&LISTED).expect(Expect::StdoutLike(&[
            "l[rwx-]{9} 1 root root 1 [A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9] ld/ln1 -> a",
        ])),
        case("ls_long_directory", "ls -l ll")
            .givens(&[
                Given::Dir("ll"),
                Given::File("ll/x", b"abc"),
                Given::File("ll/y", b"0123456789"),
                Given::Mtime("ll/x", 0),
                Given::Mtime("ll/y", 86_400 * 40),
            ])
            .expect(Expect::StdoutLike(&[
                "total [0-9]+",
                "-rw-r--r-- 1 root root  3 Jan  1 00:00 x",
                "-rw-r--r-- 1 root root 10 Feb 10 00:00 y",
            ])),
        case("ls_long_names", "ls -l lo")
            .given(Given::File("lo", b"owned"))
            .given(Given::Owner("lo", 1000, 10))
            .given(Given::Mtime("lo", 0))
            .out("-rw-r--r-- 1 user wheel 5 Jan  1 00:00 lo\n"),
        case("ls_long_unnamed_ids", "ls -l lu")
            .given(Given::File("lu", b""))
            .given(Given::Owner("lu", 4242, 4243))
            .given(Given::Mtime("lu", 0))
            .out("-rw-r--r-- 1 4242 4243 0 Jan  1 00:00 lu\n"),
        case("ls_numeric_ids", "ls -n lo")
            .given(Given::File("lo", b"owned"))
            .given(Given::Owner("lo", 1000, 10))
            .given(Given::Mtime("lo", 0))
            .out("-rw-r--r-- 1 1000 10 5 Jan  1 00:00 lo\n"),
        case("ls_long_aligns_names", "ls -l la1 la2")
            .givens(&[
                Given::File("la1", b""),
                Given::File("la2", b""),
                Given::Owner("la2", 65534, 65534),
                Given::Mtime("la1", 0),
                Given::Mtime("la2", 0),
            ])
            .out("-rw-r--r-- 1 root   root    0 Jan  1 00:00 la1\n-rw-r--r-- 1 nobody nogroup 0 Jan  1 00:00 la2\n"),
        case("ls_long_human", "ls -lh lh")
            .given(Given::File("lh", &[b'x'; 2048]))
            .given(Given::Mtime("lh", 0))
            .out("-rw-r--r-- 1 root root 2.0K Jan  1 00:00 lh\n"),
        case("ls_directory_itself", "ls -d ld").givens(&LISTED).out("ld\n"),
        case("ls_recursive", "ls -R lr").givens(&TREE).out("lr:\nf\nsub\n\nlr/sub:\ng\n"),
        case("ls_files_then_directories", "ls lr/sub lr/f").givens(&TREE).out("lr/f\n\nlr/sub:\ng\n"),
        case("ls_several_directories", "ls lr/sub ld/sub").givens(&TREE).givens(&LISTED).out("ld/sub:\n\nlr/sub:\ng\n"),
        case("ls_missing", "ls /nope").fails(2, "ls: /nope: No such file or directory\n"),
        case("ls_missing_and_present", "ls /nope lr/f")
            .givens(&TREE)
            .out("lr/f\n")
            .fails(2, "ls: /nope: No such file or directory\n"),
        // cp
        case("cp_file", "cp cpa cpb")
            .givens(&COPIED)
            .expect(Expect::File("cpb", "copy me\n"))
            .expect(Expect::Mode("cpb", 0o640)),
        case("cp_into_directory", "cp cpa cpd")
            .givens(&COPIED)
            .given(Given::Dir("cpd"))
            .expect(Expect::File("cpd/cpa", "copy me\n")),
        case("cp_recursive", "cp -r cr cr2")
            .givens(&[Given::Dir("cr"), Given::File("cr/x", b"x"), Given::Dir("cr/s"), Given::File("cr/s/y", b"y")])
            .expect(Expect::File("cr2/x", "x"))
            .expect(Expect::File("cr2/s/y", "y")),
        case("cp_directory_needs_r", "cp cr cr3")
            .given(Given::Dir("cr"))
            .fails(1, "cp: cr: -r not specified; omitting directory\n")
            .expect(Expect::Missing("cr3")),
        case("cp_preserve", "cp -p cpp cpq")
            .given(Given::File("cpp", b"p"))
            .given(Given::Mtime("cpp", 0))
            .expect(Expect::Mtime("cpq", 0)),
        case("cp_same_file", "cp cpa cpa").givens(&COPIED).fails(1, "cp: cpa: 'cpa' and 'cpa' are the same file\n"),
        case("cp_missing_source", "cp /nope cpz").fails(1, "cp: /nope: No such file or directory\n"),
        case("cp_missing_operand", "cp").fails(2, "cp: missing operand\n"),
        case("cp_target_not_directory", "cp cpa cpa nodir")
            .givens(&COPIED)
            .fails(2, "cp: target 'nodir' is not a directory\n"),
        // mv and rm
        case("mv_rename", "mv mva mvb")
            .given(Given::File("mva", b"m\n"))
            .expect(Expect::Missing("mva"))
            .expect(Expect::File("mvb", "m\n")),
        case("mv_into_directory", "mv mvc mvd")
            .given(Given::File("mvc", b"c"))
            .given(Given::Dir("mvd"))
            .expect(Expect::File("mvd/mvc", "c")),
        case("mv_directory", "mv mvs mvt")
            .givens(&[Given::Dir("mvs"), Given::File("mvs/f", b"f")])
            .expect(Expect::Missing("mvs"))
            .expect(Expect::File("mvt/f", "f")),
        case("mv_missing_source", "mv /nope mvx").fails(1, "mv: /nope: No such file or directory\n"),
        case("rm_file", "rm rma").given(Given::File("rma", b"")).expect(Expect::Missing("rma")),
        case("rm_missing", "rm /nope").fails(1, "rm: /nope: No such file or directory\n"),
        case("rm_force_missing", "rm -f /nope"),
        case("rm_directory_refused", "rm rmd")
            .given(Given::Dir("rmd"))
            .fails(1, "rm: rmd: Is a directory\n")
            .expect(Expect::Dir("rmd")),
        case("rm_recursive", "rm -r rmt")
            .givens(&[
                Given::Dir("rmt"),
                Given::Dir("rmt/a"),
                Given::File("rmt/a/b", b""),
                Given::Symlink("a", "rmt/l"),
            ])
            .expect(Expect::Missing("rmt")),
        case("rm_refuses_dot", "rm -r .").fails(1, "rm: .: refusing to remove '.', '..' or '/'\n"),
        // mkdir and rmdir
        case("mkdir_one", "mkdir md1").expect(Expect::Dir("md1")).expect(Expect::Mode("md1", 0o755)),
        case("mkdir_exists", "mkdir md2").given(Given::Dir("md2")).fails(1, "mkdir: md2: File exists\n"),
        case("mkdir_parents", "mkdir -p mp/a/b").expect(Expect::Dir("mp/a/b")),
        case("mkdir_parents_existing", "mkdir -p md2").given(Given::Dir("md2")),
        case("mkdir_mode", "mkdir -m 700 mm").expect(Expect::Mode("mm", 0o700)),
        case("mkdir_missing_parent", "mkdir mq/r").fails(1, "mkdir: mq/r: No such file or directory\n"),
        case("mkdir_bad_mode", "mkdir -m 9 mx").fails(2, "mkdir: invalid mode: '9'\n"),
        case("rmdir_empty", "rmdir rd").given(Given::Dir("rd")).expect(Expect::Missing("rd")),
        case("rmdir_not_empty", "rmdir rn")
            .given(Given::Dir("rn"))
            .given(Given::File("rn/f", b""))
            .fails(1, "rmdir: rn: Directory not empty\n"),
        case("rmdir_parents", "rmdir -p rp/a/b")
            .givens(&[Given::Dir("rp"), Given::Dir("rp/a"), Given::Dir("rp/a/b")])
            .expect(Expect::Missing("rp")),
        // touch and ln
        case("touch_creates", "touch tn").expect(Expect::File("tn", "")).expect(Expect::Mode("tn", 0o644)),
        case("touch_no_create", "touch -c tc").expect(Expect::Missing("tc")),
        case("touch_date", "touch -d @86400 tt").expect(Expect::Mtime("tt", 86_400)),
        case("touch_updates_times", "touch tu")
            .given(Given::File("tu", b"keep"))
            .given(Given::Mtime("tu", 0))
            .expect(Expect::MtimeAtLeast("tu", 1_000_000_000))
            .expect(Expect::File("tu", "keep")),
        case("touch_missing_directory", "touch /nope/x").fails(1, "touch: /nope/x: No such file or directory\n"),
        case("ln_hard", "ln lna lnb").given(Given::File("lna", b"L\n")).expect(Expect::File("lnb", "L\n")),
        case("ln_hard_counts_links", "ls -l lnb")
            .given(Given::Mtime("lnb", 0))
            .out("-rw-r--r-- 2 root root 2 Jan  1 00:00 lnb\n"),
        case("ln_symbolic", "ln -s lna lns").expect(Expect::Symlink("lns", "lna")),
        case("ln_exists", "ln -s lna lne").given(Given::Symlink("x", "lne")).fails(1, "ln: lne: File exists\n"),
        case("ln_force", "ln -sf lna lnf").given(Given::Symlink("x", "lnf")).expect(Expect::Symlink("lnf", "lna")),
        case("ln_into_directory", "ln -s /tmp/cutest/lna lnd")
            .given(Given::Dir("lnd"))
            .expect(Expect::Symlink("lnd/lna", "/tmp/cutest/lna")),
        case("ln_missing_target", "ln /nope lnm").fails(1, "ln: lnm: No such file or directory\n"),
        // stat
        case("stat_file", "stat st1").given(Given::File("st1", b"hello\n")).given(Given::Mtime("st1", 0)).expect(
            Expect::StdoutLike(&[
                "  File: st1",
                "  Size: 6         \tBlocks: [0-9]+ +IO Block: [0-9]+ +regular file",
                "Device: [0-9]+,[0-9]+\tInode: [0-9]+ +Links: 1",
                "Access: \\(0644/-rw-r--r--\\)  Uid: \\(    0/    root\\)   Gid: \\(    0/    root\\)",
                "Access: 1970-01-01 00:00:00\\.000000000 \\+0000",
                "Modify: 1970-01-01 00:00:00\\.000000000 \\+0000",
                "Change: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9} \\+0000",
                " Birth: -",
            ]),
        ),
        case("stat_unnamed_owner", "stat stu")
            .given(Given::File("stu", b""))
            .given(Given::Owner("stu", 4242, 10))
            .expect(Expect::StdoutContains("Uid: ( 4242/    4242)   Gid: (   10/   wheel)\n")),
        case("stat_directory", "stat std").given(Given::Dir("std")).expect(Expect::StdoutContains(" directory\n")),
        case("stat_symlink", "stat stl")
            .given(Given::Symlink("st1", "stl"))
            .expect(Expect::StdoutContains("  File: stl -> st1\n"))
            .expect(Expect::StdoutContains(" symbolic link\n")),
        case("stat_follow", "stat -L stl")
            .given(Given::Symlink("st1", "stl"))
            .expect(Expect::StdoutContains("  File: stl\n"))
            .expect(Expect::StdoutContains(" regular file\n")),
        case("stat_missing", "stat /nope").fails(1, "stat: /nope: No such file or directory\n"),
        // more behaviour of the above
        case("ls_combined_flags", "ls -la lr/f")
            .givens(&TREE)
            .given(Given::Mtime("lr/f", 0))
            .out("-rw-r--r-- 1 root root 0 Jan  1 00:00 lr/f\n"),
        case("cp_directory_into_directory", "cp -r cr cpd")
            .givens(&[Given::Dir("cr"), Given::File("cr/x", b"x"), Given::Dir("cpd")])
            .expect(Expect::File("cpd/cr/x", "x")),
        case("cp_several_into_directory", "cp cpa cpa2 cpd")
            .givens(&COPIED)
            .given(Given::File("cpa2", b"2"))
            .given(Given::Dir("cpd"))
            .expect(Expect::File("cpd/cpa", "copy me\n"))
            .expect(Expect::File("cpd/cpa2", "2")),
        case("mv_replaces_file", "mv mve mvf")
            .given(Given::File("mve", b"new"))
            .given(Given::File("mvf", b"old"))
            .expect(Expect::File("mvf", "new"))
            .expect(Expect::Missing("mve")),
        case("rm_dash_named_file", "rm -- -r1").given(Given::File("-r1", b"")).expect(Expect::Missing("-r1")),
        case("rm_several", "rm rs1 rs2")
            .given(Given::File("rs1", b""))
            .given(Given::File("rs2", b""))
            .expect(Expect::Missing("rs1"))
            .expect(Expect::Missing("rs2")),
        case("mkdir_clustered_mode", "mkdir -pm 750 mc/a")
            .expect(Expect::Mode("mc/a", 0o750))
            .expect(Expect::Dir("mc")),
        case("touch_reference", "touch -r tref tnew")
            .given(Given::File("tref", b""))
            .given(Given::Mtime("tref", 4242))
            .expect(Expect::Mtime("tnew", 4242)),
        case("stat_several", "stat -L st1 /nope")
            .given(Given::File("st1", b"hello\n"))
            .expect(Expect::StdoutContains("  File: st1\n"))
            .fails(1, "stat: /nope: No such file or directory\n"),
        case("find_depth_zero", "find ft -maxdepth 0").givens(&FOUND).out("ft\n"),
        // find
        case("find_everything", "find ft")
            .givens(&FOUND)
            .given(Given::Symlink("a.txt", "ft/l"))
            .out("ft\nft/a.txt\nft/b.log\nft/l\nft/sub\nft/sub/c.txt\nft/sub/deep\nft/sub/deep/d.txt\n"),
        case("find_name", "find ft -name '*.txt'").givens(&FOUND).out("ft/a.txt\nft/sub/c.txt\nft/sub/deep/d.txt\n"),
        case("find_iname", "find ft -iname 'A.TXT'").givens(&FOUND).out("ft/a.txt\n"),
        case("find_type_directory", "find ft -type d").givens(&FOUND).out("ft\nft/sub\nft/sub/deep\n"),
        case("find_type_link", "find ft -type l").givens(&FOUND).given(Given::Symlink("a.txt", "ft/l")).out("ft/l\n"),
        case("find_maxdepth", "find ft -maxdepth 1 -type f").givens(&FOUND).out("ft/a.txt\nft/b.log\n"),
        case("find_mindepth", "find ft -mindepth 2 -type f").givens(&FOUND).out("ft/sub/c.txt\nft/sub/deep/d.txt\n"),
        case("find_negation", "find ft -type f ! -name '*.txt'").givens(&FOUND).out("ft/b.log\n"),
        case("find_print", "find ft/sub -name deep -print").givens(&FOUND).out("ft/sub/deep\n"),
        case("find_count_pipeline", "find ft -type f | wc -l").givens(&FOUND).out("4\n"),
        case("find_missing", "find /nope").fails(1, "find: /nope: No such file or directory\n"),
        case("find_bad_predicate", "find ft -bogus").fails(2, "find: unknown predicate '-bogus'\n"),
    ])
}
