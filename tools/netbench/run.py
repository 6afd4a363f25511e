#!/usr/bin/env python3
"""Network benchmarks side by side with Linux (`make netbench`).

Boots, alternately and for each round, Cairn and the Linux guest of
tools/devbench/build-linux.sh in one QEMU configuration: q35, 2 CPUs,
512 MiB, TCG, one NIC (virtio-net-pci, or e1000e with --nic e1000e) on
QEMU user networking with `restrict=on` (the guest reaches nothing
outside) and four forwards bound to 127.0.0.1. Each guest gets its
address by DHCP from QEMU (Linux: busybox `udhcpc`; Cairn: netd) and runs
`netbench 5000 BYTES CONNS DATAGRAMS PINGS 10.0.2.2` from its shell
(Linux: tools/netbench/netbench.c; Cairn: userspace/netbench; the same
phases in the same order). The guest times the round trips to QEMU's
gateway, which QEMU answers itself (`restrict=on` drops any other
datagram from the guest, so no host peer can echo one); this script, the
host peer, times the TCP figures through three forwards:

  icmp_rtt      PINGS echo requests to 10.0.2.2, one at a time (ns)
  udp_rtt       DATAGRAMS one-block TFTP reads from QEMU's TFTP server (ns)
  tcp_recv      BYTES sent to the guest, until it answers the count (MiB/s)
  tcp_send      BYTES read from the guest, until it closes (MiB/s)
  tcp_conn      CONNS connections opened and closed by the guest (conn/s)

Every socket has a timeout, every loop a count, every boot a deadline.
Prints each side's median over the rounds and the Cairn/Linux ratio
(round-trip figures: the median of each round's median).

usage: run.py CAIRN_ISO LINUX_ISO [--rounds N] [--bytes N] [--conns N]
              [--datagrams N] [--pings N] [--nic virtio-net-pci|e1000e]
"""
import argparse, os, re, shutil, socket, statistics, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "linux-ref"))
from session import Session  # noqa: E402
sys.path.insert(0, os.path.join(HERE, ".."))
from hostports import free_ports  # noqa: E402

LATENCY = re.compile(r"BENCH (\w+) median (\d+) ns p99 (\d+) ns")
RATE = re.compile(r"BENCH (\w+) (\d+(?:\.\d+)?) (MiB/s|conn/s)")

GUEST_PORT = 5000
GATEWAY = "10.0.2.2"
TIMEOUT = 60.0
LOAD_NET = ("(cd /modules && for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci "
            "failover net_failover virtio_net e1000e; do insmod $m.ko || exit 1; done) && ip link set lo up && "
            "ip link set eth0 up && udhcpc -i eth0 -n -q -t 10 -s /etc/udhcpc.script >/dev/null 2>&1 && "
            "ip -4 addr show eth0 | grep -q 'inet '")
# Cairn's netd starts at boot and asks for a lease on every wired interface; wait for it.
CAIRN_READY = "i=0; while [ $i -lt 30 ] && ! ip addr | grep -q 'inet 10.0.2.'; do sleep 1; i=$((i+1)); done; [ $i -lt 30 ]"


def network(nic, ports, tftp):
    """QEMU arguments: one NIC on restricted user networking, guest ports 5000-5002 forwarded,
    QEMU's TFTP server serving directory `tftp`."""
    forwards = ",".join("hostfwd=tcp:127.0.0.1:%d-:%d" % (host, GUEST_PORT + i) for i, host in enumerate(ports))
    return ["-cpu", "max", "-netdev", "user,id=net0,restrict=on,tftp=%s,%s" % (tftp, forwards),
            "-device", "%s,netdev=net0" % nic]


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_to_end(s, limit):
    """Reads until end of file or `limit` bytes; returns the bytes read."""
    data = bytearray()
    while len(data) <= limit:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def tcp_recv(port, total):
    block = bytes(range(256)) * 256
    with connect(port) as s:
        t0 = time.monotonic()
        sent = 0
        while sent < total:
            piece = block[:min(len(block), total - sent)]
            s.sendall(piece)
            sent += len(piece)
        s.shutdown(socket.SHUT_WR)
        answer = read_to_end(s, 64)
        elapsed = time.monotonic() - t0
    if answer.strip() != str(total).encode():
        raise RuntimeError("guest counted %r of %d bytes" % (answer, total))
    return total / elapsed / (1 << 20)


