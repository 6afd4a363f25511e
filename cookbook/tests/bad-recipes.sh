#!/bin/sh
# Host test of cook.sh's bad input, on copies of the zlib recipe (its
# source is in the cache once `make ports` ran, so no network is used): a
# build that fails, a file the build did not make, a destination outside
# /usr, a recipe without a field and a dependency that fails each stop the
# cook with the port's name and a clear message, and leave nothing in the
# cache or DESTDIR.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$here")
sysroot=${CAIRN_SYSROOT:-$repo/build/sysroot}
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bad-recipes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/cook.sh" "$here/lib.sh" "$here/fetch-debian-source.sh" "$tmp/"
mkdir -p "$cache/ports"
failures=0

# expect NAME MESSAGE RECIPE-EDIT: cooks a zlib recipe changed by the sed
# expression RECIPE-EDIT as port NAME and checks that it fails with MESSAGE.
expect() {
	mkdir -p "$tmp/$1"
	sed -e "$3" -e '/^dev =/d' "$here/zlib/recipe" > "$tmp/$1/recipe"
	before=$(ls "$cache/ports" | sort)
	if CAIRN_SYSROOT=$sysroot CAIRN_CC=$repo/libc-shim/bin/cairn-cc CAIRN_SHIM_DIR=$repo/libc-shim \
		"$tmp/cook.sh" "$1" "$tmp/dest-$1" \
		> "$tmp/$1.out" 2>&1; then
		echo "bad-recipes: $1: FAILED: the cook succeeded" >&2
		failures=$((failures + 1))
	elif ! grep -q "$2" "$tmp/$1.out"; then
		echo "bad-recipes: $1: FAILED: no \"$2\" in:" >&2
		cat "$tmp/$1.out" >&2
		failures=$((failures + 1))
	elif [ -e "$tmp/dest-$1" ] || [ "$(ls "$cache/ports" | sort)" != "$before" ]; then
		echo "bad-recipes: $1: FAILED: it left files behind" >&2
		failures=$((failures + 1))
	else
		echo "bad-recipes: $1: ok"
	fi
}

expect build-fails "cook: build-fails failed to build; the last lines of its log:" \
	's|^build = .*|build = echo compiling; echo "error: no such thing" >\&2; exit 3|'
expect missing-file "cook: missing-file: the build made no nosuchfile" \
	's|^build = .*|build = true|; s|^install = .*|install = nosuchfile:/usr/bin/x|'
expect outside-usr "cook: outside-usr: /etc/x: ports install under /usr only" \
	's|^build = .*|build = touch made|; s|^install = .*|install = made:/etc/x|'
expect no-licence "no-licence/recipe: no 'licence'" '/^licence/d'
expect bad-dependency "cook: bad-dependency: its dependency nosuchport failed" 's|^licence = .*|&\ndepends = nosuchport|'
[ "$failures" -eq 0 ]
