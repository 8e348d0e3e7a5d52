#!/usr/bin/env bash
# ECDSA P-256 through PKCS#11: an EC key and its certificate (issued here
# by the lab's CA) put in a SoftHSM token of the test's own; a PES signed
# with it (xmlsec1 and pes verify check it) and a document (CAdES, checked
# by openssl cms -verify).
. tests/sign/lib.inc
# a SoftHSM of this test only: the lab's tokens stay as they are
export SOFTHSM2_CONF=$W/softhsm2.conf
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$W/tokens" >"$SOFTHSM2_CONF"
MOD=$CARDLAB_SOFTHSM_MODULE
P=$CARDLAB_DIR/pki

# --- the EC key, its certificate, the token
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/ec.key" 2>/dev/null
openssl req -new -key "$W/ec.key" -subj "/C=FR/O=Commune de test/CN=Claire Courbe" -out "$W/ec.csr" 2>/dev/null
printf 'keyUsage = critical, nonRepudiation, digitalSignature\nbasicConstraints = CA:FALSE\n' >"$W/ec.ext"
openssl x509 -req -in "$W/ec.csr" -CA "$CARDLAB_CA_CERT" -CAkey "$P/ca.key" -set_serial 0x5EC256 \
	-days 30 -sha256 -extfile "$W/ec.ext" -out "$W/ec.crt" 2>"$W/x509.log"
check "certificat EC émis par l'AC du laboratoire" openssl verify -CAfile "$CARDLAB_CA_CERT" "$W/ec.crt"
openssl x509 -in "$W/ec.crt" -outform DER -out "$W/ec.der"
softhsm2-util --init-token --free --label EC-TEST --pin "$CARDLAB_PIN" --so-pin 87654321 >"$W/hsm.log" 2>&1
softhsm2-util --import "$W/ec.key" --token EC-TEST --label ec --id 0e --pin "$CARDLAB_PIN" >>"$W/hsm.log" 2>&1
pkcs11-tool --module "$MOD" --token-label EC-TEST --login --pin "$CARDLAB_PIN" \
	--write-object "$W/ec.der" --type cert --id 0e --label ec >>"$W/hsm.log" 2>&1
like "$(pkcs11-tool --module "$MOD" --token-label EC-TEST --login --pin "$CARDLAB_PIN" --list-objects 2>&1)" \
	"Private Key Object; EC" "jeton : clé privée EC"
EC=(--pkcs11-module "$MOD" --token EC-TEST --pin-file "$W/pin")

# --- PES, per Bordereau
out=$("$LIASSE" pes sign "${EC[@]}" "$PES/aller/recette_6_bordereaux_prefixe_p.xml" "$W/ec6.xml" 2>&1)
is "$?" 0 "ECDSA : 6 bordereaux signés"
like "$out" "Certificat : Claire Courbe" "ECDSA : le certificat du jeton"
like "$(cat "$W/ec6.xml")" "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>" "ECDSA : ecdsa-sha256"
is "$(xmlsec_all "$W/ec6.xml" 6)" 6 "ECDSA : xmlsec1 vérifie les 6 signatures (AC du laboratoire)"
out=$("$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/ec6.xml" 2>&1)
is "$?" 0 "ECDSA : pes verify avec la chaîne"
is "$(grep -c 'algorithme : ecdsa-sha256$' <<<"$out")" 6 "ECDSA : pes verify, 6 signatures ecdsa-sha256 conformes"
like "$out" "signataire : Claire Courbe" "ECDSA : signataire"
# the signature value is the raw r||s of XML-DSig (64 bytes), not DER
sv=$(python3 -c 'import base64,re,sys; d=open(sys.argv[1],"rb").read(); print(len(base64.b64decode(re.search(rb"<ds:SignatureValue[^>]*>([^<]*)<",d).group(1).replace(b"&#13;",b""))))' "$W/ec6.xml")
is "$sv" 64 "ECDSA : SignatureValue r||s de 64 octets"
sed 's/<MtBordHt V="\([0-9]*\)/<MtBordHt V="9\1/' "$W/ec6.xml" >"$W/ec6-t.xml"
"$LIASSE" pes verify "$W/ec6-t.xml" >/dev/null 2>&1
is "$?" 1 "ECDSA : montant modifié : échec"

# --- PES, global signature
out=$("$LIASSE" pes sign "${EC[@]}" "$PES/aller/depense_creation_document.xml" "$W/ecg.xml" 2>&1)
is "$?" 0 "ECDSA : signature globale"
is "$(xmlsec_all "$W/ecg.xml" 1)" 1 "ECDSA : xmlsec1 vérifie la signature globale"

# --- a document (CAdES)
printf '%%PDF-1.4\n%% document ECDSA\n' >"$W/doc.pdf"
out=$("$LIASSE" document sign "${EC[@]}" "$W/doc.pdf" "$W/doc.p7s" 2>&1)
is "$?" 0 "ECDSA : document signé (CAdES)"
check "ECDSA : openssl cms -verify accepte la signature" openssl cms -verify -binary -inform PEM \
	-in "$W/doc.p7s" -content "$W/doc.pdf" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
like "$(openssl cms -cmsout -print -inform PEM -in "$W/doc.p7s" 2>/dev/null)" "ecdsa-with-SHA256" "ECDSA : algorithme ecdsa-with-SHA256 dans le CMS"
out=$("$LIASSE" document verify --ca "$CARDLAB_CA_CERT" "$W/doc.pdf" "$W/doc.p7s" 2>&1)
is "$?" 0 "ECDSA : document verify"
printf 'x' >>"$W/doc.pdf"
check_fails "ECDSA : document modifié : openssl refuse" openssl cms -verify -binary -inform PEM \
	-in "$W/doc.p7s" -content "$W/doc.pdf" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
