# The HTTP test (harness suite net-http) on QEMU user networking with
# restrict=on, whose peers are the harness's (tools/harness/src/httppeer.rs):
# wget fetches from the host's HTTP server (guestfwd 10.0.2.100:80) a file
# framed by Content-Length and, through a relative redirect, a chunked one;
# httpd then serves them on port 8080 to the host's client (hostfwd), which
# checks them byte for byte along with 100 concurrent ranges, the listing, a
# 404 and a confined "..", and finally hands its verdict to the guest at
# /verdict (503 until then). Every wait is bounded.
. /etc/init/net-wait.sh
wait_dhcp
cat /scheme/netcfg/dhcp

mkdir -p /tmp/www
wget -O /tmp/www/blob.bin http://10.0.2.100/blob.bin
blob=$?
echo "wget blob.bin: status $blob"
wget -O /tmp/www/chunked.bin http://10.0.2.100/redirect
redirect=$?
echo "wget redirect: status $redirect"
wget -O /tmp/missing http://10.0.2.100/missing
missing=$?
echo "wget missing: status $missing"
wget https://10.0.2.100/
bad=$?
if [ $blob -eq 0 ] && [ $redirect -eq 0 ] && [ $missing -eq 8 ] && [ $bad -eq 2 ]; then
    echo "TEST user::wget_exit_statuses ... ok"
else
    echo "TEST user::wget_exit_statuses ... FAILED: $blob $redirect $missing $bad (not 0 0 8 2)"
fi
ls -l /tmp/www

httpd -p 8080 /tmp/www &
tries=0
until wget -q -O /tmp/verdict http://10.0.2.100/verdict 2>/dev/null || [ $tries -ge 100 ]; do
    sleep 1
    tries=$((tries + 1))
done
cat /tmp/verdict
kill $!
echo "http-test: done"
