#!/usr/bin/env bash
# make bench, PES signing part: PES files of 1, 10 and 100 MB generated from
# a sample by repeating a Bordereau (unique Ids), signed with a software
# key by liasse (one signature per Bordereau, streaming) and by xmlsec1
# --sign (one global signature over the same file, same key); wall time
# and CPU time (s) and peak RSS (MB) of each, and sha256sum's time as the floor.
# Figures only; never fails on time. BENCH_SIGN_SIZES="1 10" changes sizes.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
LIASSE=${LIASSE:-$PWD/$B/liasse}
SIZES=${BENCH_SIGN_SIZES:-1 10 100}
SAMPLE=${BENCH_SIGN_SAMPLE:-../shared/samples/pes/aller/recette_6_bordereaux_prefixe_p.xml}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/liasse-bench-sign.XXXXXX")
trap '[ -n "${BENCH_KEEP:-}" ] || rm -rf "$TMP"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 30 -subj "/CN=Banc de signature/O=liasse" \
	-addext "keyUsage=critical,nonRepudiation,digitalSignature" 2>/dev/null
# measure LABEL CMD...: prints "LABEL  wall seconds  CPU seconds (user +
# system)  peak MB"; the CPU time says more than the wall time on a loaded
# machine
measure() {
	local label=$1
	shift
	if /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$@" >"$TMP/out" 2>&1; then
		read -r s u y kb <"$TMP/time"
		printf '  %-34s %8s s %8s s CPU %6d Mo\n' "$label" "$s" \
			"$(awk -v u="$u" -v y="$y" 'BEGIN { printf "%.2f", u + y }')" $((kb / 1024))
	else
		printf '  %-34s échec (%s)\n' "$label" "$(tail -n 1 "$TMP/out")"
	fi
}
echo "--- signature PES (clé logicielle RSA 2048 ; charge : $(cut -d' ' -f1-3 /proc/loadavg))"
for mb in $SIZES; do
	f=$TMP/pes-$mb.xml
	python3 tests/lib/gen_pes.py "$SAMPLE" "$mb" "$f"
	n=$(grep -c '<Bordereau ' "$f")
	# xmlsec1's template: one global signature, last child of PES_Aller
	python3 - "$f" "$TMP/tmpl-$mb.xml" <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
rid = re.search(rb'<\w+:PES_Aller\b[^>]*\bId="([^"]+)"', d).group(1)
sig = (b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
       b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
       b'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
       b'<ds:Reference URI="#' + rid + b'"><ds:Transforms>'
       b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
       b'<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
       b'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
       b'<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>'
       b'<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>')
end = d.rindex(b'</')
open(sys.argv[2], 'wb').write(d[:end] + sig + d[end:])
PY
	echo "$(($(stat -c %s "$f") / 1048576)) Mo, $n bordereaux :"
	measure "sha256sum (plancher)" sha256sum "$f"
	measure "liasse pes sign (par bordereau)" "$LIASSE" pes sign --key "$TMP/key.pem" \
		--cert "$TMP/cert.pem" "$f" "$TMP/signed-$mb.xml"
	measure "liasse pes verify" "$LIASSE" pes verify "$TMP/signed-$mb.xml"
	measure "xmlsec1 --sign (globale)" xmlsec1 --sign --id-attr:Id PES_Aller \
		--privkey-pem "$TMP/key.pem,$TMP/cert.pem" --output "$TMP/xmlsec-$mb.xml" "$TMP/tmpl-$mb.xml"
	rm -f "$f" "$TMP/tmpl-$mb.xml" "$TMP/signed-$mb.xml" "$TMP/xmlsec-$mb.xml"
done
