# Here-documents: expansion, quoted delimiters, <<- tab stripping, long bodies.
name=world
while read line; do echo "[$line]"; done <<EOF
hello $name
sum $((2 + 3))
command $(echo sub)
EOF
while read -r line; do echo "[$line]"; done <<'EOF'
no $name expansion
EOF
while read line; do echo "[$line]"; done <<-EOF
	tabs stripped
		all leading tabs
	EOF
read a b <<EOF
first second third
EOF
echo "a=$a b=$b"
f() {
    while read l; do echo "in function: $l"; done
}
f <<END
one
two
END
big=$(i=0; while [ $i -lt 300 ]; do echo "line $i of a long here-document"; i=$((i + 1)); done)
n=0
while read l; do n=$((n + 1)); last=$l; done <<EOF
$big
EOF
echo "long: $n lines, the last: $last"
