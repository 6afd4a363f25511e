# Syntax errors in -c strings and on standard input.
sh -c 'echo one; if; then'; echo "status: $?"
sh -c 'echo "unterminated'; echo "status: $?"
sh -c 'case x in'; echo "status: $?"
sh -c 'echo ok
echo )'; echo "status: $?"
printf 'echo from stdin\nfi\necho never\n' | sh; echo "stdin status: $?"
