#!/bin/sh
# Fetches a Debian source package (PACKAGE=VERSION) into the cache outside
# the clone, as ../shared/PORTS.md describes: a private apt configuration
# derived at run time from the machine's own apt sources (deb822 `.sources`
# and one-line `.list` files; both become deb-src entries), `apt-get source
# --download-only`, whose checksums apt verifies against the `.dsc`. A second
# run finds the files in the cache and touches no network.
#
# Usage: fetch-debian-source.sh PACKAGE VERSION
# Prints the directory holding PACKAGE_VERSION.dsc and its files.
# Cache: $CAIRN_CACHE (default ~/.cache/cairn): apt/ (configuration, lists),
# sources/PACKAGE_VERSION/ (the downloads).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 PACKAGE VERSION" >&2
	exit 2
fi
pkg=$1
version=$2
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
apt_dir=$cache/apt
dest=$cache/sources/${pkg}_${version#*:}
# Debian drops the epoch from file names.
dsc=$dest/${pkg}_${version#*:}.dsc

if [ -f "$dest/.complete" ] && [ -f "$dsc" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.d" "$dest"

# deb822 stanzas: keep enabled stanzas that carry binary packages, as
# deb-src. Blank lines separate stanzas.
: > "$apt_dir/sources.d/src.sources"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk '
		function flush() {
			if (n > 0 && deb && !disabled) {
				for (i = 1; i <= n; i++) print lines[i]
				print ""
			}
			n = 0; deb = 0; disabled = 0
		}
		/^[ \t]*$/ { flush(); next }
		/^Types:/ {
			deb = ($0 ~ /[: \t]deb([ \t]|$)/)
			lines[++n] = "Types: deb-src"
			next
		}
		/^Enabled:[ \t]*[Nn][Oo]/ { disabled = 1 }
		{ lines[++n] = $0 }
		END { flush() }
	' "$f" >> "$apt_dir/sources.d/src.sources"
done
# One-line form: every `deb` line becomes a `deb-src` line.
: > "$apt_dir/sources.d/src.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[ \t]*deb[ \t]/deb-src /p' "$f" >> "$apt_dir/sources.d/src.list"
done
if [ ! -s "$apt_dir/sources.d/src.sources" ] && [ ! -s "$apt_dir/sources.d/src.list" ]; then
	echo "fetch: no Debian archive found in /etc/apt (sources.list or sources.list.d)" >&2
	exit 1
fi

apt_options="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$apt_dir/sources.d \
	-o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache -o APT::Get::Only-Source=true"
mkdir -p "$apt_dir/cache/archives/partial"
# shellcheck disable=SC2086
if ! apt-cache $apt_options showsrc "$pkg=$version" 2>/dev/null | grep -q "^Version: $version\$"; then
	apt-get -q $apt_options update >&2
fi
# apt verifies every file against the checksums of the signed index and the .dsc.
# shellcheck disable=SC2086
(cd "$dest" && apt-get -q $apt_options source --download-only "$pkg=$version" >&2) || {
	echo "fetch: apt-get source $pkg=$version failed" >&2
	rm -rf "$dest"
	exit 1
}
if [ ! -f "$dsc" ]; then
	echo "fetch: $dsc missing after apt-get source" >&2
	rm -rf "$dest"
	exit 1
fi
touch "$dest/.complete"
echo "$dest"
