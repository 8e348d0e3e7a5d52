#!/usr/bin/env bash
# A ~30 MB PES signed per Bordereau from the streaming reader: peak memory
# bounded by the file size (a memory check, not a timing one), verified by
# liasse and by xmlsec1, unchanged outside the signatures.
. tests/sign/lib.inc

python3 tests/lib/gen_pes.py "$PES/aller/recette_6_bordereaux_prefixe_p.xml" 30 "$W/big.xml"
size_kb=$(($(stat -c %s "$W/big.xml") / 1024))
n=$(grep -c '<Bordereau ' "$W/big.xml")
# the program's own footprint (libraries, a 0.8 MB sample): not counted
/usr/bin/time -f '%M' -o "$W/rss" "$LIASSE" pes verify "$PES/aller/recette_6_bordereaux_prefixe_p.xml" >/dev/null 2>&1
base=$(tail -n 1 "$W/rss")
limit=$((base + size_kb * 3 / 2))
# check_rss WHAT: the peak RSS /usr/bin/time wrote in $W/rss is under the limit
check_rss() {
	local rss
	rss=$(tail -n 1 "$W/rss")
	if [ -n "${SAN:-}" ]; then
		ok "$1 pic mémoire # SKIP sanitizers change the memory use"
	elif [ "$rss" -lt "$limit" ]; then
		ok "$1 pic mémoire ${rss} Ko < ${base} Ko + 1,5 × ${size_kb} Ko"
	else
		fail "$1 pic mémoire ${rss} Ko >= ${base} Ko + 1,5 × ${size_kb} Ko"
	fi
}
/usr/bin/time -f '%M' -o "$W/rss" "$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" \
	--cert "$CARDLAB_SIGN_CERT" "$W/big.xml" "$W/big-signed.xml" >"$W/sign.out" 2>&1
is "$?" 0 "30 Mo : signé"
like "$(cat "$W/sign.out")" "$n signature\(s\) par bordereau" "30 Mo : $n bordereaux signés"
check_rss "30 Mo : signature,"
/usr/bin/time -f '%M' -o "$W/rss" "$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/big-signed.xml" >"$W/verify.out" 2>&1
is "$?" 0 "30 Mo : pes verify"
is "$(grep -c 'résultat   : VALIDE' "$W/verify.out")" "$n" "30 Mo : $n résultats VALIDE"
check_rss "30 Mo : vérification,"
check "30 Mo : xmlsec1 vérifie la dernière signature" xmlsec1 --verify --id-attr:Id PES_Aller \
	--id-attr:Id Bordereau --id-attr:Id "http://uri.etsi.org/01903/v1.2.2#:SignedProperties" \
	--trusted-pem "$CARDLAB_CA_CERT" \
	--node-xpath "(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])[$n]" \
	"$W/big-signed.xml"
# every signature: each Bordereau of the signed file, its bytes unchanged,
# alone in a copy of the file (exclusive c14n: its digests do not depend on
# the rest), is verified by xmlsec1 (one 30 MB parse per signature is too slow)
python3 - "$W/big-signed.xml" "$W/one" <<'PY2'
import re, sys
d = open(sys.argv[1], 'rb').read()
b = [m.span() for m in re.finditer(rb'<Bordereau .*?</Bordereau>', d, re.S)]
head, tail = d[:b[0][0]], d[b[-1][1]:]
for i, (s, e) in enumerate(b):
    open('%s%04d.xml' % (sys.argv[2], i), 'wb').write(head + d[s:e] + tail)
PY2
okn=0
for f in "$W"/one*.xml; do
	[ "$(xmlsec_all "$f" 1)" = 1 ] && okn=$((okn + 1))
done
is "$okn" "$n" "30 Mo : xmlsec1 vérifie les $n signatures, chaque bordereau à part"
rm -f "$W"/one*.xml
# the whole-document path (libxml2's c14n of the tree) gives every
# Bordereau the digest the streaming path (c14n written from the parser's
# events) gave it
LIASSE_PES_STREAM_MIN=999999999999 "$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" \
	--cert "$CARDLAB_SIGN_CERT" "$W/big.xml" "$W/big-dom.xml" >"$W/dom.out" 2>&1
