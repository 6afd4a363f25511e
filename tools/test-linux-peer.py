#!/usr/bin/env python3
"""Cairn and the Linux guest on one wire (`make test-linux-peer`).

Boots Cairn (init running userspace/init/linux-peer.conf: netd with the
static addresses of linux-peer.network, a root shell on COM1) and the
Linux guest of tools/devbench/build-linux.sh side by side, each with one
virtio-net-pci NIC whose only link is a QEMU `-netdev dgram` pair of UDP
sockets on 127.0.0.1 (nothing else: no user networking, no other NIC).
Linux gets its addresses with busybox `ip`. Cairn is 192.168.76.1 and
fd00:76::1, Linux 192.168.76.2 and fd00:76::2. Both serial shells are
driven through ../shared/linux-ref/session.py. The checks:

  ping_ipv4_cairn_to_linux, ping_ipv4_linux_to_cairn   ICMP echo, 3 each
  ping_ipv6_cairn_to_linux, ping_ipv6_linux_to_cairn   ICMPv6 echo (NDP first)
  tcp_cairn_to_linux   Cairn's `nc` sends `seq 1 60000` (348894 bytes) to
                       busybox `nc -l`; Linux's md5sum must be this script's
  tcp_linux_to_cairn   busybox `nc` sends the same to Cairn's `nc -l`;
                       Cairn's copy must have the right size, and sent
                       back to Linux it must have the right md5sum

Prints `TEST NAME ... ok|FAILED: why` per check and `N passed, N failed`
last; exits 1 if anything failed. Every wait has a deadline and both QEMUs
are killed at the end whatever happens. Serial logs: build/test-logs/.

usage: test-linux-peer.py CAIRN_ISO LINUX_ISO
"""
import contextlib, hashlib, os, socket, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "linux-ref"))
from session import Session  # noqa: E402
from hostports import free_ports  # noqa: E402

CAIRN_V4, LINUX_V4 = "192.168.76.1", "192.168.76.2"
CAIRN_V6, LINUX_V6 = "fd00:76::1", "fd00:76::2"
LINES = 60000
PAYLOAD = "".join("%d\n" % i for i in range(1, LINES + 1)).encode()
SEND = "seq 1 %d" % LINES
# Seconds: a boot to the shell under TCG, one command, one transfer.
BOOT, COMMAND, TRANSFER = 150, 30, 60
LOAD_NET = ("(cd /modules && for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci "
            "failover net_failover virtio_net; do insmod $m.ko || exit 1; done) && ip link set lo up && "
            "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad && ip link set eth0 up && "
            "echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad && "
            "ip addr add %s/24 dev eth0 && ip -6 addr add %s/64 dev eth0" % (LINUX_V4, LINUX_V6))
CAIRN_READY = ("i=0; while [ $i -lt 100 ] && ! ip addr | grep -q 'inet %s/'; do sleep 0.2; i=$((i+1)); done; "
               "[ $i -lt 100 ]" % CAIRN_V4)


def wire(local, remote, mac):
    """QEMU arguments: one virtio-net NIC on a UDP socket pair over 127.0.0.1, nothing else."""
    return ["-cpu", "max", "-nic", "none",
            "-netdev", "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
            "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (local, remote),
            "-device", "virtio-net-pci,netdev=n0,mac=%s" % mac]


class Background:
    """A command typed at a guest's shell whose end is collected later (the shell is busy meanwhile)."""

    def __init__(self, session, command, tag):
        self.session, self.end = session, "__%s_END_" % tag
        session.send("%s; printf '\\n%s%%d__\\n' $?\r" % (command, self.end))

    def finish(self, timeout):
        """Waits for the command's end; returns its output (with the input echo) and exit status."""
        m = self.session.expect(rb"(?ms)(.*?)^" + self.end.encode() + rb"(\d+)__", timeout)
        return m.group(1).decode(errors="replace").replace("\r", ""), int(m.group(2))


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, problem):
        """Records check `name`: `problem` is None when it passed, else what went wrong."""
        if problem is None:
            self.passed += 1
            print("TEST linux_peer::%s ... ok" % name, flush=True)
        else:
            self.failed += 1
            print("TEST linux_peer::%s ... FAILED: %s" % (name, problem), flush=True)

    def run(self, name, body):
        """Runs `body()`, which returns None or a problem; a timeout or a dead QEMU is a failure."""
        try:
            self.check(name, body())
        except (TimeoutError, EOFError, OSError) as error:
            self.check(name, str(error)[-400:])


def ping(session, command):
    out, rc = session.run(command, timeout=COMMAND)
    if rc != 0 or " 0% packet loss" not in out:
        return "`%s` exited %d: %s" % (command, rc, out.strip()[-300:])
    return None


def md5_on_linux(linux, path):
    out, rc = linux.run("md5sum %s" % path, timeout=COMMAND)
    want = hashlib.md5(PAYLOAD).hexdigest()
    if rc != 0 or out.split()[:1] != [want]:
        return "Linux's md5sum of %s: %r, want %s" % (path, out.strip()[-200:], want)
    return None


