# Background jobs, $! and wait.
/bin/true &
wait $!
echo "true: $?"
(exit 3) &
pid=$!
wait $pid
echo "exit 3: $?"
case $pid in ''|*[!0-9]*) echo "bad pid: $pid";; *) echo "\$! is a number";; esac
{ echo "from the background" > bg.out; } &
wait
while read l; do echo "file: $l"; done < bg.out
i=0; while [ $i -lt 3 ]; do ( exit $i ) & i=$((i + 1)); done; wait; echo "waited for all: $?"
/bin/hello bg > hello.out &
wait $!
while read l; do echo "$l"; done < hello.out
{ echo one; echo two; } | while read w; do echo "job read $w"; done &
wait
