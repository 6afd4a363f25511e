# File tests through stat, and the file-creation mask the shell keeps.
[ -d /tmp ] && echo "/tmp is a directory"
[ -f /etc/sh-tests/files.sh ] && echo "files.sh is a regular file"
[ -x /etc/sh-tests/helpers/greet.sh ] && echo "greet.sh is executable"
[ -x /etc/sh-tests/files.out ] || echo "files.out is not executable"
[ -e /nonexistent ] || echo "/nonexistent does not exist"
: > empty; echo data > full
[ -s empty ] || echo "empty is empty"
[ -s full ] && echo "full has data"
[ -r full ] && [ -w full ] && echo "full is readable and writable"
umask
umask 027; umask
(umask 077; umask)
umask
