# #! scripts started by path: through /bin/sh, with an argument, through another program.
/etc/sh-tests/helpers/greet.sh one two
echo "status: $?"
cd /etc/sh-tests/helpers
./greet.sh three
./exit7.sh; echo "exit7: $?"
./hello-args.sh x y
./greet.sh piped | while read l; do echo "got: $l"; done
sh ./greet.sh through-sh
