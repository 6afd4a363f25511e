#!/usr/bin/env python3
"""compare.py with the workloads: runs ../shared/linux-ref/compare.py (same arguments, same
boots, same quiet-host rules) with ubench's workload figures added to its main table, so their
medians and Cairn/Linux ratios print beside the primitives'. The Linux guest must hold this
directory's microbench.c, which has the workloads' twins: build it with
`SRC=tools/perf/microbench.c bash ../shared/linux-ref/build.sh` (from the project root).

Usage: compare_all.py CAIRN_ISO LINUX_ISO [compare.py's options] [--linux-ref DIR]
(DIR defaults to ../shared/linux-ref from the project root.)
"""
import argparse
import os
import sys

# ubench's workloads, in its order (microbench.c prints the same names).
WORKLOADS = [
    ("stat_file", "stat of a file on the root tmpfs / Linux tmpfs"),
    ("readdir_1000", "open + getdents to the end + close, 1,000 entries"),
    ("cp_tree", "cp -r of 20 x 20 files of 4 KiB, process start included"),
    ("grep_tree", "grep -r over that tree, process start included"),
    ("shell_true_300", "sh -c: a loop of 300 /bin/true"),
]


def main():
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--linux-ref", default="../shared/linux-ref")
    a, rest = ap.parse_known_args()
    sys.path.insert(0, os.path.abspath(a.linux_ref))
    import compare as C  # noqa: E402 (found through --linux-ref)

    C.MAIN = C.MAIN + WORKLOADS
    sys.argv = [sys.argv[0]] + rest
    return C.main()


if __name__ == "__main__":
    sys.exit(main())
