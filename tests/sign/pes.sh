#!/usr/bin/env bash
# liasse pes sign / pes verify with SoftHSM and a software key; the
# signed samples; bad input.
. tests/sign/lib.inc
KEY=(--key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT")

# --- SoftHSM token, per bordereau (6 bordereaux, p: prefix)
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" \
	--city Dijon --postal-code 21000 --role "Maire adjoint" \
	"$PES/aller/recette_6_bordereaux_prefixe_p.xml" "$W/r6.xml" 2>&1)
is "$?" 0 "SoftHSM : signature des 6 bordereaux"
like "$out" "6 signature\(s\) par bordereau" "SoftHSM : message de fin"
like "$out" "Certificat : Jeanne Martin" "SoftHSM : le certificat est montré"
is "$(xmlsec_all "$W/r6.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures (AC du laboratoire)"
is "$(grep -o '<ds:Signature ' "$W/r6.xml" | wc -l)" 6 "6 ds:Signature"
out=$("$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/r6.xml"); rc=$?
is "$rc" 0 "pes verify : 6 signatures valides avec la chaîne"
is "$(grep -c 'résultat   : VALIDE' <<<"$out")" 6 "pes verify : 6 résultats VALIDE"
like "$out" "qualité    : Maire adjoint" "ClaimedRole écrit"
like "$out" "signataire : Jeanne Martin" "signataire affiché"
strip_sigs "$W/r6.xml" >"$W/r6.stripped"
check "hors signatures, le fichier est identique octet pour octet" cmp "$W/r6.stripped" "$PES/aller/recette_6_bordereaux_prefixe_p.xml"
like "$(head -c 60 "$W/r6.xml")" "ISO-8859-1|iso-8859-1" "encodage d'origine gardé"
like "$(cat "$W/r6.xml")" "<xad:City>Dijon</xad:City><xad:PostalCode>21000</xad:PostalCode><xad:CountryName>France</xad:CountryName>" "lieu de signature"
like "$(cat "$W/r6.xml")" "<xad:Identifier>urn:oid:1.2.250.1.131.1.5.18.21.1.7</xad:Identifier>" "politique DGFiP .1.7"
like "$(cat "$W/r6.xml")" "roF9\+cfRHNPtVJolhdqfIqGMVuUXX8aR4rpiquf0u5E=" "empreinte de la politique"
like "$(cat "$W/r6.xml")" "xmlenc#sha256\"/><xad:DigestValue>" "CertDigest SHA-256 par défaut"
like "$(cat "$W/r6.xml")" "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>" "rsa-sha256"
like "$(cat "$W/r6.xml")" "<xad:SigningTime>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z</xad:SigningTime>" "SigningTime UTC Z"
# the issuer name as Java writes it (organizationIdentifier etc. as OID=#hex)
issuer=$(grep -o '<ds:X509IssuerName>[^<]*' "$W/r6.xml" | head -1 | cut -d'>' -f2)
like "$issuer" "^CN=Cardlab AC Test RGS - NE PAS UTILISER EN PRODUCTION,OU=0002 000000000,O=Cardlab AC de test,C=FR$" "X509IssuerName au format RFC 2253 (Java)"
serial=$(openssl x509 -in "$CARDLAB_SIGN_CERT" -noout -serial | cut -d= -f2)
is "$(grep -o '<ds:X509SerialNumber>[^<]*' "$W/r6.xml" | head -1 | cut -d'>' -f2)" "$(python3 -c "print(int('$serial',16))")" "numéro de série en décimal"

# --- the same file again: already signed
check_fails "refus de signer un PES déjà signé" "$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" "$W/r6.xml" "$W/r6bis.xml"
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" "$W/r6.xml" "$W/r6bis.xml" 2>&1)
like "$out" "déjà signé" "message : déjà signé"
[ -e "$W/r6bis.xml" ] && fail "rien n'est écrit" || ok "rien n'est écrit"

# --- global signature (root Id only), Libersign-compatible SHA-1 CertDigest
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" --libersign \
	"$PES/aller/depense_creation_document.xml" "$W/global.xml" 2>&1)
is "$?" 0 "signature globale"
like "$out" "signature\(s\) globale" "message : globale"
is "$(xmlsec_all "$W/global.xml" 1)" 1 "xmlsec1 vérifie la signature globale"
like "$(tail -c 200 "$W/global.xml")" "</ds:Signature></n:PES_Aller>" "ds:Signature dernier enfant de PES_Aller"
like "$(cat "$W/global.xml")" "xmldsig#sha1\"/><xad:DigestValue>" "--libersign : CertDigest SHA-1"
check "pes verify : signature globale valide" "$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/global.xml"

# --- software key (PEM)
out=$("$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/soft.xml" 2>&1)
is "$?" 0 "clé logicielle : signature"
is "$(xmlsec_all "$W/soft.xml" 1)" 1 "clé logicielle : xmlsec1 vérifie"
# Libersign's digest of this Bordereau (pes-signature.md)
like "$(cat "$W/soft.xml")" "dovf/kQSqohYT8iQPhk/D9LCkwGJjp3kD1GfAx\+\+sCE=" "empreinte du bordereau identique à Libersign"
like "$(cat "$W/soft.xml")" "<xad:ClaimedRole>Ordonnateur</xad:ClaimedRole>" "rôle par défaut Ordonnateur"
check_fails "clé qui ne correspond pas au certificat" "$LIASSE" pes sign --key "$CARDLAB_DIR/pki/jeanne-auth.key" --cert "$CARDLAB_SIGN_CERT" "$PES/aller/depense_bordereau_id_small.xml" "$W/x.xml"

# --- InfoDematerialisee absent or 0: warned (and still signed); 1: no warning
DEMAT="Attention : InfoDematerialisee est absent ou à 0 dans ce PES ; la DGFiP rejette un flux signé dans ce cas."
grep -q '<InfoDematerialisee V="0"/>' "$PES/aller/depense_bordereau_id_small.xml" || fail "échantillon avec InfoDematerialisee à 0"
sed 's|<InfoDematerialisee V="0"/>|<InfoDematerialisee V="1"/>|' "$PES/aller/depense_bordereau_id_small.xml" >"$W/demat1.xml"
sed 's|<InfoDematerialisee V="0"/>||' "$PES/aller/depense_bordereau_id_small.xml" >"$W/demat-absent.xml"
for v in 0 absent 1; do
	case $v in 0) in=$PES/aller/depense_bordereau_id_small.xml;; absent) in=$W/demat-absent.xml;; 1) in=$W/demat1.xml;; esac
	out=$("$LIASSE" pes sign "${KEY[@]}" "$in" "$W/demat-$v-out.xml" 2>&1)
	is "$?" 0 "InfoDematerialisee $v : signé"
	if [ "$v" = 1 ]; then
		[[ $out == *InfoDematerialisee* ]] && fail "InfoDematerialisee à 1 : aucun avertissement" || ok "InfoDematerialisee à 1 : aucun avertissement"
	else
		like "$out" "$DEMAT" "InfoDematerialisee $v : avertissement en français"
	fi
