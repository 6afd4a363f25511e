# A small program: functions, local variables, loops, case and return values.
greet() {
    echo "hello, $1"
}

classify() {
    case $1 in
        [0-9]*) echo number ;;
        *.txt | *.md) echo document ;;
        -*) echo option ;;
        '') echo empty ;;
        *) echo word ;;
    esac
}

factorial() {
    if [ "$1" -le 1 ]; then
        echo 1
    else
        echo $(( $1 * $(factorial $(( $1 - 1 ))) ))
    fi
}

sum=0
add() {
    sum=$((sum + $1))
}

is_even() {
    return $(( $1 % 2 ))
}

scoped() {
    local count=10
    echo "local count: $count"
}

greet world
for item in 42 notes.txt -v '' plain; do
    printf '%s -> %s\n' "${item:-(empty)}" "$(classify "$item")"
done
for n in 1 2 3 4 5; do
    add "$n"
done
echo "sum: $sum"
echo "5! = $(factorial 5)"
count=1
scoped
echo "global count: $count"
n=0
while [ $n -lt 6 ]; do
    n=$((n + 1))
    if is_even $n; then continue; fi
    echo "odd: $n"
done
until [ $n -eq 0 ]; do n=$((n - 2)); done
echo "counted down to $n"
for outer in a b; do
    for inner in 1 2 3; do
        [ $inner -eq 3 ] && break
        echo "$outer$inner"
    done
done
echo "arguments: $# ${1:-none}"
