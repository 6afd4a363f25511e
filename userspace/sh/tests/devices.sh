# /dev from scripts: the usual redirections, each device's behaviour, and ls of kernel-listed directories.
echo hidden 2>/dev/null
echo gone > /dev/null
ls /nowhere 2>/dev/null
echo "status of a hidden error: $?"
read nothing < /dev/null
echo "read from /dev/null: $? [$nothing]"
head -c 16 /dev/zero | wc -c
head -c 4 /dev/zero | hexdump
head -c 32 /dev/urandom | wc -c
head -c 32 /dev/random | wc -c
echo full > /dev/full
echo "status after /dev/full: $?"
echo "through stdin" | cat /dev/stdin
echo "through stdout" > /dev/stdout | cat
echo "through stderr" 2>&1 > /dev/stderr | cat
exec 3> fd-target
echo "via /dev/fd/3" > /dev/fd/3
exec 3>&-
cat fd-target
exec 4< fd-target
cat /dev/fd/4
exec 4<&-
echo "pipe end" | cat /dev/fd/0
echo "no terminal" > /dev/tty
echo "status without a terminal: $?"
ls /dev | grep -c -e '^null$' -e '^zero$' -e '^full$' -e '^random$' -e '^urandom$' -e '^stdin$' -e '^stdout$' -e '^stderr$' -e '^tty$' -e '^fd$'
ls /scheme/sys
cd /dev && echo "in $(pwd)" && cat ./null && cd /
