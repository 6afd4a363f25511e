#!/bin/sh
# Host test of build-musl.sh's bad input: a patch that does not apply stops
# the build with the patch's name and patch's own message, before any
# patch is applied or anything is cached. Runs a copy of the scripts with
# a second, broken patch beside the real one; uses the cached musl source
# (the first build fetched it), so it needs no network after that.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cairn-broken-patch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/libc-shim/musl" "$tmp/cookbook"
cp "$here/build-musl.sh" "$tmp/libc-shim/"
cp "$here/musl/recipe" "$here"/musl/*.patch "$tmp/libc-shim/musl/"
cp "$here/../cookbook/fetch-debian-source.sh" "$here/../cookbook/lib.sh" "$tmp/cookbook/"
cat > "$tmp/libc-shim/musl/zz-broken.patch" <<'EOF'
--- a/README
+++ b/README
@@ -1,2 +1,2 @@
-this line is not in musl's README
+so this patch cannot apply
EOF

mkdir -p "$cache/musl"
before=$(ls "$cache/musl" | sort)
if "$tmp/libc-shim/build-musl.sh" "$tmp/sysroot" > "$tmp/out" 2>&1; then
	echo "broken-patch: FAILED: the build went on past a broken patch" >&2
	exit 1
fi
if ! grep -q "build-musl: musl .*zz-broken.patch does not apply" "$tmp/out"; then
	echo "broken-patch: FAILED: no message naming the patch; the output was:" >&2
	cat "$tmp/out" >&2
	exit 1
fi
if [ -e "$tmp/sysroot" ] || [ "$(ls "$cache/musl" | sort)" != "$before" ]; then
	echo "broken-patch: FAILED: a sysroot or a cache entry was left behind" >&2
	exit 1
fi
echo "broken-patch: ok (the build stopped at zz-broken.patch)"
