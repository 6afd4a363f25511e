# xz on Cairn: upstream's test programs (liblzma's checks, stream and
# block headers, filter flags, indexes, BCJ, the lzip decoder, variable-
# length integers, memory limits; each prints its own PASS lines), then
# upstream's test_files.sh: every good-*.xz of its test files must expand
# with xz and xzdec, every bad-*.xz must be refused by both; then a
# compression round trip with one and two threads, compared by cmp (the
# diffutils port). The expected output is
# the same script's with xz built on the host.
T=/usr/libexec/xz-tests
srcdir=/usr/share/xz-tests
export srcdir
for t in test_check test_stream_flags test_filter_flags test_block_header test_index test_index_hash \
	test_bcj_exact_size test_lzip_decoder test_vli test_memlimit; do
	$T/$t > $t.log 2>&1
	echo "$t: exit $?, $(grep -c '^PASS' $t.log) passed, $(grep -c '^FAIL\|^ERROR' $t.log) failed"
	grep '^FAIL\|^ERROR' $t.log
done
good=0
for f in $srcdir/files/good-*.xz; do
	if /usr/bin/xz -dc $f > /dev/null && /usr/bin/xzdec $f > /dev/null; then
		good=$((good + 1))
	else
		echo "good file failed: $f"
	fi
done
echo "good files expanded: $good"
bad=0
for f in $srcdir/files/bad-*.xz; do
	if /usr/bin/xz -dc $f > /dev/null 2>&1 || /usr/bin/xzdec $f > /dev/null 2>&1; then
		echo "bad file accepted: $f"
	else
		bad=$((bad + 1))
	fi
done
echo "bad files refused: $bad"
$T/create_compress_files
for f in compress_generated_*; do
	/usr/bin/xz -6 -c $f > $f.xz
	/usr/bin/xz -d -c -T1 $f.xz > $f.back
	/usr/bin/xz -6 -T2 --block-size=65536 -c $f > $f.mt.xz
	/usr/bin/xz -d -c $f.mt.xz > $f.mt.back
	echo "$f: $(wc -c < $f) -> $(wc -c < $f.xz) bytes, back $(wc -c < $f.back) bytes, two threads back $(wc -c < $f.mt.back)"
	/usr/bin/cmp $f $f.back && /usr/bin/cmp $f $f.mt.back || echo "$f: round trip differs"
done
/usr/bin/xz -l compress_generated_text.xz
echo "xz -t: $(/usr/bin/xz -t compress_generated_*.xz && echo ok)"
