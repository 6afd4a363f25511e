#!/bin/sh
echo "greet.sh: \$0=$0 arguments=$*"
