# S2LOW statuses that end a transaction without an acknowledgement
# (protocol §1.4 and §2): an acte in « refus d'envoi » (10), a PES
# cancelled on S2LOW (0) or posted although it expects no acquit (24)
# reach the error state with the reason in the history instead of being
# polled until the rule runs out; a status S2LOW omits is asked again.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low statuts" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2st || { fail "préparation"; exit 1; }
s2low_helpers "$PKI"
L() { PGUSER=$1 "$LIASSE" --db "dbname=$DB" "${@:2}"; }
msg() { sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $1 AND etat = '$2' ORDER BY id DESC LIMIT 1"; }
c=$(s2low_connecteur "$ENT_A" "$PKI") || fail "connecteur"
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "association actes"
C associate --entite "$ENT_A" --type-dossier helios-generique --famille TdT "$c" || fail "association helios"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"

# Actes: 3 (transmitted) waits, 10 (refus d'envoi) is final.
a1=$(s2low_acte "$UA" "$ENT_A" DEL2024_S10 "Acte refus d'envoi" "$TEST_TMP/acte.pdf") || fail "dossier acte"
D
is "$(etat "$a1")" "send-tdt" "acte transmis"
t1=$(val "$a1" tedetis_transaction_id)
ctl "/_test/advance?transaction=$t1&status=3" >/dev/null
due "$a1"; D
is "$(etat "$a1")" "send-tdt" "statut 3 (Transmis) : on attend"
ctl "/_test/advance?transaction=$t1&status=10" >/dev/null
due "$a1"; D
is "$(etat "$a1")" "tdt-error" "statut 10 (refus d'envoi) : Erreur sur le TdT"
like "$(msg "$a1" tdt-error)" "transaction en erreur \(10\)" "le statut est dans l'historique"

# Helios: 0 (cancelled) and 24 (no acquit expected) are final.
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
pes_dossier() {
	local id
	id=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "$1") &&
	L "$UA" dossier attach "$id" fichier_pes "$2" >/dev/null &&
	L "$UA" dossier set "$id" envoi_tdt=on >/dev/null &&
	L "$UA" dossier action "$id" orientation >/dev/null && echo "$id"
}
h1=$(pes_dossier "PES annulé" "$PES") || fail "dossier PES 1"
D
is "$(etat "$h1")" "send-tdt" "PES transmis"
ctl "/_test/advance?transaction=$(val "$h1" tedetis_transaction_id)&status=0" >/dev/null
due "$h1"; D
is "$(etat "$h1")" "tdt-error" "PES au statut 0 (annulé) : Erreur sur le TdT"
like "$(msg "$h1" tdt-error)" "annulé sur S²LOW" "raison de l'annulation dans l'historique"

# Another file (a second identical PES would be a « doublon »).
sed 's/<NomFic V="[^"]*"/<NomFic V="PES_STATUT_24"/' "$PES" >"$TEST_TMP/pes24.xml"
cmp -s "$PES" "$TEST_TMP/pes24.xml" && fail "le PES de test n'a pas changé de nom"
h2=$(pes_dossier "PES sans acquit" "$TEST_TMP/pes24.xml") || fail "dossier PES 2"
D
is "$(etat "$h2")" "send-tdt" "second PES transmis"
ctl "/_test/advance?transaction=$(val "$h2" tedetis_transaction_id)&status=24" >/dev/null
due "$h2"; D
is "$(etat "$h2")" "tdt-error" "PES au statut 24 : Erreur sur le TdT"
like "$(msg "$h2" tdt-error)" "aucun acquittement" "raison (aucun acquittement attendu) dans l'historique"
