#!/usr/bin/env python3
"""Sampling profiler for a Cairn guest under QEMU TCG: where the CPUs spend their time.

Usage: profile.py ISO KERNEL_ELF [--elf NAME=PATH ...] [--seconds S] [--start REGEX]
                  [--stop REGEX] [--interval MS] [--top N] [--timeout S]

Boots ISO (`-machine pc -m 512M -smp 2 -accel tcg`, --smp to change the CPU count, serial on stdout, as compare.py), waits for
a serial line matching --start, then every --interval ms stops the machine, asks QEMU's monitor (QMP `info registers -a`)
for every CPU's RIP and CR3, and lets it go on, until a line matches --stop or --seconds pass; QEMU is
then killed by its pid. A CPU sitting in the idle loop (`hlt`) counts as idle. Kernel samples
are named with KERNEL_ELF's symbols; user samples with the symbols of the --elf the process runs (the program a CR3 runs is found by matching the code bytes at a sample against
each --elf's code (so only with the machine stopped, the default).

Prints the hottest functions (kernel and user) with their share of the non-idle samples, and
the share per CR3. Only a measuring aid: nothing checks its figures.
"""
import argparse
import bisect
import collections
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

REG = re.compile(r"RIP=([0-9a-f]{16})")
RSP = re.compile(r"RSP=([0-9a-f]{16})")
WORD = re.compile(r":\s+0x([0-9a-f]{16})")
CR3 = re.compile(r"CR3=([0-9a-f]{16})")
HALTED = re.compile(r"HLT=(\d)")


def symbols(elf):
    """Sorted (address, name) of the function symbols of `elf`."""
    out = subprocess.run(["nm", "-C", "--defined-only", elf], capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            table.append((int(parts[0], 16), parts[2]))
    table.sort()
    return table


def executable_segments(elf):
    """(vaddr, bytes) of the executable PT_LOAD segments of `elf`."""
    data = open(elf, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        kind, flags, offset, vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if kind == 1 and flags & 1:
            segments.append((vaddr, data[offset:offset + filesz]))
    return segments


def find_bias(segments, address, code):
    """The load bias that puts `code` (bytes read at `address`) in one of `segments`, if one does."""
    for vaddr, data in segments:
        at = data.find(code)
        while at >= 0:
            if (vaddr + at - address) % 4096 == 0:
                return address - (vaddr + at)
            at = data.find(code, at + 1)
    return None


def name_of(table, address):
    addrs = [a for a, _ in table]
    i = bisect.bisect_right(addrs, address) - 1
    return table[i][1] if i >= 0 else None


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(100):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        self.file.readline()
        self.call("qmp_capabilities")

    def call(self, execute, **arguments):
        self.file.write(json.dumps({"execute": execute, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply or "error" in reply:
                return reply.get("return")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iso")
    ap.add_argument("kernel")
    ap.add_argument("--elf", action="append", default=[])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--start", default=r"^ubench: ")
    ap.add_argument("--stop", default=r"^$^")
    ap.add_argument("--interval", type=float, default=2)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--smp", default="2")
    ap.add_argument("--no-stop", action="store_true",
                    help="sample without stopping the machine (cheaper, but TCG's RIP is then only exact at "
                         "helper calls, which skews the figures towards them)")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--callers", default=None,
                    help="for samples in this kernel leaf function (no frame of its own, e.g. memset), "
                         "also count who called it (the return address at RSP)")
    a = ap.parse_args()

    kernel = symbols(a.kernel)
    users = {name: symbols(path) for name, path in (e.split("=", 1) for e in a.elf)}
    segments = {name: executable_segments(path) for name, path in (e.split("=", 1) for e in a.elf)}
    biases = {}  # CR3 -> (ELF name, load bias), found from the code bytes at a sample
    kernel_low = 1 << 63
    qmp_path = os.path.join(tempfile.mkdtemp(), "qmp.sock")
    qemu = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "pc", "-m", "512M", "-smp", a.smp, "-cdrom", a.iso, "-serial",
         "stdio", "-display", "none", "-monitor", "none", "-no-reboot", "-accel", "tcg", "-qmp",
         "unix:%s,server,nowait" % qmp_path],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, errors="replace")
    started, stopped = threading.Event(), threading.Event()

    def serial():
        for line in qemu.stdout:
            sys.stdout.write(line)
            if re.search(a.start, line):
                started.set()
            if re.search(a.stop, line):
                stopped.set()
        stopped.set()

    threading.Thread(target=serial, daemon=True).start()
    samples = collections.Counter()
    spaces = collections.Counter()
    callers = collections.Counter()
    idle = total = 0
    try:
        qmp = Qmp(qmp_path)
        deadline = time.time() + a.timeout
        while not started.wait(0.5):
            if time.time() > deadline:
                sys.exit("no start line")
        end = time.time() + a.seconds
        while not stopped.is_set() and time.time() < end:
            if not a.no_stop:
                qmp.call("stop")
            text = qmp.call("human-monitor-command", **{"command-line": "info registers -a"})
            for cpu in text.split("CPU#")[1:]:
                index = cpu.split()[0] if cpu.split() else "0"
                rip, cr3, hlt = REG.search(cpu), CR3.search(cpu), HALTED.search(cpu)
                if not rip:
                    continue
                total += 1
                if hlt and hlt.group(1) == "1":
                    idle += 1
                    continue
                address = int(rip.group(1), 16)
                if address >= kernel_low:
                    name = "K " + (name_of(kernel, address) or hex(address))
                    if a.callers and name == "K " + a.callers and RSP.search(cpu):
                        qmp.call("human-monitor-command", **{"command-line": "cpu %s" % index})
                        word = WORD.search(qmp.call("human-monitor-command",
                                                    **{"command-line": "x /1gx 0x" + RSP.search(cpu).group(1)}))
                        if word:
                            callers[name_of(kernel, int(word.group(1), 16)) or word.group(1)] += 1
                else:
                    space = cr3.group(1) if cr3 else "?"
                    if space not in biases and not a.no_stop:
                        qmp.call("human-monitor-command", **{"command-line": "cpu %s" % index})
                        dump = qmp.call("human-monitor-command", **{"command-line": "x /24xb 0x%x" % address})
                        code = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})\b", dump))
                        found = [(n, find_bias(segs, address, code)) for n, segs in segments.items()]
                        found = [(n, b) for n, b in found if b is not None]
                        if len(code) == 24 and len(found) == 1:
                            biases[space] = found[0]
                    if space in biases:
                        program, bias = biases[space]
                        name = "U %s %s" % (program, name_of(users[program], address - bias) or hex(address - bias))
                    else:
                        name = "U ? %s" % hex(address)
                samples[name] += 1
                spaces[cr3.group(1) if cr3 else "?"] += 1
            if not a.no_stop:
                qmp.call("cont")
            time.sleep(a.interval / 1000)
    finally:
        qemu.kill()
        qemu.wait()
    busy = max(total - idle, 1)
    print("samples: %d CPU samples, %d idle, %d busy" % (total, idle, total - idle))
    for name, n in samples.most_common(a.top):
        print("%6.2f%% %6d  %s" % (100 * n / busy, n, name[:160]))
    if callers:
        print("callers of %s:" % a.callers)
        for name, n in callers.most_common(15):
            print("%6d  %s" % (n, name[:160]))
    print("by CR3:")
    for cr3, n in spaces.most_common(10):
        print("%6.2f%% %6d  %s" % (100 * n / busy, n, cr3))


if __name__ == "__main__":
    main()
