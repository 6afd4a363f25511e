#!/usr/bin/env python3
"""Device benchmarks side by side with Linux (`make devbench`).

Boots, alternately and for each round, Cairn and the Linux guest of
build-linux.sh, both under TCG in one QEMU configuration: q35, 2 CPUs,
512 MiB, QEMU's intel-iommu (Linux's vfio needs it; Cairn leaves it off),
the edu device and an NVMe controller on DISK (raw, `cache=unsafe`).
Cairn boots twice per round: `init=/bin/edu,--bench,N` (CAIRN_EDU_ISO)
and `init=/bin/diskbench,--driver,/bin/nvme,/dev/nvme0n1`
(CAIRN_DISK_ISO); Linux runs `devbench edu BDF N` after loading vfio-pci
and `devbench disk /dev/nvme0n1` after loading nvme. Prints each side's
median over the rounds and the Cairn/Linux ratio: for the interrupt
latency (median and p99) lower is better, for IOPS and MiB/s higher.

usage: run.py CAIRN_EDU_ISO CAIRN_DISK_ISO LINUX_ISO DISK [--rounds N] [--samples N]
"""
import argparse, os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "linux-ref"))
from session import Session  # noqa: E402

QEMU = ["qemu-system-x86_64", "-machine", "q35", "-m", "512M", "-smp", "2", "-display", "none",
        "-monitor", "none", "-no-reboot", "-cpu", "max", "-nic", "none"]
LATENCY = re.compile(r"BENCH (\w+) median (\d+) ns p99 (\d+) ns")
RATE = re.compile(r"BENCH (\w+) (\d+) (IOPS|MiB/s|files/s|ms)\b")
# Units of times, where lower is better (for the others higher is).
TIMES = ("ms",)
LOAD_VFIO = ("cd /modules && for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core; do "
             "insmod $m.ko || exit 1; done; insmod vfio-pci.ko ids=1234:11e8; cd /")
LOAD_NVME = ("cd /modules && for m in crc64 crc64_rocksoft_generic crc64-rocksoft crct10dif_common "
             "crct10dif_generic crc-t10dif t10-pi nvme-core nvme; do insmod $m.ko || exit 1; done; cd /; "
             "for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/nvme0n1 ] && break; sleep 1; done")


def devices(disk):
    return ["-device", "intel-iommu", "-device", "edu",
            "-drive", "file=%s,if=none,id=bench,format=raw,cache=unsafe" % disk, "-device", "nvme,drive=bench,serial=bench"]


def cairn(iso, disk, timeout=300):
    cmd = QEMU + devices(disk) + ["-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                  "-cdrom", iso, "-boot", "d"]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout).stdout.decode(errors="replace")


def linux(iso, disk, samples):
    with Session(iso, machine="q35", extra=["-cpu", "max"] + devices(disk)) as s:
        s.wait_boot()
        s.wait_shell()
        for load in (LOAD_VFIO, LOAD_NVME):
            _, rc = s.run(load)
            if rc != 0:
                raise RuntimeError("loading modules failed: " + load)
        out, _ = s.run("devbench edu $(basename $(ls -d /sys/bus/pci/drivers/vfio-pci/0000:*)) %d" % samples)
        disk_out, _ = s.run("devbench disk /dev/nvme0n1", timeout=300)
        return out + disk_out


def collect(rates, side, out):
    """Adds the `BENCH name value unit` figures of `out` to rates[side]."""
    for name, value, unit in RATE.findall(out):
        rates[side].setdefault((name, unit), []).append(int(value))


def print_rates(rates, goal=None):
    """A table of each figure's median on both sides and their ratio; with
    `goal` (e.g. 1.5), whether Cairn is within that factor of Linux."""
    print("figure | Cairn | Linux | Cairn/Linux | better | rounds" + (" | within %gx" % goal if goal else ""))
    print("--- | --- | --- | --- | --- | ---" + (" | ---" if goal else ""))
    for (name, unit) in sorted(rates["Cairn"]):
        c, l = rates["Cairn"][(name, unit)], rates["Linux"].get((name, unit), [])
        if not l:
            print("%s | %d %s | (none) | | | %d/0" % (name, statistics.median(c), unit, len(c)))
            continue
        cm, lm = statistics.median(c), statistics.median(l)
        lower = unit in TIMES
        row = "%s | %d %s | %d %s | %.2f | %s | %d/%d" % (
            name, cm, unit, lm, unit, cm / max(lm, 1), "lower" if lower else "higher", len(c), len(l))
        if goal:
            met = cm <= lm * goal if lower else cm * goal >= lm
            row += " | " + ("yes" if met else "no")
        print(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cairn_edu_iso")
    ap.add_argument("cairn_disk_iso")
    ap.add_argument("linux_iso")
    ap.add_argument("disk")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    latency = {"Cairn": {}, "Linux": {}}
    rates = {"Cairn": {}, "Linux": {}}
    for round_ in range(args.rounds):
        outputs = (("Cairn", cairn(args.cairn_edu_iso, args.disk) + cairn(args.cairn_disk_iso, args.disk)),
                   ("Linux", linux(args.linux_iso, args.disk, args.samples)))
        for side, out in outputs:
            found = LATENCY.findall(out) + RATE.findall(out)
            print("round %d %s: %s" % (round_ + 1, side, found or "no figures"), file=sys.stderr, flush=True)
            for name, median, p99 in LATENCY.findall(out):
                latency[side].setdefault(name, []).append((int(median), int(p99)))
            collect(rates, side, out)
    print("figure | Cairn median | Linux median | ratio | Cairn p99 | Linux p99 | ratio | rounds")
    print("--- | --- | --- | --- | --- | --- | --- | ---")
    for name in sorted(latency["Cairn"]):
        c, l = latency["Cairn"][name], latency["Linux"].get(name, [])
        if not l:
            continue
        cm, lm = statistics.median(m for m, _ in c), statistics.median(m for m, _ in l)
        cp, lp = statistics.median(p for _, p in c), statistics.median(p for _, p in l)
        print("%s | %d ns | %d ns | %.2f | %d ns | %d ns | %.2f | %d/%d" % (
            name, cm, lm, cm / lm, cp, lp, cp / lp, len(c), len(l)))
    print()
    print_rates(rates)


if __name__ == "__main__":
    main()
