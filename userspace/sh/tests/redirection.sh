# Output, append and input redirection to files, descriptors kept with exec, and errors.
echo one > file
echo two >> file
while read line; do echo "read: $line"; done < file
{ echo first; echo second; } > group
while read line; do echo "group: $line"; done < group
echo replaced > file
while read line; do echo "now: $line"; done < file
exec 3> fd3
echo "via fd 3" >&3
exec 3>&-
while read line; do echo "fd3: $line"; done < fd3
exec 4< file
read from4 <&4
echo "from fd 4: $from4"
exec 4<&-
echo "to stderr" >&2
: > empty
while read line; do echo "never"; done < empty
echo "empty file read"
while read line; do echo "never"; done < missing
echo "status after missing: $?"
echo abc 1> explicit
read v < explicit; echo "explicit fd 1: $v"
printf 'x\ny\n' > two_lines
{ read a; read b; } < two_lines; echo "two reads: $a$b"
echo "read-write" 1<> rw
read r < rw; echo "rw: $r"
echo absolute > /tmp/shtest-redirection-absolute
read absolute < /tmp/shtest-redirection-absolute; echo "absolute: $absolute"
for i in 1 2 3; do echo "loop $i"; done > loop
while read line; do echo "from loop: $line"; done < loop
sh -c 'echo "a program writes to fd 3" >&3' 3> inherited
read line < inherited; echo "inherited: $line"
exec 5> kept
sh -c 'echo "fd 5 reaches a program" >&5'
exec 5>&-
read line < kept; echo "kept: $line"
sh -c 'echo "fd 5 is closed" >&5'
echo "closed fd: $?"
