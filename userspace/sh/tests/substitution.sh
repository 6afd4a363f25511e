# Command substitution: $(...), backquotes, nesting, trailing newlines, exit statuses.
echo "simple: $(echo hi)"
echo "nested: $(echo $(echo deep))"
echo "backquotes: `echo old`"
lines=$(printf 'a\nb\n\n\n'); echo "trailing newlines stripped: [$lines]"
x=$(false); echo "status of the assignment: $?"
x=$(exit 3); echo "status 3: $?"
echo "program: $(/bin/hello sub | while read l; do echo "$l"; break; done)"
count=0; for w in $(echo one two three); do count=$((count + 1)); done; echo "words: $count"
echo "quoted keeps spaces: $(echo "a   b")"
echo unquoted splits: $(echo "a   b")
v=$(cd /; pwd); echo "substitution cwd: $v"
echo "still in: $(pwd)"
echo "arithmetic inside: $(echo $((6 * 7)))"
