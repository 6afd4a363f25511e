"""Free ports on the host's loopback, for the host-side scripts that boot guests on QEMU
networks bound to 127.0.0.1 (tools/netbench/run.py: TCP forwards; tools/test-linux-peer.py:
the UDP socket pair of a `-netdev dgram` wire)."""

import socket


def free_ports(count, kind=socket.SOCK_STREAM):
    """`count` distinct ports of socket type `kind` (SOCK_STREAM or SOCK_DGRAM) that are free
    on 127.0.0.1 right now (all held at once, so none repeats, then released for QEMU)."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, kind)
            held.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()
