# Pathname expansion in the test's directory under /tmp.
: > a.txt; : > b.txt; : > c.log; : > .hidden; : > 'with space.txt'
echo *.txt
echo *.log
echo ?.txt
echo [ab].txt
echo [!a].txt
echo *
echo .h*
echo nomatch*
echo "*.txt"
echo \*.txt
for f in *.txt; do echo "file: $f"; done
echo /tmp/shtest/globbing/*.log
set -f; echo *.txt; set +f
case a.txt in *.txt) echo "case pattern";; esac
pattern='*.log'; echo $pattern "$pattern"
