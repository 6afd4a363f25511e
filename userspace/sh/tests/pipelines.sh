# Pipelines of builtins, compound commands and programs, and their exit statuses.
printf 'a\nb\n' | while read x; do echo "<$x>"; done
echo hello | { read y; echo "got $y"; }
printf '1\n2\n3\n' | while read n; do echo $((n * 2)); done | while read m; do echo "[$m]"; done
true | false; echo "true | false: $?"
false | true; echo "false | true: $?"
! true | true; echo "negated: $?"
/bin/hello one two | while read line; do echo "hello said: $line"; done
echo ignored | /bin/true; echo "into /bin/true: $?"
x=outer; echo inner | read x; echo "x is still $x"
echo "a b c" | { read first rest; echo "first=$first rest=$rest"; }
