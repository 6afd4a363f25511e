#!/usr/bin/env python3
"""File-system benchmarks side by side with Linux (`make fsbench`).

In run.py's QEMU configuration (q35, 2 CPUs, 512 MiB, intel-iommu, edu,
an NVMe controller on DISK, raw, `cache=unsafe`), each round boots Cairn
with `init=/bin/fsbench,/dev/nvme0n1` (its ext2fs serving the disk) and
the Linux guest of build-linux.sh, which loads nvme and ext4 and runs
`devbench fs /dev/nvme0n1`. Before every boot DISK is made afresh with
`mke2fs -t ext3 -b 4096` (256 MiB, fixed UUID and hash seed), so both
sides start from the same image. Prints each side's median over the
rounds, the Cairn/Linux ratio and whether Cairn is within 1.5x of Linux.
With --tmpfs-iso (Cairn with `init=/bin/fsbench,--tmpfs,...`), each round
also boots that, and a second table sets Cairn's figures on a tmpfs mount
(no disk, no ext2) beside Linux's ext3 ones.

usage: fsrun.py CAIRN_FS_ISO LINUX_ISO DISK [--rounds N] [--tmpfs-iso ISO]
"""
import argparse, subprocess, sys

from run import LOAD_NVME, Session, cairn, collect, devices, print_rates, RATE

LOAD_EXT4 = "cd /modules && for m in crc16 mbcache jbd2 crc32c_generic ext4; do insmod $m.ko || exit 1; done; cd /"
# What each side prints when it runs to the end.
FIGURES = ("fs_seq_write", "fs_seq_read", "fs_create", "fs_delete", "fs_ls_l_5000", "fs_grep_cold", "fs_grep_warm")
# The goal: Cairn within this factor of Linux on every row.
GOAL = 1.5


def fresh_image(disk):
    subprocess.run(["rm", "-f", disk], check=True)
    subprocess.run(["truncate", "-s", "256M", disk], check=True)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext3", "-b", "4096", "-L", "fsbench",
                    "-U", "4a6f1c2e-8d3b-4e5f-9a1b-2c3d4e5f6a7b", "-E", "hash_seed=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
                    disk], check=True)


def linux(iso, disk):
    with Session(iso, machine="q35", extra=["-cpu", "max"] + devices(disk)) as s:
        s.wait_boot()
        s.wait_shell()
        for load in (LOAD_NVME, LOAD_EXT4):
            _, rc = s.run(load)
            if rc != 0:
                raise RuntimeError("loading modules failed: " + load)
        out, rc = s.run("devbench fs /dev/nvme0n1", timeout=900)
        return out + ("\ndevbench fs: exit status %d\n" % rc if rc else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cairn_fs_iso")
    ap.add_argument("linux_iso")
    ap.add_argument("disk")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tmpfs-iso")
    args = ap.parse_args()
    boots = {"Cairn": lambda: cairn(args.cairn_fs_iso, args.disk, timeout=900),
             "Linux": lambda: linux(args.linux_iso, args.disk)}
    if args.tmpfs_iso:
        boots["Cairn tmpfs"] = lambda: cairn(args.tmpfs_iso, args.disk, timeout=900)
    rates = {side: {} for side in boots}
    for round_ in range(args.rounds):
        for side, boot in boots.items():
            fresh_image(args.disk)
            out = boot()
            found = RATE.findall(out)
            print("round %d %s: %s" % (round_ + 1, side, found or "no figures"), file=sys.stderr, flush=True)
            if len(found) < len(FIGURES):
                print("%s did not finish; its output ends:\n%s" % (side, out[-2000:]), file=sys.stderr)
            collect(rates, side, out)
    print_rates(rates, GOAL)
    if args.tmpfs_iso:
        print()
        print("Cairn on a tmpfs mount beside Linux on ext3:")
        print_rates({"Cairn": rates["Cairn tmpfs"], "Linux": rates["Linux"]})


if __name__ == "__main__":
    main()
