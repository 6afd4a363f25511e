# C programs built with cairn-cc (musl with libc-shim): hello-c prints its
# arguments; ctest checks stdio, malloc, strings, files, directories,
# environment, fork/wait, poll and signals, and exits with its failures.
/usr/bin/hello-c one 'two words'
echo "hello-c: exit $?"
/usr/bin/ctest alpha beta
echo "ctest: exit $?"
/usr/bin/ctest
echo "ctest without arguments: exit $?"
