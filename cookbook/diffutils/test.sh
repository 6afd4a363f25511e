# GNU diffutils on Cairn: diff in its output formats (normal, unified,
# context, ed script, side by side, brief), options (-i, -w, -B), a
# recursive diff of two trees with a new file (-N), cmp (equal, first
# difference, every difference, a shorter file), diff3 and its merge,
# and sdiff; with their exit codes. The expected output is the same
# script's with diffutils built on the host.
D=/usr/bin
# diff3 and sdiff run `diff` from PATH.
PATH=/usr/bin:$PATH
export PATH
printf 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n' > a
printf 'one\nTWO\nthree\nfive\nsix\nsix and a half\nseven\n' > b
printf 'one\ntwo\nthree\nfour\nfive\n6\nseven\n' > c
$D/diff a b; echo "diff: exit $?"
$D/diff -u a b | sed 1,2d
$D/diff -c a b | sed 1,2d
$D/diff -e a b
$D/diff -y -W 40 a b
$D/diff -q a b; echo "diff -q: exit $?"
$D/diff a a; echo "diff a a: exit $?"
$D/diff -i a b
printf 'one  two\n\n\nthree\n' > w1
printf 'one two\nthree\n' > w2
$D/diff -w -B w1 w2; echo "diff -w -B: exit $?"
mkdir -p old/sub new/sub
cp a old/x; cp b new/x; cp c old/sub/y; cp c new/sub/y; cp a new/sub/z
$D/diff -r old new; echo "diff -r: exit $?"
$D/diff -r -N old new | grep -c '^>'
$D/cmp a a; echo "cmp a a: exit $?"
$D/cmp a b; echo "cmp a b: exit $?"
$D/cmp -l a c > cmp.out 2> cmp.err
echo "cmp -l: exit $?"
cat cmp.out cmp.err
head -c 10 a > short
$D/cmp a short 2>&1; echo "cmp short: exit $?"
$D/diff3 a b c; echo "diff3: exit $?"
$D/diff3 -m b a c; echo "diff3 -m: exit $?"
$D/sdiff -w 40 a c; echo "sdiff: exit $?"
$D/diff nosuchfile a 2> err; echo "diff nosuchfile: exit $?"
# The message's program name is argv[0], which Cairn's shell passes as the
# command's last component and the host's shell as the whole path.
sed 's|^.*diff: |diff: |' err
