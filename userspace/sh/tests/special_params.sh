# $?, $$, $!, $#, $0 and positional parameters.
true; echo "true: $?"
false; echo "false: $?"
(exit 42); echo "subshell: $?"
echo "after echo: $?"
[ "$$" -gt 0 ] && echo "\$\$ is positive"
outer=$$
inner=$(echo $$); [ "$outer" = "$inner" ] && echo "\$\$ is the same in a substitution"
( [ "$$" = "$outer" ] && echo "\$\$ is the same in a subshell" )
/bin/true &
first=$!
wait
/bin/true &
second=$!
wait
[ "$first" != "$second" ] && [ "$first" != "$$" ] && echo "each job has its own pid"
echo "\$# = $#, \$0 = $0"
set -- a b c; echo "$# $1 $3"; shift; echo "$# $1"
f() { echo "in f: $# $1"; return 3; }
f x y; echo "f returned $?, outside: $# $1"