is "$?" 0 "30 Mo par l'arbre du document : signé"
bord_digests() {
	python3 -c 'import re,sys; d=open(sys.argv[1],"rb").read(); print("\n".join(m[0].decode()+" "+m[1].decode() for m in re.findall(rb"<ds:Reference URI=\"#([^\"]+)\">.*?<ds:DigestValue>([^<]*)</ds:DigestValue>", d, re.S) if not m[0].endswith(b"_SP")))' "$1"
}
bord_digests "$W/big-signed.xml" >"$W/digests.stream"
bord_digests "$W/big-dom.xml" >"$W/digests.dom"
is "$(wc -l <"$W/digests.stream")" "$n" "30 Mo : $n empreintes de bordereau"
check "30 Mo : mêmes empreintes de bordereau par le flux et par l'arbre" cmp "$W/digests.stream" "$W/digests.dom"
strip_sigs "$W/big-signed.xml" >"$W/big.stripped"
check "30 Mo : hors signatures, identique octet pour octet" cmp "$W/big.stripped" "$W/big.xml"
# tampering one amount in the middle of the file is caught
python3 - "$W/big-signed.xml" "$W/big-tampered.xml" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
i = d.index(b'<Bordereau Id="GEN00000010"')
j = d.index(b'<MtBordHt V="', i) + len(b'<MtBordHt V="')
open(sys.argv[2], 'wb').write(d[:j] + b'9' + d[j:])
PY
"$LIASSE" pes verify "$W/big-tampered.xml" >"$W/tampered.out" 2>&1
is "$?" 1 "30 Mo : montant modifié : échec"
rm -f "$W"/big*.xml "$W/big.stripped"

# what canonicalisation must get right, inside a Bordereau: attributes out
# of order and escaped, character references, CDATA, a comment and
# processing instructions, prefixed and default namespaces, xml:lang,
# Latin-1; the streaming path and the whole-document path give the same
# digest, and xmlsec1 accepts the signature
python3 - "$PES/aller/depense_bordereau_id_small.xml" "$W/edge.xml" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
extra = ('<Essai z="2" a="x &amp; &lt;y&gt; &quot;q&quot; &#9;t&#10;n&#13;r \xe9" xml:lang="fr" '
         'depa:att="v" m="1">texte &amp; &lt; &gt; &#13; \xe9 <![CDATA[ <cdata> & ]]> '
         '<!-- un commentaire --> <?cible donn\xe9es ?><?vide?>'
         '<depa:Elem depa:b="1" ds:a="2"><Sous xmlns="urn:defaut" a="1"><Plus xmlns=""/></Sous>'
         '</depa:Elem><mara:X xmlns:mara="urn:autre"/><Vide/></Essai>\n   ').encode('latin1')
i = d.index(b'<BlocBordereau>')
open(sys.argv[2], 'wb').write(d[:i] + extra + d[i:])
PY
"$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" \
	"$W/edge.xml" "$W/edge-stream.xml" >/dev/null 2>&1
is "$?" 0 "cas limites : signé (flux)"
LIASSE_PES_STREAM_MIN=999999999999 "$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" \
	--cert "$CARDLAB_SIGN_CERT" "$W/edge.xml" "$W/edge-dom.xml" >/dev/null 2>&1
is "$?" 0 "cas limites : signé (arbre du document)"
like "$(bord_digests "$W/edge-stream.xml")" "^BORD822933 [A-Za-z0-9+/]{43}=$" "cas limites : une empreinte"
is "$(bord_digests "$W/edge-stream.xml")" "$(bord_digests "$W/edge-dom.xml")" \
	"cas limites : même empreinte du bordereau par le flux et par l'arbre"
is "$(xmlsec_all "$W/edge-stream.xml" 1)" 1 "cas limites : xmlsec1 vérifie la signature"
strip_sigs "$W/edge-stream.xml" >"$W/edge.stripped"
check "cas limites : hors signature, identique octet pour octet" cmp "$W/edge.stripped" "$W/edge.xml"
rm -f "$W"/edge*

# a PES in UTF-16 is refused, whatever its size, with the reason
sed 's/encoding="ISO-8859-1"/encoding="UTF-16"/' "$PES/aller/depense_bordereau_id_small.xml" |
	iconv -f ISO-8859-1 -t UTF-16 >"$W/u16.xml"
out=$("$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" \
	"$W/u16.xml" "$W/u16-out.xml" 2>&1)
is "$?" 1 "UTF-16 : refusé (code 1)"
like "$out" "UTF-16 non pris en charge" "UTF-16 : message"
check_fails "UTF-16 : rien d'écrit" test -e "$W/u16-out.xml"
