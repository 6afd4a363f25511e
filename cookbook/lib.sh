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
