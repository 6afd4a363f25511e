# Shell functions the cookbook's scripts share (sourced, not run): recipe
# fields, and patches applied all or nothing. Their variables start with
# `_` so that they do not clobber the caller's.
#
# A recipe is a file of `key = value` lines (and `#` comments); see
# cookbook/README.md for the keys.

# recipe_field FILE KEY: prints KEY's value; stops the script if it has none.
recipe_field() {
	_field_value=$(sed -n "s/^$2[ \t]*=[ \t]*//p" "$1")
	if [ -z "$_field_value" ]; then
		echo "$1: no '$2'" >&2
		exit 1
	fi
	echo "$_field_value"
}

# recipe_optional FILE KEY: prints KEY's value, or nothing if it has none.
recipe_optional() {
	sed -n "s/^$2[ \t]*=[ \t]*//p" "$1"
}

# port_key COOKBOOK NAME FILE...: the cache key of port NAME: a hash of
# its recipe and patches, the FILEs (the tools and libraries every port
# is built with) and, recursively, the keys of the ports it depends on.
port_key() {
	_key_book=$1
	_key_name=$2
	shift 2
	{
		cat "$_key_book/$_key_name/recipe" "$@"
		cat "$_key_book/$_key_name"/*.patch 2>/dev/null || true
		for _key_dep in $(recipe_optional "$_key_book/$_key_name/recipe" depends); do
			port_key "$_key_book" "$_key_dep" "$@"
		done
	} | sha256sum | cut -c1-16
}

# apply_patches NAME TREE PATCH...: checks every patch against TREE with
# `patch --dry-run` before applying any, so a patch that does not apply
# stops the build (naming NAME, the patch and patch's message) with nothing
# half-applied.
apply_patches() {
	_patch_who=$1
	_patch_tree=$2
	shift 2
	for _patch in "$@"; do
		[ -f "$_patch" ] || continue
		if ! _patch_out=$(patch -d "$_patch_tree" -p1 --dry-run --quiet < "$_patch" 2>&1); then
			echo "$_patch_who: $_patch does not apply:" >&2
			echo "$_patch_out" >&2
			exit 1
		fi
	done
	for _patch in "$@"; do
		[ -f "$_patch" ] || continue
		patch -d "$_patch_tree" -p1 --quiet < "$_patch"
	done
}
