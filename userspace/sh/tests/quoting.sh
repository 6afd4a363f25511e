# Quoting: single, double, backslashes, "$@" and $*, field splitting, parameter expansion.
echo 'single: $HOME `x` "double"'
echo "double: \$ \` \" \\ $((1 + 1))"
echo back\ slash\ spaces
echo "a"'b'c
v='  two  spaces  '
echo [$v]
echo "[$v]"
set -- "one arg" two "" four
echo "count: $#"
for a in "$@"; do echo "<$a>"; done
for a in $*; do echo "star: <$a>"; done
echo "joined: $*"
IFS=:; echo "IFS joined: $*"; unset IFS
empty=
set -- $empty; echo "unquoted empty gives $# arguments"
set -- "$empty"; echo "quoted empty gives $# argument"
echo "nested \"quotes\" and 'singles'"
echo 'it'\''s'
x='$(echo not run)'; echo "$x"
echo ${unset:-default} ${unset-dash} "[${unset:+alternative}]"
name=value; echo "${name}s ${#name} ${name%ue} ${name#va}"
echo \"
printf '%s\n' "line1
line2"
echo '#' not a comment \# either
echo a#b
