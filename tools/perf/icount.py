#!/usr/bin/env python3
"""Guest instructions per ubench operation: boots each Cairn ISO given (built with `harness iso
--cmdline "test=user init=/bin/ubench,NAME,..."`) under QEMU's `-icount shift=0`, where the
virtual clock advances one nanosecond per guest instruction, so ubench's `ns` figures become
instruction counts. They do not depend on the host's load (two runs of one ISO agree within a
fraction of a percent), which wall-clock figures on this shared machine never do: use it to see
whether a change to a hot path made it shorter, beside (not instead of) `before_after.py`'s
timings, which also count what instructions cost under TCG (TLB refills after every CR3 load,
helper calls).

Usage: icount.py ISO [ISO ...]   (prints one column per ISO)
"""
import subprocess
import sys

QEMU = ["qemu-system-x86_64", "-machine", "pc", "-m", "512M", "-smp", "2", "-cpu", "max", "-no-reboot",
        "-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-icount", "shift=0", "-boot", "d"]


def figures(iso):
    """{name: instructions} from one boot of `iso` (bounded by a timeout)."""
    run = subprocess.run(QEMU + ["-cdrom", iso], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         errors="replace", timeout=600)
    found = {}
    for line in run.stdout.splitlines():
        words = line.split()
        if len(words) == 6 and words[0] == "BENCH" and words[5] == "ns":
            found[words[1]] = int(words[4])
    return found


def main():
    isos = sys.argv[1:]
    if not isos:
        sys.exit(__doc__)
    columns = [figures(iso) for iso in isos]
    names = [name for name in columns[0]] + [n for c in columns[1:] for n in c if n not in columns[0]]
    print("%-24s" % "instructions" + "".join("%14s" % ("iso %d" % (i + 1)) for i in range(len(isos))))
    for name in names:
        print("%-24s" % name + "".join("%14s" % c.get(name, "-") for c in columns))


if __name__ == "__main__":
    main()