def tcp_send(port, total):
    with connect(port) as s:
        t0 = time.monotonic()
        got = 0
        while got <= total:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got += len(chunk)
        elapsed = time.monotonic() - t0
    if got != total:
        raise RuntimeError("read %d of %d bytes from the guest" % (got, total))
    return total / elapsed / (1 << 20)


def tcp_conn(port, count):
    t0 = time.monotonic()
    for i in range(count):
        with connect(port) as s:
            if s.recv(1) != b"":
                raise RuntimeError("connection %d: the guest sent data instead of closing" % i)
    return count / (time.monotonic() - t0)


def bench(session, ports, args):
    """Runs netbench in a booted guest and does the host's half; returns `BENCH` lines."""
    command = "netbench %d %d %d %d %d %s" % (GUEST_PORT, args.bytes, args.conns, args.datagrams, args.pings, GATEWAY)
    session.send(command + "\r")
    # Each round trip waits at most 1 s for its answer.
    listening = session.expect(rb"(?s)(.*?)NETBENCH listening", TIMEOUT + args.pings + args.datagrams)
    out = listening.group(1).decode(errors="replace").replace("\r", "")
    lines = [line for line in out.splitlines() if line.startswith("BENCH ")]
    lines.append("BENCH tcp_recv %.2f MiB/s" % tcp_recv(ports[0], args.bytes))
    lines.append("BENCH tcp_send %.2f MiB/s" % tcp_send(ports[1], args.bytes))
    lines.append("BENCH tcp_conn %.1f conn/s" % tcp_conn(ports[2], args.conns))
    session.expect(rb"NETBENCH done", TIMEOUT)
    return "\n".join(lines) + "\n"


def boot(iso, prepare, args, tftp):
    ports = free_ports(3)
    with Session(iso, machine="q35", extra=network(args.nic, ports, tftp)) as s:
        s.wait_boot(300)
        s.wait_shell(180)
        out, rc = s.run(prepare, timeout=120)
        if rc != 0:
            raise RuntimeError("network setup failed (%d): %s" % (rc, out[-500:]))
        return bench(s, ports, args)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cairn_iso")
    ap.add_argument("linux_iso")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bytes", type=int, default=16 << 20)
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--datagrams", type=int, default=500)
    ap.add_argument("--pings", type=int, default=200)
    ap.add_argument("--nic", default="virtio-net-pci", choices=("virtio-net-pci", "e1000e"))
    ap.add_argument("--only", choices=("Cairn", "Linux"), help="measure one side only")
    args = ap.parse_args()
    sides = {"Cairn": (args.cairn_iso, CAIRN_READY), "Linux": (args.linux_iso, LOAD_NET)}
    figures = {"Cairn": {}, "Linux": {}}
    tftp = tempfile.mkdtemp(prefix="netbench-tftp-")
    with open(os.path.join(tftp, "netbench"), "wb") as f:
        f.write(b"netbench\n")
    for round_ in range(args.rounds):
        for side, (iso, prepare) in sides.items():
            if args.only and side != args.only:
                continue
            try:
                out = boot(iso, prepare, args, tftp)
            except (RuntimeError, TimeoutError, EOFError, OSError) as error:
                print("round %d %s: failed: %s" % (round_ + 1, side, error), file=sys.stderr, flush=True)
                continue
            print("round %d %s:\n%s" % (round_ + 1, side, out), file=sys.stderr, flush=True)
            for name, median, p99 in LATENCY.findall(out):
                figures[side].setdefault((name, "ns"), []).append(int(median))
            for name, value, unit in RATE.findall(out):
                figures[side].setdefault((name, unit), []).append(float(value))
    shutil.rmtree(tftp)
    print("figure | Cairn | Linux | Cairn/Linux | better | rounds")
    print("--- | --- | --- | --- | --- | ---")
    for name, unit in sorted(set(figures["Cairn"]) | set(figures["Linux"])):
        c, l = figures["Cairn"].get((name, unit), []), figures["Linux"].get((name, unit), [])
        shown = lambda xs: ("%d %s" if unit == "ns" else "%.2f %s") % (statistics.median(xs), unit)
        cm, lm = (shown(c) if c else "-"), (shown(l) if l else "-")
        ratio = "%.2f" % (statistics.median(c) / max(statistics.median(l), 1)) if c and l else "-"
        better = "lower" if unit == "ns" else "higher"
        label = name + (" (median)" if unit == "ns" else "")
        print("%s | %s | %s | %s | %s | %d/%d" % (label, cm, lm, ratio, better, len(c), len(l)))


if __name__ == "__main__":
    main()
