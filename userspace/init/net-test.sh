# The network test (harness suite net-user) on QEMU user networking with
# restrict=on, whose peers are the harness's (tools/harness/src/netpeer.rs):
# the DHCP lease, ping to the gateway, TCP through guestfwd to a host echo
# peer and back to a host sink (both hash what they get), a TCP echo
# server and a UDP listener for the host's clients through hostfwd, name
# lookups through /etc/hosts, UDP and TCP over the loopback, bad socket
# paths, and a namespace without the network schemes. The transfers are
# `seq 1 2250000` (16888896 bytes, 16.1 MiB), which the harness computes too.
. /etc/init/net-wait.sh
wait_dhcp
cat /scheme/netcfg/dhcp
ip addr
ip route
ping -c 3 -i 0.2 10.0.2.2
ping -c 2 -i 0.2 fec0::2
ping -c 1 ::1 | grep received | sed 's/^/loopback ping6: /'

# The host's clients come through hostfwd: a TCP echo server (one
# connection), and UDP datagrams (the first line is shown; QEMU's
# restricted network would drop an answer).
nc -l -w 40 -e /bin/cat 7000 &
nc -u -l -w 40 7001 < /dev/null | head -n 1 | sed 's/^/udp from the host: /' &

# UDP and TCP over the loopback (TCP on IPv4 and IPv6), both ways.
# (each client starts once its server's socket is listed, at most 10 s)
echo pong-lo | nc -u -l -w 3 7002 > /tmp/udp-server &
wait_socket 0.0.0.0:7002
answer=$(echo ping-lo | nc -u -w 3 127.0.0.1 7002)
request=$(cat /tmp/udp-server)
if [ "$answer" = pong-lo ] && [ "$request" = ping-lo ]; then
    echo "TEST user::udp_loopback ... ok"
else
    echo "TEST user::udp_loopback ... FAILED: the client got '$answer', the server '$request'"
fi
nc -l -w 10 -e /bin/cat 7003 &
wait_socket 0.0.0.0:7003
echoed=$(echo hello-tcp-lo | nc 127.0.0.1 7003)
if [ "$echoed" = hello-tcp-lo ]; then
    echo "TEST user::tcp_loopback_echo ... ok"
else
    echo "TEST user::tcp_loopback_echo ... FAILED: got '$echoed'"
fi
nc -l -w 10 -e /bin/cat 7004 &
wait_socket 0.0.0.0:7004
echoed=$(echo hello-tcp-v6 | nc ::1 7004)
if [ "$echoed" = hello-tcp-v6 ]; then
    echo "TEST user::tcp_ipv6_loopback_echo ... ok"
else
    echo "TEST user::tcp_ipv6_loopback_echo ... FAILED: got '$echoed'"
fi
peer=$(cat /scheme/dns/peer.test)
if [ "$peer" = 10.0.2.100 ]; then
    echo "TEST user::hosts_file_lookup ... ok"
else
    echo "TEST user::hosts_file_lookup ... FAILED: peer.test is '$peer'"
fi

# The reporting tools: ss lists a listener (with -l, not without), host
# answers from /etc/hosts and fails clearly without a DNS server, dhcp
# shows the lease.
nc -l -w 10 7005 < /dev/null > /dev/null &
wait_socket 0.0.0.0:7005
if ss -t -l -H | grep -q '^tcp   LISTEN .*0\.0\.0\.0:7005 ' && ! ss -H | grep -q ':7005 '; then
    echo "TEST user::ss_lists_listeners ... ok"
else
    echo "TEST user::ss_lists_listeners ... FAILED: $(ss -a)"
fi
echo | nc 127.0.0.1 7005
found=$(host peer.test; host ip6-localhost)
if [ "$found" = "peer.test has address 10.0.2.100
ip6-localhost has IPv6 address ::1" ]; then
    echo "TEST user::host_names ... ok"
else
    echo "TEST user::host_names ... FAILED: '$found'"
fi
host no.such.host.test
echo "host of an unknown name: status $?"
dhcp

# Guest to host and back: the echo's answer goes on to the sink.
seq 1 2250000 > /tmp/sent
time nc peer.test 7 < /tmp/sent > /tmp/echoed
echo "echoed $(wc -c < /tmp/echoed) bytes"
nc 10.0.2.100 8 < /tmp/echoed

# The driver killed: devd starts it again and netd takes the device back
# (it looks for devices every second); then the gateway answers and a TCP
# echo through the host's third peer (10.0.2.100:9) works.
driver=$(ps | grep 'virtio-net' | grep -v grep | sed 's/^ *//' | cut -d ' ' -f 1)
kill -9 $driver
tries=0
until ping -c 1 -W 1 10.0.2.2 > /dev/null || [ $tries -ge 30 ]; do
    tries=$((tries + 1))
done
echoed=$(echo after-restart | nc 10.0.2.100 9)
if [ -n "$driver" ] && [ "$echoed" = after-restart ]; then
    echo "TEST user::driver_restart_then_tcp ... ok"
else
    echo "TEST user::driver_restart_then_tcp ... FAILED: driver pid '$driver', echo '$echoed'"
fi

# The socket tests of utest (loopback: events, back-pressure, options).
/bin/utest sock_

# Bad paths and addresses, each with its error.
cat /scheme/tcp/10.0.2.2 2>&1 | head -1
cat /scheme/tcp/10.0.2.2:0 2>&1 | head -1
cat /scheme/udp/nonsense 2>&1 | head -1
cat /scheme/netcfg/passwords 2>&1 | head -1
nc no.such.host.test 80 2>&1 | head -1
nc 127.0.0.1 9 < /dev/null 2>&1 | head -1
nc 192.168.99.1 80 < /dev/null 2>&1 | head -1

# A namespace without the network schemes cannot connect.
ns --allow file --allow initfs --allow null -- nc 10.0.2.100 7 < /dev/null 2>&1 | head -1

# A driver that breaks its rings (utest serves one): netd lets go of it
# and goes on serving.
/bin/utest netd_hostile
wait
echo "net-test: done"
