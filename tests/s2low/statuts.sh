# S2LOW statuses that end a transaction without an acknowledgement
# (protocol §1.4 and §2): an acte in « refus d'envoi » (10), a PES
# cancelled on S2LOW (0) or posted although it expects no acquit (24)
# reach the error state with the reason in the history instead of being
# polled until the rule runs out; a status S2LOW omits is asked again.
# Transactions already past their acknowledgement when polled (an acte
# validated or at the SAE, a PES at the SAE) get their ARActe or acquit.
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
passe() { sql -c "SELECT count(*) FROM liasse.dossier_etat WHERE dossier_id = $1 AND etat = '$2'"; }
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
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a1")" "statut 3 \(Transmis\)\.$" \
	"statut 3 : son nom sur le travail"
ctl "/_test/advance?transaction=$t1&status=18" >/dev/null
due "$a1"; D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a1")" "statut 18 \(En attente d'être signé\)\.$" \
	"statut 18 : on attend, son nom sur le travail"
ctl "/_test/advance?transaction=$t1&status=10" >/dev/null
due "$a1"; D
is "$(etat "$a1")" "tdt-error" "statut 10 (refus d'envoi) : Erreur sur le TdT"
like "$(msg "$a1" tdt-error)" "transaction en erreur \(10\)" "le statut est dans l'historique"

# Actes acknowledged before the poll saw 4: validated (5) or already on
# to the SAE (13). The ARActe comes alone (get_status gives the XML of
# the current status); while S2LOW will not give it, the poll goes on.
a2=$(s2low_acte "$UA" "$ENT_A" DEL2024_S13 "Acte archivé avant le relevé" "$TEST_TMP/acte.pdf") || fail "dossier acte 2"
D
t2=$(val "$a2" tedetis_transaction_id)
ctl "/_test/advance?transaction=$t2&status=13" >/dev/null
ctl "/_test/redirige?chemin=/modules/actes/actes_transac_get_ARActe.php&n=1" >/dev/null
due "$a2"; D
is "$(etat "$a2")" "send-tdt" "statut 13, ARActe refusé par S2LOW : on redemande"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a2")" "statut 13, donc acquitté.*HTTP 302" \
	"la raison est gardée avec le travail"
due "$a2"; D
is "$(passe "$a2" acquiter-tdt)" 1 "statut 13 (archivé par le SAE) : Acquittement reçu, une fois"
like "$(val "$a2" acte_unique_id)" "^034-000000000-[0-9]{8}-DEL2024_S13-DE$" "statut 13 : IDActe lu dans l'ARActe"
is "$(sql -c "SELECT string_agg(champ, ' ' ORDER BY champ) FROM liasse.fichier WHERE dossier_id = $a2 AND champ IN ('aractes','bordereau','acte_tamponne')")" \
	"acte_tamponne aractes bordereau" "statut 13 : ARActe, bordereau et acte tamponné enregistrés"
a3=$(s2low_acte "$UA" "$ENT_A" DEL2024_S5 "Acte validé avant le relevé" "$TEST_TMP/acte.pdf") || fail "dossier acte 3"
D
ctl "/_test/advance?transaction=$(val "$a3" tedetis_transaction_id)&status=5" >/dev/null
due "$a3"; D
is "$(passe "$a3" acquiter-tdt)" 1 "statut 5 (validé) : Acquittement reçu, une fois"

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

# Helios: a PES acquitted, then on to the SAE before the poll saw 4
# (10, accepté par le SAE): its acquit is read; once destroyed (22) the
# acquit is gone and the poll goes on, saying why.
sed 's/<NomFic V="[^"]*"/<NomFic V="PES_STATUT_10"/' "$PES" >"$TEST_TMP/pes10.xml"
h3=$(pes_dossier "PES archivé avant le relevé" "$TEST_TMP/pes10.xml") || fail "dossier PES 3"
D
ht3=$(val "$h3" tedetis_transaction_id)
ctl "/_test/advance?transaction=$ht3&status=2" >/dev/null
due "$h3"; D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $h3")" \
	"statut 2 \(En attente de transmission\), pas encore acquitté" "statut 2 : on attend, le nom du statut est dit"
ctl "/_test/advance?transaction=$ht3&status=10&acquit=$SHARED/samples/pes/retour/acquit_ok.xml" >/dev/null
due "$h3"; D
is "$(passe "$h3" info-tdt)" 1 "statut 10 (accepté par le SAE) : Un fichier de réponse PES est disponible, une fois"
is "$(val "$h3" etat_ack)" 1 "statut 10 : etat_ack 1 (acquittement OK)"
is "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $h3 AND champ = 'fichier_reponse'")" \
	"pes10_ACK.xml" "statut 10 : PES_ACQUIT enregistré"
sed 's/<NomFic V="[^"]*"/<NomFic V="PES_STATUT_22"/' "$PES" >"$TEST_TMP/pes22.xml"
h4=$(pes_dossier "PES détruit avant le relevé" "$TEST_TMP/pes22.xml") || fail "dossier PES 4"
D
ctl "/_test/advance?transaction=$(val "$h4" tedetis_transaction_id)&status=22&acquit=$SHARED/samples/pes/retour/acquit_ok.xml" >/dev/null
due "$h4"; D
is "$(etat "$h4")" "send-tdt" "statut 22 (détruit), acquit introuvable : on redemande"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $h4")" \
	"statut 22 \(Détruit\), donc acquitté, mais son PES_ACQUIT n'a pas pu être lu" "la raison est gardée avec le travail"
