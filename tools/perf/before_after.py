#!/usr/bin/env python3
"""Before, after and Linux in one run: boots a Cairn ISO built before a change, one built after it
(ubench unpinned and under `taskset -c 0`) and the Linux reference guest (microbench unpinned and
pinned) in rotation, with the boot, measure and quiet-host functions of ../shared/linux-ref/compare.py,
and prints every figure's medians and ratios (docs/PERFORMANCE.md). On a shared machine the two Cairn
builds then see the same conditions, which separate compare.py runs do not give them.

Usage: before_after.py BEFORE_ISO AFTER_ISO LINUX_ISO ROUNDS OUT_DIR [--linux-ref DIR] [--no-pinned]
(DIR defaults to ../shared/linux-ref from the project root). Logs and runs.json go to OUT_DIR.
`null_syscall_locked` (Cairn's getppid) is set beside Linux's `null_syscall`, which is getppid too.
"""
import argparse
import json
import os
import statistics
import sys

from compare_all import WORKLOADS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("linux")
    ap.add_argument("rounds", type=int)
    ap.add_argument("out")
    ap.add_argument("--linux-ref", default="../shared/linux-ref")
    ap.add_argument("--no-pinned", action="store_true", help="skip the runs under `taskset -c 0`")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.linux_ref))
    import compare as C  # noqa: E402 (found through --linux-ref)

    os.makedirs(a.out, exist_ok=True)
    runs = []
    plan = (
        (a.before, [("before", "/bin/ubench")], "before"),
        (a.after, [("after", "/bin/ubench"), ("after_pinned", "taskset -c 0 /bin/ubench")], "after"),
        (a.linux, [("linux", "/bin/microbench"), ("linux_pinned", "taskset -c 0 /bin/microbench")], "linux"),
    )
    if a.no_pinned:
        plan = tuple((iso, [c for c in cmds if not c[0].endswith("_pinned")], tag) for iso, cmds, tag in plan)
    for i in range(a.rounds):
        r = {}
        for iso, cmds, tag in plan:
            C.wait_quiet(0.3, 60)
            r.update(C.measure(iso, cmds, os.path.join(a.out, "%s-%d.log" % (tag, i))))
        runs.append(r)
        with open(os.path.join(a.out, "runs.json"), "w") as f:
            json.dump(runs, f, indent=1)

    def med(key, name):
        xs = [x[key][name] for x in runs if name in x.get(key, {})]
        return statistics.median(xs) if xs else None

    def ratio(x, y):
        return "%.2f" % (x / y) if x is not None and y else "n/a"

    print("rounds: %d; foreign load per run (cores):" % len(runs))
    for k in ("before", "after", "after_pinned", "linux", "linux_pinned"):
        print("  %-13s %s" % (k, " ".join("%.2f" % x.get(k, {}).get("_foreign", -1) for x in runs)))
    print()
    print("figure | Cairn before | Cairn after | Linux | before/Linux | after/Linux | Cairn after pinned"
          " | Linux pinned | after pinned/Linux pinned")
    print("--- | --- | --- | --- | --- | --- | --- | --- | ---")
    for n in [n for n, _ in C.MAIN] + ["null_syscall_locked"] + [n for n, _ in WORKLOADS]:
        ln = "null_syscall" if n == "null_syscall_locked" else n
        b, af, li, ap_, lp = med("before", n), med("after", n), med("linux", ln), med("after_pinned", n), med("linux_pinned", ln)
        print(" | ".join([n, C.fmt(n, b), C.fmt(n, af), C.fmt(ln, li), ratio(b, li), ratio(af, li),
                          C.fmt(n, ap_), C.fmt(ln, lp), ratio(ap_, lp)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
