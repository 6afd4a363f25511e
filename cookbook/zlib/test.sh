# zlib on Cairn: zlib's own test program `example` (deflate, inflate,
# gzio, seeking, flushing, dictionaries), then `minigzip` compressing and
# expanding through pipes and files. The expected output is the same
# programs' output on the host (built from the same source with the host's
# gcc and glibc).
/usr/bin/zlib-example
echo "example: exit $?"
echo 'hello, Cairn' | /usr/bin/minigzip | /usr/bin/minigzip -d
seq 1 20000 > numbers
/usr/bin/minigzip -9 < numbers > numbers.gz
echo "compressed: $(wc -c < numbers.gz) bytes"
/usr/bin/minigzip -d < numbers.gz > back
echo "expanded: $(wc -l < back) lines, last $(tail -n 1 back)"
/usr/bin/minigzip numbers && /usr/bin/minigzip -d numbers.gz && echo "file round trip: $(tail -n 1 numbers)"
