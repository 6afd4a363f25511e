# Commands that cannot be run: not found (127), a directory or a file without x (126).
nosuch
echo "status: $?"
/tmp/nosuch/program
echo "status: $?"
( nosuch ); echo "subshell: $?"
echo x | nosuch; echo "end of a pipeline: $?"
/etc; echo "directory: $?"
/etc/sh-tests/not_found.out; echo "not executable: $?"
PATH=/nowhere hello; echo "empty PATH: $?"
nosuch