def tcp_to_linux(cairn, linux, port, source, tag):
    """Busybox `nc -l` on Linux `port` into /tmp/TAG, Cairn's `nc` sending `source`'s output; the
    md5sum on Linux must be the payload's."""
    server = Background(linux, "timeout %d nc -l -p %d > /tmp/%s" % (TRANSFER, port, tag), tag)
    # Cairn's client tries again while Linux's listener is not up yet (refused: nothing was sent).
    client = ("i=0; until %s | nc -w %d %s %d; do i=$((i+1)); [ $i -lt 20 ] || break; sleep 0.5; done; [ $i -lt 20 ]"
              % (source, TRANSFER, LINUX_V4, port))
    out, rc = cairn.run(client, timeout=TRANSFER + 20)
    if rc != 0:
        return "Cairn's nc exited %d: %s" % (rc, out.strip()[-300:])
    out, rc = server.finish(TRANSFER)
    if rc != 0:
        return "Linux's nc -l exited %d: %s" % (rc, out.strip()[-300:])
    return md5_on_linux(linux, "/tmp/" + tag)


def tcp_linux_to_cairn(cairn, linux):
    server = Background(cairn, "nc -l -w %d 7001 > /tmp/l2c" % TRANSFER, "l2c")
    client = ("i=0; until %s | timeout %d nc %s 7001; do i=$((i+1)); [ $i -lt 20 ] || break; sleep 0.5; done; "
              "[ $i -lt 20 ]" % (SEND, TRANSFER, CAIRN_V4))
    out, rc = linux.run(client, timeout=TRANSFER + 20)
    if rc != 0:
        return "Linux's nc exited %d: %s" % (rc, out.strip()[-300:])
    out, rc = server.finish(TRANSFER)
    if rc != 0:
        return "Cairn's nc -l exited %d: %s" % (rc, out.strip()[-300:])
    # nc ended with its standard-input thread still reading the terminal, and the first line typed
    # next can go to that read instead of the shell: type until the shell answers.
    cairn.wait_shell(COMMAND)
    out, rc = cairn.run("wc -c < /tmp/l2c", timeout=COMMAND)
    if rc != 0 or out.split()[-1:] != [str(len(PAYLOAD))]:
        return "Cairn received %r bytes, want %d" % (out.strip()[-100:], len(PAYLOAD))
    return tcp_to_linux(cairn, linux, 7002, "cat /tmp/l2c", "back")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cairn_iso, linux_iso = sys.argv[1:]
    logs = os.path.join(HERE, "..", "build", "test-logs")
    os.makedirs(logs, exist_ok=True)
    a, b = free_ports(2, socket.SOCK_DGRAM)
    report = Report()
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        cairn = stack.enter_context(Session(cairn_iso, machine="q35", extra=wire(a, b, "52:54:00:76:00:01"),
                                            log=os.path.join(logs, "linux-peer-cairn.log")))
        linux = stack.enter_context(Session(linux_iso, machine="q35", extra=wire(b, a, "52:54:00:76:00:02"),
                                            log=os.path.join(logs, "linux-peer-linux.log")))
        try:
            for session in (cairn, linux):
                session.wait_boot(BOOT)
            for session in (cairn, linux):
                session.wait_shell(BOOT)
            out, rc = linux.run(LOAD_NET, timeout=COMMAND)
            if rc != 0:
                raise OSError("Linux's network setup exited %d: %s" % (rc, out.strip()[-300:]))
            out, rc = cairn.run(CAIRN_READY, timeout=COMMAND)
            if rc != 0:
                raise OSError("Cairn's netd has no %s: %s" % (CAIRN_V4, cairn.run("ip addr", COMMAND)[0]))
            setup = None
        except (TimeoutError, EOFError, OSError) as error:
            setup = str(error)[-400:]
        report.check("setup", setup)
        checks = [
            ("ping_ipv4_cairn_to_linux", lambda: ping(cairn, "ping -c 3 -i 0.2 -W 5 " + LINUX_V4)),
            ("ping_ipv4_linux_to_cairn", lambda: ping(linux, "ping -c 3 -W 5 " + CAIRN_V4)),
            ("ping_ipv6_cairn_to_linux", lambda: ping(cairn, "ping -c 3 -i 0.2 -W 5 " + LINUX_V6)),
            ("ping_ipv6_linux_to_cairn", lambda: ping(linux, "ping -6 -c 3 -W 5 " + CAIRN_V6)),
            ("tcp_cairn_to_linux", lambda: tcp_to_linux(cairn, linux, 7000, SEND, "c2l")),
            ("tcp_linux_to_cairn", lambda: tcp_linux_to_cairn(cairn, linux)),
        ]
        for name, body in checks:
            if setup is None:
                report.run(name, body)
            else:
                report.check(name, "not run: the setup failed")
    print("linux-peer: %.0f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (report.passed, report.failed))
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