done
is "$(grep -c InfoDematerialisee "$W/demat-absent.xml")" 0 "le fichier sans InfoDematerialisee n'en a pas"

# --- certificates unfit for RGS signing: refused before any PIN
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-NONREP --pin-file /nonexistent/pin \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/nonrep.xml" 2>&1)
rc=$?
is "$rc" 1 "certificat sans non-répudiation refusé"
like "$out" "non-répudiation.*absent" "message : non-répudiation absente"
if grep -q "fichier de code PIN" <<<"$out"; then fail "refusé avant de lire le PIN"; else ok "refusé avant de lire le PIN"; fi
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-EXPIRED --pin-file /nonexistent/pin \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/exp.xml" 2>&1)
is "$?" 1 "certificat expiré refusé"
like "$out" "Paul Durand-Hénaff a expiré le 2023-01-01" "message : expiré (nom accentué)"
[ -e "$W/exp.xml" ] || [ -e "$W/nonrep.xml" ] && fail "aucun fichier écrit" || ok "aucun fichier écrit"

# --- wrong PIN (SoftHSM): French message, nothing written
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/wrongpin" \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/wp.xml" 2>&1)
is "$?" 1 "mauvais PIN : échec"
like "$out" "Code PIN incorrect" "mauvais PIN : message"
[ -e "$W/wp.xml" ] && fail "mauvais PIN : rien écrit" || ok "mauvais PIN : rien écrit"
# and the token reports failed tries afterwards (CKF_USER_PIN_COUNT_LOW)
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/wrongpin" \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/wp.xml" 2>&1)
like "$out" "essais échoués" "mauvais PIN : ce que signale la carte"

