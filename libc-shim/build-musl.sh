#!/bin/sh
# Builds musl for Cairn and installs it into a sysroot: the Debian source
# package and version of libc-shim/musl/recipe (fetched by
# cookbook/fetch-debian-source.sh), its upstream tarball with
# libc-shim/musl/*.patch applied (system calls go to the Rust shim's
# `__cairn_syscall`), static only. The build is cached outside the
# clone, keyed by the version and the patches, so it runs once per machine.
#
# Usage: build-musl.sh SYSROOT
# Fills SYSROOT/include (musl's headers) and SYSROOT/lib (crt1.o, rcrt1.o,
# crti.o, crtn.o, libc.a and musl's empty companion archives).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 SYSROOT" >&2
	exit 2
fi
sysroot=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
recipe=$here/musl/recipe
. "$repo/cookbook/lib.sh"
package=$(recipe_field "$recipe" package)
version=$(recipe_field "$recipe" version)
tarball=$(recipe_field "$recipe" tarball)
directory=$(recipe_field "$recipe" directory)

key=$(cat "$0" "$repo/cookbook/lib.sh" "$recipe" "$here"/musl/*.patch | sha256sum | cut -c1-16)
prefix=$cache/musl/$version-$key

if [ ! -f "$prefix/.complete" ]; then
	src_dir=$("$repo/cookbook/fetch-debian-source.sh" "$package" "$version")
	work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-musl.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	tar xf "$src_dir/$tarball" -C "$work"
	tree=$work/$directory
	apply_patches "build-musl: $package $version" "$tree" "$here"/musl/*.patch
	log=$work/build.log
	echo "build-musl: building $package $version for Cairn into $prefix (log: $log)" >&2
	rm -rf "$prefix"
	if ! (cd "$tree" && ./configure --prefix="$prefix" --disable-shared CC=gcc CFLAGS="-O2" &&
		make -j"${JOBS:-2}" && make install) > "$log" 2>&1; then
		echo "build-musl: musl failed to build; the last lines of $log:" >&2
		tail -n 30 "$log" >&2
		trap - EXIT
		exit 1
	fi
	echo "$package $version" > "$prefix/VERSION"
	touch "$prefix/.complete"
fi

mkdir -p "$sysroot"
rm -rf "$sysroot/include" "$sysroot/lib"
cp -a "$prefix/include" "$prefix/lib" "$sysroot/"
cp "$prefix/VERSION" "$sysroot/MUSL_VERSION"
