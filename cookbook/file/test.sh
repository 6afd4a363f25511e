# file on Cairn: upstream's test suite (tests/Makefile.am's check-local):
# its test program (libmagic's magic_file on each test file, compared with
# the shipped result) over every *.testfile with the compiled magic
# database or the test's own .magic files; then `file` itself on a few
# files, also looking into an xz- and a gzip-compressed one (-z). The
# expected output is the same script's with file built on the host.
T=/usr/share/file-tests
passed=0
for i in $T/*.testfile; do
	t=${i%.testfile}
	case $t in
	*/multiple) m=$T/multiple-A.magic:$T/multiple-B.magic ;;
	*/regex-eol) m=$T/regex-eol.magic ;;
	*) m=/usr/share/misc/magic.mgc ;;
	esac
	f=-e
	[ -f $t.flags ] && f=$f$(cat $t.flags)
	if TZ=UTC MAGIC=$m /usr/libexec/file-tests/test $f $i $t.result > test.log 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAILED: ${t##*/}"
		cat test.log
	fi
done
echo "upstream tests passed: $passed"
MAGIC=/usr/share/misc/magic.mgc
export MAGIC
printf 'hello, Cairn\n' > text.txt
printf '#!/bin/sh\necho hi\n' > script.sh
printf '<?xml version="1.0"?>\n<a/>\n' > doc.xml
cp /usr/share/misc/magic.mgc db.mgc
/usr/bin/file text.txt script.sh doc.xml db.mgc
/usr/bin/xz -c text.txt > text.txt.xz
/usr/bin/file text.txt.xz
/usr/bin/file -z text.txt.xz
/usr/bin/minigzip < text.txt > text.txt.gz
/usr/bin/file -z text.txt.gz
/usr/bin/file -b --mime-type doc.xml
