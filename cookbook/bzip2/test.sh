# bzip2 on Cairn: upstream's `make test`, which compresses sample N at
# level N and expands the shipped sample N (and at -s, small memory),
# expecting the shipped files back; the byte counts stand in for `cmp`.
# The expected output is the same script's with bzip2 built on the host.
S=/usr/share/bzip2
for n in 1 2 3; do
	echo "sample$n: shipped $(wc -c < $S/sample$n.bz2) -> $(wc -c < $S/sample$n.ref) bytes"
	echo "  -$n:  $(/usr/bin/bzip2 -$n < $S/sample$n.ref | wc -c) bytes"
	echo "  -d:  $(/usr/bin/bzip2 -d < $S/sample$n.bz2 | wc -c) bytes"
	echo "  -ds: $(/usr/bin/bzip2 -ds < $S/sample$n.bz2 | wc -c) bytes"
done
/usr/bin/bzip2 -t $S/sample1.bz2 $S/sample2.bz2 $S/sample3.bz2 && echo "integrity: ok"
cp $S/sample1.ref s1 && /usr/bin/bzip2 -9 s1 && /usr/bin/bzip2 -d s1.bz2 && echo "file round trip: $(wc -c < s1) bytes"
echo garbage > bad.bz2
/usr/bin/bzip2 -t bad.bz2 2>/dev/null
echo "damaged file: exit $?"
