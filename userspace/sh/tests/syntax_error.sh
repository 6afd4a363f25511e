# A syntax error ends a script with status 2 and names its line and column.
echo "before the error"
if true; then
    echo "inside"
fi fi
echo "never"
