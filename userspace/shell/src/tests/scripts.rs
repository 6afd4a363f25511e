//! Whole scripts combining functions, loops, `case`, substitutions and redirections.

use super::{output, run_in, shell_on, system};

const INVENTORY: &str = r#"#!/bin/sh
# Keeps an inventory of fruit and reports on it.
set -e

inventory=/tmp/inventory
: > "$inventory"

add() {
    name=$1
    count=${2:-1}
    echo "$name $count" >> "$inventory"
}

total() {
    sum=0
    while read -r item count; do
        sum=$((sum + count))
    done < "$inventory"
    echo "$sum"
}

classify() {
    case $1 in
        apple|pear) echo "pome" ;;
        cherry|plum) echo "drupe" ;;
        *berry) echo "berry" ;;
        *) echo "unknown" ;;
    esac
}

for fruit in apple cherry strawberry kiwi; do
    add "$fruit" ${#fruit}
done
add pear

echo "items: $(wc -l < "$inventory")"
echo "total: $(total)"

kinds=""
while read -r item count; do
    kind=$(classify "$item")
    kinds="$kinds $kind"
    if [ "$count" -gt 5 ]; then
        printf '%-12s %3d (many)\n' "$item" "$count"
    else
        printf '%-12s %3d\n' "$item" "$count"
    fi
done < "$inventory"
echo "kinds:$kinds"

i=0
until [ $i -ge 3 ]; do
    i=$((i + 1))
    [ $i -eq 2 ] && continue
    echo "round $i"
done

grep -c berry "$inventory" || echo "no berries"
trap 'echo "done with status $?"' EXIT
"#;

#[test]
fn fifty_line_script_with_functions_loops_and_case() {
    assert!(INVENTORY.lines().count() >= 50);
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, INVENTORY);
    assert_eq!(
        result.stdout,
        "items: 5\ntotal: 26\napple          5\ncherry         6 (many)\nstrawberry    10 (many)\nkiwi           4\npear           1\nkinds: pome drupe berry unknown pome\nround 1\nround 3\n1\ndone with status 0\n"
    );
    assert_eq!(result.stderr, "");
    assert_eq!(result.status, 0);
    assert_eq!(shell.os().file("/tmp/inventory").unwrap().lines().count(), 5);
}

#[test]
fn word_counting_script() {
    let script = r#"
text="the quick brown fox jumps over the lazy dog the end"
count_word() {
    n=0
    for w in $text; do
        [ "$w" = "$1" ] && n=$((n + 1))
    done
    echo "$1=$n"
}
for word in the fox cat; do count_word $word; done
set -- $text
echo "words: $#, last: $(eval echo \${$#})"
"#;
    assert_eq!(output(script), "the=3\nfox=1\ncat=0\nwords: 11, last: end\n");
}

#[test]
fn script_with_pipes_into_loops_and_substitutions() {
    let script = r#"
seq 1 20 | while read n; do
    case $((n % 15)) in
        0) echo FizzBuzz ;;
        3|6|9|12) echo Fizz ;;
        5|10) echo Buzz ;;
        *) echo $n ;;
    esac
done | grep -c zz
"#;
    assert_eq!(output(script), "9\n");
}
