#!/usr/bin/env bash
# Detached CAdES signatures of documents (liasse document sign/verify,
# liasse verify-cms), checked independently by openssl cms -verify.
. tests/sign/lib.inc
DOC=$W/deliberation.pdf
printf '%%PDF-1.4\n%% délibération de test\n' >"$DOC"
head -c 200000 /dev/urandom >>"$DOC"

out=$("$LIASSE" document sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" "$DOC" "$W/d.p7s" 2>&1)
is "$?" 0 "document sign (SoftHSM)"
like "$(head -1 "$W/d.p7s")" "BEGIN CMS" ".p7s en PEM"
check "openssl cms -verify accepte la signature (AC du laboratoire)" \
	openssl cms -verify -binary -inform PEM -in "$W/d.p7s" -content "$DOC" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
attrs=$(openssl cms -cmsout -print -inform PEM -in "$W/d.p7s")
like "$attrs" "signingTime" "attribut signingTime"
like "$attrs" "signingCertificateV2" "attribut signing-certificate-v2"
like "$attrs" "sha256" "SHA-256"
like "$attrs" "eContent: <ABSENT>" "signature détachée"
out=$("$LIASSE" verify-cms --ca "$CARDLAB_CA_CERT" "$DOC" "$W/d.p7s"); rc=$?
is "$rc" 0 "verify-cms : valide"
like "$out" "Signataire : Jeanne Martin" "verify-cms : signataire"
like "$out" "VALIDE \(CAdES-BES\)" "verify-cms : CAdES-BES"
cp "$DOC" "$W/altered.pdf"; printf 'x' >>"$W/altered.pdf"
out=$("$LIASSE" document verify "$W/altered.pdf" "$W/d.p7s"); rc=$?
is "$rc" 1 "document modifié : échec"
like "$out" "INVALIDE" "document modifié : INVALIDE"
out=$("$LIASSE" verify-cms "$DOC" "$PES/aller/depense_sans_id.xml" 2>&1); rc=$?
is "$rc" 2 "signature illisible : code 2"
like "$out" "n'est pas une signature CMS" "signature illisible : message"

# software key, then an EC P-256 key made here
check "document sign (clé logicielle)" "$LIASSE" document sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" "$DOC" "$W/soft.p7s"
check "openssl cms -verify (clé logicielle)" \
	openssl cms -verify -binary -inform PEM -in "$W/soft.p7s" -content "$DOC" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/ec.key" -out "$W/ec.crt" \
	-days 10 -subj "/CN=Agent EC" -addext "keyUsage=critical,nonRepudiation,digitalSignature" 2>/dev/null
check "document sign (ECDSA P-256)" "$LIASSE" document sign --key "$W/ec.key" --cert "$W/ec.crt" "$DOC" "$W/ec.p7s"
check "openssl cms -verify (ECDSA P-256)" \
	openssl cms -verify -binary -inform PEM -in "$W/ec.p7s" -content "$DOC" -CAfile "$W/ec.crt" -purpose any -out /dev/null
# ECDSA for a PES too, verified by xmlsec1
check "pes sign (ECDSA P-256)" "$LIASSE" pes sign --key "$W/ec.key" --cert "$W/ec.crt" "$PES/aller/depense_bordereau_id_small.xml" "$W/ec.xml"
check "xmlsec1 vérifie la signature ECDSA" xmlsec1 --verify --id-attr:Id PES_Aller --id-attr:Id Bordereau \
	--id-attr:Id "http://uri.etsi.org/01903/v1.2.2#:SignedProperties" --trusted-pem "$W/ec.crt" "$W/ec.xml"
check "pes verify (ECDSA)" "$LIASSE" pes verify "$W/ec.xml"
# refused certificate: nothing written
check_fails "document sign : certificat sans non-répudiation refusé" "$LIASSE" document sign "${SOFTHSM[@]}" --token CARDLAB-NONREP --pin-file "$W/pin" "$DOC" "$W/nr.p7s"
[ -e "$W/nr.p7s" ] && fail "rien écrit" || ok "rien écrit"
