# sh reading commands from standard input, sh -c with $0 and arguments, sh -i without a terminal.
printf 'echo from stdin\nread x\nconsumed line\necho "x=$x"\n' | sh
echo "status: $?"
printf 'exit 5\necho never\n' | sh; echo "exit status: $?"
printf 'if true\nthen echo multi-line\nfi\n' | sh
sh -c 'echo "$0 $1 $2 $#"' name a b
sh -c 'echo "$0"'
sh -c 'exit 4'; echo "-c status: $?"
sh -e -c 'false; echo no'; echo "sh -e: $?"
sh nosuch-file.sh; echo "missing script: $?"
printf 'echo interactive\nexit 6\n' | sh -i; status=$?; echo; echo "sh -i status: $status"