# --- the signed samples
for f in "$PES"/signed/*.xml; do
	b=$(basename "$f")
	out=$("$LIASSE" pes verify "$f" 2>&1); rc=$?
	if [ "$b" = altere_doit_echouer.xml ]; then
		is "$rc" 1 "$b : échoue (code 1)"
		like "$out" "INVALIDE" "$b : INVALIDE"
	else
		is "$rc" 0 "$b : valide"
		like "$out" "signataire : [^(]" "$b : signataire affiché"
	fi
done
out=$("$LIASSE" pes verify "$PES/signed/libersign_sha1_xades111_2mo.xml")
like "$out" "non conforme à la politique DGFiP" "SHA-1 signalé non conforme"
out=$("$LIASSE" pes verify --ca "$PES/certs/AC_ADULLACT_ROOT_G3.pem" "$PES/signed/libersign_sha256_bordereau.xml"); rc=$?
is "$rc" 1 "chaîne incomplète (AC intermédiaire absente) : échec"

# --- tampering with our own output
sed 's/<MtBordHt V="\([0-9]*\)/<MtBordHt V="9\1/' "$W/r6.xml" >"$W/tampered.xml"
out=$("$LIASSE" pes verify "$W/tampered.xml"); rc=$?
is "$rc" 1 "montant modifié après signature : échec"
# signature wrapping: move a signature into another bordereau
python3 - "$W/r6.xml" "$W/wrapped.xml" <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
sigs = list(re.finditer(rb'<ds:Signature .*?</ds:Signature>', d, re.S))
# drop the second signature and put a copy of the first one in its place
s1, s2 = sigs[0], sigs[1]
d = d[:s2.start()] + s1.group(0).replace(b'_SIG_1', b'_SIG_X') + d[s2.end():]
open(sys.argv[2], 'wb').write(d)
PY
out=$("$LIASSE" pes verify "$W/wrapped.xml"); rc=$?
is "$rc" 1 "signature déplacée dans un autre bordereau : échec"
like "$out" "ne couvre pas l'élément qui la contient|ne désigne ni" "signature déplacée : expliqué"

# --- bad input: refused with a French message; neither the output file nor
# its temporary copy (OUT.tmp.PID) is left behind
# nothing_written WHAT OUT
nothing_written() {
	if compgen -G "$2*" >/dev/null; then fail "$1 : rien écrit ($(ls "$2"*))"; else ok "$1 : rien écrit"; fi
}
nothing_written "déjà signé" "$W/r6bis.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n<n:PES_Aller xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller">&b;</n:PES_Aller>\n' >"$W/bomb.xml"
out=$("$LIASSE" pes verify "$W/bomb.xml" 2>&1); rc=$?
is "$rc" 2 "bombe XML : code 2"
like "$out" "DTD" "bombe XML : message DTD"
out=$("$LIASSE" pes sign "${KEY[@]}" "$W/bomb.xml" "$W/bomb-out.xml" 2>&1)
is "$?" 1 "bombe XML : signature refusée"
like "$out" "DTD" "bombe XML : signature refusée, message DTD"
nothing_written "bombe XML" "$W/bomb-out.xml"
# a billion laughs in a PES that has Ids, the entity used inside a Bordereau
python3 - "$PES/aller/depense_bordereau_id_small.xml" "$W/bomb2.xml" <<'PY2'
import sys
d = open(sys.argv[1], 'rb').read()
ents = '<!ENTITY l0 "rire">' + ''.join('<!ENTITY l%d "%s">' % (i, ('&l%d;' % (i - 1)) * 10) for i in range(1, 10))
i = d.index(b'?>') + 2
d = d[:i] + ('\n<!DOCTYPE n:PES_Aller [%s]>' % ents).encode() + d[i:]
j = d.index(b'<BlocBordereau>')
open(sys.argv[2], 'wb').write(d[:j] + b'<Rire>&l9;</Rire>' + d[j:])
PY2
out=$("$LIASSE" pes sign "${KEY[@]}" "$W/bomb2.xml" "$W/bomb2-out.xml" 2>&1)
is "$?" 1 "bombe XML dans un bordereau : signature refusée"
like "$out" "DTD" "bombe XML dans un bordereau : message DTD"
nothing_written "bombe XML dans un bordereau" "$W/bomb2-out.xml"
head -c 1500 "$PES/aller/depense_bordereau_id_small.xml" >"$W/trunc.xml"
out=$("$LIASSE" pes sign "${KEY[@]}" "$W/trunc.xml" "$W/trunc-out.xml" 2>&1)
is "$?" 1 "fichier tronqué : refus"
like "$out" "bien formé|ligne [0-9]+" "fichier tronqué : message"
nothing_written "fichier tronqué" "$W/trunc-out.xml"
out=$("$LIASSE" pes sign "${KEY[@]}" "$PES/aller/depense_sans_id.xml" "$W/noid.xml" 2>&1)
is "$?" 1 "PES sans Id : refus"
like "$out" "identifiant valide" "PES sans Id : message"
nothing_written "PES sans Id" "$W/noid.xml"
sed 's/Id="BORD822933"/Id="ID153504434"/' "$PES/aller/depense_bordereau_id_small.xml" >"$W/dup.xml"
out=$("$LIASSE" pes sign "${KEY[@]}" "$W/dup.xml" "$W/dup-out.xml" 2>&1)
is "$?" 1 "Id en double : refus"
like "$out" "apparaît deux fois" "Id en double : message"
nothing_written "Id en double" "$W/dup-out.xml"
out=$("$LIASSE" pes verify "$PES/retour/acquit_ok.xml" 2>&1); rc=$?
is "$rc" 2 "pas un PES Aller : code 2"
like "$out" "pas un PES Aller" "pas un PES Aller : message"
# 200 MB that are not XML: read as a stream (large files are), refused
# at the first bytes, with bounded memory
truncate -s 200M "$W/big.xml"
# (AddressSanitizer reserves terabytes of shadow memory: no ulimit -v then)
if [ -n "${SAN:-}" ]; then lim=unlimited; else lim=400000; fi
out=$( (ulimit -v $lim; "$LIASSE" pes verify "$W/big.xml") 2>&1); rc=$?
is "$rc" 2 "200 Mo : code 2"
like "$out" "trop gros|Encodage|bien formé" "200 Mo : message"
out=$( (ulimit -v $lim; "$LIASSE" pes sign "${KEY[@]}" "$W/big.xml" "$W/big-out.xml") 2>&1); rc=$?
is "$rc" 1 "200 Mo : signature refusée"
like "$out" "trop gros|Encodage|bien formé" "200 Mo : signature refusée, message"
nothing_written "200 Mo" "$W/big-out.xml"
rm -f "$W/big.xml"
# 200 MB of a real PES broken at its very end: the signatures already
# computed while streaming are not left in any file
python3 tests/lib/gen_pes.py "$PES/aller/recette_6_bordereaux_prefixe_p.xml" 200 "$W/big.xml"
printf '<Bordereau Id="FIN"><Pas_ferme>' >>"$W/big.xml"
# (1 GB of address space: the file is mapped, a whole-document tree would not fit)
if [ -n "${SAN:-}" ]; then lim=unlimited; else lim=1000000; fi
out=$( (ulimit -v $lim; "$LIASSE" pes sign "${KEY[@]}" "$W/big.xml" "$W/big-out.xml") 2>&1); rc=$?
is "$rc" 1 "200 Mo cassé à la fin : signature refusée"
like "$out" "bien formé|ligne [0-9]+" "200 Mo cassé à la fin : message"
nothing_written "200 Mo cassé à la fin" "$W/big-out.xml"
rm -f "$W/big.xml"
