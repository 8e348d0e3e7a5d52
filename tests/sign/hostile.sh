#!/usr/bin/env bash
# pes verify against hostile signed PES built here from a PES this test
# signs: transforms other than enveloped-signature and exclusive c14n
# (XPath, XSLT, Base64), external URIs in a Reference, a RetrievalMethod
# and a DTD (never fetched: a listener of the test counts connections),
# duplicate Ids; and what pes verify says of a valid sample (who signed
# what and when).
. tests/sign/lib.inc

# --- who signed what and when (a Libersign sample)
out=$("$LIASSE" pes verify "$PES/signed/libersign_sha256_bordereau.xml" 2>&1)
is "$?" 0 "échantillon Libersign : valide"
like "$out" "Signature 1 : bordereau BORD822933" "échantillon : l'élément signé (bordereau et son Id)"
like "$out" "signataire : DEMONSTRATION_SUPER \(AC : AC_ADULLACT_Utilisateurs_G3\)" "échantillon : le signataire et son AC"
like "$out" "date       : 2018-07-05T15:45:17Z" "échantillon : la date de signature"

# --- a PES signed by the test, the base of every hostile file
"$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/base.xml" >/dev/null 2>&1
is "$?" 0 "PES de base signé"
is "$(xmlsec_all "$W/base.xml" 1)" 1 "PES de base : xmlsec1 vérifie"
check "PES de base : pes verify" "$LIASSE" pes verify "$W/base.xml"

# a listener on a local port: counts the connections it receives
python3 - "$W/port" "$W/conns" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(('127.0.0.1', 0))
s.listen(16)
open(sys.argv[1] + '.tmp', 'w').write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
n = 0
while True:
    c, _ = s.accept()
    n += 1
    open(sys.argv[2], 'w').write(str(n))
    c.close()
PY
lpid=$!
trap 'kill "$lpid" 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
PORT=$(cat "$W/port")
URL=http://127.0.0.1:$PORT
# the listener works (so that "no connection" below means something)
python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$PORT"
for _ in $(seq 50); do [ -s "$W/conns" ] && break; sleep 0.1; done
is "$(cat "$W/conns" 2>/dev/null)" 1 "l'écouteur du test compte les connexions"
conns() { cat "$W/conns"; }

# edit NAME PYTHON-EXPR: $W/NAME.xml from base.xml, d being its bytes
edit() {
	python3 - "$W/base.xml" "$W/$1.xml" "$URL" "$2" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
url = sys.argv[3].encode()
ENV = b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
assert ENV in d
d = eval(sys.argv[4])
open(sys.argv[2], 'wb').write(d)
PY
}
# refused NAME WHAT PATTERN: pes verify exits 1, says PATTERN, fetched nothing
refused() {
	local out rc
	out=$("$LIASSE" pes verify "$W/$1.xml" 2>&1); rc=$?
	is "$rc" 1 "$2 : refusé (code 1)"
	like "$out" "$3" "$2 : message"
	is "$(conns)" 1 "$2 : aucune connexion"
}

edit xpath 'd.replace(ENV, ENV + b"<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::MtBordHt)</ds:XPath></ds:Transform>", 1)'
refused xpath "transformation XPath" "transformation non acceptée \(http://www.w3.org/TR/1999/REC-xpath-19991116\)"
edit xslt 'd.replace(ENV, ENV + b"<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"><xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"><xsl:template match=\"/\"><xsl:copy-of select=\"document(&apos;" + url + b"/xslt&apos;)\"/></xsl:template></xsl:stylesheet></ds:Transform>", 1)'
refused xslt "transformation XSLT" "transformation non acceptée \(http://www.w3.org/TR/1999/REC-xslt-19991116\)"
edit base64 'd.replace(ENV, ENV + b"<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/>", 1)'
refused base64 "transformation Base64" "transformation non acceptée \(http://www.w3.org/2000/09/xmldsig#base64\)"
# an external Reference added to SignedInfo
edit extref 'd.replace(b"</ds:SignedInfo>", b"<ds:Reference URI=\"" + url + b"/ref\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference></ds:SignedInfo>", 1)'
refused extref "référence externe" "référence externe refusée \($URL/ref\)"
# the Bordereau's Reference pointed outside
edit exturi 'd.replace(b"<ds:Reference URI=\"#BORD822933\"", b"<ds:Reference URI=\"" + url + b"/bord\"", 1)'
refused exturi "URI externe du bordereau" "référence externe refusée \($URL/bord\)"
# the certificate fetched through a RetrievalMethod instead of X509Data
edit retrieval 'd.replace(b"<ds:KeyInfo>", b"<ds:KeyInfo><ds:RetrievalMethod URI=\"" + url + b"/cert\" Type=\"http://www.w3.org/2000/09/xmldsig#rawX509Certificate\"/>", 1)'
grep -q RetrievalMethod "$W/retrieval.xml" || fail "RetrievalMethod : fichier préparé"
out=$("$LIASSE" pes verify "$W/retrieval.xml" 2>&1); rc=$?
is "$rc" 1 "RetrievalMethod : refusé (code 1)"
like "$out" "INVALIDE" "RetrievalMethod : INVALIDE"
is "$(conns)" 1 "RetrievalMethod : aucune connexion"
# an external DTD
edit dtd 'd.replace(b"?>", b"?>\n<!DOCTYPE n:PES_Aller SYSTEM \"" + url + b"/dtd\">", 1)'
out=$("$LIASSE" pes verify "$W/dtd.xml" 2>&1); rc=$?
is "$rc" 2 "DTD externe : refusée (code 2)"
like "$out" "DTD" "DTD externe : message"
is "$(conns)" 1 "DTD externe : aucune connexion"
# duplicate Ids: a second element carrying the signed Bordereau's Id (what
# signature wrapping needs)
edit dupid 'd.replace(b"<BlocBordereau>", b"<Leurre Id=\"BORD822933\"/><BlocBordereau>", 1)'
out=$("$LIASSE" pes verify "$W/dupid.xml" 2>&1); rc=$?
# (its signatures cannot be trusted: code 1, as for an invalid signature)
is "$rc" 1 "Id en double : échec de la vérification (code 1)"
like "$out" "L'identifiant « BORD822933 » apparaît deux fois" "Id en double : message en français"
[[ $out == *"VALIDE"* && $out != *"INVALIDE"* ]] && fail "Id en double : jamais VALIDE" || ok "Id en double : jamais VALIDE"
