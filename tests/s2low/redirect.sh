# S2LOW answers a download error with a 302 to its home page (protocol
# note §0.6): never followed, never stored as the file. A stamped acte
# redirected once: the verification retries with a French reason, nothing
# stored, then succeeds; a PES_ACQUIT always redirected: retried, then the
# error state after the tries of the rule, with the reason in the history.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low redirections" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" --acquit "$SHARED/samples/pes/retour/acquit_ko_SEN.xml" ||
	{ fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2rd || { fail "préparation"; exit 1; }
s2low_helpers "$PKI"
c=$(s2low_connecteur "$ENT_A" "$PKI") || fail "connecteur"
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" &&
C associate --entite "$ENT_A" --type-dossier helios-generique --famille TdT "$c" || fail "associations"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1 X 2')" >/dev/null

# The double's mode itself: a 302 to / with an HTML body.
ctl "/_test/redirige?chemin=/modules/actes/actes_download_file.php&n=1" >/dev/null
out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" \
	--key "$PKI/client.key" "$S2LOW_URL/modules/actes/actes_download_file.php?file=1")
is "$out" "302 $S2LOW_URL/" "le double répond 302 vers l'accueil sur demande"

# Stamped acte: one redirect, then the file.
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
a=$(s2low_acte "$UA" "$ENT_A" DEL2024_R1 "Acte redirigé" "$TEST_TMP/acte.pdf") || fail "dossier acte"
D
is "$(etat "$a")" "send-tdt" "acte transmis"
tid=$(val "$a" tedetis_transaction_id)
ctl "/_test/advance?transaction=$tid&status=4" >/dev/null
ctl "/_test/redirige?chemin=/modules/actes/actes_download_file.php&n=1" >/dev/null
due "$a"; D
is "$(sql -c "SELECT action FROM liasse.job WHERE dossier_id = $a")|$(etat "$a")" "verif-tdt|send-tdt" \
	"acte tamponné redirigé : la vérification sera refaite"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $a")" \
	"S²LOW a refusé le téléchargement \(redirection vers « /? ?»\)" "raison en français sur le travail"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $a AND (champ = 'acte_tamponne' OR mime = 'text/html')")" 0 \
	"aucune page HTML enregistrée comme acte tamponné"
due "$a"; D
like "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $a")" \
	"acquiter-tdt" "essai suivant : Acquittement reçu"
L "$UA" dossier get "$a" acte_tamponne - >"$TEST_TMP/tamponne" 2>/dev/null
is "$(head -c 5 "$TEST_TMP/tamponne")" "%PDF-" "l'acte tamponné enregistré est un PDF"
like "$(cat "$TEST_TMP/tamponne")" "Recu en prefecture" "celui de S2LOW, tamponné"

# PES_ACQUIT: always redirected.
h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES redirigé")
L "$UA" dossier attach "$h" fichier_pes "$SHARED/samples/pes/aller/depense_accents_latin1.xml" >/dev/null &&
L "$UA" dossier action "$h" orientation >/dev/null || fail "dossier PES"
D
is "$(etat "$h")" "send-tdt" "PES transmis"
ht=$(val "$h" tedetis_transaction_id)
ctl "/_test/advance?transaction=$ht&status=4" >/dev/null
ctl "/_test/redirige?chemin=/modules/helios/helios_download_acquit.php&n=100" >/dev/null
due "$h"; D
like "$(sql -c "SELECT nb_try || ' ' || last_message FROM liasse.job WHERE dossier_id = $h")" \
	"^[0-9]+ S²LOW a refusé le téléchargement \(redirection" "PES_ACQUIT redirigé : nouvel essai prévu, raison en français"
for i in 1 2 3 4; do
	[ "$(etat "$h")" = tdt-error ] && break
	due "$h"; D
done
is "$(etat "$h")" "tdt-error" "essais épuisés : Erreur lors de la transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $h AND etat = 'tdt-error'")" \
	"S²LOW a refusé le téléchargement \(redirection" "raison dans l'historique"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $h AND (champ = 'fichier_reponse' OR mime = 'text/html')")" 0 \
	"aucune page HTML enregistrée comme PES_ACQUIT"
is "$(val "$h" etat_ack)" "0" "etat_ack inchangé (0, pas d'acquittement)"
