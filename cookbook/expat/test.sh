# Expat on Cairn: upstream's C test suite (tests/runtests: the parser's
# checks, with its own count of passes and failures), then xmlwf on a
# well-formed, a malformed and an undeclared-entity document, and the
# `outline` example on a document. The expected output is the same
# script's with Expat built on the host.
T=/usr/libexec/expat-tests
$T/runtests 2>&1
echo "runtests: exit $?"
cat > good.xml <<'XML'
<?xml version="1.0"?>
<!DOCTYPE shelf [ <!ENTITY who "Cairn"> ]>
<shelf owner="&who;">
  <book id="1"><title>Lions' Commentary</title></book>
  <book id="2"><title>The Design of the UNIX Operating System</title><note>&#x263A; utf-8: é</note></book>
</shelf>
XML
printf '<a><b></a>\n' > bad.xml
printf '<a>&nosuch;</a>\n' > entity.xml
/usr/bin/xmlwf good.xml
echo "xmlwf good.xml: exit $?"
/usr/bin/xmlwf bad.xml
echo "xmlwf bad.xml: exit $?"
/usr/bin/xmlwf entity.xml
echo "xmlwf entity.xml: exit $?"
$T/outline < good.xml
echo "outline: exit $?"
