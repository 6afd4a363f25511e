#!/bin/sh
# Builds the port NAME from cookbook/NAME/recipe and installs its files
# into DESTDIR: fetches the Debian source package (fetch-debian-source.sh),
# unpacks the upstream tarball, applies cookbook/NAME/*.patch all or
# nothing, runs the recipe's build command with CC=cairn-cc, and copies the
# recipe's installed files. The result is cached outside the clone
# ($CAIRN_CACHE/ports), keyed by the recipe, its patches, these scripts
# and the C library it links (musl and the shim), so an unchanged port is
# not built again. A build that fails stops with the port's name and the
# last lines of its log.
#
# Usage: cook.sh NAME DESTDIR   (the sysroot is $CAIRN_SYSROOT, by default
# build/sysroot: run `make sysroot` first; the compiler $CAIRN_CC, by
# default libc-shim/bin/cairn-cc)
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 NAME DESTDIR" >&2
	exit 2
fi
name=$1
destdir=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
sysroot=${CAIRN_SYSROOT:-$repo/build/sysroot}
cairn_cc=${CAIRN_CC:-$repo/libc-shim/bin/cairn-cc}
recipe=$here/$name/recipe
. "$here/lib.sh"

if [ ! -f "$recipe" ]; then
	echo "cook: no recipe $recipe" >&2
	exit 1
fi
package=$(recipe_field "$recipe" package)
version=$(recipe_field "$recipe" version)
tarball=$(recipe_field "$recipe" tarball)
directory=$(recipe_field "$recipe" directory)
build=$(recipe_field "$recipe" build)
install=$(recipe_field "$recipe" install)
recipe_field "$recipe" licence > /dev/null

key=$(cat "$0" "$here/lib.sh" "$recipe" "$here/$name"/*.patch "$sysroot/lib/libc.a" "$sysroot/lib/libcairn_shim.a" \
	2>/dev/null | sha256sum | cut -c1-16)
out=$cache/ports/$name-${version#*:}-$key

if [ ! -f "$out/.complete" ]; then
	src=$("$here/fetch-debian-source.sh" "$package" "$version") || {
		echo "cook: $name: the source could not be fetched" >&2
		exit 1
	}
	work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cook-$name.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	tar xf "$src/$tarball" -C "$work"
	tree=$work/$directory
	apply_patches "cook: $name" "$tree" "$here/$name"/*.patch
	log=$work/build.log
	echo "cook: building $name ($package $version)" >&2
	if ! (cd "$tree" && CC="$cairn_cc" CAIRN_SYSROOT="$sysroot" sh -c "$build") > "$log" 2>&1; then
		echo "cook: $name failed to build; the last lines of its log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	rm -rf "$out"
	for pair in $install; do
		from=${pair%%:*}
		to=${pair#*:}
		case $to in
		/usr/*) ;;
		*)
			echo "cook: $name: $to: ports install under /usr only" >&2
			exit 1
			;;
		esac
		if [ ! -f "$tree/$from" ]; then
			echo "cook: $name: the build made no $from" >&2
			rm -rf "$out"
			exit 1
		fi
		mkdir -p "$out/root$(dirname "$to")"
		cp "$tree/$from" "$out/root$to"
	done
	touch "$out/.complete"
fi

mkdir -p "$destdir"
cp -R "$out/root/." "$destdir/"
