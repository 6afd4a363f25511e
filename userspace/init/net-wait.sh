# Shell functions shared by the network test scripts (net-test.sh,
# http-test.sh), sourced with `. /etc/init/net-wait.sh`. Every wait is
# bounded and says nothing; the caller checks what it waited for.

# Waits (at most 30 s) until some interface has a DHCP lease.
wait_dhcp() {
    tries=0
    until grep -q bound /scheme/netcfg/dhcp 2>/dev/null || [ $tries -ge 300 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
}

# Waits (at most 10 s) until netd lists a socket on ADDRESS:PORT ($1),
# e.g. a server started in the background listening.
wait_socket() {
    tries=0
    until grep -q "$1" /scheme/netcfg/sockets || [ $tries -ge 100 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
}
