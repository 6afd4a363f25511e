#!/usr/bin/env python3
"""Device benchmarks side by side with Linux (`make devbench`).

Boots, alternately and for each round, Cairn (`init=/bin/edu,--bench,N`) and
the Linux guest of build-linux.sh (`devbench edu BDF N` after loading
vfio-pci), both under TCG in one QEMU configuration: q35, 2 CPUs, 512 MiB,
QEMU's intel-iommu (Linux's vfio needs it; Cairn leaves it off) and the
edu device. Prints each side's median of the rounds' medians and p99s, and
Cairn/Linux ratios (lower is better).

usage: run.py CAIRN_ISO LINUX_ISO [--rounds N] [--samples N]
"""
import argparse, os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "linux-ref"))
from session import Session  # noqa: E402

QEMU = ["qemu-system-x86_64", "-machine", "q35", "-m", "512M", "-smp", "2", "-display", "none",
        "-monitor", "none", "-no-reboot", "-cpu", "max"]
DEVICES = ["-device", "intel-iommu", "-device", "edu"]
BENCH = re.compile(r"BENCH (\w+) median (\d+) ns p99 (\d+) ns")
LOAD_VFIO = ("cd /modules && for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core; do "
             "insmod $m.ko || exit 1; done; insmod vfio-pci.ko ids=1234:11e8; cd /")


def cairn(iso, timeout=300):
    cmd = QEMU + DEVICES + ["-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                            "-cdrom", iso, "-boot", "d"]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout).stdout
    return BENCH.findall(out.decode(errors="replace"))


def linux(iso, samples):
    with Session(iso, machine="q35", extra=["-cpu", "max"] + DEVICES) as s:
        s.wait_boot()
        s.wait_shell()
        _, rc = s.run(LOAD_VFIO)
        if rc != 0:
            raise RuntimeError("loading vfio-pci failed")
        out, _ = s.run("devbench edu $(basename $(ls -d /sys/bus/pci/drivers/vfio-pci/0000:*)) %d" % samples)
        return BENCH.findall(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cairn_iso")
    ap.add_argument("linux_iso")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    figures = {"Cairn": {}, "Linux": {}}
    for round_ in range(args.rounds):
        for side, run in (("Cairn", lambda: cairn(args.cairn_iso)), ("Linux", lambda: linux(args.linux_iso, args.samples))):
            found = run()
            print("round %d %s: %s" % (round_ + 1, side, found or "no figures"), file=sys.stderr, flush=True)
            for name, median, p99 in found:
                figures[side].setdefault(name, []).append((int(median), int(p99)))
    print("figure | Cairn median | Linux median | ratio | Cairn p99 | Linux p99 | ratio | rounds")
    print("--- | --- | --- | --- | --- | --- | --- | ---")
    for name in sorted(figures["Cairn"]):
        c, l = figures["Cairn"][name], figures["Linux"].get(name, [])
        if not l:
            continue
        cm, lm = statistics.median(m for m, _ in c), statistics.median(m for m, _ in l)
        cp, lp = statistics.median(p for _, p in c), statistics.median(p for _, p in l)
        print("%s | %d ns | %d ns | %.2f | %d ns | %d ns | %.2f | %d/%d" % (
            name, cm, lm, cm / lm, cp, lp, cp / lp, len(c), len(l)))


if __name__ == "__main__":
    main()
