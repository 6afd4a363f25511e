# sh -i without a terminal: prompts on standard error, continuation lines, errors that do not end the shell.
printf 'echo one\nif true\nthen echo two\nfi\necho )\necho still here\nnosuch\necho "status $?"\n' | sh -i
echo
printf 'echo custom\n' | PS1='custom> ' sh -i
echo
