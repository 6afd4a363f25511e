#!/bin/sh
# Builds the port NAME from cookbook/NAME/recipe and installs its files
# into DESTDIR: cooks the ports it `depends` on first, fetches the Debian
# source package (fetch-debian-source.sh), unpacks the upstream tarball,
# applies cookbook/NAME/*.patch all or nothing, runs the recipe's build
# command with Cairn's tools (CC=cairn-cc, AR, RANLIB, PKG_CONFIG, the
# x86_64-linux-musl-* names on PATH, CMAKE_TOOLCHAIN_FILE) and the
# dependencies' development files in $CAIRN_PORTS_DEV, runs its `dev`
# command (installing its own development files into $DESTDIR, for the
# ports that depend on it), and copies the recipe's installed files. The
# result is cached outside the clone ($CAIRN_CACHE/ports), keyed by the
# recipe, its patches, its dependencies' keys, these scripts and the C
# library it links (musl and the shim), so an unchanged port is not built
# again. A build that fails stops with the port's name and the last lines
# of its log.
#
# Usage: cook.sh NAME DESTDIR [DEVDIR]   (DEVDIR receives the port's
# development files; the sysroot is $CAIRN_SYSROOT, by default
# build/sysroot: run `make sysroot` first; the compiler $CAIRN_CC, by
# default libc-shim/bin/cairn-cc)
set -eu

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
	echo "usage: $0 NAME DESTDIR [DEVDIR]" >&2
	exit 2
fi
name=$1
destdir=$2
devdir=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
sysroot=${CAIRN_SYSROOT:-$repo/build/sysroot}
cairn_cc=${CAIRN_CC:-$repo/libc-shim/bin/cairn-cc}
# Cairn's C tools and CMake toolchain file ($CAIRN_SHIM_DIR/bin, /cmake).
shim=${CAIRN_SHIM_DIR:-$repo/libc-shim}
tools=$shim/bin
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
depends=$(recipe_optional "$recipe" depends)
dev=$(recipe_optional "$recipe" dev)

key=$(port_key "$here" "$name" "$0" "$here/lib.sh" "$tools"/* "$shim/cmake/cairn.cmake" \
	"$sysroot/lib/libc.a" "$sysroot/lib/libcairn_shim.a")
# CAIRN_COOK_FOR=host builds the port for the host instead (with the
# host's gcc and libc, still only the dependencies' .pc files), to get the
# expected outputs of its test (cookbook/expected.sh).
for=${CAIRN_COOK_FOR:-cairn}
case $for in
cairn) out=$cache/ports/$name-${version#*:}-$key ;;
host) out=$cache/ports-host/$name-${version#*:}-$key ;;
*)
	echo "cook: CAIRN_COOK_FOR is cairn or host, not $for" >&2
	exit 2
	;;
esac

if [ ! -f "$out/.complete" ]; then
	src=$("$here/fetch-debian-source.sh" "$package" "$version") || {
		echo "cook: $name: the source could not be fetched" >&2
		exit 1
	}
	work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cook-$name.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	mkdir "$work/dev" "$work/dev-out" "$work/dep-root"
	for dep in $depends; do
		"$0" "$dep" "$work/dep-root" "$work/dev" || {
			echo "cook: $name: its dependency $dep failed" >&2
			exit 1
		}
	done
	tar xf "$src/$tarball" -C "$work"
	tree=$work/$directory
	apply_patches "cook: $name" "$tree" "$here/$name"/*.patch
	log=$work/build.log
	echo "cook: building $name ($package $version)" >&2
	if ! (cd "$tree" && export PKG_CONFIG="$tools/cairn-pkg-config" CAIRN_PORTS_DEV="$work/dev" &&
		if [ "$for" = cairn ]; then
			export CC="$cairn_cc" AR="$tools/cairn-ar" RANLIB="$tools/cairn-ranlib" PATH="$tools:$PATH" \
				CAIRN_SYSROOT="$sysroot" CMAKE_TOOLCHAIN_FILE="$shim/cmake/cairn.cmake"
		else
			export CC="${CAIRN_HOST_CC:-gcc}"
		fi &&
		sh -c "$build" && DESTDIR="$work/dev-out" sh -c "${dev:-true}") > "$log" 2>&1; then
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
		if [ ! -e "$tree/$from" ]; then
			echo "cook: $name: the build made no $from" >&2
			rm -rf "$out"
			exit 1
		fi
		mkdir -p "$out/root$(dirname "$to")"
		cp -R "$tree/$from" "$out/root$to"
	done
	cp -R "$work/dev-out" "$out/dev"
	touch "$out/.complete"
fi

mkdir -p "$destdir"
cp -R "$out/root/." "$destdir/"
if [ -n "$devdir" ]; then
	mkdir -p "$devdir"
	cp -R "$out/dev/." "$devdir/"
fi
