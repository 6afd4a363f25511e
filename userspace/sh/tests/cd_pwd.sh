# cd and pwd, PWD and OLDPWD.
cd /tmp; pwd; echo "PWD=$PWD"
cd /; pwd
cd /etc/sh-tests/helpers; pwd
cd ..; pwd
cd -
pwd
cd /nonexistent; echo "status: $?"
pwd
