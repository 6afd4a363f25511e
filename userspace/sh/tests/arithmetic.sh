# Arithmetic expansion: operators, precedence, variables, assignment, bases, errors.
echo $((1 + 2 * 3))
echo $(( (1 + 2) * 3 ))
x=7; echo $((x * 6)) $((x / 2)) $((x % 4)) $((-x))
echo $((x += 3)); echo $x
echo $((1 << 4)) $((255 & 15)) $((8 | 1)) $((6 ^ 3))
echo $((3 > 2)) $((3 < 2)) $((2 == 2)) $((1 && 0)) $((1 || 0)) $((!0))
echo $((x > 5 ? 100 : 200))
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "loop: $i"
echo $((0x10)) $((010))
y=; echo "empty variable: $((y + 1))"
echo $((2147483647 + 1))
n=5; echo $(( n * (n + 1) / 2 ))
( echo $((1 / 0)) ); echo "division by zero in a subshell: $?"
echo "still running"
