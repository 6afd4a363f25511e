#!/bin/sh
# Writes cookbook/NAME/test.out, the expected output of port NAME's test:
# cooks the port and the ports it depends on for the host (cook.sh with
# CAIRN_COOK_FOR=host: the same source, patches and build with the host's
# gcc and libc) into a temporary root, and runs NAME/test.sh there with /bin/sh, every /usr/
# path of the script turned into the root's, in an empty directory, as
# the shell-scripts boot runs it on Cairn.
#
# Usage: expected.sh NAME
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 NAME" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-expected-$1.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$here/lib.sh"
for port in $(recipe_optional "$here/$1/recipe" depends) "$1"; do
	CAIRN_COOK_FOR=host "$here/cook.sh" "$port" "$tmp/root"
done
# Programs of /usr/bin the ports do not provide (/usr/bin/cmp in a test
# of another port than diffutils) are the host's.
for program in /usr/bin/*; do
	[ -e "$tmp/root/usr/bin/${program##*/}" ] || ln -s "$program" "$tmp/root/usr/bin/"
done
sed "s#/usr/#$tmp/root/usr/#g" "$here/$1/test.sh" > "$tmp/test.sh"
mkdir "$tmp/run"
(cd "$tmp/run" && sh "$tmp/test.sh") > "$here/$1/test.out" 2>&1 || true
sed -i "s#$tmp/root/usr/#/usr/#g" "$here/$1/test.out"
echo "expected: $here/$1/test.out written"
