# ulimit: the shell's resource limits, inherited by what it starts.
ulimit -n
ulimit -n 64
ulimit -n
ulimit -Hn
(ulimit -n 100000)
echo "beyond the fd table: $?"
ulimit -Sn 32
sh -c 'ulimit -Sn; ulimit -Hn'
(
    ulimit -n 5
    exec 5</scheme/null
    echo "exec 5< beyond a limit of 5: $?"
    echo "fd 1 is saved below the limit" >/scheme/null
    echo "fd 1 still works"
    ulimit -n 3
    echo "no room to save fd 1" >/scheme/null
    echo "fd 1 still works: $?"
)
case $(ulimit -u) in
'' | *[!0-9]*) echo "-u is not a number" ;;
*) echo "-u is a number" ;;
esac
ulimit -v
(ulimit -v 2048; ulimit -v; ulimit -Hv)
ulimit
ulimit -f 10
echo "-f: $?"
ulimit -x
echo "invalid option: $?"
ulimit -n abc
echo "invalid number: $?"
