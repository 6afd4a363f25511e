# The order of 2>&1 and > decides where standard error goes.
{ echo out; echo err >&2; } > both 2>&1
echo "both:"
while read l; do echo "  $l"; done < both
{ echo out; echo err >&2; } 2>&1 > only_out
echo "only_out:"
while read l; do echo "  $l"; done < only_out
{ echo out2; echo err2 >&2; } 2> errors
echo "errors:"
while read l; do echo "  $l"; done < errors
( echo from-subshell >&2 ) 2>&1 | while read l; do echo "piped: $l"; done
echo "back to normal" >&2
