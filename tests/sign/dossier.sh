#!/usr/bin/env bash
# liasse dossier signer: a PES dossier signed with the SoftHSM token and a
# software key, stored beside the original and moved on (signature-locale
# then orientation); wrong PIN, unfit certificate, wrong state, two agents
# at once; a document to sign gets its detached CAdES .p7s.
. tests/sign/lib.inc
. tests/lib/dossier.sh
dossier_setup dsig || { fail "préparation"; exit 1; }
SRC=$PES/aller/recette_6_bordereaux_prefixe_p.xml

state() { dsql "$UA" "SELECT etat || '|' || version FROM dossier WHERE id = $1"; }
nfiles() { dsql "$UA" "SELECT count(*) FROM fichier WHERE dossier_id = $1 AND champ = '$2'"; }

id=$(new_pes "PES recettes" "$SRC")
like "$id" '^[0-9]+$' "dossier PES prêt"
before=$(state "$id")
like "$before" "^send-signature-local\|" "état Document à faire signer"

# --- wrong PIN: French message, nothing changes
out=$(L "$UA" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/wrongpin" 2>&1)
is "$?" 1 "mauvais PIN : code 1"
like "$out" "Code PIN incorrect" "mauvais PIN : message"
is "$(state "$id")" "$before" "mauvais PIN : état et version inchangés"
is "$(nfiles "$id" fichier_pes_signe)" 0 "mauvais PIN : aucun PES signé stocké"

# --- unfit certificate: refused before the PIN, nothing changes
out=$(L "$UA" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-NONREP --pin-file /nonexistent/pin 2>&1)
is "$?" 1 "certificat sans non-répudiation : code 1"
like "$out" "non-répudiation" "certificat sans non-répudiation : message"
is "$(state "$id")" "$before" "certificat refusé : dossier inchangé"

# --- a consultation-only agent may not sign
out=$(L "$UC" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" 2>&1)
is "$?" 1 "agent en consultation : refus"
like "$out" "Droit « helios-generique:edition » manquant" "agent en consultation : message"

# --- another agent is signing it right now (row locked): conflict at once
sql -c "SET lock_timeout = '10s'" -c "BEGIN" \
	-c "SELECT 1 FROM liasse.dossier WHERE id = $id FOR UPDATE" -c "SELECT pg_sleep(10)" \
	-c "COMMIT" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
	[ "$(sql -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'dossier' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()")" -gt 0 ] && break
	sleep 0.1
done
t0=$(date +%s)
out=$(L "$UA" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" 2>&1)
rc=$?
t1=$(date +%s)
is "$rc" 1 "deux signatures en même temps : la seconde échoue"
like "$out" "en cours de signature ou de modification par un autre agent" "deux signatures : message de conflit"
# The lock is held 10 s: an answer within 7 s did not wait for it (room
# for a loaded machine).
check "deux signatures : réponse immédiate, sans attendre le verrou" test $((t1 - t0)) -lt 7
wait "$locker"
is "$(state "$id")" "$before" "conflit : dossier inchangé"

# --- the signature
out=$(L "$UA" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" \
	--city Dijon --postal-code 21000 --role "Maire adjoint" 2>&1)
is "$?" 0 "signature du dossier (SoftHSM)"
like "$out" "Signature de 6 bordereau\(x\)" "les 6 bordereaux annoncés"
like "$out" "etat: recu-iparapheur" "état Signature récupérée"
like "$out" "signatures: 6" "6 signatures"
like "$out" "signataire: Jeanne Martin" "signataire vérifié"
L "$UA" dossier get "$id" fichier_pes_signe "$W/d-signe.xml" >/dev/null
L "$UA" dossier get "$id" fichier_pes "$W/d-orig.xml" >/dev/null
check "l'original est gardé tel quel dans fichier_pes" cmp "$W/d-orig.xml" "$SRC"
out=$("$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/d-signe.xml"); rc=$?
is "$rc" 0 "pes verify : le PES stocké est valide"
is "$(grep -c 'résultat   : VALIDE' <<<"$out")" 6 "pes verify : 6 signatures valides"
like "$out" "qualité    : Maire adjoint" "rôle écrit"
is "$(xmlsec_all "$W/d-signe.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures du PES stocké"
strip_sigs "$W/d-signe.xml" >"$W/d-strip.xml"
check "hors signatures, le PES stocké est l'original" cmp "$W/d-strip.xml" "$SRC"
is "$(dsql "$UA" "SELECT nom || '|' || mime FROM fichier WHERE dossier_id = $id AND champ = 'fichier_pes_signe' AND complet")" \
	"recette_6_bordereaux_prefixe_p.xml|application/xml" "PES signé stocké sous le nom de l'original"
hist=$(L "$UA" dossier history "$id")
like "$hist" "signature-locale	$UA	Signé par Jeanne Martin \(6 signatures vérifiées\)" "historique : signature-locale par l'agent"
like "$(L "$UA" dossier journal "$id")" "signé et vérifié" "journal : fichier signé et vérifié"
sys "SELECT job_run_local($id)" >/dev/null
acts=$(L "$UA" dossier history "$id" | cut -f4 | tr '\n' ' ')
like "$acts" "orientation send-signature-local signature-locale orientation" "historique : signature-locale puis orientation"

# --- signing again: the state does not allow it any more
out=$(L "$UA" dossier signer "$id" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" 2>&1)
is "$?" 1 "seconde signature refusée"
like "$out" "impossible : l'état" "seconde signature : message d'état"

# --- wrong state, type without local signature
id2=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "Brouillon")
out=$(L "$UA" dossier signer "$id2" --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" 2>&1)
is "$?" 1 "dossier pas encore à signer : refus"
like "$out" "Signer avec la carte.*impossible" "dossier pas encore à signer : message"
ida=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Note")
out=$(L "$UA" dossier signer "$ida" --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" 2>&1)
like "$out" "ne se signent pas avec la carte" "type sans signature locale : message"
out=$(L "$UA" dossier signer abc 2>&1)
is "$?" 2 "identifiant invalide : code 2"

# --- software key, global signature
id3=$(new_pes "PES global" "$PES/aller/depense_creation_document.xml")
out=$(L "$UA" dossier signer "$id3" --key "$CARDLAB_DIR/pki/jeanne-sign.key" --cert "$CARDLAB_SIGN_CERT" 2>&1)
is "$?" 0 "clé logicielle : dossier signé"
like "$out" "Signature globale" "signature globale annoncée"
L "$UA" dossier get "$id3" fichier_pes_signe "$W/g.xml" >/dev/null
is "$(xmlsec_all "$W/g.xml" 1)" 1 "xmlsec1 vérifie la signature globale stockée"

# --- a document to sign: detached CAdES in "signature"
DOC=$W/convention.pdf
printf '%%PDF-1.4\n%% convention de test\n' >"$DOC"
head -c 50000 /dev/urandom >>"$DOC"
idd=$(L "$UA" dossier create --entite "$ENT_A" --type document-a-signer --titre "Convention")
L "$UA" dossier set "$idd" iparapheur_sous_type=Convention >/dev/null
L "$UA" dossier attach "$idd" document "$DOC" >/dev/null
out=$(L "$UA" dossier signer "$idd" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" 2>&1)
is "$?" 0 "document : signé"
like "$out" "fichier: convention.pdf.p7s" "document : .p7s nommé d'après le document"
like "$out" "etat: recu-iparapheur" "document : état Signature récupérée"
L "$UA" dossier get "$idd" signature "$W/conv.p7s" >/dev/null
check "document : openssl cms -verify accepte la .p7s stockée" \
	openssl cms -verify -binary -inform PEM -in "$W/conv.p7s" -content "$DOC" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
check "document : liasse verify-cms" "$LIASSE" verify-cms --ca "$CARDLAB_CA_CERT" "$DOC" "$W/conv.p7s"
L "$UA" dossier get "$idd" document "$W/conv-orig.pdf" >/dev/null
check "document : l'original est gardé" cmp "$W/conv-orig.pdf" "$DOC"

# --- an acte signed at the desk: cheminement « signature locale », the
# acte's CAdES in its own field, the parapheur's field left alone.
ida=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Délibération signée")
L "$UA" dossier set "$ida" acte_nature=1 numero_de_lacte=SIG_2026_01 classification=1.1 type_acte=99_DE \
	envoi_signature_locale=on envoi_tdt=off >/dev/null
L "$UA" dossier attach "$ida" arrete "$DOC" >/dev/null
L "$UA" dossier action "$ida" orientation >/dev/null
sys "SELECT job_run_local($ida)" >/dev/null
like "$(state "$ida")" "^send-signature-local\|" "acte : cheminement vers la signature locale"
out=$(L "$UA" dossier signer "$ida" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/wrongpin" 2>&1)
is "$(nfiles "$ida" signature_locale)" 0 "acte : mauvais PIN, aucune signature stockée"
out=$(L "$UA" dossier signer "$ida" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" 2>&1)
is "$?" 0 "acte : signé"
like "$out" "etat: signature-locale" "acte : état Signé avec la carte"
L "$UA" dossier get "$ida" signature_locale "$W/acte.p7s" >/dev/null
check "acte : openssl cms -verify accepte la signature de l'acte" \
	openssl cms -verify -binary -inform PEM -in "$W/acte.p7s" -content "$DOC" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
is "$(nfiles "$ida" signature)" 0 "acte : le champ du parapheur n'est pas touché"
sys "SELECT job_run_local($ida)" >/dev/null
is "$(dsql "$UA" "SELECT string_agg(etat, ',' ORDER BY id) FROM dossier_etat WHERE dossier_id = $ida AND etat IN ('send-signature-local', 'signature-locale', 'termine')")" \
	"send-signature-local,signature-locale,termine" "acte : signature locale puis fin du cheminement"


# --- the TdT connector sends the signed PES (S2LOW test double)
. tests/s2low/lib.sh
if command -v python3 >/dev/null && s2low_certs "$TEST_TMP/pki" && s2low_start "$TEST_TMP/pki"; then
	trap s2low_stop EXIT
	C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
	c=$(C create --entite "$ENT_A" --type s2low "S2LOW de test")
	C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$TEST_TMP/pki/ca.pem" &&
	C set "$c" certificat --fichier "$TEST_TMP/pki/client.pem" &&
	C set "$c" cle --fichier "$TEST_TMP/pki/client.key" &&
	C associate --entite "$ENT_A" --type-dossier helios-generique --famille TdT "$c" >/dev/null ||
		fail "connecteur S2LOW"
	idt=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES au TdT")
	L "$UA" dossier set "$idt" envoi_signature=on envoi_tdt=on >/dev/null
	L "$UA" dossier attach "$idt" fichier_pes "$SRC" >/dev/null
	L "$UA" dossier action "$idt" orientation >/dev/null
	sys "SELECT job_run_local($idt)" >/dev/null
	L "$UA" dossier signer "$idt" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" >/dev/null 2>&1
	for _ in 1 2 3; do "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1; done
	is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $idt")" send-tdt "signé puis transmis au TdT"
	L "$UA" dossier get "$idt" fichier_pes_signe "$W/t.xml" >/dev/null
	posted=$(s2low_ctl "$TEST_TMP/pki" /_test/stats | python3 -c 'import json,sys; print(" ".join(v["sha1"] for v in json.load(sys.stdin)["helios"].values()))')
	is "$posted" "$(sha1sum "$W/t.xml" | cut -d' ' -f1)" "S2LOW a reçu le PES signé (et non l'original)"
	s2low_stop
else
	fail "double S2LOW"
fi

# --- the virtual PIV card (pcscd + opensc, PIN before each signature)
if [ "${CARDLAB_VCARD:-0}" = 1 ]; then
	OPENSC=(--pkcs11-module "$CARDLAB_OPENSC_MODULE" --token "Jeanne Martin")
	idv=$(new_pes "PES carte" "$SRC")
	out=$(L "$UA" dossier signer "$idv" "${OPENSC[@]}" --pin-file "$W/pin" 2>&1)
	is "$?" 0 "carte virtuelle : dossier signé (6 bordereaux, PIN par signature)"
	L "$UA" dossier get "$idv" fichier_pes_signe "$W/v.xml" >/dev/null
	is "$(xmlsec_all "$W/v.xml" 6)" 6 "carte virtuelle : xmlsec1 vérifie les 6 signatures stockées"
	idl=$(new_pes "PES carte bloquée" "$SRC")
	vl=$(state "$idl")
	"$SHARED/cardlab/card" lock 0 >/dev/null 2>&1
	out=$(L "$UA" dossier signer "$idl" "${OPENSC[@]}" --pin-file "$W/pin" 2>&1)
	is "$?" 1 "carte bloquée : refus"
	like "$out" "Carte bloquée" "carte bloquée : message"
	is "$(state "$idl")" "$vl" "carte bloquée : dossier inchangé"
	"$SHARED/cardlab/card" unblock 0 >/dev/null 2>&1
	"$SHARED/cardlab/card" remove 0 >/dev/null 2>&1
	out=$(L "$UA" dossier signer "$idl" "${OPENSC[@]}" --pin-file "$W/pin" 2>&1)
	is "$?" 1 "carte retirée : refus"
	like "$out" "[Cc]arte|jeton|lecteur" "carte retirée : message"
	is "$(state "$idl")" "$vl" "carte retirée : dossier inchangé"
	"$SHARED/cardlab/card" insert 0 >/dev/null 2>&1
else
	skip "carte virtuelle : signature d'un dossier" "pas de carte virtuelle dans le laboratoire"
fi
