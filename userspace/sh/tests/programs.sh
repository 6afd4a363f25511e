# External programs: PATH search, arguments, environment, command -v, exec.
hello a "b c"
/bin/hello
FOO=bar sh -c 'echo "FOO=$FOO"'
echo "FOO after: ${FOO:-unset}"
export EXPORTED=yes; sh -c 'echo "EXPORTED=$EXPORTED"'
NOTEXPORTED=no; sh -c 'echo "NOTEXPORTED=${NOTEXPORTED:-unset}"'
command -v hello
command -v echo
/bin/true; echo "true: $?"
sh -c 'exec /bin/hello exec-replaced; echo never'
