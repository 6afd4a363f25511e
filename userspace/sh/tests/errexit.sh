# set -e: a failing command ends the script, except where its status is tested.
set -e
false || echo "|| protects"
if false; then echo no; fi
echo "an if condition protects"
! true
echo "! protects"
while false; do :; done
x=$(true); echo "substitution ok"
f() { false; echo "set -e is ignored inside f in a || list"; }
f || echo "not printed"
echo "before the failure"
false
echo "not reached"
